/**
 * Another band's heat, in Chromium and Firefox: points exist only in the
 * tablet band (sent by another tester's raw client), so a desktop-width
 * viewer's legend says its band has none and offers tablet; "Show tablet"
 * paints the tablet heat scaled to the viewer's width, with a warning, over
 * the element the points were scaled from; it stays live, and "Back to my
 * width" returns. A share link naming the tablet band opens the page showing
 * that band the same way.
 */

import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Companion } from "../../companion/src/server";
import { shareUrl } from "../../protocol/share-link";
import { PROTOCOL_VERSION } from "../../protocol/wire";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  openPage,
  overlayLegend,
  pixel,
  type Rgb,
  revealBox,
  screenshotPixels,
  setOverlay,
  sleep,
  VIEWPORT,
} from "./harness";
import { browserSession } from "./session";

/** The tablet tester's layout width. */
const TABLET_WIDTH = 800;

let testers = 0;

/** A tablet tester's points over the viewer's `spot` scaled to its width (tiles are a share of the layout width). */
async function tabletTester(companion: Companion, spot: readonly [number, number], viewerWidth: number) {
  const ws = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, ["heatlens.v1"]);
  await new Promise((resolve) => ws.once("open", resolve));
  ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: `tablet-tester-${++testers}` }));
  const [x, y] = spot.map((v) => Math.round((v * TABLET_WIDTH) / viewerWidth));
  let seq = 0;
  return {
    async send(n: number): Promise<void> {
      const sent = seq++;
      const acked = new Promise((resolve) =>
        ws.on("message", (d) => String(d).includes(`"seq":${sent}`) && resolve(null)),
      );
      const pts = Array.from({ length: n }, (_, i) => [i * 10, x, y, 0]).flat();
      const page = { origin: companion.url, path: "/demo/", w: TABLET_WIDTH, t0: Date.now() - 1000, pts };
      ws.send(JSON.stringify({ type: "batch", seq: sent, sentAt: Date.now(), pages: [page] }));
      await acked;
    },
    close: () => ws.terminate(),
  };
}

/** The colour at `spot` once it is more than 40 away from `base` (heat painted), or after 10 s. */
async function heatAt(page: Page, spot: readonly [number, number], base: Rgb): Promise<Rgb> {
  let got = pixel(await screenshotPixels(page), ...spot);
  for (const end = Date.now() + 10_000; distance(got, base) <= 40 && Date.now() < end; ) {
    await sleep(250);
    got = pixel(await screenshotPixels(page), ...spot);
  }
  return got;
}

/** The demo shop's call-to-action button's centre, in the page's viewport scrolled to the top, and the layout size. */
async function heroSpot(page: Page) {
  const { w, h } = await page.evaluate(() => ({
    w: document.documentElement.clientWidth,
    h: document.documentElement.clientHeight,
  }));
  const box = await revealBox(page, "#hero-cta");
  await page.evaluate(() => scrollTo(0, 0));
  return { w, h, spot: [(box.left + box.right) / 2, (box.top + box.bottom) / 2] as const };
}

describe.each<BrowserName>(["chromium", "firefox"])("another band's heat in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  it("offers the tablet band to a desktop viewer, paints it over the element at the viewer's width, and goes back", async () => {
    const url = `${companion.url}/demo/?tab=offer`;
    const page = await openPage(launched, url);
    const { w, h, spot: centre } = await heroSpot(page);
    expect(w).toBeGreaterThanOrEqual(1024);
    const tablet = await tabletTester(companion, centre, w);
    await tablet.send(42);

    const base = pixel(await screenshotPixels(page), ...centre);
    await setOverlay(launched, url, true);
    await page.bringToFront();
    const offered = await overlayLegend(launched, url, (t) => t.includes("No points at your width"));
    expect(offered).toContain("No points at your width (desktop); tablet has 42");
    // Heat on elements paints only the viewer's own band's points without an element: none yet.
    expect(distance(pixel(await screenshotPixels(page), ...centre), base)).toBeLessThanOrEqual(24);

    // "Show tablet": the band's button, above the Tester row, 369 px up (extension/paint/panel.ts).
    await page.mouse.click(w - 122, h - 369);
    const shown = await overlayLegend(launched, url, (t) => t.includes("the layout may differ"));
    expect(shown).toContain(`showing tablet heat at ${w} px: the layout may differ`);
    expect(shown).toContain("42 points");
    const got = await heatAt(page, centre, base);
    await page.screenshot({ path: `${E2E_DIST}/${name}-band-offer.png` });
    expect(distance(got, base), `heat over #hero-cta: ${got} vs ${base}`).toBeGreaterThan(40);

    // The chosen band stays live.
    await tablet.send(8);
    expect(await overlayLegend(launched, url, (t) => t.includes("50 points"))).toContain("the layout may differ");

    // "Back to my width", on the same button.
    await page.mouse.click(w - 122, h - 369);
    const back = await overlayLegend(launched, url, (t) => t.includes("No points at your width"));
    expect(back).toContain("No points at your width (desktop); tablet has 50");
    expect(back).not.toContain("the layout may differ");
    tablet.close();
    await setOverlay(launched, url, false);
    await page.close();
  });

  it("opens a share link naming the tablet band with that band's heat at the viewer's width, and the warning", async () => {
    const plain = await openPage(launched, `${companion.url}/demo/?tab=plain`);
    const { w, spot } = await heroSpot(plain);
    const base = pixel(await screenshotPixels(plain), ...spot);
    await plain.close();
    const tablet = await tabletTester(companion, spot, w);
    await tablet.send(20);
    tablet.close();

    const origin = new URL(companion.url).origin;
    const link = shareUrl(companion.url, {
      origin,
      path: "/demo/",
      band: "tablet",
      time: { kind: "window", ms: 300_000 },
      layer: "document",
      points: null,
      mode: null,
    });
    const page = await launched.browser.newPage();
    await page.setViewport(VIEWPORT);
    void page.goto(link).catch(() => undefined);
    const pageUrl = `${companion.url}/demo/`;
    for (const end = Date.now() + 15_000; page.url() !== pageUrl && Date.now() < end; ) await sleep(100);
    expect(page.url()).toBe(pageUrl);
    await page.bringToFront();
    const legend = await overlayLegend(launched, pageUrl, (t) => t.includes("the layout may differ"));
    expect(legend).toContain(`showing tablet heat at ${w} px: the layout may differ`);
    expect(legend).not.toContain("No points at your width");
    const got = await heatAt(page, spot, base);
    await page.screenshot({ path: `${E2E_DIST}/${name}-band-link.png` });
    expect(distance(got, base), `heat over #hero-cta: ${got} vs ${base}`).toBeGreaterThan(40);
    await setOverlay(launched, pageUrl, false);
    await page.close();
  });
});
