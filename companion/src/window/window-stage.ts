/**
 * The window stage: feeds points from the bus into the pane ring, closes panes
 * on the companion's clock, and publishes the grid of every watched key whose
 * window changed. It also answers read-only queries for the HTTP API.
 */
import { noSideHeat } from "../../../protocol/anchor";
import { bandFor, unpackCell, type WidthBand } from "../../../protocol/grid";
import { splitKey } from "../../../protocol/page-key";
import type { Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { Topics } from "../pipeline";
import { type AddCounts, HoppingHeatmap } from "./hopping-heatmap";

export interface WindowStageOptions {
  hopMs: number;
  windowsMs: readonly number[];
  cols: number;
  bands: readonly WidthBand[];
  now: number;
}

export class WindowStage {
  /**
   * How points arrived: `open`, before their pane closed; `late`, after it but
   * still inside a window (they count); `tooOld`, older than the longest window.
   */
  readonly arrivals: AddCounts = { open: 0, late: 0, tooOld: 0 };
  private readonly heatmap: HoppingHeatmap;
  /** Watcher counts by `windowIndex` then key. */
  private readonly interest: Map<string, number>[];
  private readonly unsubscribes: (() => void)[];
  private readonly bandsById: Map<string, WidthBand>;

  constructor(
    private readonly bus: Bus<Topics>,
    private readonly options: WindowStageOptions,
  ) {
    this.heatmap = new HoppingHeatmap(options);
    this.interest = options.windowsMs.map(() => new Map());
    this.bandsById = new Map(options.bands.map((b) => [b.id, b]));
    this.unsubscribes = [
      bus.subscribe("points", ({ groups }) => {
        for (const { key, times, cells } of groups) this.heatmap.addMany(key, times, cells, this.arrivals);
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
    for (const { key, windowIndex } of this.heatmap.takeChanges()) {
      if (this.interest[windowIndex]?.has(key)) this.bus.publish("grid", this.snapshot(key, windowIndex));
    }
  }

  /** Columns points are binned into; viewers may ask for any divisor. */
  get cols(): number {
    return this.options.cols;
  }

  get windowsMs(): readonly number[] {
    return this.heatmap.windowsMs;
  }

  get liveKeys(): number {
    return this.heatmap.size;
  }

  total(key: string, windowIndex: number): number {
    return this.heatmap.total(key, windowIndex);
  }

  isLive(key: string): boolean {
    return this.heatmap.has(key);
  }

  /** Live keys with their totals per served window. */
  pages(): { origin: string; path: string; band: string; events: Record<string, number> }[] {
    return [...this.heatmap.keys()].map((key) => ({
      ...splitKey(key),
      events: Object.fromEntries(this.heatmap.windowsMs.map((w, i) => [String(w), this.heatmap.total(key, i)])),
    }));
  }

  /** The grid of `key` for the window at `windowIndex`, as sent on the wire. */
  snapshot(key: string, windowIndex: number): Grid {
    const cells = new Map<number, number>();
    this.heatmap.forEachCell(key, windowIndex, (cell, count) => cells.set(cell, count));
    const { start, end } = this.heatmap.bounds(windowIndex);
    return this.gridOf(key, cells, start, end);
  }

  /** A grid message for `key` holding `counts` (packed cell → count) over [start, end). */
  gridOf(key: string, counts: ReadonlyMap<number, number>, start: number, end: number): Grid {
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
      ...noSideHeat(),
    };
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
  }
}
