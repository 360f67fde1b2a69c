/**
 * Which tab watches what. Each tab's overlay makes a subscription request;
 * the companion answers each request with the view it resolves to, and grids
 * arrive per view. Tabs making the same request share one request to the
 * companion; tabs whose requests resolve to one view (1280 and 1366 px, both
 * `desktop`) share its grids. The newest grid of each view some tab shows is
 * kept, so that a tab joining it paints at once. Pure: the background sends
 * what it is told to; no browser API is used here.
 */
import { requestId, type SubscriptionRequest, viewId, viewOf } from "../../protocol/subscription";
import type { Grid, Subscribed } from "../../protocol/wire";

export class TabViews {
  /** Each tab's request and, once the companion has answered it, its view (`viewId`). */
  private readonly tabs = new Map<number, { request: SubscriptionRequest; view: string | null }>();
  private readonly latest = new Map<string, Grid>();

  /**
   * A tab now watches `request` instead of what it watched before. Returns the
   * request to withdraw from the companion (no other tab makes it), and the
   * grid to show at once if another tab already has this request's view.
   */
  watch(tabId: number, request: SubscriptionRequest): { withdraw: SubscriptionRequest | null; grid: Grid | null } {
    const withdraw = this.unwatch(tabId);
    const id = requestId(request);
    const view = [...this.tabs.values()].find((t) => t.view && requestId(t.request) === id)?.view ?? null;
    this.tabs.set(tabId, { request, view });
    return { withdraw, grid: (view && this.latest.get(view)) || null };
  }

  /** A tab stops watching. Returns its request if no other tab makes it, to withdraw from the companion. */
  unwatch(tabId: number): SubscriptionRequest | null {
    const entry = this.tabs.get(tabId);
    if (!entry) return null;
    this.tabs.delete(tabId);
    const others = [...this.tabs.values()];
    if (entry.view && !others.some((t) => t.view === entry.view)) this.latest.delete(entry.view);
    const id = requestId(entry.request);
    return others.some((t) => requestId(t.request) === id) ? null : entry.request;
  }

  /** The companion resolved a request: the tabs new to its view, and the view's grid to show them if there is one. */
  subscribed(message: Subscribed): { tabs: number[]; grid: Grid | null } {
    const id = requestId(message.request);
    const view = viewId(viewOf(message));
    const joining: number[] = [];
    for (const [tabId, entry] of this.tabs) {
      if (requestId(entry.request) !== id) continue;
      if (entry.view !== view) joining.push(tabId);
      entry.view = view;
    }
    return { tabs: joining, grid: this.latest.get(view) ?? null };
  }

  /** The tabs to send a grid to; it is kept while some tab shows its view. */
  grid(grid: Grid): number[] {
    const view = viewId(viewOf(grid));
    const tabs = [...this.tabs].filter(([, entry]) => entry.view === view).map(([tabId]) => tabId);
    if (tabs.length > 0) this.latest.set(view, grid);
    return tabs;
  }
}
