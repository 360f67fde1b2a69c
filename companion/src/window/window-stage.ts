/**
 * The window stage: feeds points from the bus into the pane ring, closes panes
 * on the companion's clock, and publishes the grid of every watched key whose
 * window changed. It also answers read-only queries for the HTTP API.
 *
 * A grid is the window as it is now: its closed panes and the open pane so
 * far. So a watched key that took points need not wait for the hop:
 * `pushLive` sends it soon after they arrive, at most once per key every
 * `livePushMs` (the caller runs it when points arrive and when it says).
 *
 * Page keys and side keys (protocol/anchor.ts) sit in two rings with the same
 * panes: the page ring alone says which pages are live. A page's anchors
 * share one side ring key, interned by an AnchorTable (side-heat.ts); ingest
 * hands a page's anchored points over as one group with its selectors
 * (KeyedPoints.anchors), so a batch costs one table lookup and one map lookup
 * per anchor, whatever its points.
 *
 * Rage, dead and error clicks come on the bus's `signals` topic into a
 * SignalLog; a grid carries those of its window, a watched page is pushed
 * live when one arrives, and again when one leaves its window.
 */
import { anchorKey, scrollKey, splitSideKey } from "../../../protocol/anchor";
import { bandFor, unpackCell, type WidthBand } from "../../../protocol/grid";
import { splitKey } from "../../../protocol/page-key";
import type { Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { KeyedPoints, Topics } from "../pipeline";
import { type AddCounts, HoppingHeatmap } from "./hopping-heatmap";
import {
  ANCHOR_CELLS,
  AnchorTable,
  addPointCell,
  emptySideCounts,
  type LostAnchors,
  type SideCounts,
  sideFields,
} from "./side-heat";
import { SignalLog } from "./signal-log";

export interface WindowStageOptions {
  hopMs: number;
  windowsMs: readonly number[];
  cols: number;
  bands: readonly WidthBand[];
  /** Anchors named per page key at once (`--max-anchors`). */
  maxAnchors: number;
  /** Least time between two live pushes of one key (`--live-push`). */
  livePushMs: number;
  /** Signals kept per page key (`--max-signals`). */
  maxSignals: number;
  now: number;
}

/** A live page key with its points per served window (ms → points). */
export interface LivePage {
  origin: string;
  path: string;
  band: string;
  events: Record<string, number>;
}

/** The side ring key holding all anchors of `pageKey`: a selector is never empty, so no anchor's key is this. */
function anchorsRingKey(pageKey: string): string {
  return anchorKey(pageKey, "");
}

/** Id of an anchor none of whose points a window would count: they are counted too old, and it is not named. */
const TOO_OLD = -2;

export class WindowStage {
  /**
   * How points arrived: `open`, before their pane closed; `late`, after it but
   * still inside a window (they count); `tooOld`, older than the longest window.
   */
  readonly arrivals: AddCounts = { open: 0, late: 0, tooOld: 0 };
  /** The same for side keys (an anchored point is counted once in `arrivals`, once here), scroll marks included. */
  readonly sideArrivals: AddCounts = { open: 0, late: 0, tooOld: 0 };

  /** Counts no arrival so far: the points a start rebuilt its windows with arrived before it. */
  clearArrivals(): void {
    for (const counts of [this.arrivals, this.sideArrivals]) {
      counts.open = 0;
      counts.late = 0;
      counts.tooOld = 0;
    }
  }
  private readonly heatmap: HoppingHeatmap;
  private readonly sides: HoppingHeatmap;
  /** Anchor tables of pages whose anchors ring key is live, by that ring key (`anchorsRingKey`). */
  private readonly anchorTables = new Map<string, AnchorTable>();
  /**
   * Anchors lost by pages whose anchors ring key went while some lost one's
   * heat would still be in a window, by that ring key: a table the page has
   * again takes them over, and they go once none lacks.
   */
  private readonly fading = new Map<string, LostAnchors>();
  /** Scratch of `addAnchored`, reused: the ring copies what it keeps. */
  private readonly idsOf: number[] = [];
  private readonly sideTimes: number[] = [];
  private readonly sideCells: number[] = [];
  /** Pages with scroll marks in the ring and no point: live pages the page ring does not hold. */
  private readonly scrollOnly = new Set<string>();
  /** Every anchor evicted since the companion started. */
  evictedAnchors = 0;
  /** Watcher counts by `windowIndex` then key. */
  private readonly interest: Map<string, number>[];
  /** Watched page keys that took points since their grids were last sent. */
  private readonly fresh = new Set<string>();
  /** When each key was last pushed live, kept while that still holds back its next push. */
  private readonly pushedAt = new Map<string, number>();
  /** The companion time last passed in: the end of a grid sent between hops. */
  private now: number;
  private readonly unsubscribes: (() => void)[];
  private readonly bandsById: Map<string, WidthBand>;
  private readonly signals: SignalLog;

  constructor(
    private readonly bus: Bus<Topics>,
    private readonly options: WindowStageOptions,
  ) {
    this.heatmap = new HoppingHeatmap(options);
    this.sides = new HoppingHeatmap(options);
    this.now = options.now;
    this.interest = options.windowsMs.map(() => new Map());
    this.bandsById = new Map(options.bands.map((b) => [b.id, b]));
    this.signals = new SignalLog(options.maxSignals);
    this.unsubscribes = [
      bus.subscribe("signals", ({ signals }) => {
        const oldest = this.now - Math.max(...this.heatmap.windowsMs);
        for (const signal of signals) {
          if (signal.t < oldest) continue;
          this.signals.add(signal);
          this.noteFresh(signal.key);
        }
      }),
      bus.subscribe("points", ({ groups }) => {
        for (const group of groups) {
          const before = this.counted();
          this.add(group);
          if (this.counted() !== before) this.noteFresh(group.key);
        }
      }),
      bus.subscribe("interest", ({ key, windowMs, watching }) => {
        const index = this.heatmap.windowIndex(windowMs);
        const watchers = this.interest[index];
        if (!watchers) return;
        const n = (watchers.get(key) ?? 0) + (watching ? 1 : -1);
        if (n > 0) watchers.set(key, n);
        else watchers.delete(key);
        if (watching) this.bus.publish("grid", this.snapshot(key, index));
      }),
    ];
  }

  /** Closes panes up to `now` and publishes the watched grids that changed. */
  tick(now: number): void {
    const before = this.now;
    this.now = Math.max(this.now, now);
    this.heatmap.advance(now);
    this.sides.advance(now);
    const changed = this.interest.map(() => new Set<string>());
    for (const { key, windowIndex } of this.heatmap.takeChanges()) {
      changed[windowIndex]?.add(key);
      if (!this.heatmap.has(key) && this.sides.has(scrollKey(key))) this.scrollOnly.add(key);
    }
    for (const { key, windowIndex } of this.sides.takeChanges()) {
      const side = splitSideKey(key);
      if (!side) continue;
      if (!this.sides.has(key)) {
        if (side.kind === "scroll") this.scrollOnly.delete(side.pageKey);
        if (side.kind === "anchor") this.dropTable(key);
      }
      changed[windowIndex]?.add(side.pageKey);
    }
    for (const [ringKey, lost] of this.fading) {
      if (lost.missing(this.sides.closedPane) === 0) this.fading.delete(ringKey);
    }
    // A signal that left a watched window since the last tick changes that grid too.
    this.heatmap.windowsMs.forEach((windowMs, windowIndex) => {
      for (const key of this.interest[windowIndex]?.keys() ?? []) {
        if (this.signals.hasBetween(key, before - windowMs, this.now - windowMs)) changed[windowIndex]?.add(key);
      }
    });
    this.signals.expire(this.now - Math.max(...this.heatmap.windowsMs));
    changed.forEach((keys, windowIndex) => {
      for (const key of keys) {
        if (this.interest[windowIndex]?.has(key)) this.bus.publish("grid", this.snapshot(key, windowIndex));
      }
    });
    // A grid holds the open pane too: a fresh key published in each window it is watched in needs no live
    // push. One that was not (fresh by a signal alone, none of its points in the closed pane) keeps it.
    for (const key of this.fresh) {
      if (this.interest.every((watchers, i) => !watchers.has(key) || changed[i]?.has(key))) this.fresh.delete(key);
    }
  }

  /**
   * Publishes the grids of the fresh keys not pushed in the last `livePushMs`;
   * returns in how many ms the others are due, or null when none waits.
   */
  pushLive(now: number): number | null {
    this.now = Math.max(this.now, now);
    const { livePushMs } = this.options;
    for (const [key, at] of this.pushedAt) if (now - at >= livePushMs) this.pushedAt.delete(key);
    let due: number | null = null;
    for (const key of this.fresh) {
      const at = this.pushedAt.get(key);
      if (at !== undefined) {
        const wait = at + livePushMs - now;
        due = due === null ? wait : Math.min(due, wait);
        continue;
      }
      this.fresh.delete(key);
      this.pushedAt.set(key, now);
      this.interest.forEach((watchers, windowIndex) => {
        if (watchers.has(key)) this.bus.publish("grid", this.snapshot(key, windowIndex));
      });
    }
    return due;
  }

  /** Whether any key waits for `pushLive`. */
  get hasFresh(): boolean {
    return this.fresh.size > 0;
  }

  /** Points counted so far (open or late, page and side rings): a change says a group counted. */
  private counted(): number {
    return this.arrivals.open + this.arrivals.late + this.sideArrivals.open + this.sideArrivals.late;
  }

  /** The page key of `key` (a page or side key) is fresh if anyone watches it. */
  private noteFresh(key: string): void {
    const pageKey = splitSideKey(key)?.pageKey ?? key;
    if (this.interest.some((watchers) => watchers.has(pageKey))) this.fresh.add(pageKey);
  }

  /** One group of points or marks, into the page ring or the side ring its key names. */
  private add({ key, times, cells, anchors, anchorOf }: KeyedPoints): void {
    if (anchors) return this.addAnchored(key, anchors, anchorOf ?? [], times, cells);
    const side = splitSideKey(key);
    if (!side) {
      this.heatmap.addMany(key, times, cells, this.arrivals);
      if (this.scrollOnly.size > 0 && this.heatmap.has(key)) this.scrollOnly.delete(key);
      return;
    }
    if (side.kind === "anchor") {
      // One anchor's group, as batches stored before anchored groups were read back.
      return this.addAnchored(
        anchorsRingKey(side.pageKey),
        [side.selector],
        new Array(times.length).fill(0),
        times,
        cells,
      );
    }
    this.sides.addMany(key, times, cells, this.sideArrivals);
    if (side.kind === "scroll" && this.sides.has(key) && !this.heatmap.has(side.pageKey)) {
      this.scrollOnly.add(side.pageKey);
    }
  }

  /**
   * A page's anchored points into its anchors ring key `ringKey`: point i is
   * on `selectors[anchorOf[i]]`, at side cell `cells[i]`. When every selector
   * is named, one pass; otherwise anchor by anchor in order, each named then
   * counted, as if each had a group of its own (an eviction sees the points
   * of the anchors before it).
   */
  private addAnchored(
    ringKey: string,
    selectors: readonly string[],
    anchorOf: ArrayLike<number>,
    times: ArrayLike<number>,
    cells: ArrayLike<number>,
  ): void {
    const table = this.anchorTables.get(ringKey);
    const ids = this.idsOf;
    ids.length = 0;
    let named = table !== undefined;
    for (let j = 0; j < selectors.length && named; j++) {
      const id = (table as AnchorTable).idOf(selectors[j] as string);
      ids.push(id);
      named = id !== -1;
    }
    if (named) return this.addIds(ringKey, ids, -1, anchorOf, times, cells);
    for (let j = 0; j < selectors.length; j++) {
      let onPage = this.anchorTables.get(ringKey);
      if (!onPage) {
        onPage = new AnchorTable(ringKey, this.options.maxAnchors, this.fading.get(ringKey));
        this.fading.delete(ringKey);
        this.anchorTables.set(ringKey, onPage);
      }
      const selector = selectors[j] as string;
      const known = onPage.idOf(selector);
      ids[j] = known !== -1 ? known : this.name(onPage, selector, j, anchorOf, times);
      this.addIds(ringKey, ids, j, anchorOf, times, cells);
    }
  }

  /** The points of anchor `only` (all when -1) at their ids' cells; a dropped anchor's are not counted. */
  private addIds(
    ringKey: string,
    ids: readonly number[],
    only: number,
    anchorOf: ArrayLike<number>,
    times: ArrayLike<number>,
    cells: ArrayLike<number>,
  ): void {
    const sideTimes = this.sideTimes;
    const sideCells = this.sideCells;
    sideTimes.length = 0;
    sideCells.length = 0;
    for (let i = 0; i < times.length; i++) {
      const j = anchorOf[i] as number;
      if (only !== -1 && j !== only) continue;
      const id = ids[j] as number;
      if (id === TOO_OLD) this.sideArrivals.tooOld++;
      if (id < 0) continue;
      sideTimes.push(times[i] as number);
      sideCells.push(id * ANCHOR_CELLS + (cells[i] as number));
    }
    if (sideTimes.length > 0) this.sides.addMany(ringKey, sideTimes, sideCells, this.sideArrivals);
    // Events too old for every window leave the ring empty: a page with no event left names no anchor.
    if (!this.sides.has(ringKey)) this.dropTable(ringKey);
  }

  /**
   * Names the `j`th selector of an anchored group in `table`: its id, -1 when
   * the page dropped it, or TOO_OLD when none of its points would count (a new
   * anchor not worth an eviction).
   */
  private name(
    table: AnchorTable,
    selector: string,
    j: number,
    anchorOf: ArrayLike<number>,
    times: ArrayLike<number>,
  ): number {
    let counts = false;
    for (let i = 0; i < times.length && !counts; i++) {
      counts = anchorOf[i] === j && this.sides.inRing(times[i] as number);
    }
    if (!counts) return TOO_OLD;
    const { ringKey } = table;
    const before = table.evicted;
    const id = table.name(selector, this.sides.closedPane, this.sides.ringPanes, (each) =>
      this.sides.forEachHeld(ringKey, (cell, held) => each(Math.floor(cell / ANCHOR_CELLS), held)),
    );
    this.evictedAnchors += table.evicted - before;
    return id;
  }

  /** A page's anchors ring key went: its table goes, and its lost anchors stay while any lacks. */
  private dropTable(ringKey: string): void {
    const table = this.anchorTables.get(ringKey);
    if (!table) return;
    this.anchorTables.delete(ringKey);
    if (table.lost.missing(this.sides.closedPane) > 0) this.fading.set(ringKey, table.lost);
  }

  /** Anchors of page `key` whose heat its grids lack now (LostAnchors). */
  private missingAnchors(key: string): number {
    const ringKey = anchorsRingKey(key);
    // A fading list with none left goes at the next tick.
    const lost = this.anchorTables.get(ringKey)?.lost ?? this.fading.get(ringKey);
    return lost?.missing(this.sides.closedPane) ?? 0;
  }

  /** Columns points are binned into; viewers may ask for any divisor. */
  get cols(): number {
    return this.options.cols;
  }

  get windowsMs(): readonly number[] {
    return this.heatmap.windowsMs;
  }

  /**
   * Live page keys: pages with points, and pages with scroll marks only (a
   * page's other side keys come with its points and are not counted).
   */
  get liveKeys(): number {
    return this.heatmap.size + this.scrollOnly.size;
  }

  total(key: string, windowIndex: number): number {
    return this.heatmap.total(key, windowIndex);
  }

  isLive(key: string): boolean {
    return this.heatmap.has(key) || this.sides.has(scrollKey(key));
  }

  /** Live page keys with their points per served window. */
  pages(): LivePage[] {
    // Pages with scroll marks alone are live too, with no points.
    return [...this.heatmap.keys(), ...this.scrollOnly].map((key) => ({
      ...splitKey(key),
      events: Object.fromEntries(this.heatmap.windowsMs.map((w, i) => [String(w), this.heatmap.total(key, i)])),
    }));
  }

  /**
   * The grid of `key` for the window at `windowIndex`, as sent on the wire:
   * the newest closed window and the open pane so far, over [start, now).
   */
  snapshot(key: string, windowIndex: number): Grid {
    const cells = new Map<number, number>();
    const side = emptySideCounts();
    // A page key's point cells: its grid's cells, and its loose heat.
    this.heatmap.forEachCell(key, windowIndex, (cell, count) => addPointCell(cell, count, cells, side.loose), true);
    const { start, end } = this.heatmap.bounds(windowIndex);
    const grid = this.gridOf(
      key,
      cells,
      start,
      Math.max(end, this.now),
      this.sideCounts(key, windowIndex, side),
      this.missingAnchors(key),
      end - start,
    );
    return { ...grid, signals: this.signals.summary(key, grid.start, grid.end + 1) };
  }

  /** The live side counts of page `key` in window `windowIndex`, open pane included, into `side`. */
  private sideCounts(key: string, windowIndex: number, side: SideCounts): SideCounts {
    this.sides.forEachCell(scrollKey(key), windowIndex, (cell, count) => side.scroll.set(cell, count), true);
    const ringKey = anchorsRingKey(key);
    const table = this.anchorTables.get(ringKey);
    this.sides.forEachCell(
      ringKey,
      windowIndex,
      (cell, count) => {
        const id = Math.floor(cell / ANCHOR_CELLS);
        const sideCell = cell % ANCHOR_CELLS;
        const selector = table?.selectorOf(id);
        if (selector === undefined) {
          // An evicted anchor's events stay in the ring until they expire: its clicks still happened.
          if (sideCell % 2 === 1) side.strayClicks += count;
          return;
        }
        let cells = side.anchors.get(selector);
        if (!cells) {
          cells = new Map();
          side.anchors.set(selector, cells);
        }
        cells.set(sideCell, count);
      },
      true,
    );
    return side;
  }

  /**
   * A grid message for `key` holding `counts` (packed cell → count) and the
   * page's side counts over [start, end); `evicted`: anchors of the page
   * whose heat `side` lacks (LostAnchors.missing: a grid names at most
   * `--max-anchors`); `windowMs`: the
   * served window it stands for (a live grid spans the open pane beyond it).
   */
  gridOf(
    key: string,
    counts: ReadonlyMap<number, number>,
    start: number,
    end: number,
    side: SideCounts = emptySideCounts(),
    evicted = 0,
    windowMs = end - start,
  ): Grid {
    const { cols } = this.options;
    const { band, origin, path } = splitKey(key);
    const cells: number[] = [];
    const fixed: number[] = [];
    let max = 0;
    let rows = 0;
    let total = 0;
    for (const [cell, count] of counts) {
      const { col, row, layer } = unpackCell(cell, cols);
      if (layer === "fixed") fixed.push(col, row, count);
      else {
        cells.push(col, row, count);
        if (row >= rows) rows = row + 1;
      }
      if (count > max) max = count;
      total += count;
    }
    const bandInfo = this.bandsById.get(band) ?? bandFor(0, this.options.bands);
    return {
      type: "grid",
      origin,
      path,
      band: { id: bandInfo.id, min: bandInfo.min, max: bandInfo.max },
      windowMs,
      cols,
      rows,
      tile: { size: 1 / cols, unit: "layout-width" },
      start,
      end,
      total,
      max,
      cells,
      fixed,
      ...sideFields(side, cols, this.options.maxAnchors, evicted),
      signals: [],
    };
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
  }
}
