/**
 * Which frame watches what. A watcher is one frame of one tab (each frame's
 * overlay paints its own document); it holds a set of subscription requests
 * (its overlay may watch one per width band), each replaced as a whole. The
 * companion answers each request with the view it resolves to, and grids
 * arrive per view. Watchers making the same request share one subscription
 * at the companion, withdrawn with the last of them; watchers whose requests
 * resolve to one view (1280 and 1366 px, both `desktop`) share its grids. The
 * newest grid of each watched view is kept, so that a watcher joining it
 * paints at once. Pure: the background sends what it is told to; no browser
 * API is used here.
 */
import { requestId, type SubscriptionRequest, viewId, viewOf } from "../../protocol/subscription";
import type { Grid, Subscribed } from "../../protocol/wire";

/** One frame of one tab (frame 0 is the page itself). */
export interface Watcher {
  tabId: number;
  frameId: number;
}

/** What the companion must be told, and what a watcher gets at once. */
export interface Change {
  /** Requests no watcher makes any more: unsubscribe them. Sent before `subscribe`. */
  withdraw: SubscriptionRequest[];
  /** Requests to subscribe at the companion: new to it, or asked again. */
  subscribe: SubscriptionRequest[];
  /** Kept grids of views the watcher just joined. */
  grids: Grid[];
}

interface Entry {
  request: SubscriptionRequest;
  /** The view the companion resolved the request to (`viewId`), once it has answered. */
  view: string | null;
}

const watcherKey = (w: Watcher) => `${w.tabId}:${w.frameId}`;

export class GridRoutes {
  private readonly watchers = new Map<string, { watcher: Watcher; entries: Map<string, Entry> }>();
  private readonly latest = new Map<string, Grid>();

  /**
   * `watcher` now watches exactly `requests` (none: it stops). A request it
   * keeps stays subscribed; one it drops is withdrawn unless another watcher
   * makes it. The very set it already holds, sent again, asks the companion
   * again for all of it (an overlay does that when its view went stale: the
   * companion may have lost the subscription).
   */
  watch(watcher: Watcher, requests: readonly SubscriptionRequest[]): Change {
    const key = watcherKey(watcher);
    const before = this.watchers.get(key)?.entries ?? new Map<string, Entry>();
    const wanted = new Map(requests.map((r) => [requestId(r), r]));
    if (wanted.size > 0 && sameKeys(before, wanted)) {
      const again = [...before.values()].map((e) => e.request);
      return { withdraw: again, subscribe: again, grids: [] };
    }
    this.watchers.delete(key);
    const withdraw = [...before.keys()].filter((id) => !wanted.has(id) && !this.requested(id)).map(requestOf(before));
    const subscribe: SubscriptionRequest[] = [];
    const grids = new Map<string, Grid>();
    const entries = new Map<string, Entry>();
    for (const [id, request] of wanted) {
      const kept = before.get(id);
      const view = kept?.view ?? this.viewOf(id);
      if (!kept && !this.requested(id)) subscribe.push(request);
      const grid = !kept && view ? this.latest.get(view) : undefined;
      if (view && grid) grids.set(view, grid);
      entries.set(id, { request, view });
    }
    if (entries.size > 0) this.watchers.set(key, { watcher, entries });
    this.forgetUnwatchedViews();
    return { withdraw, subscribe, grids: [...grids.values()] };
  }

  /** A watcher stops watching. Returns the requests no other watcher makes, to withdraw. */
  unwatch(watcher: Watcher): SubscriptionRequest[] {
    return this.watch(watcher, []).withdraw;
  }

  /** Every frame of a tab stops watching (the tab closed, or its overlay was turned off). */
  unwatchTab(tabId: number): SubscriptionRequest[] {
    const frames = [...this.watchers.values()].filter((w) => w.watcher.tabId === tabId).map((w) => w.watcher);
    return frames.flatMap((watcher) => this.unwatch(watcher));
  }

  /** The companion resolved a request: the watchers new to its view, and the view's grid to show them if there is one. */
  subscribed(message: Subscribed): { watchers: Watcher[]; grid: Grid | null } {
    const id = requestId(message.request);
    const view = viewId(viewOf(message));
    const joining: Watcher[] = [];
    for (const { watcher, entries } of this.watchers.values()) {
      const entry = entries.get(id);
      if (!entry) continue;
      if (entry.view !== view) joining.push(watcher);
      entry.view = view;
    }
    this.forgetUnwatchedViews();
    return { watchers: joining, grid: this.latest.get(view) ?? null };
  }

  /** The watchers to send a grid to; it is kept while some watcher shows its view. */
  grid(grid: Grid): Watcher[] {
    const view = viewId(viewOf(grid));
    const to = [...this.watchers.values()]
      .filter(({ entries }) => [...entries.values()].some((e) => e.view === view))
      .map((w) => w.watcher);
    if (to.length > 0) this.latest.set(view, grid);
    return to;
  }

  private requested(id: string): boolean {
    return [...this.watchers.values()].some(({ entries }) => entries.has(id));
  }

  private viewOf(id: string): string | null {
    for (const { entries } of this.watchers.values()) {
      const view = entries.get(id)?.view;
      if (view) return view;
    }
    return null;
  }

  private forgetUnwatchedViews(): void {
    const shown = new Set<string | null>();
    for (const { entries } of this.watchers.values()) for (const e of entries.values()) shown.add(e.view);
    for (const view of this.latest.keys()) if (!shown.has(view)) this.latest.delete(view);
  }
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  return a.size === b.size && [...a.keys()].every((k) => b.has(k));
}

const requestOf = (entries: Map<string, Entry>) => (id: string) => (entries.get(id) as Entry).request;
