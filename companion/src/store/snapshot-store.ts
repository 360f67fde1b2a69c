/**
 * Snapshots attached to pages: each PNG is a file in `<data dir>/snapshots/`,
 * written and synced before its row goes into the `snapshots` table of the
 * companion's database, so a listed snapshot always has its picture. A page
 * (site and path, every band) keeps its newest `perPage`, and all pages
 * together their newest `total`; storing one more drops the oldest, row
 * first, then file. A file left without a row (the
 * process died between the two) is removed at the next start.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { SnapshotMeta } from "../../../protocol/snapshot";

export interface StoredSnapshot {
  id: string;
  meta: SnapshotMeta;
  bytes: number;
  storedAt: number;
}

export interface SnapshotStoreOptions {
  dataDir: string;
  /** Snapshots kept per page, and in all; the oldest go first. */
  perPage: number;
  total: number;
  clock: () => number;
}

interface Row {
  id: string;
  meta: string;
  bytes: number;
  stored_at: number;
}

export class SnapshotStore {
  private readonly db: Database.Database;
  private readonly dir: string;
  private readonly statements;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.dir = join(options.dataDir, "snapshots");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // The event store's database, through a connection of its own (WAL lets both write in turn).
    this.db = new Database(join(options.dataDir, "heatlens.db"));
    this.db.pragma("busy_timeout = 2000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS snapshots (
        id TEXT PRIMARY KEY, origin TEXT NOT NULL, path TEXT NOT NULL, band TEXT NOT NULL,
        taken_at INTEGER NOT NULL, stored_at INTEGER NOT NULL, bytes INTEGER NOT NULL, meta TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS snapshots_page ON snapshots (origin, path, stored_at);
    `);
    this.statements = {
      insert: this.db.prepare("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
      // rowid breaks ties between snapshots stored in the same millisecond.
      list: this.db.prepare(
        "SELECT id, meta, bytes, stored_at FROM snapshots WHERE origin = ? AND path = ? ORDER BY stored_at DESC, rowid DESC",
      ),
      one: this.db.prepare("SELECT id, meta, bytes, stored_at FROM snapshots WHERE id = ?"),
      beyond: this.db.prepare(
        "SELECT id FROM snapshots WHERE origin = ? AND path = ? ORDER BY stored_at DESC, rowid DESC LIMIT -1 OFFSET ?",
      ),
      beyondAll: this.db.prepare("SELECT id FROM snapshots ORDER BY stored_at DESC, rowid DESC LIMIT -1 OFFSET ?"),
      remove: this.db.prepare("DELETE FROM snapshots WHERE id = ?"),
      ids: this.db.prepare("SELECT id FROM snapshots"),
    };
    this.removeOrphans();
  }

  /** Stores `png` for its page; returns it as stored. Throws on a storage failure. */
  add(meta: SnapshotMeta, png: Uint8Array): StoredSnapshot {
    const id = randomBytes(8).toString("hex");
    const file = this.fileOf(id);
    const partial = `${file}.partial`;
    const fd = openSync(partial, "wx", 0o600);
    try {
      writeSync(fd, png);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, file);
    const storedAt = this.options.clock();
    this.statements.insert.run(
      id,
      meta.origin,
      meta.path,
      meta.band,
      meta.takenAt,
      storedAt,
      png.length,
      JSON.stringify(meta),
    );
    const dropped = [
      ...this.statements.beyond.all(meta.origin, meta.path, this.options.perPage),
      ...this.statements.beyondAll.all(this.options.total),
    ] as { id: string }[];
    for (const { id: old } of dropped) this.remove(old);
    return { id, meta, bytes: png.length, storedAt };
  }

  /** The page's snapshots, newest first. */
  list(origin: string, path: string): StoredSnapshot[] {
    return (this.statements.list.all(origin, path) as Row[]).map(toStored);
  }

  get(id: string): StoredSnapshot | null {
    const row = this.statements.one.get(id) as Row | undefined;
    return row ? toStored(row) : null;
  }

  /** The PNG of a stored snapshot. */
  image(id: string): Buffer {
    return readFileSync(this.fileOf(id));
  }

  close(): void {
    this.db.close();
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.png`);
  }

  private remove(id: string): void {
    this.statements.remove.run(id);
    rmSync(this.fileOf(id), { force: true });
  }

  private removeOrphans(): void {
    const kept = new Set((this.statements.ids.all() as { id: string }[]).map((r) => `${r.id}.png`));
    for (const name of readdirSync(this.dir)) if (!kept.has(name)) rmSync(join(this.dir, name), { force: true });
  }
}

function toStored(row: Row): StoredSnapshot {
  return { id: row.id, meta: JSON.parse(row.meta) as SnapshotMeta, bytes: row.bytes, storedAt: row.stored_at };
}
