/**
 * Compare and Tester in the overlay, in Chromium and Firefox, on the coverage
 * lab page (demo/lab/coverage.html). Two testers send their points through
 * the companion's websocket, each with its own hello name: ana mostly on
 * "Help", bo mostly on "Buy" and alone on the name field, both alike over a
 * strip of the page below. The browser's own tester is named ana, so that
 * "Me vs the rest" compares ana (A, blue) with bo (B, orange): "Help" is
 * painted blue, "Buy" orange and badged as changed beyond chance, and the
 * legend names both sets and the test's counts as /api/compare gives them.
 * With Compare off and Tester "ana", only ana's heat is painted: on "Help"
 * and "Buy", none on the name field that only bo touched, until ana's new
 * points there come (the tester's last window follows the live heat). The
 * comparison follows the live heat too: a third tester's points on "Help",
 * sent while it is painted, turn Help orange; and a share link copied then
 * opens, in a fresh tab, with the same comparison painted and named in the
 * Compare row.
 */

import type { PNG } from "pngjs";
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { Comparison } from "../../protocol/compare";
import { parseShareUrl, shareUrl } from "../../protocol/share-link";
import type { Batch } from "../../protocol/wire";
import { connect, eventually, reply, until } from "../support/heatlens";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  docsShot,
  inExtensionPage,
  openPage,
  overlayLegend,
  pixel,
  type Rgb,
  screenshotPixels,
  setOverlay,
  sleep,
  VIEWPORT,
} from "./harness";
import { browserSession } from "./session";

const PATH = "/demo/lab/coverage";
const ANCHOR_UNITS = 1024;

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

async function boxOf(page: Page, selector: string): Promise<Box> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
  });
}

/** One tester's points: `n` on each element (spread inside its box, anchored to it), and `strip` on each of 30 tiles below. */
function pointsOf(
  origin: string,
  width: number,
  boxes: Record<string, Box>,
  on: Record<string, number>,
  strip: number,
): Batch["pages"][number] {
  const anchors = Object.keys(on);
  const pts: number[] = [];
  const at: number[] = [];
  anchors.forEach((selector, a) => {
    const box = boxes[selector] as Box;
    for (let i = 0; i < (on[selector] as number); i++) {
      const u = 0.2 + 0.6 * ((i * 7) % 10) * 0.1;
      const v = 0.3 + 0.4 * ((i * 3) % 10) * 0.1;
      pts.push(
        i * 10,
        Math.round(box.left + u * (box.right - box.left)),
        Math.round(box.top + v * (box.bottom - box.top)),
        0,
      );
      at.push(a + 1, Math.floor(u * ANCHOR_UNITS), Math.floor(v * ANCHOR_UNITS));
    }
  });
  for (let tile = 0; tile < 30; tile++) {
    for (let i = 0; i < strip; i++) {
      pts.push(i * 10, 20 + tile * 40, 560, 0);
      at.push(0, 0, 0);
    }
  }
  return { origin, path: PATH, w: width, t0: Date.now() - 2000, pts, anchors, at };
}

/** Clicks a select of the panel (in its closed shadow root) and types the start of an option's label to choose it. */
async function choose(page: Page, at: [number, number], typed: string): Promise<void> {
  await page.mouse.click(...at);
  await page.keyboard.type(typed);
  await page.keyboard.press("Enter");
}

/** Pixels inside `box` (page px, unscrolled) that differ from the clean page by more than 24 in a channel. */
function changedPixels(png: PNG, clean: PNG, box: Box): number {
  let n = 0;
  for (let y = Math.ceil(box.top) + 3; y < box.bottom - 3; y++) {
    for (let x = Math.ceil(box.left) + 3; x < box.right - 3; x++)
      if (distance(pixel(png, x, y), pixel(clean, x, y)) > 24) n++;
  }
  return n;
}

const isBlue = ([r, , b]: Rgb) => b - r > 60;
const isOrange = ([r, , b]: Rgb) => r - b > 60;

/** Polls screenshots until `check` holds for every point, for up to `ms`; returns the last colours read. */
async function waitForPixels(page: Page, points: [number, number][], check: (colours: Rgb[]) => boolean, ms = 15_000) {
  let colours: Rgb[] = [];
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const png = await screenshotPixels(page);
    colours = points.map(([x, y]) => pixel(png, x, y));
    if (check(colours)) break;
    await sleep(250);
  }
  return colours;
}

