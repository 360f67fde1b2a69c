import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { EventStore } from "./event-store";
import { BatchPrune, pruner } from "./prune";

describe("BatchPrune", () => {
  it("steps over the batches stored, however sparse their ids, dropping the folded ones older than its time", () => {
    const dataDir = tempDataDir("prune");
    // A store's file, its schema as the store makes it.
    new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => 0 }).close();
    const db = new Database(join(dataDir, "heatlens.db"));
    const add = db.prepare("INSERT INTO batches (id, max_t, groups, body) VALUES (?, ?, '', NULL)");
    // Old batches with ids far apart, one with points newer than the prune's time, one not folded yet.
    for (const [id, maxT] of [
      [3, 100],
      [4, 5_000],
      [1_000_000, 200],
      [7_000_000, 300],
      [9_000_000, 400],
    ] as const) {
      add.run(id, maxT);
    }
    db.prepare("UPDATE meta SET value = 8_000_000 WHERE name = 'folded'").run();
    const prune = new BatchPrune(pruner(db), 1_000, 10_000_000, 2);
    let steps = 0;
    while (prune.next()) steps++;
    // Two batches a step, up to the folded mark: 3 and 4, then 1,000,000 and 7,000,000.
    expect(steps).toBe(2);
    expect(prune.dropped).toBe(3);
    expect(db.prepare("SELECT id FROM batches ORDER BY id").pluck().all()).toEqual([4, 9_000_000]);
    db.close();
  });
});
