/**
 * The browser's one connection to the companion. Says hello, sends batches in
 * order and keeps each until it is acknowledged, resends them after a
 * reconnect (the companion ignores a batch it already has), re-subscribes the
 * watched pages, tells whether capture is paused here (for the testers list) after
 * each welcome and on each change, pings so that Chrome keeps the service worker alive, and
 * reconnects with exponential backoff and full jitter. When a connection
 * closes or fails to open it asks `diagnose` why, and keeps that answer
 * through the retries until one succeeds or finds another. No browser API is used but
 * WebSocket and timers, so the class runs in Node tests as it is.
 */
import type { LinkProblem, LinkStatus } from "../../protocol/messages";
import { requestId, type SubscriptionRequest } from "../../protocol/subscription";
import {
  type Batch,
  ErrorCode,
  type Grid,
  type PagePoints,
  PROTOCOL_VERSION,
  ServerMessage,
  type Status,
  type Subscribed,
  type Welcome,
} from "../../protocol/wire";

export interface LinkOptions {
  url: string;
  clientId: string;
  name?: string;
  /** Bearer token, sent as a websocket subprotocol. */
  token?: string;
  /** First reconnect delay; doubles up to `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Chrome ends an idle service worker after 30 s; traffic every 20 s keeps it. */
  keepaliveMs?: number;
  /** Delay before resending a batch the companion asked to retry. */
  retryMs?: number;
  WebSocket?: typeof WebSocket;
  random?: () => number;
  /** Why the companion refused or did not answer (probe.ts); without it a failure stays `closed`. */
  diagnose?: (url: string, token: string) => Promise<{ state: LinkProblem | "closed"; reason: string }>;
}

export interface LinkEvents {
  /** The companion acknowledged a batch, or refused it for good: it can be forgotten. */
  settled(seq: number, outcome: "acked" | "rejected"): void;
  grid(grid: Grid): void;
  subscribed(message: Subscribed): void;
  status(status: LinkStatus): void;
  welcome(welcome: Welcome): void;
}

interface Pending {
  seq: number;
  pages: PagePoints[];
  /** Sent on the current connection and not yet answered. */
  inFlight: boolean;
  /** Made in this link's life and never transmitted: its first transmission says so. */
  unsent: boolean;
}

type Watch = SubscriptionRequest;

export class CompanionLink {
  private ws: WebSocket | null = null;
  private ready = false;
  private closed = false;
  private attempt = 0;
  /** Welcomes so far: a diagnosis started before the latest one is stale. */
  private welcomes = 0;
  /** The status holds a diagnosis, which says more than `connecting` or a close code until the next welcome. */
  private explained = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly outbox: Pending[] = [];
  private readonly watches = new Map<string, Watch>();
  /** Whether capture is paused in this browser; null until the background says. */
  private paused: boolean | null = null;
  private readonly status: LinkStatus;
  private readonly options: Required<Omit<LinkOptions, "name" | "token" | "diagnose">> &
    Pick<LinkOptions, "name" | "token" | "diagnose">;

  constructor(
    options: LinkOptions,
    private readonly events: Partial<LinkEvents> = {},
  ) {
    this.options = {
      minBackoffMs: 500,
      maxBackoffMs: 30_000,
      keepaliveMs: 20_000,
      retryMs: 2_000,
      WebSocket: globalThis.WebSocket,
      random: Math.random,
      ...options,
    };
    this.status = { url: options.url, state: "connecting", lastError: null, queued: 0, acked: 0, rejected: 0 };
    this.connect();
  }

  /**
   * Queues a batch; it is sent now if connected, else after the next hello.
   * `fresh`: the batch was just made, so no companion can have it yet (one
   * read back from storage may have been sent before this link's life).
   */
  send(seq: number, pages: PagePoints[], fresh = false): void {
    if (this.outbox.some((p) => p.seq === seq)) return;
    const pending: Pending = { seq, pages, inFlight: false, unsent: fresh };
    this.outbox.push(pending);
    this.updateStatus({ queued: this.outbox.length });
    if (this.ready) this.transmit(pending);
  }

  /** Stops sending a batch (evicted from a full outbox). */
  drop(seq: number): void {
    const index = this.outbox.findIndex((p) => p.seq === seq);
    if (index === -1) return;
    this.outbox.splice(index, 1);
    this.updateStatus({ queued: this.outbox.length });
  }

  watch(watch: Watch): void {
    const id = requestId(watch);
    if (this.watches.has(id)) return;
    this.watches.set(id, watch);
    if (this.ready) this.write({ type: "subscribe", ...watch });
  }

  unwatch(watch: Watch): void {
    if (!this.watches.delete(requestId(watch))) return;
    if (this.ready) this.write({ type: "unsubscribe", ...watch });
  }

