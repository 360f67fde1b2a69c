import "../testing/install-fake-browser";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Companion, startCompanion } from "../../companion/src/server";
import type { Comparison, PageTags } from "../../protocol/compare";
import type { ComparisonResult, HistoryResult, LinkStatus, TagsResult } from "../../protocol/messages";
import { testGrid } from "../../tests/support/grid";
import { connect, eventually, reply } from "../../tests/support/heatlens";
import { SITE } from "../../tests/support/site";
import { tempDataDir } from "../../tests/support/temp-dir";
import { saveSettings } from "../state/settings";
import { fakeBrowser } from "../testing/fake-browser";
import { answerComparisons } from "./comparisons";
import { answerStatus } from "./status";

const TAGS: PageTags = {
  builds: [{ label: "1.4", points: 30, first: 1, last: 9 }],
  testers: [
    { label: "ana", points: 20, first: 1, last: 9 },
    { label: "bo", points: 10, first: 2, last: 8 },
  ],
};

const COMPARISON: Comparison = {
  type: "comparison",
  layer: "points",
  a: { set: "tester:ana", from: 0, to: 10, grid: testGrid({ total: 20 }) },
  b: { set: "rest:ana", from: 0, to: 10, grid: testGrid({ total: 10 }) },
  test: { name: "z", alpha: 0.05, minCount: 10, dispersion: 1, tested: 1, flagged: 0 },
  elements: [],
};

describe("the background's comparisons", () => {
  let server: Server;
  let port: number;
  const asked: { url: string; authorization?: string }[] = [];
  let reply: { status: number; body: unknown } = { status: 200, body: TAGS };
  let running: AbortController;

  beforeAll(async () => {
    // A stand-in for the companion's compare API on a real socket: it records what it was asked and answers `reply`.
    server = createServer((req, res) => {
      asked.push({ url: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    fakeBrowser.reset();
    asked.length = 0;
    running = new AbortController();
    answerComparisons(async () => "client-7", running.signal);
    await saveSettings({ companionUrl: `ws://127.0.0.1:${port}`, token: "secret", name: "ana", build: "", cols: 0 });
  });
  afterEach(() => running.abort());

  const page = { origin: SITE, path: "/", width: 1280 };

  it("asks the companion for the page's tags with the token, and says who this browser's tester is: its name, else its client id", async () => {
    reply = { status: 200, body: TAGS };
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.tags", page)).toEqual({ ok: true, tags: TAGS, me: "ana" });
    const url = new URL(asked[0]?.url ?? "", "http://x");
    expect(url.pathname).toBe("/api/tags");
    expect(Object.fromEntries(url.searchParams)).toEqual({ origin: SITE, path: "/", width: "1280" });
    expect(asked[0]?.authorization).toBe("Bearer secret");

    await saveSettings({ companionUrl: `ws://127.0.0.1:${port}`, token: "", name: "", build: "", cols: 0 });
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.tags", page)).toMatchObject({ ok: true, me: "client-7" });
    expect(asked[1]?.authorization).toBeUndefined();
  });

  it("asks for a comparison with both sets and each side's range, and parses the answer", async () => {
    reply = { status: 200, body: COMPARISON };
    const request = { ...page, a: "all", b: "all", aFrom: 1, aTo: 2, bFrom: 2, bTo: 3, layer: "clicks" };
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.compare", request)).toEqual({ ok: true, comparison: COMPARISON });
    const url = new URL(asked[0]?.url ?? "", "http://x");
    expect(url.pathname).toBe("/api/compare");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      origin: SITE,
      path: "/",
      width: "1280",
      a: "all",
      b: "all",
      aFrom: "1",
      aTo: "2",
      bFrom: "2",
      bTo: "3",
      layer: "clicks",
    });
  });

  it("passes on the companion's refusal, and refuses an answer that is not a comparison with E_SCHEMA", async () => {
    reply = {
      status: 400,
      body: { code: "E_SCHEMA", reason: "a: a set is all, build:<label>, tester:<name> or rest:<name>" },
    };
    const request = { ...page, a: "tester:ana", b: "rest:ana" };
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.compare", request)).toEqual({
      ok: false,
      ...(reply.body as object),
    });
    reply = { status: 200, body: { type: "grid" } };
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.compare", request)).toEqual({
      ok: false,
      code: "E_SCHEMA",
      reason: "unexpected answer from /api/compare",
    });
  });

  it("refuses a request that is not one, with E_SCHEMA and the reason, without asking the companion", async () => {
    const bad = await fakeBrowser.sendFrom(1, 0, "overlay.compare", { ...page, a: "everyone", b: "all" });
    expect(bad).toEqual({
      ok: false,
      code: "E_SCHEMA",
      reason: "a set is all, build:<label>, tester:<name> or rest:<name>",
    });
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.tags", { ...page, width: -1 })).toMatchObject({
      ok: false,
      code: "E_SCHEMA",
    });
    expect(asked).toEqual([]);
  });

  it("says the companion is unreachable when nothing answers", async () => {
    await saveSettings({ companionUrl: "ws://127.0.0.1:1", token: "", name: "", build: "", cols: 0 });
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.tags", page)).toMatchObject({ ok: false, code: "E_UNREACHABLE" });
  });
});

