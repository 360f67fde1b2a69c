/**
 * The companion's edge, through the real `heatlens` binary: the port is bound
 * before the database is opened, Host names are checked, tokens fail closed,
 * revocation reaches open connections, pending connections are capped per
 * address and a client that stops reading its replies is closed.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { PROTOCOL_VERSION, type ServerMessage } from "../../protocol/wire";
import { freePort } from "../support/free-port";
import { createToken, get as getUrl, heatlens, type Running, startHeatlens, until } from "../support/heatlens";
import { rawWebSocket } from "../support/raw-websocket";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
const sockets: (Socket | WebSocket | { destroy(): void })[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s instanceof WebSocket ? s.terminate() : s.destroy();
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

async function start(args: string[], dataDir = tempDataDir("edge")): Promise<Running> {
  const companion = await startHeatlens(args, dataDir);
  running.push(companion);
  return companion;
}

/** A GET with any Host header (fetch cannot set one); resolves to the status and the JSON body, if any. */
async function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { code?: string; reason?: string } }> {
  const answer = await getUrl(`http://127.0.0.1:${port}${path}`, headers);
  // The demo shop and the dashboard answer HTML.
  const json = answer.headers["content-type"]?.startsWith("application/json");
  return { status: answer.status, body: json ? JSON.parse(answer.body) : {} };
}

/** Opens a websocket; resolves to it once open, or to the HTTP status of the refused upgrade. */
function open(
  url: string,
  options: { token?: string; host?: string; localAddress?: string } = {},
): Promise<WebSocket | number> {
  const protocols = ["heatlens.v1", ...(options.token ? [`heatlens.token.${options.token}`] : [])];
  const ws = new WebSocket(`${url.replace("http", "ws")}/ws`, protocols, {
    headers: options.host ? { host: options.host } : {},
    localAddress: options.localAddress,
  });
  sockets.push(ws);
  ws.on("error", () => undefined);
  return new Promise((resolve) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
  });
}

/** A client past hello: its messages, and its close code and reason once closed. */
async function session(url: string, token?: string) {
  const ws = await open(url, { token });
  if (typeof ws === "number") throw new Error(`upgrade refused with ${ws}`);
  const messages: ServerMessage[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.on("message", (data) => messages.push(JSON.parse(String(data))));
  ws.on("close", (code, reason) => {
    closed = { code, reason: String(reason) };
  });
  ws.send(
    JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: `edge-${Math.random().toString(36).slice(2)}` }),
  );
  await until(() => messages.some((m) => m.type === "welcome"), 5000, "welcome");
  return { ws, messages, closed: () => closed as { code: number; reason: string } | null };
}

const batch = (seq: number) => {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: [{ origin: SITE, path: "/edge", w: 1280, t0: now, pts: [0, 10, 10, 0] }],
  };
};

/** A TCP connection from `localAddress` that has written `text` and nothing more; `closed` is when the companion ended it. */
async function rawFrom(port: number, localAddress: string, text: string) {
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  sockets.push(socket);
  socket.on("error", () => undefined);
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk;
  });
  const closed = new Promise<number>((resolve) => socket.once("close", () => resolve(Date.now())));
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(text);
  return { socket, closed, received: () => received };
}

const upgradeRequest =
  "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