  /** Capture was paused or resumed in this browser: the companion is told now, and after every welcome. */
  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (this.ready) this.sendStatus();
  }

  get capturePaused(): boolean | null {
    return this.paused;
  }

  /** Connects now if waiting to reconnect (the background was woken by an alarm). */
  reconnectNow(): void {
    if (this.closed || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  getStatus(): LinkStatus {
    return { ...this.status };
  }

  /** The subscriptions this link keeps, to carry them over to a new link. */
  watching(): Watch[] {
    return [...this.watches.values()];
  }

  /** Batches not yet acknowledged, oldest first. */
  pending(): { seq: number; pages: PagePoints[] }[] {
    return this.outbox.map(({ seq, pages }) => ({ seq, pages }));
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    this.stopKeepalive();
    this.ws?.close(1000, "extension closing");
    this.ws = null;
  }

  private connect(): void {
    if (this.closed) return;
    if (!this.explained) this.updateStatus({ state: "connecting" });
    let ws: WebSocket;
    try {
      const url = new URL("/ws", this.options.url.replace(/^http/, "ws"));
      // The token rides as a subprotocol: browsers cannot set headers on a websocket.
      const protocols = ["heatlens.v1", ...(this.options.token ? [`heatlens.token.${this.options.token}`] : [])];
      ws = new this.options.WebSocket(url.href, protocols);
    } catch (error) {
      this.failed((error as Error).message);
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.write({
        type: "hello",
        v: PROTOCOL_VERSION,
        client: this.options.clientId,
        name: this.options.name || undefined,
      });
    };
    ws.onmessage = (event) => this.onMessage(event.data);
    // A failed connection also fires close, which handles it.
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.ready = false;
      this.stopKeepalive();
      for (const pending of this.outbox) pending.inFlight = false;
      this.failed(event.reason ? `${event.code} ${event.reason}` : `closed (${event.code})`);
    };
  }

  /** A connection failed or ended: says so (unless a diagnosis already says more), asks why, retries. */
  private failed(error: string): void {
    if (!this.explained) this.updateStatus({ state: "closed", lastError: error });
    const { diagnose } = this.options;
    if (diagnose) {
      const welcomes = this.welcomes;
      diagnose(this.options.url, this.options.token ?? "").then(
        ({ state, reason }) => {
          if (this.closed || this.welcomes !== welcomes) return;
          this.explained = true;
          this.updateStatus({ state, lastError: reason });
        },
        () => undefined,
      );
    }
    this.scheduleReconnect();
  }

  private onMessage(data: unknown): void {
    if (typeof data !== "string") return;
    let parsed: ReturnType<typeof ServerMessage.safeParse>;
    try {
      parsed = ServerMessage.safeParse(JSON.parse(data));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.type) {
      case "welcome":
        this.ready = true;
        this.welcomes++;
        this.explained = false;
        this.attempt = 0;
        this.updateStatus({ state: "open", lastError: null });
        this.startKeepalive();
        this.events.welcome?.(message);
        this.sendStatus();
        for (const watch of this.watches.values()) this.write({ type: "subscribe", ...watch });
        for (const pending of this.outbox) this.transmit(pending);
        return;
      case "ack":
        this.settle(message.seq, "acked");
        return;
      case "nack":
        if (message.retry) this.retryLater(message.seq);
        else this.settle(message.seq, "rejected");
        this.noteRefusal(message.code, message.reason);
        return;
      case "error":
        this.noteRefusal(message.code, message.reason);
        return;
      case "subscribed":
        this.events.subscribed?.(message);
        return;
      case "grid":
        this.events.grid?.(message);
        return;
      case "pong":
        return;
    }
  }

  /** A refusal on an open connection; one for the token's role is shown as the token lacking it (the rest works on). */
  private noteRefusal(code: string, reason: string): void {
    const lastError = `${code}: ${reason}`;
    this.updateStatus(code === ErrorCode.forbidden ? { state: "token-limited", lastError } : { lastError });
  }

  private sendStatus(): void {
    if (this.paused === null) return;
    const status: Status = { type: "status", paused: this.paused };
    this.write(status);
  }

  private transmit(pending: Pending): void {
    if (pending.inFlight) return;
    pending.inFlight = true;
    const batch: Batch = { type: "batch", seq: pending.seq, sentAt: Date.now(), pages: pending.pages };
    if (pending.unsent) batch.first = true;
    pending.unsent = false;
    this.write(batch);
  }

  private settle(seq: number, outcome: "acked" | "rejected"): void {
    const index = this.outbox.findIndex((p) => p.seq === seq);
    if (index === -1) return;
    this.outbox.splice(index, 1);
    this.updateStatus({ queued: this.outbox.length, [outcome]: this.status[outcome] + 1 });
    this.events.settled?.(seq, outcome);
  }

  private retryLater(seq: number): void {
    const pending = this.outbox.find((p) => p.seq === seq);
    if (!pending) return;
    pending.inFlight = false;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.ready) this.transmit(pending);
    }, this.options.retryMs);
    this.retryTimers.add(timer);
  }

  private write(message: object): void {
    if (this.ws?.readyState === 1) this.ws.send(JSON.stringify(message));
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** this.attempt);
    this.attempt++;
    const delay = Math.max(this.options.minBackoffMs / 2, this.options.random() * ceiling);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private startKeepalive(): void {
    this.stopKeepalive();
    this.keepaliveTimer = setInterval(() => this.write({ type: "ping", t: Date.now() }), this.options.keepaliveMs);
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private updateStatus(change: Partial<LinkStatus>): void {
    Object.assign(this.status, change);
    this.events.status?.(this.getStatus());
  }
}
