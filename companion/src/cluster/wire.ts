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
export const paneSubject = (partition: number): string => `heatlens.panes.${partition}`;
export const interestSubject = (partition: number): string => `heatlens.interest.${partition}`;
export const querySubject = (partition: number): string => `heatlens.query.${partition}`;
export const ownerSubject = (partition: number): string => `heatlens.owner.${partition}`;
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

/** One key's points of one batch in one pane: `n` holds (cell, count) pairs. */
export interface PaneGroup {
  k: string;
  /** The pane's start, ms since the epoch. */
  p: number;
  n: number[];
  /** An anchored group's selectors; its cells are `anchor index × ANCHOR_CELLS + side cell`. */
  a?: string[];
}

/** A batch's share of one partition, or (with `s` null) signals republished from the store alone. */
export interface Block {
  c: string;
  s: number | null;
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

/**
 * Splits a batch's groups and signals by partition, each group's points
 * summed per pane and cell. Returns a block per partition it touches.
 */
export function blocksOf(
  client: string,
  seq: number,
  groups: readonly KeyedPoints[],
  signals: readonly StoredSignal[],
  hopMs: number,
  partitions: number,
): Map<number, Block> {
  const blocks = new Map<number, Block>();
  const blockOf = (key: string): Block => {
    const partition = partitionOf(key, partitions);
    let block = blocks.get(partition);
    if (!block) {
      block = { c: client, s: seq, g: [] };
      blocks.set(partition, block);
    }
    return block;
  };
  for (const group of groups) {
    const block = blockOf(group.key);
    const byPane = new Map<number, Map<number, number>>();
    for (let i = 0; i < group.times.length; i++) {
      const pane = Math.floor((group.times[i] as number) / hopMs) * hopMs;
      let counts = byPane.get(pane);
      if (!counts) {
        counts = new Map();
        byPane.set(pane, counts);
      }
      const cell = group.anchors
        ? (group.anchorOf?.[i] as number) * ANCHOR_CELLS + (group.cells[i] as number)
        : (group.cells[i] as number);
      counts.set(cell, (counts.get(cell) ?? 0) + 1);
    }
    for (const [pane, counts] of byPane) {
      const n: number[] = [];
      for (const [cell, count] of counts) n.push(cell, count);
      block.g.push(group.anchors ? { k: group.key, p: pane, n, a: group.anchors } : { k: group.key, p: pane, n });
    }
  }
  for (const signal of signals) {
    const block = blockOf(signal.key);
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
