/**
 * Layout changes: an overlay turned on while the page is one screen tall
 * follows it when content loaded later makes it grow, repaints at a new
 * window width, and paints sharp at a device pixel ratio of 2. And small
 * viewports: the panel opens folded there, unfolds and folds in that tab
 * alone, and never reaches past the viewport's top, where its fold button
 * is, its rows scrolling under it.
 */
import type { PNG } from "pngjs";
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
  screenshotWhen,
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

  it("opens the panel folded in a small viewport, unfolds it in that tab alone, and keeps its head on screen", async () => {
    await setOverlayPrefs(launched, { collapsed: false, corner: "bottom-right" });
    /** The panel's colour over this page's light background (its own is rgba(20, 24, 32, 0.88)). */
    const onPanel = (png: PNG, x: number, y: number) => Math.max(...pixel(png, x, y)) < 120;
    const small = { width: 400, height: 700 };
    const url = `${companion.url}/demo/grow?tab=S&wait`;
    const tab = await openPage(launched, url);
    await tab.setViewport(small);
    await tab.waitForFunction((w) => innerWidth === w, {}, small.width);
    await setOverlay(launched, url, true);
    await tab.bringToFront();
    // Folded: the pill in the corner, and page where the unfolded panel's left margin would be (220 px wide, 12 px in).
    const pill = [small.width - 22, small.height - 27] as const;
    const margin = [small.width - 228, small.height - 291] as const;
    const folded = (png: PNG) => onPanel(png, ...pill) && !onPanel(png, ...margin);
    let png = await screenshotWhen(tab, folded);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-panel-small-folded.png` });
    expect(folded(png), "the panel folded to its pill at 400 × 700").toBe(true);
    await tab.mouse.click(...pill);
    png = await screenshotWhen(tab, (p) => onPanel(p, ...margin));
    expect(onPanel(png, ...margin), "unfolded by its pill").toBe(true);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-panel-small-open.png` });

    // That fold was this tab's: a tab of an ordinary size opens the panel unfolded, as stored.
    const expectUnfoldedWide = async (label: string) => {
      const wideUrl = `${companion.url}/demo/grow?tab=W&wait`;
      const wide = await openPage(launched, wideUrl);
      await setOverlay(launched, wideUrl, true);
      await wide.bringToFront();
      const shot = await screenshotWhen(wide, (p) => onPanel(p, 1280 - 228, 800 - 291));
      expect(onPanel(shot, 1280 - 228, 800 - 291), label).toBe(true);
      await wide.close();
    };
    await expectUnfoldedWide("unfolded at 1280 × 800");

    // Shorter than the panel: it stops 12 px below the viewport's top and scrolls, its fold button in reach.
    await tab.bringToFront();
    await tab.setViewport({ width: 900, height: 420 });
    await tab.waitForFunction(() => innerHeight === 420);
    // A light header, so that the panel's top edge shows against it.
    await tab.addStyleTag({ content: "#site-header { background: #fff; }" });
    const inside = (p: PNG) => onPanel(p, 900 - 228, 16) && !onPanel(p, 900 - 228, 6);
    png = await screenshotWhen(tab, inside);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-panel-short.png` });
    expect(inside(png), "the panel's top 12 px below the viewport's").toBe(true);
    // A wheel over it scrolls its rows, under a title row that stays.
    const rows = (p: PNG) => Array.from({ length: 80 }, (_, i) => pixel(p, 900 - 122, 80 + 4 * i).join()).join(" ");
    const before = rows(png);
    await tab.mouse.move(900 - 122, 300);
    await tab.mouse.wheel({ deltaY: 400 });
    png = await screenshotWhen(tab, (p) => rows(p) !== before);
    expect(rows(png), "the rows scrolled").not.toBe(before);
    expect(inside(png), "the title row where it was").toBe(true);
    await tab.mouse.click(900 - 31, 29);
    png = await screenshotWhen(tab, (p) => !onPanel(p, 900 - 228, 200));
    expect(onPanel(png, 900 - 228, 200), "folded by the button in its head").toBe(false);
    await tab.close();

    // A tab that short opens folded too; that fold, as the one pressed above, was not kept.
    const shortUrl = `${companion.url}/demo/grow?tab=T&wait`;
    const short = await openPage(launched, shortUrl);
    await short.setViewport({ width: 900, height: 420 });
    await short.waitForFunction(() => innerHeight === 420);
    await setOverlay(launched, shortUrl, true);
    await short.bringToFront();
    const shortFolded = (p: PNG) => onPanel(p, 900 - 22, 420 - 27) && !onPanel(p, 900 - 228, 420 - 291);
    png = await screenshotWhen(short, shortFolded);
    expect(shortFolded(png), "folded at 900 × 420").toBe(true);
    await short.close();
    await expectUnfoldedWide("still unfolded at 1280 × 800");
  });
});