describe("binding", () => {
  it("a second companion on a busy port says the port is in use without creating heatlens.db", async () => {
    const port = await freePort();
    running.push(await startHeatlens(["--port", String(port)], tempDataDir("edge-holder")));
    const fresh = tempDataDir("edge-second");
    const started = Date.now();
    const second = await heatlens(["--port", String(port), "--data-dir", fresh, "--log-level", "info"]);
    expect(second.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(existsSync(join(fresh, "heatlens.db"))).toBe(false);
  });
});

describe("Host check (DNS rebinding)", () => {
  it.each([`/api/heatmap?origin=${SITE}&path=/`, "/api/pages", "/healthz", "/demo/", "/"])(
    "refuses %s for Host evil.example with 421 E_HOST naming --allow-host",
    async (path) => {
      const c = await start([]);
      const { status, body } = await get(c.port, path, { host: `evil.example:${c.port}` });
      expect(status).toBe(421);
      expect(body.code).toBe("E_HOST");
      expect(body.reason).toContain("--allow-host evil.example");
      expect((await get(c.port, path, { host: `localhost:${c.port}` })).status).toBeLessThan(400);
    },
  );

  it("refuses a websocket upgrade for Host evil.example with 421", async () => {
    const c = await start([]);
    expect(await open(c.url, { host: `evil.example:${c.port}` })).toBe(421);
    expect(typeof (await open(c.url, { host: `127.0.0.1:${c.port}` }))).toBe("object");
  });

  it("serves loopback names, IP literals and this machine's name", async () => {
    const c = await start([]);
    const machine = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();
    for (const host of ["localhost", "app.localhost", "127.0.0.1", "[::1]", "10.1.2.3", machine]) {
      expect((await get(c.port, "/healthz", { host: `${host}:${c.port}` })).status, host).toBe(200);
    }
  });

  it("serves a name given with --allow-host, over HTTP and websocket", async () => {
    const c = await start(["--allow-host", "evil.example"]);
    expect((await get(c.port, `/api/heatmap?origin=${SITE}&path=/`, { host: `evil.example:${c.port}` })).status).toBe(
      200,
    );
    expect((await get(c.port, "/healthz", { host: `EVIL.example.:${c.port}` })).status).toBe(200);
    expect(typeof (await open(c.url, { host: `evil.example:${c.port}` }))).toBe("object");
  });
});

describe("tokens fail closed", () => {
  it("after the last token is revoked, requests without a token still get 401", async () => {
    const c = await start([]);
    expect((await get(c.port, "/api/pages")).status).toBe(200);
    const { id } = await createToken(c.dataDir, "view");
    expect((await heatlens(["token", "revoke", id, "--data-dir", c.dataDir])).code).toBe(0);
    const { status, body } = await get(c.port, "/api/pages");
    expect(status).toBe(401);
    expect(body.code).toBe("E_UNAUTHORIZED");
    expect(await open(c.url)).toBe(401);
  });
});

describe("clients that reset their connection", () => {
  it("a refused upgrade reset by the client, before or after the answer, leaves the companion running", async () => {
    const dataDir = tempDataDir("edge");
    await createToken(dataDir, "capture");
    const c = await start([], dataDir);
    let exitedEarly = false;
    void c.exited.then(() => {
      exitedEarly = true;
    });
    for (let i = 0; i < 20; i++) {
      const raw = await rawFrom(c.port, "127.0.0.1", upgradeRequest);
      // Odd rounds reset at once, even ones once the 401 arrived.
      if (i % 2 === 0) await until(() => raw.received().length > 0, 5000, "the refusal");
      raw.socket.resetAndDestroy();
      await raw.closed;
    }
    const { status } = await get(c.port, "/healthz");
    expect(exitedEarly, c.stderr()).toBe(false);
    expect(status).toBe(200);
  });
});

describe("revocation reaches open connections", () => {
  it("a capture connection is refused from its next batch with 4003 E_UNAUTHORIZED: token revoked; nothing more is stored", async () => {
    const dataDir = tempDataDir("edge-revoke");
    const capture = await createToken(dataDir, "capture");
    const admin = await createToken(dataDir, "admin");
    // A one-minute hop: the refusal comes from the batch itself, not from the hop tick.
    const c = await start(["--hop", "60s", "--windows", "60s", "--default-window", "60s"], dataDir);
    const client = await session(c.url, capture.token);
    client.ws.send(JSON.stringify(batch(1)));
    await until(() => client.messages.some((m) => m.type === "ack"), 5000, "first ack");

    expect((await heatlens(["token", "revoke", capture.id, "--data-dir", dataDir])).code).toBe(0);
    client.ws.send(JSON.stringify(batch(2)));
    await until(() => client.closed() !== null, 5000, "close");
    expect(client.closed()).toEqual({ code: 4003, reason: "E_UNAUTHORIZED: token revoked" });
    expect(client.messages.filter((m) => m.type === "ack")).toHaveLength(1);
    const stats = await fetch(`${c.url}/api/stats`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(((await stats.json()) as { gateway: { batches: number } }).gateway.batches).toBe(1);
  });

  it("a viewer-only connection is closed within about a second of the revocation", async () => {
    const dataDir = tempDataDir("edge-revoke-view");
    const view = await createToken(dataDir, "view");
    const c = await start([], dataDir);
    const viewer = await session(c.url, view.token);
    viewer.ws.send(JSON.stringify({ type: "subscribe", origin: SITE, path: "/edge", width: 1280 }));
    await until(() => viewer.messages.some((m) => m.type === "subscribed"), 5000, "subscribed");

    expect((await heatlens(["token", "revoke", view.id, "--data-dir", dataDir])).code).toBe(0);
    const revokedAt = Date.now();
    await until(() => viewer.closed() !== null, 3000, "close");
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(viewer.closed()).toEqual({ code: 4003, reason: "E_UNAUTHORIZED: token revoked" });
  });
});

describe("pending connections per address", () => {
  it("40 upgrades from 127.0.0.2 that never say hello do not lock out 127.0.0.1", async () => {
    const c = await start(["--max-pending-per-address", "8", "--max-connections", "20"]);
    // One after another: opened all at once, sockets whose headers are not yet
    // read would meet the header cap (the next test) and be closed unanswered.
    const answers: string[] = [];
    for (let i = 0; i < 40; i++) {
      const raw = await rawFrom(c.port, "127.0.0.2", upgradeRequest);
      await until(() => raw.received().includes("\r\n\r\n"), 5000, "upgrade answer");
      answers.push(raw.received());
    }
    expect(answers.filter((a) => a.startsWith("HTTP/1.1 101"))).toHaveLength(8);
    const refused = answers.filter((a) => a.startsWith("HTTP/1.1 429"));
    expect(refused).toHaveLength(32);
    expect(refused[0]).toContain('"code":"E_CONNECTIONS"');

    const client = await session(c.url);
    expect(client.messages[0]?.type).toBe("welcome");
  });

  it("40 connections from 127.0.0.2 with unfinished headers: those past the cap are closed, /healthz still answers", async () => {
    const c = await start(["--max-pending-per-address", "8"]);
    const raws = await Promise.all(
      Array.from({ length: 40 }, () => rawFrom(c.port, "127.0.0.2", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")),
    );
    let ended = 0;
    for (const raw of raws) void raw.closed.then(() => ended++);
    await until(() => ended === 32, 5000, "32 closed");
    expect((await get(c.port, "/healthz")).status).toBe(200);
    expect(ended).toBe(32);
  });

  it("--headers-timeout 1s closes unfinished requests in about a second", async () => {
    const c = await start(["--headers-timeout", "1s"]);
    const sentAt = Date.now();
    const raws = await Promise.all(
      Array.from({ length: 5 }, () => rawFrom(c.port, "127.0.0.2", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")),
    );
    const closedAt = await Promise.all(raws.map((raw) => raw.closed));
    for (const at of closedAt) {
      expect(at - sentAt).toBeGreaterThanOrEqual(900);
      expect(at - sentAt).toBeLessThan(2500);
    }
  });
});

describe("/api/stats", () => {
  it("reports windows {onTime, late, tooOld} as PROTOCOL.md documents; /metrics keeps its names and shows the store's commits and its thread", async () => {
    const c = await start([]);
    const client = await session(c.url);
    client.ws.send(JSON.stringify(batch(1)));
    await until(() => client.messages.some((m) => m.type === "ack"), 5000, "ack");
    const stats = (await (await fetch(`${c.url}/api/stats`)).json()) as Record<string, unknown>;
    expect(stats.windows).toEqual({ onTime: 1, late: 0, tooOld: 0 });
    expect(stats).not.toHaveProperty("arrivals");
    const metrics = async () => await (await fetch(`${c.url}/metrics`)).text();
    expect(await metrics()).toMatch(/^heatlens_points_on_time_total 1$/m);
    // One transaction so far; once the store's thread is up, a second batch is committed there.
    expect(await metrics()).toMatch(/^heatlens_store_commits_total 1$/m);
    await until(async () => /^heatlens_store_commit_thread 1$/m.test(await metrics()), 10_000, "the commit thread");
    await until(
      async () => /^heatlens_store_checkpoint_thread 1$/m.test(await metrics()),
      10_000,
      "the checkpoint thread",
    );
    client.ws.send(JSON.stringify(batch(2)));
    await until(() => client.messages.filter((m) => m.type === "ack").length === 2, 5000, "second ack");
    expect(await metrics()).toMatch(/^heatlens_store_commits_total 2$/m);
  });
});

describe("arrivals after a restart", () => {
  it("counts none of the points the live windows were rebuilt with: /api/stats and /metrics start at 0", async () => {
    const dataDir = tempDataDir("edge-arrivals");
    const first = await start([], dataDir);
    const client = await session(first.url);
    client.ws.send(JSON.stringify(batch(1)));
    await until(() => client.messages.some((m) => m.type === "ack"), 5000, "ack");
    const windows = async (c: Running) =>
      ((await (await fetch(`${c.url}/api/stats`)).json()) as { windows: Record<string, number> }).windows;
    expect(await windows(first)).toEqual({ onTime: 1, late: 0, tooOld: 0 });
    client.ws.terminate();
    await first.stop();
    const again = await start([], dataDir);
    // The point is back in the live window, but it did not arrive again.
    const grid = await fetch(`${again.url}/api/heatmap?origin=${SITE}&path=/edge&width=1280&window=300000`);
    expect(((await grid.json()) as { total: number }).total).toBe(1);
    expect(await windows(again)).toEqual({ onTime: 0, late: 0, tooOld: 0 });
    const metrics = await (await fetch(`${again.url}/metrics`)).text();
    expect(metrics).toMatch(/^heatlens_points_late_total 0$/m);
    expect(metrics).toMatch(/^heatlens_points_on_time_total 0$/m);
  });
});

describe("closedForErrors", () => {
  it("counts every connection closed for bad input: a bad message, and frames ws refuses (1009, 1007, 1008, 1002)", async () => {
    const c = await start(["--max-frame-bytes", "1KiB", "--max-fragments", "2"]);
    const closedForErrors = async () =>
      ((await (await fetch(`${c.url}/api/stats`)).json()) as { gateway: { closedForErrors: number } }).gateway
        .closedForErrors;
    const closes: (number | null)[] = [];
    const frames: [number, Buffer, boolean][][] = [
      [[1, Buffer.from("{not json"), true]],
      [[1, Buffer.from(`{"type":"ping","t":1,"pad":"${"x".repeat(2000)}"}`), true]],
      [[1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), true]],
      [
        [1, Buffer.from('{"type":'), false],
        [0, Buffer.from('"ping",'), false],
        [0, Buffer.from('"t":1}'), true],
      ],
      // A continuation frame with no message to continue.
      [[0, Buffer.from("x"), true]],
    ];
    for (const [i, sent] of frames.entries()) {
      const raw = await rawWebSocket(c.port);
      sockets.push(raw);
      for (const [opcode, payload, fin] of sent) raw.frame(opcode, payload, fin);
      closes.push((await raw.closeFrame).code);
      await until(async () => (await closedForErrors()) === i + 1, 5000, `closedForErrors ${i + 1}`);
    }
    expect(closes).toEqual([1007, 1009, 1007, 1008, 1002]);
    // A clean close by the client is no error.
    const client = await session(c.url);
    client.ws.close(1000);
    await until(() => client.ws.readyState === WebSocket.CLOSED, 5000, "closed");
    expect(await closedForErrors()).toBe(frames.length);
  });
});

describe("unread replies", () => {
  it("a client that pipelines pings and never reads is closed with 1008 E_BACKPRESSURE; memory stays bounded; others are served", async () => {
    const c = await start(["--max-reply-buffer-bytes", "256KiB", "--max-viewer-buffer-bytes", "64KiB"]);
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, "utf8"))?.[1]) * 1024;
    const raw = await rawWebSocket(c.port);
    sockets.push(raw);
    raw.frame(1, Buffer.from(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "edge-slow" })));
    await until(() => raw.messages.length > 0, 5000, "welcome");
    // Measured from here on: the store's two threads start after the companion listens, and take memory of their own.
    await until(
      async () =>
        (await (await fetch(`${c.url}/metrics`)).text()).match(/^heatlens_store_(commit|checkpoint)_thread 1$/gm)
          ?.length === 2,
      10_000,
      "the store's threads",
    );
    raw.pause();
    const before = rss();
    const ping = Buffer.from(JSON.stringify({ type: "ping", t: 1 }));
    // About 16 MB of pongs: far more than the bound plus what the kernel buffers.
    let peak = before;
    for (let i = 0; i < 300_000; i++) {
      raw.frame(1, ping);
      if (i % 20_000 === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        peak = Math.max(peak, rss());
      }
    }
    const other = await session(c.url);
    other.ws.send(JSON.stringify({ type: "ping", t: 7 }));
    await until(() => other.messages.some((m) => m.type === "pong"), 10_000, "pong for another client");
    peak = Math.max(peak, rss());
    // Measured here: about 10 MB with the bound, about 90 MB without it.
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);

    raw.resume();
    const close = await raw.closeFrame;
    expect(close.code).toBe(1008);
    expect(close.reason).toMatch(/^E_BACKPRESSURE: /);
  }, 60_000);
});

