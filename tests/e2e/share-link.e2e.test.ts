/**
 * Share links: the dashboard's "Copy link" gives the link of the view shown;
 * opened in a tab of a browser with the extension, the link ends on the real
 * page with its overlay on at the linked window and mode, painting the hot
 * element in the heat colour, and the panel's "Copy link" there gives that
 * view's link (Chromium, whose page can read the clipboard back); opened in a
 * browser without the extension, it shows the dashboard at that view under
 * the note.
 */
import puppeteer, { type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHARE_NOTE } from "../../companion/src/http/dashboard";
import type { Companion } from "../../companion/src/server";
import { parseShareUrl, type ShareView, shareUrl } from "../../protocol/share-link";
import type { Grid } from "../../protocol/wire";
import { until } from "../support/heatlens";
import { type BrowserName, borrowBrowser, EXECUTABLES, type LaunchedBrowser } from "./browsers";
import {
  badgeOf,
  distance,
  E2E_DIST,
  expectedHeat,
  hoverHeroButton,
  openPage,
  overlayLegend,
  pixel,
  screenshotPixels,
  startE2ECompanion,
  type Tile,
  tiles,
  waitForConnections,
  waitForPixel,
} from "./harness";

const LINKED_WINDOW_MS = 600_000;

/** The link "Copy link" gives on the dashboard at `search` (shown in its field, whether or not the clipboard took it). */
async function copiedLink(page: Page, dashboard: string): Promise<string> {
  await page.goto(dashboard);
  await page.waitForFunction(() => document.body.dataset.shown === location.search, { timeout: 15_000 });
  await page.click("#copy-link");
  await page.waitForFunction(() => document.querySelector<HTMLInputElement>("#share-link input")?.value, {
    timeout: 5_000,
  });
  return page.evaluate(() => document.querySelector<HTMLInputElement>("#share-link input")?.value ?? "");
}

