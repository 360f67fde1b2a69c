/**
 * Anchored heat as numbers: each anchor's heat summed over the width bands,
 * the counts of the chosen layer (moves, clicks or both), its tiles laid out
 * inside an element's current box and cut to what is visible, one colour
 * scale for the elements and the loose page tiles, and the requests that
 * fetch every band. Pure: the element painter reads the page, this does not.
 */
import { ANCHOR_GRID, type AnchorHeat } from "../../protocol/anchor";
import { MAX_WATCHES_PER_FRAME, type Watch } from "../../protocol/messages";
import type { Grid, GridFacts } from "../../protocol/wire";
import type { HeatLayer } from "../state/overlay-prefs";
import { type HeatScale, layerScale, type ScaleKind } from "./renderer";

/** A box in viewport CSS px. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One tile of an anchor's heat, where it lies on screen now. */
export interface TileRect extends Box {
  count: number;
}

/** The count a layer shows of a tile with these moves and clicks. */
export function layerCount(moves: number, clicks: number, layer: HeatLayer): number {
  return layer === "moves" ? moves : layer === "clicks" ? clicks : moves + clicks;
}

/**
 * Anchor heat is bound to elements, not to a layout, so every band's heat of
 * an anchor is the same element's: tiles, moves and clicks are summed per
 * selector. Hottest (moves and clicks) first, as in a grid.
 */
export function mergeAnchors(grids: Iterable<Grid>): AnchorHeat[] {
  const merged = new Map<string, { tiles: Map<number, [number, number]>; moves: number; clicks: number }>();
  for (const grid of grids) {
    for (const anchor of grid.anchors) {
      const entry = merged.get(anchor.s) ?? { tiles: new Map<number, [number, number]>(), moves: 0, clicks: 0 };
      merged.set(anchor.s, entry);
      entry.moves += anchor.moves;
      entry.clicks += anchor.clicks;
      for (let i = 0; i < anchor.cells.length; i += 3) {
        const tile = anchor.cells[i] as number;
        const sum = entry.tiles.get(tile) ?? [0, 0];
        sum[0] += anchor.cells[i + 1] as number;
        sum[1] += anchor.cells[i + 2] as number;
        entry.tiles.set(tile, sum);
      }
    }
  }
  return [...merged]
    .map(([s, { tiles, moves, clicks }]) => ({
      s,
      moves,
      clicks,
      cells: [...tiles].sort(([a], [b]) => a - b).flatMap(([tile, [m, c]]) => [tile, m, c]),
    }))
    .sort((a, b) => b.moves + b.clicks - (a.moves + a.clicks));
}

/** Moves and clicks of the page over these grids (each band's page key counts every point once). */
export function pageTotals(grids: Iterable<Grid>): { moves: number; clicks: number } {
  let moves = 0;
  let clicks = 0;
  for (const grid of grids) {
    moves += grid.total - grid.clicks;
    clicks += grid.clicks;
  }
  return { moves, clicks };
}

/** Points of the layer on an anchor. */
export function anchorCount(anchor: AnchorHeat, layer: HeatLayer): number {
  return layerCount(anchor.moves, anchor.clicks, layer);
}

/**
 * The grid's points that had no anchor, as a page grid of the layer's counts
 * (`[col, row, count]` in both layers), for the tile painter. They were
 * placed by the capturing layout, so they are painted from the viewer's own
 * band only. A grid with points but no anchored or loose heat at all comes
 * from a companion older than anchors: its page grid stands for its points.
 */
export function looseGrid(grid: Grid, layer: HeatLayer): Grid {
  if (grid.total > 0 && grid.anchors.length === 0 && grid.loose.cells.length + grid.loose.fixed.length === 0)
    return grid;
  const triples = (quads: readonly number[]) => {
    const out: number[] = [];
    for (let i = 0; i < quads.length; i += 4) {
      const count = layerCount(quads[i + 2] as number, quads[i + 3] as number, layer);
      if (count > 0) out.push(quads[i] as number, quads[i + 1] as number, count);
    }
    return out;
  };
  const cells = triples(grid.loose.cells);
  const fixed = triples(grid.loose.fixed);
  let max = 0;
  for (const part of [cells, fixed]) for (let i = 2; i < part.length; i += 3) max = Math.max(max, part[i] as number);
  return { ...grid, cells, fixed, max };
}

