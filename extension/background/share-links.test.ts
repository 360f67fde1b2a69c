import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type ShareView, shareUrl } from "../../protocol/share-link";
import { fakeBrowser } from "../testing/fake-browser";
import { ShareLinks } from "./share-links";

const view: ShareView = {
  origin: "http://127.0.0.1:8787",
  path: "/demo/checkout.html",
  band: "desktop",
  time: { kind: "range", from: Date.parse("2026-11-29T21:00:00Z"), to: Date.parse("2026-11-29T22:00:00Z") },
  layer: "document",
  points: "clicks",
  mode: "tiles",
};
const link = shareUrl("ws://127.0.0.1:8787", view);
const pageUrl = "http://127.0.0.1:8787/demo/checkout.html";

describe("ShareLinks", () => {
  let shown: [number, boolean][];
  let running: AbortController;

  beforeEach(() => {
    fakeBrowser.reset();
    shown = [];
    running = new AbortController();
    const overlay = { show: async (tabId: number, on: boolean) => void shown.push([tabId, on]) };
    new ShareLinks(overlay, async () => "ws://127.0.0.1:8787").listen(running.signal);
  });
  afterEach(() => running.abort());

  /** The page's overlay asks, sending its path as it keys it (by default the URL's, no route). */
  const ask = (tabId: number, frameId: number, url: string, path = new URL(url).pathname) =>
    fakeBrowser.send("overlay.linked", path, { tab: { id: tabId }, frameId, url });

  it("sends a tab opened on the companion's share link to the page itself with its overlay on, and hands the page's overlay the view once", async () => {
    fakeBrowser.tabs.onUpdated.emit(5, { url: link });
    await vi.waitFor(() => expect(fakeBrowser.navigations).toEqual([{ tabId: 5, url: pageUrl }]));
    expect(shown).toEqual([[5, true]]);
    // The share page's own overlay, on before the tab leaves it, gets nothing and leaves the link for the page.
    expect(await ask(5, 0, link)).toBeNull();
    expect(await ask(5, 0, "http://127.0.0.1:8787/?path=%2Fdemo%2Fcheckout.html&band=desktop")).toBeNull();
    // A frame inside the page gets nothing; the page's own overlay gets the view, then no longer.
    expect(await ask(5, 3, pageUrl)).toBeNull();
    expect(await ask(5, 0, `${pageUrl}#reviews`)).toEqual(view);
    expect(await ask(5, 0, pageUrl)).toBeNull();
  });

  it("leaves other navigations, other hosts' /share and unusable links alone", async () => {
    fakeBrowser.tabs.onUpdated.emit(1, { url: "http://127.0.0.1:8787/?path=%2F" });
    fakeBrowser.tabs.onUpdated.emit(1, { url: link.replace("127.0.0.1:8787", "127.0.0.1:9999") });
    fakeBrowser.tabs.onUpdated.emit(1, { url: `${link}&window=5000` });
    fakeBrowser.tabs.onUpdated.emit(1, { status: "complete" });
    // A known navigation after them, so that the ones before have been handled when it is seen.
    fakeBrowser.tabs.onUpdated.emit(2, { url: link });
    await vi.waitFor(() => expect(fakeBrowser.navigations).toEqual([{ tabId: 2, url: pageUrl }]));
    expect(shown).toEqual([[2, true]]);
  });

  it("gives the view to the linked page only, and forgets a closed tab's link", async () => {
    fakeBrowser.tabs.onUpdated.emit(7, { url: link });
    fakeBrowser.tabs.onUpdated.emit(8, { url: link });
    await vi.waitFor(() => expect(fakeBrowser.navigations).toHaveLength(2));
    // Another page came first (the linked one redirected elsewhere): the link is spent.
    expect(await ask(7, 0, "http://127.0.0.1:8787/demo/")).toBeNull();
    expect(await ask(7, 0, pageUrl)).toBeNull();
    fakeBrowser.tabs.onRemoved.emit(8);
    await vi.waitFor(async () =>
      expect(await fakeBrowser.storage.session.get("sharedTabLinks")).toEqual({ sharedTabLinks: {} }),
    );
    expect(await ask(8, 0, pageUrl)).toBeNull();
  });

  it("opens a hash route's link on its route, whether its path is sent (%23) or a key's (#), and gives its view there", async () => {
    const views = "http://127.0.0.1:8787/demo/views";
    const sent = shareUrl("ws://127.0.0.1:8787", { ...view, path: "/demo/views/%23green" });
    const keyed = shareUrl("ws://127.0.0.1:8787", { ...view, path: "/app/#/cart?tab=1" });
    fakeBrowser.tabs.onUpdated.emit(3, { url: sent });
    fakeBrowser.tabs.onUpdated.emit(4, { url: keyed });
    await vi.waitFor(() => expect(fakeBrowser.navigations).toHaveLength(2));
    expect(fakeBrowser.navigations).toEqual([
      { tabId: 3, url: `${views}#green` },
      { tabId: 4, url: "http://127.0.0.1:8787/app?tab=1#/cart" },
    ]);
    expect(await ask(3, 0, `${views}#green`, "/demo/views/%23green")).toEqual({
      ...view,
      path: "/demo/views/%23green",
    });
    expect(await ask(4, 0, "http://127.0.0.1:8787/app/?tab=1#/cart", "/app/%23/cart")).toEqual({
      ...view,
      path: "/app/#/cart?tab=1",
    });
  });

  it("gives the view to a page its server sent on from the key's path (/shop to /shop/), not to another route", async () => {
    const shop = shareUrl("ws://127.0.0.1:8787", { ...view, path: "/shop" });
    fakeBrowser.tabs.onUpdated.emit(6, { url: shop });
    fakeBrowser.tabs.onUpdated.emit(9, { url: shop });
    await vi.waitFor(() => expect(fakeBrowser.navigations).toHaveLength(2));
    expect(fakeBrowser.navigations[0]).toEqual({ tabId: 6, url: "http://127.0.0.1:8787/shop" });
    expect(await ask(6, 0, "http://127.0.0.1:8787/shop/")).toEqual({ ...view, path: "/shop" });
    expect(await ask(9, 0, "http://127.0.0.1:8787/shop/#/cart", "/shop/%23/cart")).toBeNull();
  });
});
