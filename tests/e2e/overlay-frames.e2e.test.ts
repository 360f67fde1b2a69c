/**
 * Frames: the tracker and the overlay run in a cross-origin iframe too. Points
 * over the iframe are keyed by the iframe's own site, path and width (not the
 * page's); the tab's overlay switch shows and hides the overlay in every frame
 * of the tab, and the iframe's overlay paints its own page's heat inside the
 * iframe (the background routes each grid to the frame that watches it).
 * An iframe with heat shows a panel of its own, folded to its pill until
 * opened, its fold not kept; an iframe without heat shows none.
 */
import type { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { setOverlayPrefs } from "./anchors-lab";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  fetchGrid,
  hover,
  type OtherSite,
  openPage,
  pixel,
  screenshotPixels,
  screenshotWhen,
  setOverlay,
  settledGrid,
  startE2ECompanion,
  startSite,
  type Tile,
  tiles,
  waitForConnections,
  waitForPixel,
} from "./harness";

/** Where the iframe sits in the page, and its size (no border, no scrollbar inside). */
const FRAME = { left: 100, top: 100, width: 600, height: 400 };
/** A second iframe, of another page of the same site (light all over), that no test hovers. */
const QUIET = { left: 750, top: 100, width: 250, height: 300 };
/** The box hovered inside the iframe, in the iframe's own coordinates. */
const BOX = { left: 100, top: 100, right: 400, bottom: 300 };

const iframe = (src: string, at: typeof FRAME) =>
  `<iframe src="${src}" style="position:absolute;left:${at.left}px;top:${at.top}px;width:${at.width}px;height:${at.height}px;border:0"></iframe>`;

const outer = (innerUrl: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Frames</title></head>
<body style="margin:0;background:#fff">${iframe(innerUrl, FRAME)}${iframe(innerUrl.replace("inner", "inner-quiet"), QUIET)}</body></html>`;

/** Whether the pixel at (x, y) is the overlay panel's dark background (the pages here are light there). */
const onPanel = (png: PNG, x: number, y: number) => Math.max(...pixel(png, x, y)) < 120;

const INNER = `<!doctype html><html><head><meta charset="utf-8"><title>Inner</title></head>
<body style="margin:0;background:#f4f1ea;overflow:hidden"><div style="position:absolute;left:${BOX.left}px;top:${BOX.top}px;width:${BOX.right - BOX.left}px;height:${BOX.bottom - BOX.top}px;background:#29335c"></div></body></html>`;

const QUIET_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Quiet</title></head>
<body style="margin:0;background:#f4f1ea"></body></html>`;

describe.each<BrowserName>(["chromium", "firefox"])("frames in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  let site: OtherSite;
  let pageUrl: string;
  let frameUrl: string;

  beforeAll(async () => {
    companion = await startE2ECompanion();
    // The demo paths, where the manifest runs the scripts on 127.0.0.1 and localhost (any port): another host is another origin.
    site = await startSite((req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      const url = req.url ?? "";
      res.end(
        url.startsWith("/demo/inner-quiet") ? QUIET_PAGE : url.startsWith("/demo/inner") ? INNER : outer(frameUrl),
      );
    });
    const { port } = site;
    pageUrl = `http://127.0.0.1:${port}/demo/frames.html`;
    frameUrl = `http://localhost:${port}/demo/inner.html`;
    launched = await borrowBrowser(browserName, E2E_DIST);
    await waitForConnections(companion, 1);
  });

  afterAll(async () => {
    await launched?.close();
    await companion?.close();
    await site?.close();
  });

  it("keys points over a cross-origin iframe by the iframe's page, and paints them there while the tab's overlay is on", async () => {
    const tab = await openPage(launched, pageUrl);
    const inPage = { left: FRAME.left + BOX.left, top: FRAME.top + BOX.top };
    const box = {
      ...inPage,
      right: inPage.left + BOX.right - BOX.left,
      bottom: inPage.top + BOX.bottom - BOX.top,
    };
    // Until the iframe has painted, the browser may hand a move over it to the page (seen in a just-started Chromium).
    const frame = tab.frames().find((f) => f.url() === frameUrl);
    if (!frame) throw new Error(`no frame at ${frameUrl}`);
    await frame.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await hover(tab, box, 2500);
    const grid = await settledGrid(companion.url, frameUrl, FRAME.width);
    expect(grid.origin).toBe(new URL(frameUrl).origin);
    expect(grid.total, "points in the iframe's own key").toBeGreaterThanOrEqual(4);
    expect((await fetchGrid(companion.url, pageUrl, 1280)).total, "points in the page's key").toBe(0);

    const hot = tiles(grid)[0] as Tile;
    const size = FRAME.width / grid.cols;
    const at = [FRAME.left + (hot.col + 0.5) * size, FRAME.top + (hot.row + 0.5) * size] as const;
    const base = pixel(await screenshotPixels(tab), ...at);
    // This test measures the page grid: its tiles, not heat on elements (the default).
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, pageUrl, true);
    await tab.bringToFront();
    const want = expectedHeat(hot.count, grid, base);
    const got = await waitForPixel(tab, ...at, want);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-frames-on.png` });
    expect(distance(got, want), `${got} vs ${want}`).toBeLessThanOrEqual(24);
    expect(distance(got, base)).toBeGreaterThan(40);

    // The iframe's panel: its pill in the iframe's corner, and the iframe's page where the unfolded panel
    // (220 px wide, 12 px in) would be. The tab's own panel stays unfolded in the page's corner.
    const corner = { x: FRAME.left + FRAME.width, y: FRAME.top + FRAME.height };
    const pill = [corner.x - 22, corner.y - 27] as const;
    const unfolded = [corner.x - 30, corner.y - 150] as const;
    const tabPanel = [1280 - 228, 800 - 291] as const;
    const folded = (png: PNG) => onPanel(png, ...pill) && !onPanel(png, ...unfolded) && onPanel(png, ...tabPanel);
    let png = await screenshotWhen(tab, folded);
    expect(folded(png), "the iframe's panel folded to its pill, the tab's unfolded").toBe(true);
    await tab.mouse.click(...pill);
    png = await screenshotWhen(tab, (p) => onPanel(p, ...unfolded));
    expect(onPanel(png, ...unfolded), "the iframe's panel unfolded by its pill").toBe(true);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-frames-panel.png` });
    // The iframe without heat shows no panel: its page where its pill would be.
    expect(onPanel(png, QUIET.left + QUIET.width - 22, QUIET.top + QUIET.height - 27), "no pill without heat").toBe(
      false,
    );
    // The fold was the iframe's alone: the overlay turned off and on shows its pill again.
    await setOverlay(launched, pageUrl, false);
    await tab.bringToFront();
    png = await screenshotWhen(tab, (p) => !onPanel(p, ...pill) && !onPanel(p, ...unfolded));
    expect(onPanel(png, ...pill) || onPanel(png, ...unfolded), "no panel in the iframe while off").toBe(false);
    await setOverlay(launched, pageUrl, true);
    await tab.bringToFront();
    png = await screenshotWhen(tab, folded);
    expect(folded(png), "the iframe's panel folded again").toBe(true);

    await setOverlay(launched, pageUrl, false);
    await tab.bringToFront();
    expect(distance(await waitForPixel(tab, ...at, base), base), "the iframe's overlay is gone").toBeLessThanOrEqual(4);
  });
});