describe("a bad request or message stops neither the companion nor anyone else's connection", () => {
  it("refuses batches whose fields have the wrong kind of value, and a target that is no path, and keeps serving", async () => {
    const c = await start([]);
    const other = await session(c.url);
    const client = await session(c.url);
    const spoiled: Record<string, unknown>[] = [
      { pts: null },
      { pts: "0,10,10,0" },
      { at: null },
      { at: {}, anchors: ["#a"] },
      { scroll: null },
      { signals: 7, anchors: ["#a"] },
      { steps: null, signals: [0, 0, 1], anchors: ["#a"] },
      { anchors: null, at: [1, 0, 0] },
    ];
    for (const [i, fields] of spoiled.entries()) {
      const message = batch(i);
      message.pages = [{ ...(message.pages[0] as (typeof message.pages)[number]), ...fields }];
      client.ws.send(JSON.stringify(message));
      await until(() => client.messages.some((m) => m.type === "nack" && m.seq === i), 5000, `the nack of ${i}`);
      expect(client.messages.find((m) => m.type === "nack" && m.seq === i)).toMatchObject({
        code: "E_SCHEMA",
        retry: false,
      });
    }
    client.ws.send(JSON.stringify(batch(spoiled.length)));
    await until(() => client.messages.some((m) => m.type === "ack" && m.seq === spoiled.length), 5000, "the ack");

    // `//` names no host: no URL can be made of it.
    const page = await rawFrom(c.port, "127.0.0.1", "GET // HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    await until(() => page.received().includes("E_SCHEMA"), 5000, "the answer to GET //");
    expect(page.received()).toMatch(/^HTTP\/1\.1 400 /);
    const upgrade = await rawFrom(c.port, "127.0.0.1", upgradeRequest.replace("GET /ws ", "GET //ws "));
    await until(() => upgrade.received().length > 0, 5000, "the answer to an upgrade at //ws");
    expect(upgrade.received()).toMatch(/^HTTP\/1\.1 404 .*E_NOT_FOUND/s);

    expect((await get(c.port, "/healthz")).status).toBe(200);
    expect(other.closed()).toBe(null);
    expect(client.closed()).toBe(null);
  });
});
