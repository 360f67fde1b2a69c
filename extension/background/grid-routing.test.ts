import { describe, expect, it } from "vitest";
import type { SubscriptionRequest } from "../../protocol/subscription";
import type { Grid, Subscribed } from "../../protocol/wire";
import { testGrid } from "../../tests/support/grid";
import { GridRoutes, type Watcher } from "./grid-routing";

const SITE = "http://127.0.0.1:8787";
const at = (width: number): SubscriptionRequest => ({ origin: SITE, path: "/demo/", width });

function answer(request: SubscriptionRequest): Subscribed {
  return { type: "subscribed", request, origin: SITE, path: "/demo", band: "desktop", windowMs: 300_000, cols: 50 };
}

function grid(total: number, origin = SITE): Grid {
  return testGrid({ origin, path: "/demo", total, max: 1 });
}

const tab = (tabId: number, frameId = 0): Watcher => ({ tabId, frameId });

describe("GridRoutes", () => {
  it("routes one view's grids to tabs at two widths of its band, and keeps them live for the tab left", () => {
    const routes = new GridRoutes();
    expect(routes.watch(tab(1), [at(1280)])).toEqual({ withdraw: [], subscribe: [at(1280)], grids: [] });
    expect(routes.subscribed(answer(at(1280)))).toEqual({ watchers: [tab(1)], grid: null });
    expect(routes.grid(grid(3))).toEqual([tab(1)]);

    // A second tab at 1366 px: its own request, the same view, the view's grid as soon as it is answered.
    expect(routes.watch(tab(2), [at(1366)])).toEqual({ withdraw: [], subscribe: [at(1366)], grids: [] });
    expect(routes.subscribed(answer(at(1366)))).toEqual({ watchers: [tab(2)], grid: grid(3) });
    expect(routes.grid(grid(4))).toEqual([tab(1), tab(2)]);

    // Closing it withdraws its request only; the first tab still gets grids.
    expect(routes.unwatchTab(2)).toEqual([at(1366)]);
    expect(routes.grid(grid(5))).toEqual([tab(1)]);
    expect(routes.unwatchTab(1)).toEqual([at(1280)]);
    expect(routes.grid(grid(6))).toEqual([]);
  });

  it("subscribes once for watchers making the same request, and withdraws it with the last of them", () => {
    const routes = new GridRoutes();
    routes.watch(tab(1), [at(1280)]);
    routes.subscribed(answer(at(1280)));
    routes.grid(grid(2));
    // The twin (another tab's frame) paints at once from the kept grid, and nothing new is asked of the companion.
    expect(routes.watch(tab(2, 7), [at(1280)])).toEqual({ withdraw: [], subscribe: [], grids: [grid(2)] });
    expect(routes.unwatch(tab(1))).toEqual([]);
    expect(routes.grid(grid(3))).toEqual([tab(2, 7)]);
    expect(routes.unwatch(tab(2, 7))).toEqual([at(1280)]);
    // The kept grid went with its last watcher: a new one waits for the companion.
    expect(routes.watch(tab(3), [at(1280)]).grids).toEqual([]);
  });

  it("sends grids only to the frames that watch their view, not to the other frames of the tab", () => {
    const routes = new GridRoutes();
    const other = "http://frame.test:8787";
    routes.watch(tab(1, 0), [at(1280)]);
    routes.watch(tab(1, 3), [{ origin: other, path: "/demo/", width: 300 }]);
    routes.subscribed(answer(at(1280)));
    routes.subscribed({
      ...answer({ origin: other, path: "/demo/", width: 300 }),
      origin: other,
      band: "phone",
    });
    expect(routes.grid(grid(1))).toEqual([tab(1, 0)]);
    expect(routes.grid({ ...grid(1, other), band: { id: "phone", min: 0, max: 599 } })).toEqual([tab(1, 3)]);
    // Closing the tab drops both frames' watches.
    expect(routes.unwatchTab(1)).toEqual([at(1280), { origin: other, path: "/demo/", width: 300 }]);
  });

  it("replaces a frame's whole set: keeps what stays, withdraws what it dropped, subscribes what it added", () => {
    const routes = new GridRoutes();
    const phone = at(400);
    routes.watch(tab(1), [at(1280), phone]);
    routes.subscribed(answer(at(1280)));
    routes.grid(grid(2));
    const wider = { ...at(1280), windowMs: 10_000 };
    expect(routes.watch(tab(1), [at(1280), wider])).toEqual({ withdraw: [phone], subscribe: [wider], grids: [] });
    // What it kept still routes: its view was not forgotten.
    expect(routes.grid(grid(3))).toEqual([tab(1)]);
    expect(routes.unwatch(tab(1))).toEqual([at(1280), wider]);
  });

  it("asks the companion again for a set sent again unchanged (a stale view), without resending a kept grid", () => {
    const routes = new GridRoutes();
    routes.watch(tab(1), [at(1280)]);
    routes.subscribed(answer(at(1280)));
    routes.grid(grid(2));
    expect(routes.watch(tab(1), [at(1280)])).toEqual({ withdraw: [at(1280)], subscribe: [at(1280)], grids: [] });
    expect(routes.subscribed(answer(at(1280)))).toEqual({ watchers: [], grid: grid(2) });
    expect(routes.grid(grid(3))).toEqual([tab(1)]);
  });

  it("never routes another site's grid of the same path", () => {
    const routes = new GridRoutes();
    routes.watch(tab(1), [at(1280)]);
    routes.subscribed(answer(at(1280)));
    expect(routes.grid(grid(1, "http://localhost:8787"))).toEqual([]);
  });

  it("forgets a watcher that sends an empty set", () => {
    const routes = new GridRoutes();
    routes.watch(tab(1), [at(1280)]);
    expect(routes.watch(tab(1), [])).toEqual({ withdraw: [at(1280)], subscribe: [], grids: [] });
    expect(routes.unwatchTab(1)).toEqual([]);
  });
});
