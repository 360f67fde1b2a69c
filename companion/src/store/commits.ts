/**
 * How batches are appended to the store, shared by the commit thread
 * (commit-thread.ts), where appends are committed while the main thread
 * parses the next frames, and the main thread, which commits what is left
 * when the store closes. One transaction per group of batches: each batch's
 * (client, seq) is recorded in `delivered_runs`, and only a batch not
 * recorded before is written to `batches`, with its signals and controls
 * inventories.
 *
 * A client numbers its batches 0, 1, 2, …, so its delivered numbers are kept
 * as runs (lo..hi): a batch usually extends its client's last run in place.
 * A row per (client, seq) put each batch's mark on a page of its own client
 * in the key order, so a commit of 64 batches from 64 clients rewrote 64
 * pages of that table; it was a third of a commit's cost.
 */
import Database from "better-sqlite3";
import { type BodyArena, encodeGroups } from "./batch-codec";
import type { StoredBatch } from "./event-store";

/** A batch encoded for the `batches` table (batch-codec.ts), by encodeBatch. */
export interface EncodedBatch {
  client: string;
  seq: number;
  /** The newest point's time, rounded: batches older than the live windows are pruned by it. */
  maxT: number;
  head: string;
  body: Uint8Array;
  /** Its signals as `signals` rows (steps as JSON), and at most how many a page key keeps. */
  signals?: { rows: [string, string, number, string, number, string | null][]; max: number };
  /** Its controls inventories as `controls` rows (selectors as JSON). */
  controls?: [string, string, number, number][];
}

/** A group's outcome: per batch, whether it had been stored before; the last `batches` id written (0: none). */
export type CommitResult =
  | { ok: true; duplicates: boolean[]; lastId: number }
  | { ok: false; code: string; message: string };

/** Opens the store's file as every connection to it must be set up. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Two connections write (this thread's and the commit thread's): one waits for the other's commit.
  db.pragma("busy_timeout = 2000");
  return db;
}

/**
 * Whether a connection checkpoints after its own commits, as SQLite does by
 * default: not while the checkpoint thread (checkpoint-thread.ts) runs, so
 * that no commit waits for a checkpoint; before it is up, and once it is gone.
 */
export function checkpointHere(db: Database.Database, here: boolean): void {
  db.pragma(`wal_autocheckpoint = ${here ? 1000 : 0}`);
}

/**
 * Copies into the file what the log holds beyond what the checkpoint thread
 * copied (on its request, between two commits): the next commit then starts
 * the log over. False when it could not copy it all (another connection
 * checkpoints meanwhile).
 */
export function finishCheckpoint(db: Database.Database): boolean {
  const [{ busy, log, checkpointed }] = db.pragma("wal_checkpoint(PASSIVE)") as [
    { busy: number; log: number; checkpointed: number },
  ];
  return busy === 0 && log === checkpointed;
}

