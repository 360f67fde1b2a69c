/**
 * One partition's merged windows, on the node that owns it: the pane stream
 * of the partition is read from its start (JetStream keeps the longest window
 * of it) into a window stage of its own, each batch and signal counted once by
 * its id; the grids of the keys watched anywhere in the cluster are published
 * on their grid subjects, and a node asking for a key's grid is answered.
 * Until the stream is read up to the message that was its newest when the
 * owner took it, the windows hold part of it: nothing is published nor
 * answered from them before (`caughtUp`).
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { viewOf } from "../../../protocol/subscription";
import { InProcessBus } from "../bus/bus";
import type { Topics } from "../pipeline";
import { WindowStage, type WindowStageOptions } from "../window/window-stage";
import {
  batchId,
  gridSubject,
  type InterestMessage,
  type PaneMessage,
  paneSubject,
  pointsOf,
  querySubject,
  STREAM,
  signalId,
} from "./wire";

export interface PartitionOptions extends Omit<WindowStageOptions, "now"> {
  /** How long a node's interest holds without being sent again. */
  leaseMs: number;
}

export class Partition {
  readonly stage: WindowStage;
  private readonly bus = new InProcessBus<Topics>();
  /** Ids of the batches and signals counted, with the newest pane time each holds. */
  private readonly counted = new Map<string, number>();
  /** Per node, the views it watches here and when it last said so. */
  private readonly interest = new Map<string, { views: Set<string>; at: number }>();
  /** How many nodes watch each view (`windowMs key`). */
  private readonly watchers = new Map<string, number>();
  private readonly subscriptions: Subscription[] = [];
  private stopConsuming: (() => void) | null = null;
  private livePush: NodeJS.Immediate | null = null;
  private livePushLater: NodeJS.Timeout | undefined;
  private closed = false;
  private isCaughtUp = false;
  /** Resolves once the stream is read up to its newest message at the start, or the partition is given up. */
  readonly caughtUp: Promise<void>;
  private markCaughtUp: () => void = () => undefined;
  /** Messages read from the stream, and those whose every block had been counted before. */
  readonly counters = { messages: 0, blocks: 0, duplicateBlocks: 0 };

  constructor(
    readonly partition: number,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly options: PartitionOptions,
    private readonly clock: () => number,
  ) {
    this.stage = new WindowStage(this.bus, { ...options, now: clock() });
    this.caughtUp = new Promise((resolve) => {
      this.markCaughtUp = resolve;
    });
    // Watched views are sent whole once the stream is read (caughtUpNow).
    this.bus.subscribe("grid", (grid) => {
      if (this.isCaughtUp) this.nc.publish(gridSubject(viewOf(grid).key), JSON.stringify(grid));
    });
    this.subscriptions.push(
      nc.subscribe(querySubject(partition), {
        callback: (error, message) => {
          if (error) return;
          try {
            const { key, windowIndex } = JSON.parse(message.string()) as { key: string; windowIndex: number };
            // Unanswered if given up first: the asker asks the partition's next owner.
            void this.caughtUp.then(() => {
              if (!this.closed) message.respond(JSON.stringify(this.stage.snapshot(key, windowIndex)));
            });
          } catch (cause) {
            message.respond(JSON.stringify({ error: String(cause) }));
          }
        },
      }),
    );
  }

  /** Starts reading the partition's stream from its first message kept. */
  async start(): Promise<void> {
    const subject = paneSubject(this.partition);
    // Read before the consumer starts: every message up to it is then among those the consumer reads.
    const newest = await (await this.js.jetstreamManager()).streams.getMessage(STREAM, { last_by_subj: subject });
    if (!newest) this.caughtUpNow();
    const consumer = await this.js.consumers.get(STREAM, { filter_subjects: subject });
    if (this.closed) return;
    const messages = await consumer.consume();
    this.stopConsuming = () => void messages.stop();
    void (async () => {
      for await (const message of messages) {
        if (this.closed) break;
        this.take(message.json<PaneMessage>());
        // Or nothing left to read: the newest message may have aged out of the stream meanwhile.
        if (!this.isCaughtUp && (message.seq >= (newest?.seq ?? 0) || message.info.pending === 0)) this.caughtUpNow();
      }
    })().catch(() => undefined);
  }

  /** Whether the windows hold the whole stream as it was when this node took the partition (and it is not given up). */
  get ready(): boolean {
    return this.isCaughtUp && !this.closed;
  }

