/**
 * Helpers for end-to-end tests: a companion on the port the e2e build of the
 * extension points at, the popup's toggle in both browsers, mouse gestures
 * and pixel reads from screenshots.
 */

import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { type Companion, type StartOptions, startCompanion } from "../../companion/src/server";
import { heatLevel, heatScale, PALETTE, type ScaleKind } from "../../extension/paint/renderer";
import type { SignalName } from "../../protocol/signals";
import type { Grid } from "../../protocol/wire";
import { tempDataDir } from "../support/temp-dir";
import type { LaunchedBrowser } from "./browsers";

/** Chosen free by the global set-up (see global-setup.ts), which builds the extension for it. */
export const E2E_PORT = Number(process.env.HEATLENS_E2E_PORT);
/** Where the e2e build and its companion data go; separate runs on one machine use separate dirs. */
export const E2E_DIST = process.env.HEATLENS_E2E_DIST ?? "dist-e2e";

/**
 * Where a test saves a picture the README shows (`docs/<file>`): beside the
 * other screenshots in E2E_DIST, so that `npm test` changes no file of the
 * repository, and into `docs/` only for `npm run docs:test-shots`
 * (HEATLENS_DOCS_SHOTS=1).
 */
export function docsShot(file: string): string {
  return process.env.HEATLENS_DOCS_SHOTS === "1" ? `docs/${file}` : `${E2E_DIST}/${file}`;
}
export const VIEWPORT = { width: 1280, height: 800 };

/** A companion on the e2e port; a fresh data directory unless one is given (to restart on the same data). */
export function startE2ECompanion(dataDir = tempDataDir("e2e"), options: StartOptions = {}): Promise<Companion> {
  return startCompanion({ port: E2E_PORT, dataDir, logLevel: "warn", ...options });
}

/** A web server of another site, on 127.0.0.1 at a free port. */
export interface OtherSite {
  port: number;
  /** Closes it, and the connections the browser keeps open to it (the browser outlives the file: borrowBrowser). */
  close(): Promise<void>;
}

export async function startSite(handler: RequestListener): Promise<OtherSite> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the companion has `n` capture connections. */
export async function waitForConnections(companion: Companion, n: number): Promise<void> {
  for (let i = 0; i < 100 && companion.gateway.connectionCount < n; i++) await sleep(100);
  if (companion.gateway.connectionCount < n) throw new Error(`extension did not connect to the companion`);
}

export async function openPage(launched: LaunchedBrowser, url: string): Promise<Page> {
  const page = await launched.browser.newPage();
  await page.setViewport(VIEWPORT);
  await page.goto(url, { waitUntil: "load" });
  return page;
}

/**
 * Runs `load` (opening or reloading a tab of `url`, a full URL) and returns what it returns once the
 * tracker in that tab listens: a tracker sends its page view's scroll mark just after it starts listening,
 * so the companion then counts one more view of the page (keyed as it keys `url`) than before `load`. No
 * other tab of the page may begin a view meanwhile. `width`: a layout width in the band of the tab's.
 */
export async function untilTracked<T>(
  companionUrl: string,
  url: string,
  load: () => Promise<T>,
  width = VIEWPORT.width,
  ms = 15_000,
): Promise<T> {
  const views = async () => (await fetchGrid(companionUrl, url, width)).scroll.views;
  const before = await views();
  const loaded = await load();
  for (const end = Date.now() + ms; (await views()) <= before; ) {
    if (Date.now() > end) throw new Error(`no tracker started in ${url} within ${ms} ms`);
    await sleep(100);
  }
  return loaded;
}

/** Opens `url` in a new tab, once the tracker in it listens (untilTracked): a cursor moved at once is captured. */
export function openTrackedPage(launched: LaunchedBrowser, companionUrl: string, url: string): Promise<Page> {
  return untilTracked(companionUrl, url, () => openPage(launched, url));
}

/**
 * Turns the overlay of the tab showing `targetUrl` on or off through the
 * popup page, opened in a tab of its own. (Firefox lets WebDriver BiDi open
 * moz-extension:// pages with --remote-allow-system-access, but never reports
 * that navigation as finished, so the test waits for the toggle instead.)
 */