describe("the background's comparisons, answered by a real companion", () => {
  let companion: Companion;
  let running: AbortController;

  beforeAll(async () => {
    companion = await startCompanion({ port: 0, dataDir: tempDataDir("bg-compare"), logLevel: "silent" });
  });
  afterAll(() => companion.close());
  beforeEach(async () => {
    fakeBrowser.reset();
    running = new AbortController();
    answerComparisons(async () => "client-7", running.signal);
    // The history route, for one tester's heat alone.
    const link: LinkStatus = { url: "", state: "open", lastError: null, queued: 0, acked: 0, rejected: 0 };
    answerStatus(async () => ({ status: async () => ({ link, outbox: null }) }), running.signal);
    await saveSettings({
      companionUrl: companion.url.replace(/^http/, "ws"),
      token: "",
      name: "ana",
      build: "",
      cols: 0,
    });
  });
  afterEach(() => running.abort());

  it("reads the page's testers, compares ana with the rest, and shows ana's heat alone, each answer valid by the protocol's schemas", async () => {
    const group = (x: number, n: number) => ({
      origin: SITE,
      path: "/",
      w: 1000,
      t0: Date.now() - 5000,
      pts: Array.from({ length: n }, (_, i) => [i * 10, x, 100, 0]).flat(),
    });
    for (const [name, pages] of [
      ["ana", [group(100, 30)]],
      ["bo", [group(100, 5), group(700, 40)]],
    ] as const) {
      const client = await connect(companion.url, { name });
      expect(await reply(client, { type: "batch", seq: 0, sentAt: Date.now(), pages })).toMatchObject({ type: "ack" });
      client.ws.close();
    }
    const page = { origin: SITE, path: "/", width: 1000 };
    const tags = await eventually(
      async () => {
        const answer = (await fakeBrowser.sendFrom(1, 0, "overlay.tags", page)) as TagsResult;
        return answer.ok && answer.tags.testers.length === 2 ? answer : undefined;
      },
      10_000,
      "both testers in the history",
    );
    expect(tags.me).toBe("ana");
    expect(tags.tags.testers.map((t) => [t.label, t.points]).sort()).toEqual([
      ["ana", 30],
      ["bo", 45],
    ]);

    const compared = (await fakeBrowser.sendFrom(1, 0, "overlay.compare", {
      ...page,
      a: "tester:ana",
      b: "rest:ana",
    })) as ComparisonResult;
    if (!compared.ok) throw new Error(compared.reason);
    expect([compared.comparison.a.grid.total, compared.comparison.b.grid.total]).toEqual([30, 45]);

    const alone = (await fakeBrowser.sendFrom(1, 0, "overlay.history", {
      ...page,
      from: 0,
      to: Date.now() + 1000,
      tester: "bo",
    })) as HistoryResult;
    if (!alone.ok) throw new Error(alone.reason);
    expect(alone.grid.total).toBe(45);
  });
});
