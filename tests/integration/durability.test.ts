/**
 * Durability with a real SQLite file: acknowledged batches survive a restart
 * and `kill -9`, resent batches count once, live windows come back at once,
 * history serves past ranges, and a storage failure under load loses nothing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import type { Batch, ServerMessage } from "../../protocol/wire";
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

  send(points: number): void {
    const now = Date.now();
    const pts: number[] = [];
    for (let i = 0; i < points; i++) pts.push(0, 10 + i, 10, 0);
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

async function spawnCompanion(
  dataDir: string,
  port: number,
): Promise<{ child: ChildProcess; url: string; startedIn: number }> {
  const began = Date.now();
  const child = spawn(
    process.execPath,
    ["companion/bin/heatlens.js", "--port", String(port), "--data-dir", dataDir, "--log-level", "warn"],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, startedIn: Date.now() - began };
    await sleep(25);
  }
  throw new Error("companion did not start");
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
    const port = 18_911;
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
    run.child.kill("SIGKILL");
    await new Promise((resolve) => run.child.once("exit", resolve));
    await sleep(300);
    run = await spawnCompanion(dataDir, port);
    closers.push(() => run.child.kill("SIGKILL"));
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
