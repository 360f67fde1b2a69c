/**
 * Grid columns: a coarser grid chosen in the options page is what the
 * overlay paints, each large tile coloured by the sum of the companion's
 * small tiles it covers, even where none of those small tiles has heat.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { setOverlayPrefs } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  fetchGrid,
  hoverHeroButton,
  openOptions,
  openPage,
  pixel,
  saveOptions,
  screenshotPixels,
  setOverlay,
  type Tile,
  tiles,
  waitForPixel,
  waitIn,
} from "./harness";
import { browserSession } from "./session";

const COARSE = 10;

describe.each<BrowserName>(["chromium", "firefox"])("grid columns in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("paints the coarser grid chosen in the options, merged from the companion's", async () => {
    const { width, grid: fine } = await hoverHeroButton(launched, companion.url, 2000);
    const coarse = await fetchGrid(companion.url, "/demo/", width, COARSE);
    expect(coarse).toMatchObject({ cols: COARSE, total: fine.total });

    // A point of the hottest large tile where the companion's own grid has no heat.
    const hot = tiles(coarse)[0] as Tile;
    const big = width / COARSE;
    const small = width / fine.cols;
    const fineCount = (x: number, y: number) =>
      tiles(fine).find((t) => t.col === Math.floor(x / small) && t.row === Math.floor(y / small))?.count ?? 0;
    let spot: [number, number] | null = null;
    for (let i = 1; i < 8 && !spot; i++) {
      for (let j = 1; j < 8 && !spot; j++) {
        const at: [number, number] = [(hot.col + i / 8) * big, (hot.row + j / 8) * big];
        if (fineCount(...at) === 0) spot = at;
      }
    }
    if (!spot) throw new Error("every sampled point of the hottest large tile has heat at the companion's columns");

    const options = await openOptions(launched);
    const offered = await waitIn(
      options,
      () => [...((document.getElementById("cols") as HTMLSelectElement | null)?.options ?? [])].map((o) => o.value),
      (values) => Array.isArray(values) && values.length > 1,
    );
    expect(offered).toEqual(["0", "25", "10", "5", "2", "1"]);
    expect(await saveOptions(options, { cols: String(COARSE) })).toContain("Saved");
    await options.close();

    const urlB = `${companion.url}/demo/?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const base = pixel(await screenshotPixels(tabB), ...spot);
    const want = expectedHeat(hot.count, coarse, base);
    expect(distance(want, base), "the heat is visible over the page").toBeGreaterThan(24);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    expect(distance(await waitForPixel(tabB, ...spot, want), want)).toBeLessThanOrEqual(24);
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-columns.png` });
  });
});
