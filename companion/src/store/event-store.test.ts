import { describe, expect, it } from "vitest";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { EventStore } from "./event-store";

function store(clock: () => number) {
  return new EventStore({
    dataDir: tempDataDir("store"),
    maxStoreBytes: 1e9,
    retentionDays: 30,
    liveMs: 300_000,
    clock,
  });
}

describe("EventStore", () => {
  it("after a crash, folds into the history what was stored but not yet folded, even after pruning", async () => {
    let now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    const options = { dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now };
    const first = new EventStore(options);
    await first.append({ client: "c", seq: 0, groups: [{ key: "k", times: [now], cells: [2] }] });
    expect(first.maintain(true)).toBe(1);
    now += 3_600_000;
    // Pruning removes every batch row; the next one must not reuse its id.
    first.maintain(true);
    await first.append({ client: "c", seq: 1, groups: [{ key: "k", times: [now], cells: [4] }] });
    // The process dies before the history is written; a new one opens the same file.
    const second = new EventStore(options);
    expect([...second.range("k", now - 7_200_000, now + 1)].sort()).toEqual([
      [2, 1],
      [4, 1],
    ]);
    second.close();
    first.close();
  });

  it("reports a duplicate (client, seq) and stores it once", async () => {
    const s = store(Date.now);
    const batch = { client: "c", seq: 5, groups: [{ key: "k", times: [Date.now()], cells: [2] }] };
    const [first, second] = await Promise.all([s.append(batch), s.append(batch)]);
    expect([first, second]).toEqual([false, true]);
    expect(await s.append(batch)).toBe(true);
    expect(s.counters).toMatchObject({ committedBatches: 1, duplicates: 2 });
    s.close();
  });
});
