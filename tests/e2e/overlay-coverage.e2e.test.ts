/**
 * The coverage layer, in Chromium and Firefox, on a lab page with a known set
 * of controls (demo/lab/coverage.html): six count, and hidden, inert,
 * aria-hidden, zero-size ones and a hidden input do not. A tester hovers two
 * controls and clicks one; another tab's overlay, with Coverage on, says
 * "1 of 6 controls clicked (17 %) · 2 hovered only · 3 untouched" and
 * outlines an untouched control and the clicked one in their colours; the
 * companion's /api/coverage and the dashboard's coverage table give the same
 * counts and the untouched controls by selector.
 */

import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { COVERAGE_COLOURS } from "../../extension/paint/coverage-layer";
import { boxOf } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  docsShot,
  hoverAt,
  openCoverageViewer,
  openPage,
  overlayLegend,
  type Rgb,
  setOverlay,
  sleep,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

const PATH = "/demo/lab/coverage";

function rgb(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

async function centreOf(page: Page, selector: string): Promise<[number, number]> {
  const box = await boxOf(page, selector);
  return [(box.left + box.right) / 2, (box.top + box.bottom) / 2];
}

interface CoveredPage {
  controls: number;
  clicked: number;
  hovered: number;
  untouched: number;
  untouchedControls: string[];
  hoveredControls: string[];
}

/** The page's coverage from the companion's API, once `done` accepts it (or after 15 s). */
async function apiCoverage(companion: Companion, done: (page: CoveredPage | undefined) => boolean) {
  const url = `${companion.url}/api/coverage?origin=${encodeURIComponent(companion.url)}&path=${PATH}`;
  const read = async () => ((await (await fetch(url)).json()) as { pages: CoveredPage[] }).pages[0];
  let page = await read();
  for (const end = Date.now() + 15_000; !done(page) && Date.now() < end; ) {
    await sleep(200);
    page = await read();
  }
  return page;
}

describe.each<BrowserName>(["chromium", "firefox"])("the coverage layer in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  it("counts exactly the visible controls hovered, clicked and untouched, in the legend, the outlines, the API and the dashboard", async () => {
    const tester = await openPage(launched, `${companion.url}${PATH}?tab=A`);
    // The inventory comes with the page view: six controls, none touched yet.
    const listed = await apiCoverage(companion, (p) => p?.controls === 6);
    expect(listed).toMatchObject({ controls: 6, clicked: 0, untouched: 6 });

    await hoverAt(tester, ...(await centreOf(tester, "#help")), 1200);
    await hoverAt(tester, ...(await centreOf(tester, "#details-tab")), 1200);
    const buy = await centreOf(tester, "#buy");
    await hoverAt(tester, ...buy, 400);
    await tester.mouse.click(...buy);

    const covered = await apiCoverage(companion, (p) => p?.clicked === 1 && p.hovered === 2);
    expect(covered).toMatchObject({
      controls: 6,
      clicked: 1,
      hovered: 2,
      untouched: 3,
      untouchedControls: ["#name", "#size", "#card"],
      hoveredControls: ["#help", "#details-tab"],
    });

    const viewerUrl = `${companion.url}${PATH}?tab=B`;
    const viewer = await openCoverageViewer(launched, viewerUrl);
    // Outlines sit just inside each control's box, on its left edge. Checked first, while the viewer's tab is in
    // front: the overlay paints, and counts, at its next animation frame, which a tab behind the popup does not get.
    for (const [selector, colour] of [
      ["#name", COVERAGE_COLOURS.untouched],
      ["#help", COVERAGE_COLOURS.hovered],
      ["#buy", COVERAGE_COLOURS.clicked],
    ] as const) {
      const box = await boxOf(viewer, selector);
      const at = [Math.round(box.left) + 1, Math.round((box.top + box.bottom) / 2)] as const;
      const got = await waitForPixel(viewer, ...at, rgb(colour), 10_000, 40);
      expect(distance(got, rgb(colour)), `${selector}'s outline: ${got} vs ${colour}`).toBeLessThanOrEqual(40);
    }
    const legend = await overlayLegend(launched, viewerUrl, (t) => t.includes("1 of 6 controls clicked"));
    expect(legend).toContain("1 of 6 controls clicked (17 %) · 2 hovered only · 3 untouched");

    if (name === "chromium") await viewer.screenshot({ path: docsShot("coverage-layer.png") });

    await setOverlay(launched, viewerUrl, false);
    await viewer.close();
    await tester.close();

    // The team dashboard's coverage table: the page, its share clicked, and its untouched controls by selector.
    const dashboard = await openPage(launched, `${companion.url}/`);
    const page = `${companion.url}${PATH}`;
    await dashboard.waitForFunction(
      (id) => document.querySelector(`#coverage tr[data-page="${id}"]`) !== null,
      { timeout: 15_000 },
      page,
    );
    const row = await dashboard.$eval(`#coverage tr[data-page="${page}"]`, (tr) => ({
      cells: [...tr.querySelectorAll(":scope > td")].slice(0, 4).map((td) => td.textContent),
      summary: tr.querySelector("summary")?.textContent,
      untouched: [...tr.querySelectorAll("code")].map((code) => code.textContent),
    }));
    expect(row).toEqual({
      cells: [page, "desktop", "1 of 6 (17 %)", "2"],
      summary: "3 untouched",
      untouched: ["#name", "#size", "#card"],
    });
    await dashboard.close();
  });
});
