/**
 * A node's side of the pane stream: the blocks of the batches it stored,
 * gathered per partition and published to JetStream once per hop, one message
 * per partition (cut in pieces past `maxPayload`), each with a message id that
 * makes a repeated publish a no-op.
 *
 * A batch is acknowledged to its client once the message holding it is in
 * JetStream, so that a node that dies and stays down has lost no acked point.
 * While JetStream does not answer (a NATS restart), a batch is acknowledged
 * on the local store alone after `ackWaitMs`; its blocks are dropped from
 * memory and the node republishes every stored batch of the longest window
 * once JetStream answers again (a start does the same). The owners count each
 * batch once, so republishing more than was missed is harmless.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import type { KeyedPoints } from "../pipeline";
import type { StoredSignal } from "../store/event-store";
import { type Block, blocksOf, type PaneMessage, paneSubject } from "./wire";

export interface PublisherOptions {
  node: string;
  hopMs: number;
  partitions: number;
  ackWaitMs: number;
  /** Largest message JetStream takes (the server's max_payload). */
  maxPayload: number;
}

/** What the publisher republishes after a start or an outage: the store's batches and signals of the last window. */
export interface Backlog {
  batches(): { client: string | null; seq: number | null; groups: KeyedPoints[] }[];
  signals(): StoredSignal[];
}

interface Waiter {
  resolve(): void;
  done: boolean;
}

interface Round {
  blocks: Map<number, Block[]>;
  waiters: Waiter[];
}

export class PanePublisher {
  private round: Round = { blocks: new Map(), waiters: [] };
  private flushing = false;
  /** Set when blocks were dropped unpublished: the backlog is republished before anything else. */
  private behind = true;
  private flushes = 0;
  private readonly epoch = Date.now().toString(36);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private isOffline = false;
  readonly counters = {
    messages: 0,
    bytes: 0,
    blocks: 0,
    failedFlushes: 0,
    republishedBatches: 0,
    ackedOnStoreAlone: 0,
  };

  constructor(
    private readonly js: JetStreamClient,
    private readonly backlog: Backlog,
    private readonly options: PublisherOptions,
  ) {
    this.timer = setInterval(() => void this.flush(), options.hopMs);
  }

  /** Takes a stored batch; resolves once it is in JetStream, or after `ackWaitMs` if JetStream does not answer. */
  carry(client: string, seq: number, groups: readonly KeyedPoints[], signals: readonly StoredSignal[]): Promise<void> {
    if (this.isOffline) {
      // NATS is away: acked on the store; the backlog carries it once NATS is back.
      this.counters.ackedOnStoreAlone++;
      return Promise.resolve();
    }
    const { hopMs, partitions, ackWaitMs } = this.options;
    for (const [partition, block] of blocksOf(client, seq, groups, signals, hopMs, partitions)) {
      const list = this.round.blocks.get(partition);
      if (list) list.push(block);
      else this.round.blocks.set(partition, [block]);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { resolve, done: false };
      this.round.waiters.push(waiter);
      setTimeout(() => {
        if (waiter.done) return;
        waiter.done = true;
        this.counters.ackedOnStoreAlone++;
        resolve();
      }, ackWaitMs).unref();
    });
  }

  /** Publishes what came since the last round; one round at a time. */
  async flush(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      if (this.behind) {
        // What this round holds is in the store too: the backlog carries it.
        const round = this.round;
        this.round = { blocks: new Map(), waiters: [] };
        await this.republish();
        this.behind = false;
        settle(round.waiters);
        return;
      }
      const round = this.round;
      if (round.blocks.size === 0) {
        settle(round.waiters);
        this.round.waiters = [];
        return;
      }
      this.round = { blocks: new Map(), waiters: [] };
      try {
        await this.publish(round.blocks);
        settle(round.waiters);
      } catch {
        // Waiters are acked by their timers; their batches come again with the backlog.
        this.counters.failedFlushes++;
        this.behind = true;
      }
    } catch {
      this.counters.failedFlushes++;
    } finally {
      this.flushing = false;
    }
  }

  /** Every stored batch and signal of the last window, again. */
  private async republish(): Promise<void> {
    const { hopMs, partitions } = this.options;
    const byPartition = new Map<number, Block[]>();
    const add = (blocks: Map<number, Block>) => {
      for (const [partition, block] of blocks) {
        const list = byPartition.get(partition);
        if (list) list.push(block);
        else byPartition.set(partition, [block]);
      }
    };
    let batches = 0;
    for (const { client, seq, groups } of this.backlog.batches()) {
      // Rows stored before batches kept their ids cannot be told from a batch another node published.
      if (client === null || seq === null) continue;
      add(blocksOf(client, seq, groups, [], hopMs, partitions));
      batches++;
    }
    const signals = this.backlog.signals();
    if (signals.length > 0) {
      const blocks = blocksOf("", 0, [], signals, hopMs, partitions);
      for (const block of blocks.values()) block.s = null;
      add(blocks);
    }
    if (byPartition.size > 0) await this.publish(byPartition);
    this.counters.republishedBatches += batches;
  }

  /** One message per partition (more past `maxPayload`), all at once; rejects unless JetStream took every one. */
  private async publish(blocks: Map<number, Block[]>): Promise<void> {
    const flush = ++this.flushes;
    const limit = Math.floor(this.options.maxPayload * 0.9);
    const sends: Promise<unknown>[] = [];
    for (const [partition, list] of blocks) {
      let piece = 0;
      let start = 0;
      while (start < list.length) {
        // A block is never split: the owner counts a batch's share whole.
        let end = list.length;
        let data = encode(this.options.node, list.slice(start, end));
        while (data.length > limit && end - start > 1) {
          end = start + Math.max(1, Math.floor((end - start) / 2));
          data = encode(this.options.node, list.slice(start, end));
        }
        const msgID = `${this.options.node}:${this.epoch}:${flush}:${partition}:${piece++}`;
        sends.push(this.js.publish(paneSubject(partition), data, { msgID, timeout: this.options.ackWaitMs }));
        this.counters.messages++;
        this.counters.bytes += data.length;
        this.counters.blocks += end - start;
        start = end;
      }
    }
    await Promise.all(sends);
  }

  /** NATS went away or came back. */
  offline(away: boolean): void {
    this.isOffline = away;
    if (away) this.behind = true;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}

function encode(node: string, blocks: Block[]): Uint8Array {
  const message: PaneMessage = { node, blocks };
  return Buffer.from(JSON.stringify(message));
}

function settle(waiters: Waiter[]): void {
  for (const waiter of waiters) {
    if (waiter.done) continue;
    waiter.done = true;
    waiter.resolve();
  }
}
