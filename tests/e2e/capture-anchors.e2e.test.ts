/**
 * What the tracker sends, in real Chromium and Firefox with the built
 * extension, read where the companion takes its batches: each point's anchor
 * (a named element, one inside an open shadow root, one inside an iframe's
 * document, a clicked element the click removes) with the cursor's offset in
 * its box, and the scroll marks of
 * each page view (its height, the document's and a scroll container's depth
 * steps, a new view on a route change).
 */
import type { Page } from "puppeteer-core";
import { describe, expect, it, vi } from "vitest";
import type { Companion } from "../../companion/src/server";
import { ANCHOR_UNITS, ScrollMark, SHADOW_SEPARATOR } from "../../protocol/anchor";
import type { Batch, PagePoints } from "../../protocol/wire";
import { until } from "../support/heatlens";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { hoverAt, openPage, VIEWPORT } from "./harness";
import { browserSession } from "./session";

interface Sent {
  path: string;
  anchor: string | null;
  u: number;
  v: number;
  click: boolean;
}

/** Every point the companion was sent, with its anchor. */
function points(pages: PagePoints[]): Sent[] {
  const out: Sent[] = [];
  for (const page of pages) {
    for (let i = 0; i < page.pts.length / 4; i++) {
      const a = page.at?.[i * 3] ?? 0;
      out.push({
        path: page.path,
        anchor: a === 0 ? null : (page.anchors?.[a - 1] ?? null),
        u: page.at?.[i * 3 + 1] ?? 0,
        v: page.at?.[i * 3 + 2] ?? 0,
        click: ((page.pts[i * 4 + 3] as number) & 1) === 1,
      });
    }
  }
  return out;
}

/** Every scroll mark the companion was sent: page path, kind and value. */
function marks(pages: PagePoints[]): { path: string; kind: number; value: number }[] {
  return pages.flatMap((page) => {
    const out: { path: string; kind: number; value: number }[] = [];
    for (let i = 0; i < (page.scroll?.length ?? 0); i += 3)
      out.push({ path: page.path, kind: page.scroll?.[i + 1] as number, value: page.scroll?.[i + 2] as number });
    return out;
  });
}

