/**
 * What the store drops, shared by the commit thread (commit-thread.ts),
 * which prunes while it commits, and the main thread, which prunes when
 * there is no commit thread. Batches go in steps of a few thousand, in id
 * order, each its own transaction, so that commits go on between two steps: at saturation ten
 * seconds bring 170,000 batches, and deleting them at once held the thread
 * that did it for half a second.
 */
import type Database from "better-sqlite3";
import { HOUR, MINUTE } from "./history";

/** A prune, as the store decides it. */
export interface PruneRequest {
  /** Batches up to this id may go (the newest committed before `before`, CommitMarks), once folded... */
  through: number;
  /** ...and once their newest point is older than this. */
  before: number;
  /** History, delivery records, controls inventories and signals older than this go. */
  oldest: number;
}

/** Batches a step covers at most: about 5 ms of deletes. */
export const PRUNE_STEP = 2_000;

export interface Pruner {
  /**
   * Drops what retention no longer keeps, in one transaction; true when
   * delivery records went (a committer must then forget the runs it keeps
   * at hand).
   */
  retention(oldest: number): boolean;
  /** The newest batch id a prune to `through` may drop: folded ones only. */
  last(through: number): number;
  /** The id of the `n`th batch after id `from` (1: the next one); undefined when fewer are stored. */
  nth(from: number, n: number): number | undefined;
  /** Drops the batches with ids in (from, to] older than `before`, in one transaction; returns how many. */
  batches(from: number, to: number, before: number): number;
}

export function pruner(db: Database.Database): Pruner {
  const folded = db.prepare("SELECT value FROM meta WHERE name = 'folded'").pluck();
  const nth = db.prepare("SELECT id FROM batches WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?").pluck();
  const pruneBatches = db.prepare("DELETE FROM batches WHERE id > ? AND id <= ? AND max_t < ?");
  const pruneDelivered = db.prepare("DELETE FROM delivered_runs WHERE at < ?");
  const pruneMinutes = db.prepare("DELETE FROM minutes WHERE minute < ?");
  const pruneHours = db.prepare("DELETE FROM hours WHERE hour < ?");
  const pruneControls = db.prepare("DELETE FROM controls WHERE at < ?");
  const pruneSignals = db.prepare("DELETE FROM signals WHERE t < ?");
  // Immediate: the write lock is taken (or waited for) up front, never lost to the other connection midway.
  const retention = db.transaction((oldest: number) => {
    const runsGone = pruneDelivered.run(oldest).changes > 0;
    pruneMinutes.run(Math.floor(oldest / MINUTE));
    pruneHours.run(Math.floor(oldest / HOUR));
    pruneControls.run(oldest);
    pruneSignals.run(oldest);
    return runsGone;
  });
  const batches = db.transaction(
    (from: number, to: number, before: number) => pruneBatches.run(from, to, before).changes,
  );
  return {
    retention: (oldest) => retention.immediate(oldest),
    last: (through) => Math.min(through, folded.get() as number),
    nth: (from, n) => nth.get(from, n - 1) as number | undefined,
    batches: (from, to, before) => batches.immediate(from, to, before),
  };
}

/**
 * A prune of the batches in steps of `step` stored batches, in id order
 * (however sparse their ids): `next()` takes one; false when none was left.
 */
export class BatchPrune {
  /** Every batch up to this id was taken by a step. */
  private from = 0;
  private readonly to: number;
  /** Batches dropped so far. */
  dropped = 0;

  constructor(
    private readonly prune: Pruner,
    private readonly before: number,
    through: number,
    private readonly step = PRUNE_STEP,
  ) {
    this.to = prune.last(through);
  }

  next(): boolean {
    const first = this.prune.nth(this.from, 1);
    if (first === undefined || first > this.to) return false;
    const to = Math.min(this.to, this.prune.nth(this.from, this.step) ?? this.to);
    this.dropped += this.prune.batches(this.from, to, this.before);
    this.from = to;
    return true;
  }
}
