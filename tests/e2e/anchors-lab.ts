/**
 * Helpers of the anchored-heat tests (anchors*.e2e.test.ts) on the lab pages
 * (companion/demo/lab/): element boxes across shadow roots and frames, hovers
 * that last until the companion holds the heat, the overlay's preferences,
 * and the one measure of where heat lands on screen.
 *
 * Heat pixels are the pixels that differ between a screenshot of the tab with
 * the overlay off and one with it on, less the overlay's panel; the share of
 * them inside the targets' boxes is the figure. The lab pages are light and
 * flat, so the panel (dark) is told from heat (never darker than half the
 * page under it) by its colour.
 */
import type { PNG } from "pngjs";
import type { Frame, Page } from "puppeteer-core";
import type { OverlayPrefs } from "../../extension/state/overlay-prefs";
import type { Grid } from "../../protocol/wire";
import type { LaunchedBrowser } from "./browsers";
import { fetchGrid, inExtensionPage, screenshotPixels, sleep } from "./harness";

/** A box in viewport coordinates, CSS px (the tests run at a device pixel ratio of 1). */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Widths the tests view the lab pages at, after a capture at 1280 px. */
export const VIEW_WIDTHS = [360, 768, 1366, 1920] as const;

/** A pixel is heat when some channel moved by more than this between the two screenshots. */
const HEAT_DELTA = 24;
/** The panel's background over a light page keeps every channel below this; heat over the lab pages never does. */
const PANEL_DARK = 80;

/**
 * The viewport box of the element a selector names; parts joined by " >>> "
 * descend into open shadow roots (the anchor's own notation).
 */
export function boxOf(where: Page | Frame, selector: string): Promise<Box> {
  return where.evaluate((path) => {
    let root: Document | ShadowRoot = document;
    let el: Element | null = null;
    for (const part of path.split(" >>> ")) {
      el = root.querySelector(part);
      if (!el) throw new Error(`no element for ${part}`);
      if (el.shadowRoot) root = el.shadowRoot;
    }
    const r = (el as Element).getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  }, selector);
}

/** The frame an iframe of `page` shows, once it has loaded a page whose URL contains `urlPart`. */
export async function frameOf(page: Page, urlPart: string, ms = 10_000): Promise<Frame> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    const frame = page.frames().find((f) => f !== page.mainFrame() && f.url().includes(urlPart));
    const ready = await frame?.evaluate(() => document.readyState === "complete").catch(() => false);
    if (frame && ready) return frame;
  }
  throw new Error(`no loaded frame at ${urlPart}`);
}

/** The box of an element inside the frame shown by `iframe` (a selector in `page`), in `page`'s viewport. */
export async function boxInFrame(page: Page, iframe: string, frame: Frame, selector: string): Promise<Box> {
  const content = await page.$eval(iframe, (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left + el.clientLeft, top: r.top + el.clientTop };
  });
  const inner = await boxOf(frame, selector);
  return {
    left: inner.left + content.left,
    top: inner.top + content.top,
    right: inner.right + content.left,
    bottom: inner.bottom + content.top,
  };
}

/** Whether an anchor selector names the element `name` (a test id or an id), not one whose name merely starts alike. */
export function namesTarget(selector: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  return new RegExp(`(^|[^\\w-])${escaped}([^\\w-]|$)`).test(selector);
}

/** Moves and clicks the companion holds for anchors naming `name` (the anchor may be the element or one inside it). */
export function anchoredOn(grid: Grid, name: string): { moves: number; clicks: number } {
  const on = grid.anchors.filter((a) => namesTarget(a.s, name));
  return {
    moves: on.reduce((n, a) => n + a.moves, 0),
    clicks: on.reduce((n, a) => n + a.clicks, 0),
  };
}

export interface Capture {
  /** The page as keyed: a full URL, without its query. */
  pageUrl: string;
  /** The layout width the points were keyed with. */
  width: number;
}

