/**
 * Fixed elements: a cursor over the demo shop's fixed header, at the top of
 * the page and far down it, counts in the fixed layer; another tab paints that
 * heat on the header at every scroll position, not smeared down the page. A
 * sticky bar counts in the fixed layer only while it is stuck.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  fixedTiles,
  hover,
  hoverAt,
  openPage,
  openTrackedPage,
  pixel,
  type Rgb,
  screenshotPixels,
  scrollToY,
  setOverlay,
  settledGrid,
  steadyScreenshot,
  type Tile,
  tileInBox,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("fixed header in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("keeps the header's heat on the header at any scroll position", async () => {
    const tabA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?tab=A`);
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const cart = await tabA.$eval("#cart-link", (el) => {
      const r = el.getBoundingClientRect();
      return { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
    });
    await hoverAt(tabA, cart.x, cart.y, 2500);
    // Scrolled at once (no smooth scrolling): the moves after it are made over the scrolled page.
    expect(await scrollToY(tabA, 1500)).toBeGreaterThan(1000);
    await hoverAt(tabA, cart.x, cart.y, 2500);

    const grid = await settledGrid(companion.url, "/demo/", width);
    const where = JSON.stringify({ cart, fixed: grid.fixed, cells: grid.cells });
    expect(grid.total, where).toBeGreaterThanOrEqual(12);
    // Every point was over the header: none of them lands in the document layer.
    expect(grid.cells, where).toEqual([]);
    const hot = fixedTiles(grid)[0] as Tile;
    const size = width / grid.cols;
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;
    expect(centre[1], where).toBeLessThan(64);

    const urlB = `${companion.url}/demo/?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const base = pixel(await screenshotPixels(tabB), ...centre);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    const want = expectedHeat(hot.count, grid, base, "fixed");
    for (const y of [0, 2400]) {
      await scrollToY(tabB, y);
      const got: Rgb = await waitForPixel(tabB, ...centre, want);
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-fixed-${y}.png` });
      expect(distance(got, want), `header heat at scroll ${y}: ${got} vs ${want}`).toBeLessThanOrEqual(24);
      expect(distance(got, base)).toBeGreaterThan(40);
    }
  });

  it("keeps a sticky bar's heat where the bar was: in the page before it sticks, on screen once stuck", async () => {
    const tabA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/sticky?tab=A`);
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const bar = await tabA.$eval("#sticky-bar", (el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
    });
    // In its place, on the left of the bar.
    await hover(tabA, { ...bar, right: 400 }, 2500);
    // Stuck to the top of the window, on the right of the bar.
    expect(await scrollToY(tabA, 2000)).toBe(2000);
    await hoverAt(tabA, 1000, 28, 2500);

    const grid = await settledGrid(companion.url, "/demo/sticky", width);
    const where = JSON.stringify({ bar, cells: grid.cells, fixed: grid.fixed });
    const size = width / grid.cols;
    const inPage = tiles(grid)[0] as Tile;
    const onScreen = fixedTiles(grid)[0] as Tile;
    expect(
      tiles(grid).every((t) => tileInBox(t, grid, width, { ...bar, right: 400 })),
      where,
    ).toBe(true);
    expect(
      fixedTiles(grid).every((t) => t.row * size < 56 && t.col * size > 900),
      where,
    ).toBe(true);

    const urlB = `${companion.url}/demo/sticky?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const spots = [
      { scroll: 0, tile: inPage, at: [(inPage.col + 0.5) * size, (inPage.row + 0.5) * size] as const },
      { scroll: 2000, tile: onScreen, at: [(onScreen.col + 0.5) * size, (onScreen.row + 0.5) * size] as const },
    ];
    const bases: Rgb[] = [];
    for (const spot of spots) {
      await scrollToY(tabB, spot.scroll);
      bases.push(pixel(await steadyScreenshot(tabB), ...spot.at));
    }
    await scrollToY(tabB, 0);
    const unstuckBase = pixel(await steadyScreenshot(tabB), ...(spots[1]?.at ?? [0, 0]));
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    for (const [i, spot] of spots.entries()) {
      const base = bases[i] as Rgb;
      await scrollToY(tabB, spot.scroll);
      const want = expectedHeat(spot.tile.count, grid, base, "fixed");
      const got = await waitForPixel(tabB, ...spot.at, want);
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-sticky-${spot.scroll}.png` });
      expect(distance(got, want), `sticky bar heat at scroll ${spot.scroll}: ${got} vs ${want}`).toBeLessThanOrEqual(
        24,
      );
      expect(distance(got, base)).toBeGreaterThan(40);
      if (spot.scroll === 0) {
        // The heat of the stuck bar is not shown while the bar is still down in the page.
        const above = pixel(await screenshotPixels(tabB), ...(spots[1]?.at ?? [0, 0]));
        expect(distance(above, unstuckBase), `no stuck-bar heat at scroll 0: ${above}`).toBeLessThanOrEqual(6);
      }
    }
  });
});
