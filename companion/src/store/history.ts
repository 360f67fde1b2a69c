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

const MINUTE = 60_000;

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

/** Counts by key, minute and cell, gathered between writes to the history tables. */
export class PendingHistory {
  readonly minutes = new Map<string, ByMinute>();
  /**
   * Anchored counts by page key (or tagged page key), then selector: a
   * group's selectors are looked up as they came, for the page and each of
   * its tags, rather than as a new anchor key string each time.
   */
  readonly anchored = new Map<string, Map<string, ByMinute>>();
  points = 0;
  /** The newest batch id whose points are gathered here. */
  through = 0;

  add(groups: readonly KeyedPoints[]): void {
    for (const group of groups) {
      const pageKey = splitSideKey(group.key)?.pageKey ?? group.key;
      this.addAs(group, pageKey, pageKey);
      // Each tagged set is kept as a page of its own (protocol/tags.ts), side keys and all.
      if (group.build !== undefined) this.addAs(group, pageKey, taggedKey(pageKey, "build", group.build));
      if (group.tester !== undefined) this.addAs(group, pageKey, taggedKey(pageKey, "tester", group.tester));
      this.points += pointsOf(group);
    }
  }

  /** Counts `group`, whose page key is `pageKey`, as if its page key were `asPage`. */
  private addAs(group: KeyedPoints, pageKey: string, asPage: string): void {
    const { key, times, cells, anchors, anchorOf } = group;
    if (anchors && anchorOf) {
      // History is kept by anchor key: a page's anchored group is split by its points' anchors.
      let bySelector = this.anchored.get(asPage);
      if (!bySelector) {
        bySelector = new Map();
        this.anchored.set(asPage, bySelector);
      }
      const byAnchor = anchors.map((s) => new MinuteCounter(bucket(bySelector, s)));
      for (let i = 0; i < times.length; i++) {
        (byAnchor[anchorOf[i] as number] as MinuteCounter).count(times[i] as number, cells[i] as number);
      }
    } else {
      const counter = new MinuteCounter(
        bucket(this.minutes, asPage === pageKey ? key : asPage + key.slice(pageKey.length)),
      );
      for (let i = 0; i < times.length; i++) counter.count(times[i] as number, cells[i] as number);
    }
  }

  clear(): void {
    this.minutes.clear();
    this.anchored.clear();
    this.points = 0;
    this.through = 0;
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

function bucket<K, V>(into: Map<K, Map<number, V>>, key: K): Map<number, V> {
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
 * first. Throws what SQLite throws; the counts are then kept for the next try.
 */
export function historyWriter(db: Database.Database): (pending: PendingHistory) => void {
  const addMinute = db.prepare(
    "INSERT INTO minutes VALUES (?, ?, ?, ?) ON CONFLICT (key, minute, cell) DO UPDATE SET n = n + excluded.n",
  );
  const addHour = db.prepare(
    "INSERT INTO hours VALUES (?, ?, ?, ?) ON CONFLICT (key, hour, cell) DO UPDATE SET n = n + excluded.n",
  );
  const setFolded = db.prepare("UPDATE meta SET value = ? WHERE name = 'folded'");
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
      });
    }
    for (const [hour, cells] of hours) {
      cells.forEach((cell, n) => {
        addHour.run(key, hour, cell, n);
      });
    }
  };
  const transaction = db.transaction((pending: PendingHistory) => {
    for (const [key, byMinute] of pending.minutes) write(key, byMinute);
    for (const [page, bySelector] of pending.anchored) {
      for (const [selector, byMinute] of bySelector) write(anchorKey(page, selector), byMinute);
    }
    if (pending.through) setFolded.run(pending.through);
  });
  return (pending) => {
    if (pending.points === 0 && pending.through === 0) return;
    transaction.immediate(pending);
    pending.clear();
  };
}
