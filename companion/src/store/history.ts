/**
 * The history's pending counts: points of committed batches counted by key,
 * minute and cell in memory, then written to the minute and hour tables in
 * one transaction that also marks their batches folded, so that each batch
 * is in the history exactly once. The commit thread gathers and writes those
 * of the batches it commits; the store, those of batches it commits itself
 * and those a crash left unfolded.
 */
import type Database from "better-sqlite3";
import { anchorKey, splitSideKey } from "../../../protocol/anchor";
import { taggedKey } from "../../../protocol/tags";
import type { KeyedPoints } from "../pipeline";

/** The history's two resolutions: its rows are per minute and per hour. */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/**
 * Counts by cell: an open-addressing table in typed arrays, since a Map's
 * get and set per point were the larger part of the commit thread's work.
 */
export class CellCounts {
  /** cell + 1 per place (0: empty); float64 holds every uint32 cell exactly. */
  private keys = new Float64Array(16);
  private counts = new Uint32Array(16);
  /** 32 − log2 of the number of places: a place is the top bits of the cell's Fibonacci hash. */
  private shift = 28;
  private used = 0;

  add(cell: number, n = 1): void {
    const key = cell + 1;
    let keys = this.keys;
    let mask = keys.length - 1;
    let i = Math.imul(cell, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const held = keys[i] as number;
      if (held === key) {
        (this.counts[i] as number) += n;
        return;
      }
      if (held === 0) break;
      i = (i + 1) & mask;
    }
    if (2 * (this.used + 1) > keys.length) {
      this.grow();
      keys = this.keys;
      mask = keys.length - 1;
      i = Math.imul(cell, 0x9e3779b1) >>> this.shift;
      while (keys[i] !== 0) i = (i + 1) & mask;
    }
    keys[i] = key;
    this.counts[i] = n;
    this.used++;
  }

  /** Adds every count of `other`. */
  addAll(other: CellCounts): void {
    other.forEach((cell, n) => {
      this.add(cell, n);
    });
  }

  forEach(fn: (cell: number, n: number) => void): void {
    const { keys, counts } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) fn((keys[i] as number) - 1, counts[i] as number);
  }

  private grow(): void {
    const { keys, counts } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.counts = new Uint32Array(keys.length * 2);
    this.shift--;
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.add((keys[i] as number) - 1, counts[i] as number);
  }
}

/** Counts by minute, then cell: a group's points mostly share one minute. */
export type ByMinute = Map<number, CellCounts>;

/** A group's counts: by minute, or for a page's anchored group, by selector, then minute. */
interface GroupCounts {
  minutes: ByMinute;
  selectors: Map<string, ByMinute>;
}

/**
 * Counts by key, minute and cell, gathered between writes to the history
 * tables. A point is counted once, under its group's key and tags (build
 * label, tester); its tagged keys (protocol/tags.ts) take it when the counts
 * are written (`byKey`), once per cell rather than once per point.
 */
export class PendingHistory {
  /** By group key, build label, then tester (undefined: none). */
  private readonly groups = new Map<string, Map<string | undefined, Map<string | undefined, GroupCounts>>>();
  points = 0;
  /** The newest batch id whose points are gathered here. */
  through = 0;

  add(groups: readonly KeyedPoints[]): void {
    for (const group of groups) {
      const counts = this.countsOf(group);
      const { times, cells, anchors, anchorOf } = group;
      if (anchors && anchorOf) {
        // History is kept by anchor key: a page's anchored group is split by its points' anchors.
        const byAnchor = anchors.map((s) => new MinuteCounter(bucket(counts.selectors, s)));
        for (let i = 0; i < times.length; i++) {
          (byAnchor[anchorOf[i] as number] as MinuteCounter).count(times[i] as number, cells[i] as number);
        }
      } else {
        const counter = new MinuteCounter(counts.minutes);
        for (let i = 0; i < times.length; i++) counter.count(times[i] as number, cells[i] as number);
      }
      this.points += pointsOf(group);
    }
  }

  private countsOf({ key, build, tester }: KeyedPoints): GroupCounts {
    const byTester = bucket(bucket(this.groups, key), build);
    let counts = byTester.get(tester);
    if (!counts) {
      counts = { minutes: new Map(), selectors: new Map() };
      byTester.set(tester, counts);
    }
    return counts;
  }

