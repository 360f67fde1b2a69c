/**
 * Rage, dead and error clicks through the real `heatlens` binary: a page
 * group's `signals` are counted in /api/signals per page, element and kind
 * with their testers and first and last time, in the live window and in a
 * range, kept through kill -9; a watched page's grid carries them live, within
 * about a second of the batch, and again after a restart; each signal's steps (the clicks before it)
 * are kept and the latest case's served; bad signals and steps are refused with E_SCHEMA and a
 * reason, and so are bad queries.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SignalKind } from "../../protocol/signals";
import type { Grid } from "../../protocol/wire";
import { connect, get, type Running, reply, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
});

async function start(dataDir = tempDataDir("signals"), args: string[] = []): Promise<Running> {
  const companion = await startHeatlens(args, dataDir);
  running.push(companion);
  return companion;
}

/** A batch of one group of `path` holding signals `[dt, kind, selector]` and one click on the first selector. */
function batch(seq: number, path: string, t0: number, signals: [number, SignalKind, string][]): object {
  const anchors = [...new Set(signals.map(([, , s]) => s))];
  return {
    type: "batch",
    seq,
    sentAt: Date.now(),
    pages: [
      {
        origin: SITE,
        path,
        w: 1000,
        t0,
        pts: [0, 10, 10, 1],
        anchors,
        at: [1, 0, 0],
        signals: signals.flatMap(([dt, kind, s]) => [dt, kind, anchors.indexOf(s) + 1]),
      },
    ],
  };
}

interface Listed {
  origin: string;
  path: string;
  band: string;
  selector: string;
  kind: string;
  count: number;
  testers: number;
  first: number;
  last: number;
  steps: string[] | null;
}

async function listed(c: Running, query = ""): Promise<Listed[]> {
  const answer = await get(`${c.url}/api/signals${query}`);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body).signals;
}

