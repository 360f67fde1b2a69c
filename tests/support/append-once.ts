/**
 * A process whose only work is one append on the commit thread: it prints
 * whether the batch was a duplicate, then must exit by itself (the store
 * keeps the process alive while an answer is awaited, and no longer).
 */
import { EventStore } from "../../companion/src/store/event-store";
import { tempDataDir } from "./temp-dir";

const store = new EventStore({
  dataDir: tempDataDir("append-once"),
  maxStoreBytes: 1e9,
  retentionDays: 30,
  liveMs: 300_000,
  clock: Date.now,
});
const started = Date.now();
while (!store.committingOnThread) {
  if (Date.now() - started > 10_000) throw new Error("the commit thread did not start");
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(await store.append({ client: "c", seq: 1, groups: [{ key: "k", times: [Date.now()], cells: [2] }] }));
