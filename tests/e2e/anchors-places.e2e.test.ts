/**
 * Anchored heat where page coordinates go wrong: a row of a list in a scroll
 * container, at several scroll positions of the list (and none once the row
 * is scrolled out); a chat button fixed to the bottom of the window, viewed in
 * a taller window; pads in a same-origin and a cross-origin frame, each frame
 * with its own heat; buttons in an open shadow root; and a route change that
 * replaces the content with elements of the same test ids (none of the old
 * route's heat on them).
 */
import type { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import {
  anchoredOn,
  type Box,
  boxInFrame,
  boxOf,
  captureOf,
  describeFigure,
  frameOf,
  heatFigure,
  hoverUntilAnchored,
  setOverlayPrefs,
  settledHeat,
  steadyScreenshot,
} from "./anchors-lab";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { E2E_DIST, openPage, screenshotPixels, setOverlay, settledGrid } from "./harness";
import { browserSession } from "./session";

const MIN_HEAT_PX = 50;
const testid = (name: string) => `[data-testid="${name}"]`;

/** Part of `box` inside `clip` (an element's box cut to its scroll container's). */
function clipped(box: Box, clip: Box): Box {
  return {
    left: Math.max(box.left, clip.left),
    top: Math.max(box.top, clip.top),
    right: Math.min(box.right, clip.right),
    bottom: Math.max(Math.min(box.bottom, clip.bottom), Math.max(box.top, clip.top)),
  };
}

/** Turns the overlay on in `tab` (elements mode, the panel folded at the top right) and brings the tab to the front. */
async function overlayOn(launched: LaunchedBrowser, tab: Page, url: string): Promise<void> {
  await setOverlayPrefs(launched, { mode: "elements", layer: "both", collapsed: true, corner: "top-right" });
  await setOverlay(launched, url, true);
  await tab.bringToFront();
}

describe.each<BrowserName>(["chromium", "firefox"])(
  "anchored heat in containers, frames and routes in %s",
  (browserName) => {
    let companion: Companion;
    let launched: LaunchedBrowser;
    browserSession(browserName, (c, l) => {
      companion = c;
      launched = l;
    });

    it("keeps a list row's heat on the row at any scroll position of its container, and none once it is scrolled out", async () => {
      const tabA = await openPage(launched, `${companion.url}/demo/lab/scroller?tab=A`);
      const keyed = await captureOf(tabA);
      // Row 12 brought to the top of the list: a page coordinate would place its heat on whatever row is there later.
      await tabA.$eval(testid("row-12"), (el) => el.scrollIntoView({ block: "start", behavior: "instant" }));
      await hoverUntilAnchored(tabA, await boxOf(tabA, testid("row-12")), companion.url, keyed, "row-12");
      await hoverUntilAnchored(tabA, await boxOf(tabA, testid("beside")), companion.url, keyed, "beside");
      await tabA.close();

      const urlB = `${companion.url}/demo/lab/scroller?tab=B`;
      const tabB = await openPage(launched, urlB);
      await tabB.bringToFront();
      const positions = [
        { label: "row at the top", scrollTop: 12 * 56 - 52, shown: true },
        { label: "row at the bottom", scrollTop: 12 * 56 - 320, shown: true },
        { label: "row scrolled out", scrollTop: 0, shown: false },
      ];
      const scrollList = (top: number) =>
        tabB.$eval(
          testid("list"),
          (el, to) => {
            el.scrollTop = to;
            return el.scrollTop;
          },
          top,
        );
      const plain: PNG[] = [];
      for (const at of positions) {
        expect(await scrollList(at.scrollTop)).toBe(at.scrollTop);
        plain.push(await steadyScreenshot(tabB));
      }
      await overlayOn(launched, tabB, urlB);
      for (const [i, at] of positions.entries()) {
        await scrollList(at.scrollTop);
        const boxes = async () => {
          const list = await boxOf(tabB, testid("list"));
          const beside = await boxOf(tabB, testid("beside"));
          return at.shown ? [clipped(await boxOf(tabB, testid("row-12")), list), beside] : [beside];
        };
        const { figure } = await settledHeat(tabB, plain[i] as PNG, boxes, { minEach: MIN_HEAT_PX });
        await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-scroller-${i}.png` });
        console.log(describeFigure(`${browserName} scroll container, ${at.label}`, figure));
        expect(Math.min(...figure.perTarget), at.label).toBeGreaterThanOrEqual(MIN_HEAT_PX);
        // Scrolled out, the row's heat is nowhere: not over the rows now in its place, not outside the list.
        expect(figure.share, describeFigure(at.label, figure)).toBeGreaterThanOrEqual(0.95);
      }
      await tabB.close();
    });

    it("keeps a chat button's heat on the button, fixed to the bottom of a taller window", async () => {
      const tabA = await openPage(launched, `${companion.url}/demo/lab/chat?tab=A`);
      const keyed = await captureOf(tabA);
      await hoverUntilAnchored(tabA, await boxOf(tabA, testid("chat")), companion.url, keyed, "chat");
      await hoverUntilAnchored(tabA, await boxOf(tabA, testid("block-2")), companion.url, keyed, "block-2");
      await tabA.close();

      const urlB = `${companion.url}/demo/lab/chat?tab=B`;
      const tabB = await openPage(launched, urlB);
      await tabB.setViewport({ width: 1280, height: 1100 });
      await tabB.bringToFront();
      const plain = await steadyScreenshot(tabB);
      expect(plain.height).toBe(1100);
      await overlayOn(launched, tabB, urlB);
      const boxes = () => Promise.all([boxOf(tabB, testid("chat")), boxOf(tabB, testid("block-2"))]);
      const [chat] = await boxes();
      // 300 px below where it was in the capturing window.
      expect(chat?.bottom).toBeGreaterThan(1000);
      const { figure } = await settledHeat(tabB, plain, boxes, { minEach: MIN_HEAT_PX });
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-chat.png` });
      console.log(describeFigure(`${browserName} chat button, window 1100 px tall`, figure));
      expect(Math.min(...figure.perTarget)).toBeGreaterThanOrEqual(MIN_HEAT_PX);
      expect(figure.share, describeFigure("chat", figure)).toBeGreaterThanOrEqual(0.95);
      await tabB.close();
    });

    it("paints each frame's own heat inside it, same-origin and cross-origin", async () => {
      const tabA = await openPage(launched, `${companion.url}/demo/lab/frames?tab=A`);
      const frames = {
        same: { iframe: "#same", frame: await frameOf(tabA, `${companion.url}/demo/lab/frame`), pad: "pad-1" },
        cross: {
          iframe: "#cross",
          frame: await frameOf(tabA, `${companion.url.replace("127.0.0.1", "localhost")}/demo/lab/frame`),
          pad: "pad-4",
        },
      };
      for (const { iframe, frame, pad } of Object.values(frames)) {
        const keyed = await captureOf(frame);
        // Each frame is its own document: its points are keyed by its own origin, path and width.
        expect(keyed.width).toBeLessThan(480);
        const box = await boxInFrame(tabA, iframe, frame, testid(pad));
        await hoverUntilAnchored(tabA, box, companion.url, keyed, pad);
      }
      await tabA.close();

      const urlB = `${companion.url}/demo/lab/frames?tab=B`;
      const tabB = await openPage(launched, urlB);
      await tabB.bringToFront();
      const inB = {
        same: await frameOf(tabB, `${companion.url}/demo/lab/frame`),
        cross: await frameOf(tabB, `${companion.url.replace("127.0.0.1", "localhost")}/demo/lab/frame`),
      };
      const plain = await steadyScreenshot(tabB);
      await overlayOn(launched, tabB, urlB);
      // The other pads of each frame (among them the pad hovered in the other frame) count as outside.
      const boxes = () =>
        Promise.all([
          boxInFrame(tabB, "#same", inB.same, testid(frames.same.pad)),
          boxInFrame(tabB, "#cross", inB.cross, testid(frames.cross.pad)),
        ]);
      const { figure } = await settledHeat(tabB, plain, boxes, { minEach: MIN_HEAT_PX });
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-frames.png` });
      console.log(describeFigure(`${browserName} frames (same-origin, cross-origin)`, figure));
      expect(Math.min(...figure.perTarget)).toBeGreaterThanOrEqual(MIN_HEAT_PX);
      expect(figure.share, describeFigure("frames", figure)).toBeGreaterThanOrEqual(0.95);
      await tabB.close();
    });

    it("keeps heat on a button inside an open shadow root", async () => {
      const tool = `${testid("toolbar")} >>> ${testid("tool-3")}`;
      const tabA = await openPage(launched, `${companion.url}/demo/lab/shadow?tab=A`);
      const keyed = await captureOf(tabA);
      await hoverUntilAnchored(tabA, await boxOf(tabA, tool), companion.url, keyed, "tool-3");
      await tabA.close();

      const urlB = `${companion.url}/demo/lab/shadow?tab=B`;
      const tabB = await openPage(launched, urlB);
      // A narrower window moves nothing here; the anchor itself must cross the shadow root.
      await tabB.bringToFront();
      const plain = await steadyScreenshot(tabB);
      await overlayOn(launched, tabB, urlB);
      const { figure } = await settledHeat(tabB, plain, async () => [await boxOf(tabB, tool)], {
        minEach: MIN_HEAT_PX,
      });
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-shadow.png` });
      console.log(describeFigure(`${browserName} open shadow root`, figure));
      expect(figure.perTarget[0]).toBeGreaterThanOrEqual(MIN_HEAT_PX);
      expect(figure.share, describeFigure("shadow", figure)).toBeGreaterThanOrEqual(0.95);
      await tabB.close();
    });

    it("shows no heat of a route over the content that replaced it", async () => {
      const routeA = `${companion.url}/demo/lab/route`;
      const routeB = `${companion.url}/demo/lab/route/b`;
      const push = (tab: Page, path: string) =>
        tab.evaluate((to) => (window as unknown as { lab: { push(p: string): void } }).lab.push(to), path);
      const tabA = await openPage(launched, `${routeA}?tab=A`);
      await hoverUntilAnchored(
        tabA,
        await boxOf(tabA, testid("slot-1")),
        companion.url,
        await captureOf(tabA),
        "slot-1",
      );
      await push(tabA, "/demo/lab/route/b");
      const keyedB = await captureOf(tabA);
      expect(keyedB.pageUrl).toBe(routeB);
      await hoverUntilAnchored(tabA, await boxOf(tabA, testid("slot-3")), companion.url, keyedB, "slot-3");
      await tabA.close();
      const gridB = await settledGrid(companion.url, routeB, keyedB.width);
      // Route b's own slot-1 was never hovered (it appeared under a resting cursor): any heat on it comes from route a.
      expect(anchoredOn(gridB, "slot-1").moves).toBe(0);

      const urlB = `${routeA}?tab=B`;
      const tabB = await openPage(launched, urlB);
      await tabB.bringToFront();
      await push(tabB, "/demo/lab/route/b");
      const plainB = await steadyScreenshot(tabB);
      await push(tabB, "/demo/lab/route?tab=B");
      const plainA = await steadyScreenshot(tabB);
      await overlayOn(launched, tabB, urlB);

      const onA = await settledHeat(tabB, plainA, async () => [await boxOf(tabB, testid("slot-1"))], {
        minEach: MIN_HEAT_PX,
      });
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-route-a.png` });
      console.log(describeFigure(`${browserName} route /demo/lab/route`, onA.figure));
      expect(onA.figure.perTarget[0]).toBeGreaterThanOrEqual(MIN_HEAT_PX);
      expect(onA.figure.share).toBeGreaterThanOrEqual(0.95);

      // Route b has a slot-1 of its own where route a's was: it stays clear; b's own heat shows on its slot-3.
      await push(tabB, "/demo/lab/route/b");
      const boxesB = () => Promise.all([boxOf(tabB, testid("slot-3")), boxOf(tabB, testid("slot-1"))]);
      const onB = await settledHeat(tabB, plainB, async () => (await boxesB()).slice(0, 1), { minEach: MIN_HEAT_PX });
      await tabB.screenshot({ path: `${E2E_DIST}/${browserName}-anchors-route-b.png` });
      console.log(describeFigure(`${browserName} route /demo/lab/route/b`, onB.figure));
      expect(onB.figure.perTarget[0]).toBeGreaterThanOrEqual(MIN_HEAT_PX);
      expect(onB.figure.share, describeFigure("route b", onB.figure)).toBeGreaterThanOrEqual(0.95);
      const slot1 = (await boxesB())[1] as Box;
      const png = await screenshotPixels(tabB);
      const onOldPlace = heatFigure(plainB, png, [slot1]);
      expect(onOldPlace.perTarget[0], "route a's heat over route b's slot-1").toBe(0);
      await tabB.close();
    });
  },
);
