/**
 * Grids to the overlays that watch them. Each frame's overlay sends its whole
 * set of watches ("overlay.watch"); the companion is told what to subscribe
 * and withdraw (`GridRoutes` decides), and each grid goes to exactly the
 * frames that watch its view. A frame that cannot take its grid (gone,
 * navigated away) drops its watches, and so does every frame of a tab that
 * closes or turns its overlay off.
 */
import browser from "webextension-polyfill";
import { onMessage, sendMessage, type Watch, WatchSet } from "../../protocol/messages";
import type { Grid, Subscribed } from "../../protocol/wire";
import { type Change, GridRoutes, type Watcher } from "./grid-routing";
import { listen, removeOnAbort } from "./listeners";

/** The companion's side of it: the link's subscriptions. */
export interface ViewSubscriptions {
  watch(request: Watch): void;
  unwatch(request: Watch): void;
}

export class OverlayRouting {
  private readonly routes = new GridRoutes();

  /** `companion` resolves to the current link (it changes when the user points Heatlens elsewhere). */
  constructor(private readonly companion: () => Promise<ViewSubscriptions>) {}

  /** Answers the overlays' messages and follows closing tabs until `signal` aborts. */
  listen(signal: AbortSignal): void {
    removeOnAbort(
      signal,
      onMessage("overlay.watch", ({ data, sender }) => {
        const watches = WatchSet.safeParse(data);
        const watcher = watcherOf(sender);
        if (!watches.success || !watcher) return;
        const change = this.routes.watch(watcher, watches.data);
        this.tell(change);
        for (const grid of change.grids) this.show(watcher, grid);
      }),
      onMessage("overlay.unwatch", ({ sender }) => {
        const watcher = watcherOf(sender);
        if (watcher) this.tell({ withdraw: this.routes.unwatch(watcher), subscribe: [] });
      }),
    );
    listen(browser.tabs.onRemoved, (tabId: number) => this.unwatchTab(tabId), signal);
  }

  /** The companion answered a request: frames new to its view get the view's grid now (it sends grids only when they change). */
  subscribed(message: Subscribed): void {
    const { watchers, grid } = this.routes.subscribed(message);
    if (grid) for (const watcher of watchers) this.show(watcher, grid);
  }

  grid(grid: Grid): void {
    for (const watcher of this.routes.grid(grid)) this.show(watcher, grid);
  }

  unwatchTab(tabId: number): void {
    this.tell({ withdraw: this.routes.unwatchTab(tabId), subscribe: [] });
  }

  private show(watcher: Watcher, grid: Grid): void {
    sendMessage("overlay.grid", grid, watcher).catch(() =>
      this.tell({ withdraw: this.routes.unwatch(watcher), subscribe: [] }),
    );
  }

  private tell({ withdraw, subscribe }: Omit<Change, "grids">): void {
    if (withdraw.length === 0 && subscribe.length === 0) return;
    void this.companion().then((link) => {
      for (const request of withdraw) link.unwatch(request);
      for (const request of subscribe) link.watch(request);
    });
  }
}

function watcherOf(sender: { tab?: { id?: number }; frameId?: number }): Watcher | null {
  const tabId = sender.tab?.id;
  return tabId === undefined ? null : { tabId, frameId: sender.frameId ?? 0 };
}
