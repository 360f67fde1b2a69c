/**
 * Companions as a cluster on a real NATS JetStream server, through the real
 * `heatlens` binary: windows merged across nodes equal a lone companion's
 * from the same batches; a viewer on one node sees points taken by another;
 * kill -9 of a node while clients stream loses no acked point and counts none
 * twice; a NATS restart keeps nodes acking and they catch up; a node that
 * cannot join says why.
 */
import { Kvm } from "@nats-io/kv";
import { connect as connectNats } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { BUCKET } from "../../companion/src/cluster/wire";
import { type Batch, type Grid, PROTOCOL_VERSION } from "../../protocol/wire";
import {
  ackedPerView,
  clusterFixture,
  generator,
  heat,
  holds,
  MANY_PATHS,
  PATHS,
  pathOwnedBy,
  pointsPerView,
  randomBatch,
  Streamer,
  seenLive,
  sendRounds,
  sharedOut,
  stats,
  WIDTHS,
} from "../support/cluster";
import { connect, eventually, get, heatlens, type Running, reply, until } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const { nats, start, cluster } = clusterFixture();

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
      // The page list gathers every owner's pages, with their points per window: the lone companion's read again
      // each time, since points a minute old leave the 10 s window meanwhile.
      await eventually(
        async () =>
          JSON.stringify(await pagesOf(nodes[round % 3] as Running)) === JSON.stringify(await pagesOf(lone))
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
    const [a, b] = (await cluster(server, 2)) as [Running, Running];
    await seenLive(a, b, "/live");
  });

  it("shares the most partitions, 1,024, between two nodes within seconds, renews every one, and merges across them", async () => {
    const server = await nats();
    const node = (name: string) => start(["--nats", server.url, "--nats-node", name, "--nats-partitions", "1024"]);
    const owned = async (nodes: Running[]) =>
      Promise.all(nodes.map(async (n) => (await stats(n)).cluster.owned.length));
    const first = await node("node-0");
    await until(async () => (await owned([first]))[0] === 1024, 15_000, "the first node to own every partition");
    const second = await node("node-1");
    const joinedAt = Date.now();
    await until(
      async () => (await owned([first, second])).every((n) => n === 512),
      30_000,
      "the two nodes to own half the partitions each",
    );
    console.log(`1,024 partitions shared out: ${Date.now() - joinedAt} ms after the second node joined`);
    const before = await Promise.all([first, second].map(async (n) => (await stats(n)).cluster));
    // Live across the two, both ways, over some lease rounds (a third of a 3 s lease each).
    await seenLive(first, second, await pathOwnedBy(first, MANY_PATHS, 1000, 1024));
    await seenLive(second, first, await pathOwnedBy(second, MANY_PATHS, 1000, 1024));
    const after = await Promise.all([first, second].map(async (n) => (await stats(n)).cluster));
    // Every lease renewed in every round meanwhile: none lost, none taken again.
    expect(after.map((s) => [s.owned.length, s.partitionsLost, s.partitionsTaken, s.connected])).toEqual(
      before.map((s) => [512, s.partitionsLost, s.partitionsTaken, true]),
    );
  });

  it("keeps a viewer's grid live when the node that owned its page dies", async () => {
    const server = await nats();
    const nodes = await cluster(server, 3);
    const [viewerNode, feederNode] = [nodes[2] as Running, nodes[1] as Running];
    // A page owned by the node that will die, neither the viewer's nor the feeder's.
    const victim = nodes[0] as Running;
    const path = await pathOwnedBy(victim, MANY_PATHS);
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
      const survivor = nodes[1] as Running;
      await holds(
        survivor,
        ackedPerView(streamers),
        Math.max(1000, killedAt + 5000 - Date.now()),
        "the merged windows to hold every acked point once, within 5 s of the kill",
      );
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
      const withMarker = pointsPerView([...streamers.flatMap((s) => [...s.acked.values()]), marker]);
      for (const node of [back, survivor]) {
        await holds(node, withMarker, 5000, "every acked point once, after the node back republished its store");
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
    await sendRounds(streamers, 5);
    await server.stop();
    // Acked on the nodes' stores while JetStream is away.
    await sendRounds(streamers, 5);
    await server.restart();
    await sendRounds(streamers, 5);
    await holds(
      nodes[1] as Running,
      ackedPerView(streamers),
      15_000,
      "the merged windows to hold every point stored during the outage",
    );
    for (const s of streamers) s.close();
  });

  it("refuses to start, with E_CLUSTER and the reason, when NATS cannot be reached or the partitions or leases disagree", async () => {
    /**
     * A node started on `natsUrl` with `args`, to its exit. A cluster that disagrees is refused at once, not
     * tried again until --nats-start-wait (30 s) is over: `heatlens` gives up on the process after 15 s.
     */
    const join = (natsUrl: string, ...args: string[]) =>
      heatlens(["--port", "0", "--data-dir", tempDataDir("cluster"), "--nats", natsUrl, ...args]);
    const unreachable = await join("nats://127.0.0.1:9", "--nats-start-wait", "0");
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach NATS at nats:\/\/127\.0\.0\.1:9: /);
    const server = await nats();
    await cluster(server, 1);
    const other = await join(server.url, "--nats-partitions", "8");
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/cuts keys into 16 partitions, not 8: start every node with --nats-partitions 16/);
    // The bucket keeps leases for the first node's --nats-lease (3 s): a node renewing for another length is refused.
    const shorter = await join(server.url, "--nats-lease", "1s");
    expect(shorter.code).toBe(2);
    expect(shorter.stderr).toMatch(
      /this cluster's leases last 3000 ms, not 1000: start every node with --nats-lease 3000ms/,
    );
    // The name of a node that lives; the name of one killed is taken over by the node started after it.
    const twin = await join(server.url, "--nats-node", "node-0");
    expect(twin.code).toBe(2);
    expect(twin.stderr).toContain("a node named node-0 is live in this cluster: give each node its own --nats-node");
    // A cluster a node of an earlier release runs in: it put its partitions alone, a bare number, and its pane
    // deltas hold page cells of another form. (Its bucket, as it made it, with leases of a minute.)
    const older = await nats();
    const nc = await connectNats({ servers: older.url });
    const kv = await new Kvm(nc).create(BUCKET, { ttl: 60_000, history: 1 });
    await kv.put("config.partitions", "16");
    const newer = await join(older.url, "--nats-lease", "60s");
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain(
      "a node of an earlier release is live in this cluster, whose pane deltas hold page cells of another form: run one release on every node",
    );
    // And one of a later release, whose cells take a form this one does not know.
    await kv.put("config.partitions", JSON.stringify({ partitions: 16, cells: "packed" }));
    await nc.close();
    const later = await join(older.url, "--nats-lease", "60s");
    expect(later.code).toBe(2);
    expect(later.stderr).toContain(
      'a node of another release is live in this cluster (its configuration: {"partitions":16,"cells":"packed"}): run one release on every node',
    );
  });

  it("takes over the name of a node killed with -9, its entry no longer renewed", async () => {
    const server = await nats();
    const [first] = (await cluster(server, 1)) as [Running];
    await first.kill();
    const started = Date.now();
    const again = await start(["--nats", server.url, "--nats-node", "node-0"]);
    console.log(`node-0 killed → started again under its name: ${Date.now() - started} ms`);
    await sharedOut([again]);
  });
});
