/**
 * Paints a grid onto a viewport-sized canvas. Document-layer tiles move with
 * the scroll position; fixed-layer tiles stay where they are in the viewport.
 * Tiles are coloured by their count relative to the hottest tile. Pure: the
 * caller gives the canvas context and the view.
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

const LEVELS = 256;

/** Colour of each heat level: cool and faint up to hot and strong. */
export const PALETTE: readonly string[] = Array.from({ length: LEVELS }, (_, i) => {
  const v = i / (LEVELS - 1);
  const { r, g, b } = parseRgb(interpolateTurbo(0.1 + 0.9 * v));
  return `rgba(${r}, ${g}, ${b}, ${(0.2 + 0.55 * v).toFixed(3)})`;
});

/** CSS gradient of the palette, for the legend. */
export const PALETTE_GRADIENT = `linear-gradient(to right, ${[0, 64, 128, 192, 255].map((i) => PALETTE[i]).join(", ")})`;

function parseRgb(css: string): { r: number; g: number; b: number } {
  const [r = 0, g = 0, b = 0] = (css.match(/\d+/g) ?? []).map(Number);
  return { r, g, b };
}

export function paintGrid(ctx: CanvasRenderingContext2D, grid: Grid | null, view: View): void {
  const { width, height, devicePixelRatio: dpr } = view;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!grid || grid.max === 0) return;
  const tile = width / grid.cols;
  const paintLayer = (cells: readonly number[], dx: number, dy: number) => {
    for (let i = 0; i < cells.length; i += 3) {
      const x = (cells[i] as number) * tile - dx;
      const y = (cells[i + 1] as number) * tile - dy;
      if (x + tile < 0 || y + tile < 0 || x > width || y > height) continue;
      const level = Math.round(((cells[i + 2] as number) / grid.max) * (LEVELS - 1));
      ctx.fillStyle = PALETTE[level] as string;
      ctx.fillRect(x, y, tile, tile);
    }
  };
  paintLayer(grid.cells, view.scrollX, view.scrollY);
  paintLayer(grid.fixed, 0, 0);
}
