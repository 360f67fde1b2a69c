/**
 * Fan-out: viewers subscribe to a key's window; each grid published on the bus
 * is encoded once and the same string is sent to every viewer of that key.
 * A viewer whose send buffer is over the limit skips updates (grids are whole,
 * so only the latest matters) and gets the latest one once it drains.
 */
import type { Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import { makeKey, type Topics } from "../pipeline";

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
  key: string;
  windowMs: number;
  viewers: Map<Viewer, { stale: boolean }>;
  /** The latest encoded grid, for viewers that skipped it. */
  latest: string | null;
}

export class Fanout {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly unsubscribe: () => void;
  /** Updates not sent because a viewer was behind. */
  skipped = 0;

  constructor(
    private readonly bus: Bus<Topics>,
    private readonly options: FanoutOptions,
  ) {
    this.unsubscribe = bus.subscribe("grid", (grid) => this.deliver(grid));
  }

  /** Whether one more viewer may watch this key's window. */
  hasRoom(key: string, windowMs: number): boolean {
    const sub = this.subscriptions.get(subscriptionId(key, windowMs));
    return !sub || sub.viewers.size < this.options.maxSubscribersPerKey;
  }

  /** Adds a viewer; check `hasRoom` first. */
  subscribe(viewer: Viewer, key: string, windowMs: number): void {
    const id = subscriptionId(key, windowMs);
    let sub = this.subscriptions.get(id);
    if (sub?.viewers.has(viewer)) return;
    if (!sub) {
      sub = { key, windowMs, viewers: new Map(), latest: null };
      this.subscriptions.set(id, sub);
    }
    sub.viewers.set(viewer, { stale: true });
    // The window stage answers every new interest with the current grid.
    this.bus.publish("interest", { key, windowMs, watching: true });
  }

  unsubscribeViewer(viewer: Viewer, key: string, windowMs: number): void {
    const id = subscriptionId(key, windowMs);
    const sub = this.subscriptions.get(id);
    if (!sub?.viewers.delete(viewer)) return;
    this.bus.publish("interest", { key, windowMs, watching: false });
    if (sub.viewers.size === 0) this.subscriptions.delete(id);
  }

  /** Sends the latest grid to viewers that skipped it and have drained since. */
  flushStale(): void {
    for (const sub of this.subscriptions.values()) {
      if (sub.latest === null) continue;
      for (const [viewer, state] of sub.viewers) {
        if (state.stale) this.sendTo(viewer, state, sub.latest);
      }
    }
  }

  get viewerCount(): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) n += sub.viewers.size;
    return n;
  }

  close(): void {
    this.unsubscribe();
  }

  private deliver(grid: Grid): void {
    const sub = this.subscriptions.get(subscriptionId(makeKey(grid.band.id, grid.path), grid.windowMs));
    if (!sub) return;
    sub.latest = JSON.stringify(grid);
    for (const [viewer, state] of sub.viewers) this.sendTo(viewer, state, sub.latest);
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

function subscriptionId(key: string, windowMs: number): string {
  return `${windowMs} ${key}`;
}
