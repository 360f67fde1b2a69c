/**
 * Long pages: on a 20,000 px page, heat over a button near the bottom lands
 * within one tile of it (square tiles keep the vertical resolution) and
 * another tab paints it over that button.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  hover,
  openPage,
  openTrackedPage,
  pixel,
  revealBox,
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

describe.each<BrowserName>(["chromium", "firefox"])("20,000 px page in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("paints heat over a button 19,000 px down, within one tile", async () => {
    const tabA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/long?tab=A`);
    expect(await tabA.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThanOrEqual(20_000);
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const target = await revealBox(tabA, "#far-target");
    expect(target.top).toBeGreaterThan(19_000);
    await hover(tabA, target, 3000);

    const grid = await settledGrid(companion.url, "/demo/long", width);
    const ranked = tiles(grid);
    const hot = ranked[0] as Tile;
    const size = width / grid.cols;
    const where = JSON.stringify({ width, target, ranked: ranked.slice(0, 4) });
    expect(grid.total, where).toBeGreaterThanOrEqual(8);
    expect(grid.rows, where).toBeGreaterThan(19_000 / size);
    expect(
      ranked.every((t) => tileInBox(t, grid, width, target)),
      where,
    ).toBe(true);

    const urlB = `${companion.url}/demo/long?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const scroll = await scrollToY(tabB, target.top - 300);
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size - scroll] as const;
    const base = pixel(await steadyScreenshot(tabB), ...centre);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    const want = expectedHeat(hot.count, grid, base);
    const got = await waitForPixel(tabB, ...centre, want);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-long.png` });
    expect(distance(got, want), `heat over #far-target: ${got} vs ${want}`).toBeLessThanOrEqual(24);
    expect(distance(got, base)).toBeGreaterThan(40);
  });
});
