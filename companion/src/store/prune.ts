/**
 * What the store drops, shared by the commit thread (commit-thread.ts),
 * which prunes while it commits, and the main thread, which prunes when
 * there is no commit thread. Batches go in steps of their ids, each its own
 * transaction, so that commits go on between two steps: at saturation ten
 * seconds bring 170,000 batches, and deleting them at once held the thread
 * that did it for half a second.
 */
import type Database from "better-sqlite3";

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A prune, as the store decides it. */
export interface PruneRequest {
  /** Batches up to this id may go (the newest committed before `before`, CommitMarks), once folded... */
  through: number;
  /** ...and once their newest point is older than this. */
  before: number;
  /** History, delivery records, controls inventories and signals older than this go. */
  oldest: number;
}

/** Batch ids a step covers at most: about 5 ms of deletes. */
export const PRUNE_STEP = 2_000;

export interface Pruner {
  /**
   * Drops what retention no longer keeps, in one transaction; true when
   * delivery records went (a committer must then forget the runs it keeps
   * at hand).
   */
  retention(oldest: number): boolean;
  /** The ids of the batches a prune to `through` covers, (from, to]: folded ones only. */
  batchIds(through: number): { from: number; to: number };
  /** Drops the batches with ids in (from, to] older than `before`, in one transaction; returns how many. */
  batches(from: number, to: number, before: number): number;
}

export function pruner(db: Database.Database): Pruner {
  const folded = db.prepare("SELECT value FROM meta WHERE name = 'folded'").pluck();
  const first = db.prepare("SELECT COALESCE(MIN(id), 0) FROM batches").pluck();
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
    batchIds: (through) => ({
      from: Math.max(0, (first.get() as number) - 1),
      to: Math.min(through, folded.get() as number),
    }),
    batches: (from, to, before) => batches.immediate(from, to, before),
  };
}

/** A prune of the batches in steps: `next()` takes one; false once none is left. */
export class BatchPrune {
  private from: number;
  private readonly to: number;
  /** Batches dropped so far. */
  dropped = 0;

  constructor(
    private readonly prune: Pruner,
    private readonly before: number,
    through: number,
    private readonly step = PRUNE_STEP,
  ) {
    ({ from: this.from, to: this.to } = prune.batchIds(through));
  }

  next(): boolean {
    if (this.from >= this.to) return false;
    const to = Math.min(this.to, this.from + this.step);
    this.dropped += this.prune.batches(this.from, to, this.before);
    this.from = to;
    return this.from < this.to;
  }
}