/**
 * One scale for the elements' tiles and the loose page tiles (both lie on
 * the page), and the loose fixed tiles' own, as `heatScale` does for a grid.
 */
export function anchoredScale(
  anchors: readonly AnchorHeat[],
  loose: Grid | null,
  layer: HeatLayer,
  kind: ScaleKind,
): HeatScale {
  const tiles: number[] = [];
  for (const anchor of anchors) {
    for (let i = 0; i < anchor.cells.length; i += 3) {
      tiles.push(0, 0, layerCount(anchor.cells[i + 1] as number, anchor.cells[i + 2] as number, layer));
    }
  }
  // Concatenated, not pushed as arguments: a long page's loose cells run to 100,000 numbers.
  const pageScale = layerScale(loose ? tiles.concat(loose.cells) : tiles, kind);
  const fixedScale = layerScale(loose?.fixed ?? [], kind);
  return { kind, page: pageScale, fixed: fixedScale, max: Math.max(pageScale.max, fixedScale.max) };
}

/**
 * Least side, CSS px, of an element's tile on screen: an eighth of a small
 * button is a sliver (7 × 3 px on a 60 × 24 px one), which a person reads as
 * no heat beside a large card's broad tiles.
 */
export const MIN_TILE_PX = 10;

/**
 * The anchor's non-empty tiles of the layer laid out in `box` (ANCHOR_GRID ×
 * ANCHOR_GRID, row-major), coolest first so that the hottest are painted on
 * top. A tile is at least MIN_TILE_PX a side (as far as the element allows),
 * grown about its centre and kept inside the element.
 */
export function anchorTiles(anchor: AnchorHeat, box: Box, layer: HeatLayer): TileRect[] {
  const across = box.width / ANCHOR_GRID;
  const down = box.height / ANCHOR_GRID;
  const width = Math.min(box.width, Math.max(across, MIN_TILE_PX));
  const height = Math.min(box.height, Math.max(down, MIN_TILE_PX));
  const within = (start: number, centre: number, side: number, room: number) =>
    Math.min(Math.max(centre - side / 2, start), start + room - side);
  const tiles: TileRect[] = [];
  for (let i = 0; i < anchor.cells.length; i += 3) {
    const tile = anchor.cells[i] as number;
    const count = layerCount(anchor.cells[i + 1] as number, anchor.cells[i + 2] as number, layer);
    if (count <= 0) continue;
    const col = tile % ANCHOR_GRID;
    const row = Math.floor(tile / ANCHOR_GRID);
    const left = within(box.left, box.left + (col + 0.5) * across, width, box.width);
    const top = within(box.top, box.top + (row + 0.5) * down, height, box.height);
    tiles.push({ left, top, width, height, count });
  }
  return tiles.sort((a, b) => a.count - b.count);
}

/** The part of `a` inside `b`, or null when they do not overlap. */
export function intersect(a: Box, b: Box): Box | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width);
  const bottom = Math.min(a.top + a.height, b.top + b.height);
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

/** The part of `box` visible through every clip (the viewport, each scroll container around it), or null. */
export function visiblePart(box: Box, clips: readonly Box[]): Box | null {
  let visible: Box | null = box;
  for (const clip of clips) {
    visible = visible && intersect(visible, clip);
    if (!visible) return null;
  }
  return visible;
}

/**
 * One request per width band of the companion, each at a width inside it
 * (the viewer's own where it falls in the band), so that every band's
 * anchors can be summed; `base` gives the page, window and columns. The
 * viewer's own band comes first and always; past MAX_WATCHES_PER_FRAME bands
 * the rest are left out. Without known bands, the viewer's own width only.
 */
export function bandWatches(base: Watch, bands: GridFacts["bands"]): Watch[] {
  const others = bands
    .filter((band) => !bandHolds(band, base.width))
    .map((band) => ({ ...base, width: bandWidth(band) }));
  return [base, ...others].slice(0, MAX_WATCHES_PER_FRAME);
}

/** Whether `grid` is the heat of the band `width` falls in. */
export function inBand(grid: Grid, width: number): boolean {
  return bandHolds(grid.band, width);
}

/** A layout width inside the band, for requests of its heat. */
export function bandWidth(band: Grid["band"]): number {
  return Math.max(1, band.min);
}

/** Whether the layout width `width` falls in `band`. */
export function bandHolds(band: Grid["band"], width: number): boolean {
  return band.min <= width && (band.max === null || width <= band.max);
}
