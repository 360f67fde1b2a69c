/**
 * Paints a grid onto a viewport-sized canvas, as square tiles or as smooth
 * heat. Document-layer cells move with the scroll position; fixed-layer cells
 * stay where they are in the viewport. Colours are relative to the hottest
 * cell. The caller gives the canvas context and the view.
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

export type PaintMode = "tiles" | "smooth";

const LEVELS = 256;

/** Colour of each heat level as [r, g, b, alpha 0–1]: cool and faint up to hot and strong. */
const LEVEL_RGBA: readonly (readonly [number, number, number, number])[] = Array.from({ length: LEVELS }, (_, i) => {
  const v = i / (LEVELS - 1);
  const [r = 0, g = 0, b = 0] = (interpolateTurbo(0.1 + 0.9 * v).match(/\d+/g) ?? []).map(Number);
  return [r, g, b, Number((0.2 + 0.55 * v).toFixed(3))] as const;
});

/** The same colours as CSS. */
export const PALETTE: readonly string[] = LEVEL_RGBA.map(([r, g, b, a]) => `rgba(${r}, ${g}, ${b}, ${a})`);

/** CSS gradient of the palette, for the legend. */
export const PALETTE_GRADIENT = `linear-gradient(to right, ${[0, 64, 128, 192, 255].map((i) => PALETTE[i]).join(", ")})`;

function level(count: number, max: number): number {
  return Math.round((count / max) * (LEVELS - 1));
}

/** Calls `fn` with the viewport position (CSS px) of every cell that may be on screen. */
function forEachVisible(
  grid: Grid,
  view: View,
  margin: number,
  fn: (x: number, y: number, count: number, tile: number) => void,
): void {
  const tile = view.width / grid.cols;
  const layer = (cells: readonly number[], dx: number, dy: number) => {
    for (let i = 0; i < cells.length; i += 3) {
      const x = (cells[i] as number) * tile - dx;
      const y = (cells[i + 1] as number) * tile - dy;
      if (x + tile + margin < 0 || y + tile + margin < 0 || x - margin > view.width || y - margin > view.height)
        continue;
      fn(x, y, cells[i + 2] as number, tile);
    }
  };
  layer(grid.cells, view.scrollX, view.scrollY);
  layer(grid.fixed, 0, 0);
}

export function paintTiles(ctx: CanvasRenderingContext2D, grid: Grid | null, view: View): void {
  const { width, height, devicePixelRatio: dpr } = view;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!grid || grid.max === 0) return;
  forEachVisible(grid, view, 0, (x, y, count, tile) => {
    ctx.fillStyle = PALETTE[level(count, grid.max)] as string;
    ctx.fillRect(x, y, tile, tile);
  });
}

/**
 * Smooth heat: each cell stamps a blurred disc whose strength is its share of
 * the hottest cell; the summed intensity is then coloured with the palette.
 * The heat is blurred, so it is computed at about six pixels per tile and
 * scaled up smoothly: a few thousand pixels per tile fewer to stamp, read back
 * and colour. Keeps its scratch canvas between paints.
 */
export class SmoothPainter {
  private readonly scratch = document.createElement("canvas");
  private readonly scratchCtx = this.scratch.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D;
  private stamp: HTMLCanvasElement | null = null;
  private stampRadius = 0;

  paint(ctx: CanvasRenderingContext2D, grid: Grid | null, view: View): void {
    const { canvas } = ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!grid || grid.max === 0 || canvas.width === 0 || canvas.height === 0) return;
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
    forEachVisible(grid, view, tile * 1.25, (x, y, count) => {
      s.globalAlpha = Math.max(0.06, count / grid.max);
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
