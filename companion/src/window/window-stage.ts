/**
 * The window stage: feeds points from the bus into the pane ring, closes panes
 * on the companion's clock, and publishes the grid of every watched key whose
 * window changed. It also answers read-only queries for the HTTP API.
 *
 * Page keys and side keys (protocol/anchor.ts) sit in two rings with the same
 * panes: the page ring alone says which pages are live. A page's anchors
 * share one side ring key, interned by an AnchorTable (side-heat.ts).
 */
import { anchorKey, looseKey, scrollKey, splitSideKey } from "../../../protocol/anchor";
import { bandFor, unpackCell, type WidthBand } from "../../../protocol/grid";
import { splitKey } from "../../../protocol/page-key";
import type { Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { KeyedPoints, Topics } from "../pipeline";
import { type AddCounts, HoppingHeatmap } from "./hopping-heatmap";
import { ANCHOR_CELLS, AnchorTable, emptySideCounts, type SideCounts, sideFields } from "./side-heat";

export interface WindowStageOptions {
  hopMs: number;
  windowsMs: readonly number[];
  cols: number;
  bands: readonly WidthBand[];
  /** Anchors named per page key at once (`--max-anchors`). */
  maxAnchors: number;
  now: number;
}

/** The side ring key holding all anchors of `pageKey`: a selector is never empty, so no anchor's key is this. */
function anchorsRingKey(pageKey: string): string {
  return anchorKey(pageKey, "");
}

export class WindowStage {
  /**
   * How points arrived: `open`, before their pane closed; `late`, after it but
   * still inside a window (they count); `tooOld`, older than the longest window.
   */
  readonly arrivals: AddCounts = { open: 0, late: 0, tooOld: 0 };
  /** The same for side keys (an anchored point is counted once in `arrivals`, once here), scroll marks included. */
  readonly sideArrivals: AddCounts = { open: 0, late: 0, tooOld: 0 };
  private readonly heatmap: HoppingHeatmap;
  private readonly sides: HoppingHeatmap;
  /** Anchor tables of pages whose anchors ring key is live, by page key. */
  private readonly anchorTables = new Map<string, AnchorTable>();
  /** The table of each anchor key named now: a known anchor's group is placed with one lookup. */
  private readonly tableOfAnchor = new Map<string, AnchorTable>();
  /** Anchors evicted per page since the companion started (pages that had any). */
  private readonly evictedByPage = new Map<string, number>();
  /** Pages with scroll marks in the ring and no point: live pages the page ring does not hold. */
  private readonly scrollOnly = new Set<string>();
  /** Every anchor evicted since the companion started. */
  evictedAnchors = 0;
  /** Watcher counts by `windowIndex` then key. */
  private readonly interest: Map<string, number>[];
  private readonly unsubscribes: (() => void)[];
  private readonly bandsById: Map<string, WidthBand>;

  constructor(
    private readonly bus: Bus<Topics>,
    private readonly options: WindowStageOptions,
  ) {
    this.heatmap = new HoppingHeatmap(options);
    this.sides = new HoppingHeatmap(options);
    this.interest = options.windowsMs.map(() => new Map());
    this.bandsById = new Map(options.bands.map((b) => [b.id, b]));
    this.unsubscribes = [
      bus.subscribe("points", ({ groups }) => {
        for (const group of groups) this.add(group);
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
        const table = side.kind === "anchor" ? this.anchorTables.get(side.pageKey) : undefined;
        if (table) this.dropAnchors(table);
      }
      changed[windowIndex]?.add(side.pageKey);
    }
    changed.forEach((keys, windowIndex) => {
      for (const key of keys) {
        if (this.interest[windowIndex]?.has(key)) this.bus.publish("grid", this.snapshot(key, windowIndex));
      }
    });
  }

  /** One group of points or marks, into the page ring or the side ring its key names. */
  private add({ key, times, cells }: KeyedPoints): void {
    let table = this.tableOfAnchor.get(key);
    let id = table ? table.idOf(key) : -1;
    if (!table) {
      const side = splitSideKey(key);
      if (!side) {
        this.heatmap.addMany(key, times, cells, this.arrivals);
        if (this.scrollOnly.size > 0 && this.heatmap.has(key)) this.scrollOnly.delete(key);
        return;
      }
      if (side.kind !== "anchor") {
        this.sides.addMany(key, times, cells, this.sideArrivals);
        if (side.kind === "scroll" && this.sides.has(key) && !this.heatmap.has(side.pageKey)) {
          this.scrollOnly.add(side.pageKey);
        }
        return;
      }
      // A new anchor none of whose points a window would count is not worth an eviction.
      if (!this.sides.anyInRing(times)) {
        this.sideArrivals.tooOld += times.length;
        return;
      }
      table = this.anchorTables.get(side.pageKey);
      if (!table) {
        table = new AnchorTable(anchorsRingKey(side.pageKey), this.options.maxAnchors);
        this.anchorTables.set(side.pageKey, table);
      }
      const { ringKey } = table;
      const before = table.evicted;
      const named = table.name(key, this.sides.closedPane, this.sides.ringPanes, (each) =>
        this.sides.forEachHeld(ringKey, (cell, held) => each(Math.floor(cell / ANCHOR_CELLS), held)),
      );
      id = named.id;
      if (named.dropped !== undefined) this.tableOfAnchor.delete(named.dropped);
      if (table.evicted > before) {
        this.evictedAnchors++;
        this.evictedByPage.set(side.pageKey, (this.evictedByPage.get(side.pageKey) ?? 0) + 1);
      }
      if (id === -1) return;
      this.tableOfAnchor.set(key, table);
    }
    this.sides.addMany(table.ringKey, times, cells, this.sideArrivals, id * ANCHOR_CELLS);
    // Events too old for every window leave the ring empty: a page with no event left names no anchor.
    if (!this.sides.has(table.ringKey)) this.dropAnchors(table);
  }

  /** Forgets a page's anchors once its anchors ring key has no event left. */
  private dropAnchors(table: AnchorTable): void {
    for (const key of table.keys()) this.tableOfAnchor.delete(key);
    const side = splitSideKey(table.ringKey);
    if (side) this.anchorTables.delete(side.pageKey);
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
  pages(): { origin: string; path: string; band: string; events: Record<string, number> }[] {
    // Pages with scroll marks alone are live too, with no points.
    return [...this.heatmap.keys(), ...this.scrollOnly].map((key) => ({
      ...splitKey(key),
      events: Object.fromEntries(this.heatmap.windowsMs.map((w, i) => [String(w), this.heatmap.total(key, i)])),
    }));
  }

  /** The grid of `key` for the window at `windowIndex`, as sent on the wire. */
  snapshot(key: string, windowIndex: number): Grid {
    const cells = new Map<number, number>();
    this.heatmap.forEachCell(key, windowIndex, (cell, count) => cells.set(cell, count));
    const { start, end } = this.heatmap.bounds(windowIndex);
    return this.gridOf(key, cells, start, end, this.sideCounts(key, windowIndex), this.evictedByPage.get(key) ?? 0);
  }

  /** The live side counts of page `key` in window `windowIndex`. */
  private sideCounts(key: string, windowIndex: number): SideCounts {
    const side = emptySideCounts();
    this.sides.forEachCell(looseKey(key), windowIndex, (cell, count) => side.loose.set(cell, count));
    this.sides.forEachCell(scrollKey(key), windowIndex, (cell, count) => side.scroll.set(cell, count));
    const table = this.anchorTables.get(key);
    this.sides.forEachCell(anchorsRingKey(key), windowIndex, (cell, count) => {
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
    });
    return side;
  }

  /**
   * A grid message for `key` holding `counts` (packed cell → count) and the
   * page's side counts over [start, end); `evicted`: anchors of the page
   * evicted before (a grid names at most `--max-anchors`).
   */
  gridOf(
    key: string,
    counts: ReadonlyMap<number, number>,
    start: number,
    end: number,
    side: SideCounts = emptySideCounts(),
    evicted = 0,
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
      windowMs: end - start,
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
    };
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
  }
}