describe.each<BrowserName>(["chromium", "firefox"])("Compare and Tester in the overlay in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  it("paints me (ana) against the rest in two colours, badges the button that changed beyond chance, follows new points, shows one tester's heat alone, and links both to a fresh tab", async () => {
    // The browser's own points are ana's: "Me vs the rest" is ana against bo.
    await inExtensionPage(
      launched,
      async () => {
        const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
        await api.storage.local.set({ name: "ana" });
      },
      null,
    );
    const viewerUrl = `${companion.url}${PATH}?tab=viewer`;
    const viewer = await openPage(launched, viewerUrl);
    const { w, h } = await viewer.evaluate(() => ({
      w: document.documentElement.clientWidth,
      h: document.documentElement.clientHeight,
    }));
    const boxes = {
      "#help": await boxOf(viewer, "#help"),
      "#buy": await boxOf(viewer, "#buy"),
      "#name": await boxOf(viewer, "#name"),
    };
    const clean = await screenshotPixels(viewer);

    const ana = await connect(companion.url, { name: "ana" });
    const bo = await connect(companion.url, { name: "bo" });
    const page = (on: Record<string, number>, strip: number) => pointsOf(companion.url, w, boxes, on, strip);
    const sent = [
      await reply(ana, { type: "batch", seq: 0, sentAt: Date.now(), pages: [page({ "#help": 80, "#buy": 10 }, 7)] }),
      await reply(bo, {
        type: "batch",
        seq: 0,
        sentAt: Date.now(),
        pages: [page({ "#help": 10, "#buy": 150, "#name": 40 }, 13)],
      }),
    ];
    expect(sent.map((m) => m.type)).toEqual(["ack", "ack"]);
    ana.ws.close();
    bo.ws.close();

    const query = `origin=${encodeURIComponent(companion.url)}&path=${PATH}&width=${w}&a=tester:ana&b=rest:ana`;
    // The history keeps each tester's points apart once it has written them.
    const api = await eventually(
      async () => {
        const answer = (await (await fetch(`${companion.url}/api/compare?${query}`)).json()) as Comparison;
        return answer.a.grid.total > 0 && answer.b.grid.total > 0 ? answer : undefined;
      },
      10_000,
      "both testers' points in the history",
    );
    const buy = api.elements.find((e) => e.s === "#buy");
    expect(buy).toMatchObject({ a: 10, b: 150, flagged: true });

    await setOverlay(launched, viewerUrl, true);
    await viewer.bringToFront();
    await overlayLegend(launched, viewerUrl, (t) => t.includes("elements, all widths"));
    // The panel's rows, from its bottom edge (extension/paint/panel.ts): Compare 317 px up, Tester 343; the selects
    // take the right part of the 220 px wide panel, 12 px from the viewport's right edge.
    const compareAt: [number, number] = [w - 92, h - 317];
    const testerAt: [number, number] = [w - 92, h - 343];
    await choose(viewer, compareAt, "Me");

    const legend = await overlayLegend(launched, viewerUrl, (t) => t.includes("changed beyond chance"));
    expect(legend).toContain(
      `A: tester:ana (blue) · B: rest:ana (orange) · all history kept · ${api.test.tested} elements tested · ${api.test.flagged} changed beyond chance (α 0.05)`,
    );
    const centre = (box: Box): [number, number] => [(box.left + box.right) / 2, box.bottom - 6];
    // The badge: inside Buy's top right corner, opaque orange; its tint and Help's, blue, below any text.
    const badgeAt: [number, number] = [boxes["#buy"].right - 2, boxes["#buy"].top + 13];
    const [help, buyTint, badge] = await waitForPixels(
      viewer,
      [centre(boxes["#help"]), centre(boxes["#buy"]), badgeAt],
      ([a, b, c]) => isBlue(a as Rgb) && isOrange(b as Rgb) && distance(c as Rgb, [247, 103, 7]) <= 40,
    );
    expect(isBlue(help as Rgb), `Help, more in A: ${help}`).toBe(true);
    expect(isOrange(buyTint as Rgb), `Buy, more in B: ${buyTint}`).toBe(true);
    expect(distance(badge as Rgb, [247, 103, 7]), `Buy's badge: ${badge}`).toBeLessThanOrEqual(40);
    if (name === "chromium") await viewer.screenshot({ path: docsShot("compare-overlay.png") });

    // The comparison follows new points without a touch of the panel: a third tester, cy, one of "the rest",
    // hovers Help a lot, so Help's share in B passes A's and it turns from blue to orange.
    const cy = await connect(companion.url, { name: "cy" });
    const cyBatch = { type: "batch", seq: 0, sentAt: Date.now(), pages: [page({ "#help": 400 }, 0)] };
    expect(await reply(cy, cyBatch)).toMatchObject({ type: "ack" });
    cy.ws.close();
    const [helpNow] = await waitForPixels(viewer, [centre(boxes["#help"])], ([c]) => isOrange(c as Rgb), 20_000);
    expect(isOrange(helpNow as Rgb), `Help, now more in B: ${helpNow}`).toBe(true);
    const followed = await overlayLegend(launched, viewerUrl, (t) => t.includes("changed beyond chance"));
    expect(followed).toContain("A: tester:ana (blue) · B: rest:ana (orange) · all history kept");

    // Compare off, Tester ana: ana's heat alone, on Help and Buy, none on the name field only bo touched.
    await choose(viewer, compareAt, "Off");
    await choose(viewer, testerAt, "ana");
    const alone = await overlayLegend(launched, viewerUrl, (t) => t.includes("tester ana, last"));
    expect(alone).toContain("tester ana, last 5 min · 300 points");
    let painted = { help: 0, buy: 0, name: 0 };
    for (const end = Date.now() + 15_000; Date.now() < end && !(painted.help > 50 && painted.buy > 50); ) {
      const png = await screenshotPixels(viewer);
      const count = (box: Box) => changedPixels(png, clean, box);
      painted = { help: count(boxes["#help"]), buy: count(boxes["#buy"]), name: count(boxes["#name"]) };
      await sleep(250);
    }
    expect(painted.help, "ana's heat on Help").toBeGreaterThan(50);
    expect(painted.buy, "ana's heat on Buy").toBeGreaterThan(50);
    expect(painted.name, "no heat on the name field only bo touched").toBe(0);

    // The tester's last window follows the live heat: ana's new points on the name field come to be painted.
    const again = await connect(companion.url, { name: "ana" });
    const more = { type: "batch", seq: 1, sentAt: Date.now(), pages: [page({ "#name": 40 }, 0)] };
    expect(await reply(again, more)).toMatchObject({ type: "ack" });
    again.ws.close();
    let named = 0;
    for (const end = Date.now() + 15_000; Date.now() < end && named <= 50; await sleep(250)) {
      named = changedPixels(await screenshotPixels(viewer), clean, boxes["#name"]);
    }
    expect(named, "ana's new heat on the name field").toBeGreaterThan(50);

    // "Copy link" with Tester ana and Me vs the rest on: the link names both (read back from the clipboard in
    // Chromium, whose page can read it; in Firefox the same link, written as the overlay writes it) and opens, in
    // a fresh tab, the page with the comparison painted and the Compare and Tester rows at the same choices.
    await choose(viewer, compareAt, "Me");
    await overlayLegend(launched, viewerUrl, (t) => t.includes("changed beyond chance"));
    const origin = new URL(companion.url).origin;
    const me = { a: { kind: "tester", label: "ana" }, b: { kind: "rest", label: "ana" } } as const;
    const compare = { ...me, aSpan: { kind: "all" }, bSpan: { kind: "all" } } as const;
    let link = shareUrl(companion.url, {
      origin,
      path: PATH,
      band: null,
      time: { kind: "window", ms: 300_000 },
      layer: "document",
      points: null,
      mode: null,
      tester: "ana",
      compare,
    });
    if (name === "chromium") {
      await launched.browser.defaultBrowserContext().overridePermissions(origin, ["clipboard-read", "clipboard-write"]);
      await viewer.bringToFront();
      await viewer.mouse.click(w - 122, h - 239);
      // The clipboard is the browser's: a link another file copied may be in it before, so this one's view is waited for.
      link = await eventually(
        async () => {
          const text = await viewer.evaluate(() => navigator.clipboard.readText()).catch(() => "");
          const copied = parseShareUrl(text);
          return copied.ok && copied.view.tester === "ana" && copied.view.compare ? text : undefined;
        },
        15_000,
        "the overlay's link in the clipboard",
      );
    }
    const linked = parseShareUrl(link);
    expect(linked.ok && [linked.view.tester, linked.view.compare]).toEqual(["ana", compare]);
    const fresh = await launched.browser.newPage();
    await fresh.setViewport(VIEWPORT);
    void fresh.goto(link).catch(() => undefined);
    const freshUrl = `${companion.url}${PATH}`;
    await until(() => fresh.url() === freshUrl, 15_000, `the tab to reach ${freshUrl} (at ${fresh.url()})`);
    await fresh.bringToFront();
    const opened = await overlayLegend(launched, freshUrl, (t) => t.includes("changed beyond chance"));
    expect(opened).toContain("A: tester:ana (blue) · B: rest:ana (orange) · all history kept");
    expect(opened).toContain("Compare: Me vs the rest · Tester: ana");
    const [helpThere, buyThere] = await waitForPixels(
      fresh,
      [centre(boxes["#help"]), centre(boxes["#buy"])],
      (colours) => colours.every((c) => isOrange(c)),
    );
    expect(isOrange(helpThere as Rgb), `Help in the linked tab: ${helpThere}`).toBe(true);
    expect(isOrange(buyThere as Rgb), `Buy in the linked tab: ${buyThere}`).toBe(true);
    await fresh.close();

    await setOverlay(launched, viewerUrl, false);
    await viewer.close();
  });
});
