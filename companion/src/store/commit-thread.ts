/**
 * The commit thread: commits the groups of batches the store sends it
 * (commits.ts) on its own connection to the store's file, so that SQLite's
 * work overlaps the main thread's parsing. Each result is posted on the port
 * it was given, then `done` is raised, so that a closing store can wait for
 * the commit in flight without returning to the event loop. It says "ready"
 * to its parent once its connection is open.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { committer, type EncodedBatch, openDatabase, setMaxBytes } from "./commits";

export interface CommitThreadData {
  file: string;
  maxBytes: number;
  port: MessagePort;
  /** One Int32: the number of results posted so far. */
  done: SharedArrayBuffer;
}

export type CommitThreadMessage =
  | { kind: "commit"; batches: EncodedBatch[]; now: number }
  | { kind: "maxBytes"; bytes: number };

const { file, maxBytes, port, done } = workerData as CommitThreadData;
const db = openDatabase(file);
setMaxBytes(db, maxBytes);
const commit = committer(db);
const posted = new Int32Array(done);
parentPort?.postMessage("ready");

port.on("message", (message: CommitThreadMessage) => {
  if (message.kind === "maxBytes") return setMaxBytes(db, message.bytes);
  port.postMessage(commit(message.batches, message.now));
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
});