/**
 * Hovers around the middle of a viewport box (small moves, as a person's
 * hand makes) until the companion holds at least `points` moves anchored on
 * the element `name`; throws after `ms`. With `click`, clicks there as well
 * and waits for that many clicks instead (a click wins its sampling interval
 * over moves, so this adds few moves).
 */
export async function hoverUntilAnchored(
  page: Page,
  box: Box,
  companionUrl: string,
  capture: Capture,
  name: string,
  { points = 8, click = false, ms = 30_000 }: { points?: number; click?: boolean; ms?: number } = {},
): Promise<Grid> {
  const cx = (box.left + box.right) / 2;
  const cy = (box.top + box.bottom) / 2;
  let grid = await fetchGrid(companionUrl, capture.pageUrl, capture.width);
  const enough = (g: Grid) => {
    const on = anchoredOn(g, name);
    return (click ? on.clicks : on.moves) >= points;
  };
  for (let i = 0, end = Date.now() + ms; !enough(grid); i++) {
    if (Date.now() > end) {
      throw new Error(`no ${points} anchored points on ${name}: ${JSON.stringify(grid.anchors.map((a) => a.s))}`);
    }
    await page.mouse.move(cx + (i % 3) - 1, cy + (i % 2));
    if (click) await page.mouse.click(cx + (i % 3) - 1, cy + (i % 2));
    await sleep(60);
    if (i % 5 === 4) grid = await fetchGrid(companionUrl, capture.pageUrl, capture.width);
  }
  return grid;
}

/** The keyed URL of a tab (its query dropped) and its layout width. */
export async function captureOf(where: Page | Frame): Promise<Capture> {
  return where.evaluate(() => ({
    pageUrl: location.origin + location.pathname,
    width: document.documentElement.clientWidth,
  }));
}

/**
 * Changes the overlay's preferences, stored for every tab (extension/state/overlay-prefs.ts):
 * mode (`elements`, `tiles`, `smooth`), layer, scroll map, legend corner and collapse.
 */
export async function setOverlayPrefs(launched: LaunchedBrowser, change: Partial<OverlayPrefs>): Promise<void> {
  await inExtensionPage(
    launched,
    async (c) => {
      const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
      const stored = (await api.storage.local.get("overlayPrefs")).overlayPrefs ?? {};
      await api.storage.local.set({ overlayPrefs: { ...stored, ...c } });
    },
    change,
  );
}

function changed(off: PNG, on: PNG, i: number): boolean {
  for (let c = 0; c < 3; c++) {
    if (Math.abs((on.data[i + c] as number) - (off.data[i + c] as number)) > HEAT_DELTA) return true;
  }
  return false;
}

/** Dark pixels closer than this belong to one panel. */
const PANEL_GAP = 12;

/**
 * The overlay's panels (the top page's and each frame's): boxes around the
 * clusters of pixels the overlay turned dark, each grown a little (its rounded
 * corners and light text sit just inside the dark box's edge).
 */
export function panelBoxes(off: PNG, on: PNG): Box[] {
  const boxes: Box[] = [];
  for (let y = 0; y < on.height; y++) {
    for (let x = 0; x < on.width; x++) {
      const i = (y * on.width + x) * 4;
      const dark =
        (on.data[i] as number) < PANEL_DARK &&
        (on.data[i + 1] as number) < PANEL_DARK &&
        (on.data[i + 2] as number) < PANEL_DARK;
      if (!dark || !changed(off, on, i)) continue;
      const near = boxes.find(
        (b) => x >= b.left - PANEL_GAP && x < b.right + PANEL_GAP && y >= b.top - PANEL_GAP && y < b.bottom + PANEL_GAP,
      );
      if (near) {
        near.left = Math.min(near.left, x);
        near.right = Math.max(near.right, x + 1);
        near.bottom = Math.max(near.bottom, y + 1);
      } else boxes.push({ left: x, top: y, right: x + 1, bottom: y + 1 });
    }
  }
  // Rows run top to bottom, so a box only grows down and sideways: boxes that grew into each other are merged here.
  for (let merged = true; merged; ) {
    merged = false;
    for (let a = 0; a < boxes.length && !merged; a++) {
      for (let b = a + 1; b < boxes.length && !merged; b++) {
        const p = boxes[a] as Box;
        const q = boxes[b] as Box;
        if (p.left <= q.right && q.left <= p.right && p.top <= q.bottom && q.top <= p.bottom) {
          boxes[a] = {
            left: Math.min(p.left, q.left),
            top: Math.min(p.top, q.top),
            right: Math.max(p.right, q.right),
            bottom: Math.max(p.bottom, q.bottom),
          };
          boxes.splice(b, 1);
          merged = true;
        }
      }
    }
  }
  return boxes.map((b) => ({ left: b.left - 4, top: b.top - 4, right: b.right + 4, bottom: b.bottom + 4 }));
}

