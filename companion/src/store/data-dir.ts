/**
 * The companion's data directory: created private (0700) when missing, checked
 * to be a directory this process can write before any database is opened, and
 * its database file created 0600 (SQLite gives the -wal and -shm files the
 * main file's mode). A problem is one `DataDirError` naming the path and why.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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
