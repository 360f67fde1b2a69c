/**
 * Two tabs of one page at two widths of one band (1280 and 1366 px, both
 * `desktop`) ask for one view of the companion: both paint its heat, and once
 * the 1366 px tab closes the 1280 px tab still receives live updates.
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
  hoverHeroButton,
  openPage,
  overlayLegend,
  pixel,
  revealBox,
  screenshotPixels,
  setOverlay,
  settledGrid,
  type Tile,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("one view for two widths in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  /** Opens the demo at `width` px with the overlay on, and checks that the hottest tile of `grid` is painted. */
  async function paintsHeat(tab: string, width: number, grid: Grid): Promise<{ page: Page; url: string }> {
    const url = `${companion.url}/demo/?tab=${tab}`;
    const page = await openPage(launched, url);
    await page.setViewport({ width, height: 800 });
    await page.bringToFront();
    const layout = await page.evaluate(() => document.documentElement.clientWidth);
    const hot = tiles(grid)[0] as Tile;
    const size = layout / grid.cols;
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;
    const base = pixel(await screenshotPixels(page), ...centre);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, url, true);
    await page.bringToFront();
    const want = expectedHeat(hot.count, grid, base);
    const got = await waitForPixel(page, ...centre, want);
    await page.screenshot({ path: `${E2E_DIST}/${browserName}-shared-view-${width}.png` });
    expect(distance(got, want), `${width} px: ${got} vs ${want}`).toBeLessThanOrEqual(24);
    expect(distance(got, base)).toBeGreaterThan(40);
    return { page, url };
  }

  it("paints heat in a 1280 and a 1366 px tab, and keeps the 1280 px tab live after the other closes", async () => {
    const { tab: source, width, grid } = await hoverHeroButton(launched, companion.url, 2500);
    expect(grid.band.id).toBe("desktop");
    const narrow = await paintsHeat("narrow", 1280, grid);
    const wide = await paintsHeat("wide", 1366, grid);
    await wide.page.close();

    // New points, elsewhere on the page, reach the 1280 px tab's overlay.
    await source.bringToFront();
    await hover(source, await revealBox(source, "#product-2"), 2500);
    const after = await settledGrid(companion.url, "/demo/", width);
    expect(after.total).toBeGreaterThan(grid.total);
    const legend = await overlayLegend(launched, narrow.url, (text) => text.includes(`${after.total} points`));
    expect(legend).toContain(`desktop (1024–1439 px) · last 5 min · ${after.total} points`);
  });
});