export async function setOverlay(launched: LaunchedBrowser, targetUrl: string, on: boolean) {
  const popupUrl = `${launched.extensionOrigin}/extension/popup/popup.html?target=${encodeURIComponent(targetUrl)}`;
  const page = await launched.browser.newPage();
  // Firefox never settles this navigation; closing the page ends it.
  const navigation = page.goto(popupUrl).catch(() => undefined);
  // Plain evaluations only: puppeteer's injected helpers do not run in Firefox's extension pages.
  const overlayState = () =>
    page.evaluate(() => document.body?.dataset.overlay ?? null).catch(() => null) as Promise<string | null>;
  let state = await overlayState();
  for (let i = 0; i < 100 && state === null; i++) {
    await sleep(100);
    state = await overlayState();
  }
  if (state === null) throw new Error("the popup did not load");
  if (state !== String(on)) await page.evaluate(() => document.getElementById("show")?.click());
  for (let i = 0; i < 100 && state !== String(on); i++) {
    await sleep(100);
    state = await overlayState();
  }
  if (state !== String(on)) throw new Error(`the popup did not turn the overlay ${on ? "on" : "off"}`);
  await page.close();
  void navigation;
}

export interface DocBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Scrolls `selector` to the middle of the view and returns its box in document coordinates. */
export async function revealBox(page: Page, selector: string): Promise<DocBox> {
  return page.$eval(selector, (el) => {
    el.scrollIntoView({ block: "center", behavior: "instant" });
    const r = el.getBoundingClientRect();
    return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
  });
}

/** Hovers around the middle of a document box for `ms`, with small moves as a person would. */
export async function hover(page: Page, box: DocBox, ms: number): Promise<void> {
  const scroll = await page.evaluate(() => ({ x: scrollX, y: scrollY }));
  const cx = (box.left + box.right) / 2 - scroll.x;
  const cy = (box.top + box.bottom) / 2 - scroll.y;
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    await page.mouse.move(cx + (i % 3) - 1, cy + (i % 2));
    await sleep(40);
  }
}

/**
 * Opens the demo shop's home in a new tab, hovers its call-to-action button
 * at the top of the page for `ms`, and returns the tab, its layout width, the
 * button's box and the companion's grid of the page once settled.
 */
export async function hoverHeroButton(launched: LaunchedBrowser, companionUrl: string, ms: number) {
  const tab = await openTrackedPage(launched, companionUrl, `${companionUrl}/demo/?tab=A`);
  const width = await tab.evaluate(() => document.documentElement.clientWidth);
  const cta = await revealBox(tab, "#hero-cta");
  await tab.evaluate(() => scrollTo(0, 0));
  await hover(tab, cta, ms);
  return { tab, width, cta, grid: await settledGrid(companionUrl, "/demo/", width) };
}

/**
 * The companion's grid of a page: a full URL, or a path of the demo shop the
 * companion serves itself (whose site is the companion's own origin).
 */
export async function fetchGrid(companionUrl: string, page: string, width: number, cols?: number): Promise<Grid> {
  const url = encodeURIComponent(page.startsWith("/") ? `${companionUrl}${page}` : page);
  const query = `url=${url}&width=${width}${cols === undefined ? "" : `&cols=${cols}`}`;
  const res = await fetch(`${companionUrl}/api/heatmap?${query}`);
  if (!res.ok) throw new Error(`GET /api/heatmap: ${res.status}`);
  return (await res.json()) as Grid;
}

/** The grid once no new point has arrived for two seconds. */
export async function settledGrid(companionUrl: string, page: string, width: number): Promise<Grid> {
  let grid = await fetchGrid(companionUrl, page, width);
  for (let quiet = 0, i = 0; quiet < 8 && i < 120; i++) {
    await sleep(250);
    const next = await fetchGrid(companionUrl, page, width);
    quiet = next.total === grid.total ? quiet + 1 : 0;
    grid = next;
  }
  return grid;
}

export interface Tile {
  col: number;
  row: number;
  count: number;
}

