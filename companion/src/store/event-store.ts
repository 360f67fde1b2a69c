/**
 * The companion's durable store: SQLite (better-sqlite3) in the data
 * directory. A batch is appended, with its (client, seq), in a group commit
 * made by the commit thread (commit-thread.ts) while this thread goes on
 * parsing; only then is it acknowledged and counted, so an acknowledged batch survives
 * `kill -9` and a resent one is recognised even after a restart. Batches are
 * folded into per-minute and per-hour history for past ranges, and the live
 * windows are rebuilt from the recent ones after a restart.
 *
 * WAL with synchronous=NORMAL: a committed transaction survives the process
 * dying at any point (it is in the WAL file before commit returns); only an
 * operating-system crash or power loss can take the last few commits.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type Database from "better-sqlite3";
import { sidePrefix } from "../../../protocol/anchor";
import type { SignalKind } from "../../../protocol/signals";
import { splitTaggedKey, type TagKind, tagPrefix } from "../../../protocol/tags";
import type { KeyedPoints } from "../pipeline";
import { decodeGroups, decodeGroupViews } from "./batch-codec";
import { BatchPacker } from "./batch-transfer";
import type { CheckpointThreadData } from "./checkpoint-thread";
import type { CommitThreadAnswer, CommitThreadData, CommitThreadMessage } from "./commit-thread";
import { type CommitResult, checkpointHere, committer, encodeBatch, openDatabase, setMaxBytes } from "./commits";
import { HOUR, historyWriter, MINUTE, PendingHistory, pointsOf } from "./history";
import { toPointCells, usePointCells } from "./point-cells";
import { BatchPrune, PRUNE_STEP, type PruneRequest, type Pruner, pruner } from "./prune";

export interface StoredBatch {
  client: string;
  seq: number;
  groups: KeyedPoints[];
  /** The batch's rage, dead and error clicks, stored with it: at most `max` per page key, the newest. */
  signals?: { list: readonly StoredSignal[]; max: number };
  /** The controls inventories the batch brought: each replaces its page key's. */
  controls?: readonly StoredControls[];
}

export interface StoreOptions {
  dataDir: string;
  /** Largest size of the database file; past it, appends fail with SQLITE_FULL. */
  maxStoreBytes: number;
  /** Days of history and of delivered sequence numbers kept. */
  retentionDays: number;
  /** How far back live windows reach: batches this recent are kept whole for rebuilds. */
  liveMs: number;
  clock: () => number;
  /**
   * Called if a thread of the store dies: the commit thread (appends are then
   * committed on the main thread, slower) or the checkpoint thread (each
   * connection then checkpoints after its own commits, which wait for it).
   */
  onThreadLost?: (thread: "commit" | "checkpoint", reason: string) => void;
  /** A write-ahead log this many pages long is started over (checkpoint-thread.ts): WAL_RESET_FRAMES by default. */
  walResetFrames?: number;
  /** Batches a step of a prune covers at most (prune.ts): PRUNE_STEP by default. */
  pruneStep?: number;
}

/** A storage failure, with SQLite's code (SQLITE_FULL, SQLITE_READONLY, …). */
export class StorageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A stored batch as read back: see batch-codec.ts. */
interface Row {
  groups: string;
  body: Buffer | null;
}

/** How an append's outcome is told: a failure, or whether the batch had been stored before. */
export type Appended = (failure: StorageError | null, duplicate: boolean) => void;

interface Waiting {
  batch: StoredBatch;
  done: Appended;
}

/**
 * Tells each of `waiting` its outcome (`duplicates[i]`, or `failure`) in one
 * microtask, as a promise would; one that throws does not keep the others
 * from being told (what it threw is thrown after).
 */
