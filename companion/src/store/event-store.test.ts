import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { MessagePort, Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anchorKey, scrollKey } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { SignalKind } from "../../../protocol/signals";
import { until } from "../../../tests/support/heatlens";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { EventStore, type StorageError, type StoreOptions } from "./event-store";

function store(clock: () => number, onThreadLost?: StoreOptions["onThreadLost"]) {
  return new EventStore({
    dataDir: tempDataDir("store"),
    maxStoreBytes: 1e9,
    retentionDays: 30,
    liveMs: 300_000,
    clock,
    onThreadLost,
  });
}

describe("EventStore", () => {
  it("keeps each page key's newest controls inventory, reopened from the file, until past retention", async () => {
    let now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    const options = { dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now };
    const first = new EventStore(options);
    const page = makeKey("desktop", "https://a.test", "/p");
    const batch = (seq: number, selectors: string[], cut: number) => ({
      client: "c",
      seq,
      groups: [{ key: page, times: [now], cells: [2] }],
      controls: [{ key: page, selectors, cut, at: now }],
    });
    await first.append(batch(0, ["#old"], 0));
    await first.append(batch(1, ["#a", "#b"], 3));
    // A batch sent again changes nothing, its inventory included.
    expect(await first.append(batch(0, ["#old"], 0))).toBe(true);
    first.close();
    const second = new EventStore(options);
    expect(second.controls()).toEqual([{ key: page, selectors: ["#a", "#b"], cut: 3, at: now }]);
    now += 31 * 24 * 3_600_000;
    second.prune();
    expect(second.controls()).toEqual([]);
    second.close();
  });

  it("counts signals with the steps of each group's latest in the range, and opens a store made before steps", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    // A store as made before signals had steps: its table has no steps column.
    const old = new Database(join(dataDir, "heatlens.db"));
    old.exec(
      "CREATE TABLE signals (key TEXT NOT NULL, selector TEXT NOT NULL, kind INTEGER NOT NULL, client TEXT NOT NULL, t INTEGER NOT NULL)",
    );
    const page = makeKey("desktop", "https://a.test", "/cart");
    old.prepare("INSERT INTO signals VALUES (?, '#buy', 1, 'c', ?)").run(page, now - 10);
    old.close();
    const s = new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now });
    const dead = { key: page, selector: "#buy", kind: SignalKind.dead, client: "c" };
    expect(s.signalCounts(now - 60_000, now + 1)).toMatchObject([{ selector: "#buy", count: 1, steps: null }]);
    await s.append({
      client: "c",
      seq: 0,
      groups: [{ key: page, times: [now], cells: [2] }],
      signals: {
        list: [
          { ...dead, t: now, steps: ["#qty-plus", "#qty-plus"] },
          // Stored after but clicked before: the latest is by time.
          { ...dead, t: now - 5, steps: ["#earlier"] },
          { ...dead, kind: SignalKind.rage, t: now - 1, steps: ["#qty-plus", "#buy", "#buy"] },
        ],
        max: 100,
      },
    });
    expect(s.signalCounts(now - 60_000, now + 1)).toMatchObject([
      { kind: SignalKind.dead, count: 3, steps: ["#qty-plus", "#qty-plus"] },
      { kind: SignalKind.rage, count: 1, steps: ["#qty-plus", "#buy", "#buy"] },
    ]);
    // A range ending before the latest gives the latest inside it.
    expect(s.signalCounts(now - 60_000, now - 2)).toMatchObject([
      { kind: SignalKind.dead, count: 2, steps: ["#earlier"] },
    ]);
    s.close();
  });

  it("stores a batch's signals and inventory in its commit: with it exactly once, never without it", async () => {
    const now = 1_800_000_000_000;
    const s = store(() => now);
    const page = makeKey("desktop", "https://a.test", "/cart");
    // Enough points to need new pages of the file.
    const cells = Array.from({ length: 20_000 }, (_, i) => i * 2);
    const batch = (seq: number) => ({
      client: "c",
      seq,
      groups: [{ key: page, times: cells.map(() => now), cells }],
      signals: { list: [{ key: page, selector: "#buy", kind: SignalKind.rage, client: "c", t: now }], max: 100 },
      controls: [{ key: page, selectors: ["#buy", `#b${seq}`], cut: 0, at: now }],
    });
    const rage = () => s.signalCounts(now - 60_000, now + 1).reduce((n, row) => n + row.count, 0);
    expect(await s.append(batch(0))).toBe(false);
    expect(await s.append(batch(0))).toBe(true);
    expect(rage()).toBe(1);
    // The disk is full: the batch is refused, and its signal and inventory are not kept either.
    s.setMaxBytes(1);
    await expect(s.append(batch(1))).rejects.toMatchObject({ code: "SQLITE_FULL" });
    expect(rage()).toBe(1);
    expect(s.controls()).toMatchObject([{ selectors: ["#buy", "#b0"] }]);
    // Space again: the resent batch brings both.
    s.setMaxBytes(1e9);
    expect(await s.append(batch(1))).toBe(false);
    expect(rage()).toBe(2);
    expect(s.controls()).toMatchObject([{ selectors: ["#buy", "#b1"] }]);
    s.close();
  });

  it("reads a page's side keys as one prefix range, and counts an anchored point once", async () => {
    const now = 1_800_000_000_000;
    const s = store(() => now);
    const page = makeKey("desktop", "https://a.test", "/p");
    const next = makeKey("desktop", "https://a.test", "/p2");
    await s.append({
      client: "c",
      seq: 0,
      groups: [
        { key: page, times: [now, now], cells: [2, 4] },
        { key: anchorKey(page, "#buy"), times: [now], cells: [3] },
        { key: scrollKey(page), times: [now], cells: [100] },
        { key: next, times: [now], cells: [2] },
        { key: anchorKey(next, "#other"), times: [now], cells: [1] },
      ],
    });
    // Two page points and the other page's point; side groups repeat points or hold scroll marks.
    expect(s.counters.committedPoints).toBe(3);
    expect(s.maintain(true)).toBe(3);
    expect(s.sideRange(page, now - 60_000, now + 60_000)).toEqual(
      new Map([
        [anchorKey(page, "#buy"), new Map([[3, 1]])],
        [scrollKey(page), new Map([[100, 1]])],
      ]),
    );
    expect(s.range(page, now - 60_000, now + 60_000)).toEqual(
      new Map([
        [2, 1],
        [4, 1],
      ]),
    );
    s.close();
  });

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

  it("commits on its thread once it is up; close settles every append made before it, and a reopened store holds each once", async () => {
    const now = 1_800_000_000_000;
    const options = { dataDir: tempDataDir("store"), maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000 };
    const first = new EventStore({ ...options, clock: () => now });
    const batch = (seq: number) => ({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [seq * 2] }] });
    // Appended while the commit thread starts: committed on this thread meanwhile.
    await Promise.all(Array.from({ length: 100 }, (_, seq) => first.append(batch(seq))));
    await until(() => first.committingOnThread, 10_000, "the commit thread");
    // On the thread: some answered before close, the rest in flight or queued when it is called.
    await Promise.all(Array.from({ length: 200 }, (_, i) => first.append(batch(100 + i))));
    // More than the thread takes in flight (1024): close finds groups in flight and the rest queued.
    const late = Array.from({ length: 1500 }, (_, i) => first.append(batch(300 + i)));
    first.close();
    expect(await Promise.all(late)).toEqual(late.map(() => false));
    expect(first.counters).toMatchObject({ committedBatches: 1800, duplicates: 0 });
    const second = new EventStore({ ...options, clock: () => now });
    expect(await Promise.all(Array.from({ length: 1800 }, (_, seq) => second.append(batch(seq))))).toEqual(
      Array.from({ length: 1800 }, () => true),
    );
    expect(second.range("k", now - 60_000, now + 60_000).size).toBe(1800);
    second.close();
  });

  it("holds its history writes while the commit thread has groups in flight, then writes them before sending more", async () => {
    const now = 1_800_000_000_000;
    const s = store(() => now);
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const appends = Array.from({ length: 1500 }, (_, seq) =>
      s.append({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [seq * 2] }] }),
    );
    // Groups go as they form, up to 1024 batches in flight: those are on the thread when the fold is asked for.
    expect(s.maintain(true)).toBe(0);
    await Promise.all(appends);
    // Written once those groups were answered, and before the next was sent.
    expect(s.range("k", now - 60_000, now + 60_000).size).toBe(1024);
    expect(s.maintain(true)).toBe(476);
    expect(s.range("k", now - 60_000, now + 60_000).size).toBe(1500);
    s.close();
  });

  it("writes its history every two seconds, and after a write of many rows waits longer for the next", async () => {
    let now = 1_800_000_000_000;
    const s = new EventStore({
      dataDir: tempDataDir("store-fold"),
      maxStoreBytes: 1e9,
      retentionDays: 30,
      liveMs: 300_000,
      clock: () => now,
    });
    const point = (seq: number, cell: number) =>
      s.append({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [cell] }] });
    // A forced write returns the points it wrote: none when a timed write took them before it.
    await point(0, 2);
    expect(s.maintain(true)).toBe(1);
    await point(1, 4);
    now += 2_000;
    s.maintain();
    expect(s.maintain(true)).toBe(0);
    // 25,000 minute rows (FOLD_ROWS is 10,000): the next timed write waits 2.5 × 2 s.
    const cells = Array.from({ length: 25_000 }, (_, i) => 10 + i * 2);
    await s.append({ client: "c", seq: 2, groups: [{ key: "k", times: cells.map(() => now), cells }] });
    expect(s.maintain(true)).toBe(25_000);
    await point(3, 6);
    now += 4_000;
    s.maintain();
    expect(s.maintain(true)).toBe(1);
    // After that small write, two seconds again.
    await point(4, 8);
    now += 2_000;
    s.maintain();
    expect(s.maintain(true)).toBe(0);
    expect([...s.range("k", now - 60_000, now + 60_000).values()].reduce((a, b) => a + b, 0)).toBe(25_004);
    s.close();
  });

  it("commits the groups waiting on its thread together, each batch once, and keeps them in order with other requests", async () => {
    const now = 1_800_000_000_000;
    const s = store(() => now);
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    // 1000 points a batch: each takes pages of its own, so a file that may not grow refuses the next at once.
    const batch = (seq: number) => ({
      client: "c",
      seq,
      groups: [
        {
          key: "k",
          times: Array.from({ length: 1000 }, () => now),
          cells: Array.from({ length: 1000 }, (_, i) => i * 2),
        },
      ],
    });
    const before = Array.from({ length: 600 }, (_, seq) => s.append(batch(seq)));
    // The last group, not full, is sent at the end of the turn.
    await new Promise((resolve) => setImmediate(resolve));
    // Sent after the groups above and before those below: no commit gathers groups across it.
    s.setMaxBytes(1);
    const after = Array.from({ length: 400 }, (_, i) =>
      s.append(batch(600 + i)).catch((error: { code: string }) => error.code),
    );
    expect(await Promise.all(before)).toEqual(before.map(() => false));
    expect(await Promise.all(after)).toEqual(after.map(() => "SQLITE_FULL"));
    // 600 batches sent in groups of 16 were committed in fewer transactions, none of more than 128 batches.
    expect(s.counters.commits).toBeLessThan(600 / 16);
    expect(s.counters.commits).toBeGreaterThanOrEqual(600 / 128);
    s.setMaxBytes(1e9);
    expect(await Promise.all(Array.from({ length: 1000 }, (_, seq) => s.append(batch(seq))))).toEqual([
      ...before.map(() => true),
      ...after.map(() => false),
    ]);
    s.close();
  });

  it("when its commit thread dies, refuses the appends in flight, says so, and commits the next on the main thread", async () => {
    const now = 1_800_000_000_000;
    const lost: string[] = [];
    const s = store(
      () => now,
      (thread, reason) => lost.push(`${thread}: ${reason}`),
    );
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const batch = (seq: number) => ({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [seq * 2] }] });
    // A fault of the thread's own: a message it cannot read, sent ahead of the appends.
    (s as unknown as { results: MessagePort }).results.postMessage({ kind: "commit", packed: null, now });
    // More than the thread takes in flight: the rest wait here when it dies, and are committed here.
    const first = await Promise.all(
      Array.from({ length: 1500 }, (_, seq) =>
        s.append(batch(seq)).catch((error: StorageError) => `${error.code}: ${error.message}`),
      ),
    );
    const refused = first.filter((r) => r !== false);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(1500);
    expect(new Set(refused).size).toBe(1);
    expect(refused[0]).toMatch(/^E_STORAGE: commit thread: /);
    expect(lost).toEqual([expect.stringMatching(/^commit: /)]);
    expect(s.committingOnThread).toBe(false);
    // Sent again, each is committed once: the refused now, the others were before.
    expect(await Promise.all(Array.from({ length: 1500 }, (_, seq) => s.append(batch(seq))))).toEqual(
      first.map((r) => r === false),
    );
    expect(s.failure).toBeNull();
    expect(s.maintain(true)).toBe(1500);
    expect(s.range("k", now - 60_000, now + 60_000).size).toBe(1500);
    s.close();
  });

  it("lists among the recent batches only those whose appends resolved, not one its thread stored unanswered", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    const s = new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now });
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const batch = (seq: number) => ({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [seq * 2] }] });
    await s.append(batch(0));
    const appended = s.append(batch(1));
    // Sent to the thread at the next turn; then, without returning to the event loop, waited for in the file.
    await new Promise((resolve) => setImmediate(resolve));
    const reader = new Database(join(dataDir, "heatlens.db"), { readonly: true });
    const stored = reader.prepare("SELECT COUNT(*) FROM batches").pluck();
    const deadline = Date.now() + 10_000;
    while ((stored.get() as number) < 2 && Date.now() < deadline)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    expect(stored.get()).toBe(2);
    reader.close();
    expect(s.recentBatches(now - 1000).map((b) => b.seq)).toEqual([0]);
    expect(await appended).toBe(false);
    expect(s.recentBatches(now - 1000).map((b) => b.seq)).toEqual([0, 1]);
    s.close();
  });

  /**
   * Appends `count` batches of 200 points at once, so that the commit thread
   * commits them without a pause; returns the write-ahead log's largest size
   * over that time (its file's size: a log started over is written from its beginning).
   */
  async function burst(s: EventStore, dataDir: string, count: number, now: number): Promise<number> {
    const wal = join(dataDir, "heatlens.db-wal");
    let largest = 0;
    const watch = setInterval(() => {
      largest = Math.max(largest, existsSync(wal) ? statSync(wal).size : 0);
    }, 20);
    const batch = (seq: number) => ({
      client: "c",
      seq,
      groups: [
        {
          key: "k",
          times: Array.from({ length: 200 }, (_, i) => now + i),
          cells: Array.from({ length: 200 }, (_, i) => (seq + i) % 2500),
        },
      ],
    });
    const results = await Promise.all(Array.from({ length: count }, (_, seq) => s.append(batch(seq))));
    clearInterval(watch);
    expect(results.every((duplicate) => duplicate === false)).toBe(true);
    return Math.max(largest, statSync(wal).size);
  }

  it("copies its write-ahead log into the file on a thread of its own, and starts the log over while commits come without a pause", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    const options = {
      dataDir,
      maxStoreBytes: 1e9,
      retentionDays: 30,
      liveMs: 300_000,
      clock: () => now,
      walResetFrames: 200,
    };
    const s = new EventStore(options);
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const written = await burst(s, dataDir, 30_000, now);
    const stored = statSync(join(dataDir, "heatlens.db")).size;
    console.log(`largest log ${written} bytes, file ${stored} bytes`);
    // Without a checkpoint, or with one that never lets the log start over, the log would hold every page written.
    expect(stored).toBeGreaterThan(20e6);
    expect(written).toBeLessThan(stored / 2);
    s.close();
    // Every point is in the file, as committed.
    const reopened = new EventStore(options);
    const cells = reopened.range("k", now - 60_000, now + 60_000);
    expect([...cells.values()].reduce((a, b) => a + b, 0)).toBe(30_000 * 200);
    reopened.close();
  });

  it("when its checkpoint thread dies, says so, and keeps the log short by checkpointing after its commits", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("store");
    const lost: string[] = [];
    const s = new EventStore({
      dataDir,
      maxStoreBytes: 1e9,
      retentionDays: 30,
      liveMs: 300_000,
      clock: () => now,
      onThreadLost: (thread, reason) => lost.push(`${thread}: ${reason}`),
    });
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    await until(() => s.checkpointingOnThread, 10_000, "the checkpoint thread");
    await (s as unknown as { checkpointThread: Worker }).checkpointThread.terminate();
    await until(() => lost.length > 0, 5_000, "the store to notice");
    expect(lost).toEqual(["checkpoint: it exited with code 1"]);
    expect(s.checkpointingOnThread).toBe(false);
    const written = await burst(s, dataDir, 30_000, now);
    const stored = statSync(join(dataDir, "heatlens.db")).size;
    expect(stored).toBeGreaterThan(20e6);
    expect(written).toBeLessThan(stored / 2);
    expect(s.failure).toBeNull();
    s.close();
  });

  it("prunes a batch once it was committed a minute before the live windows began, old points or not", async () => {
    let now = 1_800_000_000_000;
    const minute = 60_000;
    const dataDir = tempDataDir("store");
    const options = { dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 5 * minute, clock: () => now };
    // A store made when batches had an index on max_t: it goes at the next start.
    const old = new Database(join(dataDir, "heatlens.db"));
    old.exec(`CREATE TABLE batches (id INTEGER PRIMARY KEY AUTOINCREMENT, max_t INTEGER NOT NULL, groups TEXT NOT NULL, body BLOB);
      CREATE INDEX batches_max_t ON batches (max_t);`);
    old.close();
    let s = new EventStore(options);
    const reader = new Database(join(dataDir, "heatlens.db"), { readonly: true });
    expect(
      reader.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'batches'").all(),
    ).toEqual([]);
    const stored = () => reader.prepare("SELECT seq FROM batches ORDER BY id").pluck().all();
    const batch = (seq: number, t: number) => ({ client: "c", seq, groups: [{ key: "k", times: [t], cells: [2] }] });
    await s.append(batch(0, now));
    now += 2 * minute;
    // Sent again from an outbox after an outage: its points are older than the windows already.
    await s.append(batch(1, now - 60 * minute));
    now += 2 * minute;
    await s.append(batch(2, now));
    s.maintain(true);
    expect(stored()).toEqual([0, 1, 2]);
    // Batch 0 was committed 6.5 minutes ago; batch 1 only 4.5, and waits for its turn.
    now += 2.5 * minute;
    s.maintain(true);
    expect(stored()).toEqual([1, 2]);
    now += 2 * minute;
    s.maintain(true);
    expect(stored()).toEqual([2]);
    expect(s.recentBatches(now - 10 * minute).map((b) => b.seq)).toEqual([2]);
    s.close();
    // Reopened: a batch stored before the start goes once the start is that old.
    s = new EventStore(options);
    s.maintain(true);
    expect(stored()).toEqual([2]);
    now += 6 * minute + 1;
    s.maintain(true);
    expect(stored()).toEqual([]);
    reader.close();
    s.close();
  });

  it("prunes on its commit thread in steps, committing the appends that come meanwhile between two steps", async () => {
    let now = 1_800_000_000_000;
    const minute = 60_000;
    const dataDir = tempDataDir("store");
    // One id a step: a prune of 10,000 batches takes 10,000 transactions.
    const s = new EventStore({
      dataDir,
      maxStoreBytes: 1e9,
      retentionDays: 30,
      liveMs: 5 * minute,
      clock: () => now,
      pruneStep: 1,
    });
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const batch = (seq: number) => ({ client: "c", seq, groups: [{ key: "k", times: [now], cells: [seq % 2500] }] });
    await Promise.all(Array.from({ length: 10_000 }, (_, seq) => s.append(batch(seq))));
    const reader = new Database(join(dataDir, "heatlens.db"), { readonly: true });
    const stored = reader.prepare("SELECT COUNT(*) FROM batches").pluck();
    // Committed 6 minutes and a second ago: due, folded first.
    now += 6 * minute + 1_000;
    s.maintain();
    await s.append(batch(10_000));
    const whenAnswered = stored.get() as number;
    // Waits for the prune under way, and folds the last batch.
    s.maintain(true);
    const afterPrune = stored.get() as number;
    console.log(`batches stored when the append was answered: ${whenAnswered}; after the prune: ${afterPrune}`);
    // Answered while the prune was under way, not after it.
    expect(whenAnswered).toBeGreaterThan(1);
    expect(afterPrune).toBe(1);
    // Every point is in the history, the pruned ones included.
    const cells = s.range("k", now - 10 * minute, now + minute);
    expect([...cells.values()].reduce((a, b) => a + b, 0)).toBe(10_001);
    reader.close();
    s.close();
  });

  it("keeps its process alive while an answer of the commit thread is awaited, and no longer", () => {
    const run = spawnSync(process.execPath, ["companion/bin/run-ts.js", "tests/support/append-once.ts"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("false");
    expect(run.status).toBe(0);
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

  it("recognises every (client, seq) delivered before, in any order, across reopening and retention", async () => {
    let now = 1_800_000_000_000;
    const dataDir = tempDataDir("store-runs");
    const options = { dataDir, maxStoreBytes: 1e9, retentionDays: 1, liveMs: 300_000, clock: () => now };
    const delivery = fc.tuple(fc.constantFrom("a", "b", "c"), fc.oneof(fc.nat(12), fc.nat(200)));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(delivery, { maxLength: 12 }), { maxLength: 8 }),
        fc.boolean(),
        async (rounds, onThread) => {
          rmSync(dataDir, { recursive: true, force: true });
          const model = new Set<string>();
          // On the commit thread, or on this one as while the thread starts: each keeps runs at hand (commits.ts).
          const open = async () => {
            const store = new EventStore(options);
            // The thread's start (tsx in a worker) is slow on a loaded machine: after 30 s the appends go on here.
            const by = Date.now() + 30_000;
            while (onThread && !store.committingOnThread && Date.now() < by)
              await new Promise((r) => setTimeout(r, 10));
            return store;
          };
          let s = await open();
          for (const [r, round] of rounds.entries()) {
            // One round's appends share a commit, duplicates within it included.
            const results = await Promise.all(
              round.map(([client, seq]) => s.append({ client, seq, groups: [{ key: "k", times: [now], cells: [2] }] })),
            );
            const expected = round.map(([client, seq]) => {
              const seen = model.has(`${client}:${seq}`);
              model.add(`${client}:${seq}`);
              return seen;
            });
            expect(results).toEqual(expected);
            if (r % 3 === 2) {
              s.close();
              s = await open();
            }
          }
          // Past retention every run is forgotten: a number is taken as new again.
          now += 2 * 24 * 3_600_000;
          s.prune();
          if (rounds.flat().length > 0) {
            const [client, seq] = rounds.flat()[0] as [string, number];
            expect(await s.append({ client, seq, groups: [{ key: "k", times: [now], cells: [2] }] })).toBe(false);
          }
          now -= 2 * 24 * 3_600_000;
          s.close();
        },
      ),
      { numRuns: 25 },
    );
    // About 75 stores open, each starting a commit thread: seconds alone, far more beside a full suite.
  }, 120_000);

  it("opens a store that kept a row per delivered (client, seq), and still recognises each of them", async () => {
    const now = 1_800_000_000_000;
    const dataDir = tempDataDir("store-delivered");
    const old = new Database(join(dataDir, "heatlens.db"));
    old.exec(`
      CREATE TABLE delivered (client TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (client, seq)) WITHOUT ROWID;
      CREATE INDEX delivered_at ON delivered (at);
    `);
    const insert = old.prepare("INSERT INTO delivered VALUES (?, ?, ?)");
    for (const seq of [0, 1, 2, 3, 7, 8, 20]) insert.run("a", seq, now - 1000 + seq);
    insert.run("b", 5, now);
    old.close();
    const s = new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now });
    const append = (client: string, seq: number) =>
      s.append({ client, seq, groups: [{ key: "k", times: [now], cells: [2] }] });
    for (const seq of [0, 1, 2, 3, 7, 8, 20]) expect(await append("a", seq)).toBe(true);
    expect(await append("b", 5)).toBe(true);
    for (const seq of [4, 6, 9, 19, 21]) expect(await append("a", seq)).toBe(false);
    expect(await append("b", 4)).toBe(false);
    s.close();
    const tables = new Database(join(dataDir, "heatlens.db"), { readonly: true });
    expect(tables.prepare("SELECT name FROM sqlite_master WHERE name = 'delivered'").all()).toEqual([]);
    // 0–4, 6–9 and 19–21 of a, 4–5 of b.
    expect(tables.prepare("SELECT client, lo, hi FROM delivered_runs ORDER BY client, lo").all()).toEqual([
      { client: "a", lo: 0, hi: 4 },
      { client: "a", lo: 6, hi: 9 },
      { client: "a", lo: 19, hi: 21 },
      { client: "b", lo: 4, hi: 5 },
    ]);
    tables.close();
  });

  it("keeps saying that its commit thread's history write failed while this thread has nothing to write", async () => {
    let now = 1_800_000_000_000;
    const s = store(() => now);
    await until(() => s.committingOnThread, 10_000, "the commit thread");
    const cells = Array.from({ length: 2000 }, (_, i) => i * 2);
    await s.append({ client: "c", seq: 0, groups: [{ key: "k", times: cells.map(() => now), cells }] });
    // The file may not grow: the thread's history write of 2,000 new minute rows fails.
    s.setMaxBytes(64 * 1024);
    now += 2_000;
    s.maintain();
    await until(() => s.failure !== null, 10_000, "the thread's failed history write");
    expect(s.failure?.code).toBe("SQLITE_FULL");
    // The next fold: nothing of this thread's to write, and the thread's tried again.
    now += 10_000;
    s.maintain();
    expect(s.failure?.code).toBe("SQLITE_FULL");
    s.setMaxBytes(1e9);
    now += 10_000;
    s.maintain();
    await until(() => s.failure === null, 10_000, "the thread's history write once space returns");
    expect(s.range("k", now - 3_600_000, now + 60_000).size).toBe(2000);
    s.close();
  });

  it("starts on a full store, says so, and folds what a crash left once space returns, each point once", async () => {
    let now = 1_800_000_000_000;
    const dataDir = tempDataDir("store-full");
    const options = { dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now };
    const first = new EventStore(options);
    for (let seq = 0; seq < 300; seq++) {
      const cells = Array.from({ length: 20 }, (_, i) => (seq * 20 + i) * 2);
      await first.append({ client: "c", seq, groups: [{ key: "k", times: cells.map(() => now), cells }] });
    }
    // The process dies before folding; the next start finds the disk full (no page to spare).
    first.close();
    const second = new EventStore({ ...options, maxStoreBytes: 64 * 1024 });
    expect(second.failure?.code).toBe("SQLITE_FULL");
    expect(second.range("k", now - 60_000, now + 60_000).size).toBe(0);
    // A small batch may still fit in the pages the file has, or be refused: either way it counts once below.
    const late = { client: "c", seq: 300, groups: [{ key: "k", times: [now], cells: [1] }] };
    await second.append(late).catch(() => undefined);
    now += 2_000;
    second.maintain();
    expect(second.failure?.code).toBe("SQLITE_FULL");

    second.setMaxBytes(1e9);
    await second.append(late);
    now += 2_000;
    second.maintain();
    now += 2_000;
    second.maintain();
    expect(second.failure).toBeNull();
    const cells = second.range("k", now - 60_000, now + 60_000);
    expect(cells.size).toBe(6001);
    expect([...cells.values()].every((n) => n === 1)).toBe(true);
    second.close();
  });
});