  /**
   * The counts by the keys they are written under: each group's key, and the
   * same key of each of its tagged pages (a page's anchored group by anchor
   * key). Leaves what was gathered as it was, for another try if the write fails.
   */
  byKey(): Map<string, ByMinute> {
    const out = new Map<string, ByMinute>();
    for (const [key, byBuild] of this.groups) {
      const pageKey = splitSideKey(key)?.pageKey ?? key;
      const side = key.slice(pageKey.length);
      for (const [build, byTester] of byBuild) {
        for (const [tester, { minutes, selectors }] of byTester) {
          const pages = [pageKey];
          // Each tagged set is kept as a page of its own, side keys and all.
          if (build !== undefined) pages.push(taggedKey(pageKey, "build", build));
          if (tester !== undefined) pages.push(taggedKey(pageKey, "tester", tester));
          for (const page of pages) {
            if (minutes.size > 0) addInto(out, page + side, minutes);
            for (const [selector, byMinute] of selectors) addInto(out, anchorKey(page, selector), byMinute);
          }
        }
      }
    }
    return out;
  }

  clear(): void {
    this.groups.clear();
    this.points = 0;
    this.through = 0;
  }
}

/** Adds `counts` to `key`'s in `out`. */
function addInto(out: Map<string, ByMinute>, key: string, counts: ByMinute): void {
  const into = bucket(out, key);
  for (const [minute, cells] of counts) {
    let target = into.get(minute);
    if (!target) {
      target = new CellCounts();
      into.set(minute, target);
    }
    target.addAll(cells);
  }
}

/** Counts points into one key's minutes, keeping the last minute's cells at hand. */
class MinuteCounter {
  private minute = Number.NaN;
  private cells: CellCounts | undefined;

  constructor(private readonly byMinute: ByMinute) {}

  count(t: number, cell: number): void {
    const minute = Math.floor(t / MINUTE);
    if (minute !== this.minute || !this.cells) {
      this.minute = minute;
      let cells = this.byMinute.get(minute);
      if (!cells) {
        cells = new CellCounts();
        this.byMinute.set(minute, cells);
      }
      this.cells = cells;
    }
    this.cells.add(cell);
  }
}

/** Cursor points: a page key's own group holds each once; side keys repeat them or hold scroll marks. */
export function pointsOf(group: KeyedPoints): number {
  return splitSideKey(group.key) ? 0 : group.times.length;
}

function bucket<K, L, V>(into: Map<K, Map<L, V>>, key: K): Map<L, V> {
  let found = into.get(key);
  if (!found) {
    found = new Map();
    into.set(key, found);
  }
  return found;
}

/**
 * Writes pending history on `db`: adds it to the minute and hour tables and
 * marks its batches folded, in one transaction taken with the write lock
 * first, and returns how many minute rows it wrote. Throws what SQLite
 * throws; the counts are then kept for the next try.
 */
export function historyWriter(db: Database.Database): (pending: PendingHistory) => number {
  const addMinute = db.prepare(
    "INSERT INTO minutes VALUES (?, ?, ?, ?) ON CONFLICT (key, minute, cell) DO UPDATE SET n = n + excluded.n",
  );
  const addHour = db.prepare(
    "INSERT INTO hours VALUES (?, ?, ?, ?) ON CONFLICT (key, hour, cell) DO UPDATE SET n = n + excluded.n",
  );
  const setFolded = db.prepare("UPDATE meta SET value = ? WHERE name = 'folded'");
  let rows = 0;
  const write = (key: string, byMinute: ByMinute) => {
    // Each minute's counts also go to its hour: summed here, once per (minute, cell), not per point.
    const hours = new Map<number, CellCounts>();
    for (const [minute, cells] of byMinute) {
      const hour = Math.floor(minute / 60);
      let hourCells = hours.get(hour);
      if (!hourCells) {
        hourCells = new CellCounts();
        hours.set(hour, hourCells);
      }
      const into = hourCells;
      cells.forEach((cell, n) => {
        addMinute.run(key, minute, cell, n);
        into.add(cell, n);
        rows++;
      });
    }
    for (const [hour, cells] of hours) {
      cells.forEach((cell, n) => {
        addHour.run(key, hour, cell, n);
      });
    }
  };
  const transaction = db.transaction((pending: PendingHistory) => {
    for (const [key, byMinute] of pending.byKey()) write(key, byMinute);
    if (pending.through) setFolded.run(pending.through);
  });
  return (pending) => {
    if (pending.points === 0 && pending.through === 0) return 0;
    rows = 0;
    transaction.immediate(pending);
    pending.clear();
    return rows;
  };
}
