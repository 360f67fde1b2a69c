/**
 * Two sites on one companion: the demo shop at http://127.0.0.1:PORT/demo/
 * and at http://localhost:PORT/demo/ are two origins with the same path. Heat
 * made on one never shows on the other, in the companion or in an overlay.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  fetchGrid,
  hover,
  hoverHeroButton,
  openPage,
  overlayLegend,
  revealBox,
  setOverlay,
  settledGrid,
} from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("two sites in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("keeps heat made on 127.0.0.1 off localhost's same page, and the other way round", async () => {
    const loopback = companion.url;
    const named = companion.url.replace("127.0.0.1", "localhost");
    const { width, grid } = await hoverHeroButton(launched, loopback, 2500);
    expect(grid.total).toBeGreaterThan(0);
    expect(grid.origin).toBe(loopback);
    expect((await fetchGrid(loopback, `${named}/demo/`, width)).total).toBe(0);

    // The overlay on localhost shows localhost's page: nothing yet.
    const url = `${named}/demo/?tab=named`;
    const page = await openPage(launched, url);
    await setOverlay(launched, url, true);
    const empty = await overlayLegend(launched, url, (text) => text.includes("points"));
    expect(empty).toContain("last 5 min · 0 points");

    // Heat made on localhost stays there.
    await page.bringToFront();
    await hover(page, await revealBox(page, "#product-2"), 2500);
    const namedGrid = await settledGrid(loopback, `${named}/demo/`, width);
    expect(namedGrid.total).toBeGreaterThan(0);
    expect(namedGrid.origin).toBe(named);
    expect((await fetchGrid(loopback, "/demo/", width)).total).toBe(grid.total);
    const legend = await overlayLegend(launched, url, (text) => text.includes(`${namedGrid.total} points`));
    expect(legend, browserName).toContain(`· ${namedGrid.total} points`);
  });
});
