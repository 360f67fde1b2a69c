/**
 * Every option of the companion, through the real binary: one companion per
 * option, started with a non-default value, and a check of what a user or a
 * client observes (the welcome, an HTTP answer, a close code, a nack code, a
 * timing, a file's location) that would fail with the default. The table is
 * keyed by the option table's names, so an option without a row does not compile.
 */

import { X509Certificate } from "node:crypto";
import { statSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect as natsConnect } from "@nats-io/transport-node";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, STREAM } from "../../companion/src/cluster/wire";
import type { OptionName } from "../../companion/src/options";
import { type Grid, PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { freePort } from "../support/free-port";
import {
  batch,
  type Client,
  connect,
  eventually,
  get,
  heatlens,
  limit,
  points,
  type Running,
  refusal,
  reply,
  startHeatlens,
} from "../support/heatlens";
import { type Nats, startNats } from "../support/nats";
import { rawWebSocket } from "../support/raw-websocket";
import { SITE } from "../support/site";
import { noisyPng, plainPng, snapshotMeta, upload } from "../support/snapshot";
import { tempDataDir } from "../support/temp-dir";

interface Row {
  /** The flags that set the option to its non-default value; a function when they depend on the data directory. */
  args: string[] | ((dataDir: string) => Promise<string[]>);
  /** Fails unless the option took effect. */
  check(companion: Running): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1: its PEM and the files the companion is given. */
const tls = { pem: "", certFile: "", keyFile: "" };
const slot = limit(2);

async function welcome(companion: Running): Promise<Extract<ServerMessage, { type: "welcome" }>> {
  const client = await connect(companion.url, { hello: false });
  client.send({ type: "hello", v: PROTOCOL_VERSION, client: "welcome-reader" });
  const message = await client.next("welcome");
  client.ws.terminate();
  return message as Extract<ServerMessage, { type: "welcome" }>;
}

async function nackCode(companion: Running, message: object): Promise<string> {
  const client = await connect(companion.url);
  const answer = await reply(client, message);
  client.ws.terminate();
  return answer.type === "nack" ? answer.code : "acked";
}

async function errorCodeAfter(client: Client, message: object): Promise<string> {
  client.send(message);
  for (;;) {
    const next = await client.next();
    if (next.type === "error") return next.code;
    if (next.type === "subscribed") return "subscribed";
  }
}

/** The cells of the history of `path` (width 1000) between `from` and `to`. */
async function historyCells(companion: Running, path: string, from: number, to: number): Promise<number> {
  const answer = await get(`${companion.url}/api/heatmap?origin=${SITE}&path=${path}&width=1000&from=${from}&to=${to}`);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.body) as Grid).cells.length;
}

/**
 * Pings owed by a viewer that stopped reading when the companion first skips a grid
 * for it: the viewer has had its first grid, then pipelines pings in chunks while a
 * feeder changes the grid it watches after each chunk.
 */
async function pingsUntilSkip(c: Running): Promise<number> {
  const viewer = await rawWebSocket(c.port);
  const send = (message: object) => viewer.frame(1, Buffer.from(JSON.stringify(message)));
  send({ type: "hello", v: PROTOCOL_VERSION, client: "slow-viewer" });
  send({ type: "subscribe", origin: SITE, path: "/watched", width: 1000 });
  const feeder = await connect(c.url);
  let seq = 0;
  await reply(feeder, batch(++seq, [{ path: "/watched", points: points(1) }]));
  await eventually(
    async () => (viewer.messages.some((m) => m.includes('"type":"grid"')) ? true : undefined),
    5000,
    "the viewer's first grid",
  );
  viewer.pause();
  let pings = 0;
  try {
    while (pings < 400_000) {
      for (let i = 0; i < 2000; i++) send({ type: "ping", t: pings++ });
      await reply(feeder, batch(++seq, [{ path: "/watched", points: points(1) }]));
      const stats = JSON.parse((await get(`${c.url}/api/stats`)).body) as { skippedViewerUpdates: number };
      if (stats.skippedViewerUpdates > 0) return pings;
    }
    throw new Error("no grid skipped for a viewer owed 400,000 pongs");
  } finally {
    viewer.destroy();
    feeder.ws.terminate();
  }
}

let chosenPort = 0;
/** The token created in each data directory that needs one. */
const tokens = new Map<string, string>();

