/**
 * A page's side heat (protocol/anchor.ts): its anchors' heat, its points
 * without an anchor and its scroll marks, turned into the grid's fields; and
 * the table that interns a page's anchors to small ids, so that all of them
 * share one pane ring key (cell = id × ANCHOR_CELLS + side cell) instead of a
 * ring each. Pure: the ring itself is the caller's (window-stage.ts).
 */
import {
  ANCHOR_GRID,
  type AnchorHeat,
  gridCellOf,
  looseCellOf,
  SCROLL_STEPS,
  ScrollMark,
  type ScrollSummary,
  splitSideKey,
  unpackScrollCell,
  unpackSideCell,
} from "../../../protocol/anchor";
import { unpackCell } from "../../../protocol/grid";
import type { Grid } from "../../../protocol/wire";

/** Side cells of one anchor: ANCHOR_GRID² tiles, each a move or a click. */
export const ANCHOR_CELLS = ANCHOR_GRID * ANCHOR_GRID * 2;

/** A page's side counts in one window or range: what the grid's side fields are built from. */
export interface SideCounts {
  /** Selector → side cell (`sideCell(anchorTile, click)`) → count. */
  anchors: Map<string, Map<number, number>>;
  /** `sideCell(packCell, click)` → count, for points without an anchor. */
  loose: Map<number, number>;
  /** `scrollCell(kind, value)` → count. */
  scroll: Map<number, number>;
  /** Clicks on anchors no longer named (evicted ones whose events are still in the window). */
  strayClicks: number;
}

export function emptySideCounts(): SideCounts {
  return { anchors: new Map(), loose: new Map(), scroll: new Map(), strayClicks: 0 };
}

/**
 * Adds a page key's `count` points at `pointCell` (protocol/anchor.ts) to the
 * page's grid `cells` and, for points without an anchor, to `loose`.
 */
export function addPointCell(
  pointCell: number,
  count: number,
  cells: Map<number, number>,
  loose: Map<number, number>,
): void {
  const cell = gridCellOf(pointCell);
  cells.set(cell, (cells.get(cell) ?? 0) + count);
  const looseCell = looseCellOf(pointCell);
  if (looseCell !== -1) loose.set(looseCell, (loose.get(looseCell) ?? 0) + count);
}

/**
 * A page's grid cells and side counts in a history range: `pointCells` its
 * page key's counts (EventStore.range), `byKey` its side keys' (EventStore.sideRange).
 */
export function pageCounts(
  pointCells: ReadonlyMap<number, number>,
  byKey: ReadonlyMap<string, Map<number, number>>,
): { cells: Map<number, number>; side: SideCounts } {
  const cells = new Map<number, number>();
  const side = sideCountsByKey(byKey);
  for (const [pointCell, count] of pointCells) addPointCell(pointCell, count, cells, side.loose);
  return { cells, side };
}

/** Side counts from counts by side key (a history range, EventStore.sideRange): anchors and scroll marks. */
export function sideCountsByKey(byKey: ReadonlyMap<string, Map<number, number>>): SideCounts {
  const side = emptySideCounts();
  for (const [key, cells] of byKey) {
    const which = splitSideKey(key);
    if (which?.kind === "anchor") side.anchors.set(which.selector, cells);
    else if (which?.kind === "scroll") side.scroll = cells;
  }
  return side;
}

type SideFields = Pick<Grid, "clicks" | "anchors" | "loose" | "evictedAnchors" | "scroll">;

/**
 * The grid's side fields. At most `maxAnchors` anchors are listed, hottest
 * first; those left out (a history range can name more) add to `evictedAnchors`
 * but their clicks still count in `clicks`.
 */
