/**
 * Companions as a cluster on a real NATS JetStream server, through the real
 * `heatlens` binary: windows merged across nodes equal a lone companion's
 * from the same batches; a viewer on one node sees points taken by another;
 * kill -9 of a node while clients stream loses no acked point and counts none
 * twice; a NATS restart keeps nodes acking and they catch up; a node that
 * cannot join says why.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { partitionOf } from "../../companion/src/cluster/wire";
import { ScrollMark } from "../../protocol/anchor";
import { bandFor, bandsFromBreakpoints, DEFAULT_BAND_BREAKPOINTS } from "../../protocol/grid";
import { makeKey } from "../../protocol/page-key";
import { type Batch, type Grid, PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { connect, eventually, get, heatlens, type Running, reply, startHeatlens } from "../support/heatlens";
import { type Nats, startNats } from "../support/nats";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
const servers: Nats[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
  for (const s of servers.splice(0)) await s.stop();
});

async function nats(): Promise<Nats> {
  const server = await startNats();
  servers.push(server);
  return server;
}

async function start(args: string[]): Promise<Running> {
  const companion = await startHeatlens(args, tempDataDir("cluster"));
  running.push(companion);
  return companion;
}

/** `n` nodes of one cluster, each owning some partitions before it is used. */
async function cluster(server: Nats, n: number, args: string[] = []): Promise<Running[]> {
  const nodes = await Promise.all(
    Array.from({ length: n }, (_, i) => start(["--nats", server.url, "--nats-node", `node-${i}`, ...args])),
  );
  await eventually(
    async () => {
      const owned = await Promise.all(nodes.map(async (node) => (await stats(node)).cluster.owned.length));
      // Each at its fair share: no partition is still on its way from one node to another.
      const share = Math.ceil(16 / n);
      return owned.every((count) => count > 0 && count <= share) && owned.reduce((a, b) => a + b, 0) === 16
        ? true
        : undefined;
    },
    15_000,
    "every node to own partitions",
  );
  return nodes;
}

interface ClusterStats {
  cluster: {
    node: string;
    owned: number[];
    connected: boolean;
    published: { ackedOnStoreAlone: number; republishedBatches: number };
  };
}

async function stats(node: Running): Promise<ClusterStats> {
  return JSON.parse((await get(`${node.url}/api/stats`)).body) as ClusterStats;
}

const PATHS = ["/", "/cart", "/checkout", "/product/1", "/product/2", "/search"];
const WIDTHS = [400, 1000];
const ANCHORS = ["#buy", "[data-testid=cart]", "nav > a:nth-of-type(2)"];

