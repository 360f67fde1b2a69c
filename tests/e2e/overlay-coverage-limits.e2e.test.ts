/**
 * The coverage layer on a companion keeping fewer anchors per page than the
 * page has hot elements (`--max-anchors 2`), in Chromium and Firefox: a
 * tester hovers three controls, so that one's heat is evicted; another tab's
 * overlay, with Coverage on, calls no control untouched, outlines the
 * controls without heat grey ("not known") and says why; the companion's
 * /api/coverage counts them as unknown, and the dashboard lists them apart
 * from the untouched ones.
 */

import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { COVERAGE_COLOURS } from "../../extension/paint/coverage-layer";
import { eventually } from "../support/heatlens";
import { boxOf } from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  hexRgb,
  hoverAt,
  openCoverageViewer,
  openPage,
  overlayLegend,
  setOverlay,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

const PATH = "/demo/lab/coverage";

describe.each<BrowserName>(["chromium", "firefox"])("coverage past --max-anchors in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(
    name,
    (c, l) => {
      companion = c;
      launched = l;
    },
    { maxAnchors: 2 },
  );

  it("calls no control untouched while the heat lacks an evicted element's, and outlines those without heat grey", async () => {
    const tester = await openPage(launched, `${companion.url}${PATH}?tab=A`);
    for (const selector of ["#help", "#details-tab", "#buy"]) {
      const box = await boxOf(tester, selector);
      await hoverAt(tester, (box.left + box.right) / 2, (box.top + box.bottom) / 2, 1200);
    }
    const url = `${companion.url}/api/coverage?origin=${encodeURIComponent(companion.url)}&path=${PATH}`;
    const covered = await eventually(
      async () => {
        const page = ((await (await fetch(url)).json()) as { pages: Record<string, unknown>[] }).pages[0];
        return page && (page.hovered as number) >= 1 && (page.unknown as number) > 0 ? page : undefined;
      },
      15_000,
      "coverage with controls not known",
    );
    expect(covered).toMatchObject({ controls: 6, clicked: 0, untouched: 0, untouchedControls: [] });
    expect(covered.unknownControls).toEqual(expect.arrayContaining(["#name", "#size", "#card"]));
    await tester.close();

    const viewerUrl = `${companion.url}${PATH}?tab=B`;
    const viewer = await openCoverageViewer(launched, viewerUrl);
    const box = await boxOf(viewer, "#name");
    const grey = hexRgb(COVERAGE_COLOURS.unknown);
    const at = [Math.round(box.left) + 1, Math.round((box.top + box.bottom) / 2)] as const;
    expect(distance(await waitForPixel(viewer, ...at, grey, 10_000, 40), grey)).toBeLessThanOrEqual(40);
    await viewer.screenshot({ path: `${E2E_DIST}/${name}-coverage-not-known.png` });
    const legend = await overlayLegend(launched, viewerUrl, (t) => t.includes("not known"));
    expect(legend).toContain("0 untouched");
    expect(legend).toMatch(/\d+ not known \(past --max-anchors\)/);
    await setOverlay(launched, viewerUrl, false);
    await viewer.close();

    // The team dashboard's coverage table lists them apart from the untouched ones.
    const dashboard = await openPage(launched, `${companion.url}/`);
    const row = `#coverage tr[data-page="${companion.url}${PATH}"]`;
    await dashboard.waitForFunction((r) => document.querySelector(r) !== null, { timeout: 15_000 }, row);
    const cell = await dashboard.$eval(row, (tr) => tr.querySelector(":scope > td:last-child")?.textContent ?? "");
    expect(cell).toMatch(/^\d+ not known: the page had more elements with heat than --max-anchors keeps#/);
    expect(cell).toContain("#name");
    await dashboard.close();
  });
});