export function sideFields(side: SideCounts, cols: number, maxAnchors: number, evicted: number): SideFields {
  let clicks = side.strayClicks;
  const anchors: AnchorHeat[] = [];
  for (const [s, counts] of side.anchors) {
    const cells: number[] = [];
    const tiles = new Map<number, [number, number]>();
    let moves = 0;
    let anchorClicks = 0;
    for (const [cell, count] of counts) {
      const { base, click } = unpackSideCell(cell);
      let tile = tiles.get(base);
      if (!tile) {
        tile = [0, 0];
        tiles.set(base, tile);
      }
      tile[click ? 1 : 0] += count;
      if (click) anchorClicks += count;
      else moves += count;
    }
    if (moves + anchorClicks === 0) continue;
    for (const [tile, [m, c]] of tiles) cells.push(tile, m, c);
    clicks += anchorClicks;
    anchors.push({ s, cells, moves, clicks: anchorClicks });
  }
  anchors.sort((a, b) => b.moves + b.clicks - (a.moves + a.clicks) || (a.s < b.s ? -1 : 1));
  const dropped = Math.max(0, anchors.length - maxAnchors);
  anchors.length -= dropped;

  const loose = { cells: [] as number[], fixed: [] as number[] };
  const looseTiles = new Map<number, [number, number]>();
  for (const [cell, count] of side.loose) {
    const { base, click } = unpackSideCell(cell);
    let tile = looseTiles.get(base);
    if (!tile) {
      tile = [0, 0];
      looseTiles.set(base, tile);
    }
    tile[click ? 1 : 0] += count;
    if (click) clicks += count;
  }
  for (const [cell, [moves, tileClicks]] of looseTiles) {
    const { col, row, layer } = unpackCell(cell, cols);
    (layer === "fixed" ? loose.fixed : loose.cells).push(col, row, moves, tileClicks);
  }
  return { clicks, anchors, loose, evictedAnchors: evicted + dropped, scroll: scrollSummary(side.scroll) };
}

/** Views, depth reached per step, and the mean fold, from a page's scroll cells. */
export function scrollSummary(scroll: ReadonlyMap<number, number>): ScrollSummary {
  if (scroll.size === 0) return { views: 0, reach: [], box: [], foldPx: 0 };
  const reach = new Array<number>(SCROLL_STEPS).fill(0);
  const box = new Array<number>(SCROLL_STEPS).fill(0);
  let views = 0;
  let heights = 0;
  for (const [cell, count] of scroll) {
    const { kind, bucket } = unpackScrollCell(cell);
    if (kind === ScrollMark.view) {
      views += count;
      // A view's bucket holds heights bucket × 8 … bucket × 8 + 7 px: its middle.
      heights += (bucket * 8 + 4) * count;
    } else {
      const steps = kind === ScrollMark.reach ? reach : box;
      steps[bucket - 1] = (steps[bucket - 1] as number) + count;
    }
  }
  return { views, reach, box, foldPx: views ? heights / views : 0 };
}

/**
 * A page's anchors, interned to ids. At most `max` are named at once; a new
 * one at a full page evicts the one whose events the ring holds fewest of.
 * An evicted id is reused only once its events have left the ring (a ring
 * turn later), so they never count on the anchor that takes it. Ids stay
 * below 2 × `max`: when every one is named or resting (more than `max`
 * evictions in one ring turn, a page whose anchors churn), the new anchor is
 * dropped instead, and counted like an eviction. That bounds the ring key's
 * memory and the work of finding the coldest, whatever a client sends.
 * Anchors are named by selector: a known anchor costs one map lookup per
 * group it has points in.
 */
export class AnchorTable {
  private readonly ids = new Map<string, number>();
  /** Selector of each named id; undefined for a free or resting id. */
  private readonly names: (string | undefined)[] = [];
  /** Evicted ids and the closed pane from which their events are all gone, oldest first. */
  private readonly resting: { id: number; until: number }[] = [];
  private readonly free: number[] = [];
  /** Anchors evicted while they still had events in the ring, or turned away at a full page. */
  evicted = 0;