  private caughtUpNow(): void {
    this.isCaughtUp = true;
    this.markCaughtUp();
    for (const view of this.watchers.keys()) this.resend(view);
  }

  /** A node's whole set of views in this partition. */
  interestOf({ node, views }: InterestMessage): void {
    const now = this.clock();
    const before = this.interest.get(node)?.views ?? new Set<string>();
    const after = new Set(views.map(([key, windowMs]) => `${windowMs} ${key}`));
    this.interest.set(node, { views: after, at: now });
    for (const view of after) if (!before.has(view)) this.watch(view, +1);
    for (const view of before) if (!after.has(view)) this.watch(view, -1);
  }

  /** Closes panes up to `now`, publishes the watched grids that changed, forgets nodes that went quiet. */
  tick(now: number): void {
    for (const [node, { views, at }] of this.interest) {
      if (now - at <= this.options.leaseMs) continue;
      this.interest.delete(node);
      for (const view of views) this.watch(view, -1);
    }
    this.stage.tick(now);
    const oldest = now - Math.max(...this.options.windowsMs) - this.options.hopMs;
    for (const [id, newest] of this.counted) if (newest < oldest) this.counted.delete(id);
  }

  close(): void {
    this.closed = true;
    // Whoever waits for the stream to be read is let go: it finds the partition closed.
    this.markCaughtUp();
    this.stopConsuming?.();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    if (this.livePush !== null) clearImmediate(this.livePush);
    clearTimeout(this.livePushLater);
    this.stage.close();
  }

  private take(message: PaneMessage): void {
    this.counters.messages++;
    const groups = [];
    const signals = [];
    for (const block of message.blocks) {
      this.counters.blocks++;
      let newest = 0;
      for (const group of block.g) if (group.p > newest) newest = group.p;
      let counts = true;
      if (block.b) {
        // First transmissions: none can have been counted before; each is remembered against a resend.
        for (const [client, seqs] of block.b) for (const seq of seqs) this.remember(batchId(client, seq), newest);
      } else if (block.c !== undefined && block.s !== undefined) {
        const id = batchId(block.c, block.s);
        counts = !this.counted.has(id);
        if (counts) this.remember(id, newest);
        else this.counters.duplicateBlocks++;
      }
      if (!counts) continue;
      for (const group of block.g) groups.push(pointsOf(group));
      for (const signal of block.sig ?? []) {
        const id = signalId(signal);
        if (this.counted.has(id)) continue;
        this.counted.set(id, signal.t);
        signals.push(signal);
      }
    }
    if (groups.length > 0) this.bus.publish("points", { client: "", groups });
    if (signals.length > 0) this.bus.publish("signals", { signals });
    if (this.livePush === null && this.stage.hasFresh) this.livePush = setImmediate(() => this.pushLive());
  }

  /** Keeps an id while its newest pane is in the window; a batch cut in pieces is kept as long as its newest piece. */
  private remember(id: string, newest: number): void {
    this.counted.set(id, Math.max(this.counted.get(id) ?? 0, newest));
  }

  private pushLive(): void {
    this.livePush = null;
    clearTimeout(this.livePushLater);
    if (this.closed) return;
    const wait = this.stage.pushLive(this.clock());
    if (wait !== null) this.livePushLater = setTimeout(() => this.pushLive(), wait);
  }

  private watch(view: string, change: number): void {
    const n = (this.watchers.get(view) ?? 0) + change;
    if (n > 0) this.watchers.set(view, n);
    else this.watchers.delete(view);
    const [windowMs, key] = splitView(view);
    // The stage answers a new watcher with the current grid; a second node watching gets it resent.
    if (change > 0 && n === 1) this.bus.publish("interest", { key, windowMs, watching: true });
    else if (change > 0) this.resend(view);
    else if (n === 0) this.bus.publish("interest", { key, windowMs, watching: false });
  }

  /** Publishes a watched view's grid now. */
  private resend(view: string): void {
    const [windowMs, key] = splitView(view);
    const index = this.stage.windowsMs.indexOf(windowMs);
    if (index !== -1) this.bus.publish("grid", this.stage.snapshot(key, index));
  }
}

function splitView(view: string): [number, string] {
  const space = view.indexOf(" ");
  return [Number(view.slice(0, space)), view.slice(space + 1)];
}