describe.each<BrowserName>(["chromium", "firefox"])("share links in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  beforeAll(async () => {
    companion = await startE2ECompanion(undefined, { windowsMs: [60_000, LINKED_WINDOW_MS], defaultWindowMs: 60_000 });
    launched = await borrowBrowser(browserName, E2E_DIST);
    await waitForConnections(companion, 1);
  });
  afterAll(async () => {
    await launched?.close();
    await companion?.close();
  });

  it("open the page itself with the overlay on at the linked window and mode, the hot element in the heat colour", async () => {
    const { tab, width, grid: settled } = await hoverHeroButton(launched, companion.url, 2000);
    await tab.close();
    const origin = new URL(companion.url).origin;
    const band = settled.band.id;

    // The dashboard's link of the page's view in the linked window.
    const dashboardPage = await launched.browser.newPage();
    const query = new URLSearchParams({ origin, path: "/demo/", band, window: String(LINKED_WINDOW_MS) });
    const copied = await copiedLink(dashboardPage, `${companion.url}/?${query}`);
    await dashboardPage.close();
    const view: ShareView = {
      origin,
      path: "/demo/",
      band,
      time: { kind: "window", ms: LINKED_WINDOW_MS },
      layer: "document",
      points: null,
      mode: null,
    };
    expect(parseShareUrl(copied)).toEqual({ ok: true, view });
    expect(copied).toBe(shareUrl(companion.url, view));
    expect(copied).not.toMatch(/token/i);

    // The page grid is measured here (its tiles), so the link names that mode.
    const link = shareUrl(companion.url, { ...view, mode: "tiles" });
    const res = await fetch(
      `${companion.url}/api/heatmap?origin=${encodeURIComponent(origin)}&path=%2Fdemo%2F&width=${width}&window=${LINKED_WINDOW_MS}`,
    );
    const grid = (await res.json()) as Grid;
    const hot = tiles(grid)[0] as Tile;
    const size = width / grid.cols;
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;

    const plainTab = await openPage(launched, `${companion.url}/demo/?tab=base`);
    await plainTab.bringToFront();
    const base = pixel(await screenshotPixels(plainTab), ...centre);
    await plainTab.close();
    const want = expectedHeat(hot.count, grid, base);

    const page = await launched.browser.newPage();
    void page.goto(link).catch(() => undefined);
    const pageUrl = `${companion.url}/demo/`;
    await until(() => page.url() === pageUrl, 15_000, `the tab to reach ${pageUrl} (at ${page.url()})`);
    await page.bringToFront();
    expect(distance(await waitForPixel(page, ...centre, want), want)).toBeLessThanOrEqual(24);
    expect((await badgeOf(launched, pageUrl))?.text).toBe("ON");
    // The link's mode (the page grid of the viewer's band, not heat on elements of all widths) and window.
    // Waited for as it should read: the overlay shows the viewer's own view until its link's answer arrives.
    const legend = await overlayLegend(
      launched,
      pageUrl,
      (t) => t.includes(`Showing ${band}`) && t.includes("last 10 min"),
    );
    expect(legend).toContain(`Showing ${band}`);
    expect(legend).toContain("last 10 min");

    // The panel's Copy link (239 px up from the panel's bottom edge, see panel.ts) gives the view on screen.
    if (browserName === "chromium") {
      await launched.browser.defaultBrowserContext().overridePermissions(origin, ["clipboard-read", "clipboard-write"]);
      await page.bringToFront();
      const { w, h } = await page.evaluate(() => ({
        w: document.documentElement.clientWidth,
        h: document.documentElement.clientHeight,
      }));
      await page.mouse.click(w - 122, h - 239);
      // Waited for as it should read: the clipboard is the browser's, and holds the dashboard's link before (or
      // another file's), so that any link in it is no sign that this one was copied.
      const wanted = shareUrl(companion.url, { ...view, points: "both", mode: "tiles" });
      let clipboard = "";
      await until(
        async () => {
          clipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(() => "");
          return clipboard === wanted;
        },
        15_000,
        "the overlay's link in the clipboard",
      ).catch(() => undefined);
      expect(clipboard).toBe(wanted);
    }
    await page.close();
  });

  it("opens a link to a hash route, or to a page its server sends on (/demo to /demo/), on that page at the linked window", async () => {
    const origin = new URL(companion.url).origin;
    const cases = [
      // A route as the dashboard lists its key, and as the overlay sends its path.
      { path: "/demo/views/#green", lands: `${companion.url}/demo/views#green` },
      { path: "/demo/views/%23blue", lands: `${companion.url}/demo/views#blue` },
      // A key holds no trailing slash; the companion's demo answers /demo with a redirect to /demo/.
      { path: "/demo", lands: `${companion.url}/demo/` },
    ];
    for (const { path, lands } of cases) {
      const link = shareUrl(companion.url, {
        origin,
        path,
        band: "desktop",
        time: { kind: "window", ms: LINKED_WINDOW_MS },
        layer: "document",
        points: null,
        mode: "tiles",
      });
      const page = await launched.browser.newPage();
      void page.goto(link).catch(() => undefined);
      await until(() => page.url() === lands, 15_000, `the tab to reach ${lands} (at ${page.url()})`);
      // The linked window (not the companion's default, 1 min) is what its overlay shows.
      expect(await overlayLegend(launched, lands, (t) => t.includes("last 10 min"))).toContain("last 10 min");
      await page.close();
    }
  });

  it("shows the dashboard at the linked view, with the note, and a linked tester and comparison, in a browser without the extension", async () => {
    const plain = await puppeteer.launch(
      browserName === "chromium"
        ? {
            executablePath: EXECUTABLES.chromium,
            headless: true,
            args: ["--no-sandbox", "--disable-gpu", "--window-size=1280,800"],
          }
        : {
            browser: "firefox",
            executablePath: EXECUTABLES.firefox,
            headless: true,
            args: ["--width=1280", "--height=800"],
          },
    );
    try {
      const page = await plain.newPage();
      const view: ShareView = {
        origin: new URL(companion.url).origin,
        path: "/demo/",
        band: "desktop",
        time: { kind: "window", ms: LINKED_WINDOW_MS },
        layer: "document",
        points: null,
        mode: "tiles",
      };
      await page.goto(shareUrl(companion.url, view));
      await page.waitForFunction(() => document.body.dataset.shown === location.search, { timeout: 15_000 });
      const shown = await page.evaluate(() => ({
        path: location.pathname,
        note: document.getElementById("share-note")?.textContent ?? "",
        title: document.getElementById("detail-title")?.textContent ?? "",
        band: document.querySelector<HTMLElement>("#bands [aria-selected=true]")?.dataset.band,
        window: document.querySelector("#windows [aria-pressed=true]")?.textContent,
      }));
      expect(shown).toEqual({
        path: "/",
        note: `${SHARE_NOTE} ${view.origin}/demo/`,
        title: `/demo/ · ${view.origin}`,
        band: "desktop",
        window: "10 min",
      });

      // A link with a tester and a comparison (the overlay's "Me vs the rest" over everything kept, or any two
      // sets) opens the same tester and comparison in the dashboard's own view.
      const compared: ShareView = {
        ...view,
        tester: "ana",
        compare: {
          a: { kind: "tester", label: "ana" },
          b: { kind: "rest", label: "ana" },
          aSpan: { kind: "all" },
          bSpan: { kind: "all" },
        },
      };
      await page.goto(shareUrl(companion.url, compared));
      await page.waitForFunction(
        () =>
          document.body.dataset.shown === location.search &&
          (document.getElementById("tester") as HTMLSelectElement | null)?.value === "ana" &&
          document.getElementById("compare-stop")?.hidden === false,
        { timeout: 15_000 },
      );
      const state = await page.evaluate(() => {
        const form = document.getElementById("compare-form") as HTMLFormElement;
        const value = (name: string) => (form.elements.namedItem(name) as HTMLSelectElement).value;
        const query = new URLSearchParams(location.search);
        return {
          query: ["tester", "a", "b", "aTime", "bTime"].map((name) => query.get(name)),
          form: ["a", "b", "aTime", "bTime"].map(value),
        };
      });
      expect(state).toEqual({
        query: ["ana", "tester:ana", "rest:ana", "all", "all"],
        form: ["tester:ana", "rest:ana", "all", "all"],
      });
    } finally {
      await plain.close();
    }
  });
});
