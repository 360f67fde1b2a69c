/**
 * A three-node cluster on a real NATS server, each node the real `heatlens`
 * binary: a team's load spread over the nodes, and what the broker carries
 * for it. Reports the points taken per second beside the JetStream messages
 * the nodes published per second, and the bound the design promises
 * (nodes × active keys × hops per second).
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { type Running, startHeatlens } from "../tests/support/heatlens";
import { startNats } from "../tests/support/nats";
import { SITE } from "../tests/support/site";
import { tempDataDir } from "../tests/support/temp-dir";

export interface ClusterResult {
  nodes: number;
  activeKeys: number;
  pointsPerSec: number;
  brokerMessagesPerSec: number;
  /** nodes × active keys × hops per second. */
  messageBoundPerSec: number;
  pointsPerMessage: number;
  /** Bytes the nodes published to JetStream per point taken. */
  brokerBytesPerPoint: number;
}

interface NodeStats {
  gateway: { points: number };
  cluster: { published: { messages: number; bytes: number } };
}

async function statsOf(node: Running): Promise<NodeStats> {
  return (await (await fetch(`${node.url}/api/stats`)).json()) as NodeStats;
}

/**
 * `clients` browsers, each sending `sendsPerSecond` batches of 2 pages × `perPage`
 * points, over 20 pages in 2 width bands (40 keys), spread over 3 nodes.
 */
export async function benchCluster(
  clients = 150,
  sendsPerSecond = 4,
  perPage = 50,
  seconds = 6,
): Promise<ClusterResult> {
  const nats = await startNats();
  const hopMs = 250;
  const flags = ["--nats", nats.url, "--log-level", "silent", "--max-events-per-second", "1000000"];
  const flagsFor = (i: number) => [...flags, "--nats-node", `bench-${i}`, "--max-pending-per-address", "10000"];
  const nodes = await Promise.all([0, 1, 2].map((i) => startHeatlens(flagsFor(i), tempDataDir("bench-cluster"))));
  const keys = new Set<string>();
  const sockets: WebSocket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let c = 0; c < clients; c++) {
      const node = nodes[c % nodes.length] as Running;
      const ws = new WebSocket(`${node.url.replace(/^http/, "ws")}/ws`, ["heatlens.v1"]);
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      ws.send(JSON.stringify({ type: "hello", v: 2, client: `team-${c}` }));
      await new Promise((resolve) => ws.once("message", resolve));
      sockets.push(ws);
      const pts: number[] = [];
      for (let i = 0; i < perPage; i++) pts.push(i % 250, (i * 37 + c) % 1280, (i * 53 + c) % 3000, 0);
      const ptsJson = JSON.stringify(pts);
      const width = c % 2 === 0 ? 1280 : 500;
      let seq = 0;
      const send = () => {
        const now = Date.now();
        const pages = [0, 1].map((p) => {
          const path = `/page-${(c + p * 7) % 20}`;
          keys.add(`${width} ${path}`);
          return `{"origin":"${SITE}","path":"${path}","w":${width},"t0":${now - 250},"pts":${ptsJson}}`;
        });
        // Each batch sent once, as the extension's first transmission says.
        ws.send(`{"type":"batch","seq":${++seq},"sentAt":${now},"first":true,"pages":[${pages.join(",")}]}`);
      };
      timers.push(
        setTimeout(() => timers.push(setInterval(send, 1000 / sendsPerSecond)), (c * 1000) / sendsPerSecond / clients),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = await Promise.all(nodes.map(statsOf));
    const began = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await Promise.all(nodes.map(statsOf));
    const elapsed = (performance.now() - began) / 1000;
    const sum = (list: NodeStats[], of: (s: NodeStats) => number) => list.reduce((total, s) => total + of(s), 0);
    const points = sum(after, (s) => s.gateway.points) - sum(before, (s) => s.gateway.points);
    const messages = sum(after, (s) => s.cluster.published.messages) - sum(before, (s) => s.cluster.published.messages);
    return {
      nodes: nodes.length,
      activeKeys: keys.size,
      pointsPerSec: points / elapsed,
      brokerMessagesPerSec: messages / elapsed,
      messageBoundPerSec: nodes.length * keys.size * (1000 / hopMs),
      pointsPerMessage: points / Math.max(1, messages),
      brokerBytesPerPoint:
        (sum(after, (s) => s.cluster.published.bytes) - sum(before, (s) => s.cluster.published.bytes)) /
        Math.max(1, points),
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    for (const ws of sockets) ws.terminate();
    for (const node of nodes) await node.stop();
    await nats.stop();
  }
}