  /**
   * `ringKey`: the pane ring key all of the page's anchors share (`anchorKey(pageKey, "")`); `lost`: the
   * page's anchors lost before, when an earlier table of the page went with its ring key.
   */
  constructor(
    readonly ringKey: string,
    private readonly max: number,
    readonly lost = new LostAnchors(),
  ) {}

  /** The selector of `id`, or undefined for an id no anchor holds now. */
  selectorOf(id: number): string | undefined {
    return this.names[id];
  }

  /** The id of `selector`, or -1 when it is not named. */
  idOf(selector: string): number {
    return this.ids.get(selector) ?? -1;
  }

  /**
   * Names `selector` (not named yet): its id, or -1 when it was dropped. A
   * full page evicts its coldest anchor: `ring` gives the window's events per
   * id (called only then); `closedPane` and `ringPanes` come from the pane ring.
   */
  name(
    selector: string,
    closedPane: number,
    ringPanes: number,
    ring: (each: (id: number, held: number) => void) => void,
  ): number {
    if (this.ids.size >= this.max && !this.idAvailable(closedPane)) {
      // Its events in the batch are counted under no selector; they would leave the ring with the open pane's.
      this.evicted++;
      this.lost.add(closedPane + 1 + ringPanes);
      return -1;
    }
    if (this.ids.size >= this.max) this.evictColdest(closedPane, ringPanes, ring);
    const id = this.takeId(closedPane);
    this.ids.set(selector, id);
    this.names[id] = selector;
    return id;
  }

  private idAvailable(closedPane: number): boolean {
    const first = this.resting[0];
    return (
      this.free.length > 0 || (first !== undefined && first.until <= closedPane) || this.names.length < 2 * this.max
    );
  }

  private takeId(closedPane: number): number {
    const first = this.resting[0];
    if (first && first.until <= closedPane) {
      this.resting.shift();
      return first.id;
    }
    return this.free.pop() ?? this.names.length;
  }

  private evictColdest(
    closedPane: number,
    ringPanes: number,
    ring: (each: (id: number, held: number) => void) => void,
  ): void {
    const held = new Map<number, number>();
    ring((id, n) => {
      if (this.names[id] !== undefined) held.set(id, (held.get(id) ?? 0) + n);
    });
    let coldest = -1;
    let fewest = Number.POSITIVE_INFINITY;
    for (const id of this.ids.values()) {
      const n = held.get(id) ?? 0;
      if (n < fewest) {
        fewest = n;
        coldest = id;
      }
    }
    const dropped = this.names[coldest] as string;
    this.ids.delete(dropped);
    this.names[coldest] = undefined;
    if (fewest === 0) {
      // Nothing of it is left in the ring: the id is free at once, and nothing was lost.
      this.free.push(coldest);
      return;
    }
    // Its events sit in panes up to the open one (closedPane + 1); that pane leaves the ring ringPanes later.
    const until = closedPane + 1 + ringPanes;
    this.evicted++;
    this.lost.add(until);
    this.resting.push({ id: coldest, until });
  }
}

/**
 * A page's anchors whose heat its grids lack: each evicted with events in the
 * ring, or turned away at a full page (each time counts once), until the
 * closed pane from which those events have all left the ring.
 */
export class LostAnchors {
  /** Counts by the closed pane from which they no longer count, oldest first. */
  private readonly queue: { until: number; n: number }[] = [];
  private count = 0;

  add(until: number): void {
    this.count++;
    const last = this.queue[this.queue.length - 1];
    if (last?.until === until) last.n++;
    else this.queue.push({ until, n: 1 });
  }

  /** Those still lacking while `closedPane` is the newest closed pane. */
  missing(closedPane: number): number {
    while (this.queue.length > 0 && (this.queue[0] as { until: number }).until <= closedPane) {
      this.count -= (this.queue.shift() as { n: number }).n;
    }
    return this.count;
  }
}
