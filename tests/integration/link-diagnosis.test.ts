/**
 * What the companion tells a client whose websocket was refused (a browser
 * never sees the upgrade's HTTP status): `/healthz` names the server and says
 * whether tokens are required, `/api/whoami` says what becomes of a token.
 * Over real sockets, with tokens in the companion's own store.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { PROTOCOL_VERSION } from "../../protocol/wire";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion;
const get = (path: string, token?: string) =>
  fetch(`${companion.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

beforeAll(async () => {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir("diagnosis"), logLevel: "silent" });
});

afterAll(() => companion.close());

describe("without tokens", () => {
  it("/healthz names the companion and says tokens are not required", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      server: expect.stringMatching(/^heatlens-companion\//),
      tokens: false,
    });
  });

  it("/api/whoami says no token is needed", async () => {
    const res = await get("/api/whoami");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tokens: false, token: null });
  });
});

describe("once a token exists", () => {
  const tokens: Record<string, string> = {};
  beforeAll(() => {
    tokens.both = companion.tokens.create("browser", ["capture", "view"]).token;
    tokens.capture = companion.tokens.create("tester", ["capture"]).token;
    const revoked = companion.tokens.create("gone", ["capture", "view"]);
    companion.tokens.revoke(revoked.info.id);
    tokens.revoked = revoked.token;
    // The id of a real token with another secret: as unknown as a token never issued.
    tokens.forged = `${tokens.both.slice(0, 12)}${"A".repeat(43)}`;
    tokens.garbage = "not-a-token";
  });

  it("/healthz, still open, says tokens are required", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, tokens: true });
  });

  it.each([
    ["no token", undefined, "missing"],
    ["a token never issued", "garbage", "unknown"],
    ["a real id with a wrong secret", "forged", "unknown"],
    ["a revoked token", "revoked", "revoked"],
  ])("/api/whoami with %s → 401 E_UNAUTHORIZED, refused: %s", async (_label, which, refused) => {
    const res = await get("/api/whoami", which ? tokens[which] : undefined);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: "E_UNAUTHORIZED", reason: expect.any(String), refused });
  });

  it.each([
    ["both", "browser", ["capture", "view"]],
    // No view role needed to ask about one's own token (every other /api/ path needs it).
    ["capture", "tester", ["capture"]],
  ])("/api/whoami with the %s token → 200 with its name and roles", async (which, name, roles) => {
    const res = await get("/api/whoami", tokens[which]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tokens: true, token: { id: expect.any(String), name, roles } });
  });

  it("/api/whoami refuses other methods as the API does", async () => {
    const res = await fetch(`${companion.url}/api/whoami`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(await res.json()).toMatchObject({ code: "E_METHOD" });
  });

  it("/healthz keeps naming the companion while storage fails (503)", async () => {
    companion.store.setMaxBytes(1);
    try {
      const ws = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, [
        "heatlens.v1",
        `heatlens.token.${tokens.both}`,
      ]);
      await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
      ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "diagnosis" }));
      // Batches until one needs a page the full store cannot add.
      const pts = Array.from({ length: 400 }, (_, i) => [i, i, i, 0]).flat();
      let res = await get("/healthz");
      for (let seq = 0, end = Date.now() + 5000; res.status !== 503 && Date.now() < end; seq++) {
        const now = Date.now();
        ws.send(
          JSON.stringify({
            type: "batch",
            seq,
            sentAt: now,
            pages: [{ origin: SITE, path: `/p${seq}`, w: 1280, t0: now, pts }],
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        res = await get("/healthz");
      }
      ws.terminate();
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        ok: false,
        code: "E_STORAGE",
        server: expect.any(String),
        tokens: true,
      });
    } finally {
      companion.store.setMaxBytes(10 * 1024 ** 3);
    }
  });
});
