/**
 * Stores made before page keys held point cells (protocol/anchor.ts) kept
 * every point of a page at its grid cell under the page key, and its points
 * without an anchor once more under the page's loose key (`looseKey`, with a
 * click bit). Both forms hold the same facts, so the old one is read into the
 * new exactly: the history's rows once, when such a store is opened, and a
 * stored batch's groups when they are read (`toPointCells`), as the batch
 * rows are never rewritten.
 */
import type Database from "better-sqlite3";
import { pointCell, splitSideKey, unpackSideCell } from "../../../protocol/anchor";
import type { KeyedPoints } from "../pipeline";

/** The `meta` row naming the first batch id stored with point cells. */
const FIRST_BATCH = "point_cells_from";

/**
 * Moves the history of a store made before point cells to them, in one
 * transaction (rolled back if it fails: the old rows stay), and returns the
 * first batch id whose groups hold point cells: earlier ones are read
 * through `toPointCells`. A store that has it already returns it at once.
 */
export function usePointCells(db: Database.Database): number {
  const known = db.prepare("SELECT value FROM meta WHERE name = ?").get(FIRST_BATCH) as { value: number } | undefined;
  if (known) return known.value;
  return db
    .transaction(() => {
      for (const [table, bucket] of [
        ["minutes", "minute"],
        ["hours", "hour"],
      ] as const) {
        // A page key's rows (every key without a side) move to point cells: each grid cell's points with an
        // anchor (all of them less its loose key's at that cell), then its loose key's moves and clicks. Side
        // and tagged keys keep their place: a tagged page key (protocol/tags.ts) is a page key here too.
        db.exec(`
          CREATE TEMP TABLE moved (key TEXT NOT NULL, ${bucket} INTEGER NOT NULL, cell INTEGER NOT NULL, n INTEGER NOT NULL);
          INSERT INTO moved
            SELECT p.key, p.${bucket}, p.cell * 4, p.n - COALESCE((
              SELECT SUM(l.n) FROM ${table} l
              WHERE l.key = p.key || char(1) || 'l' AND l.${bucket} = p.${bucket} AND l.cell IN (p.cell * 2, p.cell * 2 + 1)
            ), 0)
            FROM ${table} p WHERE instr(p.key, char(1)) = 0;
          INSERT INTO moved
            SELECT substr(key, 1, length(key) - 2), ${bucket}, (cell / 2) * 4 + 2 + (cell % 2), n
            FROM ${table} WHERE key LIKE '%' || char(1) || 'l';
          DELETE FROM ${table} WHERE instr(key, char(1)) = 0 OR key LIKE '%' || char(1) || 'l';
          INSERT INTO ${table} SELECT key, ${bucket}, cell, SUM(n) FROM moved GROUP BY key, ${bucket}, cell HAVING SUM(n) > 0;
          DROP TABLE moved;
        `);
      }
      const next = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").get() as
        | { seq: number }
        | undefined;
      const first = (next?.seq ?? 0) + 1;
      db.prepare("INSERT INTO meta VALUES (?, ?)").run(FIRST_BATCH, first);
      return first;
    })
    .immediate();
}

/**
 * The groups of a batch stored before point cells, as one stored since: each
 * page group's points at point cells, its loose group gone. A page group and
 * its loose group (same build) hold their common points in one order, so
 * each loose point is its page's next point at the same time and cell.
 */
export function toPointCells(groups: readonly KeyedPoints[]): KeyedPoints[] {
  const loose = new Map<string, KeyedPoints>();
  for (const group of groups) {
    const side = splitSideKey(group.key);
    if (side?.kind === "loose") loose.set(`${side.pageKey}\u0002${group.build ?? ""}`, group);
  }
  const out: KeyedPoints[] = [];
  for (const group of groups) {
    const side = splitSideKey(group.key);
    if (side?.kind === "loose") continue;
    if (side) {
      out.push(group);
      continue;
    }
    const without = loose.get(`${group.key}\u0002${group.build ?? ""}`);
    const { times, cells } = group;
    const moved = new Array<number>(cells.length);
    let j = 0;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] as number;
      const next = without && j < without.times.length ? unpackSideCell(without.cells[j] as number) : null;
      const isLoose = next !== null && next.base === cell && (without as KeyedPoints).times[j] === times[i];
      if (isLoose) j++;
      moved[i] = pointCell(cell, !isLoose, next?.click === true && isLoose);
    }
    out.push({ ...group, cells: moved });
  }
  return out;
}
