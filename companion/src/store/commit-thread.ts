/**
 * The commit thread: encodes and commits the groups of batches the store
 * sends it (commits.ts) on its own connection to the store's file, the
 * groups waiting when a commit ends together in the next, so that
 * this work overlaps the main thread's parsing, and gathers and writes the history
 * of the batches it committed (history.ts) when the store asks it to fold,
 * and prunes (prune.ts) in steps between its commits when asked to. Between
 * two commits it also finishes what the checkpoint thread started
 * (checkpoint-thread.ts), when that thread asks. Each answer is posted on the port it was given, then `done` is raised, so
 * that a closing store can wait for them without returning to the event
 * loop. It says "ready" to its parent once its connection is open.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { BodyArena } from "./batch-codec";
import { BatchUnpacker, type PackedBatches } from "./batch-transfer";
import {
  type CommitResult,
  checkpointHere,
  committer,
  encodeBatch,
  finishCheckpoint,
  openDatabase,
  setMaxBytes,
} from "./commits";
import { historyWriter, PendingHistory } from "./history";
import { BatchPrune, type PruneRequest, pruner } from "./prune";

export interface CommitThreadData {
  /** This module, for thread-boot.js. */
  entry: string;
  file: string;
  maxBytes: number;
  port: MessagePort;
  /** One Int32: the number of answers posted so far. */
  done: SharedArrayBuffer;
  /** The checkpoint thread's request to start the log over (checkpoint-thread.ts). */
  checkpointWanted: SharedArrayBuffer;
}

export type CommitThreadMessage =
  | { kind: "commit"; packed: PackedBatches; now: number }
  /** Write the history gathered so far: the store's own batches before these are written. */
  | { kind: "fold" }
  | { kind: "maxBytes"; bytes: number }
  /** Runs were deleted from the file: forget those kept at hand. */
  | { kind: "forget" }
  /** Whether this connection checkpoints after its commits: not while the checkpoint thread runs (checkpointHere). */
  | { kind: "checkpoints"; here: boolean }
  /** Prune (prune.ts): batches in steps of `step` batches, commits going on between them. */
  | { kind: "prune"; request: PruneRequest; step: number };

export type CommitThreadAnswer =
  /** The outcome of the next `groups` groups sent, committed together, in the order sent. */
  | ({ kind: "commit"; groups: number } & CommitResult)
  /** `rows`: the minute rows written (historyWriter). */
  | { kind: "fold"; ok: true; points: number; rows: number }
  | { kind: "fold"; ok: false; code: string; message: string }
  /** `batches`: how many were dropped. */
  | { kind: "prune"; ok: true; batches: number }
  | { kind: "prune"; ok: false; code: string; message: string };

const { file, maxBytes, port, done, checkpointWanted } = workerData as CommitThreadData;
const db = openDatabase(file);
setMaxBytes(db, maxBytes);
const commit = committer(db);
const writeHistory = historyWriter(db);
const prune = pruner(db);
const history = new PendingHistory();
const unpacker = new BatchUnpacker();
/** The bodies of the batches being committed (batch-codec.ts). */
const arena = new BodyArena();
const posted = new Int32Array(done);
const wanted = new Int32Array(checkpointWanted);
parentPort?.postMessage("ready");

function answer(message: CommitThreadAnswer): void {
  port.postMessage(message);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

/** Most batches in one transaction: the groups waiting on the port are committed together, up to this many. */
const BATCHES_PER_TRANSACTION = 128;

/** Handles any message but a commit; a commit's groups are gathered by `commitWaiting`. */
function handle(message: CommitThreadMessage): void {
  if (message.kind === "maxBytes") return setMaxBytes(db, message.bytes);
  if (message.kind === "forget") return commit.forget();
  if (message.kind === "checkpoints") return checkpointHere(db, message.here);
  if (message.kind === "prune") return startPrune(message.request, message.step);
  if (message.kind === "fold") {
    const points = history.points;
    try {
      const rows = writeHistory(history);
      return answer({ kind: "fold", ok: true, points, rows });
    } catch (error) {
      const { code, message: reason } = error as { code?: string; message: string };
      return answer({ kind: "fold", ok: false, code: code ?? "E_STORAGE", message: reason });
    }
  }
}

/** Prunes: one step per turn of this thread's event loop, so that the commits waiting go between two. */
function startPrune({ through, before, oldest }: PruneRequest, step: number): void {
  const failed = (error: unknown) => {
    const { code, message } = error as { code?: string; message: string };
    answer({ kind: "prune", ok: false, code: code ?? "E_STORAGE", message });
  };
  let batches: BatchPrune;
  try {
    // Runs kept at hand may be among those gone.
    if (prune.retention(oldest)) commit.forget();
    batches = new BatchPrune(prune, before, through, step);
  } catch (error) {
    return failed(error);
  }
  const next = (): void => {
    try {
      if (batches.next()) return void setImmediate(next);
    } catch (error) {
      return failed(error);
    }
    answer({ kind: "prune", ok: true, batches: batches.dropped });
  };
  next();
}

/**
 * Commits `first` with the groups that wait on the port behind it, in one
 * transaction: while one commits, the store sends the next without waiting,
 * and they are committed together. A message of another kind ends the
 * gathering and is handled after the commit, in the order sent.
 */
function commitWaiting(first: Extract<CommitThreadMessage, { kind: "commit" }>): void {
  const batches = unpacker.unpack(first.packed);
  let groups = 1;
  let now = first.now;
  let next: CommitThreadMessage | undefined;
  while (batches.length < BATCHES_PER_TRANSACTION) {
    const waiting = receiveMessageOnPort(port);
    if (!waiting) break;
    const message = waiting.message as CommitThreadMessage;
    if (message.kind !== "commit") {
      next = message;
      break;
    }
    batches.push(...unpacker.unpack(message.packed));
    groups++;
    now = message.now;
  }
  if (Atomics.load(wanted, 0) === 1) {
    try {
      // Asked again before the next commit until done: the checkpoint thread may still be copying.
      if (finishCheckpoint(db)) Atomics.store(wanted, 0, 0);
    } catch {
      // The log stays as it was, and a failing file fails the commit below.
    }
  }
  let result: CommitResult;
  try {
    // Encoded here rather than on the main thread: the batches' points come in shared memory.
    arena.reset();
    result = commit(
      batches.map((batch) => encodeBatch(batch, arena)),
      now,
    );
  } catch (error) {
    result = { ok: false, code: "E_STORAGE", message: `encoding a batch: ${(error as Error).message}` };
  }
  if (result.ok) {
    batches.forEach(({ groups }, i) => {
      if (!result.duplicates[i]) history.add(groups);
    });
    if (result.lastId) history.through = result.lastId;
  }
  answer({ kind: "commit", groups, ...result });
  if (next) handle(next);
}

port.on("message", (message: CommitThreadMessage) =>
  message.kind === "commit" ? commitWaiting(message) : handle(message),
);
