/**
 * What the companions of one cluster say to each other through NATS
 * (PROTOCOL.md, "Cluster"): subjects, the partition of a key, and the pane
 * deltas a node publishes to JetStream.
 *
 * A node publishes, once per hop, one message per partition that took points:
 * the blocks of the batches it stored since, each block one batch's share of
 * the partition with its points summed per key, pane and cell. A block keeps
 * its batch's id (client, seq) so that the partition's owner counts a batch
 * once, whichever nodes published it and however often.
 */
import { createHash } from "node:crypto";
import { splitSideKey } from "../../../protocol/anchor";
import type { KeyedPoints } from "../pipeline";
import type { StoredSignal } from "../store/event-store";
import { ANCHOR_CELLS } from "../window/side-heat";

/** Names of one cluster's stream, bucket and subjects. */
export const STREAM = "HEATLENS_PANES";
export const BUCKET = "heatlens-cluster";
/** A partition's subjects; `*` names them all. */
export const paneSubject = (partition: number | "*"): string => `heatlens.panes.${partition}`;
export const interestSubject = (partition: number): string => `heatlens.interest.${partition}`;
export const querySubject = (partition: number): string => `heatlens.query.${partition}`;
export const ownerSubject = (partition: number | "*"): string => `heatlens.owner.${partition}`;
/** Asked of every node: the live pages of the partitions it owns. */
export const PAGES_SUBJECT = "heatlens.pages";
/** A subject token holds no `.`, `*`, `>` or space, and page keys hold all of them: a key is named by its hash. */
export const gridSubject = (key: string): string =>
  `heatlens.grid.${createHash("sha256").update(key).digest("base64url").slice(0, 32)}`;

/** The partition of a page key and of all its side keys (a page's grid is merged by one owner). */
export function partitionOf(key: string, partitions: number): number {
  const pageKey = splitSideKey(key)?.pageKey ?? key;
  // FNV-1a: the same on every node and every start.
  let hash = 0x811c9dc5;
  for (let i = 0; i < pageKey.length; i++) {
    hash ^= pageKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** One key's points in one pane: `n` holds (cell, count) pairs. */
export interface PaneGroup {
  k: string;
  /** The pane's start, ms since the epoch. */
  p: number;
  n: number[];
  /** An anchored group's selectors; its cells are `anchor index × ANCHOR_CELLS + side cell`. */
  a?: string[];
}

/**
 * Points of one partition, summed per key, pane and cell, with the batches
 * they came from: one batch (`c`, `s`), which its owner counts once whoever
 * sends it again; or first transmissions (`b`: per client, the seqs), which no
 * node can have published before, summed together. A block of neither holds
 * signals alone, read back from a node's store.
 */
export interface Block {
  c?: string;
  s?: number;
  b?: [string, number[]][];
  g: PaneGroup[];
  sig?: StoredSignal[];
}

export interface PaneMessage {
  node: string;
  blocks: Block[];
}

/** What a node watches in one partition, sent whole each time (views: `[key, windowMs]`). */
export interface InterestMessage {
  node: string;
  views: [string, number][];
}

/** The id under which an owner remembers a counted batch or signal. */
export function batchId(client: string, seq: number): string {
  return `b ${seq} ${client}`;
}

export function signalId(signal: StoredSignal): string {
  return `s ${signal.t} ${signal.kind} ${signal.client} ${signal.key} ${signal.selector}`;
}

interface PaneCounts {
  counts: Map<number, number>;
  /** An anchored key's selectors in this pane, and where each is among them. */
  anchors?: string[];
  index?: Map<string, number>;
}

/** Points summed per key, pane and cell; an anchored key's selectors named once per pane, whatever batch named them. */
export class PaneSums {
  private readonly byKey = new Map<string, Map<number, PaneCounts>>();

  constructor(private readonly hopMs: number) {}

  add(group: KeyedPoints): void {
    let panes = this.byKey.get(group.key);
    if (!panes) {
      panes = new Map();
      this.byKey.set(group.key, panes);
    }
    const { anchors, anchorOf } = group;
    for (let i = 0; i < group.times.length; i++) {
      const pane = Math.floor((group.times[i] as number) / this.hopMs) * this.hopMs;
      let entry = panes.get(pane);
      if (!entry) {
        entry = anchors ? { counts: new Map(), anchors: [], index: new Map() } : { counts: new Map() };
        panes.set(pane, entry);
      }
      let cell = group.cells[i] as number;
      if (anchors && entry.index && entry.anchors) {
        const selector = anchors[anchorOf?.[i] as number] as string;
        let at = entry.index.get(selector);
        if (at === undefined) {
          at = entry.anchors.push(selector) - 1;
          entry.index.set(selector, at);
        }
        cell += at * ANCHOR_CELLS;
      }
      entry.counts.set(cell, (entry.counts.get(cell) ?? 0) + 1);
    }
  }

  get empty(): boolean {
    return this.byKey.size === 0;
  }

  groups(): PaneGroup[] {
    const out: PaneGroup[] = [];
    for (const [k, panes] of this.byKey) {
      for (const [p, { counts, anchors }] of panes) {
        const n: number[] = [];
        for (const [cell, count] of counts) n.push(cell, count);
        out.push(anchors ? { k, p, n, a: anchors } : { k, p, n });
      }
    }
    return out;
  }
}

/** Splits a batch's groups and signals by partition, summed per pane and cell: a block per partition it touches. */
export function blocksOf(
  client: string,
  seq: number,
  groups: readonly KeyedPoints[],
  signals: readonly StoredSignal[],
  hopMs: number,
  partitions: number,
): Map<number, Block> {
  const sums = new Map<number, PaneSums>();
  for (const group of groups) {
    const partition = partitionOf(group.key, partitions);
    let sum = sums.get(partition);
    if (!sum) {
      sum = new PaneSums(hopMs);
      sums.set(partition, sum);
    }
    sum.add(group);
  }
  const blocks = new Map<number, Block>();
  for (const [partition, sum] of sums) blocks.set(partition, { c: client, s: seq, g: sum.groups() });
  for (const signal of signals) {
    const partition = partitionOf(signal.key, partitions);
    let block = blocks.get(partition);
    if (!block) {
      block = { c: client, s: seq, g: [] };
      blocks.set(partition, block);
    }
    block.sig ??= [];
    block.sig.push(signal);
  }
  return blocks;
}

/** A pane group back as points a window stage takes: each counted cell once per count, at the pane's start. */
export function pointsOf(group: PaneGroup): KeyedPoints {
  const times: number[] = [];
  const cells: number[] = [];
  const anchorOf: number[] | undefined = group.a ? [] : undefined;
  for (let i = 0; i < group.n.length; i += 2) {
    const cell = group.n[i] as number;
    const count = group.n[i + 1] as number;
    for (let j = 0; j < count; j++) {
      times.push(group.p);
      if (anchorOf) {
        anchorOf.push(Math.floor(cell / ANCHOR_CELLS));
        cells.push(cell % ANCHOR_CELLS);
      } else cells.push(cell);
    }
  }
  return anchorOf ? { key: group.k, times, cells, anchors: group.a, anchorOf } : { key: group.k, times, cells };
}
