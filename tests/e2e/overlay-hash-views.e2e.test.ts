/**
 * Hash routes without a slash (demo/views.html): `#green` and `#blue` name no
 * element of the page, so each is a route keyed apart, and another tab's
 * overlay shows each view's own heat, re-keyed at once on a hash change;
 * `#details` names a section, so it is an in-page anchor and its points go to
 * the page itself.
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
  pixel,
  type Rgb,
  screenshotPixels,
  setOverlay,
  settledGrid,
  type Tile,
  tileInBox,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

type View = "green" | "blue" | "details";

/** Bottom of the page's nav links (24 px padding, one 24 px line, 24 px padding). */
const NAV_BOTTOM = 72;

/** Each view's page key as the extension sends it. */
const KEYS: Record<View, string> = {
  green: "/demo/views/%23green",
  blue: "/demo/views/%23blue",
  details: "/demo/views",
};

/** Follows the page's own link to `#view` and returns the box of what the view shows. */
async function go(page: Page, view: View): Promise<DocBox> {
  await page.click(`a[href="#${view}"]`);
  await page.waitForFunction((hash) => location.hash === hash, {}, `#${view}`);
  return page.$eval(view === "details" ? "#details" : "#swatch", (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
  });
}

describe.each<BrowserName>(["chromium", "firefox"])("hash views in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("keys #green and #blue apart, keeps #details on the page, and repaints at once on a hash change", async () => {
    const tabA = await openPage(launched, `${companion.url}/demo/views`);
    const width = await tabA.evaluate(() => document.documentElement.clientWidth);
    const boxes = {} as Record<View, DocBox>;
    for (const view of ["green", "blue", "details"] as const) {
      boxes[view] = await go(tabA, view);
      await hover(tabA, boxes[view], 2000);
    }
    const grids = {} as Record<View, Grid>;
    for (const view of ["green", "blue", "details"] as const) {
      const grid = await settledGrid(companion.url, KEYS[view], width);
      const where = `${view}: ${JSON.stringify({ box: boxes[view], cells: grid.cells })}`;
      expect(grid.total, where).toBeGreaterThanOrEqual(4);
      // Points on the nav row are the cursor on its way to the next link, still in this view.
      const size = width / grid.cols;
      expect(
        tiles(grid)
          .filter((t) => (t.row + 1) * size > NAV_BOTTOM)
          .every((t) => tileInBox(t, grid, width, boxes[view])),
        where,
      ).toBe(true);
      grids[view] = grid;
    }
    expect(grids.green.path).toBe("/demo/views/#green");
    expect(grids.details.path).toBe("/demo/views");

    // Another tab on #blue: the blue swatch's heat, and none where green's would be; then #green at once.
    const size = width / grids.green.cols;
    const centre = (view: View) => {
      const hot = tiles(grids[view])[0] as Tile;
      return [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;
    };
    const urlB = `${companion.url}/demo/views#blue`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const plainBlue = await screenshotPixels(tabB);
    const blueBase = pixel(plainBlue, ...centre("blue"));
    const emptyBase = pixel(plainBlue, ...centre("green"));
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    const blueWant = expectedHeat((tiles(grids.blue)[0] as Tile).count, grids.blue, blueBase);
    expect(distance(await waitForPixel(tabB, ...centre("blue"), blueWant), blueWant)).toBeLessThanOrEqual(24);
    expect(
      distance(pixel(await screenshotPixels(tabB), ...centre("green")), emptyBase),
      "no green heat on #blue",
    ).toBeLessThanOrEqual(6);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-views-blue.png` });

    await go(tabB, "green");
    const greenBase: Rgb = [42, 157, 75];
    const greenWant = expectedHeat((tiles(grids.green)[0] as Tile).count, grids.green, greenBase);
    expect(distance(await waitForPixel(tabB, ...centre("green"), greenWant, 5000), greenWant)).toBeLessThanOrEqual(24);
    const onGreen = await screenshotPixels(tabB);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-views-green.png` });
    expect(distance(pixel(onGreen, ...centre("blue")), [255, 255, 255]), "no blue heat on #green").toBeLessThanOrEqual(
      6,
    );
  });
});
