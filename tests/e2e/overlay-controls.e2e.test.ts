/**
 * The overlay's controls, used with the mouse and keyboard as a person would:
 * smooth heat and tiles, the window, opacity, freeze, and the tooltip under
 * the cursor. Clicks on the overlay's own panel are never captured.
 */
import type { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { Grid } from "../../protocol/wire";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  type DocBox,
  distance,
  E2E_DIST,
  expectedHeat,
  fetchGrid,
  hover,
  hoverHeroButton,
  openPage,
  overlayLegend,
  pixel,
  type Rgb,
  screenshotPixels,
  screenshotWhen,
  setOverlay,
  settledGrid,
  sleep,
  type Tile,
  tileInBox,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

type Control = "tiles" | "smooth" | "10 s" | "1 min" | "5 min" | "opacity" | "freeze";

/** Where each control sits: the panel has fixed sizes, 12 px from the bottom-right corner (see panel.ts). */
async function controlAt(page: Page, control: Control): Promise<[number, number]> {
  const { w, h } = await page.evaluate(() => ({
    w: document.documentElement.clientWidth,
    h: document.documentElement.clientHeight,
  }));
  const at: Record<Control, [number, number]> = {
    tiles: [w - 122, h - 109],
    smooth: [w - 54, h - 109],
    "10 s": [w - 190, h - 83],
    "1 min": [w - 122, h - 83],
    "5 min": [w - 54, h - 83],
    opacity: [w - 92, h - 57],
    freeze: [w - 122, h - 31],
  };
  return at[control];
}

/** Clicks a control; the caller waits for what it changes (a repaint, the legend). */
async function press(page: Page, control: Control): Promise<void> {
  await page.mouse.click(...(await controlAt(page, control)));
}

/** Screenshots the page until `done` accepts one, for up to `ms`; returns the last one taken. */
describe.each<BrowserName>(["chromium", "firefox"])("overlay controls in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("switches mode, window and opacity, freezes, shows a tooltip, and never counts its own panel", async () => {
    const hovered = await hoverHeroButton(launched, companion.url, 2500);
    const { tab: tabA, width, cta } = hovered;
    let grid: Grid = hovered.grid;
    const hot = tiles(grid)[0] as Tile;
    expect(tileInBox(hot, grid, width, cta)).toBe(true);
    const size = width / grid.cols;
    const centreOf = (t: { col: number; row: number }) => [(t.col + 0.5) * size, (t.row + 0.5) * size] as const;
    const centre = centreOf(hot);
    // A neighbour of the hot tile with no count of its own: plain page in tiles mode.
    const counted = new Set(tiles(grid).map((t) => `${t.col},${t.row}`));
    const neighbour = [
      { col: hot.col, row: hot.row - 1 },
      { col: hot.col, row: hot.row + 1 },
      { col: hot.col - 1, row: hot.row },
      { col: hot.col + 1, row: hot.row },
    ].find((t) => !counted.has(`${t.col},${t.row}`)) as { col: number; row: number };
    const near = centreOf(neighbour);

    const urlB = `${companion.url}/demo/?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const plain = await screenshotPixels(tabB);
    const base = pixel(plain, ...centre);
    const nearBase = pixel(plain, ...near);
    await setOverlay(launched, urlB, true);
    // The page grid as tiles (heat on elements is the default), once the panel shows heat.
    await overlayLegend(launched, urlB, (t) => t.includes("elements, all widths"));
    await tabB.bringToFront();
    await press(tabB, "tiles");
    const tileHeat = expectedHeat(hot.count, grid, base);
    // Both at once: heat on elements may already paint the hot tile's spot in that colour, and its neighbour too.
    const tiled = await screenshotWhen(
      tabB,
      (png) => distance(pixel(png, ...centre), tileHeat) <= 24 && distance(pixel(png, ...near), nearBase) <= 6,
    );
    expect(distance(pixel(tiled, ...centre), tileHeat)).toBeLessThanOrEqual(24);
    expect(distance(pixel(tiled, ...near), nearBase)).toBeLessThanOrEqual(6);

    // Smooth heat: the hottest spot keeps its colour, and the heat spreads past the tile's edge.
    await press(tabB, "smooth");
    const hottest = expectedHeat(grid.max, grid, base);
    // Smooth heat is painted once it spreads past the tile (the hottest spot may look as the tile did).
    const smooth = await screenshotWhen(
      tabB,
      (png) => distance(pixel(png, ...centre), hottest) <= 40 && distance(pixel(png, ...near), nearBase) > 15,
    );
    const smoothCentre = pixel(smooth, ...centre);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-controls-smooth.png` });
    expect(distance(smoothCentre, hottest), `smooth centre ${smoothCentre} vs ${hottest}`).toBeLessThanOrEqual(40);
    expect(distance(pixel(smooth, ...near), nearBase)).toBeGreaterThan(15);
    await press(tabB, "tiles");
    expect(distance(await waitForPixel(tabB, ...near, nearBase), nearBase)).toBeLessThanOrEqual(6);

    // Opacity: the lowest setting lets the page show through almost entirely.
    await press(tabB, "opacity");
    await tabB.keyboard.press("Home");
    const [r, g, b, a] = expectedRgba(hot.count, grid);
    const faint = base.map((c, i) => Math.round(c + (([r, g, b][i] as number) - c) * a * 0.1)) as Rgb;
    const gotFaint = await waitForPixel(tabB, ...centre, faint, 5000, 8);
    expect(distance(gotFaint, faint), `opacity 10%: ${gotFaint} vs ${faint}`).toBeLessThanOrEqual(8);
    await tabB.keyboard.press("End");
    expect(distance(await waitForPixel(tabB, ...centre, tileHeat), tileHeat)).toBeLessThanOrEqual(24);

    // Window: the last 10 s hold none of these points; 5 min holds them all again.
    await press(tabB, "10 s");
    expect(await overlayLegend(launched, urlB, (t) => t.includes("last 10 s · 0 points"))).toContain(
      "last 10 s · 0 points",
    );
    await tabB.bringToFront();
    expect(distance(await waitForPixel(tabB, ...centre, base), base)).toBeLessThanOrEqual(6);
    await press(tabB, "5 min");
    expect(await overlayLegend(launched, urlB, (t) => t.includes("last 5 min"))).toContain(`${grid.total} points`);
    await tabB.bringToFront();
    expect(distance(await waitForPixel(tabB, ...centre, tileHeat), tileHeat)).toBeLessThanOrEqual(24);

    // None of those clicks on the panel was captured.
    expect((await fetchGrid(companion.url, "/demo/", width)).total).toBe(grid.total);

    // Freeze: new heat elsewhere waits until the overlay is live again.
    await press(tabB, "freeze");
    expect(await overlayLegend(launched, urlB, (t) => t.includes("frozen"))).toContain("frozen");
    await tabA.bringToFront();
    const product: DocBox = await tabA.$eval("#product-1 .swatch", (el) => {
      const box = el.getBoundingClientRect();
      return {
        left: box.left + scrollX,
        top: box.top + scrollY,
        right: box.right + scrollX,
        bottom: box.bottom + scrollY,
      };
    });
    await hover(tabA, product, 2500);
    grid = await settledGrid(companion.url, "/demo/", width);
    const newHot = tiles(grid).find((t) => tileInBox(t, grid, width, product)) as Tile;
    const newCentre = centreOf(newHot);
    await tabB.bringToFront();
    const newBase = pixel(plain, ...newCentre);
    // Frozen: a span in which the new heat must not be painted.
    await sleep(1000);
    expect(distance(pixel(await screenshotPixels(tabB), ...newCentre), newBase), "frozen").toBeLessThanOrEqual(6);
    await press(tabB, "freeze");
    const newHeat = expectedHeat(newHot.count, grid, newBase);
    expect(distance(await waitForPixel(tabB, ...newCentre, newHeat), newHeat)).toBeLessThanOrEqual(24);

    // The tooltip: a dark label beside the cursor over heat.
    await tabB.mouse.move(...centre);
    const darkBeside = (shot: PNG) => {
      let dark = 0;
      let all = 0;
      for (let x = centre[0] + 20; x < centre[0] + 100; x += 4) {
        for (let y = centre[1] - 26; y < centre[1] - 10; y += 4, all++) {
          if (pixel(shot, x, y).every((c) => c < 90)) dark++;
        }
      }
      return dark / all;
    };
    const shot = await screenshotWhen(tabB, (png) => darkBeside(png) > 0.6, 5000);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-controls-tooltip.png` });
    expect(darkBeside(shot), "tooltip beside the cursor").toBeGreaterThan(0.6);
  });
});

function expectedRgba(count: number, grid: Grid): [number, number, number, number] {
  const white = expectedHeat(count, grid, [255, 255, 255]);
  const black = expectedHeat(count, grid, [0, 0, 0]);
  // Over black the result is colour × alpha; over white it adds 255 × (1 − alpha).
  const alpha = 1 - (white[0] - black[0]) / 255;
  return [black[0] / alpha, black[1] / alpha, black[2] / alpha, alpha];
}
