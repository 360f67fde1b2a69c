/**
 * The click map and the scroll map, checked by pixels: the clicks layer
 * paints the clicked card and not the one only hovered (the moves layer paints
 * both), at another width than the capture's; the scroll map paints, at the
 * right edge, one colour per share of views reaching a depth and the average
 * fold as a line across the page; and the same strip inside the right edge of
 * a scrolled list, for the views that scrolled it.
 */
import type { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { PALETTE } from "../../extension/paint/renderer";
import { STRIP_WIDTH } from "../../extension/paint/scroll-map";
import type { Grid } from "../../protocol/wire";
import {
  type Box,
  boxOf,
  captureOf,
  describeFigure,
  heatFigure,
  hoverUntilAnchored,
  panelBoxes,
  setOverlayPrefs,
  settledHeat,
  steadyScreenshot,
  within,
} from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  fetchGrid,
  openPage,
  pixel,
  type Rgb,
  screenshotPixels,
  setOverlay,
  sleep,
  waitForPixel,
} from "./harness";
import { browserSession } from "./session";

const MIN_HEAT_PX = 50;
/** The scroll map strip's opacity (extension/paint/scroll-map.ts reachGradient). */
const STRIP_ALPHA = 0.9;
const testid = (name: string) => `[data-testid="${name}"]`;

/** Polls the companion's grid of a page until `done` accepts it; throws after `ms`. */
async function gridWhen(companionUrl: string, pageUrl: string, width: number, done: (g: Grid) => boolean, ms = 15_000) {
  let grid = await fetchGrid(companionUrl, pageUrl, width);
  for (const end = Date.now() + ms; !done(grid); grid = await fetchGrid(companionUrl, pageUrl, width)) {
    if (Date.now() > end) throw new Error(`grid of ${pageUrl} never ready: ${JSON.stringify(grid.scroll)}`);
    await sleep(200);
  }
  return grid;
}

/** Scrolls the window to `y`, and waits for the next frame so that a screenshot shows it. */
function scrollWindow(tab: Page, y: number): Promise<number> {
  return tab.evaluate(
    (to) =>
      new Promise<number>((resolve) => {
        scrollTo(0, to);
        requestAnimationFrame(() => resolve(scrollY));
      }),
    y,
  );
}

interface Strip {
  /** Changed pixels (outside the panel) in the rows looked at. */
  changed: number;
  /** Of them, in the 64 px at the right edge of the page. */
  atRightEdge: number;
  /** Their mean colour. */
  colour: Rgb;
  /** The colour in the middle of the strip, half way down the rows. */
  middle: Rgb;
  /** Rows where the change spans most of the width: a line across the page. */
  lines: number[];
}

/** What the overlay changed in rows [top, bottom) of a screenshot. */
function strip(plain: PNG, shot: PNG, pageWidth: number, top: number, bottom: number): Strip {
  const panels = panelBoxes(plain, shot);
  const sum = [0, 0, 0];
  let changed = 0;
  let atRightEdge = 0;
  const lines: number[] = [];
  for (let y = top; y < bottom; y++) {
    let inRow = 0;
    for (let x = 0; x < pageWidth; x++) {
      if (panels.some((p) => within(p, x, y))) continue;
      const i = (y * shot.width + x) * 4;
      const a: Rgb = [shot.data[i] as number, shot.data[i + 1] as number, shot.data[i + 2] as number];
      const b: Rgb = [plain.data[i] as number, plain.data[i + 1] as number, plain.data[i + 2] as number];
      if (distance(a, b) <= 24) continue;
      changed++;
      inRow++;
      if (x >= pageWidth - 64) {
        atRightEdge++;
        a.forEach((c, k) => {
          sum[k] = (sum[k] as number) + c;
        });
      }
    }
    if (inRow > pageWidth / 2) lines.push(y);
  }
  const colour = sum.map((c) => Math.round(c / Math.max(1, atRightEdge))) as Rgb;
  return { changed, atRightEdge, colour, middle: pixel(shot, pageWidth - STRIP_WIDTH / 2, (top + bottom) / 2), lines };
}

/** The strip's colour for a share of views over a white page: the palette's level for it, at the strip's alpha. */
function stripColour(share: number): Rgb {
  const css = PALETTE[Math.round(share * (PALETTE.length - 1))] as string;
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).map(Number) as [number, number, number];
  return [r, g, b].map((c) => Math.round(c * STRIP_ALPHA + 255 * (1 - STRIP_ALPHA))) as Rgb;
}

