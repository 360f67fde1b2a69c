// @vitest-environment happy-dom
import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Watch } from "../../protocol/messages";
import type { ShareView } from "../../protocol/share-link";
import type { Grid } from "../../protocol/wire";
import { testGrid } from "../../tests/support/grid";
import { fakeBrowser } from "../testing/fake-browser";
import { OverlayView } from "./overlay-view";

const BANDS = [
  { id: "phone", min: 0, max: 599 },
  { id: "desktop", min: 600, max: null },
];

const grid = (band: Grid["band"], part: Partial<Grid>): Grid => testGrid({ origin: location.origin, band, ...part });

/** Every `overlay.watch` the overlay sends to the background, and the rectangles it fills. */
let watches: Watch[][] = [];
/** What `overlay.linked` answers (the share link's view), and the history asked for. */
let linked: ShareView | null = null;
let histories: unknown[] = [];
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
    histories = [];
    Object.assign(fakeBrowser.runtime, {
      sendMessage: (message: { type: string; data: unknown }, respond: (r: unknown) => void) => {
        if (message.type === "overlay.watch") watches.push(message.data as Watch[]);
        if (message.type === "overlay.history") histories.push(message.data);
        const answers: Record<string, unknown> = {
          "overlay.linked": linked,
          "overlay.history": { ok: false, code: "E_STORAGE", reason: "no history in this test" },
        };
        respond({ res: answers[message.type] ?? null });
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
    expect(fills.find(([x, y]) => x === 100 && y === 200)).toEqual([100, 200, 10, 5]);
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
    linked = {
      origin: location.origin,
      path: "/",
      band: "desktop",
      time: { kind: "window", ms: 60_000 },
      layer: "document",
      points: "clicks",
      mode: "tiles",
    };
    view = new OverlayView();
    const own = await until(() => {
      const last = watches.at(-1);
      return last?.[0]?.windowMs === 60_000 ? last : undefined;
    }, "the linked page grid in the linked window");
    expect(own[0]?.width).toBe(1280);
    expect(await fakeBrowser.storage.local.get("overlayPrefs")).toEqual({});
    view.dispose();

    linked = { ...linked, time: { kind: "range", from: 1_000_000, to: 4_600_000 } };
    view = new OverlayView();
    const asked = await until(() => histories[0], "the linked range from history");
    expect(asked).toMatchObject({ origin: location.origin, path: "/", width: 1280, from: 1_000_000, to: 4_600_000 });
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

    linked = {
      origin: location.origin,
      path: "/",
      band: "phone",
      time: { kind: "window", ms: 300_000 },
      layer: "document",
      points: null,
      mode: "tiles",
    };
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
