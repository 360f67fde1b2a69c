/**
 * Heat a tester can read at a glance, on a page with one very hot fixed
 * button and cold targets on light and dark cards (demo/glance.html): every
 * non-empty tile changes the light and dark pixels under it by at least 50 of
 * 255, the hot button's label keeps a contrast of at least 4.5:1 against its
 * ground, and a view whose updates stop says it is stale within seconds, then
 * asks for its view again until the companion serves it.
 */

import type { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { Grid } from "../../protocol/wire";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  fixedTiles,
  hoverAt,
  openPage,
  overlayLegend,
  pixel,
  type Rgb,
  screenshotPixels,
  setOverlay,
  settledGrid,
  type Tile,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

/** Least change, of 255 in some channel, that heat makes to a light (all ≥ 235) or dark (all ≤ 40) page pixel. */
const MIN_CHANGE = 50;
/** Least WCAG contrast between the hot button's label and its ground under the heat. */
const MIN_TEXT_CONTRAST = 4.5;
/** The companion re-sends unchanged views every 500 ms here: the overlay is stale after 2 × 500 + 4 × 250 ms. */
const VIEW_REFRESH_MS = 500;

const isLight = (c: Rgb) => c.every((v) => v >= 235);
const isDark = (c: Rgb) => c.every((v) => v <= 40);

function luminance(c: readonly number[]): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0] as number) + 0.7152 * lin(c[1] as number) + 0.0722 * lin(c[2] as number);
}

function contrast(a: readonly number[], b: readonly number[]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Viewport points (CSS px) inside a tile, 2 px in from its edges. */
function* tilePixels(tile: Tile, size: number): Generator<[number, number]> {
  for (let y = Math.ceil(tile.row * size + 2); y < (tile.row + 1) * size - 2; y++) {
    for (let x = Math.ceil(tile.col * size + 2); x < (tile.col + 1) * size - 2; x++) yield [x, y];
  }
}

function mean(colours: Rgb[]): Rgb {
  return [0, 1, 2].map((i) => colours.reduce((sum, c) => sum + (c[i] as number), 0) / colours.length) as Rgb;
}

async function viewportBox(page: Page, selector: string) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  });
}

