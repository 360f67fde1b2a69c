/**
 * The companion's data directory: created private (0700) when missing, checked
 * to be a directory this process can write before any database is opened, and
 * its database file created 0600 (SQLite gives the -wal and -shm files the
 * main file's mode). A problem is one `DataDirError` naming the path and why.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";

const DATABASE_FILE = "heatlens.db";

export class DataDirError extends Error {
  readonly code = "E_DATA_DIR";
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`E_DATA_DIR: cannot use ${path} as the data directory: ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is a file, not a directory",
  ENOENT: "the file system refuses new entries there",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exhausted",
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  return REASONS[code] ?? `${code || "error"}: ${(error as Error).message}`;
}

/**
 * Creates the missing directories one level at a time: Node's recursive mkdir
 * loops forever on paths such as /proc/x, where the parent exists but refuses
 * children with ENOENT.
 */
function createMissing(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) mkdirSync(d, { mode: 0o700 });
}

/** Makes `dir` ready for the companion's database; throws a `DataDirError` otherwise. */
export function prepareDataDir(dir: string): void {
  const path = resolve(dir);
  let stage = "cannot create it";
  try {
    createMissing(path);
    if (!statSync(path).isDirectory()) throw new DataDirError(path, "it is a file, not a directory");
    // Write access is proven by writing: permission bits do not tell for root or read-only mounts.
    stage = "it is not writable";
    const probe = join(path, `.probe-${process.pid}`);
    closeSync(openSync(probe, "wx", 0o600));
    unlinkSync(probe);
    stage = "cannot prepare its database file";
    const database = join(path, DATABASE_FILE);
    if (existsSync(database)) {
      for (const file of [database, `${database}-wal`, `${database}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    } else {
      closeSync(openSync(database, "wx", 0o600));
    }
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    throw new DataDirError(path, `${stage} (${reasonOf(error)})`);
  }
}

const LOCK_FILE = "heatlens.lock";
/** Beside the lock: who holds it, for the message a second companion gives. */
const HOLDER_FILE = "heatlens.lock.json";

/** The data directory held by this companion until `release` (lockDataDir). */
export interface DataDirLock {
  /** Says who holds it (the URL it serves), for a companion refused it. */
  describe(url: string): void;
  release(): void;
}

/**
 * Holds `dir` for this companion alone: a second one on it would keep live
 * windows of its own half of the points (each shows only the batches it
 * took) and fold history beside the first. The lock is SQLite's exclusive
 * lock on a file of its own, held by an open transaction: the system drops
 * it when the process ends, however it ends, so a companion killed with -9
 * leaves nothing to clean up. `heatlens token` commands do not take it.
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = resolve(dir);
  const holder = join(path, HOLDER_FILE);
  let db: Database.Database | null = null;
  try {
    db = new Database(join(path, LOCK_FILE), { timeout: 0 });
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db?.close();
    const code = (error as { code?: string }).code ?? "";
    if (code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") {
      throw new DataDirError(path, `cannot lock it (${reasonOf(error)})`);
    }
    throw new DataDirInUseError(path, heldBy(holder));
  }
  const held = db;
  return {
    describe(url) {
      try {
        writeFileSync(holder, `${JSON.stringify({ pid: process.pid, url, since: new Date().toISOString() })}\n`, {
          mode: 0o600,
        });
      } catch {
        // Only said to a companion refused the directory.
      }
    },
    release() {
      if (!held.open) return;
      try {
        unlinkSync(holder);
      } catch {
        // Not written, or gone.
      }
      held.close();
    },
  };
}

/** Who the holder file names, in words; empty when it cannot be read. */
function heldBy(file: string): string {
  try {
    const { pid, url } = JSON.parse(readFileSync(file, "utf8")) as { pid?: number; url?: string };
    return ` (process ${pid}${url ? `, serving ${url}` : ""})`;
  } catch {
    return "";
  }
}

export class DataDirInUseError extends Error {
  readonly code = "E_DATA_DIR_IN_USE";
  constructor(
    readonly path: string,
    holder: string,
  ) {
    super(
      `E_DATA_DIR_IN_USE: ${path} is in use by another heatlens companion${holder}. ` +
        "One companion serves a data directory: stop that one, or give this one another --data-dir.",
    );
  }
}
