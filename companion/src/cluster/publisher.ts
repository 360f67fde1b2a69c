/**
 * A node's side of the pane stream: the batches it stored, gathered per
 * partition and published to JetStream once per hop, one message per
 * partition (cut in pieces past `maxPayload`), each with a message id that
 * makes a repeated publish a no-op. Batches on their first transmission are
 * summed together per key, pane and cell into one block; any other batch
 * (a resend, which another node may have published) keeps a block of its own,
 * which the owner counts once by its id.
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
import type { Relay } from "../gateway/ingest";
import type { KeyedPoints } from "../pipeline";
import type { StoredSignal } from "../store/event-store";
import { type Block, blocksOf, type PaneMessage, PaneSums, paneSubject, partitionOf } from "./wire";

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

/** First transmissions of one partition in a round: their points summed, their ids, their signals. */
interface Firsts {
  sums: PaneSums;
  seqs: Map<string, number[]>;
  signals: StoredSignal[];
}

/** A stored batch on its first transmission, summed at the round's flush if its ack can still reach its client. */
interface FirstBatch {
  client: string;
  seq: number;
  groups: readonly KeyedPoints[];
  signals: readonly StoredSignal[];
  open: () => boolean;
}

interface Round {
  blocks: Map<number, Block[]>;
  firsts: FirstBatch[];
  waiters: Waiter[];
}

const newRound = (): Round => ({ blocks: new Map(), firsts: [], waiters: [] });

export class PanePublisher implements Relay {
  private round: Round = newRound();
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
    /** Batches on their first transmission, summed with others; the rest had blocks of their own. */
    summedBatches: 0,
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

  /**
   * Takes a stored batch (`first`: on its first transmission ever, while its
   * connection is open); resolves once it is in JetStream, or after
   * `ackWaitMs` if JetStream does not answer.
   */
  carry(
    client: string,
    seq: number,
    groups: readonly KeyedPoints[],
    signals: readonly StoredSignal[],
    first: (() => boolean) | null,
  ): Promise<void> {
    if (this.isOffline) {
      // NATS is away: acked on the store; the backlog carries it once NATS is back.
      this.counters.ackedOnStoreAlone++;
      return Promise.resolve();
    }
    const { ackWaitMs } = this.options;
    if (first) this.round.firsts.push({ client, seq, groups, signals, open: first });
    else this.alone(this.round, client, seq, groups, signals);
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

  /** A batch in blocks of its own, one per partition, which the owner counts once by its id. */
  private alone(
    round: Round,
    client: string,
    seq: number,
    groups: readonly KeyedPoints[],
    signals: readonly StoredSignal[],
  ): void {
    const { hopMs, partitions } = this.options;
    for (const [partition, block] of blocksOf(client, seq, groups, signals, hopMs, partitions)) {
      const list = round.blocks.get(partition);
      if (list) list.push(block);
      else round.blocks.set(partition, [block]);
    }
  }

  /**
   * The round's first transmissions summed, a block per partition, first in
   * its message so that a later resend of one of them finds it counted. A
   * batch whose connection closed since is not summed: its browser sends it
   * again, perhaps to another node, whose block of it could reach the owner
   * before this one.
   */
  private sumFirsts(round: Round): void {
    const { hopMs, partitions } = this.options;
    const firsts = new Map<number, Firsts>();
    for (const { client, seq, groups, signals, open } of round.firsts) {
      if (!open()) {
        this.alone(round, client, seq, groups, signals);
        continue;
      }
      this.counters.summedBatches++;
      const firstsOf = (key: string): Firsts => {
        const partition = partitionOf(key, partitions);
        let found = firsts.get(partition);
        if (!found) {
          found = { sums: new PaneSums(hopMs), seqs: new Map(), signals: [] };
          firsts.set(partition, found);
        }
        const seqs = found.seqs.get(client);
        if (!seqs) found.seqs.set(client, [seq]);
        else if (seqs.at(-1) !== seq) seqs.push(seq);
        return found;
      };
      for (const group of groups) firstsOf(group.key).sums.add(group);
      for (const signal of signals) firstsOf(signal.key).signals.push(signal);
    }
    for (const [partition, { sums, seqs, signals }] of firsts) {
      const block: Block = { b: [...seqs], g: sums.groups(), ...(signals.length > 0 && { sig: signals }) };
      round.blocks.set(partition, [block, ...(round.blocks.get(partition) ?? [])]);
    }
  }

  /** Publishes what came since the last round; one round at a time. */
  async flush(): Promise<void> {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      if (this.behind) {
        // What this round holds is in the store too: the backlog carries it.
        const round = this.round;
        this.round = newRound();
        await this.republish();
        this.behind = false;
        settle(round.waiters);
        return;
      }
      const round = this.round;
      this.round = newRound();
      this.sumFirsts(round);
      if (round.blocks.size === 0) {
        settle(round.waiters);
        return;
      }
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
      // Signals alone: each is counted once by what it is.
      for (const block of blocks.values()) {
        delete block.c;
        delete block.s;
      }
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
      const pieces = list.flatMap((block) => cut(block, limit));
      while (start < pieces.length) {
        let end = pieces.length;
        let data = encode(this.options.node, pieces.slice(start, end));
        while (data.length > limit && end - start > 1) {
          end = start + Math.max(1, Math.floor((end - start) / 2));
          data = encode(this.options.node, pieces.slice(start, end));
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

/**
 * A block of summed first transmissions past `limit` bytes, cut by its pane
 * groups, each piece naming all its batches (none of them is checked against
 * what was counted). One batch's block is never cut: its owner counts it whole.
 */
function cut(block: Block, limit: number): Block[] {
  if (!block.b || block.g.length < 2 || JSON.stringify(block).length <= limit) return [block];
  const half = Math.floor(block.g.length / 2);
  const { sig, ...rest } = block;
  return [
    ...cut({ ...rest, g: block.g.slice(0, half), ...(sig && { sig }) }, limit),
    ...cut({ ...rest, g: block.g.slice(half) }, limit),
  ];
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
