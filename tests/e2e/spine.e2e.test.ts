/**
 * The spine, in real Chromium and Firefox with the built extension: a cursor
 * in tab A paints live heat in tab B, on the right elements, before and after
 * scrolling; hiding the overlay removes it; tab C never shows it.
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
  pixel,
  type Rgb,
  revealBox,
  screenshotPixels,
  setOverlay,
  settledGrid,
  sleep,
  steadyScreenshot,
  type Tile,
  tileInBox,
  tiles,
} from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("spine in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  let tabA: Page;
  let width: number;
  let cta: DocBox;
  let newsletter: DocBox;
  let grid: Grid;

  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("counts the cursor over the hovered elements, before and after scrolling", async () => {
    tabA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?tab=A`);
    width = await tabA.evaluate(() => document.documentElement.clientWidth);
    cta = await revealBox(tabA, "#hero-cta");
    await hover(tabA, cta, 3000);
    newsletter = await revealBox(tabA, "#newsletter");
    expect(await tabA.evaluate(() => scrollY)).toBeGreaterThan(1500);
    await hover(tabA, newsletter, 3000);

    // Batches leave the browser every second and panes close every 250 ms: wait until it settles.
    grid = await settledGrid(companion.url, "/demo/", width);
    expect(grid.path).toBe("/demo");
    expect(grid.total).toBeGreaterThanOrEqual(16);
    // At most 4 samples a second: 6 s of hovering gives at most about 26.
    expect(grid.total).toBeLessThanOrEqual(30);

    const ranked = tiles(grid);
    const inEither = (t: Tile) => tileInBox(t, grid, width, cta) || tileInBox(t, grid, width, newsletter);
    const where = JSON.stringify({ width, cta, newsletter, ranked: ranked.slice(0, 6) });
    expect(inEither(ranked[0] as Tile), where).toBe(true);
    const hot = ranked.filter((t) => t.count >= grid.max * 0.4);
    expect(hot.every(inEither), where).toBe(true);
    expect(hot.some((t) => tileInBox(t, grid, width, cta))).toBe(true);
    expect(hot.some((t) => tileInBox(t, grid, width, newsletter))).toBe(true);
  });

  it("paints the heat over those elements in another tab, and only there", async () => {
    const urlB = `${companion.url}/demo/?tab=B`;
    const tabB = await openPage(launched, urlB);
    const hotCta = tiles(grid).find((t) => tileInBox(t, grid, width, cta)) as Tile;
    const hotNews = tiles(grid).find((t) => tileInBox(t, grid, width, newsletter)) as Tile;
    const size = width / grid.cols;
    const centre = (t: Tile, scrollY: number) => [(t.col + 0.5) * size, (t.row + 0.5) * size - scrollY] as const;

    // What the page looks like without the overlay, at the two scroll positions.
    await tabB.bringToFront();
    const topBase = pixel(await screenshotPixels(tabB), ...centre(hotCta, 0));
    const newsScroll = await tabB.evaluate(
      (y) => {
        scrollTo(0, y);
        return scrollY;
      },
      hotNews.row * size - 300,
    );
    const newsBase = pixel(await steadyScreenshot(tabB), ...centre(hotNews, newsScroll));
    await tabB.evaluate(() => scrollTo(0, 0));

    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    const painted = async (t: Tile, scrollY: number, base: Rgb) => {
      const want = expectedHeat(t.count, grid, base);
      let got: Rgb = base;
      for (let i = 0; i < 40; i++) {
        got = pixel(await screenshotPixels(tabB), ...centre(t, scrollY));
        if (distance(got, want) <= 24) break;
        await sleep(250);
      }
      return { got, want };
    };
    const top = await painted(hotCta, 0, topBase);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-overlay-top.png` });
    expect(distance(top.got, top.want), `heat over #hero-cta: ${top.got} vs ${top.want}`).toBeLessThanOrEqual(24);
    // Painted, not the page showing through: a tile hovered less than the hottest gets a fainter level,
    // so the margin is half the way from the page's colour to the expected heat (40 at most).
    expect(distance(top.got, topBase)).toBeGreaterThan(Math.min(40, distance(top.want, topBase) / 2));

    await tabB.evaluate((y) => scrollTo(0, y), newsScroll);
    const bottom = await painted(hotNews, newsScroll, newsBase);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-overlay-scrolled.png` });
    expect(distance(bottom.got, bottom.want), `heat over #newsletter: ${bottom.got}`).toBeLessThanOrEqual(24);
    expect(distance(bottom.got, newsBase)).toBeGreaterThan(Math.min(40, distance(bottom.want, newsBase) / 2));

    // Tab C shows the same page without the overlay.
    const tabC = await openPage(launched, `${companion.url}/demo/?tab=C`);
    await tabC.bringToFront();
    // No heat may come here: a span in which an overlay wrongly on would paint.
    await sleep(1000);
    const inC = pixel(await screenshotPixels(tabC), ...centre(hotCta, 0));
    expect(distance(inC, topBase), `tab C at #hero-cta: ${inC}`).toBeLessThanOrEqual(6);
    await tabC.close();

    // Hiding removes it.
    await setOverlay(launched, urlB, false);
    await tabB.bringToFront();
    let after: Rgb = bottom.got;
    for (let i = 0; i < 20 && distance(after, newsBase) > 6; i++) {
      await sleep(250);
      after = pixel(await screenshotPixels(tabB), ...centre(hotNews, newsScroll));
    }
    expect(distance(after, newsBase), `after hiding: ${after}`).toBeLessThanOrEqual(6);
  });
});
