/**
 * The checkpoint thread: copies the pages the store's commits appended to
 * its write-ahead log into the database file (a SQLite checkpoint), on a
 * connection of its own, so that no commit waits for it. A checkpoint made
 * by the committing connection, as SQLite makes one every 1,000 pages, held
 * the commit thread for 12 ms every 150 ms at saturation, and every batch
 * waiting for an ack with it.
 *
 * A passive checkpoint leaves commits going on meanwhile, so the log is
 * never all copied when a commit begins, and SQLite starts it over from its
 * beginning only then: under commits without a pause it would grow without
 * bound. Once it is `resetFrames` pages long, this thread raises `wanted`; the
 * commit thread then copies the few pages committed since, between two
 * commits (commit-thread.ts), and its next commit starts the log over.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "./commits";

export interface CheckpointThreadData {
  /** This module, for thread-boot.js. */
  entry: string;
  file: string;
  /** One Int32, raised to 1 when the log should be started over (see above). */
  wanted: SharedArrayBuffer;
  /** A log this many pages long is started over. */
  resetFrames: number;
}

/**
 * The wait between two checkpoints while the log is BUSY_FRAMES pages long or
 * more, and while it is shorter (under a light load it is started over after
 * each checkpoint).
 */
const SOON_MS = 100;
const LATER_MS = 250;
const BUSY_FRAMES = 100;

const { file, wanted, resetFrames } = workerData as CheckpointThreadData;
const db = openDatabase(file);
const flag = new Int32Array(wanted);
// The store's connections checkpoint themselves until they hear this.
parentPort?.postMessage("ready");

function checkpoint(): void {
  // Passive: never waits for a commit, nor holds one up; "busy" when another connection checkpoints meanwhile.
  // A failure throws: the thread dies, and the store's connections checkpoint themselves again (event-store.ts).
  const [{ log }] = db.pragma("wal_checkpoint(PASSIVE)") as [{ log: number }];
  if (log >= resetFrames) Atomics.store(flag, 0, 1);
  setTimeout(checkpoint, log >= BUSY_FRAMES ? SOON_MS : LATER_MS);
}

// Until the store terminates this thread.
setTimeout(checkpoint, SOON_MS);
