/**
 * Layout changes: an overlay turned on while the page is one screen tall
 * follows it when content loaded later makes it grow, repaints at a new
 * window width, and paints sharp at a device pixel ratio of 2.
 */
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { Grid } from "../../protocol/wire";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  hover,
  openPage,
  overlayLegend,
  pixel,
  type Rgb,
  revealBox,
  screenshotPixels,
  scrollToY,
  setOverlay,
  settledGrid,
  type Tile,
  tileInBox,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("layout changes in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("follows a page that grows, a resize and the device pixel ratio", async () => {
    const tabA = await openPage(launched, `${companion.url}/demo/grow?tab=A`);
    // The late content arrives in one go: the target's place is final once it is there.
    await tabA.waitForFunction(() => document.getElementById("late-target"));
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const target = await revealBox(tabA, "#late-target");
    expect(target.top).toBeGreaterThan(2000);
    await hover(tabA, target, 2500);
    const grid: Grid = await settledGrid(companion.url, "/demo/grow", width);
    expect(
      tiles(grid).every((t) => tileInBox(t, grid, width, target)),
      JSON.stringify(grid.cells),
    ).toBe(true);
    const hot = tiles(grid)[0] as Tile;

    // Tab B shows the overlay while its page is still one screen tall.
    const urlB = `${companion.url}/demo/grow?tab=B&wait`;
    const tabB = await openPage(launched, urlB);
    expect(await tabB.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(800);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    // The overlay shows the grid (its points in the legend) while the page is still one screen tall.
    await overlayLegend(launched, urlB, (text) => text.includes(`${grid.total} points`));
    await tabB.bringToFront();
    await tabB.evaluate(() => (window as unknown as { grow(): void }).grow());

    /** Checks the heat over the hot tile at the tab's current width, scroll and pixel ratio. */
    const expectHeat = async (page: Page, label: string, ratio = 1) => {
      const w = await page.evaluate(() => document.documentElement.clientWidth);
      const size = w / grid.cols;
      const scroll = await scrollToY(page, Math.round(hot.row * size - 300));
      const x = (hot.col + 0.5) * size * ratio;
      const y = ((hot.row + 0.5) * size - scroll) * ratio;
      // The page under the tile: the same spot one tile to the right is plain page in this layout.
      const base: Rgb = pixel(await screenshotPixels(page), x + size * 2 * ratio, y);
      const want = expectedHeat(hot.count, grid, base);
      const got = await waitForPixel(page, x, y, want);
      await page.screenshot({ path: `${E2E_DIST}/${browserName}-layout-${label}.png` });
      expect(distance(got, want), `${label} at width ${w}: ${got} vs ${want}`).toBeLessThanOrEqual(24);
      expect(distance(got, base), `${label}: painted`).toBeGreaterThan(40);
    };
    await expectHeat(tabB, "grown");
    await tabB.setViewport({ width: 1100, height: 800 });
    await expectHeat(tabB, "resized");
    await tabB.setViewport({ width: 1100, height: 800, deviceScaleFactor: 2 });
    const png = await screenshotPixels(tabB);
    expect(png.width).toBeGreaterThanOrEqual(2190);
    await expectHeat(tabB, "dpr2", 2);
  });
});
