import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { committer, encodeBatch, openDatabase } from "./commits";
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
});
