import { describe, expect, it } from "vitest";
import { noSideHeat } from "../../protocol/anchor";
import type { SubscriptionRequest } from "../../protocol/subscription";
import type { Grid, Subscribed } from "../../protocol/wire";
import { TabViews } from "./tab-views";

const SITE = "http://127.0.0.1:8787";
const at = (width: number): SubscriptionRequest => ({ origin: SITE, path: "/demo/", width });

function answer(request: SubscriptionRequest): Subscribed {
  return { type: "subscribed", request, origin: SITE, path: "/demo", band: "desktop", windowMs: 300_000, cols: 50 };
}

function grid(total: number, origin = SITE): Grid {
  return {
    type: "grid",
    ...noSideHeat(),
    origin,
    path: "/demo",
    band: { id: "desktop", min: 1024, max: 1439 },
    windowMs: 300_000,
    cols: 50,
    rows: 0,
    tile: { size: 0.02, unit: "layout-width" },
    start: 0,
    end: 300_000,
    total,
    max: 1,
    cells: [],
    fixed: [],
  };
}

describe("TabViews", () => {
  it("routes one view's grids to tabs at two widths of its band, and keeps them live for the tab left", () => {
    const views = new TabViews();
    views.watch(1, at(1280));
    expect(views.subscribed(answer(at(1280)))).toEqual({ tabs: [1], grid: null });
    expect(views.grid(grid(3))).toEqual([1]);

    // A second tab at 1366 px: its own request, the same view, the view's grid as soon as it is answered.
    expect(views.watch(2, at(1366))).toEqual({ withdraw: null, grid: null });
    expect(views.subscribed(answer(at(1366)))).toEqual({ tabs: [2], grid: grid(3) });
    expect(views.grid(grid(4))).toEqual([1, 2]);

    // Closing it withdraws its request only; the first tab still gets grids.
    expect(views.unwatch(2)).toEqual(at(1366));
    expect(views.grid(grid(5))).toEqual([1]);
    expect(views.unwatch(1)).toEqual(at(1280));
    expect(views.grid(grid(6))).toEqual([]);
  });

  it("makes one request for tabs making the same one, withdrawn with the last of them", () => {
    const views = new TabViews();
    views.watch(1, at(1280));
    views.subscribed(answer(at(1280)));
    views.grid(grid(2));
    // The twin paints at once from the kept grid.
    expect(views.watch(2, at(1280))).toEqual({ withdraw: null, grid: grid(2) });
    expect(views.unwatch(1)).toBeNull();
    expect(views.grid(grid(3))).toEqual([2]);
    expect(views.unwatch(2)).toEqual(at(1280));
  });

  it("withdraws what a tab watched before when it watches something else", () => {
    const views = new TabViews();
    views.watch(1, at(1280));
    expect(views.watch(1, { ...at(1280), windowMs: 10_000 })).toEqual({ withdraw: at(1280), grid: null });
  });

  it("never routes another site's grid of the same path", () => {
    const views = new TabViews();
    views.watch(1, at(1280));
    views.subscribed(answer(at(1280)));
    expect(views.grid(grid(1, "http://localhost:8787"))).toEqual([]);
  });
});
