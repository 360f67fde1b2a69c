/**
 * Benchmarks over real websockets on loopback against a companion in a child
 * process: sustained ingest from 200 capture clients, and the latency from a
 * point's arrival to a viewer holding a grid that contains it.
 */
import { type ChildProcess, fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { Grid } from "../protocol/wire";
import { SITE } from "../tests/support/site";
import { machineCpu, threadCpu } from "./thread-cpu";

interface Report {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  points: number;
  rssBytes: number;
}

export class CompanionProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(script = "bench/companion-process.ts", execArgv: string[] = []): Promise<CompanionProcess> {
    const child = fork("companion/bin/run-ts.js", [script], { stdio: "inherit", execArgv });
    const port = await new Promise<number>((resolve) =>
      child.once("message", (m) => resolve((m as { port: number }).port)),
    );
    return new CompanionProcess(child, port);
  }

  reset(): void {
    this.child.send("reset");
  }

  /** CPU time used so far by the process's threads (thread-cpu.ts). */
  cpu(): { main: number; others: number } {
    return threadCpu(this.child.pid as number);
  }

  report(): Promise<Report> {
    return new Promise((resolve) => {
      this.child.once("message", (m) => resolve(m as Report));
      this.child.send("report");
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send("stop");
    await exited;
  }
}

async function open(port: number, client: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["heatlens.v1"]);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  ws.send(JSON.stringify({ type: "hello", v: 2, client }));
  await new Promise((resolve) => ws.once("message", resolve));
  return ws;
}

/**
 * A batch frame: `pages` pages of `perPage` points each, near the top of a
 * 1280 px layout. `tagged`: as a tester's browser sends them on a page that
 * declares its build, each point on one of 8 elements, and one rage click in
 * every 20th batch.
 */
function frameMaker(
  client: number,
  pages: number,
  perPage: number,
  tagged = false,
): (seq: number, now: number) => string {
  const pts: number[] = [];
  const at: number[] = [];
  for (let i = 0; i < perPage; i++) {
    pts.push(i % 250, (i * 37) % 1280, (i * 53) % 3000, 0);
    at.push(1 + (i % 8), (i * 97) % 1024, (i * 41) % 1024);
  }
  const anchors = Array.from({ length: 8 }, (_, i) => `#section-${i} > button.action-${i}`);
  const extra = tagged
    ? `,"build":"2026.11.30-b${client % 3}","anchors":${JSON.stringify(anchors)},"at":${JSON.stringify(at)}`
    : "";
  const ptsJson = JSON.stringify(pts);
  return (seq, now) => {
    const body = [];
    for (let p = 0; p < pages; p++) {
      const signal = tagged && p === 0 && seq % 20 === 0 ? `,"signals":[10,0,${1 + (seq % 8)}]` : "";
      body.push(
        `{"origin":"${SITE}","path":"/c${client % 50}/p${p}","w":1280,"t0":${now - 250},"pts":${ptsJson}${extra}${signal}}`,
      );
    }
    return `{"type":"batch","seq":${seq},"sentAt":${now},"pages":[${body.join(",")}]}`;
  };
}

export interface IngestResult {
  ingestEventsPerSec: number;
  offeredEventsPerSec: number;
  loopDelayP99Ms: number;
  clients: number;
}

/**
 * 200 clients each send a batch every 100 ms, together `rate` points a second,
 * for `seconds`; the companion's intake and event-loop delay are read over
 * the middle of the run.
 */
export async function benchIngest(rate = 300_000, seconds = 6, clients = 200): Promise<IngestResult> {
  const companion = await CompanionProcess.start();
  const pages = 4;
  const sendsPerSecond = 10;
  const perPage = Math.max(1, Math.ceil(rate / clients / sendsPerSecond / pages));
  const sockets = await Promise.all(Array.from({ length: clients }, (_, i) => open(companion.port, `ingest-${i}`)));
  // Spread the clients over the interval, as independent browsers would be.
  const timers = sockets.map((ws, i) => {
    const make = frameMaker(i, pages, perPage);
    let seq = 0;
    return setTimeout(
      () => {
        timers[i] = setInterval(() => ws.send(make(seq++, Date.now())), 1000 / sendsPerSecond);
      },
      (i * 1000) / sendsPerSecond / clients,
    );
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  companion.reset();
  const before = await companion.report();
  const began = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await companion.report();
  const elapsed = (performance.now() - began) / 1000;
  for (const timer of timers) clearInterval(timer);
  for (const ws of sockets) ws.terminate();
  await companion.stop();
  return {
    ingestEventsPerSec: (after.points - before.points) / elapsed,
    offeredEventsPerSec: clients * sendsPerSecond * pages * perPage,
    loopDelayP99Ms: after.loopDelayP99Ms,
    clients,
  };
}

export interface LatencyResult {
  e2eP50Ms: number;
  e2eP99Ms: number;
  probes: number;
  offeredEventsPerSec: number;
}

/**
 * Background load at `rate` points per second from 200 clients; every 50 ms a
 * probe point in a cell of its own on a watched page; the latency is from
 * sending a probe to the viewer receiving the first grid that counts it.
 */
export async function benchLatency(rate = 50_000, seconds = 8): Promise<LatencyResult> {
  const companion = await CompanionProcess.start();
  const clients = 200;
  const sendsPerSecond = 10;
  const perPage = Math.max(1, Math.round(rate / clients / sendsPerSecond / 2));
  const sockets = await Promise.all(Array.from({ length: clients }, (_, i) => open(companion.port, `load-${i}`)));
  const senders = sockets.map((ws, i) => {
    const make = frameMaker(i, 2, perPage);
    let seq = 0;
    return (now: number) => ws.send(make(seq++, now));
  });
  const load = setInterval(() => {
    const now = Date.now();
    for (const send of senders) send(now);
  }, 1000 / sendsPerSecond);

  const viewer = await open(companion.port, "viewer");
  const prober = await open(companion.port, "prober");
  viewer.send(JSON.stringify({ type: "subscribe", origin: SITE, path: "/probe", width: 1280, windowMs: 10_000 }));
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  viewer.on("message", (data) => {
    const message = JSON.parse(String(data)) as Grid | { type: string };
    if (message.type !== "grid") return;
    const arrived = performance.now();
    const { cells } = message as Grid;
    for (let i = 0; i < cells.length; i += 3) {
      const probe = (cells[i + 1] as number) * 50 + (cells[i] as number);
      const at = sentAt.get(probe);
      if (at !== undefined) {
        latencies.push(arrived - at);
        sentAt.delete(probe);
      }
    }
  });
  let probe = 0;
  let probeSeq = 0;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const probes = setInterval(() => {
    const id = probe++;
    // Cell (id % 50, id / 50) of a 1280 px layout: x and y at the tile's middle.
    const x = (id % 50) * 25.6 + 12;
    const y = Math.floor(id / 50) * 25.6 + 12;
    const now = Date.now();
    sentAt.set(id, performance.now());
    prober.send(
      JSON.stringify({
        type: "batch",
        seq: probeSeq++,
        sentAt: now,
        pages: [{ origin: SITE, path: "/probe", w: 1280, t0: now, pts: [0, Math.round(x), Math.round(y), 0] }],
      }),
    );
  }, 50);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(probes);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  clearInterval(load);
  for (const ws of [...sockets, viewer, prober]) ws.terminate();
  await companion.stop();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    e2eP50Ms: pct(50),
    e2eP99Ms: pct(99),
    probes: latencies.length,
    offeredEventsPerSec: clients * sendsPerSecond * 2 * perPage,
  };
}

/**
 * CPU per acked frame of 100 points, µs: the server's main thread, its other
 * threads, and the clients driving it (this process, which shares the cores).
 */
export interface FrameCpu {
  main: number;
  others: number;
  clients: number;
}

export interface SaturationResult {
  connections: number;
  companionEventsPerSec: number;
  bareEventsPerSec: number;
  companionCpuPerFrameUs: FrameCpu;
  bareCpuPerFrameUs: FrameCpu;
  /** The companion's acked points per second over the bare server's, same clients, same round: the median round's. */
  ingestVsBareWs: number;
  /** The lowest and highest ratio over the rounds. */
  ratioRange: [number, number];
  /** Of the machine's CPU time during the median round's companion and bare runs, the share stolen by other guests. */
  companionSteal: number;
  bareSteal: number;
  rounds: number;
  companionLoopDelayP99Ms: number;
}

/**
 * Closed-loop clients: each connection keeps `inFlight` batches unacknowledged
 * and sends the next one as each ack arrives, so the server's own pace sets the
 * rate. Returns the points acked per second over `seconds`, after a warm-up.
 */
export async function saturate(
  server: CompanionProcess,
  connections: number,
  seconds: number,
  inFlight = 4,
  tagged = false,
): Promise<{ eventsPerSec: number; loopDelayP99Ms: number; rssBytes: number; cpuPerFrameUs: FrameCpu; steal: number }> {
  const sockets = await Promise.all(Array.from({ length: connections }, (_, i) => open(server.port, `sat-${i}`)));
  const pages = 4;
  const perPage = 25;
  let acked = 0;
  let running = true;
  for (const [i, ws] of sockets.entries()) {
    const make = frameMaker(i, pages, perPage, tagged);
    let seq = 0;
    ws.on("message", (data) => {
      const text = String(data);
      if (!text.startsWith('{"type":"ack"')) return;
      acked += pages * perPage;
      if (running) ws.send(make(seq++, Date.now()));
    });
    for (let k = 0; k < inFlight; k++) ws.send(make(seq++, Date.now()));
  }
  await new Promise((resolve) => setTimeout(resolve, 1500));
  server.reset();
  const from = acked;
  const began = performance.now();
  const cpuFrom = server.cpu();
  const clientsFrom = process.cpuUsage();
  const machineFrom = machineCpu();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const cpuTo = server.cpu();
  const clients = process.cpuUsage(clientsFrom);
  const machineTo = machineCpu();
  const frames = (acked - from) / (pages * perPage);
  const eventsPerSec = (acked - from) / ((performance.now() - began) / 1000);
  const cpuPerFrameUs = {
    main: (cpuTo.main - cpuFrom.main) / frames,
    others: (cpuTo.others - cpuFrom.others) / frames,
    clients: (clients.user + clients.system) / frames,
  };
  const report = await server.report();
  running = false;
  for (const ws of sockets) ws.terminate();
  const steal = (machineTo.steal - machineFrom.steal) / Math.max(1, machineTo.total - machineFrom.total);
  return { eventsPerSec, loopDelayP99Ms: report.loopDelayP99Ms, rssBytes: report.rssBytes, cpuPerFrameUs, steal };
}

/**
 * The companion against a bare `ws` server that parses and acks each frame,
 * driven by the same closed-loop clients in the same run: the ratio says how
 * much of the transport's limit the companion's ingest reaches, with every
 * batch committed before its ack. Measured in `rounds` rounds of both, in
 * turns (bare first, then companion first, …), so that a change in the
 * machine's speed meanwhile falls on both alike; the round with the median
 * ratio is reported, with the lowest and highest.
 */
export async function benchIngestVsBare(connections: number, seconds = 5, rounds = 5): Promise<SaturationResult> {
  const results: SaturationResult[] = [];
  for (let round = 0; round < rounds; round++) {
    const runs: Partial<Record<"bare" | "companion", Awaited<ReturnType<typeof saturate>>>> = {};
    for (const which of round % 2 === 0 ? (["bare", "companion"] as const) : (["companion", "bare"] as const)) {
      const server = await (which === "bare"
        ? CompanionProcess.start("bench/bare-ws-process.ts")
        : CompanionProcess.start());
      runs[which] = await saturate(server, connections, seconds);
      await server.stop();
    }
    const { bare, companion } = runs as Required<typeof runs>;
    results.push({
      connections,
      companionEventsPerSec: companion.eventsPerSec,
      bareEventsPerSec: bare.eventsPerSec,
      ingestVsBareWs: companion.eventsPerSec / bare.eventsPerSec,
      ratioRange: [0, 0],
      rounds,
      companionSteal: companion.steal,
      bareSteal: bare.steal,
      companionCpuPerFrameUs: companion.cpuPerFrameUs,
      bareCpuPerFrameUs: bare.cpuPerFrameUs,
      companionLoopDelayP99Ms: companion.loopDelayP99Ms,
    });
  }
  results.sort((a, b) => a.ingestVsBareWs - b.ingestVsBareWs);
  const median = results[Math.floor(results.length / 2)] as SaturationResult;
  const ratios = results.map((r) => r.ingestVsBareWs);
  return { ...median, ratioRange: [ratios[0] as number, ratios[ratios.length - 1] as number] };
}

export interface TaggedResult {
  connections: number;
  plainEventsPerSec: number;
  taggedEventsPerSec: number;
  plainRssBytes: number;
  taggedRssBytes: number;
}

/**
 * The companion at saturation with plain batches, then with anchors, a build
 * label and signals on every batch (and its tester, as always): events/s and
 * the process's resident memory after each run, side by side.
 */
export async function benchTagged(connections: number, seconds = 5): Promise<TaggedResult> {
  const runs = [];
  for (const tagged of [false, true]) {
    const companion = await CompanionProcess.start();
    runs.push(await saturate(companion, connections, seconds, 4, tagged));
    await companion.stop();
  }
  const [plain, tagged] = runs as [Awaited<ReturnType<typeof saturate>>, Awaited<ReturnType<typeof saturate>>];
  return {
    connections,
    plainEventsPerSec: plain.eventsPerSec,
    taggedEventsPerSec: tagged.eventsPerSec,
    plainRssBytes: plain.rssBytes,
    taggedRssBytes: tagged.rssBytes,
  };
}
