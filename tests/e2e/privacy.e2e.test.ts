/**
 * Privacy in Chromium and Firefox: the popup's "pause capture" switch stops
 * capture in every tab until it is turned off (the toolbar badge, the
 * companion's testers list and its dashboard say so meanwhile), and typing is
 * never captured.
 */
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { BADGE_COLORS, PAUSED_BADGE } from "../../extension/background/toolbar-badge";
import { eventually } from "../support/heatlens";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  badgeOf,
  E2E_DIST,
  inExtensionPage,
  openPage,
  openTrackedPage,
  overlayLegend,
  setOverlay,
  sleep,
  startE2ECompanion,
  waitForConnections,
} from "./harness";
import { browserSession } from "./session";

async function setPaused(launched: LaunchedBrowser, targetUrl: string, paused: boolean): Promise<void> {
  const page = await launched.browser.newPage();
  const navigation = page
    .goto(`${launched.extensionOrigin}/extension/popup/popup.html?target=${encodeURIComponent(targetUrl)}`)
    .catch(() => undefined);
  const state = () => page.evaluate(() => document.body?.dataset.paused ?? null).catch(() => null);
  let now = await state();
  for (let i = 0; i < 100 && now === null; i++) {
    await sleep(100);
    now = await state();
  }
  if (now !== String(paused)) await page.evaluate(() => document.getElementById("pause")?.click());
  for (let i = 0; i < 100 && now !== String(paused); i++) {
    await sleep(100);
    now = await state();
  }
  await page.close();
  void navigation;
  if (now !== String(paused)) throw new Error("the popup did not switch capture");
}

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

/** The tab's badge once it reads `text`. */
function badgeReading(launched: LaunchedBrowser, url: string, text: string) {
  return eventually(
    async () => {
      const badge = await badgeOf(launched, url);
      return badge?.text === text ? badge : undefined;
    },
    10_000,
    `badge "${text}"`,
  );
}

async function moves(page: Page, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await page.mouse.move(150 + i * 30, 150);
    await sleep(400);
  }
}

describe.each<BrowserName>(["chromium", "firefox"])("privacy in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  const stored = () => companion.store.counters.committedPoints;
  const settle = async (want: number) => {
    for (let i = 0; i < 40 && stored() < want; i++) await sleep(250);
    // A span in which points that should not be (paused, typed) would arrive too.
    await sleep(1500);
    return stored();
  };

  it("captures nothing while paused, and captures again once resumed", async () => {
    const url = `${companion.url}/demo/`;
    const page = await openTrackedPage(launched, companion.url, url);
    await moves(page, 5);
    expect(await settle(5)).toBe(5);

    await setPaused(launched, url, true);
    expect((await badgeReading(launched, url, PAUSED_BADGE.text)).color).toEqual(rgb(BADGE_COLORS.paused));
    await page.bringToFront();
    await moves(page, 5);

    await setPaused(launched, url, false);
    expect((await badgeReading(launched, url, "")).color).toEqual(rgb(BADGE_COLORS.connected));
    await page.bringToFront();
    await moves(page, 5);
    // Samples are sent in capture order: had the paused moves been captured, they would have come before
    // these, and the count would have passed 10 (to 15) by the time these were in.
    expect(await settle(10)).toBe(10);
  });

  it("says in the overlay's legend that capture is paused, until it is resumed", async () => {
    const url = `${companion.url}/demo/?legend`;
    await openPage(launched, url);
    await setOverlay(launched, url, true);
    const paused = "Capture paused in this browser";
    await setPaused(launched, url, true);
    expect(await overlayLegend(launched, url, (text) => text.includes(paused))).toContain(paused);
    await setPaused(launched, url, false);
    const resumed = await overlayLegend(launched, url, (text) => text.length > 0 && !text.includes(paused));
    expect(resumed).toMatch(/points/);
    expect(resumed).not.toContain(paused);
    await setOverlay(launched, url, false);
  });

  it("shows the pause in the companion's testers list and on its dashboard, until it is resumed", async () => {
    const url = `${companion.url}/demo/?testers`;
    await openPage(launched, url);
    const testersSay = (paused: boolean) =>
      eventually(
        async () => {
          const { testers } = (await (await fetch(`${companion.url}/api/testers`)).json()) as {
            testers: { paused: boolean | null }[];
          };
          return testers.length === 1 && testers[0]?.paused === paused ? true : undefined;
        },
        10_000,
        `/api/testers paused ${paused}`,
      );
    const dashboard = await launched.browser.newPage();
    await dashboard.goto(`${companion.url}/`);
    // The Capture column: the fifth of the testers table.
    const dashboardSays = (text: string) =>
      dashboard.waitForFunction(
        (want) => document.querySelector("#testers tbody tr td:nth-child(5)")?.textContent === want,
        { timeout: 10_000 },
        text,
      );
    await testersSay(false);
    await dashboardSays("on");

    await setPaused(launched, url, true);
    await testersSay(true);
    await dashboardSays("paused");

    await setPaused(launched, url, false);
    await testersSay(false);
    await dashboardSays("on");
    await dashboard.close();
  });

  it("never captures typing", async () => {
    const page = await openTrackedPage(launched, companion.url, `${companion.url}/demo/`);
    const before = stored();
    await page.focus("#newsletter input");
    await page.keyboard.type("someone@example.com", { delay: 50 });
    // One move after the typing: samples are sent in capture order, so had any key been captured it
    // would have come before this move, and the count would pass one by the time the move is in.
    await moves(page, 1);
    expect(await settle(before + 1)).toBe(before + 1);
  });
});

describe.each<BrowserName>(["chromium", "firefox"])("query strings in %s", (name) => {
  it("sends only the query parameters the companion keeps", async () => {
    const companion = await startE2ECompanion(undefined, { keepQuery: ["tab"] });
    const launched = await borrowBrowser(name, E2E_DIST);
    try {
      await waitForConnections(companion, 1);
      // The companion's welcome names the parameters it keeps; the tracker reads them as it starts.
      const kept = await inExtensionPage(
        launched,
        async () => {
          const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
          for (let i = 0; i < 100; i++) {
            const { companionGrid } = await api.storage.local.get("companionGrid");
            const keep = (companionGrid as { keepQuery?: string[] } | undefined)?.keepQuery ?? [];
            if (keep.includes("tab")) return keep;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          return [];
        },
        null,
      );
      expect(kept).toEqual(["tab"]);
      // Keyed as the companion keys it: the tracker started with the kept parameters.
      const page = await openTrackedPage(launched, companion.url, `${companion.url}/demo/?utm_source=mail&tab=reviews`);
      await moves(page, 3);
      for (let i = 0; i < 40 && companion.store.counters.committedPoints < 3; i++) await sleep(250);
      // A span in which points keyed with the dropped parameter would arrive too.
      await sleep(500);
      const { pages } = (await (await fetch(`${companion.url}/api/pages`)).json()) as { pages: { path: string }[] };
      expect(pages.map((p) => p.path)).toEqual(["/demo?tab=reviews"]);
    } finally {
      await launched.close();
      await companion.close();
    }
  });
});
