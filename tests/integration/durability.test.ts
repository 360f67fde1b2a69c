/**
 * Durability with a real SQLite file: acknowledged batches survive a restart
 * and `kill -9`, resent batches count once, live windows come back at once,
 * history serves past ranges, and a storage failure under load loses nothing.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { type Batch, PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { freePort } from "../support/free-port";
import { startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const closers: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A capture client that keeps every batch until it is acknowledged and resends after reconnecting. */
class Streamer {
  private ws: WebSocket | null = null;
  readonly acked = new Set<number>();
  readonly nacked: string[] = [];
  private readonly unacked = new Map<number, Batch>();
  private nextSeq = 0;

  constructor(
    private readonly url: string,
    readonly id: string,
  ) {}

  async connect(): Promise<void> {
    for (;;) {
      try {
        const ws = new WebSocket(this.url, ["heatlens.v1"]);
        await new Promise((resolve, reject) => {
          ws.once("open", resolve);
          ws.once("error", reject);
        });
        ws.on("error", () => undefined);
        ws.on("message", (data) => this.onMessage(JSON.parse(String(data)) as ServerMessage));
        ws.send(JSON.stringify({ type: "hello", v: 2, client: this.id }));
        this.ws = ws;
        for (const batch of this.unacked.values()) ws.send(JSON.stringify({ ...batch, sentAt: Date.now() }));
        return;
      } catch {
        await sleep(50);
      }
    }
  }

  /** Sends `points` points; `spread` puts each batch on a row of its own (more history to write). */
  send(points: number, spread = false): void {
    const now = Date.now();
    const pts: number[] = [];
    const y = spread ? 10 + (this.nextSeq % 3000) * 26 : 10;
    for (let i = 0; i < points; i++) pts.push(0, 10 + i * 26, y, 0);
    const batch: Batch = {
      type: "batch",
      seq: this.nextSeq++,
      sentAt: now,
      pages: [{ origin: SITE, path: `/${this.id}`, w: 1280, t0: now, pts }],
    };
    this.unacked.set(batch.seq, batch);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(batch));
  }

  /** Resends what is still unacknowledged (after a refusal to retry). */
  resend(): void {
    for (const batch of this.unacked.values()) this.ws?.send(JSON.stringify({ ...batch, sentAt: Date.now() }));
  }

  get pending(): number {
    return this.unacked.size;
  }

  get sent(): number {
    return this.nextSeq;
  }

  close(): void {
    this.ws?.terminate();
  }

  private onMessage(message: ServerMessage): void {
    if (message.type === "ack") {
      this.acked.add(message.seq);
      this.unacked.delete(message.seq);
    }
    if (message.type === "nack") this.nacked.push(message.code);
  }
}

async function pageTotals(url: string): Promise<Map<string, number>> {
  const { pages } = (await (await fetch(`${url}/api/pages`)).json()) as {
    pages: { path: string; events: Record<string, number> }[];
  };
  return new Map(pages.map((p) => [p.path, p.events["300000"] ?? 0]));
}

/** The real `heatlens` binary on `port`, and how long it took to listen. */
async function spawnCompanion(dataDir: string, port: number, args: string[] = []) {
  const began = Date.now();
  const run = await startHeatlens(["--port", String(port), "--log-level", "warn", ...args], dataDir);
  closers.push(() => run.kill());
  return { ...run, startedIn: Date.now() - began };
}