describe("signals through the heatlens binary", () => {
  it("counts each page's signals per element and kind with testers and first and last time, live and in a range", async () => {
    const c = await start();
    const [alice, bob] = [await connect(c.url), await connect(c.url)];
    const t0 = Date.now() - 2000;
    expect(
      await reply(
        alice,
        batch(1, "/cart", t0, [
          [0, SignalKind.rage, "#buy"],
          [500, SignalKind.dead, "#coupon"],
          [900, SignalKind.rage, "#buy"],
        ]),
      ),
    ).toMatchObject({ type: "ack", points: 1 });
    expect(await reply(bob, batch(1, "/cart", t0 + 100, [[0, SignalKind.rage, "#buy"]]))).toMatchObject({
      type: "ack",
    });
    expect(await reply(bob, batch(2, "/home", t0, [[50, SignalKind.error, "#throw"]]))).toMatchObject({ type: "ack" });

    const all = await listed(c);
    expect(all).toHaveLength(3);
    const rage = all.find((s) => s.kind === "rage");
    expect(rage).toMatchObject({ origin: SITE, path: "/cart", selector: "#buy", count: 3, testers: 2 });
    // Times are on the companion's clock: the clients' are the same here, give or take the offset's estimate.
    expect(Math.abs((rage?.first ?? 0) - t0)).toBeLessThan(1000);
    expect((rage?.last ?? 0) - (rage?.first ?? 0)).toBeGreaterThan(0);
    expect(all.find((s) => s.kind === "dead")).toMatchObject({ selector: "#coupon", count: 1, testers: 1 });
    expect(await listed(c, `?origin=${SITE}&path=/home`)).toMatchObject([
      { path: "/home", selector: "#throw", kind: "error", count: 1, testers: 1 },
    ]);
    // A range that ends before the signals holds none; one around them holds them all.
    expect(await listed(c, `?from=${t0 - 60_000}&to=${t0 - 30_000}`)).toEqual([]);
    expect(await listed(c, `?from=${t0 - 60_000}&to=${Date.now() + 60_000}`)).toHaveLength(3);
    // A history range's grid carries the page's signals too.
    const range = `from=${t0 - 60_000}&to=${Date.now() + 60_000}`;
    const past = JSON.parse(
      (await get(`${c.url}/api/heatmap?origin=${SITE}&path=/cart&width=1000&${range}`)).body,
    ) as Grid;
    // The latest first: #buy's last rage (t0 + 900) came after #coupon's dead click (t0 + 500).
    expect(past.signals).toMatchObject([
      { s: "#buy", kind: "rage", count: 3, testers: 2 },
      { s: "#coupon", kind: "dead", count: 1, testers: 1 },
    ]);
    alice.ws.terminate();
    bob.ws.terminate();
  });

  it("a watched page's live grid carries a signal within about a second of its batch, and again after kill -9", async () => {
    const dataDir = tempDataDir("signals");
    const first = await start(dataDir);
    const viewer = await connect(first.url);
    viewer.send({ type: "subscribe", origin: SITE, path: "/live", width: 1000, windowMs: 10_000 });
    await viewer.next("subscribed");
    await viewer.next("grid");
    const feeder = await connect(first.url);
    const sent = Date.now();
    // A group of a signal alone, as the tracker sends a dead click a second after its click: no point moves the grid.
    const alone = {
      type: "batch",
      seq: 1,
      sentAt: sent,
      pages: [
        {
          origin: SITE,
          path: "/live",
          w: 1000,
          t0: sent - 1000,
          pts: [],
          anchors: ["#buy"],
          at: [],
          signals: [0, 1, 1],
        },
      ],
    };
    expect(await reply(feeder, alone)).toMatchObject({ type: "ack", points: 0 });
    let grid: Grid | undefined;
    while (!grid?.signals.length) grid = (await viewer.next("grid", 3000)) as Grid;
    const latency = Date.now() - sent;
    console.log(`signal on a watched grid ${latency} ms after its batch`);
    expect(latency).toBeLessThan(1500);
    expect(grid.signals).toMatchObject([{ s: "#buy", kind: "dead", count: 1, testers: 1 }]);
    viewer.ws.terminate();
    feeder.ws.terminate();
    await first.kill();
    const second = await start(dataDir);
    const again = await connect(second.url);
    again.send({ type: "subscribe", origin: SITE, path: "/live", width: 1000, windowMs: 10_000 });
    await again.next("subscribed");
    expect(((await again.next("grid")) as Grid).signals).toMatchObject([{ s: "#buy", kind: "dead", count: 1 }]);
    again.ws.terminate();
  });

  it("keeps signals through kill -9, at most --max-signals per page key, the newest", async () => {
    const dataDir = tempDataDir("signals");
    const first = await start(dataDir, ["--max-signals", "2"]);
    const client = await connect(first.url);
    const t0 = Date.now() - 1000;
    const three: [number, SignalKind, string][] = [
      [0, SignalKind.dead, "#old"],
      [10, SignalKind.dead, "#a"],
      [20, SignalKind.rage, "#b"],
    ];
    expect(await reply(client, batch(1, "/p", t0, three))).toMatchObject({ type: "ack" });
    client.ws.terminate();
    await first.kill();
    const second = await start(dataDir);
    const kept = await listed(second);
    expect(kept.map((s) => s.selector).sort()).toEqual(["#a", "#b"]);
  });

  it("counts signals against --max-points-per-batch as scroll marks are counted", async () => {
    const c = await start(tempDataDir("signals"), ["--max-points-per-batch", "3"]);
    const client = await connect(c.url);
    const t0 = Date.now();
    const three: [number, SignalKind, string][] = [
      [0, SignalKind.dead, "#a"],
      [1, SignalKind.dead, "#b"],
      [2, SignalKind.rage, "#c"],
    ];
    // One click and three signals: four events in a batch of at most three.
    expect(await reply(client, batch(1, "/p", t0, three))).toMatchObject({
      type: "nack",
      code: "E_TOO_BIG",
      reason: "batch holds 1 points and 3 scroll marks and signals; the limit is 3",
    });
    expect(await reply(client, batch(2, "/p", t0, three.slice(0, 2)))).toMatchObject({ type: "ack" });
    expect(await listed(c)).toHaveLength(2);
    client.ws.terminate();
  });

  it("keeps each signal's steps through kill -9 and lists the latest case's; bad steps are refused, other batches kept", async () => {
    const dataDir = tempDataDir("signals");
    const first = await start(dataDir);
    const client = await connect(first.url);
    const t0 = Date.now() - 3000;
    const anchors = ["#qty-plus", "#coupon", "#buy", "#pay"];
    const group = (seq: number, signals: number[], steps?: unknown, path = "/cart") => ({
      type: "batch",
      seq,
      sentAt: Date.now(),
      pages: [
        { origin: SITE, path, w: 1000, t0, pts: [], anchors, at: [], signals, ...(steps !== undefined && { steps }) },
      ],
    });
    // Two rages on #buy, the later one after other clicks; a dead click on #pay with none before it.
    expect(
      await reply(
        client,
        group(
          1,
          [100, SignalKind.rage, 3, 900, SignalKind.rage, 3, 950, SignalKind.dead, 4],
          [[3, 3], [1, 1, 2, 3, 3], []],
        ),
      ),
    ).toMatchObject({ type: "ack" });
    // An older extension's group has no steps: its signal's steps are unknown.
    expect(await reply(client, group(2, [0, SignalKind.error, 2], undefined, "/old"))).toMatchObject({ type: "ack" });
    const bad: [unknown, RegExp][] = [
      [[[1], [9]], /^pages\.0\.steps\.1\.0: a step's anchor 9 is not in the group's anchors$/],
      [[[1]], /^pages\.0\.steps: steps must hold one list per signal$/],
      [[[1, 1, 1, 1, 1, 1], []], /^pages\.0\.steps\.0: a signal has at most 5 steps$/],
      [[[0], []], /^pages\.0\.steps\.0\.0: a step is 1 \+ an index into the group's anchors$/],
    ];
    for (const [steps, reason] of bad) {
      expect(
        await reply(client, group(3, [0, SignalKind.dead, 1, 5, SignalKind.rage, 2], steps, "/bad")),
      ).toMatchObject({
        type: "nack",
        code: "E_SCHEMA",
        reason: expect.stringMatching(reason),
      });
    }
    // The refused seq is free again: the next batch on the connection is kept.
    expect(await reply(client, group(3, [0, SignalKind.dead, 1], [[2]], "/next"))).toMatchObject({ type: "ack" });
    const expected = [
      { path: "/cart", selector: "#pay", kind: "dead", count: 1, steps: [] },
      {
        path: "/cart",
        selector: "#buy",
        kind: "rage",
        count: 2,
        steps: ["#qty-plus", "#qty-plus", "#coupon", "#buy", "#buy"],
      },
      { path: "/old", selector: "#coupon", kind: "error", count: 1, steps: null },
      { path: "/next", selector: "#qty-plus", kind: "dead", count: 1, steps: ["#coupon"] },
    ];
    const sorted = (list: Listed[]) =>
      [...list].sort((a, b) => a.path.localeCompare(b.path) || a.kind.localeCompare(b.kind));
    expect(sorted(await listed(first))).toMatchObject(sorted(expected as Listed[]));
    expect((await listed(first)).some((s) => s.path === "/bad")).toBe(false);
    client.ws.terminate();
    await first.kill();
    const second = await start(dataDir);
    const range = `?from=${t0 - 60_000}&to=${Date.now() + 60_000}`;
    expect(sorted(await listed(second, range))).toMatchObject(sorted(expected as Listed[]));
  });

  it("refuses bad signals with E_SCHEMA and a reason, alone, and bad queries with E_SCHEMA", async () => {
    const c = await start();
    const client = await connect(c.url);
    const group = (signals: unknown, anchors: string[] = ["#a"]) => ({
      type: "batch",
      seq: seq++,
      sentAt: Date.now(),
      pages: [{ origin: SITE, path: "/bad", w: 1000, t0: Date.now(), pts: [], anchors, at: [], signals }],
    });
    let seq = 1;
    const bad: [unknown, RegExp][] = [
      [[0, 3, 1], /signals\.1: must be an integer from 0 to 2/],
      [[0, 0, 2], /anchor 2 is not in the group's anchors/],
      [[0, 0, 0], /anchor 0 is not in the group's anchors/],
      [[0, 0], /\[dt, kind, a\] triples/],
      ["rage", /signals must be an array/],
    ];
    for (const [signals, reason] of bad) {
      expect(await reply(client, group(signals))).toMatchObject({
        type: "nack",
        code: "E_SCHEMA",
        reason: expect.stringMatching(reason),
      });
    }
    expect(await listed(c)).toEqual([]);
    for (const [query, reason] of [
      [`?origin=${SITE}`, /path/],
      ["?window=7", /window must be one of/],
      ["?from=soon", /from and to are times/],
    ] as const) {
      const refused = await get(`${c.url}/api/signals${query}`);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ code: "E_SCHEMA", reason: expect.stringMatching(reason) });
    }
    client.ws.terminate();
  });
});