/** Caps the file's size for this connection; writes past it fail with SQLITE_FULL. */
export function setMaxBytes(db: Database.Database, bytes: number): void {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(bytes / pageSize))}`);
}

/**
 * How stale a run's `at` (its newest delivery, read by retention only) may
 * get: a run extended by a batch keeps its `at` until it is this old, so
 * that most extensions leave the `at` index alone (an index write per batch
 * was about 40 % of recording its delivery).
 */
export const AT_STEP_MS = 60_000;

/** Clients whose latest run a deliverer keeps at hand; past it, it starts again from the file. */
const KNOWN_CLIENTS = 65_536;

interface Deliverer {
  /** Records (client, seq) as delivered at `now`, within the caller's transaction: false when it had been before. */
  (client: string, seq: number, now: number): boolean;
  /** Forgets the runs kept at hand: after a rolled-back transaction, or when another connection deleted runs. */
  forget(): void;
}

/**
 * Records deliveries on `db`. Each client's latest run (the one with the
 * highest `lo`) is kept at hand once read, as the file has it: a batch that
 * repeats a number in it, or extends it by one (the usual case), needs no
 * read of the file; any other goes by the file, and the run kept is read
 * again.
 */
function deliverer(db: Database.Database): Deliverer {
  const runBelow = db.prepare(
    "SELECT lo, hi FROM delivered_runs WHERE client = ? AND lo <= ? ORDER BY lo DESC LIMIT 1",
  );
  const runFrom = db.prepare("SELECT hi FROM delivered_runs WHERE client = ? AND lo = ?").pluck();
  const latestRun = db.prepare("SELECT lo, hi, at FROM delivered_runs WHERE client = ? ORDER BY lo DESC LIMIT 1");
  const extend = db.prepare("UPDATE delivered_runs SET hi = ?, at = ? WHERE client = ? AND lo = ?");
  // Only if the run still ends where it was kept ending: another connection may have extended it meanwhile.
  const extendKept = db.prepare("UPDATE delivered_runs SET hi = ?, at = ? WHERE client = ? AND lo = ? AND hi = ?");
  // The same, leaving `at` (and so its index) as it is: see AT_STEP_MS.
  const extendKeptHi = db.prepare("UPDATE delivered_runs SET hi = ? WHERE client = ? AND lo = ? AND hi = ?");
  const open = db.prepare("INSERT INTO delivered_runs (client, lo, hi, at) VALUES (?, ?, ?, ?)");
  const drop = db.prepare("DELETE FROM delivered_runs WHERE client = ? AND lo = ?");
  const latest = new Map<string, { lo: number; hi: number; at: number }>();
  const deliver = (client: string, seq: number, now: number): boolean => {
    const known = latest.get(client);
    if (known) {
      if (seq >= known.lo && seq <= known.hi) return false;
      // No run can start at seq + 1: this one has the highest lo. Changed in the file meanwhile, or gone from it
      // (pruned), it goes by the file.
      if (seq === known.hi + 1) {
        const stale = now - known.at >= AT_STEP_MS;
        const extended = stale
          ? extendKept.run(seq, now, client, known.lo, known.hi)
          : extendKeptHi.run(seq, client, known.lo, known.hi);
        if (extended.changes === 1) {
          known.hi = seq;
          if (stale) known.at = now;
          return true;
        }
      }
    }
    const below = runBelow.get(client, seq) as { lo: number; hi: number } | undefined;
    if (below && seq <= below.hi) return false;
    // A run that starts right after seq (numbers delivered out of order) joins it.
    const aboveHi = runFrom.get(client, seq + 1) as number | undefined;
    if (aboveHi !== undefined) drop.run(client, seq + 1);
    const hi = aboveHi ?? seq;
    if (below && below.hi === seq - 1) extend.run(hi, now, client, below.lo);
    else open.run(client, seq, hi, now);
    if (latest.size >= KNOWN_CLIENTS) latest.clear();
    latest.set(client, latestRun.get(client) as { lo: number; hi: number; at: number });
    return true;
  };
  return Object.assign(deliver, { forget: () => latest.clear() });
}

/** Commits groups of batches; `forget` drops what it keeps at hand of the file (Deliverer). */
export type Committer = ((batches: readonly EncodedBatch[], now: number) => CommitResult) & { forget(): void };

/** Commits groups of batches on `db`. */
export function committer(db: Database.Database): Committer {
  const deliver = deliverer(db);
  const insertBatch = db.prepare("INSERT INTO batches (max_t, groups, body, client, seq) VALUES (?, ?, ?, ?, ?)");
  const addSignal = db.prepare("INSERT INTO signals (key, selector, kind, client, t, steps) VALUES (?, ?, ?, ?, ?, ?)");
  // Past --max-signals a page key's oldest rows go: the newest `max` stay.
  const capSignals = db.prepare(
    "DELETE FROM signals WHERE key = ? AND rowid <= (SELECT rowid FROM signals WHERE key = ? ORDER BY rowid DESC LIMIT 1 OFFSET ?)",
  );
  const setControls = db.prepare("INSERT OR REPLACE INTO controls (key, selectors, cut, at) VALUES (?, ?, ?, ?)");
  const commit = db.transaction((batches: readonly EncodedBatch[], now: number) => {
    let lastId = 0;
    const duplicates = batches.map(({ client, seq, maxT, head, body, signals, controls }) => {
      if (!deliver(client, seq, now)) return true;
      const blob = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      lastId = Number(insertBatch.run(maxT, head, blob, client, seq).lastInsertRowid);
      // In the batch's transaction: stored exactly when its points are, never apart from them.
      if (signals) {
        for (const row of signals.rows) addSignal.run(...row);
        for (const key of new Set(signals.rows.map(([key]) => key))) capSignals.run(key, key, signals.max);
      }
      for (const row of controls ?? []) setControls.run(...row);
      return false;
    });
    return { duplicates, lastId };
  });
  const run = (batches: readonly EncodedBatch[], now: number): CommitResult => {
    try {
      // Immediate: the write lock is taken (or waited for) up front, never lost to the other connection midway.
      return { ok: true, ...commit.immediate(batches, now) };
    } catch (error) {
      // Rolled back: the runs kept at hand may hold what the file no longer does.
      deliver.forget();
      return {
        ok: false,
        code: (error as { code?: string }).code ?? "E_STORAGE",
        message: (error as Error).message,
      };
    }
  };
  return Object.assign(run, { forget: deliver.forget });
}

/** A batch as the `batches` table keeps it; its body in `arena` if given (encodeGroups). */
export function encodeBatch(batch: StoredBatch, arena?: BodyArena): EncodedBatch {
  const { head, body, maxT } = encodeGroups(batch.groups, arena);
  const encoded: EncodedBatch = { client: batch.client, seq: batch.seq, maxT: Math.round(maxT), head, body };
  if (batch.signals?.list.length) {
    encoded.signals = {
      rows: batch.signals.list.map(({ key, selector, kind, client, t, steps }) => [
        key,
        selector,
        kind,
        client,
        t,
        steps ? JSON.stringify(steps) : null,
      ]),
      max: batch.signals.max,
    };
  }
  if (batch.controls?.length) {
    encoded.controls = batch.controls.map(({ key, selectors, cut, at }) => [key, JSON.stringify(selectors), cut, at]);
  }
  return encoded;
}
