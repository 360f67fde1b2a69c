/**
 * Fan-out: viewers subscribe to a view of a key (a window length and a number
 * of columns); each grid published on the bus is encoded once per view and
 * the same string is sent to every viewer of that view, whatever their number.
 * A viewer whose send buffer is over the limit skips updates (grids are whole,
 * so only the latest matters) and gets the latest one once it drains. A view
 * whose grid has not changed for a while is sent again (`refreshIdle`).
 */
import { type View, viewOf } from "../../../protocol/subscription";
import type { Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { Topics } from "../pipeline";
import { regrid } from "../window/regrid";

export interface Viewer {
  send(data: string): void;
  /** Bytes queued but not yet written to the socket. */
  readonly bufferedAmount: number;
}

export interface FanoutOptions {
  /** A viewer with more than this many bytes unsent skips updates. */
  maxViewerBufferBytes: number;
  maxSubscribersPerKey: number;
}

interface Subscription {
  cols: number;
  viewers: Map<Viewer, { stale: boolean }>;
  /** The latest encoded grid, for viewers that skipped it. */
  latest: string | null;
  /** When `latest` was last sent to all viewers, on the caller's clock. */
  sentAt: number;
}

export class Fanout {
  /** Subscriptions by key and window, then by columns. */
  private readonly subscriptions = new Map<string, Map<number, Subscription>>();
  private readonly unsubscribe: () => void;
  /** Updates not sent because a viewer was behind. */
  skipped = 0;

  constructor(
    private readonly bus: Bus<Topics>,
    private readonly options: FanoutOptions,
    private readonly now: () => number,
  ) {
    this.unsubscribe = bus.subscribe("grid", (grid) => this.deliver(grid));
  }

  /** Whether one more viewer may watch this key's window, at any number of columns. */
  hasRoom(key: string, windowMs: number): boolean {
    let viewers = 0;
    for (const sub of this.subscriptions.get(windowId(key, windowMs))?.values() ?? []) viewers += sub.viewers.size;
    return viewers < this.options.maxSubscribersPerKey;
  }

  /** Adds a viewer; check `hasRoom` first. */
  subscribe(viewer: Viewer, { key, windowMs, cols }: View): void {
    const id = windowId(key, windowMs);
    let byCols = this.subscriptions.get(id);
    if (!byCols) {
      byCols = new Map();
      this.subscriptions.set(id, byCols);
    }
    let sub = byCols.get(cols);
    if (sub?.viewers.has(viewer)) return;
    if (!sub) {
      sub = { cols, viewers: new Map(), latest: null, sentAt: 0 };
      byCols.set(cols, sub);
    }
    sub.viewers.set(viewer, { stale: true });
    // The window stage answers every new interest with the current grid.
    this.bus.publish("interest", { key, windowMs, watching: true });
  }

  unsubscribeViewer(viewer: Viewer, { key, windowMs, cols }: View): void {
    const id = windowId(key, windowMs);
    const byCols = this.subscriptions.get(id);
    const sub = byCols?.get(cols);
    if (!byCols || !sub?.viewers.delete(viewer)) return;
    this.bus.publish("interest", { key, windowMs, watching: false });
    if (sub.viewers.size > 0) return;
    byCols.delete(cols);
    if (byCols.size === 0) this.subscriptions.delete(id);
  }

  /** Sends a view's latest grid again to one of its viewers, which asked for the view once more. */
  resend(viewer: Viewer, { key, windowMs, cols }: View): void {
    const sub = this.subscriptions.get(windowId(key, windowMs))?.get(cols);
    const state = sub?.viewers.get(viewer);
    if (sub?.latest && state) this.sendTo(viewer, state, sub.latest);
  }

  /** Sends the latest grid to viewers that skipped it and have drained since. */
  flushStale(): void {
    for (const byCols of this.subscriptions.values()) {
      for (const sub of byCols.values()) {
        if (sub.latest === null) continue;
        for (const [viewer, state] of sub.viewers) {
          if (state.stale) this.sendTo(viewer, state, sub.latest);
        }
      }
    }
  }

  /**
   * Sends every view's latest grid again to all its viewers when it has not
   * been sent for `idleMs`: the grid is already encoded, so this costs one
   * send per viewer, and a viewer that hears nothing for longer knows its view
   * stalled (an idle page's grid does not change, so silence alone says nothing).
   */
  refreshIdle(now: number, idleMs: number): void {
    for (const byCols of this.subscriptions.values()) {
      for (const sub of byCols.values()) {
        if (sub.latest === null || now - sub.sentAt < idleMs) continue;
        sub.sentAt = now;
        for (const [viewer, state] of sub.viewers) this.sendTo(viewer, state, sub.latest);
      }
    }
  }

  get viewerCount(): number {
    let n = 0;
    for (const byCols of this.subscriptions.values()) for (const sub of byCols.values()) n += sub.viewers.size;
    return n;
  }

  close(): void {
    this.unsubscribe();
  }

  private deliver(grid: Grid): void {
    const { key, windowMs } = viewOf(grid);
    const byCols = this.subscriptions.get(windowId(key, windowMs));
    if (!byCols) return;
    const now = this.now();
    for (const sub of byCols.values()) {
      sub.latest = JSON.stringify(regrid(grid, sub.cols));
      sub.sentAt = now;
      for (const [viewer, state] of sub.viewers) this.sendTo(viewer, state, sub.latest);
    }
  }

  private sendTo(viewer: Viewer, state: { stale: boolean }, data: string): void {
    if (viewer.bufferedAmount > this.options.maxViewerBufferBytes) {
      if (!state.stale) this.skipped++;
      state.stale = true;
      return;
    }
    state.stale = false;
    viewer.send(data);
  }
}

function windowId(key: string, windowMs: number): string {
  return `${windowMs} ${key}`;
}