const ROWS = {
  host: {
    args: ["--host", "127.0.0.2"],
    async check(c) {
      expect(c.url).toBe(`http://127.0.0.2:${c.port}`);
      expect((await get(`${c.url}/healthz`)).status).toBe(200);
      await expect(get(`http://127.0.0.1:${c.port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    },
  },
  port: {
    args: async () => {
      chosenPort = await freePort();
      return ["--port", String(chosenPort)];
    },
    async check(c) {
      expect(c.port).toBe(chosenPort);
      expect((await get(`http://127.0.0.1:${chosenPort}/healthz`)).status).toBe(200);
    },
  },
  dataDir: {
    args: async (dir) => ["--data-dir", join(dir, "elsewhere")],
    async check(c) {
      await reply(await connect(c.url), batch(1, [{ path: "/stored", points: points(3) }]));
      const file = join(c.dataDir, "elsewhere", "heatlens.db");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(c.dataDir, "elsewhere")).mode & 0o777).toBe(0o700);
    },
  },
  allowUnauthenticated: {
    args: ["--host", "0.0.0.0", "--allow-unauthenticated"],
    async check(c) {
      // Bound to every address: the banner names this machine, and no token is asked for.
      expect(c.url).not.toContain("127.0.0.1");
      const client = await connect(`http://127.0.0.1:${c.port}`);
      expect(client.ws.readyState).toBe(client.ws.OPEN);
      client.ws.terminate();
    },
  },
  allowHosts: {
    args: ["--allow-host", "evil.example"],
    async check(c) {
      const other = await get(`${c.url}/api/pages`, { host: `rebound.example:${c.port}` });
      expect(other.status).toBeGreaterThanOrEqual(400);
      expect(JSON.parse(other.body).code).toBe("E_HOST");
      expect((await get(`${c.url}/api/pages`, { host: `evil.example:${c.port}` })).status).toBe(200);
    },
  },
  tlsCert: {
    args: async () => ["--tls-cert", tls.certFile, "--tls-key", tls.keyFile],
    async check(c) {
      expect(c.url).toMatch(/^https:/);
      const answer = await get(`${c.url}/healthz`, {}, tls.pem);
      expect(answer.status).toBe(200);
      const served = await new Promise<string>((resolve, reject) => {
        const secure = tlsConnect({ host: "127.0.0.1", port: c.port, rejectUnauthorized: false }, () => {
          resolve(secure.getPeerX509Certificate()?.fingerprint256 ?? "");
          secure.end();
        });
        secure.on("error", reject);
      });
      expect(served).toBe(new X509Certificate(tls.pem).fingerprint256);
    },
  },
  tlsKey: {
    args: async () => ["--tls-cert", tls.certFile, "--tls-key", tls.keyFile],
    async check(c) {
      // The handshake completes only if the key is the certificate's.
      expect(c.url).toMatch(/^https:/);
      const client = await connect(c.url, { ca: tls.pem });
      expect(client.ws.protocol).toBe("heatlens.v1");
      client.ws.terminate();
    },
  },
  retentionDays: {
    args: ["--retention-days", "1"],
    async check(c) {
      const day = 24 * 3_600_000;
      const client = await connect(c.url);
      const old = { path: "/kept", points: points(5), age: 2 * day };
      const recent = { path: "/kept", points: points(5), age: 2 * 3_600_000 };
      expect((await reply(client, batch(1, [old, recent]))).type).toBe("ack");
      client.ws.terminate();
      const now = Date.now();
      // History is folded every 2 s and pruned every 10 s: wait until the recent points are in it and the old ones gone.
      await eventually(
        async () => {
          const kept = await historyCells(c, "/kept", now - 3 * 3_600_000, now - 3_600_000);
          const past = await historyCells(c, "/kept", now - 2 * day - 3_600_000, now - 2 * day + 3_600_000);
          return kept > 0 && past === 0 ? true : undefined;
        },
        25_000,
        "points two days old pruned with --retention-days 1",
      );
    },
  },
  maxStoreBytes: {
    args: ["--max-store-bytes", "64KiB"],
    async check(c) {
      const client = await connect(c.url);
      const codes: string[] = [];
      let reason = "";
      for (let seq = 1; seq <= 5 && !codes.includes("E_STORAGE"); seq++) {
        const answer = await reply(client, batch(seq, [{ path: `/big${seq}`, points: points(5000) }]));
        codes.push(answer.type === "nack" ? answer.code : "ack");
        if (answer.type === "nack") reason = answer.reason;
      }
      client.ws.terminate();
      expect(codes).toContain("E_STORAGE");
      // Named as the cap it is, not a full disk: in the refusal and in /healthz.
      const cap = /the store reached --max-store-bytes \(\d+ of 65536 bytes\): raise it, or lower --retention-days/;
      expect(reason).toMatch(cap);
      const health = await fetch(`${c.url}/healthz`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { reason: string }).reason).toMatch(cap);
    },
  },
  cols: {
    args: ["--cols", "40"],
    async check(c) {
      expect((await welcome(c)).cols).toBe(40);
    },
  },
  hopMs: {
    args: ["--hop", "500ms"],
    async check(c) {
      expect((await welcome(c)).hopMs).toBe(500);
    },
  },
  windowsMs: {
    args: ["--windows", "5s,5m"],
    async check(c) {
      expect((await welcome(c)).windowsMs).toEqual([5000, 300_000]);
    },
  },
  viewRefreshMs: {
    args: ["--view-refresh", "300ms"],
    async check(c) {
      expect((await welcome(c)).refreshMs).toBe(300);
      const client = await connect(c.url);
      client.send({ type: "subscribe", origin: SITE, path: "/idle", width: 1000 });
      const first = (await client.next("grid")) as Grid;
      const started = Date.now();
      // Nothing changes on /idle: the same grid comes again, well before the default 2 s.
      const again = (await client.next("grid")) as Grid;
      expect(Date.now() - started).toBeLessThan(1500);
      expect(again.total).toBe(first.total);
      client.ws.terminate();
    },
  },
  livePushMs: {
    // A minute's hop: a grid that comes within seconds of a point was pushed live, not sent at a pane's close.
    args: ["--live-push", "2s", "--hop", "60s", "--windows", "1m,5m"],
    async check(c) {
      // A pane that closes during the check sends its grid by itself: then check again on another page.
      for (let attempt = 0; attempt < 3; attempt++) {
        const path = `/live-${attempt}`;
        const viewer = await connect(c.url);
        const feeder = await connect(c.url);
        viewer.send({ type: "subscribe", origin: SITE, path, width: 1000, windowMs: 60_000 });
        const empty = (await viewer.next("grid")) as Grid;
        expect(await reply(feeder, batch(1, [{ path, points: points(1) }]))).toMatchObject({ type: "ack" });
        const first = (await viewer.next("grid")) as Grid;
        const firstAt = Date.now();
        expect(await reply(feeder, batch(2, [{ path, points: points(1) }]))).toMatchObject({ type: "ack" });
        let second = (await viewer.next("grid")) as Grid;
        while (second.total < 2) second = (await viewer.next("grid")) as Grid;
        const waited = Date.now() - firstAt;
        viewer.ws.terminate();
        feeder.ws.terminate();
        if (second.start !== empty.start) continue;
        expect(first.total).toBe(1);
        // The second point waits out the 2 s since the first push (the default, 100 ms, would send it at once).
        expect(waited).toBeGreaterThan(1500);
        return;
      }
      throw new Error("a pane closed during each of 3 checks");
    },
  },
  defaultWindowMs: {
    args: ["--default-window", "1m"],
    async check(c) {
      expect((await welcome(c)).defaultWindowMs).toBe(60_000);
    },
  },
  bandBreakpoints: {
    args: ["--bands", "800"],
    async check(c) {
      expect((await welcome(c)).bands.map((b) => [b.min, b.max])).toEqual([
        [0, 799],
        [800, null],
      ]);
    },
  },
  maxRows: {
    args: ["--max-rows", "10"],
    async check(c) {
      // 1000 px wide at 50 columns: 20 px tiles, so y = 400 is row 20, off the grid; y = 100 is row 5.
      const client = await connect(c.url);
      expect(
        await reply(
          client,
          batch(1, [
            {
              path: "/tall",
              points: [
                [10, 400],
                [10, 100],
              ],
              age: 1000,
            },
          ]),
        ),
      ).toMatchObject({ type: "ack", points: 2 });
      client.ws.terminate();
      const grid = JSON.parse((await get(`${c.url}/api/heatmap?origin=${SITE}&path=/tall&width=1000`)).body) as Grid;
      expect([grid.total, grid.cells]).toEqual([1, [0, 5, 1]]);
      const stats = JSON.parse((await get(`${c.url}/api/stats`)).body) as { gateway: { offGrid: number } };
      expect(stats.gateway.offGrid).toBe(1);
      expect((await get(`${c.url}/metrics`)).body).toMatch(/^heatlens_points_off_grid_total 1$/m);
    },
  },
  templates: {
    args: ["--template", "/product/:id", "/docs/*/edit"],
    async check(c) {
      await nackCode(c, batch(1, [{ path: "/product/42", points: points(3) }]));
      // A `*` before the end matches one segment, as `:name` does.
      await nackCode(c, batch(2, [{ path: "/docs/intro/edit", points: points(3) }]));
      const pages = await eventually(
        async () => {
          const body = (await get(`${c.url}/api/pages`)).body;
          return body.includes("/product") && body.includes("/docs") ? body : undefined;
        },
        5000,
        "the pages in /api/pages",
      );
      expect(pages).toContain("/product/:id");
      expect(pages).not.toContain("/product/42");
      expect(pages).toContain("/docs/*/edit");
      expect(pages).not.toContain("/docs/intro");
    },
  },
  keepQuery: {
    args: ["--keep-query", "tab"],
    async check(c) {
      expect((await welcome(c)).keepQuery).toEqual(["tab"]);
    },
  },
  // The signal rules are the browsers' to apply: the welcome and /api/config tell them (tests/e2e/signals.e2e.test.ts
  // plays --rage-clicks in real browsers).
  rageClicks: {
    args: ["--rage-clicks", "5"],
    async check(c) {
      expect((await welcome(c)).signalRules.rageClicks).toBe(5);
      expect(JSON.parse((await get(`${c.url}/api/config`)).body).signalRules.rageClicks).toBe(5);
    },
  },
  rageMs: {
    args: ["--rage-window", "2s"],
    async check(c) {
      expect((await welcome(c)).signalRules.rageMs).toBe(2000);
    },
  },
  ragePx: {
    args: ["--rage-distance", "60"],
    async check(c) {
      expect((await welcome(c)).signalRules.ragePx).toBe(60);
    },
  },
  deadMs: {
    args: ["--dead-after", "1500ms"],
    async check(c) {
      expect((await welcome(c)).signalRules.deadMs).toBe(1500);
    },
  },
  errorMs: {
    args: ["--error-within", "3s"],
    async check(c) {
      expect((await welcome(c)).signalRules.errorMs).toBe(3000);
    },
  },
  maxFrameBytes: {
    args: ["--max-frame-bytes", "1KiB"],
    async check(c) {
      const client = await connect(c.url);
      client.send({ type: "ping", t: 1, pad: "x".repeat(2000) });
      expect((await client.closed).code).toBe(1009);
    },
  },
  maxFragments: {
    args: ["--max-fragments", "2"],
    async check(c) {
      const raw = await rawWebSocket(c.port);
      raw.frame(1, Buffer.from('{"type":'), false);
      raw.frame(0, Buffer.from('"ping",'), false);
      raw.frame(0, Buffer.from('"t":1}'), true);
      const closed = await raw.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/^E_FRAGMENTS/);
    },
  },
  maxPointsPerBatch: {
    args: ["--max-points-per-batch", "10"],
    async check(c) {
      expect(await nackCode(c, batch(1, [{ path: "/p", points: points(11) }]))).toBe("E_TOO_BIG");
    },
  },
  maxEventsPerSecond: {
    // A bucket of 5 points/s × 60 s = 300 points.
    args: ["--max-events-per-second", "5"],
    async check(c) {
      expect(await nackCode(c, batch(1, [{ path: "/p", points: points(400) }]))).toBe("E_RATE");
    },
  },
  rateBurstSeconds: {
    // A bucket of 2000 points/s × 1 s.
    args: ["--rate-burst-seconds", "1"],
    async check(c) {
      expect(await nackCode(c, batch(1, [{ path: "/p", points: points(2500) }]))).toBe("E_RATE");
    },
  },
  maxKeys: {
    args: ["--max-keys", "2"],
    async check(c) {
      const pages = ["/a", "/b", "/c"].map((path) => ({ path, points: points(1) }));
      expect(await nackCode(c, batch(1, pages))).toBe("E_KEYS");
    },
  },
  maxAnchors: {
    args: ["--max-anchors", "2"],
    async check(c) {
      const client = await connect(c.url);
      const now = Date.now();
      const page = (seq: number, anchor: string, n: number) => ({
        type: "batch",
        seq,
        sentAt: now,
        pages: [
          {
            origin: SITE,
            path: "/a",
            w: 1000,
            t0: now,
            pts: Array(n).fill([0, 1, 1, 0]).flat(),
            anchors: [anchor],
            at: Array(n).fill([1, 0, 0]).flat(),
            // The page's controls: #cold's heat is evicted below, and #never has none.
            controls: ["#hot", "#cold", "#new", "#never"],
          },
        ],
      });
      await reply(client, page(1, "#hot", 3));
      await reply(client, page(2, "#cold", 1));
      await reply(client, page(3, "#new", 2));
      client.ws.terminate();
      const grid = await eventually(
        async () => {
          const g = JSON.parse(
            (await get(`${c.url}/api/heatmap?origin=${SITE}&path=/a&width=1000&window=10000`)).body,
          ) as Grid;
          return g.total === 6 ? g : undefined;
        },
        5000,
        "the grid of the three batches",
      );
      expect(grid.anchors.map((a) => a.s)).toEqual(["#hot", "#new"]);
      expect(grid.evictedAnchors).toBe(1);
      expect((await get(`${c.url}/metrics`)).body).toMatch(/^heatlens_anchors_evicted_total 1$/m);
      expect(JSON.parse((await get(`${c.url}/api/stats`)).body)).toMatchObject({ evictedAnchors: 1 });
      // Coverage does not call a control untouched whose heat may be the evicted anchor's.
      const { pages } = JSON.parse((await get(`${c.url}/api/coverage?origin=${SITE}&path=/a&window=10000`)).body);
      expect(pages).toMatchObject([
        {
          controls: 4,
          hovered: 2,
          untouched: 0,
          unknown: 2,
          untouchedControls: [],
          unknownControls: ["#cold", "#never"],
        },
      ]);
    },
  },
  maxControls: {
    args: ["--max-controls", "2"],
    async check(c) {
      const client = await connect(c.url);
      const now = Date.now();
      const controls = ["#a", "#b", "#c"];
      const group = { origin: SITE, path: "/a", w: 1000, t0: now, pts: [], controls };
      expect(await reply(client, { type: "batch", seq: 1, sentAt: now, pages: [group] })).toMatchObject({
        type: "ack",
      });
      client.ws.terminate();
      const { pages } = JSON.parse((await get(`${c.url}/api/coverage?origin=${SITE}&path=/a`)).body);
      expect(pages).toMatchObject([{ controls: 2, cut: 1, untouchedControls: ["#a", "#b"] }]);
    },
  },
  maxTagsPerPage: {
    args: ["--max-tags-per-page", "1"],
    async check(c) {
      const client = await connect(c.url);
      const now = Date.now();
      const group = (build: string) => ({ origin: SITE, path: "/a", w: 1000, t0: now, pts: [5, 10, 10, 0], build });
      for (const [seq, build] of [
        [1, "b1"],
        [2, "b2"],
      ] as const) {
        expect(await reply(client, { type: "batch", seq, sentAt: now, pages: [group(build)] })).toMatchObject({
          type: "ack",
        });
      }
      client.ws.terminate();
      const url = `${c.url}/api/tags?origin=${SITE}&path=/a&width=1000`;
      // History is folded every 2 s.
      const tags = await eventually(
        async () => {
          const body = JSON.parse((await get(url)).body) as { builds: { label: string; points: number }[] };
          return body.builds.length > 0 ? body : undefined;
        },
        10_000,
        "tags in the history",
      );
      expect(tags.builds).toMatchObject([{ label: "b1", points: 1 }]);
      const stats = JSON.parse((await get(`${c.url}/api/stats`)).body);
      expect(stats.gateway.untagged).toBe(1);
    },
  },
  maxSignals: {
    args: ["--max-signals", "1"],
    async check(c) {
      const client = await connect(c.url);
      const now = Date.now();
      const group = {
        origin: SITE,
        path: "/a",
        w: 1000,
        t0: now,
        pts: [],
        anchors: ["#a", "#b"],
        at: [],
        signals: [0, 0, 1, 5, 1, 2],
      };
      expect(await reply(client, { type: "batch", seq: 1, sentAt: now, pages: [group] })).toMatchObject({
        type: "ack",
      });
      client.ws.terminate();
      const { signals } = JSON.parse((await get(`${c.url}/api/signals?origin=${SITE}&path=/a`)).body);
      expect(signals).toMatchObject([{ selector: "#b", kind: "dead", count: 1 }]);
    },
  },
  maxKeysPerClient: {
    args: ["--max-keys-per-client", "2"],
    async check(c) {
      const pages = (paths: string[]) => paths.map((path) => ({ path, points: points(1) }));
      const client = await connect(c.url);
      // A batch that alone brings more pages than a client may feed can never be taken: not to be retried.
      expect(await reply(client, batch(1, pages(["/a", "/b", "/c"])))).toMatchObject({
        type: "nack",
        code: "E_KEYS",
        retry: false,
        reason: "this batch brings 3 new live pages, more than the 2 a client may feed (--max-keys-per-client)",
      });
      expect(await reply(client, batch(2, pages(["/a", "/b"])))).toMatchObject({ type: "ack" });
      // One more page once two are fed: taken later, once one of them expires.
      expect(await reply(client, batch(3, pages(["/c"])))).toMatchObject({
        type: "nack",
        code: "E_KEYS",
        retry: true,
        reason: "this client feeds 2 live pages, and this batch would bring 1 more, past 2",
      });
      client.ws.terminate();
    },
  },
  maxSubscriptionsPerConnection: {
    args: ["--max-subscriptions", "1"],
    async check(c) {
      const client = await connect(c.url);
      expect(await errorCodeAfter(client, { type: "subscribe", origin: SITE, path: "/a", width: 1000 })).toBe(
        "subscribed",
      );
      expect(await errorCodeAfter(client, { type: "subscribe", origin: SITE, path: "/b", width: 1000 })).toBe(
        "E_SUBSCRIPTIONS",
      );
      client.ws.terminate();
    },
  },
  maxSubscribersPerKey: {
    args: ["--max-subscribers-per-key", "1"],
    async check(c) {
      const [first, second] = [await connect(c.url), await connect(c.url)] as [Client, Client];
      expect(await errorCodeAfter(first, { type: "subscribe", origin: SITE, path: "/a", width: 1000 })).toBe(
        "subscribed",
      );
      expect(await errorCodeAfter(second, { type: "subscribe", origin: SITE, path: "/a", width: 1000 })).toBe(
        "E_SUBSCRIPTIONS",
      );
      first.ws.terminate();
      second.ws.terminate();
    },
  },
  maxConnections: {
    args: ["--max-connections", "1"],
    async check(c) {
      const first = await connect(c.url);
      const refused = await refusal(c.url);
      expect([refused.status, refused.code]).toEqual([503, "E_CAPACITY"]);
      first.ws.terminate();
    },
  },
  maxConnectionsPerToken: {
    args: async (dir) => {
      const created = await heatlens(["token", "create", "--role", "capture,view", "--data-dir", dir]);
      tokens.set(dir, created.stdout.trim());
      return ["--max-connections-per-token", "1"];
    },
    async check(c) {
      const token = tokens.get(c.dataDir) as string;
      const first = await connect(c.url, { token });
      const refused = await refusal(c.url, { token });
      expect([refused.status, refused.code]).toEqual([429, "E_CONNECTIONS"]);
      first.ws.terminate();
    },
  },
  maxPendingPerAddress: {
    args: ["--max-pending-per-address", "2"],
    async check(c) {
      const silent = [await connect(c.url, { hello: false }), await connect(c.url, { hello: false })];
      const refused = await refusal(c.url);
      expect([refused.status, refused.code]).toEqual([429, "E_CONNECTIONS"]);
      for (const client of silent) client.ws.terminate();
    },
  },
  headersTimeoutMs: {
    args: ["--headers-timeout", "500ms"],
    async check(c) {
      const socket = tcpConnect(c.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.on("data", () => undefined);
      const started = Date.now();
      socket.write("GET /healthz HT");
      const closed = await Promise.race([
        new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now() - started))),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000)),
      ]);
      socket.destroy();
      expect(closed, "closed within 2 s of an unfinished request line").not.toBeNull();
      expect(closed as number).toBeLessThan(2000);
    },
  },
  maxViewerBufferBytes: {
    args: ["--max-viewer-buffer-bytes", "4MiB", "--max-reply-buffer-bytes", "8MiB"],
    async check(c) {
      // The kernel's socket buffers hold megabytes of replies on loopback, a size that varies by
      // machine and a little by connection: compare with a companion that skips at once (1 KiB).
      const withOption = await pingsUntilSkip(c);
      const reference = await startHeatlens(["--max-viewer-buffer-bytes", "1KiB"]);
      try {
        const withReference = await pingsUntilSkip(reference);
        // A pong is about 48 bytes: over 2 MiB later (44,000 pongs), where the 1 MiB default
        // measures about 20,000 and 4 MiB about 68,000 here.
        expect(withOption - withReference).toBeGreaterThan(44_000);
      } finally {
        await reference.stop();
      }
    },
  },
  maxReplyBufferBytes: {
    args: ["--max-reply-buffer-bytes", "64KiB", "--max-viewer-buffer-bytes", "16KiB"],
    async check(c) {
      const client = await rawWebSocket(c.port);
      client.frame(1, Buffer.from(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "no-reader" })));
      await eventually(async () => client.messages.length > 0 || undefined, 5000, "welcome");
      client.pause();
      // Far more pongs than the bound plus what the kernel buffers on loopback (about 4 MB here).
      const ping = Buffer.from('{"type":"ping","t":1}');
      for (let i = 0; i < 300_000; i++) {
        client.frame(1, ping);
        if (i % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      client.resume();
      const closed = await client.closeFrame;
      client.destroy();
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/^E_BACKPRESSURE/);
    },
  },
  helloTimeoutMs: {
    args: ["--hello-timeout", "300ms"],
    async check(c) {
      const started = Date.now();
      const client = await connect(c.url, { hello: false });
      const closed = await client.closed;
      expect(closed.code).toBe(4001);
      expect(Date.now() - started).toBeLessThan(3000);
    },
  },
  heartbeatMs: {
    args: ["--heartbeat", "200ms"],
    async check(c) {
      const client = await connect(c.url);
      const started = Date.now();
      await new Promise((resolve) => client.ws.once("ping", resolve));
      expect(Date.now() - started).toBeLessThan(3000);
      client.ws.terminate();
    },
  },
  allowOrigins: {
    args: ["--allow-origin", "https://dash.example"],
    async check(c) {
      const allowed = await connect(c.url, { origin: "https://dash.example" });
      allowed.ws.terminate();
      const refused = await refusal(c.url, { origin: "https://other.example" });
      expect([refused.status, refused.code]).toEqual([403, "E_ORIGIN"]);
    },
  },
  demo: {
    args: ["--no-demo"],
    async check(c) {
      const answer = await get(`${c.url}/demo/`);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body).code).toBe("E_NOT_FOUND");
    },
  },
  maxSnapshotBytes: {
    args: ["--max-snapshot-bytes", "1KiB"],
    async check(c) {
      const res = await upload(c.url, noisyPng(40, 40), snapshotMeta());
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe("E_TOO_BIG");
    },
  },
  maxSnapshots: {
    args: ["--max-snapshots", "2"],
    async check(c) {
      for (const path of ["/a", "/b", "/c"])
        expect((await upload(c.url, plainPng(4, 4), snapshotMeta({ path }))).status).toBe(201);
      const count = async (path: string) => {
        const res = await fetch(`${c.url}/api/snapshots?origin=${encodeURIComponent(SITE)}&path=${path}`);
        return ((await res.json()) as { snapshots: unknown[] }).snapshots.length;
      };
      expect([await count("/a"), await count("/b"), await count("/c")]).toEqual([0, 1, 1]);
    },
  },
  snapshotsPerPage: {
    args: ["--snapshots-per-page", "1"],
    async check(c) {
      for (const legend of ["old", "new"])
        expect((await upload(c.url, plainPng(4, 4), snapshotMeta({ legend }))).status).toBe(201);
      const list = await fetch(`${c.url}/api/snapshots?origin=${encodeURIComponent(SITE)}&path=/demo/product/1`);
      expect(((await list.json()) as { snapshots: { legend: string }[] }).snapshots.map((s) => s.legend)).toEqual([
        "new",
      ]);
    },
  },
  nats: {
    args: async () => ["--nats", (await freshNats()).url],
    async check(c) {
      expect(await clusterOf(c)).toMatchObject({ connected: true, partitions: 16 });
      const feeder = await connect(c.url);
      expect(await reply(feeder, batch(1, [{ path: "/clustered", points: points(2) }]))).toMatchObject({ type: "ack" });
      // Acked once its pane delta is in JetStream.
      expect((await clusterOf(c)).published.messages).toBeGreaterThan(0);
    },
  },
  natsNode: {
    args: async () => ["--nats", (await freshNats()).url, "--nats-node", "alpha"],
    async check(c) {
      expect((await clusterOf(c)).node).toBe("alpha");
    },
  },
  natsPartitions: {
    args: async () => ["--nats", (await freshNats()).url, "--nats-partitions", "3"],
    async check(c) {
      await eventually(
        async () => ((await clusterOf(c)).owned.length === 3 ? true : undefined),
        10_000,
        "3 partitions",
      );
      expect(await clusterOf(c)).toMatchObject({ partitions: 3, owned: [0, 1, 2] });
    },
  },
  natsLeaseMs: {
    async args() {
      natsUrls.lease = (await freshNats()).url;
      return ["--nats", natsUrls.lease, "--nats-lease", "1s"];
    },
    async check() {
      // The leases' bucket forgets an owner that has not renewed for this long.
      const nc = await natsConnect({ servers: natsUrls.lease });
      try {
        expect((await (await new Kvm(nc).open(BUCKET)).status()).ttl).toBe(1000);
      } finally {
        await nc.close();
      }
    },
  },
  natsAckWaitMs: {
    async args() {
      natsUrls.ackWait = (await freshNats()).url;
      return ["--nats", natsUrls.ackWait, "--nats-ack-wait", "100ms"];
    },
    async check(c) {
      // Without its stream JetStream takes no pane delta: the batch is acked on the store alone once the wait is over.
      const nc = await natsConnect({ servers: natsUrls.ackWait });
      try {
        await (await jetstreamManager(nc)).streams.delete(STREAM);
      } finally {
        await nc.close();
      }
      const feeder = await connect(c.url);
      const sent = Date.now();
      expect(await reply(feeder, batch(1, [{ path: "/waited", points: points(2) }]))).toMatchObject({ type: "ack" });
      expect(Date.now() - sent).toBeLessThan(1500);
      expect((await clusterOf(c)).published.ackedOnStoreAlone).toBe(1);
    },
  },
  natsStartWaitMs: {
    args: async () => ["--nats", (await freshNats()).url, "--nats-start-wait", "15s"],
    async check(c) {
      expect(await clusterOf(c)).toMatchObject({ connected: true });
      // A JetStream that never answers is tried again until the wait is over, then the start is refused with code 2;
      // with no wait, tried once. (A JetStream that answers within the wait: cluster-edges.test.ts.)
      const never = await freshNats({ jetStream: false });
      const refusal = async (wait: string) => {
        const started = Date.now();
        const refused = await heatlens([
          "--port",
          "0",
          "--data-dir",
          tempDataDir("cli-start-wait"),
          "--nats",
          never.url,
          "--nats-start-wait",
          wait,
        ]);
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/cannot set up JetStream on nats:\/\/\S+: /);
        return { ms: Date.now() - started, tries: Number(/\((\d+) tries\)/.exec(refused.stderr)?.[1] ?? 1) };
      };
      const waited = await refusal("800ms");
      expect(waited.ms).toBeGreaterThanOrEqual(800);
      expect(waited.tries).toBeGreaterThan(1);
      expect((await refusal("0")).tries).toBe(1);
    },
  },
  logLevel: {
    args: ["--log-level", "silent"],
    async check(c) {
      // At the default level the companion logs a JSON line before its banner.
      await welcome(c);
      expect(c.stdout()).toMatch(/listening on/);
      expect(c.stdout()).not.toMatch(/^\{/m);
    },
  },
} satisfies Record<OptionName, Row>;

