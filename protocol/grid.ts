/**
 * Grid geometry shared by the companion (which bins points) and the overlay
 * (which paints them). A grid is `cols` columns across the layout width; tiles
 * are square, so a row is as tall as a column is wide and long pages keep their
 * vertical resolution. Points over fixed or sticky elements live in a separate
 * "fixed" layer measured from the viewport's top-left corner.
 */

export type Layer = "doc" | "fixed";

export interface WidthBand {
  /** Stable id, used in keys and URLs. */
  id: string;
  /** Smallest layout width (CSS px) in the band, inclusive. */
  min: number;
  /** Largest layout width in the band, inclusive; `null` for unbounded. */
  max: number | null;
}

/** Breakpoints (CSS px) where a new band starts: phone, tablet, desktop, wide. */
export const DEFAULT_BAND_BREAKPOINTS: readonly number[] = [600, 1024, 1440];
const BAND_NAMES = ["phone", "tablet", "desktop", "wide"];

export function bandsFromBreakpoints(breakpoints: readonly number[]): WidthBand[] {
  const sorted = [...breakpoints].sort((a, b) => a - b);
  const bands: WidthBand[] = [];
  let min = 0;
  sorted.forEach((edge, i) => {
    bands.push({ id: bandName(i, sorted.length), min, max: edge - 1 });
    min = edge;
  });
  bands.push({ id: bandName(sorted.length, sorted.length), min, max: null });
  return bands;
}

function bandName(index: number, edges: number): string {
  return edges === BAND_NAMES.length - 1 ? (BAND_NAMES[index] as string) : `w${index}`;
}

export function bandFor(width: number, bands: readonly WidthBand[]): WidthBand {
  for (const band of bands) {
    if (band.max === null || width <= band.max) return band;
  }
  throw new RangeError(`no band for width ${width}`);
}

/**
 * A point's column, given the layout width it was captured at. `x * cols` is an exact integer, so the floor is exact too:
 * binning at `cols / k` columns gives the same tiles as binning at `cols` and
 * merging each k × k block, which is what lets a viewer ask for a coarser grid.
 */
export function colOf(x: number, width: number, cols: number): number {
  return Math.min(cols - 1, Math.max(0, Math.floor((x * cols) / width)));
}

export function rowOf(y: number, width: number, cols: number): number {
  return Math.max(0, Math.floor((y * cols) / width));
}

/**
 * The row of a point at `x`, `y` (captured at layout width `width`) when it
 * is on its page's grid, else -1. On the grid: left of the layout's right
 * edge (a page that scrolls sideways reaches past it, and so does a scroll
 * bar), and above row `maxRows`. A point off it keeps only its element's
 * heat (protocol/anchor.ts).
 */
export function gridRowOf(x: number, y: number, width: number, grid: { cols: number; maxRows: number }): number {
  if (!(x < width)) return -1;
  const row = rowOf(y, width, grid.cols);
  return row < grid.maxRows ? row : -1;
}

/** The column counts a viewer may ask of a companion binning at `cols`: its divisors. */
export function columnChoices(cols: number): number[] {
  const choices: number[] = [];
  for (let n = 1; n <= cols; n++) if (cols % n === 0) choices.push(n);
  return choices;
}

/** Why a column count other than `columnChoices(cols)` is refused (`E_COLS`). */
export function columnChoicesReason(cols: number): string {
  return `cols must divide this companion's ${cols} columns: one of ${columnChoices(cols).join(", ")}`;
}

/** Why a band this companion does not serve is refused (the API, share links). */
export function bandChoicesReason(bands: readonly WidthBand[]): string {
  return `band must be one of ${bands.map((b) => b.id).join(", ")}`;
}

/** Why a window this companion does not serve is refused (the API, share links). */
export function windowChoicesReason(windowsMs: readonly number[]): string {
  return `window must be one of ${windowsMs.join(", ")} (ms)`;
}

/**
 * Cells are packed into one integer so that a pane or a running grid is a
 * single `Map<number, number>`: the low bit is the layer, the rest is
 * `row * cols + col`.
 */
export function packCell(col: number, row: number, layer: Layer, cols: number): number {
  return (row * cols + col) * 2 + (layer === "fixed" ? 1 : 0);
}

export function unpackCell(cell: number, cols: number): { col: number; row: number; layer: Layer } {
  const layer: Layer = cell % 2 === 1 ? "fixed" : "doc";
  const index = Math.floor(cell / 2);
  return { col: index % cols, row: Math.floor(index / cols), layer };
}
