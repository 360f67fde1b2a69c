/**
 * The store alone at saturation: batches shaped as ingest makes them (4
 * pages of 25 points without anchors, each page's points a group) appended
 * by 200 clients keeping 4 unacknowledged each, with nothing else running in
 * the process. Reports batches committed per second and the CPU per batch of
 * this thread (encoding, settling) and of the others (the commit thread's
 * SQLite and history, GC helpers).
 */
import { performance } from "node:perf_hooks";
import type { KeyedPoints } from "../companion/src/pipeline";
import { EventStore } from "../companion/src/store/event-store";
import { pointCell } from "../protocol/anchor";
import { makeKey } from "../protocol/page-key";
import { tempDataDir } from "../tests/support/temp-dir";
import { threadCpu } from "./thread-cpu";

export interface StoreResult {
  batchesPerSec: number;
  mainUsPerBatch: number;
  othersUsPerBatch: number;
}

function batch(client: number, seq: number, now: number): { client: string; seq: number; groups: KeyedPoints[] } {
  const groups: KeyedPoints[] = [];
  for (let p = 0; p < 4; p++) {
    const key = makeKey("desktop", "https://shop.example", `/c${client % 50}/p${p}`);
    const times = new Float64Array(25);
    const cells = new Uint32Array(25);
    for (let i = 0; i < 25; i++) {
      times[i] = now - 250 + i * 10;
      cells[i] = pointCell((((i * 53) % 117) * 50 + ((i * 37) % 50)) * 2, false, false);
    }
    groups.push({ key, times, cells });
  }
  return { client: `store-bench-${client}`, seq, groups };
}

export async function benchStore(clients = 200, seconds = 5): Promise<StoreResult> {
  const store = new EventStore({
    dataDir: tempDataDir("store-bench"),
    maxStoreBytes: 10 * 1024 ** 3,
    retentionDays: 30,
    liveMs: 300_000,
    clock: () => Date.now(),
  });
  let acked = 0;
  let running = true;
  const send = (client: number, seq: number): void => {
    void store.append(batch(client, seq, Date.now())).then(() => {
      acked++;
      if (running) send(client, seq + 4);
    });
  };
  for (let c = 0; c < clients; c++) for (let k = 0; k < 4; k++) send(c, k);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const from = acked;
  const began = performance.now();
  const cpuFrom = threadCpu(process.pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuTo = threadCpu(process.pid);
  const batches = acked - from;
  const result = {
    batchesPerSec: batches / ((performance.now() - began) / 1000),
    mainUsPerBatch: (cpuTo.main - cpuFrom.main) / batches,
    othersUsPerBatch: (cpuTo.others - cpuFrom.others) / batches,
  };
  running = false;
  store.close();
  return result;
}