const natsServers: Nats[] = [];
/** URLs of the NATS servers of rows whose check talks to theirs. */
const natsUrls = { lease: "", ackWait: "" };

/** A NATS server of a row's own: nodes on one server form one cluster. */
async function freshNats(options?: Parameters<typeof startNats>[0]): Promise<Nats> {
  const server = await startNats(options);
  natsServers.push(server);
  return server;
}

interface ClusterStats {
  node: string;
  partitions: number;
  owned: number[];
  connected: boolean;
  published: { messages: number; ackedOnStoreAlone: number };
}

async function clusterOf(c: Running): Promise<ClusterStats> {
  const stats = JSON.parse((await get(`${c.url}/api/stats`)).body) as { cluster?: ClusterStats };
  if (!stats.cluster) throw new Error("no cluster in /api/stats");
  return stats.cluster;
}

afterAll(async () => {
  for (const server of natsServers) await server.stop();
});

beforeAll(async () => {
  const dir = tempDataDir("cli-tls");
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  tls.pem = pems.cert;
  tls.certFile = join(dir, "cert.pem");
  tls.keyFile = join(dir, "key.pem");
  writeFileSync(tls.certFile, pems.cert);
  writeFileSync(tls.keyFile, pems.private);
});

describe.concurrent("each option takes effect through the heatlens binary", () => {
  for (const [name, row] of Object.entries(ROWS) as [OptionName, Row][]) {
    it(name, { timeout: 60_000 }, () =>
      slot(async () => {
        const dir = tempDataDir(`cli-${name}`);
        const args = typeof row.args === "function" ? await row.args(dir) : row.args;
        const companion = await startHeatlens(args, dir);
        try {
          await row.check(companion);
        } finally {
          await companion.stop();
        }
      }),
    );
  }
});