/** The centre of an element in the viewport. */
function centre(page: Page, selector: string): Promise<{ x: number; y: number }> {
  return page.evaluate((s) => {
    const host = document.querySelector(s.split(" >>> ")[0] as string);
    const el = s.includes(" >>> ") ? host?.shadowRoot?.querySelector(s.split(" >>> ")[1] as string) : host;
    const r = (el as Element).getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, selector);
}

describe.each<BrowserName>(["chromium", "firefox"])("capture of anchors and scroll marks in %s", (browserName) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  const received: PagePoints[] = [];

  browserSession(browserName, (c, l) => {
    companion = c;
    launched = l;
    const onBatch = c.gateway.ingest.onBatch.bind(c.gateway.ingest);
    vi.spyOn(c.gateway.ingest, "onBatch").mockImplementation((connection, batch: Batch) => {
      received.push(...batch.pages);
      onBatch(connection, batch);
    });
  });

  /** Opens a page once its tracker runs: its view mark has come (the tracker starts at document idle). */
  async function openTracked(url: string): Promise<Page> {
    const path = new URL(url).pathname;
    const views = () => marks(received).filter((m) => m.path === path && m.kind === ScrollMark.view).length;
    const before = views();
    const tab = await openPage(launched, url);
    await until(() => views() > before, 10_000, `the tracker running in ${url}`);
    return tab;
  }

  it("anchors moves to the element under the cursor, inside open shadow roots too, with the offset in its box", async () => {
    const tab = await openTracked(`${companion.url}/demo/?anchors`);
    await tab.evaluate(() => {
      const badge = document.createElement("shop-badge");
      badge.id = "badge";
      badge.style.cssText = "position: fixed; left: 40px; bottom: 40px; display: block;";
      badge.attachShadow({
        mode: "open",
      }).innerHTML = `<div><button class="inner" style="width: 200px; height: 60px">Sale</button></div>`;
      document.body.append(badge);
    });
    const cta = await centre(tab, "#hero-cta");
    await hoverAt(tab, cta.x, cta.y, 1200);
    const inner = await centre(tab, `#badge${SHADOW_SEPARATOR}.inner`);
    await hoverAt(tab, inner.x, inner.y, 1200);
    await until(
      () => points(received).some((p) => p.anchor === `#badge${SHADOW_SEPARATOR}.inner`),
      10_000,
      "a point anchored inside the shadow root",
    );
    const sent = points(received).filter((p) => p.path === "/demo/");
    const onCta = sent.filter((p) => p.anchor === "#hero-cta");
    expect(onCta.length).toBeGreaterThanOrEqual(3);
    // Hovered within a pixel or two of the centre.
    for (const p of onCta) {
      expect(Math.abs(p.u - ANCHOR_UNITS / 2)).toBeLessThan(ANCHOR_UNITS / 20);
      expect(Math.abs(p.v - ANCHOR_UNITS / 2)).toBeLessThan(ANCHOR_UNITS / 10);
    }
    await tab.close();
  });

  it("anchors a point inside an iframe in the iframe's own document, keyed by the iframe's page", async () => {
    const tab = await openTracked(`${companion.url}/demo/?frame`);
    await tab.evaluate(() => {
      const frame = document.createElement("iframe");
      frame.src = "/demo/product/1";
      frame.style.cssText = "position: fixed; left: 20px; top: 20px; width: 700px; height: 500px; border: 0;";
      document.body.append(frame);
    });
    await until(
      () => marks(received).some((m) => m.path === "/demo/product/1" && m.kind === ScrollMark.view),
      10_000,
      "the tracker running in the iframe",
    );
    const button = await tab.evaluate(() => {
      const frame = document.querySelector("iframe") as HTMLIFrameElement;
      const target = frame.contentDocument?.querySelector("#add-to-cart") as Element;
      // Into the iframe's view, without scrolling the page around it.
      frame.contentWindow?.scrollTo(0, target.getBoundingClientRect().top - 100);
      const r = target.getBoundingClientRect();
      return { x: 20 + r.left + r.width / 2, y: 20 + r.top + r.height / 2 };
    });
    await hoverAt(tab, button.x, button.y, 1200);
    await until(
      () => points(received).some((p) => p.path === "/demo/product/1" && p.anchor === "#add-to-cart"),
      10_000,
      "a point in the iframe anchored to its button",
    );
    expect(points(received).filter((p) => p.anchor === "#add-to-cart" && p.path !== "/demo/product/1")).toEqual([]);
    // The iframe's own layout width (700 px less its scrollbar), not the tab's.
    const width = await tab.evaluate(
      () => (document.querySelector("iframe") as HTMLIFrameElement).contentDocument?.documentElement.clientWidth,
    );
    const widths = received.filter((g) => g.path === "/demo/product/1" && g.pts.length > 0).map((g) => g.w);
    expect(new Set(widths)).toEqual(new Set([width]));
    expect(width).toBeLessThanOrEqual(700);
    await tab.close();
  });

  it("anchors a click to the element clicked, even when the click removes it", async () => {
    const tab = await openTracked(`${companion.url}/demo/?click`);
    await tab.evaluate(() => {
      const button = document.createElement("button");
      button.dataset.testid = "vanish";
      button.style.cssText = "position: fixed; right: 40px; top: 120px; width: 160px; height: 40px;";
      button.addEventListener("click", () => button.remove());
      document.body.append(button);
    });
    const at = await centre(tab, '[data-testid="vanish"]');
    await tab.mouse.click(at.x, at.y);
    await until(
      () => points(received).some((p) => p.click && p.anchor === '[data-testid="vanish"]'),
      10_000,
      "the click, anchored",
    );
    await tab.close();
  });

  it("sends a view's height and its depth steps, a scroll container's steps, and a new view on a route change", async () => {
    const tab = await openTracked(`${companion.url}/demo/long.html`);
    const ofPage = () => marks(received).filter((m) => m.path === "/demo/long.html");
    expect(ofPage().find((m) => m.kind === ScrollMark.view)?.value).toBe(VIEWPORT.height);
    await tab.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    await until(() => ofPage().some((m) => m.kind === ScrollMark.reach && m.value === 100), 10_000, "reach 100");
    const reached = ofPage()
      .filter((m) => m.kind === ScrollMark.reach)
      .map((m) => m.value);
    expect(reached.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 5));

    await tab.evaluate(() => {
      scrollTo(0, 0);
      const feed = document.createElement("div");
      feed.id = "feed";
      feed.style.cssText =
        "position: fixed; inset: 100px 100px auto auto; width: 400px; height: 300px; overflow-y: auto;";
      feed.innerHTML = `<div style="height: 3000px"></div>`;
      document.body.append(feed);
      // Scrolled to show the top half of its content.
      feed.scrollTop = 1200;
    });
    await until(
      () => ofPage().some((m) => m.kind === ScrollMark.box && m.value === 50),
      10_000,
      "the container's steps",
    );
    expect(
      ofPage()
        .filter((m) => m.kind === ScrollMark.box)
        .map((m) => m.value),
    ).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 5));

    await tab.evaluate(() => {
      location.hash = "#/next";
    });
    await until(
      () => marks(received).some((m) => m.path === "/demo/long.html/%23/next" && m.kind === ScrollMark.view),
      10_000,
      "a new view under the route's key",
    );
    await tab.close();
  });
});
