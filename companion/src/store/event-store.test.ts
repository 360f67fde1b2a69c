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
  it("folds batches stored after every earlier one was pruned", async () => {
    let now = 1_800_000_000_000;
    const s = store(() => now);
    await s.append({ client: "c", seq: 0, groups: [{ key: "k", times: [now], cells: [2] }] });
    expect(s.maintain()).toBe(1);
    now += 3_600_000;
    s.maintain();
    await s.append({ client: "c", seq: 1, groups: [{ key: "k", times: [now], cells: [4] }] });
    expect(s.maintain()).toBe(1);
    expect([...s.range("k", now - 7_200_000, now + 1)]).toEqual([
      [2, 1],
      [4, 1],
    ]);
    s.close();
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
