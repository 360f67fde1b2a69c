/** Every limit of the companion, each at a small setting: refused with its code, other clients unharmed. */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, type StartOptions, startCompanion } from "../../companion/src/server";
import { makeKey } from "../../protocol/page-key";
import type { Grid, ServerMessage } from "../../protocol/wire";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await companion?.close();
  companion = null;
});

async function start(options: StartOptions): Promise<Companion> {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir("limits"), logLevel: "silent", ...options });
  return companion;
}

function open(c: Companion, token?: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket | number> {
  const protocols = ["heatlens.v1", ...(token ? [`heatlens.token.${token}`] : [])];
  const ws = new WebSocket(`${c.url.replace("http", "ws")}/ws`, protocols, options);
  sockets.push(ws);
  ws.on("error", () => undefined);
  return new Promise((resolve) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
  });
}

async function hello(c: Companion, token?: string, options?: WebSocket.ClientOptions) {
  const ws = await open(c, token, options);
  if (typeof ws === "number") throw new Error(`refused ${ws}`);
  const messages: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.on("message", (data) => {
    messages.push(JSON.parse(String(data)));
    for (const w of waiters.splice(0)) w();
  });
  const next = async (type: ServerMessage["type"]) => {
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i !== -1) return messages.splice(i, 1)[0] as ServerMessage;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  ws.send(JSON.stringify({ type: "hello", v: 2, client: `limits-${sockets.length}` }));
  await next("welcome");
  const send = (m: object) => ws.send(JSON.stringify(m));
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  return { ws, next, send, closed };
}

const batch = (seq: number, path: string, pts: number[] = [0, 1, 1, 0]) => {
  const now = Date.now();
  return { type: "batch", seq, sentAt: now, pages: [{ origin: SITE, path, w: 1280, t0: now, pts }] };
};

describe("limits", () => {
  it("maxConnections: the next upgrade gets 503", async () => {
    const c = await start({ maxConnections: 2 });
    expect(typeof (await open(c))).toBe("object");
    expect(typeof (await open(c))).toBe("object");
    expect(await open(c)).toBe(503);
  });

  it("maxConnectionsPerToken: the next upgrade with that token gets 429, other tokens still connect", async () => {
    const c = await start({ maxConnectionsPerToken: 1 });
    const a = c.tokens.create("a", ["capture"]).token;
    const b = c.tokens.create("b", ["capture"]).token;
    expect(typeof (await open(c, a))).toBe("object");
    expect(await open(c, a)).toBe(429);
    expect(typeof (await open(c, b))).toBe("object");
  });

  it("maxKeysPerClient and maxKeys: new pages are refused, to be retried", async () => {
    const c = await start({ maxKeysPerClient: 2, maxKeys: 3 });
    const one = await hello(c);
    for (const [seq, path] of ["/a", "/b"].entries()) {
      one.send(batch(seq, path));
      await one.next("ack");
    }
    one.send(batch(2, "/c"));
    expect(await one.next("nack")).toMatchObject({ seq: 2, code: "E_KEYS", retry: true });
    const two = await hello(c);
    two.send(batch(0, "/d"));
    await two.next("ack");
    two.send(batch(1, "/e"));
    expect(await two.next("nack")).toMatchObject({ code: "E_KEYS", retry: true });
    // A page that is already live is no new key.
    two.send(batch(2, "/a"));
    expect(await two.next("ack")).toMatchObject({ seq: 2 });
  });

  it("maxPointsPerBatch refuses the batch for good; maxRows keeps the points below it off the page's grid", async () => {
    const c = await start({ maxPointsPerBatch: 3, maxRows: 10 });
    const one = await hello(c);
    one.send(batch(0, "/a", [0, 1, 1, 0, 0, 2, 2, 0, 0, 3, 3, 0, 0, 4, 4, 0]));
    expect(await one.next("nack")).toMatchObject({ code: "E_TOO_BIG", retry: false });
    // Row 10 at 1280 px and 50 columns starts at y = 256; x = 1280 is past the layout's right edge.
    one.send(batch(1, "/a", [0, 1, 256, 0, 0, 1280, 10, 0, 0, 1, 255, 0]));
    expect(await one.next("ack")).toMatchObject({ seq: 1, points: 3 });
    const grid = (await (
      await fetch(`${c.url}/api/heatmap?origin=${encodeURIComponent(SITE)}&path=/a&width=1280`)
    ).json()) as Grid;
    expect([grid.total, grid.cells]).toEqual([1, [0, 9, 1]]);
    expect(c.gateway.counters.offGrid).toBe(2);
  });

  it("maxSubscriptionsPerConnection and maxSubscribersPerKey", async () => {
    const c = await start({ maxSubscriptionsPerConnection: 1, maxSubscribersPerKey: 1 });
    const one = await hello(c);
    one.send({ type: "subscribe", origin: SITE, path: "/a", width: 1280 });
    await one.next("subscribed");
    one.send({ type: "subscribe", origin: SITE, path: "/b", width: 1280 });
    expect(await one.next("error")).toMatchObject({ code: "E_SUBSCRIPTIONS" });
    const two = await hello(c);
    two.send({ type: "subscribe", origin: SITE, path: "/a", width: 1280 });
    expect(await two.next("error")).toMatchObject({ code: "E_SUBSCRIPTIONS" });
  });

  it("helloTimeoutMs: a silent connection is closed with 4001", async () => {
    const c = await start({ helloTimeoutMs: 100 });
    const ws = await open(c);
    if (typeof ws === "number") throw new Error("refused");
    expect(await new Promise((resolve) => ws.once("close", (code) => resolve(code)))).toBe(4001);
  });

  it("heartbeatMs: a half-open connection that stops answering pings is closed", async () => {
    const c = await start({ heartbeatMs: 100 });
    const silent = await hello(c, undefined, { autoPong: false });
    const alive = await hello(c);
    await silent.closed;
    for (let i = 0; i < 50 && c.gateway.connectionCount > 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(c.gateway.connectionCount).toBe(1);
  });

  it("maxViewerBufferBytes: a slow viewer skips to the latest grid and slows nobody else", async () => {
    const c = await start({ maxViewerBufferBytes: 64 * 1024 });
    const slow = await hello(c);
    const fast = await hello(c);
    for (const v of [slow, fast]) {
      v.send({ type: "subscribe", origin: SITE, path: "/busy", width: 1280 });
      await v.next("subscribed");
      await v.next("grid");
    }
    // The slow viewer stops reading; the fast one reads everything.
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const grid = c.windows.snapshot(makeKey("desktop", SITE, "/busy"), 2);
    for (let i = 0; i < 20_000; i++) grid.cells.push(i % 50, Math.floor(i / 50), 1);
    let received = 0;
    fast.ws.on("message", () => received++);
    for (let u = 1; u <= 200; u++) {
      c.bus.publish("grid", { ...grid, total: u } as Grid);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(c.fanout.skipped).toBeGreaterThan(0);
    for (let i = 0; i < 100 && received < 200; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toBe(200);
    // Once it reads again, the slow viewer gets the latest grid.
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    let latest = 0;
    for (let i = 0; i < 100 && latest !== 200; i++) {
      const g = (await slow.next("grid")) as Grid;
      latest = g.total;
    }
    expect(latest).toBe(200);
  });
});