describe.each<BrowserName>(["chromium", "firefox"])("click map and scroll map in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
  });

  it("paints clicks on the clicked card only, and moves on both cards, at another width", async () => {
    const tabA = await openPage(launched, `${companion.url}/demo/lab/fluid?tab=A`);
    const keyed = await captureOf(tabA);
    await hoverUntilAnchored(tabA, await boxOf(tabA, testid("card-2")), companion.url, keyed, "card-2");
    const clicked = await boxOf(tabA, testid("card-6"));
    await hoverUntilAnchored(tabA, clicked, companion.url, keyed, "card-6");
    await hoverUntilAnchored(tabA, clicked, companion.url, keyed, "card-6", { click: true });
    await tabA.close();

    const urlB = `${companion.url}/demo/lab/fluid?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.setViewport({ width: 768, height: 800 });
    await tabB.bringToFront();
    const plain = await steadyScreenshot(tabB);
    const boxes = () => Promise.all([boxOf(tabB, testid("card-6")), boxOf(tabB, testid("card-2"))]);
    await setOverlayPrefs(launched, { mode: "elements", layer: "clicks", collapsed: true, corner: "bottom-left" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();

    const clicks = await settledHeat(tabB, plain, async () => (await boxes()).slice(0, 1), { minEach: MIN_HEAT_PX });
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-clicks.png` });
    console.log(describeFigure(`${browserName} click layer at 768 px (clicked card)`, clicks.figure));
    expect(clicks.figure.perTarget[0]).toBeGreaterThanOrEqual(MIN_HEAT_PX);
    expect(clicks.figure.share, describeFigure("clicks", clicks.figure)).toBeGreaterThanOrEqual(0.95);
    const [, hoveredOnly] = await boxes();
    expect(heatFigure(plain, clicks.png, [hoveredOnly as Box]).perTarget[0], "no clicks on card-2").toBe(0);

    await setOverlayPrefs(launched, { layer: "moves" });
    const moves = await settledHeat(tabB, plain, boxes, { minEach: MIN_HEAT_PX });
    await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-moves.png` });
    console.log(describeFigure(`${browserName} moves layer at 768 px (clicked card, hovered card)`, moves.figure));
    expect(Math.min(...moves.figure.perTarget)).toBeGreaterThanOrEqual(MIN_HEAT_PX);
    expect(moves.figure.share).toBeGreaterThanOrEqual(0.95);
    await setOverlayPrefs(launched, { layer: "both" });
    await tabB.close();
  });

  it("paints the share of views reaching each depth at the right edge, and the average fold line", async () => {
    const pageUrl = `${companion.url}/demo/lab/depth`;
    // Three views: one that never scrolls (its fold is 20 % down), one to 50 %, one to the bottom.
    for (const y of [0, 1200, 3200]) {
      const tab = await openPage(launched, `${pageUrl}?view=${y}`);
      expect(await tab.evaluate(() => document.documentElement.scrollHeight)).toBe(4000);
      await scrollWindow(tab, y);
      const step = (y + 800) / 200 - 1;
      await gridWhen(companion.url, pageUrl, 1280, (g) => (g.scroll.reach[step] ?? 0) > 0);
      await tab.close();
    }

    // The viewer's own view counts too: it goes to the bottom while taking the plain screenshots.
    const urlB = `${pageUrl}?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    const width = await tabB.evaluate(() => document.documentElement.clientWidth);
    const spots = [0, 400, 1000, 2400, 3200];
    const plain = new Map<number, PNG>();
    for (const y of spots) {
      expect(await scrollWindow(tabB, y)).toBe(y);
      plain.set(y, await steadyScreenshot(tabB));
    }
    const grid = await gridWhen(companion.url, pageUrl, 1280, (g) => g.scroll.views === 4 && g.scroll.reach[19] === 2);
    // Shares: 4 of 4 views reached 20 %, 3 of 4 reached 50 %, 2 of 4 the bottom; every fold was 800 px.
    expect(grid.scroll.reach[3]).toBe(4);
    expect(grid.scroll.reach[9]).toBe(3);
    // View heights are kept in 8 px buckets (protocol/anchor.ts): every fold was 800 px, its bucket reads a little lower down.
    expect(Math.abs(grid.scroll.foldPx - 800)).toBeLessThanOrEqual(8);

    await setOverlayPrefs(launched, { mode: "elements", scrollMap: true, collapsed: true, corner: "top-left" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    const look = async (y: number, top: number, bottom: number) => {
      await scrollWindow(tabB, y);
      let s = strip(plain.get(y) as PNG, await screenshotPixels(tabB), width, top, bottom);
      for (let i = 0; i < 50 && s.atRightEdge < 2000; i++) {
        await sleep(200);
        s = strip(plain.get(y) as PNG, await screenshotPixels(tabB), width, top, bottom);
      }
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-scrollmap-${y}.png` });
      return s;
    };
    // Rows 100–700 of the window at these scroll positions lie wholly in one share: 100 %, 75 %, 50 %.
    const all = await look(0, 100, 700);
    const most = await look(1000, 100, 700);
    const half = await look(2400, 100, 700);
    console.log(
      `${browserName} scroll map colours at the right edge: 100 % ${all.colour}, 75 % ${most.colour}, 50 % ${half.colour}`,
    );
    for (const s of [all, most, half]) {
      expect(s.atRightEdge, JSON.stringify(s)).toBeGreaterThanOrEqual(2000);
      // Only the side gradient changes the page there: no line, nothing away from the edge.
      expect(s.atRightEdge / s.changed, JSON.stringify(s)).toBeGreaterThanOrEqual(0.95);
    }
    expect(distance(all.colour, most.colour), "100 % and 75 % differ").toBeGreaterThan(20);
    expect(distance(most.colour, half.colour), "75 % and 50 % differ").toBeGreaterThan(20);
    expect(distance(all.colour, half.colour), "100 % and 50 % differ").toBeGreaterThan(20);
    // Each the palette's colour for its share, as the strip paints it over the white page.
    for (const [s, share] of [
      [all, 1],
      [most, 0.75],
      [half, 0.5],
    ] as const) {
      const want = stripColour(share);
      expect(distance(s.middle, want), `${share * 100} %: ${s.middle} vs ${want}`).toBeLessThanOrEqual(12);
    }

    // The average fold is a line across the page at its depth: 400 px higher in the window when scrolled by 400.
    const fold = await look(400, 0, 800);
    const foldAt = grid.scroll.foldPx - 400;
    console.log(
      `${browserName} fold line rows at scroll 400: ${fold.lines.join(", ")} (fold ${grid.scroll.foldPx} px)`,
    );
    expect(fold.lines.length).toBeGreaterThan(0);
    expect(Math.min(...fold.lines)).toBeGreaterThanOrEqual(foldAt - 4);
    expect(Math.max(...fold.lines)).toBeLessThanOrEqual(foldAt + 4);
    await setOverlayPrefs(launched, { scrollMap: false });
    await tabB.close();
  });

  it("paints the share of views that scrolled a list to each depth inside the list's right edge", async () => {
    const pageUrl = `${companion.url}/demo/lab/scroller`;
    const scrollList = (tab: Page, top: number) =>
      tab.$eval(
        testid("list"),
        (el, to) =>
          new Promise<number>((resolve) => {
            el.scrollTop = to;
            requestAnimationFrame(() => resolve(el.scrollTop));
          }),
        top,
      );
    // The list shows 334 of its 2248 px: every view reaches 10 % at once; one view scrolls it to 55 %, one to the bottom.
    for (const [top, step] of [
      [0, 10],
      [1000, 55],
      [3000, 100],
    ] as const) {
      const tab = await openPage(launched, `${pageUrl}?view=${top}`);
      await scrollList(tab, top);
      await gridWhen(companion.url, pageUrl, 1280, (g) => (g.scroll.box[step / 5 - 1] ?? 0) > 0);
      await tab.close();
    }

    const urlB = `${pageUrl}?tab=B`;
    const tabB = await openPage(launched, urlB);
    await tabB.bringToFront();
    // The viewer's own view scrolls the list to the bottom while the plain screenshots are taken.
    const spots = [0, 700, 1600, 3000];
    const plain = new Map<number, PNG>();
    for (const top of spots) {
      await scrollList(tabB, top);
      plain.set(top, await steadyScreenshot(tabB));
    }
    const grid = await gridWhen(companion.url, pageUrl, 1280, (g) => g.scroll.box[0] === 4 && g.scroll.box[19] === 2);
    expect(grid.scroll.box[10], "views that scrolled the list past 55 %").toBe(3);

    await setOverlayPrefs(launched, { mode: "elements", scrollMap: true, collapsed: true, corner: "bottom-left" });
    await setOverlay(launched, urlB, true);
    await tabB.bringToFront();
    // In the middle of the list's view: 4 % of its content at the top (all views), 39 % (3 of 4), 79 % (2 of 4).
    for (const [top, share] of [
      [0, 1],
      [700, 0.75],
      [1600, 0.5],
    ] as const) {
      await scrollList(tabB, top);
      const at = await tabB.$eval(testid("list"), (el) => {
        const r = el.getBoundingClientRect();
        return { x: r.left + el.clientLeft + el.clientWidth, y: r.top + el.clientTop + el.clientHeight / 2 };
      });
      const want = stripColour(share);
      const got = await waitForPixel(tabB, at.x - STRIP_WIDTH / 2, at.y, want, 10_000, 12);
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-scrollmap-list-${top}.png` });
      console.log(`${browserName} list scroll map at scrollTop ${top}: ${got} for ${share * 100} % (want ${want})`);
      expect(distance(got, want), `list at ${top}: ${got} vs ${want}`).toBeLessThanOrEqual(12);
      // Left of the strip the rows are as they were.
      const beside = pixel(await screenshotPixels(tabB), at.x - STRIP_WIDTH - 40, at.y);
      expect(distance(beside, pixel(plain.get(top) as PNG, at.x - STRIP_WIDTH - 40, at.y))).toBeLessThanOrEqual(2);
    }
    await setOverlayPrefs(launched, { scrollMap: false });
    await tabB.close();
  });
});