export function tiles(grid: Grid): Tile[] {
  const out: Tile[] = [];
  for (let i = 0; i < grid.cells.length; i += 3) {
    out.push({ col: grid.cells[i] as number, row: grid.cells[i + 1] as number, count: grid.cells[i + 2] as number });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** Whether a tile's square overlaps a document box, at layout width `width`. */
export function tileInBox(tile: Tile, grid: Grid, width: number, box: DocBox): boolean {
  const size = width / grid.cols;
  const left = tile.col * size;
  const top = tile.row * size;
  return left < box.right && left + size > box.left && top < box.bottom && top + size > box.top;
}

export type Rgb = [number, number, number];

export async function screenshotPixels(page: Page): Promise<PNG> {
  const data = await page.screenshot({ type: "png" });
  return PNG.sync.read(Buffer.from(data));
}

export function pixel(png: PNG, x: number, y: number): Rgb {
  const i = (Math.round(y) * png.width + Math.round(x)) * 4;
  return [png.data[i] as number, png.data[i + 1] as number, png.data[i + 2] as number];
}

/** The colour at a viewport point, from a screenshot of a small clip around it, and how long the screenshot took. */
export async function clipPixel(page: Page, x: number, y: number): Promise<{ rgb: Rgb; ms: number }> {
  const started = Date.now();
  const data = await page.screenshot({ type: "png", clip: { x: x - 1, y: y - 1, width: 3, height: 3 } });
  const png = PNG.sync.read(Buffer.from(data));
  return { rgb: pixel(png, Math.floor(png.width / 2), Math.floor(png.height / 2)), ms: Date.now() - started };
}

/** A `#rrggbb` colour. */
export function hexRgb(hex: string): Rgb {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;
}

/** Where a signal badge is: inside the element's top-right corner, the first kind's (extension/paint/signal-markers.ts). */
export async function badgePoint(page: Page, selector: string): Promise<[number, number]> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return [Math.round(r.right - 2), Math.round(r.top + 5)] as [number, number];
  });
}

/** The colour a tile of `count` in `grid`'s `layer` takes over `base`, as the overlay paints it (linear scale unless told). */
export function expectedHeat(
  count: number,
  grid: Grid,
  base: Rgb,
  layer: "page" | "fixed" = "page",
  kind: ScaleKind = "linear",
): Rgb {
  const css = PALETTE[heatLevel(count, heatScale(grid, kind)[layer].top, kind)] as string;
  const [r, g, b, a] = (css.match(/[\d.]+/g) ?? []).map(Number) as [number, number, number, number];
  return [r, g, b].map((c, i) => Math.round(c * a + (base[i] as number) * (1 - a))) as Rgb;
}

export function distance(a: Rgb, b: Rgb): number {
  return Math.max(...a.map((c, i) => Math.abs(c - (b[i] as number))));
}

/** Hovers around a viewport point for `ms` (for fixed elements, which do not move with the scroll). */
export async function hoverAt(page: Page, x: number, y: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let i = 0; Date.now() < end; i++) {
    await page.mouse.move(x + (i % 3) - 1, y + (i % 2));
    await sleep(40);
  }
}