describe.each<BrowserName>(["chromium", "firefox"])("heat at a glance in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(
    browserName,
    (c, l) => {
      companion = c;
      launched = l;
    },
    { viewRefreshMs: VIEW_REFRESH_MS },
  );
  const urlB = () => `${companion.url}/demo/glance?tab=B`;

  it("paints every non-empty tile visibly over light and dark cards and keeps the hot label legible", async () => {
    const tabA = await openPage(launched, `${companion.url}/demo/glance?tab=A`);
    const { width, height } = await tabA.evaluate(() => ({
      width: document.documentElement.clientWidth,
      height: document.documentElement.clientHeight,
    }));
    // The fixed Cart button collects points for a long while; each card gets a few short visits.
    const cart = await viewportBox(tabA, "#cart");
    await hoverAt(tabA, (cart.left + cart.right) / 2, (cart.top + cart.bottom) / 2, 3500);
    for (let i = 1; i <= 6; i++) {
      const card = await viewportBox(tabA, `#card-${i}`);
      for (const [fx, fy] of [
        [0.25, 0.3],
        [0.7, 0.5],
        [0.4, 0.8],
      ] as const) {
        await hoverAt(tabA, card.left + fx * (card.right - card.left), card.top + fy * (card.bottom - card.top), 300);
      }
    }
    const grid: Grid = await settledGrid(companion.url, "/demo/glance", width);
    const hot = fixedTiles(grid)[0] as Tile;
    const cold = tiles(grid);
    expect(hot.count, "the Cart button's tile").toBeGreaterThanOrEqual(8);
    expect(cold.length, "tiles on the cards").toBeGreaterThanOrEqual(12);
    expect(Math.max(...cold.map((t) => t.count)), "the cards stay cold").toBeLessThan(hot.count);

    const tabB = await openPage(launched, urlB());
    await tabB.bringToFront();
    const plain = await screenshotPixels(tabB);
    await setOverlay(launched, urlB(), true);
    // The page grid as tiles (heat on elements is the default): the middle mode button, once the panel shows heat.
    await overlayLegend(launched, urlB(), (t) => t.includes("elements, all widths"));
    await tabB.bringToFront();
    await tabB.mouse.click(width - 122, height - 109);
    const size = width / grid.cols;
    const hotCentre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;
    const hotBase = pixel(plain, ...hotCentre);
    const hotWant = expectedHeat(hot.count, grid, hotBase, "fixed");
    expect(distance(await waitForPixel(tabB, ...hotCentre, hotWant), hotWant)).toBeLessThanOrEqual(24);
    const heat = await screenshotPixels(tabB);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-glance-heat.png` });

    // Every pixel of every tile on screen, away from the panel, that is plainly light or dark.
    const underPanel = (x: number, y: number) => x >= width - 240 && y >= height - 420;
    const checked = { light: 0, dark: 0 };
    const weak: string[] = [];
    for (const tile of [...cold, hot]) {
      for (const [x, y] of tilePixels(tile, size)) {
        if (underPanel(x, y) || y >= height) continue;
        const before = pixel(plain, x, y);
        const light = isLight(before);
        if (!light && !isDark(before)) continue;
        checked[light ? "light" : "dark"]++;
        const change = distance(before, pixel(heat, x, y));
        if (change < MIN_CHANGE) weak.push(`(${x}, ${y}) ${before} → ${pixel(heat, x, y)}: ${change}`);
      }
    }
    expect(checked.light, "light pixels under heat").toBeGreaterThan(2000);
    expect(checked.dark, "dark pixels under heat").toBeGreaterThan(1000);
    expect(weak.slice(0, 5), `${weak.length} pixels changed by less than ${MIN_CHANGE}`).toEqual([]);

    // The label under the hottest tile: its dark strokes against the light button around them.
    const text: Rgb[] = [];
    const ground: Rgb[] = [];
    const plainText: Rgb[] = [];
    const plainGround: Rgb[] = [];
    for (const [x, y] of tilePixels(hot, size)) {
      const before = pixel(plain, x, y);
      if (isDark(before)) {
        text.push(pixel(heat, x, y));
        plainText.push(before);
      } else if (isLight(before)) {
        ground.push(pixel(heat, x, y));
        plainGround.push(before);
      }
    }
    expect(text.length, "label pixels under the hottest tile").toBeGreaterThanOrEqual(10);
    expect(ground.length, "button pixels under the hottest tile").toBeGreaterThanOrEqual(10);
    const under = contrast(mean(text), mean(ground));
    expect(
      under,
      `label contrast ${under.toFixed(1)} (plain ${contrast(mean(plainText), mean(plainGround)).toFixed(1)})`,
    ).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    expect(await overlayLegend(launched, urlB(), (t) => t.includes("updated"))).toContain(`${grid.total} points`);

    // "Log scale" (the scale row, above Tiles and Smooth): the coldest tile takes the log scale's colour.
    const coldest = cold.at(-1) as Tile;
    const coldCentre = [(coldest.col + 0.5) * size, (coldest.row + 0.5) * size] as const;
    const coldBase = pixel(plain, ...coldCentre);
    const linear = expectedHeat(coldest.count, grid, coldBase);
    const log = expectedHeat(coldest.count, grid, coldBase, "page", "log");
    expect(distance(linear, log), "the two scales differ here").toBeGreaterThan(24);
    expect(distance(pixel(heat, ...coldCentre), linear)).toBeLessThanOrEqual(24);
    await tabB.mouse.click(width - 71, height - 135);
    expect(distance(await waitForPixel(tabB, ...coldCentre, log), log), "log scale").toBeLessThanOrEqual(24);
    await tabB.mouse.click(width - 173, height - 135);
    expect(distance(await waitForPixel(tabB, ...coldCentre, linear), linear), "linear again").toBeLessThanOrEqual(24);
    await tabB.mouse.move(0, height - 1);
  });

  it("stays fresh while the page is idle, says stale within seconds once the companion drops the view, and recovers", async () => {
    // Idle: the grid does not change, but the companion's refreshes keep the view fresh past the stale limit.
    const idleUntil = Date.now() + 4 * VIEW_REFRESH_MS + 2000;
    while (Date.now() < idleUntil) {
      const legend = await overlayLegend(launched, urlB(), (t) => t.includes("updated"));
      expect(legend).toContain("updated");
    }
    // The companion drops every viewer of every view, as a companion that lost a subscription would, and
    // takes no new ones for now; the link stays open.
    const fanout = companion.fanout as unknown as {
      subscriptions: Map<string, Map<number, { viewers: Map<unknown, unknown> }>>;
    };
    const subscribe = companion.fanout.subscribe;
    companion.fanout.subscribe = () => undefined;
    for (const byCols of fanout.subscriptions.values()) for (const sub of byCols.values()) sub.viewers.clear();
    const dropped = Date.now();
    const legend = await overlayLegend(launched, urlB(), (t) => t.includes("stale"));
    expect(legend).toMatch(/stale: no update for \d+ s/);
    expect(Date.now() - dropped, "stale within a few seconds").toBeLessThan(6000);
    const tabB = (await launched.browser.pages()).find((p) => p.url() === urlB()) as Page;
    await tabB.bringToFront();
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-glance-stale.png` });
    // The panel's frame turns amber.
    const shot: PNG = await screenshotPixels(tabB);
    const { width, height } = await tabB.evaluate(() => ({
      width: document.documentElement.clientWidth,
      height: document.documentElement.clientHeight,
    }));
    const frame = pixel(shot, width - 231, height - 60);
    expect(distance(frame, [255, 176, 32]), `panel frame ${frame}`).toBeLessThanOrEqual(40);

    // The stale overlay keeps asking for its view: once the companion takes viewers again, the heat is live again.
    companion.fanout.subscribe = subscribe;
    const healed = Date.now();
    expect(await overlayLegend(launched, urlB(), (t) => t.includes("updated"))).toContain("updated");
    expect(Date.now() - healed, "live again within a few seconds").toBeLessThan(6000);
  });
});
