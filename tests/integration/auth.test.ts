/**
 * The auth matrix: every role against every endpoint, over real sockets, with
 * tokens created in the companion's own store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import type { ServerMessage } from "../../protocol/wire";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir("auth"), logLevel: "silent" });
  tokens.capture = companion.tokens.create("tester", ["capture"]).token;
  tokens.view = companion.tokens.create("lead", ["view"]).token;
  tokens.both = companion.tokens.create("extension", ["capture", "view"]).token;
  tokens.admin = companion.tokens.create("ops", ["admin"]).token;
  const revoked = companion.tokens.create("gone", ["capture", "view"]);
  companion.tokens.revoke(revoked.info.id);
  tokens.revoked = revoked.token;
  tokens.forged = `${tokens.admin.slice(0, 12)}${"A".repeat(43)}`;
});

afterAll(() => companion.close());

/** Opens a websocket with the token as a subprotocol; resolves to the HTTP status of a refused upgrade, or the socket. */
function upgrade(token?: string): Promise<WebSocket | number> {
  const protocols = ["heatlens.v1", ...(token ? [`heatlens.token.${token}`] : [])];
  const ws = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, protocols);
  return new Promise((resolve) => {
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
  });
}

async function exchange(ws: WebSocket, message: object, type: ServerMessage["type"]): Promise<ServerMessage> {
  const reply = new Promise<ServerMessage>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const parsed = JSON.parse(String(data)) as ServerMessage;
      if (parsed.type === type || parsed.type === "error" || parsed.type === "nack" || parsed.type === "ack") {
        ws.off("message", onMessage);
        resolve(parsed);
      }
    };
    ws.on("message", onMessage);
  });
  ws.send(JSON.stringify(message));
  return reply;
}

async function session(token: string): Promise<WebSocket> {
  const ws = await upgrade(token);
  if (typeof ws === "number") throw new Error(`refused: ${ws}`);
  await new Promise<void>((resolve) => {
    ws.once("message", () => resolve());
    ws.send(JSON.stringify({ type: "hello", v: 2, client: `auth-${Math.random().toString(36).slice(2)}` }));
  });
  return ws;
}

const batch = (seq: number) => {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: [{ origin: SITE, path: "/a", w: 1280, t0: now, pts: [0, 1, 1, 0] }],
  };
};
const subscribe = { type: "subscribe", origin: SITE, path: "/a", width: 1280 };

describe("websocket upgrade", () => {
  it.each([
    ["no token", undefined, 401],
    ["a revoked token", "revoked", 401],
    ["a forged token", "forged", 401],
  ])("refuses %s with %i before any data", async (_label, which, status) => {
    expect(await upgrade(which ? tokens[which] : undefined)).toBe(status);
  });

  it("also takes the token from an Authorization header", async () => {
    const ws = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, ["heatlens.v1"], {
      headers: { authorization: `Bearer ${tokens.both}` },
    });
    await new Promise((resolve) => ws.once("open", resolve));
    ws.terminate();
  });
});

describe("roles over the websocket", () => {
  it.each([
    ["capture", "ack", "error"],
    ["view", "nack", "subscribed"],
    ["both", "ack", "subscribed"],
    ["admin", "ack", "subscribed"],
  ])("%s: a batch gets %s, a subscription gets %s", async (role, batchReply, subscribeReply) => {
    const ws = await session(tokens[role] as string);
    const b = await exchange(ws, batch(1), "ack");
    expect(b.type).toBe(batchReply);
    if (b.type === "nack") expect(b.code).toBe("E_FORBIDDEN");
    const s = await exchange(ws, subscribe, "subscribed");
    expect(s.type).toBe(subscribeReply);
    if (s.type === "error") expect(s.code).toBe("E_FORBIDDEN");
    ws.terminate();
  });
});

describe("HTTP", () => {
  const get = (path: string, token?: string) =>
    fetch(`${companion.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it.each([
    ["/api/pages", undefined, 401],
    ["/api/pages", "revoked", 401],
    ["/api/pages", "capture", 403],
    ["/api/pages", "view", 200],
    ["/api/pages", "admin", 200],
    ["/api/heatmap?url=http://shop.test/a", "capture", 403],
    ["/api/heatmap?url=http://shop.test/a", "view", 200],
    ["/api/config", "view", 200],
    ["/api/stats", undefined, 401],
    ["/api/stats", "view", 200],
    ["/metrics", undefined, 401],
    ["/metrics", "capture", 403],
    ["/metrics", "view", 200],
    ["/healthz", undefined, 200],
    ["/demo/", undefined, 200],
  ])("GET %s with %s token → %i", async (path, which, status) => {
    const res = await get(path, which ? tokens[which] : undefined);
    expect(res.status).toBe(status);
    if (status >= 400) expect(await res.json()).toMatchObject({ code: expect.stringMatching(/^E_/) });
  });
});
