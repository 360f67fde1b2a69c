/**
 * Companions as nodes of a cluster on a real NATS server, for the cluster
 * tests: the nodes and servers a test starts (stopped after it), the wait for
 * the partitions to be shared out, clients that stream random batches as the
 * extension's link does, and the merged windows read back over HTTP.
 */
import { afterEach, expect } from "vitest";
import WebSocket from "ws";
import { partitionOf } from "../../companion/src/cluster/wire";
import { ScrollMark } from "../../protocol/anchor";
import { bandFor, bandsFromBreakpoints, DEFAULT_BAND_BREAKPOINTS } from "../../protocol/grid";
import { makeKey } from "../../protocol/page-key";
import { type Batch, type Grid, PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { connect, eventually, get, type Running, reply, startHeatlens } from "./heatlens";
import { type Nats, startNats } from "./nats";
import { SITE } from "./site";
import { tempDataDir } from "./temp-dir";

/** NATS servers and nodes for the tests of one file; whatever a test started is stopped after it. */
export function clusterFixture() {
  const running: Running[] = [];
  const servers: Nats[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.kill();
    for (const s of servers.splice(0)) await s.stop();
  });
  const nats = async (options?: Parameters<typeof startNats>[0]): Promise<Nats> => {
    const server = await startNats(options);
    servers.push(server);
    return server;
  };
  const start = async (args: string[], spawned?: (stdout: () => string) => void): Promise<Running> => {
    const companion = await startHeatlens(args, tempDataDir("cluster"), spawned);
    running.push(companion);
    return companion;
  };
  /** `n` nodes of one cluster, each owning some partitions before it is used. */
  const cluster = async (server: Nats, n: number, args: string[] = []): Promise<Running[]> => {
    const nodes = await Promise.all(
      Array.from({ length: n }, (_, i) => start(["--nats", server.url, "--nats-node", `node-${i}`, ...args])),
    );
    await sharedOut(nodes);
    return nodes;
  };
  return { nats, start, cluster };
}

/** Waits until every node holds its fair share of the 16 partitions and none is on its way from one node to another. */
export async function sharedOut(nodes: Running[]): Promise<void> {
  await eventually(
    async () => {
      const owned = await Promise.all(nodes.map(async (node) => (await stats(node)).cluster.owned.length));
      const share = Math.ceil(16 / nodes.length);
      return owned.every((count) => count > 0 && count <= share) && owned.reduce((a, b) => a + b, 0) === 16
        ? true
        : undefined;
    },
    15_000,
    "every node to own partitions",
  );
}

export interface ClusterStats {
  cluster: {
    node: string;
    nodes: number;
    owned: number[];
    connected: boolean;
    published: { ackedOnStoreAlone: number; republishedBatches: number };
    partitionsTaken: number;
    partitionsLost: number;
  };
}

export async function stats(node: Running): Promise<ClusterStats> {
  return JSON.parse((await get(`${node.url}/api/stats`)).body) as ClusterStats;
}

/** Paths enough that any node of a few owns the page keys of some. */
export const MANY_PATHS = Array.from({ length: 200 }, (_, i) => `/owned-${i}`);

/** One of `candidates` whose page key at `width` is in a partition `node` owns now. */
export async function pathOwnedBy(node: Running, candidates: string[], width = 1000, partitions = 16): Promise<string> {
  const owned = new Set((await stats(node)).cluster.owned);
  const band = bandFor(width, bandsFromBreakpoints(DEFAULT_BAND_BREAKPOINTS)).id;
  const path = candidates.find((p) => owned.has(partitionOf(makeKey(band, SITE, p), partitions)));
  if (path === undefined) throw new Error(`${node.url} owns none of ${candidates.length} paths`);
  return path;
}

/** A viewer on `viewerNode` sees, live, the two points (one a click) a client of `feederNode` sends to `path`. */
export async function seenLive(feederNode: Running, viewerNode: Running, path: string): Promise<void> {
  const viewer = await connect(viewerNode.url);
  viewer.send({ type: "subscribe", origin: SITE, path, width: 1000, windowMs: 300_000 });
  expect(((await viewer.next("grid")) as Grid).total).toBe(0);
  const feeder = await connect(feederNode.url);
  const now = Date.now();
  const batch = {
    type: "batch",
    seq: 1,
    sentAt: now,
    pages: [{ origin: SITE, path, w: 1000, t0: now, pts: [0, 10, 10, 0, 5, 500, 40, 1] }],
  };
  expect(await reply(feeder, batch)).toMatchObject({ type: "ack", points: 2 });
  let grid = (await viewer.next("grid")) as Grid;
  while (grid.total < 2) grid = (await viewer.next("grid", 3000)) as Grid;
  expect(grid).toMatchObject({ total: 2, clicks: 1, path });
  viewer.ws.close();
  feeder.ws.close();
}

export const PATHS = ["/", "/cart", "/checkout", "/product/1", "/product/2", "/search"];
export const WIDTHS = [400, 1000];
const ANCHORS = ["#buy", "[data-testid=cart]", "nav > a:nth-of-type(2)"];

/** A random number from a seeded generator, so that a failure can be replayed. */
export function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