export function fixedTiles(grid: Grid): Tile[] {
  const out: Tile[] = [];
  for (let i = 0; i < grid.fixed.length; i += 3) {
    out.push({ col: grid.fixed[i] as number, row: grid.fixed[i + 1] as number, count: grid.fixed[i + 2] as number });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** Scrolls the page to `y` and returns where it ended up. */
export function scrollToY(page: Page, y: number): Promise<number> {
  return page.evaluate((to) => {
    scrollTo(0, to);
    return scrollY;
  }, y);
}

/**
 * A screenshot of the page once it stopped changing (two in a row alike):
 * after a scroll or a resize the next frame may still show the old layout.
 */
export async function steadyScreenshot(page: Page, ms = 5_000): Promise<PNG> {
  let last = await screenshotPixels(page);
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await sleep(100);
    const next = await screenshotPixels(page);
    if (next.data.equals(last.data)) return next;
    last = next;
  }
  throw new Error("the page never held still for two screenshots");
}

/**
 * Opens `url` (a full URL) in a viewer's tab with the overlay on, waits for its
 * heat on elements, and presses Coverage: the row above the snapshot row, 291 px
 * up from the panel's corner (extension/paint/panel.ts).
 */
export async function openCoverageViewer(launched: LaunchedBrowser, url: string): Promise<Page> {
  const viewer = await openPage(launched, url);
  await setOverlay(launched, url, true);
  await viewer.bringToFront();
  await overlayLegend(launched, url, (t) => t.includes("elements, all widths"));
  const { w, h } = await viewer.evaluate(() => ({
    w: document.documentElement.clientWidth,
    h: document.documentElement.clientHeight,
  }));
  await viewer.mouse.click(w - 122, h - 291);
  return viewer;
}

/** Screenshots of `page` until one satisfies `done` (the last one after `ms` if none does). */
export async function screenshotWhen(page: Page, done: (png: PNG) => boolean, ms = 10_000): Promise<PNG> {
  let png = await screenshotPixels(page);
  for (const end = Date.now() + ms; !done(png) && Date.now() < end; ) {
    await sleep(250);
    png = await screenshotPixels(page);
  }
  return png;
}

/**
 * Polls screenshots until the pixel at viewport point (x, y) is within
 * `tolerance` of `want`, for up to `ms`; returns the last colour read.
 */
export async function waitForPixel(page: Page, x: number, y: number, want: Rgb, ms = 10_000, tolerance = 24) {
  let got = pixel(await screenshotPixels(page), x, y);
  for (const end = Date.now() + ms; distance(got, want) > tolerance && Date.now() < end; ) {
    await sleep(250);
    got = pixel(await screenshotPixels(page), x, y);
  }
  return got;
}

/** Polls `read` in a page (of the extension, where only plain evaluations work) until `done` accepts its answer. */
export async function waitIn<T>(page: Page, read: () => T, done: (value: T) => boolean): Promise<T> {
  let value = (await page.evaluate(read).catch(() => undefined)) as T;
  for (let i = 0; i < 100 && !done(value); i++) {
    await sleep(100);
    value = (await page.evaluate(read).catch(() => undefined)) as T;
  }
  return value;
}

/**
 * Opens the extension's options page once its form and its sites section say they are ready (filled from
 * the settings, their listeners on): a save or a click before that is lost.
 */
export async function openOptions(launched: LaunchedBrowser): Promise<Page> {
  const options = await launched.browser.newPage();
  void options.goto(`${launched.extensionOrigin}/extension/options/options.html`).catch(() => undefined);
  const ready = await waitIn(
    options,
    () => document.querySelector("#form[data-ready]") !== null && document.querySelector("#sites[data-ready]") !== null,
    (both) => both,
  );
  if (!ready) throw new Error("the options page did not get ready in 10 s");
  return options;
}

/**
 * Clicks the element with this id in the page with a real (trusted) click, as a person does (scrolled into view,
 * the mouse at its centre): a permission prompt requires one, and a disabled button takes none.
 */
export async function clickIn(page: Page, id: string): Promise<void> {
  const at = await page.evaluate((elementId) => {
    const element = document.getElementById(elementId);
    element?.scrollIntoView({ block: "center" });
    const r = element?.getBoundingClientRect();
    return r ? { x: r.left + r.width / 2, y: r.top + r.height / 2 } : null;
  }, id);
  if (!at) throw new Error(`no #${id} in the page`);
  await page.mouse.click(at.x, at.y);
}

/** Sets the options form's fields (by element id) and clicks Save; returns what the page said. */
export async function saveOptions(options: Page, fields: Record<string, string>): Promise<string> {
  await options.evaluate((values) => {
    for (const [id, value] of Object.entries(values)) {
      (document.getElementById(id) as HTMLInputElement | HTMLSelectElement).value = value;
    }
  }, fields);
  await clickIn(options, "save");
  return waitIn(
    options,
    () => document.getElementById("result")?.textContent ?? "",
    (text) => text.length > 0,
  );
}

/**
 * The popup's line about what the overlay in the tab showing `targetUrl`
 * paints (the overlay's own legend text), once `ready` accepts it.
 */
export async function overlayLegend(
  launched: LaunchedBrowser,
  targetUrl: string,
  ready: (text: string) => boolean = (text) => text.length > 0,
): Promise<string> {
  const popupUrl = `${launched.extensionOrigin}/extension/popup/popup.html?target=${encodeURIComponent(targetUrl)}`;
  const page = await launched.browser.newPage();
  const navigation = page.goto(popupUrl).catch(() => undefined);
  const read = () =>
    page.evaluate(() => document.getElementById("legend")?.textContent ?? "").catch(() => "") as Promise<string>;
  let text = await read();
  for (let i = 0; i < 100 && !ready(text); i++) {
    await sleep(100);
    text = await read();
  }
  await page.close();
  void navigation;
  return text;
}

/**
 * Runs `fn` in one of the extension's own pages (the popup, aimed at no tab),
 * where the extension APIs are available as `chrome` or `browser`.
 */
export async function inExtensionPage<A, R>(launched: LaunchedBrowser, fn: (arg: A) => Promise<R>, arg: A): Promise<R> {
  const page = await launched.browser.newPage();
  const navigation = page
    .goto(`${launched.extensionOrigin}/extension/popup/popup.html?target=none`)
    .catch(() => undefined);
  let ready = false;
  for (let i = 0; i < 100 && !ready; i++) {
    ready = await page
      .evaluate((origin) => location.origin === origin && document.readyState === "complete", launched.extensionOrigin)
      .catch(() => false);
    if (!ready) await sleep(100);
  }
  if (!ready) throw new Error("the extension page did not load");
  try {
    return (await page.evaluate(fn as (arg: unknown) => Promise<unknown>, arg)) as R;
  } finally {
    await page.close();
    void navigation;
  }
}

/** The toolbar badge's text and colour for the tab showing `targetUrl`. */
export function badgeOf(launched: LaunchedBrowser, targetUrl: string) {
  return inExtensionPage(
    launched,
    async (url) => {
      const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
      const tab = (await api.tabs.query({})).find((t) => t.url === url);
      if (tab?.id === undefined) return null;
      const text = await api.action.getBadgeText({ tabId: tab.id });
      const color = await api.action.getBadgeBackgroundColor({ tabId: tab.id });
      return { tabId: tab.id, text, color: [...color].slice(0, 3) };
    },
    targetUrl,
  );
}

/** One element's signals of one kind, as `GET /api/signals` lists them. */
export interface ListedSignal {
  selector: string;
  kind: SignalName;
  count: number;
}

/** The signals the companion lists for a page of its own (`path` under its origin), every band. */
export async function listedSignals(companion: Companion, path: string): Promise<ListedSignal[]> {
  const url = `${companion.url}/api/signals?origin=${encodeURIComponent(companion.url)}&path=${path}`;
  return ((await (await fetch(url)).json()) as { signals: ListedSignal[] }).signals;
}

/**
 * What the companion lists for `path` once it has stopped changing for a second (at most 15 s): dead
 * clicks are judged a second after their click.
 */
export async function settledSignals(companion: Companion, path: string): Promise<ListedSignal[]> {
  let found = await listedSignals(companion, path);
  for (let still = 0, end = Date.now() + 15_000; still < 4 && Date.now() < end; ) {
    await sleep(250);
    const next = await listedSignals(companion, path);
    still = JSON.stringify(next) === JSON.stringify(found) ? still + 1 : 0;
    found = next;
  }
  return found;
}

/** The signals listed in `after` and not in `before`: what came between. */
export function addedSignals(before: readonly ListedSignal[], after: readonly ListedSignal[]): ListedSignal[] {
  return after
    .map((s) => ({
      ...s,
      count: s.count - (before.find((b) => b.kind === s.kind && b.selector === s.selector)?.count ?? 0),
    }))
    .filter((s) => s.count > 0);
}

/**
 * Records in the page when each click lands (its event's time, the one the extension's detector judges
 * by), for `landedClicks` to read: a scripted click can land late on a loaded machine, and a signal
 * that depends on the clicks' pace (a rage click) is judged on when they landed, not when they were sent.
 */
export async function recordClicks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { landedClicks: number[] };
    w.landedClicks = [];
    document.addEventListener("click", (event) => w.landedClicks.push(event.timeStamp), true);
  });
}

/** How many clicks landed since the last call, and over how many ms from the first to the last. */
export async function landedClicks(page: Page): Promise<{ clicks: number; spanMs: number }> {
  const times = await page.evaluate(() => {
    const w = window as unknown as { landedClicks: number[] };
    return w.landedClicks.splice(0);
  });
  const [first = 0] = times;
  return { clicks: times.length, spanMs: Math.round((times.at(-1) ?? first) - first) };
}
