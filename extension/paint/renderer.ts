/**
 * Paints a grid onto a viewport-sized canvas, as square tiles or as smooth
 * heat. Document-layer cells move with the scroll position; fixed-layer cells
 * stay where they are in the viewport. Each layer has its own colour scale
 * (`heatScale`), so a fixed header's hot button does not wash out the page.
 * The caller gives the canvas context and the view.
 */
import { interpolateTurbo } from "d3-scale-chromatic";
import type { Grid } from "../../protocol/wire";

export interface View {
  /** Layout width and height of the viewport (CSS px). */
  width: number;
  height: number;
  scrollX: number;
  scrollY: number;
  devicePixelRatio: number;
}

/** How counts map to colours: in proportion to the top of the scale, or to their logarithms. */
export type ScaleKind = "linear" | "log";

const LEVELS = 256;

/**
 * Colour of each heat level as [r, g, b, alpha 0–1]: the hue carries the
 * heat, from blue to dark red (turbo 0.1–1). The alpha stays between 0.45
 * and 0.5, which makes every level, the coldest included, change a white or
 * a black pixel by at least 60 of 255 in some channel (at opacity 100 %), and
 * keeps a label under the hottest colour readable: #111 text on white stays
 * at 5.0:1 (WCAG contrast), white text on #222 at 4.6:1. A stronger alpha
 * would show heat better over saturated mid-tones and cover text more.
 */
const LEVEL_RGBA: readonly (readonly [number, number, number, number])[] = Array.from({ length: LEVELS }, (_, i) => {
  const v = i / (LEVELS - 1);
  const [r = 0, g = 0, b = 0] = (interpolateTurbo(0.1 + 0.9 * v).match(/\d+/g) ?? []).map(Number);
  return [r, g, b, Number((0.45 + 0.05 * v).toFixed(3))] as const;
});

/** The same colours as CSS. */
export const PALETTE: readonly string[] = LEVEL_RGBA.map(([r, g, b, a]) => `rgba(${r}, ${g}, ${b}, ${a})`);

/** The two sides of a comparison (protocol/compare.ts). */
export type CompareSide = "a" | "b";

/** The difference map's colours (compare-layer.ts): A's side and B's, with their names for the legend. */
export const COMPARE_COLOURS: Record<CompareSide, { name: string; rgb: readonly [number, number, number] }> = {
  a: { name: "blue", rgb: [28, 126, 214] },
  b: { name: "orange", rgb: [247, 103, 7] },
};

/** CSS gradient of the palette, opaque, for the legend. */
export const PALETTE_GRADIENT = `linear-gradient(to right, ${[0, 64, 128, 192, 255]
  .map((i) => PALETTE[i]?.replace(/[\d.]+\)$/, "1)"))
  .join(", ")})`;

/**
 * On a linear scale, the share of a layer's non-empty tiles at or under the
 * top of its scale; hotter ones take the hottest colour, so one hot spot
 * cannot wash out the rest. A log scale already compresses a hot spot and
 * runs to the layer's maximum.
 */
export const TOP_PERCENTILE = 0.95;

/** A layer's colour scale: its top, and the layer's largest count. */
export interface LayerScale {
  top: number;
  max: number;
}

/** The colour scale of each layer, and the grid's true maximum. */
export interface HeatScale {
  kind: ScaleKind;
  /** Document layer. */
  page: LayerScale;
  /** Fixed layer (fixed and stuck sticky elements). */
  fixed: LayerScale;
  max: number;
}

/**
 * A layer's top: on a linear scale the count at `TOP_PERCENTILE` of its
 * non-empty tiles (nearest rank), on a log scale its maximum; 0 for an empty layer.
 */
export function layerScale(cells: readonly number[], kind: ScaleKind): LayerScale {
  // A typed array sorts numerically in native code: a 20,000 px page's 39,000 tiles take about a millisecond.
  const counts = new Float64Array(cells.length / 3);
  let n = 0;
  for (let i = 2; i < cells.length; i += 3) if ((cells[i] as number) > 0) counts[n++] = cells[i] as number;
  if (n === 0) return { top: 0, max: 0 };
  const sorted = counts.subarray(0, n).sort();
  const max = sorted[n - 1] as number;
  return { top: kind === "log" ? max : (sorted[Math.ceil(TOP_PERCENTILE * n) - 1] as number), max };
}

export function heatScale(grid: Grid, kind: ScaleKind): HeatScale {
  return { kind, page: layerScale(grid.cells, kind), fixed: layerScale(grid.fixed, kind), max: grid.max };
}

/** Where `count` sits on a scale whose top is `top`, 0–1; a count over the top is 1. */
export function heatShare(count: number, top: number, kind: ScaleKind): number {
  if (count <= 0 || top <= 0) return 0;
  const share = kind === "log" ? Math.log1p(count) / Math.log1p(top) : count / top;
  return Math.min(1, share);
}

/** The palette index of `count` on a scale whose top is `top`. */
export function heatLevel(count: number, top: number, kind: ScaleKind): number {
  return Math.round(heatShare(count, top, kind) * (LEVELS - 1));
}

/**
 * Calls `fn` with the viewport position (CSS px) of each of a layer's flat
 * `[col, row, value]` cells that may be on screen (within `margin`), its
 * value and the tile's size: document-layer cells move with the scroll,
 * fixed-layer ones stay in the viewport.
 */
