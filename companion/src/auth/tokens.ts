/**
 * Team tokens: created and revoked from the command line, stored hashed in
 * the companion's SQLite file, shown once. A token is `hl_<id>_<secret>`; the
 * id finds the row, the SHA-256 of the random secret is compared in constant
 * time. Each token holds one or more roles: capture (send points), view
 * (watch grids, read the API and the dashboard), admin (everything).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";

export const ROLES = ["capture", "view", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface TokenInfo {
  id: string;
  name: string;
  roles: Role[];
  created: number;
  revoked: number | null;
}

const TOKEN = /^hl_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

function hash(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

export class TokenStore {
  /** Opens the token table in the companion's database in `dataDir` (the server may be running). */
  static open(dataDir: string): TokenStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, "heatlens.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 2000");
    return new TokenStore(db);
  }

  private readonly readRevision: Database.Statement<[], number>;
  private readonly bumpRevision: Database.Statement;
  private readonly anyToken: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS tokens (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, roles TEXT NOT NULL, hash BLOB NOT NULL,
      created INTEGER NOT NULL, revoked INTEGER)`);
    // One row counting creations and revocations, so that a running companion
    // notices another process's `token revoke` with one cheap read.
    db.exec(`CREATE TABLE IF NOT EXISTS token_revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
      INSERT OR IGNORE INTO token_revision (id, n) VALUES (1, 0)`);
    // The number itself, not a row object: read once per turn of the event loop while frames come.
    this.readRevision = db.prepare<[], number>("SELECT n FROM token_revision WHERE id = 1").pluck();
    this.bumpRevision = db.prepare("UPDATE token_revision SET n = n + 1 WHERE id = 1");
    this.anyToken = db.prepare("SELECT 1 FROM tokens LIMIT 1");
  }

  /** Changes whenever a token is created or revoked, by any process sharing the data directory. */
  revision(): number {
    return this.readRevision.get() as number;
  }

  /**
   * Whether requests need a token: from the first token ever created in this
   * data directory on, even once every token is revoked, so that revoking the
   * last one never opens the companion again.
   */
  authRequired(): boolean {
    return this.anyToken.get() !== undefined;
  }

  /** Ids of revoked tokens. */
  revokedIds(): Set<string> {
    const rows = this.db.prepare("SELECT id FROM tokens WHERE revoked IS NOT NULL").all() as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }

  /** Creates a token; the returned secret is the only time it is shown. */
  create(name: string, roles: Role[], now = Date.now()): { token: string; info: TokenInfo } {
    if (roles.length === 0) throw new Error("a token needs at least one role");
    for (const role of roles) if (!ROLES.includes(role)) throw new Error(`unknown role: ${role}`);
    const id = randomBytes(4).toString("hex");
    const secret = randomBytes(32).toString("base64url");
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO tokens (id, name, roles, hash, created) VALUES (?, ?, ?, ?, ?)")
        .run(id, name, roles.join(","), hash(secret), now);
      this.bumpRevision.run();
    })();
    return { token: `hl_${id}_${secret}`, info: { id, name, roles, created: now, revoked: null } };
  }

  revoke(id: string, now = Date.now()): boolean {
    return this.db.transaction(() => {
      const done = this.db.prepare("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL").run(now, id);
      if (done.changes === 1) this.bumpRevision.run();
      return done.changes === 1;
    })();
  }

  list(): TokenInfo[] {
    return (
      this.db.prepare("SELECT id, name, roles, created, revoked FROM tokens ORDER BY created").all() as {
        id: string;
        name: string;
        roles: string;
        created: number;
        revoked: number | null;
      }[]
    ).map((row) => ({ ...row, roles: row.roles.split(",") as Role[] }));
  }

  /** The token's info if it is valid and not revoked. */
  verify(token: string): TokenInfo | null {
    const info = this.find(token);
    return info?.revoked === null ? info : null;
  }

  /**
   * The token's info, revoked or not, if its secret matches: only the holder
   * of the exact secret learns that it was revoked rather than never issued.
   */
  find(token: string): TokenInfo | null {
    const match = TOKEN.exec(token);
    if (!match) return null;
    const row = this.db
      .prepare("SELECT id, name, roles, hash, created, revoked FROM tokens WHERE id = ?")
      .get(match[1]) as
      | { id: string; name: string; roles: string; hash: Buffer; created: number; revoked: number | null }
      | undefined;
    if (!row || !timingSafeEqual(row.hash, hash(match[2] as string))) return null;
    const { id, name, roles, created, revoked } = row;
    return { id, name, roles: roles.split(",") as Role[], created, revoked };
  }

  close(): void {
    this.db.close();
  }
}

export function hasRole(info: TokenInfo | null, role: Role): boolean {
  return info !== null && (info.roles.includes(role) || info.roles.includes("admin"));
}
