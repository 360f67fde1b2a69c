/**
 * The probe against a real companion over real sockets: each answer the
 * extension can get, and a link that keeps the answer while it retries.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import type { LinkStatus } from "../../protocol/messages";
import { freePort } from "../../tests/support/free-port";
import { tempDataDir } from "../../tests/support/temp-dir";
import { CompanionLink } from "./companion-link";
import { probeCompanion } from "./probe";

let companion: Companion;
let wsUrl: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  companion = await startCompanion({ port: 0, dataDir: tempDataDir("probe"), logLevel: "silent" });
  wsUrl = companion.url.replace("http", "ws");
  tokens.good = companion.tokens.create("browser", ["capture", "view"]).token;
  const revoked = companion.tokens.create("gone", ["capture"]);
  companion.tokens.revoke(revoked.info.id);
  tokens.revoked = revoked.token;
});

afterAll(() => companion.close());

describe("probeCompanion", () => {
  it.each([
    ["no token", "", "needs-token", /requires a token/],
    ["a revoked token", "revoked", "token-refused", /revoked/],
    [
      "a token never issued",
      "hl_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "token-refused",
      /does not know/,
    ],
    ["the right token", "good", "closed", /accepts this token/],
  ])("with %s: %s", async (_label, which, state, reason) => {
    expect(await probeCompanion(wsUrl, tokens[which] ?? which)).toEqual({
      state,
      reason: expect.stringMatching(reason),
    });
  });

  it("says the companion is not running when nothing listens at its port", async () => {
    const port = await freePort();
    expect(await probeCompanion(`ws://127.0.0.1:${port}`, "")).toEqual({
      state: "not-running",
      reason: `nothing answers at 127.0.0.1:${port}`,
    });
  });

  it("says the address is wrong when another HTTP server answers there", async () => {
    const server: Server = createServer((_req, res) => res.end("<h1>It works</h1>"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await probeCompanion(`ws://127.0.0.1:${port}`, "")).toMatchObject({ state: "wrong-address" });
    } finally {
      server.close();
    }
  });
});

describe("CompanionLink with the probe", () => {
  it("keeps saying why it is refused through its retries, then connects once the token is right", async () => {
    let attempts = 0;
    const Counting = class extends WebSocket {
      constructor(url: string, protocols: string[]) {
        super(url, protocols);
        attempts++;
      }
    };
    const seen: LinkStatus["state"][] = [];
    const link = new CompanionLink(
      {
        url: wsUrl,
        clientId: "probe-link",
        minBackoffMs: 20,
        maxBackoffMs: 40,
        WebSocket: Counting as unknown as typeof globalThis.WebSocket,
        diagnose: probeCompanion,
      },
      { status: (status) => seen.push(status.state) },
    );
    try {
      const end = Date.now() + 10_000;
      while (attempts < 5 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
      const first = seen.indexOf("needs-token");
      expect(first).toBeGreaterThan(-1);
      expect(attempts).toBeGreaterThanOrEqual(5);
      // Neither `connecting` nor a bare close code hides the answer once it is known.
      expect(new Set(seen.slice(first))).toEqual(new Set(["needs-token"]));
      expect(link.getStatus().lastError).toMatch(/requires a token/);
    } finally {
      link.close();
    }

    const right = new CompanionLink({
      url: wsUrl,
      clientId: "probe-link",
      token: tokens.good,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      diagnose: probeCompanion,
    });
    try {
      const end = Date.now() + 10_000;
      while (right.getStatus().state !== "open" && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(right.getStatus()).toMatchObject({ state: "open", lastError: null });
    } finally {
      right.close();
    }
  });
});
