/**
 * How batches are appended to the store, shared by the commit thread
 * (commit-thread.ts), where appends are committed while the main thread
 * parses the next frames, and the main thread, which commits what is left
 * when the store closes. One transaction per group of batches: each batch's
 * (client, seq) is recorded in `delivered`, and only a batch not recorded
 * before is written to `batches`.
 */
import Database from "better-sqlite3";

/** A batch encoded for the `batches` table (batch-codec.ts): what crosses to the commit thread. */
export interface EncodedBatch {
  client: string;
  seq: number;
  /** The newest point's time, rounded: batches older than the live windows are pruned by it. */
  maxT: number;
  head: string;
  body: Uint8Array;
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

/** Caps the file's size for this connection; writes past it fail with SQLITE_FULL. */
export function setMaxBytes(db: Database.Database, bytes: number): void {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  db.pragma(`max_page_count = ${Math.max(1, Math.floor(bytes / pageSize))}`);
}

/** Commits groups of batches on `db`. */
export function committer(db: Database.Database): (batches: readonly EncodedBatch[], now: number) => CommitResult {
  const deliver = db.prepare("INSERT OR IGNORE INTO delivered (client, seq, at) VALUES (?, ?, ?)");
  const insertBatch = db.prepare("INSERT INTO batches (max_t, groups, body, client, seq) VALUES (?, ?, ?, ?, ?)");
  const commit = db.transaction((batches: readonly EncodedBatch[], now: number) => {
    let lastId = 0;
    const duplicates = batches.map(({ client, seq, maxT, head, body }) => {
      if (deliver.run(client, seq, now).changes === 0) return true;
      const blob = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      lastId = Number(insertBatch.run(maxT, head, blob, client, seq).lastInsertRowid);
      return false;
    });
    return { duplicates, lastId };
  });
  return (batches, now) => {
    try {
      // Immediate: the write lock is taken (or waited for) up front, never lost to the other connection midway.
      return { ok: true, ...commit.immediate(batches, now) };
    } catch (error) {
      return {
        ok: false,
        code: (error as { code?: string }).code ?? "E_STORAGE",
        message: (error as Error).message,
      };
    }
  };
}
