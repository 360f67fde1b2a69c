import { describe, expect, it } from "vitest";
import { noSideHeat } from "../../protocol/anchor";
import type { Grid } from "../../protocol/wire";
import { heatLevel, heatScale, heatShare, layerScale, PALETTE } from "./renderer";

const grid = (cells: number[], fixed: number[]): Grid => ({
  type: "grid",
  ...noSideHeat(),
  origin: "http://shop.test",
  path: "/",
  band: { id: "desktop", min: 1024, max: 1439 },
  windowMs: 300_000,
  cols: 50,
  rows: 40,
  tile: { size: 0.02, unit: "layout-width" },
  start: 0,
  end: 300_000,
  total: 0,
  max: Math.max(0, ...cells.filter((_, i) => i % 3 === 2), ...fixed.filter((_, i) => i % 3 === 2)),
  cells,
  fixed,
});

/** Triples [col, row, count] for these counts. */
const layer = (counts: number[]) => counts.flatMap((count, i) => [i % 50, Math.floor(i / 50), count]);

/** WCAG relative luminance of an sRGB colour. */
function luminance([r, g, b]: readonly number[]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r as number) + 0.7152 * lin(g as number) + 0.0722 * lin(b as number);
}
const contrast = (a: readonly number[], b: readonly number[]) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};
const over = (css: string, base: readonly number[]) => {
  const [r, g, b, a] = (css.match(/[\d.]+/g) ?? []).map(Number) as [number, number, number, number];
  return [r, g, b].map((c, i) => c * a + (base[i] as number) * (1 - a));
};

describe("colour scale", () => {
  it("scales each layer on its own: a hot fixed button does not wash out the page", () => {
    const scale = heatScale(grid(layer([1, 2, 4, 3]), layer([14, 11])), "linear");
    expect(scale.page).toEqual({ top: 4, max: 4 });
    expect(scale.fixed).toEqual({ top: 14, max: 14 });
    expect(scale.max).toBe(14);
    expect(heatShare(1, scale.page.top, "linear")).toBe(0.25);
  });

  it("tops a layer at the 95th percentile of its non-empty tiles, so one hot spot takes the hottest colour alone", () => {
    const counts = [...Array.from({ length: 39 }, (_, i) => 1 + (i % 4)), 40];
    expect(layerScale(layer(counts), "linear")).toEqual({ top: 4, max: 40 });
    expect(heatShare(40, 4, "linear")).toBe(1);
    expect(layerScale([], "linear")).toEqual({ top: 0, max: 0 });
    expect(layerScale(layer([0, 3]), "linear")).toEqual({ top: 3, max: 3 });
  });

  it("runs a log scale to the layer's maximum: the hot spot stands out and cold tiles keep their steps", () => {
    const counts = [...Array.from({ length: 39 }, (_, i) => 1 + (i % 4)), 40];
    expect(layerScale(layer(counts), "log")).toEqual({ top: 40, max: 40 });
    expect(heatLevel(1, 40, "log")).toBeGreaterThan(45);
    expect(heatLevel(4, 40, "log")).toBeGreaterThan(2 * heatLevel(1, 40, "log"));
  });

  it("gives the cold end more steps on a log scale", () => {
    expect(heatShare(1, 15, "log")).toBeCloseTo(0.25);
    expect(heatShare(1, 15, "linear")).toBeCloseTo(1 / 15);
    expect(heatShare(15, 15, "log")).toBe(1);
    expect(heatShare(0, 15, "log")).toBe(0);
    expect(heatLevel(30, 15, "log")).toBe(255);
  });

  it("changes a white or a black pixel by at least 60 of 255 at every level, the coldest included", () => {
    for (const css of PALETTE) {
      const onWhite = over(css, [255, 255, 255]);
      const onBlack = over(css, [0, 0, 0]);
      expect(Math.max(...onWhite.map((c) => 255 - c)), css).toBeGreaterThanOrEqual(60);
      expect(Math.max(...onBlack), css).toBeGreaterThanOrEqual(60);
    }
  });

  it("keeps dark text on a light ground at 4.5:1 or more under the hottest colour", () => {
    const hottest = PALETTE.at(-1) as string;
    expect(contrast(over(hottest, [17, 17, 17]), over(hottest, [255, 255, 255]))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(over(hottest, [255, 255, 255]), over(hottest, [34, 34, 34]))).toBeGreaterThanOrEqual(4.5);
  });
});
