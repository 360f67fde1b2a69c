/**
 * Tags and compare through the real `heatlens` binary: points carry their
 * tester (the hello's name) and build label (a page group's `build`); the
 * history keeps each tagged set apart, /api/tags lists them, /api/heatmap
 * shows one tester's or build's heat, and /api/compare flags the element whose
 * share changed, tester against the rest and build against build. Tags survive
 * kill -9; bad sets and labels are refused with E_SCHEMA and a reason.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Comparison, PageTags } from "../../protocol/compare";
import type { Grid } from "../../protocol/wire";
import { type Client, connect, eventually, get, type Running, reply, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
});

async function start(dataDir = tempDataDir("compare")): Promise<Running> {
  const companion = await startHeatlens([], dataDir);
  running.push(companion);
  return companion;
}

const ELEMENTS = ["#buy", "#a", "#b", "#c", "#d", "#e", "#f", "#g", "#h", "#i"];

/** A page group with `counts[i]` points on ELEMENTS[i], each element at its own spot of the page (clicks when `flags` is 1). */
function group(path: string, counts: number[], build?: string, flags = 0): object {
  const pts: number[] = [];
  const at: number[] = [];
  counts.forEach((n, i) => {
    for (let k = 0; k < n; k++) {
      pts.push(k * 10, 100 + i * 80, 200, flags);
      at.push(i + 1, 512, 512);
    }
  });
  return {
    origin: SITE,
    path,
    w: 1000,
    t0: Date.now() - 60_000,
    pts,
    anchors: ELEMENTS,
    at,
    ...(build ? { build } : {}),
  };
}

let seq = 0;
async function send(client: Client, pages: object[]): Promise<void> {
  expect(await reply(client, { type: "batch", seq: ++seq, sentAt: Date.now(), pages })).toMatchObject({ type: "ack" });
}

async function json<T>(url: string): Promise<T> {
  const answer = await get(url);
  expect(answer.status, answer.body).toBe(200);
  return JSON.parse(answer.body) as T;
}

const even = ELEMENTS.map(() => 20);
const hotBuy = ELEMENTS.map((_, i) => (i === 0 ? 120 : 20));

