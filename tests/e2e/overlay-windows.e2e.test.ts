/**
 * The overlay offers the windows its companion serves: with `--windows 5s,30s`
 * its window row holds two buttons, 5 s and 30 s, and each shows that window.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { openPage, overlayLegend, setOverlay } from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("the companion's windows in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(
    browserName,
    (c, l) => {
      companion = c;
      launched = l;
    },
    { windowsMs: [5_000, 30_000], defaultWindowMs: 30_000 },
  );

  it("shows one window button per --windows entry, and each shows its window", async () => {
    const url = `${companion.url}/demo/?tab=windows`;
    const page = await openPage(launched, url);
    await setOverlay(launched, url, true);
    await page.bringToFront();
    expect(await overlayLegend(launched, url, (t) => t.includes("last 30 s"))).toContain("last 30 s · 0 points");

    // Two buttons share the window row (see panel.ts): each 98 px wide, centred 49 px from the row's ends.
    const { w, h } = await page.evaluate(() => ({
      w: document.documentElement.clientWidth,
      h: document.documentElement.clientHeight,
    }));
    await page.mouse.click(w - 173, h - 83);
    expect(await overlayLegend(launched, url, (t) => t.includes("last 5 s")), browserName).toContain("last 5 s");
    await page.bringToFront();
    await page.mouse.click(w - 71, h - 83);
    expect(await overlayLegend(launched, url, (t) => t.includes("last 30 s"))).toContain("last 30 s");
  });
});
