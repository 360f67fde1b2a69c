/**
 * Single-page apps: pushState, replaceState, the back button (popstate) and a
 * hash route each re-key the tracker and re-subscribe the overlay at once.
 * Every route of the demo app has its own page key, and another tab's overlay
 * follows that tab's route changes.
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

type Route = "home" | "cart" | "checkout" | "help";

/** The route's page key, as the extension sends it. */
const KEYS: Record<Route, string> = {
  home: "/demo/spa/",
  cart: "/demo/spa/cart",
  checkout: "/demo/spa/checkout",
  help: "/demo/spa/%23/help",
};

/** Moves the app to `route` the way its own buttons do. */
function go(page: Page, route: Route): Promise<void> {
  return page.evaluate((to) => {
    const spa = (window as unknown as { spa: Record<string, (arg: string) => void> }).spa;
    if (to === "cart") spa.push?.("/demo/spa/cart");
    else if (to === "checkout") spa.replace?.("/demo/spa/checkout");
    else if (to === "help") spa.hash?.("#/help");
    else history.back();
  }, route);
}

describe.each<BrowserName>(["chromium", "firefox"])("single-page app in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("keys each route apart and repaints another tab's overlay on every route change", async () => {
    const tabA = await openTrackedPage(launched, companion.url, `${companion.url}/demo/spa/?tab=A`);
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const boxes = {} as Record<Route, DocBox>;
    const visit = async (route: Route) => {
      boxes[route] = await revealBox(tabA, `#target-${route}`);
      await hover(tabA, boxes[route], 2000);
    };
    await visit("home");
    await go(tabA, "cart"); // pushState
    await visit("cart");
    await go(tabA, "checkout"); // replaceState
    await visit("checkout");
    await go(tabA, "home"); // back: popstate to the first route
    await tabA.waitForFunction(() => location.pathname === "/demo/spa/");
    await go(tabA, "help"); // hash route
    await visit("help");

    const grids = {} as Record<Route, Grid>;
    for (const route of ["home", "cart", "checkout", "help"] as const) {
      const grid = await settledGrid(companion.url, KEYS[route], width);
      const where = `${route}: ${JSON.stringify({ box: boxes[route], cells: grid.cells, fixed: grid.fixed })}`;
      expect(grid.total, where).toBeGreaterThanOrEqual(4);
      expect(
        tiles(grid).every((t) => tileInBox(t, grid, width, boxes[route])),
        where,
      ).toBe(true);
      grids[route] = grid;
    }
    expect(grids.help.path).toBe("/demo/spa/#/help");

    const size = width / grids.home.cols;
    const spot = (route: Route) => {
      const hot = tiles(grids[route])[0] as Tile;
      return { hot, scroll: Math.max(0, boxes[route].top - 200) };
    };
    const at = (route: Route) => {
      const { hot, scroll } = spot(route);
      return [(hot.col + 0.5) * size, (hot.row + 0.5) * size - scroll] as const;
    };
    // The page under each route's hot spot, without the overlay, in a tab of its own.
    const plain = await openPage(launched, `${companion.url}/demo/spa/?tab=plain`);
    await plain.bringToFront();
    const bases = {} as Record<Route, Rgb>;
    for (const route of ["home", "cart", "checkout", "help"] as const) {
      if (route !== "home") await go(plain, route);
      // The hash route renders on its popstate, after go() returns.
      await plain.waitForSelector(`#target-${route}`);
      await scrollToY(plain, spot(route).scroll);
      bases[route] = pixel(await steadyScreenshot(plain), ...at(route));
    }
    await plain.close();

    const urlB = `${companion.url}/demo/spa/?tab=B`;
    const tabB = await openPage(launched, urlB);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();

    const expectHeat = async (route: Route) => {
      await scrollToY(tabB, spot(route).scroll);
      const want = expectedHeat(spot(route).hot.count, grids[route], bases[route]);
      const got = await waitForPixel(tabB, ...at(route), want, 5000);
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-spa-${route}.png` });
      expect(distance(got, want), `${route}: ${got} vs ${want}`).toBeLessThanOrEqual(24);
      expect(distance(got, bases[route])).toBeGreaterThan(40);
    };
    await expectHeat("home");
    await go(tabB, "cart");
    await expectHeat("cart");
    await go(tabB, "checkout");
    await expectHeat("checkout");
    await go(tabB, "home");
    await expectHeat("home");
    await go(tabB, "help");
    await expectHeat("help");
  });
});
