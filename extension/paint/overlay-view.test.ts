// @vitest-environment happy-dom
import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Watch } from "../../protocol/messages";
import type { ShareView } from "../../protocol/share-link";
import type { Grid } from "../../protocol/wire";
import { testGrid } from "../../tests/support/grid";
import { testShareView } from "../../tests/support/share-view";
import { fakeBrowser } from "../testing/fake-browser";
import { MIN_TILE_PX } from "./anchored";
import { OverlayView } from "./overlay-view";

const BANDS = [
  { id: "phone", min: 0, max: 599 },
  { id: "desktop", min: 600, max: null },
];

const grid = (band: Grid["band"], part: Partial<Grid>): Grid => testGrid({ origin: location.origin, band, ...part });

/** A share link's view of this page, with `part` over it. */
const shareView = (part: Partial<ShareView>): ShareView => testShareView({ origin: location.origin, ...part });

/** Every `overlay.watch` the overlay sends to the background, and the rectangles it fills. */
let watches: Watch[][] = [];
/** What `overlay.linked` answers (the share link's view), and the history asked for. */
let linked: ShareView | null = null;
/** While set, `overlay.linked` is answered only once it resolves; whether it was asked. */
let linkedHeld: Promise<void> | null = null;
let linkedAsked = false;
let histories: unknown[] = [];
/** The comparisons asked for, and the time of each ask. */
let compares: { request: Record<string, unknown>; at: number }[] = [];
let fills: [number, number, number, number][] = [];