describe("durability", () => {
  it("keeps acknowledged batches across a restart, rebuilds the live windows, and counts a resent batch once", async () => {
    const dataDir = tempDataDir();
    let companion: Companion = await startCompanion({ port: 0, dataDir, logLevel: "silent" });
    const streamer = new Streamer(`${companion.url.replace("http", "ws")}/ws`, "restart");
    await streamer.connect();
    for (let i = 0; i < 20; i++) streamer.send(5);
    while (streamer.pending > 0) await sleep(10);
    await sleep(400);
    const before = await (await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/restart&width=1280`)).json();
    expect(before.total).toBe(100);
    streamer.close();
    await companion.close();

    companion = await startCompanion({ port: 0, dataDir, logLevel: "silent" });
    closers.push(() => companion.close());
    expect(companion.rebuildMs).toBeLessThan(2000);
    const after = await (await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/restart&width=1280`)).json();
    expect(after.cells).toEqual(before.cells);
    expect(after.total).toBe(100);

    // The same client resends a batch whose acknowledgement it never saw: counted once.
    const again = new Streamer(`${companion.url.replace("http", "ws")}/ws`, "restart");
    await again.connect();
    again.send(5);
    while (again.pending > 0) await sleep(10);
    await sleep(400);
    expect(companion.gateway.counters.duplicates).toBe(1);
    expect(
      (await (await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/restart&width=1280`)).json()).total,
    ).toBe(100);
    again.close();
  });

  it("counts every acknowledged event exactly once after kill -9 while clients stream", async () => {
    const dataDir = tempDataDir("kill");
    const port = await freePort();
    let run = await spawnCompanion(dataDir, port);
    const streamers = Array.from({ length: 5 }, (_, i) => new Streamer(`ws://127.0.0.1:${port}/ws`, `kill-${i}`));
    closers.push(() => {
      for (const s of streamers) s.close();
    });
    await Promise.all(streamers.map((s) => s.connect()));
    const stream = setInterval(() => {
      for (const s of streamers) s.send(10);
    }, 20);
    await sleep(1500);
    const ackedBeforeKill = streamers.reduce((n, s) => n + s.acked.size, 0);
    await run.kill();
    run = await spawnCompanion(dataDir, port);
    await Promise.all(streamers.map((s) => s.connect()));
    await sleep(500);
    clearInterval(stream);
    for (let i = 0; i < 200 && streamers.some((s) => s.pending > 0); i++) await sleep(25);

    expect(ackedBeforeKill).toBeGreaterThan(100);
    expect(run.startedIn).toBeLessThan(5000);
    await sleep(500);
    const totals = await pageTotals(run.url);
    for (const s of streamers) {
      expect(s.pending).toBe(0);
      expect(totals.get(`/${s.id}`)).toBe(s.sent * 10);
    }
  });

  it("refuses batches while storage fails, stays up, and recovers with nothing lost or doubled", async () => {
    const companion = await startCompanion({ port: 0, dataDir: tempDataDir("full"), logLevel: "silent" });
    closers.push(() => companion.close());
    const streamer = new Streamer(`${companion.url.replace("http", "ws")}/ws`, "full");
    closers.push(() => streamer.close());
    await streamer.connect();
    const stream = setInterval(() => streamer.send(20), 5);
    await sleep(300);
    // The disk is full: SQLite refuses to grow the file.
    companion.store.setMaxBytes(1);
    await sleep(500);
    expect(streamer.nacked).toContain("E_STORAGE");
    expect((await fetch(`${companion.url}/healthz`)).status).toBe(503);
    clearInterval(stream);
    companion.store.setMaxBytes(10 * 1024 ** 3);
    for (let i = 0; i < 100 && streamer.pending > 0; i++) {
      streamer.resend();
      await sleep(50);
    }
    expect(streamer.pending).toBe(0);
    expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    await sleep(400);
    expect((await pageTotals(companion.url)).get("/full")).toBe(streamer.sent * 20);
  });

  it("stores a batch resent after more than 100,000 later ones (exactly once whatever the gap)", async () => {
    const port = await freePort();
    const run = await spawnCompanion(tempDataDir("gap"), port, ["--max-events-per-second", "100000"]);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["heatlens.v1"]);
    closers.push(() => ws.terminate());
    const acks = new Map<number, ServerMessage>();
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      if (message.type === "ack" || message.type === "nack") acks.set(message.seq, message);
    });
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "gap" }));
    const batch = (seq: number) => {
      const now = Date.now();
      return JSON.stringify({
        type: "batch",
        seq,
        sentAt: now,
        pages: [{ origin: SITE, path: "/gap", w: 1280, t0: now, pts: [0, 5, 5, 0] }],
      });
    };
    // Batch 0 was refused for a while (say, the rate limit); 100,001 later batches get through first.
    const later = 100_001;
    for (let from = 1; from <= later; from += 5000) {
      const to = Math.min(later, from + 4999);
      for (let seq = from; seq <= to; seq++) ws.send(batch(seq));
      while (!acks.has(to)) await sleep(5);
    }
    ws.send(batch(0));
    while (!acks.has(0)) await sleep(5);
    expect(acks.get(0)).toEqual({ type: "ack", seq: 0, points: 1, duplicate: false });
    expect([...acks.values()].every((m) => m.type === "ack")).toBe(true);
    await sleep(400);
    expect((await pageTotals(run.url)).get("/gap")).toBe(later + 1);
  }, 120_000);

  it("restarts on a full disk: listens, says why in /healthz, and catches up once space returns", async () => {
    const dataDir = tempDataDir("restart-full");
    const port = await freePort();
    const streamer = new Streamer(`ws://127.0.0.1:${port}/ws`, "restart-full");
    closers.push(() => streamer.close());
    // Stream, then kill -9 before the history is written (it is written every two seconds).
    let unfolded = 0;
    for (let attempt = 0; attempt < 5 && unfolded === 0; attempt++) {
      const run = await spawnCompanion(dataDir, port);
      await streamer.connect();
      for (let i = 0; i < 200; i++) streamer.send(10, true);
      while (streamer.pending > 0) await sleep(5);
      await run.kill();
      const db = new Database(join(dataDir, "heatlens.db"), { readonly: true });
      const folded = (db.prepare("SELECT value FROM meta WHERE name = 'folded'").get() as { value: number }).value;
      unfolded = (db.prepare("SELECT COUNT(*) AS n FROM batches WHERE id > ?").get(folded) as { n: number }).n;
      db.close();
    }
    expect(unfolded).toBeGreaterThan(0);

    // No room left: the store cannot grow by a page.
    const full = await spawnCompanion(dataDir, port, ["--max-store-bytes", "64KiB"]);
    const health = await fetch(`${full.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, code: "E_STORAGE" });
    expect(JSON.stringify(await (await fetch(`${full.url}/healthz`)).json())).toContain("SQLITE_FULL");
    await full.kill();

    // Space is back: the history holds every acknowledged point once.
    const back = await spawnCompanion(dataDir, port);
    const from = Date.now() - 3_600_000;
    let total = 0;
    for (let i = 0; i < 100 && total !== streamer.sent * 10; i++) {
      await sleep(100);
      total = (
        await (await fetch(`${back.url}/api/heatmap?origin=${SITE}&path=/restart-full&width=1280&from=${from}`)).json()
      ).total;
    }
    expect(total).toBe(streamer.sent * 10);
  }, 60_000);

  it("starts its write-ahead log over while clients stream without a pause, so that it stays short", async () => {
    const dataDir = tempDataDir("wal");
    const port = await freePort();
    await spawnCompanion(dataDir, port, ["--max-events-per-second", "1000000"]);
    const wal = join(dataDir, "heatlens.db-wal");
    const file = join(dataDir, "heatlens.db");
    const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
    // Eight clients, each with 8 batches of 2,000 points unacknowledged at all times, until the file holds 40 MB.
    const pts: number[] = [];
    for (let i = 0; i < 2000; i++) pts.push(0, (i * 37) % 1280, (i * 53) % 3000, 0);
    let acked = 0;
    let largestLog = 0;
    const clients = await Promise.all(
      Array.from({ length: 8 }, async (_, c) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["heatlens.v1"]);
        await new Promise((resolve, reject) => {
          ws.once("open", resolve);
          ws.once("error", reject);
        });
        closers.push(() => ws.terminate());
        let seq = 0;
        const send = () => {
          const now = Date.now();
          const pages = [{ origin: SITE, path: `/wal-${c}`, w: 1280, t0: now, pts }];
          ws.send(JSON.stringify({ type: "batch", seq: seq++, sentAt: now, pages }));
        };
        ws.on("message", (data) => {
          const message = JSON.parse(String(data)) as ServerMessage;
          if (message.type === "welcome") for (let k = 0; k < 8; k++) send();
          if (message.type !== "ack") return;
          acked++;
          if (size(file) < 40e6) send();
        });
        ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: `wal-${c}` }));
        return { ws, sent: () => seq };
      }),
    );
    while (size(file) < 40e6 || acked < clients.reduce((n, c) => n + c.sent(), 0)) {
      largestLog = Math.max(largestLog, size(wal));
      await sleep(20);
    }
    largestLog = Math.max(largestLog, size(wal));
    console.log(`${acked} batches acknowledged; the file ${size(file)} bytes, its log at most ${largestLog}`);
    // Never started over, it would hold every page written: more than the 40 MB file.
    expect(largestLog).toBeLessThan(32e6);
    // Every acknowledged point is counted, once.
    await sleep(500);
    const totals = await pageTotals(`http://127.0.0.1:${port}`);
    expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(acked * 2000);
  });

  it("serves a past range from the history", async () => {
    let now = Date.UTC(2026, 10, 27, 9, 0, 0);
    const companion = await startCompanion({
      port: 0,
      dataDir: tempDataDir("history"),
      logLevel: "silent",
      clock: () => now,
    });
    closers.push(() => companion.close());
    const streamer = new Streamer(`${companion.url.replace("http", "ws")}/ws`, "history");
    closers.push(() => streamer.close());
    await streamer.connect();
    streamer.send(3);
    while (streamer.pending > 0) await sleep(10);
    now += 2 * 3_600_000;
    companion.store.maintain(true);
    const url = (from: number, to: number) =>
      `${companion.url}/api/heatmap?origin=${SITE}&path=/history&width=1280&from=${from}&to=${to}`;
    const t = Date.UTC(2026, 10, 27, 9, 0, 0);
    expect((await (await fetch(url(t - 60_000, t + 60_000))).json()).total).toBe(3);
    expect((await (await fetch(url(t - 7_200_000, t + 7_200_000))).json()).total).toBe(3);
    expect((await (await fetch(url(t + 120_000, t + 7_200_000))).json()).total).toBe(0);
    const iso = await (
      await fetch(
        `${companion.url}/api/heatmap?origin=${SITE}&path=/history&width=1280&from=2026-11-27T08:00:00Z&to=2026-11-27T10:00:00Z`,
      )
    ).json();
    expect(iso.total).toBe(3);
    expect((await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=/history&from=later`)).status).toBe(400);
  });
});