/** A random number from a seeded generator, so that a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return state / 2 ** 32;
  };
}

/** A batch of a few pages, with anchored, loose and clicked points, scroll marks and now and then a rage click. */
function randomBatch(random: () => number, seq: number): Batch {
  const now = Date.now();
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const pages = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const n = 1 + Math.floor(random() * 6);
    const pts: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      pts.push(
        250 * Math.floor(random() * 3),
        Math.floor(random() * 1000),
        Math.floor(random() * 1500),
        random() < 0.2 ? 1 : 0,
      );
      const anchor = random() < 0.6 ? 1 + Math.floor(random() * ANCHORS.length) : 0;
      at.push(anchor, anchor ? Math.floor(random() * 1024) : 0, anchor ? Math.floor(random() * 1024) : 0);
    }
    return {
      origin: SITE,
      path: pick(PATHS),
      w: pick(WIDTHS),
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
async function heat(node: Running): Promise<Record<string, unknown>> {
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

async function pagesOf(node: Running): Promise<unknown[]> {
  const answer = await get(`${node.url}/api/pages`);
  expect(answer.status, answer.body).toBe(200);
  const { pages } = JSON.parse(answer.body) as {
    pages: { band: string; path: string; events: Record<string, number> }[];
  };
  // The shorter windows slide past points up to a minute old while the two lists are read: the 5-minute one holds them all.
  return pages
    .map(({ events, ...page }) => ({ ...page, events: events["300000"] }))
    .sort((a, b) => `${a.band} ${a.path}`.localeCompare(`${b.band} ${b.path}`));
}

function total(views: Record<string, unknown>): number {
  return Object.values(views).reduce((sum: number, grid) => sum + (grid as Grid).total, 0);
}

/**
 * A client as the extension's link is: batches stay in its outbox until
 * acked, and are all sent again on a new connection (to `next()` when the
 * node it was on goes away); a batch's first transmission says so.
 */
class Streamer {
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

/** Points per view from batches, as a lone companion counts them (every point of the 5-minute window). */
function pointsPerView(batches: Iterable<Batch>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const batch of batches) {
    for (const page of batch.pages) {
      const view = `${page.w} ${page.path}`;
      counts[view] = (counts[view] ?? 0) + page.pts.length / 4;
    }
  }
  return counts;
}

function totals(views: Record<string, unknown>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [view, grid] of Object.entries(views)) if ((grid as Grid).total > 0) counts[view] = (grid as Grid).total;
  return sortKeys(counts);
}

// Several companions and a NATS server per test, on a machine that runs other test files at once.
describe("a cluster of companions on NATS JetStream", { timeout: 60_000 }, () => {
  it("merges windows across three nodes into what a lone companion computes from the same batches, round after round", async () => {
    const server = await nats();
    const [nodes, lone] = await Promise.all([cluster(server, 3), start([])]);
    const random = generator(13);
    const clients = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => ({
        lone: await connect(lone.url, { hello: false }),
        // Each batch goes to a node picked at random: a client's batches spread over the cluster.
        nodes: await Promise.all((nodes as Running[]).map((node) => connect(node.url, { hello: false }))),
        id: `spread-${i}`,
      })),
    );
    for (const client of clients) {
      for (const ws of [client.lone, ...client.nodes]) {
        ws.send({ type: "hello", v: PROTOCOL_VERSION, client: client.id });
        await ws.next("welcome");
      }
    }
    let seq = 0;
    for (let round = 0; round < 3; round++) {
      // Sent all at once, as clients do; each connection then counts its acks.
      const waiting = new Map<Awaited<ReturnType<typeof connect>>, number>();
      for (let i = 0; i < 40; i++) {
        const client = clients[Math.floor(random() * clients.length)] as (typeof clients)[number];
        const batch = randomBatch(random, ++seq);
        // Half say they are on their first transmission (as they are): their node sums them with others.
        if (random() < 0.5) batch.first = true;
        const node = client.nodes[Math.floor(random() * client.nodes.length)] as (typeof client.nodes)[number];
        for (const ws of [client.lone, node]) {
          ws.send(batch);
          waiting.set(ws, (waiting.get(ws) ?? 0) + 1);
        }
      }
      for (const [ws, n] of waiting) {
        for (let i = 0; i < n; i++) expect(await ws.next("ack")).toMatchObject({ type: "ack", duplicate: false });
      }
      const expected = await heat(lone);
      expect(total(expected)).toBeGreaterThan(0);
      // The page list gathers every owner's pages, with their points per window.
      const expectedPages = await pagesOf(lone);
      await eventually(
        async () =>
          JSON.stringify(await pagesOf(nodes[round % 3] as Running)) === JSON.stringify(expectedPages)
            ? true
            : undefined,
        5000,
        `round ${round}: the cluster's page list to equal the lone companion's`,
      );
      // Asked of every node: each answers from the key's owner.
      for (const node of nodes as Running[]) {
        await eventually(
          async () => (JSON.stringify(await heat(node)) === JSON.stringify(expected) ? true : undefined),
          5000,
          `round ${round}: the merged windows on ${node.url} to equal the lone companion's`,
        ).catch(async (error) => {
          expect(await heat(node)).toEqual(expected);
          throw error;
        });
      }
    }
  });

  it("shows a viewer on one node the points another node took, live", async () => {
    const server = await nats();
    const [a, b] = await cluster(server, 2);
    const viewer = await connect((b as Running).url);
    viewer.send({ type: "subscribe", origin: SITE, path: "/live", width: 1000, windowMs: 300_000 });
    expect(((await viewer.next("grid")) as Grid).total).toBe(0);
    const feeder = await connect((a as Running).url);
    const now = Date.now();
    const batch = {
      type: "batch",
      seq: 1,
      sentAt: now,
      pages: [{ origin: SITE, path: "/live", w: 1000, t0: now, pts: [0, 10, 10, 0, 5, 500, 40, 1] }],
    };
    expect(await reply(feeder, batch)).toMatchObject({ type: "ack", points: 2 });
    let grid = (await viewer.next("grid")) as Grid;
    while (grid.total < 2) grid = (await viewer.next("grid", 3000)) as Grid;
    expect(grid).toMatchObject({ total: 2, clicks: 1, path: "/live" });
  });

  it("keeps a viewer's grid live when the node that owned its page dies", async () => {
    const server = await nats();
    const nodes = await cluster(server, 3);
    const [viewerNode, feederNode] = [nodes[2] as Running, nodes[1] as Running];
    // A page owned by the node that will die, neither the viewer's nor the feeder's.
    const victim = nodes[0] as Running;
    const owned = new Set((await stats(victim)).cluster.owned);
    const band = bandFor(1000, bandsFromBreakpoints(DEFAULT_BAND_BREAKPOINTS)).id;
    const path = Array.from({ length: 200 }, (_, i) => `/owned-${i}`).find((p) =>
      owned.has(partitionOf(makeKey(band, SITE, p), 16)),
    );
    expect(path).toBeDefined();
    const viewer = await connect(viewerNode.url);
    viewer.send({ type: "subscribe", origin: SITE, path, width: 1000, windowMs: 300_000 });
    expect(((await viewer.next("grid")) as Grid).total).toBe(0);
    const feeder = await connect(feederNode.url);
    const send = async (seq: number) => {
      const now = Date.now();
      const b = {
        type: "batch",
        seq,
        sentAt: now,
        pages: [{ origin: SITE, path, w: 1000, t0: now, pts: [0, 10, 10, 0] }],
      };
      expect(await reply(feeder, b)).toMatchObject({ type: "ack" });
    };
    const seen = async (total: number, ms: number) => {
      for (const end = Date.now() + ms; ; ) {
        const grid = (await viewer.next("grid", Math.max(1, end - Date.now()))) as Grid;
        if (grid.total === total) return;
      }
    };
    await send(1);
    await seen(1, 5000);
    const killedAt = Date.now();
    await victim.kill();
    await send(2);
    // A new owner rebuilds the page from the stream and sends the viewer's node its grid, both points in it.
    await seen(2, 8000);
    console.log(`owner killed → the viewer's grid live again: ${Date.now() - killedAt} ms`);
  });

  it("loses no acked point and counts none twice when a node is killed while clients stream", async () => {
    const server = await nats();
    // The default lease (3 s): what a team runs.
    const nodes = await cluster(server, 3);
    const alive = new Set(nodes);
    let turn = 0;
    const nextNode = () => {
      const list = [...alive];
      return (list[turn++ % list.length] as Running).url;
    };
    const random = generator(29);
    const streamers = Array.from({ length: 9 }, (_, i) => new Streamer(`streamer-${i}`, random, nextNode));
    await Promise.all(streamers.map((s, i) => s.open((nodes[i % 3] as Running).url)));
    const stream = setInterval(() => {
      for (const s of streamers) s.send();
    }, 40);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const victim = nodes[0] as Running;
      alive.delete(victim);
      const killedAt = Date.now();
      await victim.kill();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      clearInterval(stream);
      // Every batch gets acked, by the node it was sent to or, sent again, by another.
      await eventually(
        async () => (streamers.every((s) => s.outbox.size === 0) ? true : undefined),
        10_000,
        "every batch to be acked",
      );
      const expected = pointsPerView(streamers.flatMap((s) => [...s.acked.values()]));
      const survivor = nodes[1] as Running;
      await eventually(
        async () =>
          JSON.stringify(totals(await heat(survivor))) === JSON.stringify(sortKeys(expected)) ? true : undefined,
        Math.max(1000, killedAt + 5000 - Date.now()),
        "the merged windows to hold every acked point once, within 5 s of the kill",
      ).catch(async (error) => {
        expect(totals(await heat(survivor))).toEqual(sortKeys(expected));
        throw error;
      });
      console.log(`kill -9 → every acked point counted once on the survivors: ${Date.now() - killedAt} ms`);
      // Back, it publishes its store's last window again, batches the others took since among them: none counts twice.
      const back = await start(["--data-dir", victim.dataDir, "--nats", server.url, "--nats-node", "node-0"]);
      await eventually(
        async () => ((await stats(back)).cluster.published.republishedBatches > 0 ? true : undefined),
        10_000,
        "the node back to republish its store",
      );
      // Each node's messages to a partition are read in order: once a later batch of the node back shows on every
      // page, its republished batches have been read before it.
      const now = Date.now();
      const marker = {
        type: "batch",
        seq: 1,
        sentAt: now,
        pages: PATHS.flatMap((path) => WIDTHS.map((w) => ({ origin: SITE, path, w, t0: now, pts: [0, 1, 1, 0] }))),
      } as Batch;
      const late = await connect(back.url);
      expect(await reply(late, marker)).toMatchObject({ type: "ack", duplicate: false });
      const withMarker = sortKeys(pointsPerView([...streamers.flatMap((s) => [...s.acked.values()]), marker]));
      for (const node of [back, survivor]) {
        await eventually(
          async () => (JSON.stringify(totals(await heat(node))) === JSON.stringify(withMarker) ? true : undefined),
          5000,
          "every acked point once, after the node back republished its store",
        ).catch(async (error) => {
          expect(totals(await heat(node))).toEqual(withMarker);
          throw error;
        });
      }
    } finally {
      clearInterval(stream);
      for (const s of streamers) s.close();
    }
  });

  it("keeps acking while NATS restarts, and the merged windows catch up", async () => {
    const server = await nats();
    const nodes = await cluster(server, 2, ["--nats-lease", "1s"]);
    const random = generator(41);
    const streamers = Array.from(
      { length: 4 },
      (_, i) => new Streamer(`outage-${i}`, random, () => (nodes[i % 2] as Running).url),
    );
    await Promise.all(streamers.map((s, i) => s.open((nodes[i % 2] as Running).url)));
    const send = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        for (const s of streamers) s.send();
        await eventually(async () => (streamers.every((s) => s.outbox.size === 0) ? true : undefined), 5000, "acks");
      }
    };
    await send(5);
    await server.stop();
    // Acked on the nodes' stores while JetStream is away.
    await send(5);
    await server.restart();
    await send(5);
    const expected = sortKeys(pointsPerView(streamers.flatMap((s) => [...s.acked.values()])));
    await eventually(
      async () =>
        JSON.stringify(totals(await heat(nodes[1] as Running))) === JSON.stringify(expected) ? true : undefined,
      15_000,
      "the merged windows to hold every point stored during the outage",
    );
    for (const s of streamers) s.close();
  });

  it("refuses to start, with E_CLUSTER and the reason, when NATS cannot be reached or the partitions disagree", async () => {
    const unreachable = await heatlens([
      "--port",
      "0",
      "--data-dir",
      tempDataDir("cluster"),
      "--nats",
      "nats://127.0.0.1:9",
    ]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:9/);
    const server = await nats();
    await cluster(server, 1);
    const other = await heatlens([
      "--port",
      "0",
      "--data-dir",
      tempDataDir("cluster"),
      "--nats",
      server.url,
      "--nats-partitions",
      "8",
    ]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cuts keys into 16 partitions, not 8: start every node with --nats-partitions 16/);
  });
});

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

function sortKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