function until<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const value = read();
      if (value !== undefined) resolve(value);
      else if (Date.now() > deadline) reject(new Error(`${what}: not within 3 s`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("overlay view", () => {
  let view: OverlayView | null = null;

  beforeEach(async () => {
    fakeBrowser.reset();
    watches = [];
    fills = [];
    linked = null;
    linkedHeld = null;
    linkedAsked = false;
    histories = [];
    compares = [];
    Object.assign(fakeBrowser.runtime, {
      sendMessage: (message: { type: string; data: unknown }, respond: (r: unknown) => void) => {
        if (message.type === "overlay.watch") watches.push(message.data as Watch[]);
        if (message.type === "overlay.history") histories.push(message.data);
        if (message.type === "overlay.compare")
          compares.push({ request: message.data as Record<string, unknown>, at: Date.now() });
        const side = (set: string) => ({ set, from: 0, to: 1, grid: grid(BANDS[1] as Grid["band"], {}) });
        const test = { name: "z", alpha: 0.05, minCount: 10, dispersion: 1, tested: compares.length, flagged: 0 };
        const answers: Record<string, unknown> = {
          "overlay.linked": linked,
          "overlay.history": { ok: false, code: "E_STORAGE", reason: "no history in this test" },
          "overlay.tags": {
            ok: true,
            tags: { builds: [], testers: [{ label: "ana", points: 5, first: 0, last: 1 }] },
            me: "ana",
          },
          "overlay.compare": {
            ok: true,
            comparison: {
              type: "comparison",
              layer: "points",
              a: side("tester:ana"),
              b: side("rest:ana"),
              test,
              elements: [],
            },
          },
        };
        if (message.type === "overlay.linked") linkedAsked = true;
        if (message.type === "overlay.linked" && linkedHeld) void linkedHeld.then(() => respond({ res: linked }));
        else respond({ res: answers[message.type] ?? null });
      },
    });
    HTMLCanvasElement.prototype.getContext = (() => ({
      canvas: document.createElement("canvas"),
      setTransform: () => undefined,
      clearRect: () => undefined,
      fillRect: (x: number, y: number, w: number, h: number) => fills.push([x, y, w, h]),
    })) as unknown as HTMLCanvasElement["getContext"];
    Object.defineProperty(document.documentElement, "clientWidth", { value: 1280, configurable: true });
    Object.defineProperty(document.documentElement, "clientHeight", { value: 800, configurable: true });
    document.body.innerHTML = `<button id="buy">Buy</button>`;
    const buy = document.getElementById("buy") as Element;
    buy.getBoundingClientRect = () => ({ left: 100, top: 200, width: 80, height: 40 }) as DOMRect;
    await fakeBrowser.storage.local.set({
      companionGrid: {
        cols: 50,
        colsChoices: [1, 2, 5, 10, 25, 50],
        hopMs: 250,
        refreshMs: 2000,
        windowsMs: [300_000],
        defaultWindowMs: 300_000,
        bands: BANDS,
        keepQuery: [],
      },
    });
  });

  afterEach(() => {
    view?.dispose();
    view = null;
  });

  it("watches every width band for heat on elements, sums each element's heat over them, and names all widths", async () => {
    view = new OverlayView();
    const set = await until(() => watches.find((w) => w.length === 2), "a watch per band");
    expect(set.map((w) => w.width)).toEqual([1280, 1]);
    const desktop = grid(BANDS[1] as Grid["band"], {
      total: 3,
      anchors: [{ s: "#buy", cells: [0, 3, 0], moves: 3, clicks: 0 }],
    });
    const phone = grid(BANDS[0] as Grid["band"], {
      total: 2,
      clicks: 1,
      anchors: [{ s: "#buy", cells: [0, 1, 1], moves: 1, clicks: 1 }],
    });
    view.show(desktop);
    view.show(phone);
    const summary = await until(() => {
      const s = view?.summary();
      return s?.legend.includes("all widths") ? s : undefined;
    }, "the legend");
    expect(summary.legend).toContain("elements, all widths · last 5 min · 5 points · moves and clicks");
    expect(summary.total).toBe(5);
    // The element's top-left tile, in its box.
    await until(() => (fills.some(([x, y]) => x === 100 && y === 200) ? true : undefined), "the element's tile");
    expect(fills.find(([x, y]) => x === 100 && y === 200)).toEqual([100, 200, 10, MIN_TILE_PX]);
  });

  it("counts the points on elements this page lacks, and paints its own band's page grid, still watching every band", async () => {
    view = new OverlayView();
    await until(() => watches.find((w) => w.length === 2), "a watch per band");
    view.show(
      grid(BANDS[1] as Grid["band"], { total: 4, anchors: [{ s: "#gone", cells: [0, 4, 0], moves: 4, clicks: 0 }] }),
    );
    const legend = await until(() => {
      const text = view?.summary()?.legend;
      return text?.includes("not on this page") ? text : undefined;
    }, "the missing count");
    expect(legend).toContain("4 points on elements not on this page");
    await fakeBrowser.storage.local.set({ overlayPrefs: { mode: "tiles" } });
    await until(() => (view?.summary()?.legend.includes("desktop (≥ 600 px)") ? true : undefined), "the page grid");
    expect(watches.at(-1)?.map((w) => w.width)).toEqual([1280, 1]);
  });

  it("takes its tab's share link view over the stored prefs without storing it, and shows a linked past range", async () => {
    const stored = await fakeBrowser.storage.local.get("companionGrid");
    await fakeBrowser.storage.local.set({
      companionGrid: { ...(stored.companionGrid as object), windowsMs: [60_000, 300_000] },
    });
    linked = shareView({ band: "desktop", time: { kind: "window", ms: 60_000 }, points: "clicks", mode: "tiles" });
    view = new OverlayView();
    const own = await until(() => {
      const last = watches.at(-1);
      return last?.[0]?.windowMs === 60_000 ? last : undefined;
    }, "the linked page grid in the linked window");
    expect(own[0]?.width).toBe(1280);
    // No other view first: the link's is the first watched.
    expect(watches.map((w) => w[0]?.windowMs)).toEqual([60_000]);
    expect(await fakeBrowser.storage.local.get("overlayPrefs")).toEqual({});
    view.dispose();

    linked = { ...linked, time: { kind: "range", from: 1_000_000, to: 4_600_000 } };
    view = new OverlayView();
    const asked = await until(() => histories[0], "the linked range from history");
    expect(asked).toMatchObject({ origin: location.origin, path: "/", width: 1280, from: 1_000_000, to: 4_600_000 });
  });

  it("shows its panel only from its first view on: hidden while a share link's answer is awaited", async () => {
    let release: () => void = () => undefined;
    linkedHeld = new Promise((resolve) => {
      release = resolve;
    });
    linked = shareView({ band: "desktop", points: "clicks", mode: "tiles" });
    // The overlay's shadow root is closed: its host's root is kept here as it is made.
    const attach = HTMLElement.prototype.attachShadow;
    let root: ShadowRoot | null = null;
    HTMLElement.prototype.attachShadow = function (this: HTMLElement, init: ShadowRootInit) {
      root = attach.call(this, init);
      return root;
    };
    try {
      view = new OverlayView();
    } finally {
      HTMLElement.prototype.attachShadow = attach;
    }
    const panel = (root as ShadowRoot | null)?.querySelector<HTMLElement>(".panel");
    if (!panel) throw new Error("the overlay built no panel");
    // The link is asked for once the companion's facts are read from storage; its answer is held.
    await until(() => (linkedAsked ? true : undefined), "the share link's view asked");
    expect(panel.hidden).toBe(true);
    expect(watches).toEqual([]);
    release();
    await until(() => (panel.hidden ? undefined : true), "the panel shown");
    expect(watches.map((w) => w[0]?.windowMs)).toEqual([300_000]);
  });

  it("opens its tab's linked comparison as Me vs the rest, asked again with the live heat at most once a refresh, until closed", async () => {
    const stored = await fakeBrowser.storage.local.get("companionGrid");
    // A refresh shorter than the least wait: asked again at most once a second.
    await fakeBrowser.storage.local.set({ companionGrid: { ...(stored.companionGrid as object), refreshMs: 100 } });
    linked = shareView({
      compare: {
        a: { kind: "tester", label: "ana" },
        b: { kind: "rest", label: "ana" },
        aSpan: { kind: "all" },
        bSpan: { kind: "all" },
      },
    });
    view = new OverlayView();
    const first = await until(() => compares[0], "the linked comparison");
    // Everything kept: no range on either side.
    expect(first.request).toMatchObject({ a: "tester:ana", b: "rest:ana" });
    expect(Object.keys(first.request).filter((key) => /from|to/i.test(key))).toEqual([]);
    const shown = view;
    const legend = await until(() => {
      const text = shown.summary()?.legend;
      return text?.includes("Compare: Me vs the rest") ? text : undefined;
    }, "the Compare row");
    expect(legend).toContain("A: tester:ana (blue) · B: rest:ana (orange) · all history kept · 1 element tested");

    // Live grids every 50 ms for 1.5 s: asked again (once, unless the machine is slow), at least a second apart,
    // and the newest answer painted.
    const live = () => shown.show(grid(BANDS[1] as Grid["band"], { total: 1 }));
    const feed = setInterval(live, 50);
    try {
      await until(() => (Date.now() - first.at >= 1500 ? true : undefined), "1.5 s of live grids");
      const elapsed = Date.now() - first.at;
      expect(compares.length).toBeGreaterThanOrEqual(2);
      expect(compares.length).toBeLessThanOrEqual(1 + Math.floor(elapsed / 1000));
      for (let i = 1; i < compares.length; i++)
        expect((compares[i]?.at ?? 0) - (compares[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(shown.summary()?.legend).toContain(`${compares.length} elements tested`);
      // Closed: no more asks, whatever grids come.
      shown.dispose();
      const asked = compares.length;
      const closedAt = Date.now();
      await until(() => (Date.now() - closedAt >= 1100 ? true : undefined), "1.1 s more of live grids");
      expect(compares.length).toBe(asked);
    } finally {
      clearInterval(feed);
    }
  });

  it("offers another band when its own has no points, and paints a linked band at the viewer's width with a warning", async () => {
    const PHONE = BANDS[0] as Grid["band"];
    const DESKTOP = BANDS[1] as Grid["band"];
    const phone = grid(PHONE, { total: 6, cells: [3, 4, 6], max: 6 });
    await fakeBrowser.storage.local.set({ overlayPrefs: { mode: "tiles" } });
    view = new OverlayView();
    await until(() => watches.find((w) => w.length === 2), "a watch per band");
    view.show(grid(DESKTOP, {}));
    view.show(phone);
    const offered = await until(() => {
      const text = view?.summary()?.legend;
      return text?.includes("No points") && text.includes("desktop (") ? text : undefined;
    }, "the offer with the page grid");
    expect(offered).toContain("desktop (≥ 600 px) · last 5 min · 0 points");
    expect(offered).toContain("No points at your width (desktop); phone has 6");
    view.dispose();

    linked = shareView({ band: "phone", mode: "tiles" });
    view = new OverlayView();
    await until(() => watches.find((w) => w.length === 2), "a watch per band");
    const shown = view;
    await until(() => {
      shown.show(grid(DESKTOP, {}));
      shown.show(phone);
      return shown.summary()?.band === "phone" ? true : undefined;
    }, "the linked band");
    const summary = view.summary();
    expect(summary?.legend).toContain("phone (0–599 px) · last 5 min · 6 points");
    expect(summary?.legend).toContain("showing phone heat at 1280 px: the layout may differ");
    expect(summary?.legend).not.toContain("No points");
    // Scaled to the viewer's width: a tile is 1280 / 50 px, so tile (3, 4) starts at (76.8, 102.4).
    const near = (a: number, b: number) => Math.abs(a - b) < 0.01;
    await until(
      () => (fills.some(([x, y, w]) => near(x, 76.8) && near(y, 102.4) && near(w, 25.6)) ? true : undefined),
      "the phone tile",
    );
    view.dispose();

    linked = { ...linked, time: { kind: "range", from: 1_000_000, to: 4_600_000 } };
    view = new OverlayView();
    const asked = await until(() => histories[0], "the linked band's range from history");
    expect(asked).toMatchObject({ width: 1, from: 1_000_000, to: 4_600_000 });
  });
});