export function within(box: Box, x: number, y: number): boolean {
  return x >= box.left && x < box.right && y >= box.top && y < box.bottom;
}

export interface HeatFigure {
  /** Heat pixels on screen, outside the panel. */
  heat: number;
  /** Of them, inside some target's box. */
  inside: number;
  /** inside / heat (0 with no heat). */
  share: number;
  /** Heat pixels inside each target's box, in the order given. */
  perTarget: number[];
  panels: Box[];
}

/** Where the heat of `on` lies, against `off` (the same view without the overlay). */
export function heatFigure(off: PNG, on: PNG, targets: readonly Box[]): HeatFigure {
  if (off.width !== on.width || off.height !== on.height) throw new Error("screenshots of different sizes");
  const panels = panelBoxes(off, on);
  const perTarget = targets.map(() => 0);
  let heat = 0;
  let inside = 0;
  for (let y = 0; y < on.height; y++) {
    for (let x = 0; x < on.width; x++) {
      if (panels.some((p) => within(p, x, y))) continue;
      if (!changed(off, on, (y * on.width + x) * 4)) continue;
      heat++;
      let hit = false;
      targets.forEach((t, k) => {
        if (within(t, x + 0.5, y + 0.5)) {
          perTarget[k] = (perTarget[k] as number) + 1;
          hit = true;
        }
      });
      if (hit) inside++;
    }
  }
  return { heat, inside, share: heat === 0 ? 0 : inside / heat, perTarget, panels };
}

/** A figure as one line of test output. */
export function describeFigure(label: string, f: HeatFigure): string {
  const share = f.heat === 0 ? "nothing painted" : `${(f.share * 100).toFixed(1)} % inside`;
  return `${label}: ${share} (${f.inside}/${f.heat} heat px; per target ${f.perTarget.join(", ")})`;
}

/**
 * Screenshots `page` until its heat is settled: every target holds at least
 * `minEach` heat pixels and two screenshots in a row agree on the count (the
 * overlay paints on the next frame after a grid or a layout change). Returns
 * the last figure and screenshot even if that never happens within `ms`; the
 * caller asserts.
 */
export async function settledHeat(
  page: Page,
  off: PNG,
  targets: () => Promise<readonly Box[]>,
  { minEach = 1, ms = 15_000 }: { minEach?: number; ms?: number } = {},
): Promise<{ figure: HeatFigure; png: PNG }> {
  let last: HeatFigure | null = null;
  for (const end = Date.now() + ms; ; ) {
    const boxes = await targets();
    const png = await screenshotPixels(page);
    const figure = heatFigure(off, png, boxes);
    const ready = figure.perTarget.every((n) => n >= minEach);
    if ((ready && last !== null && last.heat === figure.heat) || Date.now() > end) return { figure, png };
    last = figure;
    await sleep(200);
  }
}

/**
 * A screenshot of the page once it stopped changing (harness.ts): a plain
 * screenshot just after a scroll or a resize would count the layout's change as heat.
 */
export { steadyScreenshot } from "./harness";
