import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { AT_STEP_MS, committer, encodeBatch, openDatabase } from "./commits";
import { EventStore } from "./event-store";

describe("committers on two connections to one store", () => {
  it("count each (client, seq) once, though each keeps the runs it read at hand", () => {
    const dataDir = tempDataDir("commits-two");
    // The store makes the file and its tables.
    new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: Date.now }).close();
    const file = join(dataDir, "heatlens.db");
    const [a, b] = [committer(openDatabase(file)), committer(openDatabase(file))];
    const batch = (seq: number) => encodeBatch({ client: "c", seq, groups: [{ key: "k", times: [1e12], cells: [1] }] });
    const stored = (commit: typeof a, seqs: number[]) => {
      const result = commit(seqs.map(batch), Date.now());
      if (!result.ok) throw new Error(result.message);
      return result.duplicates.map((duplicate) => !duplicate);
    };
    // a keeps 0..0 at hand; b then extends that run in the file to 0..5.
    expect(stored(a, [0])).toEqual([true]);
    expect(stored(b, [1, 2, 3, 4, 5])).toEqual([true, true, true, true, true]);
    // To a, 1 extends the run it kept; the file says 1 was stored.
    expect(stored(a, [1, 6, 3])).toEqual([false, true, false]);
    expect(stored(b, [6, 7])).toEqual([false, true]);
    expect(stored(a, [7, 8])).toEqual([false, true]);
  });

  it("keep a run's time of delivery to within AT_STEP_MS, and the run itself exact", () => {
    const dataDir = tempDataDir("commits-at");
    new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: Date.now }).close();
    const db = openDatabase(join(dataDir, "heatlens.db"));
    const commit = committer(db);
    const batch = (seq: number) => encodeBatch({ client: "c", seq, groups: [{ key: "k", times: [1e12], cells: [1] }] });
    const run = () => db.prepare("SELECT lo, hi, at FROM delivered_runs WHERE client = 'c'").all();
    const t = 1_800_000_000_000;
    commit([batch(0)], t);
    commit([batch(1), batch(2)], t + 1000);
    expect(run()).toEqual([{ lo: 0, hi: 2, at: t }]);
    commit([batch(3)], t + AT_STEP_MS - 1);
    expect(run()).toEqual([{ lo: 0, hi: 3, at: t }]);
    commit([batch(4)], t + AT_STEP_MS);
    expect(run()).toEqual([{ lo: 0, hi: 4, at: t + AT_STEP_MS }]);
    // Past a gap a new run starts, with its own time.
    commit([batch(9)], t + AT_STEP_MS + 5);
    expect(run()).toEqual([
      { lo: 0, hi: 4, at: t + AT_STEP_MS },
      { lo: 9, hi: 9, at: t + AT_STEP_MS + 5 },
    ]);
    db.close();
  });
});
