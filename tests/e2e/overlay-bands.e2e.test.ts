/**
 * Width bands: a phone-width window and a desktop window of the same page
 * never mix. Each overlay paints the heat of its own band and says which band
 * in its legend.
 */
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { Grid } from "../../protocol/wire";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  type DocBox,
  distance,
  E2E_DIST,
  expectedHeat,
  hover,
  openPage,
  openTrackedPage,
  overlayLegend,
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

const PHONE = { width: 400, height: 800 };

describe.each<BrowserName>(["chromium", "firefox"])("width bands in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("keeps phone and desktop heat apart and labels each overlay with its band", async () => {
    const phoneA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?tab=phoneA`);
    await phoneA.setViewport(PHONE);
    await phoneA.waitForFunction((width) => innerWidth === width, {}, PHONE.width);
    const phoneWidth = await phoneA.evaluate(() => document.documentElement.clientWidth);
    expect(phoneWidth).toBeLessThan(600);
    const phoneCta = await revealBox(phoneA, "#hero-cta");
    await hover(phoneA, phoneCta, 2500);

    const deskA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?tab=deskA`);
    const deskWidth = await deskA.evaluate(() => document.documentElement.clientWidth);
    expect(deskWidth).toBeGreaterThanOrEqual(1024);
    const product = await revealBox(deskA, "#product-2");
    await hover(deskA, product, 2500);

    const phoneGrid = await settledGrid(companion.url, "/demo/", phoneWidth);
    const deskGrid = await settledGrid(companion.url, "/demo/", deskWidth);
    expect(phoneGrid.band.id, JSON.stringify({ phoneGrid, phoneCta, phoneWidth })).toBe("phone");
    expect(phoneGrid.total, JSON.stringify({ phoneGrid, phoneCta, phoneWidth })).toBeGreaterThan(5);
    expect(deskGrid.band.id).toBe("desktop");
    const inBox = (grid: Grid, width: number, box: DocBox) => tiles(grid).every((t) => tileInBox(t, grid, width, box));
    expect(inBox(phoneGrid, phoneWidth, phoneCta), JSON.stringify(phoneGrid.cells)).toBe(true);
    expect(inBox(deskGrid, deskWidth, product), JSON.stringify(deskGrid.cells)).toBe(true);

    const check = async (tab: string, viewport: { width: number; height: number } | null, grid: Grid, box: DocBox) => {
      const url = `${companion.url}/demo/?tab=${tab}`;
      const page: Page = await openPage(launched, url);
      if (viewport) await page.setViewport(viewport);
      await page.bringToFront();
      const width = await page.evaluate(() => document.documentElement.clientWidth);
      const hot = tiles(grid)[0] as Tile;
      const size = width / grid.cols;
      const scroll = await scrollToY(page, Math.max(0, box.top - 200));
      const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size - scroll] as const;
      const base = pixel(await steadyScreenshot(page), ...centre);
      // This test measures the page grid: its tiles, not heat on elements (the default).
      await setOverlayPrefs(launched, { mode: "tiles" });
      await setOverlay(launched, url, true);
      await page.bringToFront();
      const want = expectedHeat(hot.count, grid, base);
      const got = await waitForPixel(page, ...centre, want);
      await page.screenshot({ path: `${E2E_DIST}/${browserName}-band-${grid.band.id}.png` });
      expect(distance(got, want), `${tab} heat: ${got} vs ${want}`).toBeLessThanOrEqual(24);
      expect(distance(got, base)).toBeGreaterThan(40);
      return overlayLegend(launched, url, (text) => text.includes(`${grid.total} points`));
    };

    const phoneLegend = await check("phoneB", PHONE, phoneGrid, phoneCta);
    expect(phoneLegend).toContain("phone (0–599 px)");
    expect(phoneLegend).toContain(`${phoneGrid.total} points`);
    const deskLegend = await check("deskB", null, deskGrid, product);
    expect(deskLegend).toContain("desktop (1024–1439 px)");
    expect(deskLegend).toContain(`${deskGrid.total} points`);
  });
});