describe("tags and compare through the heatlens binary", () => {
  it("compares one tester with the rest: the element the rest used far more is flagged, no other", async () => {
    const c = await start();
    const ana = await connect(c.url, { name: "ana" });
    const ben = await connect(c.url, { name: "ben" });
    await send(ana, [group("/shop", even)]);
    await send(ben, [group("/shop", hotBuy)]);
    const page = `${c.url}/api/%s?origin=${encodeURIComponent(SITE)}&path=/shop&width=1000`;
    const tags = await eventually(
      async () => {
        const found = await json<PageTags>(page.replace("%s", "tags"));
        return found.testers.length === 2 ? found : undefined;
      },
      10_000,
      "both testers in the history",
    );
    expect(tags.testers.map((t) => [t.label, t.points]).sort()).toEqual([
      ["ana", 200],
      ["ben", 300],
    ]);
    expect(tags.builds).toEqual([]);

    const result = await json<Comparison>(`${page.replace("%s", "compare")}&a=tester:ana&b=rest:ana`);
    expect(result.a).toMatchObject({ set: "tester:ana" });
    expect(result.a.grid.total).toBe(200);
    expect(result.b).toMatchObject({ set: "rest:ana" });
    expect(result.b.grid.total).toBe(300);
    expect(result.test).toMatchObject({ alpha: 0.05, tested: 10, flagged: 1 });
    expect(result.test.name).toMatch(/z-test.*Holm/);
    expect(result.elements[0]).toMatchObject({ s: "#buy", a: 20, b: 120, flagged: true });
    expect(result.elements[0]?.shareB).toBeCloseTo(0.4, 6);
    expect(result.elements.filter((e) => e.flagged)).toHaveLength(1);

    // One tester's heat alone: ana's 200 points, none of ben's.
    const anaGrid = await json<Grid>(`${page.replace("%s", "heatmap")}&tester=ana`);
    expect(anaGrid.total).toBe(200);
    expect(anaGrid.anchors.find((a) => a.s === "#buy")?.moves).toBe(20);
    const everyone = await json<Grid>(`${page.replace("%s", "heatmap")}&from=${Date.now() - 3_600_000}`);
    expect(everyone.total).toBe(500);
  });

  it("compares two builds: a doubled share is flagged; tags survive kill -9 before the history is written", async () => {
    const dataDir = tempDataDir("compare-kill");
    const c = await start(dataDir);
    const ana = await connect(c.url, { name: "ana" });
    await send(ana, [group("/cart", even, "1.0")]);
    await send(ana, [
      group(
        "/cart",
        hotBuy.map((n, i) => (i === 0 ? 60 : n)),
        "1.1",
      ),
    ]);
    // Acked means stored; the history is written every 2 s, so a kill now leaves it to the restart.
    await c.kill();
    const again = await start(dataDir);
    const page = `${again.url}/api/%s?origin=${encodeURIComponent(SITE)}&path=/cart&width=1000`;
    const tags = await eventually(
      async () => {
        const found = await json<PageTags>(page.replace("%s", "tags"));
        return found.builds.length === 2 ? found : undefined;
      },
      10_000,
      "both builds in the history after the restart",
    );
    expect(tags.builds.map((b) => [b.label, b.points])).toEqual([
      ["1.1", 240],
      ["1.0", 200],
    ]);
    expect(tags.testers).toMatchObject([{ label: "ana", points: 440 }]);

    const result = await json<Comparison>(`${page.replace("%s", "compare")}&a=build:1.0&b=build:1.1`);
    expect(result.elements.filter((e) => e.flagged).map((e) => e.s)).toEqual(["#buy"]);
    expect(result.elements[0]).toMatchObject({ s: "#buy", a: 20, b: 60 });
  });

  it("shows one build alone over a range or the last window, lists tags in a range, and takes layer, alpha and min", async () => {
    const c = await start();
    const ana = await connect(c.url, { name: "ana" });
    const ben = await connect(c.url, { name: "ben" });
    const now = Date.now();
    await send(ana, [group("/opts", even, "b1"), { ...group("/opts", even, "old"), t0: now - 2 * 3_600_000 }]);
    await send(ben, [group("/opts", hotBuy)]);
    // Clicks: ana's on #buy, ben's on #a.
    await send(ana, [group("/opts", [15], undefined, 1)]);
    await send(ben, [group("/opts", [0, 15], undefined, 1)]);
    const page = `${c.url}/api/%s?origin=${encodeURIComponent(SITE)}&path=/opts&width=1000`;
    // The history is written every 2 s: wait until it holds all four batches (ana 200 + 200 + 15, ben 300 + 15),
    // not only the first two.
    await eventually(
      async () => {
        const { testers } = await json<PageTags>(page.replace("%s", "tags"));
        const points = Object.fromEntries(testers.map((t) => [t.label, t.points]));
        return points.ana === 415 && points.ben === 315 ? true : undefined;
      },
      10_000,
      "the history written with all four batches",
    );

    expect((await json<Grid>(`${page.replace("%s", "heatmap")}&build=b1&from=${now - 3_600_000}`)).total).toBe(200);
    // Without a range, a tag's heat is the last window's (5 min by default): the old build's points are older.
    const lastWindow = await json<Grid>(`${page.replace("%s", "heatmap")}&build=b1`);
    expect([lastWindow.total, lastWindow.windowMs]).toEqual([200, 300_000]);
    expect((await json<Grid>(`${page.replace("%s", "heatmap")}&build=old`)).total).toBe(0);
    expect((await json<Grid>(`${page.replace("%s", "heatmap")}&build=old&from=${now - 3 * 3_600_000}`)).total).toBe(
      200,
    );
    const recent = await json<PageTags>(`${page.replace("%s", "tags")}&from=${now - 30 * 60_000}`);
    expect(recent.builds.map((b) => b.label)).toEqual(["b1"]);

    const compare = `${page.replace("%s", "compare")}&a=tester:ana&b=rest:ana`;
    const clicks = await json<Comparison>(`${compare}&layer=clicks`);
    expect(clicks.layer).toBe("clicks");
    expect(clicks.elements.find((e) => e.s === "#buy")).toMatchObject({ a: 15, b: 0 });
    expect(clicks.elements.find((e) => e.s === "#a")).toMatchObject({ a: 0, b: 15 });
    const points = await json<Comparison>(compare);
    expect(points.elements.find((e) => e.s === "#buy")).toMatchObject({ a: 20 + 20 + 15, b: 120 });
    expect(points.test.flagged).toBeGreaterThan(0);
    // A stricter alpha flags nothing here; a minimum above every element's count tests nothing.
    expect((await json<Comparison>(`${compare}&alpha=0.000001`)).test).toMatchObject({ alpha: 0.000001, flagged: 0 });
    expect((await json<Comparison>(`${compare}&min=100000`)).test).toMatchObject({ tested: 0, flagged: 0 });
  });

  it("compares two ranges of everyone's points", async () => {
    const c = await start();
    const ana = await connect(c.url, { name: "ana" });
    const now = Date.now();
    const at = (t0: number, counts: number[]) => ({ ...group("/r", counts), t0 });
    await send(ana, [at(now - 2 * 3_600_000 + 60_000, even), at(now - 30 * 60_000, hotBuy)]);
    const page = `${c.url}/api/compare?origin=${encodeURIComponent(SITE)}&path=/r&width=1000&a=all&b=all`;
    const ranges = `&aFrom=${now - 2 * 3_600_000}&aTo=${now - 3_600_000}&bFrom=${now - 3_600_000}&bTo=${now}`;
    const result = await eventually(
      async () => {
        const found = await json<Comparison>(page + ranges);
        return found.a.grid.total > 0 && found.b.grid.total > 0 ? found : undefined;
      },
      10_000,
      "both ranges in the history",
    );
    expect([result.a.grid.total, result.b.grid.total]).toEqual([200, 300]);
    expect(result.elements.filter((e) => e.flagged).map((e) => e.s)).toEqual(["#buy"]);
  });

  it("refuses bad sets, ranges and labels with E_SCHEMA and a reason, and keeps what was accepted", async () => {
    const c = await start();
    const page = `${c.url}/api/compare?origin=${encodeURIComponent(SITE)}&path=/shop&width=1000`;
    for (const [query, reason] of [
      ["&a=everyone&b=all", /a: a set is all, build:<label>, tester:<name> or rest:<name>/],
      ["&a=all", /b is required/],
      ["&a=all&b=all&layer=moves", /layer must be points or clicks/],
      ["&a=all&b=all&alpha=2", /alpha must be a number/],
      ["&a=all&b=all&aFrom=5&aTo=1", /aFrom and aTo/],
    ] as const) {
      const answer = await get(page + query);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "E_SCHEMA", reason: expect.stringMatching(reason) });
    }
    const both = await get(`${c.url}/api/heatmap?origin=${encodeURIComponent(SITE)}&path=/shop&tester=a&build=b`);
    expect(JSON.parse(both.body)).toMatchObject({ code: "E_SCHEMA", reason: "give tester or build, not both" });

    const client = await connect(c.url, { name: "ana" });
    await send(client, [group("/shop", even)]);
    const bad = await reply(client, {
      type: "batch",
      seq: ++seq,
      sentAt: Date.now(),
      pages: [group("/shop", even, " x")],
    });
    expect(bad).toMatchObject({ type: "nack", code: "E_SCHEMA", reason: expect.stringMatching(/build.*spaces/) });
    const grid = await eventually(
      async () => {
        const found = await json<Grid>(`${c.url}/api/heatmap?origin=${encodeURIComponent(SITE)}&path=/shop&tester=ana`);
        return found.total > 0 ? found : undefined;
      },
      10_000,
      "the accepted batch in the history",
    );
    expect(grid.total).toBe(200);
  });
});