export function forEachCellOnScreen(
  cells: readonly number[],
  layer: "page" | "fixed",
  cols: number,
  view: View,
  margin: number,
  fn: (x: number, y: number, value: number, tile: number) => void,
): void {
  const tile = view.width / cols;
  const dx = layer === "page" ? view.scrollX : 0;
  const dy = layer === "page" ? view.scrollY : 0;
  for (let i = 0; i < cells.length; i += 3) {
    const x = (cells[i] as number) * tile - dx;
    const y = (cells[i + 1] as number) * tile - dy;
    if (x + tile + margin < 0 || y + tile + margin < 0 || x - margin > view.width || y - margin > view.height) continue;
    fn(x, y, cells[i + 2] as number, tile);
  }
}

/** Calls `fn` with the viewport position (CSS px) of every cell that may be on screen, and its share of its layer's scale. */
function forEachVisible(
  grid: Grid,
  view: View,
  margin: number,
  scale: HeatScale,
  fn: (x: number, y: number, share: number, tile: number) => void,
): void {
  for (const layer of ["page", "fixed"] as const) {
    const top = scale[layer].top;
    forEachCellOnScreen(
      layer === "page" ? grid.cells : grid.fixed,
      layer,
      grid.cols,
      view,
      margin,
      (x, y, count, tile) => fn(x, y, heatShare(count, top, scale.kind), tile),
    );
  }
}

/** `scale` is the whole grid's (`heatScale`), so colours stay put when part of a layer is not shown. */
export function paintTiles(
  ctx: CanvasRenderingContext2D,
  grid: Grid | null,
  view: View,
  scale: HeatScale | null,
): void {
  const { width, height, devicePixelRatio: dpr } = view;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!grid || !scale || grid.max === 0) return;
  forEachVisible(grid, view, 0, scale, (x, y, share, tile) => {
    ctx.fillStyle = PALETTE[Math.round(share * (LEVELS - 1))] as string;
    ctx.fillRect(x, y, tile, tile);
  });
}

/**
 * Smooth heat: each cell stamps a blurred disc whose strength grows with its
 * share of its layer's scale, from a floor that keeps a lone cold cell
 * visible; the summed intensity is then coloured with the palette.
 * The heat is blurred, so it is computed at about six pixels per tile and
 * scaled up smoothly: a few thousand pixels per tile fewer to stamp, read back
 * and colour. Keeps its scratch canvas between paints.
 */
export class SmoothPainter {
  private readonly scratch = document.createElement("canvas");
  private readonly scratchCtx = this.scratch.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D;
  private stamp: HTMLCanvasElement | null = null;
  private stampRadius = 0;

  paint(ctx: CanvasRenderingContext2D, grid: Grid | null, view: View, heat: HeatScale | null): void {
    const { canvas } = ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!grid || !heat || grid.max === 0 || canvas.width === 0 || canvas.height === 0) return;
    const tile = view.width / grid.cols;
    // Canvas pixels per scratch pixel: about six scratch pixels across a tile.
    const step = Math.max(1, Math.floor((tile * view.devicePixelRatio) / 6));
    const scale = view.devicePixelRatio / step;
    const width = Math.ceil(canvas.width / step);
    const height = Math.ceil(canvas.height / step);
    const radius = Math.max(2, Math.round(tile * 1.25 * scale));
    const stamp = this.stampOf(radius);
    if (this.scratch.width !== width || this.scratch.height !== height) {
      this.scratch.width = width;
      this.scratch.height = height;
    }
    const s = this.scratchCtx;
    s.clearRect(0, 0, width, height);
    forEachVisible(grid, view, tile * 1.25, heat, (x, y, share) => {
      s.globalAlpha = 0.2 + 0.8 * share;
      s.drawImage(stamp, Math.round((x + tile / 2) * scale) - radius, Math.round((y + tile / 2) * scale) - radius);
    });
    const image = s.getImageData(0, 0, width, height);
    const px = image.data;
    for (let i = 3; i < px.length; i += 4) {
      const a = px[i] as number;
      if (a === 0) continue;
      const [r, g, b, alpha] = LEVEL_RGBA[a] as readonly [number, number, number, number];
      px[i - 3] = r;
      px[i - 2] = g;
      px[i - 1] = b;
      // Fades out at the rim of a lone disc instead of ending in a hard edge.
      px[i] = Math.round(alpha * Math.min(1, a / 48) * 255);
    }
    s.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "low";
    ctx.drawImage(this.scratch, 0, 0, width, height, 0, 0, width * step, height * step);
  }

  private stampOf(radius: number): HTMLCanvasElement {
    if (this.stamp && this.stampRadius === radius) return this.stamp;
    const stamp = document.createElement("canvas");
    stamp.width = stamp.height = radius * 2;
    const c = stamp.getContext("2d") as CanvasRenderingContext2D;
    const gradient = c.createRadialGradient(radius, radius, 0, radius, radius, radius);
    gradient.addColorStop(0, "rgba(0, 0, 0, 1)");
    gradient.addColorStop(0.45, "rgba(0, 0, 0, 0.85)");
    gradient.addColorStop(1, "rgba(0, 0, 0, 0)");
    c.fillStyle = gradient;
    c.fillRect(0, 0, radius * 2, radius * 2);
    this.stamp = stamp;
    this.stampRadius = radius;
    return stamp;
  }
}

/** The count of the cell under viewport point (x, y): fixed layer first, as it is drawn on top. */
export function countAt(grid: Grid, view: View, x: number, y: number): number {
  const tile = view.width / grid.cols;
  const find = (cells: readonly number[], px: number, py: number) => {
    const col = Math.floor(px / tile);
    const row = Math.floor(py / tile);
    for (let i = 0; i < cells.length; i += 3) {
      if (cells[i] === col && cells[i + 1] === row) return cells[i + 2] as number;
    }
    return 0;
  };
  return find(grid.fixed, x, y) || find(grid.cells, x + view.scrollX, y + view.scrollY);
}
