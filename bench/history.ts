/**
 * History: a day of a busy page (10 tabs moving their cursors at 4 Hz for 24
 * hours, 3.5 million points) stored and folded through the real store, then
 * the time to serve that whole day from it.
 */
import { performance } from "node:perf_hooks";
import { EventStore } from "../companion/src/store/event-store";
import { tempDataDir } from "../tests/support/temp-dir";
import { seeded } from "./aggregator";

export async function benchHistory(): Promise<{ historyDayQueryMs: number; points: number }> {
  const day = 86_400_000;
  const dayStart = Math.floor(Date.now() / day) * day - day;
  const store = new EventStore({
    dataDir: tempDataDir("history-bench"),
    maxStoreBytes: 10 * 1024 ** 3,
    retentionDays: 30,
    liveMs: 300_000,
    clock: () => Date.now(),
  });
  const random = seeded(11);
  const key = "desktop|/busy";
  const tabs = Array.from({ length: 10 }, () => ({ col: Math.floor(random() * 50), row: Math.floor(random() * 120) }));
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  let points = 0;
  let pending: Promise<boolean>[] = [];
  // One batch a second holding every tab's four samples.
  for (let second = 0; second < 86_400; second++) {
    const times: number[] = [];
    const cells: number[] = [];
    for (const tab of tabs) {
      for (let i = 0; i < 4; i++) {
        tab.col = clamp(tab.col + Math.floor(random() * 5) - 2, 50);
        tab.row = clamp(tab.row + Math.floor(random() * 5) - 2, 120);
        times.push(dayStart + second * 1000 + i * 250);
        cells.push((tab.row * 50 + tab.col) * 2);
      }
    }
    points += times.length;
    pending.push(store.append({ client: "bench", seq: second, groups: [{ key, times, cells }] }));
    if (pending.length === 2000) {
      await Promise.all(pending);
      pending = [];
      store.maintain(true);
    }
  }
  await Promise.all(pending);
  store.maintain(true);

  const runs: number[] = [];
  let total = 0;
  for (let i = 0; i < 7; i++) {
    const began = performance.now();
    const cells = store.range(key, dayStart, dayStart + day);
    runs.push(performance.now() - began);
    total = 0;
    for (const n of cells.values()) total += n;
  }
  store.close();
  if (total !== points) throw new Error(`history holds ${total} points of ${points}`);
  runs.sort((a, b) => a - b);
  return { historyDayQueryMs: runs[3] as number, points };
}