function tell(waiting: readonly Waiting[], failure: StorageError | null, duplicates: readonly boolean[] | null): void {
  if (waiting.length === 0) return;
  queueMicrotask(() => {
    let thrown: { error: unknown } | null = null;
    for (let i = 0; i < waiting.length; i++) {
      try {
        (waiting[i] as Waiting).done(failure, duplicates ? (duplicates[i] as boolean) : false);
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (thrown) throw thrown.error;
  });
}

const PRUNE_EVERY_MS = 10_000;
/** The span of one mark of committed batch ids (CommitMarks): a batch is pruned at most this much later than due. */
const MARK_EVERY_MS = 1_000;
/** How often the history is written (maintain) while its writes are small. */
const FOLD_EVERY_MS = 2_000;
/**
 * Minute rows a history write may hold before the next waits longer: FOLD_EVERY_MS
 * per this many rows of the last write (this thread's and the commit thread's
 * together), counted from its end, up to FOLD_AT_MOST_MS. A write's rows (and
 * its time) grow with the pages, cells, testers and builds seen since the last,
 * not with the points: a companion under heavy load writes them less often, so
 * that its commits, which wait for each write, keep taking most of its store's time.
 */
const FOLD_ROWS = 10_000;
const FOLD_AT_MOST_MS = 10_000;
/** Most batches in one group sent to the commit thread (which commits the groups waiting together). */
const BATCHES_PER_GROUP = 16;
/**
 * Most batches sent to the commit thread and not yet answered: groups are
 * sent as they form, so that the thread finds the next ones waiting when a
 * commit ends and never waits for this thread to take its answer.
 */
const BATCHES_IN_FLIGHT = 1024;
/** The write-ahead log's usual length, in pages (4 MB), as SQLite's own checkpoints keep it. */
const WAL_RESET_FRAMES = 1_000;
/** How long a closing store waits for the commit thread's last answer. */
const CLOSE_WAIT_MS = 5_000;

/** A rage, dead or error click (protocol/signals.ts) as stored: its page key, element, tester and time. */
export interface StoredSignal {
  key: string;
  selector: string;
  kind: SignalKind;
  client: string;
  /** The triggering click's time, on the companion's clock. */
  t: number;
  /** The selectors of the clicks before it on the page view, oldest first; absent when the client sent none. */
  steps?: string[];
}

/** Signals of one element and kind on one page key in a time range, as the dashboard lists them. */
export interface SignalCount {
  key: string;
  selector: string;
  kind: SignalKind;
  count: number;
  testers: number;
  first: number;
  last: number;
  /** The steps of the latest of them; null when it came without (an older extension). */
  steps: string[] | null;
}

export interface StoredControls {
  key: string;
  selectors: string[];
  cut: number;
  at: number;
}

export class EventStore {
  private readonly db: Database.Database;
  private readonly queue: Waiting[] = [];
  private flushScheduled = false;
  /** Appends are committed by the commit thread (commit-thread.ts), in groups sent as they form; its results come on `results`. */
  private readonly commitThread: Worker;
  /** Copies the write-ahead log into the file (checkpoint-thread.ts), so that commits never do. */
  private readonly checkpointThread: Worker;
  private readonly results: MessagePort;
  /** Numbers the names of batches sent to the commit thread (batch-transfer.ts). */
  private readonly packer = new BatchPacker();
  /** How many answers the commit thread has posted, and how many were received (see close()). */
  private readonly posted: Int32Array;
  private received = 0;
  /** Set until the commit thread is ready, and when it died: appends are then committed on this thread. */
  private commitHere: ReturnType<typeof committer> | null;
  /** The groups sent to the commit thread and not yet answered, oldest first, and how many batches they hold. */
  private readonly inFlight: Waiting[][] = [];
  private batchesInFlight = 0;
  /** Folds asked of the commit thread and not yet answered; the points the last one wrote. */
  private foldsInFlight = 0;
  private foldedOnThread = 0;
  private closing = false;
  private threadGone = false;
  /** The checkpoint thread said it is ready, and took over the checkpoints. */
  private checkpointsUp = false;
  private checkpointsGone = false;
  /** This thread's writes waiting for the commit thread to finish its groups and folds (whenQuiet). */
  private readonly quietWrites: (() => void)[] = [];
  private readonly statements;
  private lastPrune = 0;
  /** The file's cap (--max-store-bytes), for what SQLITE_FULL means. */
  private maxBytes: number;
  private lastFold = 0;
  /**
   * History of the batches committed on this thread (while the commit thread
   * starts, after it died) not yet written; the thread keeps that of its own.
   */
  private readonly history = new PendingHistory();
  private readonly historyWriter: (pending: PendingHistory) => number;
  /** Prunes on this thread while appends are committed here (prune.ts); the commit thread prunes otherwise. */
  private readonly pruner: Pruner;
  /** Prunes asked of the commit thread and not yet answered (at most one). */
  private prunesInFlight = 0;
  /** The wait before the next history write: FOLD_EVERY_MS, longer after a large write (FOLD_ROWS). */
  private foldEveryMs = FOLD_EVERY_MS;
  /**
   * Minute rows written since the last history write was decided: this thread's and the commit thread's,
   * whichever ends last (a write held back by a commit in flight ends after the thread's of the write before).
   */
  private foldRows = 0;
  /** The last storage error, until a commit succeeds again (and the recovery at start is done). */
  failure: StorageError | null = null;
  /**
   * Batches up to this id were stored before this start and may not be in the
   * history yet (the process died between commit and fold). They are folded
   * first; until then the history gathered since start waits in memory, so
   * that the "folded through" mark never passes a batch not yet folded.
   */
  private readonly recoverThrough: number;
  private recovering = true;
  /**
   * The newest batch id whose commit was answered here (or stored before this
   * start): a batch the commit thread has stored but whose append has not yet
   * resolved is not among the recent batches. Its caller still holds it (a
   * cluster node carries it as a first transmission), and would count it twice.
   */
  private answeredThrough: number;
  /** The first batch id stored with point cells (point-cells.ts). */
  private readonly pointCellsFrom: number;
  /** When batch ids were committed, to prune by id. */
  private readonly marks = new CommitMarks();
  /** `commits`: transactions made, each of one or more groups of batches. */
  readonly counters = { committedBatches: 0, committedPoints: 0, duplicates: 0, commits: 0, failedCommits: 0 };

  constructor(private readonly options: StoreOptions) {
    mkdirSync(options.dataDir, { recursive: true });
    const file = join(options.dataDir, "heatlens.db");
    this.db = openDatabase(file);
    this.db.exec(`
      -- Each client's delivered seqs as runs lo..hi (commits.ts); at: the newest delivery in the run, to a minute (AT_STEP_MS).
      CREATE TABLE IF NOT EXISTS delivered_runs (
        client TEXT NOT NULL, lo INTEGER NOT NULL, hi INTEGER NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (client, lo)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS delivered_runs_at ON delivered_runs (at);
      CREATE TABLE IF NOT EXISTS batches (
        -- AUTOINCREMENT: ids are never reused once pruned, so "folded up to id" stays true.
        id INTEGER PRIMARY KEY AUTOINCREMENT, max_t INTEGER NOT NULL, groups TEXT NOT NULL, body BLOB);
      -- Batches are pruned by id (CommitMarks): an index on max_t cost a fifth of each batch's insert.
      DROP INDEX IF EXISTS batches_max_t;
      CREATE TABLE IF NOT EXISTS minutes (
        key TEXT NOT NULL, minute INTEGER NOT NULL, cell INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (key, minute, cell)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS hours (
        key TEXT NOT NULL, hour INTEGER NOT NULL, cell INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (key, hour, cell)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      -- The latest controls inventory of each page key (coverage), a JSON array of selectors.
      CREATE TABLE IF NOT EXISTS controls (
        key TEXT PRIMARY KEY, selectors TEXT NOT NULL, cut INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
      -- Rage, dead and error clicks: rare, so one row each; steps a JSON array of selectors, or null.
      CREATE TABLE IF NOT EXISTS signals (
        key TEXT NOT NULL, selector TEXT NOT NULL, kind INTEGER NOT NULL, client TEXT NOT NULL, t INTEGER NOT NULL,
        steps TEXT);
      CREATE INDEX IF NOT EXISTS signals_key_t ON signals (key, t);
      CREATE INDEX IF NOT EXISTS signals_t ON signals (t);
      INSERT OR IGNORE INTO meta VALUES ('folded', 0);
    `);
    // Stores made before delivered seqs were kept as runs: each client's consecutive seqs become one run.
    if (this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'delivered'").get()) {
      // One transaction, rolled back if it fails: the old table stays until its runs are written.
      this.db
        .transaction(() =>
          this.db.exec(`
            INSERT OR IGNORE INTO delivered_runs (client, lo, hi, at)
              SELECT client, MIN(seq), MAX(seq), MAX(at) FROM (
                SELECT client, seq, at, seq - ROW_NUMBER() OVER (PARTITION BY client ORDER BY seq) AS run FROM delivered)
              GROUP BY client, run;
            DROP TABLE delivered;
          `),
        )
        .immediate();
    }
    // Stores made before batches had a binary body: their rows keep the groups as JSON (batch-codec.ts).
    const columns = this.db.prepare("PRAGMA table_info(batches)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "body")) this.db.exec("ALTER TABLE batches ADD COLUMN body BLOB");
    // Stores made before signals had steps: their signals' steps are unknown (null).
    const signalColumns = this.db.prepare("PRAGMA table_info(signals)").all() as { name: string }[];
    if (!signalColumns.some((c) => c.name === "steps")) this.db.exec("ALTER TABLE signals ADD COLUMN steps TEXT");
    // Stores made before batches named their client and seq: a cluster node does not republish those rows.
    if (!columns.some((c) => c.name === "client")) {
      this.db.exec("ALTER TABLE batches ADD COLUMN client TEXT; ALTER TABLE batches ADD COLUMN seq INTEGER");
    }
    this.pointCellsFrom = usePointCells(this.db);
    // After the schema, so that a small limit refuses data, never the tables a start needs.
    setMaxBytes(this.db, options.maxStoreBytes);
    this.maxBytes = options.maxStoreBytes;
    this.statements = {
      unfolded: this.db.prepare("SELECT id, groups, body FROM batches WHERE id > ? AND id <= ? ORDER BY id LIMIT ?"),
      lastId: this.db.prepare("SELECT COALESCE(MAX(id), 0) AS id FROM batches"),
      folded: this.db.prepare("SELECT value FROM meta WHERE name = 'folded'"),
      // The whole table (the live windows and a minute): read at start only, and by a cluster node after an outage.
      recent: this.db.prepare(
        "SELECT id, groups, body, client, seq FROM batches WHERE max_t >= ? AND id <= ? ORDER BY id",
      ),
      rangeMinutes: this.db.prepare(
        "SELECT cell, SUM(n) AS n FROM minutes WHERE key = ? AND minute >= ? AND minute < ? GROUP BY cell",
      ),
      rangeHours: this.db.prepare(
        "SELECT cell, SUM(n) AS n FROM hours WHERE key = ? AND hour >= ? AND hour < ? GROUP BY cell",
      ),
      allControls: this.db.prepare("SELECT key, selectors, cut, at FROM controls ORDER BY key"),
      signalsSince: this.db.prepare("SELECT key, selector, kind, client, t FROM signals WHERE t >= ? ORDER BY rowid"),
      // The steps of each group's latest signal in the range (the newest row of the latest time).
      countSignals: this.db.prepare(
        `SELECT key, selector, kind, COUNT(*) AS count, COUNT(DISTINCT client) AS testers, MIN(t) AS first, MAX(t) AS last,
           (SELECT latest.steps FROM signals AS latest
            WHERE latest.key = s.key AND latest.selector = s.selector AND latest.kind = s.kind AND latest.t >= ? AND latest.t < ?
            ORDER BY latest.t DESC, latest.rowid DESC LIMIT 1) AS steps
         FROM signals AS s WHERE t >= ? AND t < ? GROUP BY key, selector, kind ORDER BY last DESC`,
      ),
      sideMinutes: this.db.prepare(
        "SELECT key, cell, SUM(n) AS n FROM minutes WHERE key >= ? AND key < ? AND minute >= ? AND minute < ? GROUP BY key, cell",
      ),
      tagMinutes: this.db.prepare(
        "SELECT key, SUM(n) AS n, MIN(minute) AS first, MAX(minute) AS last FROM minutes WHERE key >= ? AND key < ? AND minute >= ? AND minute < ? GROUP BY key",
      ),
      sideHours: this.db.prepare(
        "SELECT key, cell, SUM(n) AS n FROM hours WHERE key >= ? AND key < ? AND hour >= ? AND hour < ? GROUP BY key, cell",
      ),
    };
    this.historyWriter = historyWriter(this.db);
    this.pruner = pruner(this.db);
    this.recoverThrough = (this.statements.lastId.get() as { id: number }).id;
    this.answeredThrough = this.recoverThrough;
    // Every batch stored before this start was committed before now.
    this.marks.note(this.recoverThrough, this.options.clock());
    this.recover();

    // Started once the schema exists, so that its connection finds the tables; it takes a moment to start.
    this.commitHere = committer(this.db);
    const { port1, port2 } = new MessageChannel();
    const done = new SharedArrayBuffer(4);
    this.posted = new Int32Array(done);
    this.results = port1;
    const checkpointWanted = new SharedArrayBuffer(4);
    const boot = new URL("./thread-boot.js", import.meta.url);
    const data: CommitThreadData = {
      entry: new URL("./commit-thread.ts", import.meta.url).href,
      file,
      maxBytes: options.maxStoreBytes,
      port: port2,
      done,
      checkpointWanted,
    };
    this.commitThread = new Worker(boot, { workerData: data, transferList: [port2] });
    // Only an answer awaited keeps the process alive (see post()): an idle store never holds its exit.
    this.commitThread.unref();
    port1.on("message", (answer: CommitThreadAnswer) => this.receive(answer));
    this.commitThread.once("message", () => {
      this.commitHere = null;
    });
    port1.unref();
    this.commitThread.once("error", (error) => this.threadLost(error.message));
    this.commitThread.once("exit", (code) => {
      if (!this.closing) this.threadLost(`it exited with code ${code}`);
    });

    const checkpoints: CheckpointThreadData = {
      entry: new URL("./checkpoint-thread.ts", import.meta.url).href,
      file,
      wanted: checkpointWanted,
      resetFrames: options.walResetFrames ?? WAL_RESET_FRAMES,
    };
    this.checkpointThread = new Worker(boot, { workerData: checkpoints });
    this.checkpointThread.unref();
    // Until it is up, commits checkpoint as SQLite's do: the log never grows unchecked meanwhile.
    this.checkpointThread.once("message", () => {
      // Without the commit thread, nothing finishes what it starts (threadLost): this connection goes on checkpointing.
      if (this.closing || this.checkpointsGone || this.threadGone) return;
      this.checkpointsUp = true;
      checkpointHere(this.db, false);
      this.post({ kind: "checkpoints", here: false });
    });
    this.checkpointThread.once("error", (error) => this.checkpointsLost(error.message));
    this.checkpointThread.once("exit", (code) => {
      if (!this.closing) this.checkpointsLost(`it exited with code ${code}`);
    });
  }

  /** After the checkpoint thread died: every connection checkpoints after its own commits again. */
  private checkpointsLost(reason: string): void {
    if (this.closing || this.checkpointsGone) return;
    this.checkpointsGone = true;
    checkpointHere(this.db, true);
    this.post({ kind: "checkpoints", here: true });
    this.options.onThreadLost?.("checkpoint", reason);
  }

  /**
   * After the commit thread died: the groups in flight are refused (their
   * clients resend them) and the next ones are committed on this thread.
   */
  private threadLost(reason: string): void {
    if (this.threadGone) return;
    this.threadGone = true;
    this.commitHere = committer(this.db);
    // Nothing answers the checkpoint thread's requests to start the log over now: this connection checkpoints.
    checkpointHere(this.db, true);
    // Its history not yet written is folded by the next start's recovery (those batches are stored, unfolded).
    this.foldsInFlight = 0;
    // Its prune stopped between two steps: the next prune goes on from there.
    this.prunesInFlight = 0;
    // All taken before any is refused: a refusal's flush commits the queue here, as groups in flight.
    const lost = this.inFlight.splice(0).flat();
    this.batchesInFlight = 0;
    const failure = this.noteFailure({ code: "E_STORAGE", message: `commit thread: ${reason}` });
    tell(lost, failure, null);
    this.options.onThreadLost?.("commit", reason);
    this.afterAnswer();
  }

  /**
   * Resolves once the batch is durable: `false` when it was stored now,
   * `true` when this (client, seq) had been stored before. Rejects with a
   * StorageError when it could not be stored.
   */
  append(batch: StoredBatch): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.appendThen(batch, (failure, duplicate) => (failure ? reject(failure) : resolve(duplicate)));
    });
  }

  /**
   * `append`, its outcome told to `done` rather than by a promise: the
   * outcomes of a commit are told together, in one microtask.
   */
  appendThen(batch: StoredBatch, done: Appended): void {
    this.queue.push({ batch, done });
    // A full group goes at once, so that the commit thread works while this thread parses the next frames.
    if (this.queue.length >= BATCHES_PER_GROUP && !this.commitHere) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Every signal with a time at or after `since`, in the order stored. */
  signalsSince(since: number): StoredSignal[] {
    return this.statements.signalsSince.all(since) as StoredSignal[];
  }

  /** Signals with a time in [from, to), counted per page key, element and kind, the latest first. */
  signalCounts(from: number, to: number): SignalCount[] {
    return (
      this.statements.countSignals.all(from, to, from, to) as (Omit<SignalCount, "steps"> & { steps: string | null })[]
    ).map((row) => ({ ...row, steps: row.steps === null ? null : (JSON.parse(row.steps) as string[]) }));
  }

  /** Every page key's latest controls inventory. */
  controls(): StoredControls[] {
    return (this.statements.allControls.all() as { key: string; selectors: string; cut: number; at: number }[]).map(
      (row) => ({ key: row.key, selectors: JSON.parse(row.selectors) as string[], cut: row.cut, at: row.at }),
    );
  }

  /** Every point of batches whose newest point is at or after `since`, oldest batch first. */
  recent(since: number): KeyedPoints[][] {
    return this.recentBatches(since).map((batch) => batch.groups);
  }

  /**
   * The batches whose newest point is at or after `since`, oldest first,
   * whose appends have resolved; `client` is null in rows stored before it was kept.
   */
  recentBatches(since: number): { client: string | null; seq: number | null; groups: KeyedPoints[] }[] {
    return (
      this.statements.recent.all(since, this.answeredThrough) as (Row & {
        id: number;
        client: string | null;
        seq: number | null;
      })[]
    ).map((row) => ({
      client: row.client,
      seq: row.seq,
      groups: this.groupsOf(row, decodeGroups(row.groups, row.body)),
    }));
  }

  /** A stored batch's groups, read into point cells if it was stored before them (point-cells.ts). */
  private groupsOf(row: { id: number }, groups: KeyedPoints[]): KeyedPoints[] {
    return row.id < this.pointCellsFrom ? toPointCells(groups) : groups;
  }

  /** Cell counts of `key` for capture times in [from, to), from whole minutes and hours. */
  range(key: string, from: number, to: number): Map<number, number> {
    const cells = new Map<number, number>();
    for (const { cell, n } of this.rangeRows(from, to, (table, first, end) =>
      (table === "hours" ? this.statements.rangeHours : this.statements.rangeMinutes).all(key, first, end),
    ) as { cell: number; n: number }[])
      cells.set(cell, (cells.get(cell) ?? 0) + n);
    return cells;
  }

  /** Cell counts of every side key of `pageKey` (protocol/anchor.ts) in [from, to), by key. */
  sideRange(pageKey: string, from: number, to: number): Map<string, Map<number, number>> {
    const prefix = sidePrefix(pageKey);
    const after = raised(prefix);
    const byKey = new Map<string, Map<number, number>>();
    for (const { key, cell, n } of this.rangeRows(from, to, (table, first, end) =>
      (table === "hours" ? this.statements.sideHours : this.statements.sideMinutes).all(prefix, after, first, end),
    ) as { key: string; cell: number; n: number }[]) {
      let cells = byKey.get(key);
      if (!cells) {
        cells = new Map();
        byKey.set(key, cells);
      }
      cells.set(cell, (cells.get(cell) ?? 0) + n);
    }
    return byKey;
  }

  /**
   * The build labels and testers `pageKey` has points from in [from, to)
   * (whole minutes): each with its points and its first and last minute, the
   * latest first.
   */
  tags(
    pageKey: string,
    from: number,
    to: number,
  ): { kind: TagKind; label: string; points: number; first: number; last: number }[] {
    const prefix = tagPrefix(pageKey);
    const rows = this.statements.tagMinutes.all(
      prefix,
      raised(prefix),
      Math.floor(from / MINUTE),
      Math.ceil(to / MINUTE),
    ) as { key: string; n: number; first: number; last: number }[];
    const found = [];
    for (const row of rows) {
      const tag = splitTaggedKey(row.key);
      if (!tag || tag.pageKey !== pageKey) continue;
      found.push({
        kind: tag.kind,
        label: tag.label,
        points: row.n,
        first: row.first * MINUTE,
        last: (row.last + 1) * MINUTE,
      });
    }
    return found.sort((a, b) => b.last - a.last || b.points - a.points);
  }

  /** Rows of whole hours inside [from, to) and of the minutes around them, as `read` gives them. */
  private rangeRows(
    from: number,
    to: number,
    read: (table: "minutes" | "hours", first: number, end: number) => unknown[],
  ): unknown[] {
    const firstMinute = Math.floor(from / MINUTE);
    const endMinute = Math.ceil(to / MINUTE);
    const firstHour = Math.ceil(firstMinute / 60);
    const endHour = Math.floor(endMinute / 60);
    if (firstHour < endHour) {
      return [
        ...read("hours", firstHour, endHour),
        ...read("minutes", firstMinute, firstHour * 60),
        ...read("minutes", endHour * 60, endMinute),
      ];
    }
    return read("minutes", firstMinute, endMinute);
  }

  /**
   * Writes the history gathered in memory since the last call (at most every
   * two seconds), then prunes what retention and the live windows no longer
   * need (at most every ten seconds). The commit thread writes the history
   * of its batches; `force` waits for it. Returns how many points were
   * written: without `force`, only those written on this thread at once.
   */
  maintain(force = false): number {
    const now = this.options.clock();
    const fold = force || now - this.lastFold >= this.foldEveryMs;
    const prune = force || now - this.lastPrune >= PRUNE_EVERY_MS;
    if (fold) {
      this.lastFold = now;
      this.foldRows = 0;
    }
    if (prune) this.lastPrune = now;
    let written = 0;
    if (fold || prune) {
      this.whenQuiet(() => {
        if (fold) {
          if (this.recovering) this.recover();
          // This thread's batches first: they precede the thread's, so the folded mark never passes one unwritten.
          const points = this.history.points;
          if (!this.recovering && this.writeHistory(this.history)) {
            written = points + (this.commitHere ? 0 : this.foldOnThread(force));
          }
        }
        // After the thread's fold, not beside it; with `force`, done when this returns.
        if (prune) this.whenQuiet(() => this.prune(now, force));
      });
    }
    return written;
  }

  /**
   * Runs `write` once the commit thread has no group in flight (at once if it
   * has none), holding the next groups back meanwhile: this thread then never
   * waits for the thread's write lock, which it could hold for a while on a
   * busy machine.
   */
  private whenQuiet(write: () => void): void {
    if (this.quiet) return write();
    this.quietWrites.push(write);
  }

  private get quiet(): boolean {
    return this.inFlight.length === 0 && this.foldsInFlight === 0;
  }

  /** Asks the commit thread to write its history; with `wait`, returns the points it wrote once it answered. */
  private foldOnThread(wait: boolean): number {
    this.foldsInFlight++;
    this.post({ kind: "fold" });
    if (!wait) return 0;
    this.awaitThread(() => this.foldsInFlight === 0);
    return this.foldedOnThread;
  }

  /** Takes the commit thread's answers without returning to the event loop, until `done` (or it stops answering). */
  private awaitThread(done: () => boolean): void {
    while (!done() && !this.commitHere) {
      if (Atomics.wait(this.posted, 0, this.received, CLOSE_WAIT_MS) === "timed-out") return;
      for (let answer = receiveMessageOnPort(this.results); answer; answer = receiveMessageOnPort(this.results)) {
        this.receive(answer.message as CommitThreadAnswer);
      }
    }
  }

  /** After a history write of `rows` minute rows: the wait before the next, from now (FOLD_ROWS). */
  private spaceFolds(rows: number): void {
    this.foldRows += rows;
    this.foldEveryMs = Math.min(FOLD_AT_MOST_MS, FOLD_EVERY_MS * Math.max(1, this.foldRows / FOLD_ROWS));
    this.lastFold = Math.max(this.lastFold, this.options.clock());
  }

  /** Writes `pending` (history.ts); on a failure keeps it for the next try. Returns whether it was written. */
  private writeHistory(pending: PendingHistory): boolean {
    // Nothing to write touches no file: it says nothing of whether the store writes again.
    const empty = pending.points === 0 && pending.through === 0;
    try {
      this.spaceFolds(this.historyWriter(pending));
    } catch (error) {
      this.noteFailure(error);
      return false;
    }
    if (!this.recovering && !empty) this.failure = null;
    return true;
  }

  /**
   * Folds batches stored before this start but not yet in the history (after
   * a crash). On a storage failure (a full disk) it stops and is tried again
   * at the next fold, so the companion still starts, says why in /healthz,
   * and catches up once space returns.
   */
  private recover(): void {
    for (;;) {
      const from = (this.statements.folded.get() as { value: number }).value;
      const rows = this.statements.unfolded.all(from, this.recoverThrough, 1000) as (Row & { id: number })[];
      if (rows.length === 0) {
        this.recovering = false;
        this.failure = null;
        return;
      }
      const pending = new PendingHistory();
      for (const row of rows) pending.add(this.groupsOf(row, decodeGroupViews(row.groups, row.body)));
      pending.through = (rows.at(-1) as { id: number }).id;
      if (!this.writeHistory(pending)) return;
    }
  }

  /**
   * Drops folded batches older than the live windows, and history, delivery
   * records and controls inventories (of pages not viewed since) past
   * retention: on the commit thread, in steps between its commits (prune.ts),
   * once the one asked before is done. With `wait`, returns once it is done.
   */
  prune(now = this.options.clock(), wait = true): void {
    const before = now - this.options.liveMs - MINUTE;
    const request: PruneRequest = {
      through: this.marks.committedBefore(before),
      before,
      oldest: now - this.options.retentionDays * 24 * HOUR,
    };
    const step = this.options.pruneStep ?? PRUNE_STEP;
    if (this.commitHere) return this.pruneHere(request, step);
    if (this.prunesInFlight === 0) {
      this.prunesInFlight++;
      this.post({ kind: "prune", request, step });
    }
    if (wait) this.awaitThread(() => this.prunesInFlight === 0);
  }

  private pruneHere({ through, before, oldest }: PruneRequest, step: number): void {
    try {
      if (this.pruner.retention(oldest)) {
        // Runs kept at hand by a committer (commits.ts) may be among those gone.
        this.commitHere?.forget();
        this.post({ kind: "forget" });
      }
      const batches = new BatchPrune(this.pruner, before, through, step);
      while (batches.next());
    } catch (error) {
      this.noteFailure(error);
    }
  }

  /**
   * The grid this store's points are binned on (`--cols` and `--bands`),
   * recorded the first time it is asked: null when `grid` is it, else the one
   * recorded. A stored cell is a column and row of that grid and a key names
   * one of its bands, so a store is read on it alone.
   */
  recordedGrid(grid: { cols: number; bands: string }): { cols: number; bands: string } | null {
    const read = this.db.prepare("SELECT value FROM meta WHERE name = ?").pluck();
    const write = this.db.prepare("INSERT OR IGNORE INTO meta VALUES (?, ?)");
    this.db.transaction(() => {
      write.run("grid_cols", grid.cols);
      write.run("grid_bands", grid.bands);
    })();
    const recorded = { cols: Number(read.get("grid_cols")), bands: String(read.get("grid_bands")) };
    return recorded.cols === grid.cols && recorded.bands === grid.bands ? null : recorded;
  }

  /** Whether appends go to the commit thread: not while it starts, nor after it died. */
  get committingOnThread(): boolean {
    return this.commitHere === null;
  }

  /** Whether the write-ahead log is copied on the checkpoint thread: not while it starts, nor after it or the commit thread died. */
  get checkpointingOnThread(): boolean {
    return this.checkpointsUp && !this.checkpointsGone && !this.threadGone;
  }

  /** Caps the database file's size; appends past it fail with SQLITE_FULL until it is raised. */
  setMaxBytes(bytes: number): void {
    this.maxBytes = bytes;
    setMaxBytes(this.db, bytes);
    this.post({ kind: "maxBytes", bytes });
  }

  /**
   * Waits for the commit in flight, commits what is still queued on this
   * thread, and closes: every append made before resolves or rejects first.
   */
  close(): void {
    this.closing = true;
    this.awaitThread(() => this.quiet);
    // Committed again here if the thread did not answer: a batch it did store comes back as a duplicate.
    const rest = [...this.inFlight.splice(0).flat(), ...this.queue.splice(0)];
    this.commitHere ??= committer(this.db);
    if (rest.length > 0) {
      this.inFlight.push(rest);
      this.batchesInFlight = rest.length;
      this.settle(
        this.commitHere(
          rest.map((w) => encodeBatch(w.batch)),
          this.options.clock(),
        ),
        true,
      );
    }
    void this.commitThread.terminate();
    void this.checkpointThread.terminate();
    this.db.close();
  }

  private post(message: CommitThreadMessage): void {
    if (message.kind === "commit" || message.kind === "fold") this.results.ref();
    this.results.postMessage(message);
  }

  /** Sends what is queued to the commit thread, in groups, while fewer than BATCHES_IN_FLIGHT are unanswered and no write waits here. */
  private flush(): void {
    while (
      !this.closing &&
      this.quietWrites.length === 0 &&
      this.queue.length > 0 &&
      this.batchesInFlight < BATCHES_IN_FLIGHT
    ) {
      const waiting = this.queue.splice(0, BATCHES_PER_GROUP);
      this.inFlight.push(waiting);
      this.batchesInFlight += waiting.length;
      if (this.commitHere) {
        this.settle(
          this.commitHere(
            waiting.map((w) => encodeBatch(w.batch)),
            this.options.clock(),
          ),
          true,
        );
        continue;
      }
      // Encoded there (batch-transfer.ts).
      this.post({ kind: "commit", packed: this.packer.pack(waiting.map((w) => w.batch)), now: this.options.clock() });
    }
  }

  private receive(answer: CommitThreadAnswer): void {
    this.received++;
    // An answer still on its way when the thread died: its groups were refused then (and are sent again).
    if (this.threadGone) return;
    if (answer.kind === "commit") return this.settle(answer, false, answer.groups);
    if (answer.kind === "prune") {
      this.prunesInFlight--;
      if (!answer.ok) this.noteFailure(answer);
      return;
    }
    this.foldsInFlight--;
    if (answer.ok) {
      this.foldedOnThread = answer.points;
      this.spaceFolds(answer.rows);
      if (!this.recovering) this.failure = null;
    } else this.noteFailure(answer);
    this.afterAnswer();
  }

  /**
   * Resolves (or rejects) the oldest `groups` groups in flight with their
   * commit's result (`here`: committed on this thread, whose history it then
   * joins), then sends what waits.
   */
  private settle(result: CommitResult, here: boolean, groups = 1): void {
    const waiting = groups === 1 ? (this.inFlight.shift() ?? []) : this.inFlight.splice(0, groups).flat();
    this.batchesInFlight -= waiting.length;
    if (!result.ok) {
      tell(waiting, this.noteFailure({ code: result.code, message: result.message }), null);
    } else {
      this.counters.commits++;
      if (!this.recovering) this.failure = null;
      if (here && result.lastId) this.history.through = result.lastId;
      // Before any of the group's appends resolves, in this same task.
      if (result.lastId > this.answeredThrough) this.answeredThrough = result.lastId;
      if (result.lastId) this.marks.note(result.lastId, this.options.clock());
      waiting.forEach((w, i) => {
        if (result.duplicates[i]) this.counters.duplicates++;
        else {
          this.counters.committedBatches++;
          for (const group of w.batch.groups) this.counters.committedPoints += pointsOf(group);
          if (here) this.history.add(w.batch.groups);
        }
      });
      tell(waiting, null, result.duplicates);
    }
    this.afterAnswer();
  }

  private afterAnswer(): void {
    if (this.quiet) this.results.unref();
    // One at a time: a write may ask the thread to fold, and the next then waits for that.
    while (this.quiet && this.quietWrites.length > 0) (this.quietWrites.shift() as () => void)();
    this.flush();
  }

  private noteFailure(error: unknown): StorageError {
    this.counters.failedCommits++;
    const code = (error as { code?: string }).code ?? "E_STORAGE";
    const message = (error as { message: string }).message;
    this.failure = new StorageError(code, code === "SQLITE_FULL" ? this.fullReason(message) : message);
    return this.failure;
  }

  /** What SQLITE_FULL means here: the file cannot grow past the cap, or the disk is full. */
  private fullReason(message: string): string {
    try {
      const pageSize = this.db.pragma("page_size", { simple: true }) as number;
      const used = (this.db.pragma("page_count", { simple: true }) as number) * pageSize;
      if (used + pageSize > this.maxBytes) {
        return `the store reached --max-store-bytes (${used} of ${this.maxBytes} bytes): raise it, or lower --retention-days`;
      }
    } catch {
      // The file cannot be read either: SQLite's own words.
    }
    return `${message} (the disk is full)`;
  }
}

/** The first string after every string that starts with `prefix`: keys in [prefix, raised(prefix)) start with it. */
function raised(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * Which batch ids were committed before a time: a batch committed before the
 * live windows began holds no point they need unless its points' times are
 * ahead of the companion's clock, so batches are pruned by their id (a range
 * of the primary key) and, within it, by their newest point's time. One mark
 * per MARK_EVERY_MS that saw a commit: the newest id committed in it, and
 * when; a batch is pruned at most that much later than its time.
 */
export class CommitMarks {
  private readonly marks: { id: number; at: number; opened: number }[] = [];
  private through = 0;

  /** Every batch up to `id` was committed by `at`. */
  note(id: number, at: number): void {
    const last = this.marks.at(-1);
    if (last !== undefined && at >= last.opened && at - last.opened < MARK_EVERY_MS) {
      last.id = Math.max(last.id, id);
      last.at = Math.max(last.at, at);
    } else this.marks.push({ id, at, opened: at });
  }

  /** The newest id known to have been committed before `at` (0: none). */
  committedBefore(at: number): number {
    while (this.marks.length > 0 && (this.marks[0] as { at: number }).at < at) {
      this.through = Math.max(this.through, (this.marks.shift() as { id: number }).id);
    }
    return this.through;
  }
}
