/**
 * Per-tab overlay state: the popup toggles one tab; the toolbar badge says
 * whether that tab's overlay is on and whether the companion is connected;
 * the overlay comes back after a reload of its tab and is forgotten when the
 * tab closes. (The keyboard shortcut runs the same toggle, but browsers take
 * shortcuts from the window, which automation cannot press in headless mode.)
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { BADGE_COLORS } from "../../extension/background/toolbar-badge";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  badgeOf,
  distance,
  expectedHeat,
  hoverHeroButton,
  inExtensionPage,
  openPage,
  pixel,
  screenshotPixels,
  setOverlay,
  sleep,
  type Tile,
  tiles,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

describe.each<BrowserName>(["chromium", "firefox"])("per-tab toggle and badge in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("badges the tab, keeps its overlay across a reload and forgets it when the tab closes", async () => {
    const { width, grid } = await hoverHeroButton(launched, companion.url, 2000);
    const hot = tiles(grid)[0] as Tile;
    const size = width / grid.cols;
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;

    const urlB = `${companion.url}/demo/?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const base = pixel(await screenshotPixels(tabB), ...centre);
    const want = expectedHeat(hot.count, grid, base);
    expect(await badgeOf(launched, urlB)).toMatchObject({ text: "", color: rgb(BADGE_COLORS.connected) });

    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    expect(await badgeOf(launched, urlB)).toMatchObject({ text: "ON", color: rgb(BADGE_COLORS.connected) });
    await tabB.bringToFront();
    expect(distance(await waitForPixel(tabB, ...centre, want), want)).toBeLessThanOrEqual(24);

    // A reload keeps the overlay and the badge of this tab.
    await tabB.reload({ waitUntil: "load" });
    await tabB.bringToFront();
    expect(distance(await waitForPixel(tabB, ...centre, want), want), "after reload").toBeLessThanOrEqual(24);
    let badge = await badgeOf(launched, urlB);
    for (let i = 0; i < 20 && badge?.text !== "ON"; i++) {
      await sleep(100);
      badge = await badgeOf(launched, urlB);
    }
    expect(badge?.text).toBe("ON");
    const tabId = badge?.tabId as number;

    // The companion goes away: every tab's badge turns red, and tabs without the overlay say "!".
    await companion.close();
    const tabC = `${companion.url}/demo/?tab=A`;
    let other = await badgeOf(launched, tabC);
    for (let i = 0; i < 50 && other?.text !== "!"; i++) {
      await sleep(100);
      other = await badgeOf(launched, tabC);
    }
    expect(other).toMatchObject({ text: "!", color: rgb(BADGE_COLORS.disconnected) });
    expect(await badgeOf(launched, urlB)).toMatchObject({ text: "ON", color: rgb(BADGE_COLORS.disconnected) });

    // Closing the tab forgets its overlay.
    await tabB.close();
    const remembered = async () =>
      inExtensionPage(
        launched,
        async (id) => {
          const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
          const { overlayTabs } = await api.storage.session.get("overlayTabs");
          return Array.isArray(overlayTabs) && overlayTabs.includes(id);
        },
        tabId,
      );
    let kept = await remembered();
    for (let i = 0; i < 20 && kept; i++) {
      await sleep(100);
      kept = await remembered();
    }
    expect(kept).toBe(false);
  });
});