/** A batch of a few pages, with anchored, loose and clicked points, scroll marks and now and then a rage click. */
export function randomBatch(random: () => number, seq: number): Batch {
  const now = Date.now();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const pages = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const n = 1 + Math.floor(random() * 6);
    const w = pick(WIDTHS);
    const pts: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      pts.push(
        250 * Math.floor(random() * 3),
        // Inside the layout width: every point is on its page's grid (protocol/grid.ts, gridRowOf).
        Math.floor(random() * w),
        Math.floor(random() * 1500),
        random() < 0.2 ? 1 : 0,
      );
      const anchor = random() < 0.6 ? 1 + Math.floor(random() * ANCHORS.length) : 0;
      at.push(anchor, anchor ? Math.floor(random() * 1024) : 0, anchor ? Math.floor(random() * 1024) : 0);
    }
    return {
      origin: SITE,
      path: pick(PATHS),
      w,
      // Up to a minute back, over many panes. Each companion corrects a client's clock by the delays it saw, a few
      // ms apart: every point sits mid-pane, so that both place it in the same pane.
      t0: Math.floor((now - random() * 60_000) / 250) * 250 + 125,
      pts,
      anchors: ANCHORS,
      at,
      ...(random() < 0.3 ? { scroll: [0, ScrollMark.view, 800, 5, ScrollMark.reach, 40] } : {}),
      ...(random() < 0.1 ? { signals: [0, 0, 1] } : {}),
    };
  });
  return { type: "batch", seq, sentAt: now, pages } as Batch;
}

/** Every view of every page and width, as /api/heatmap serves it over the 5-minute window, without its bounds. */
export async function heat(node: Running): Promise<Record<string, unknown>> {
  const views: Record<string, unknown> = {};
  for (const path of PATHS) {
    for (const width of WIDTHS) {
      const answer = await get(`${node.url}/api/heatmap?origin=${SITE}&path=${path}&width=${width}&window=300000`);
      expect(answer.status, answer.body).toBe(200);
      views[`${width} ${path}`] = canonical(JSON.parse(answer.body) as Grid);
    }
  }
  return views;
}

/** Waits until `node`'s merged windows hold exactly `expected` points per view; fails showing the difference. */
export async function holds(node: Running, expected: Record<string, number>, ms: number, what: string): Promise<void> {
  const want = sortKeys(expected);
  await eventually(
    // A view between two owners may be refused for a moment: asked again, and shown if it lasts.
    async () =>
      JSON.stringify(totals(await heat(node).catch(() => ({})))) === JSON.stringify(want) ? true : undefined,
    ms,
    what,
  ).catch(async (error) => {
    expect(totals(await heat(node))).toEqual(want);
    throw error;
  });
}

/**
 * A client as the extension's link is: batches stay in its outbox until
 * acked, and are all sent again on a new connection (to `next()` when the
 * node it was on goes away); a batch's first transmission says so.
 */
export class Streamer {
  private ws: WebSocket | null = null;
  readonly outbox = new Map<number, Batch>();
  readonly acked = new Map<number, Batch>();
  private seq = 0;
  constructor(
    readonly id: string,
    private readonly random: () => number,
    private readonly next: () => string,
  ) {}

  async open(url: string): Promise<void> {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, ["heatlens.v1"]);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    this.ws = ws;
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      // Sent again: no longer a first transmission.
      if (message.type === "welcome")
        for (const batch of this.outbox.values()) ws.send(JSON.stringify({ ...batch, first: undefined }));
      if (message.type === "ack") {
        const batch = this.outbox.get(message.seq);
        if (batch) this.acked.set(message.seq, batch);
        this.outbox.delete(message.seq);
      }
    });
    ws.on("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      setTimeout(() => void this.open(this.next()).catch(() => undefined), 100);
    });
    ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: this.id }));
  }

  send(): void {
    const batch = randomBatch(this.random, ++this.seq);
    this.outbox.set(batch.seq, batch);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ ...batch, first: true }));
  }

  close(): void {
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }
}

/** Sends a batch from each streamer, `rounds` times, each round once all are acked. */
export async function sendRounds(streamers: Streamer[], rounds: number): Promise<void> {
  for (let r = 0; r < rounds; r++) {
    for (const s of streamers) s.send();
    await eventually(async () => (streamers.every((s) => s.outbox.size === 0) ? true : undefined), 5000, "acks");
  }
}

/** Points per view of what `streamers` got acked, as a lone companion counts them (every point of the 5-minute window). */
export function ackedPerView(streamers: Streamer[]): Record<string, number> {
  return pointsPerView(streamers.flatMap((s) => [...s.acked.values()]));
}

/** Points per view from batches, as a lone companion counts them (every point of the 5-minute window). */
export function pointsPerView(batches: Iterable<Batch>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const batch of batches) {
    for (const page of batch.pages) {
      const view = `${page.w} ${page.path}`;
      counts[view] = (counts[view] ?? 0) + page.pts.length / 4;
    }
  }
  return counts;
}

export function totals(views: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [view, grid] of Object.entries(views)) if ((grid as Grid).total > 0) counts[view] = (grid as Grid).total;
  return sortKeys(counts);
}

export function sortKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A grid without its bounds, its lists in one order: two grids of the same counts built in another order compare equal. */
function canonical(grid: Grid): object {
  const { start: _start, end: _end, ...rest } = grid;
  const tuples = (flat: number[], size: number) => {
    const list: number[][] = [];
    for (let i = 0; i < flat.length; i += size) list.push(flat.slice(i, i + size));
    return list.sort((a, b) => String(a).localeCompare(String(b)));
  };
  return {
    ...rest,
    cells: tuples(grid.cells, 3),
    fixed: tuples(grid.fixed, 3),
    anchors: grid.anchors
      .map((anchor) => ({ ...anchor, cells: tuples(anchor.cells, 3) }))
      .sort((a, b) => a.s.localeCompare(b.s)),
    loose: { cells: tuples(grid.loose.cells, 4), fixed: tuples(grid.loose.fixed, 4) },
    // A signal's time is the client's corrected by each companion's own estimate: its count is what must agree.
    signals: grid.signals.map(({ first: _first, last: _last, ...signal }) => JSON.stringify(signal)).sort(),
  };
}
