/**
 * Anchored heat through the real `heatlens` binary: a batch's anchors, loose
 * points and scroll marks reach the subscribed grid, the HTTP API and the
 * history, survive kill -9, stay outside the page key budget, and bad ones
 * are refused alone with E_SCHEMA and a reason.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { encodeGroups } from "../../companion/src/store/batch-codec";
import { EventStore } from "../../companion/src/store/event-store";
import { anchorKey, anchorTile, looseKey, ScrollMark, sideCell } from "../../protocol/anchor";
import { bandFor, bandsFromBreakpoints, DEFAULT_BAND_BREAKPOINTS, packCell } from "../../protocol/grid";
import { makeKey } from "../../protocol/page-key";
import type { Grid } from "../../protocol/wire";
import { connect, eventually, get, type Running, reply, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
});

async function start(args: string[] = [], dataDir = tempDataDir("anchors")): Promise<Running> {
  const companion = await startHeatlens(args, dataDir);
  running.push(companion);
  return companion;
}

interface AnchoredPage {
  path?: string;
  /** Points `[x, y, flags, anchor (1-based, 0 none), u, v]`. */
  points: [number, number, number, number, number, number][];
  anchors?: string[];
  scroll?: number[];
  t0?: number;
}

function anchoredBatch(seq: number, pages: AnchoredPage[]): object {
  const now = Date.now();
  return {
    type: "batch",
    seq,
    sentAt: now,
    pages: pages.map((p) => ({
      origin: SITE,
      path: p.path ?? "/anchored",
      w: 1000,
      t0: p.t0 ?? now,
      pts: p.points.flatMap(([x, y, flags]) => [0, x, y, flags]),
      ...(p.anchors ? { anchors: p.anchors, at: p.points.flatMap(([, , , a, u, v]) => [a, u, v]) } : {}),
      ...(p.scroll ? { scroll: p.scroll } : {}),
    })),
  };
}

/** The live grid of `path` at width 1000 (10 s window) from /api/heatmap. */
async function liveGrid(c: Running, path = "/anchored", window = 10_000): Promise<Grid> {
  const answer = await get(`${c.url}/api/heatmap?origin=${SITE}&path=${path}&width=1000&window=${window}`);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body) as Grid;
}

/** A page of three anchored points (two on #buy, one a click), one loose point and scroll marks. */
const PAGE: AnchoredPage = {
  anchors: ["[data-testid=buy]", "#nav > a:nth-of-type(2)"],
  points: [
    [100, 100, 0, 1, 0, 0],
    [110, 100, 1, 1, 1023, 1023],
    [500, 20, 0, 2, 512, 512],
    [900, 900, 0, 0, 0, 0],
  ],
  scroll: [0, ScrollMark.view, 800, 10, ScrollMark.reach, 50, 20, ScrollMark.reach, 55],
};

function expectPageHeat(grid: Grid): void {
  expect(grid.total).toBe(4);
  expect(grid.clicks).toBe(1);
  expect(grid.anchors).toEqual([
    { s: "[data-testid=buy]", cells: [anchorTile(0, 0), 1, 0, anchorTile(1023, 1023), 0, 1], moves: 1, clicks: 1 },
    { s: "#nav > a:nth-of-type(2)", cells: [anchorTile(512, 512), 1, 0], moves: 1, clicks: 0 },
  ]);
  expect(grid.loose.cells).toEqual([45, 45, 1, 0]);
  expect(grid.scroll.views).toBe(1);
  expect(grid.scroll.reach[9]).toBe(1);
  expect(grid.scroll.reach[10]).toBe(1);
  expect(grid.scroll.foldPx).toBe(804);
}

describe("anchored heat through the binary", () => {
  it("a batch with anchors: the subscribed grid carries each anchor's tiles, the loose points and the scroll summary", async () => {
    const c = await start();
    const viewer = await connect(c.url);
    viewer.send({ type: "subscribe", origin: SITE, path: "/anchored", width: 1000, windowMs: 10_000 });
    await viewer.next("subscribed");
    const feeder = await connect(c.url);
    // The ack counts cursor points: scroll marks are not points.
    expect(await reply(feeder, anchoredBatch(1, [PAGE]))).toMatchObject({ type: "ack", points: 4 });
    const grid = await eventually(
      async () => {
        const next = (await viewer.next("grid")) as Grid;
        return next.total > 0 ? next : undefined;
      },
      5000,
      "a grid with the batch's points",
    );
    expectPageHeat(grid);
    expectPageHeat(await liveGrid(c));
    // A coarser grid merges the loose points like the page's.
    const coarse = JSON.parse(
      (await get(`${c.url}/api/heatmap?origin=${SITE}&path=/anchored&width=1000&window=10000&cols=10`)).body,
    ) as Grid;
    expect(coarse.loose.cells).toEqual([9, 9, 1, 0]);
    expect(coarse.anchors).toEqual(grid.anchors);
  });

  it("a page that scrolls sideways: a point past the layout width heats its element, and no tile of the page", async () => {
    const c = await start();
    const feeder = await connect(c.url);
    const board: AnchoredPage = {
      path: "/board",
      anchors: ["#col-5 > .card"],
      points: [
        // On a card 2,100 px across a 1,000 px window, then on no element out there, then at home.
        [2101, 300, 0, 1, 512, 512],
        [1700, 300, 0, 0, 0, 0],
        [100, 100, 0, 0, 0, 0],
      ],
    };
    expect(await reply(feeder, anchoredBatch(1, [board]))).toMatchObject({ type: "ack", points: 3 });
    const grid = await eventually(
      async () => {
        const next = await liveGrid(c, "/board");
        return next.anchors.length > 0 ? next : undefined;
      },
      5000,
      "the board's grid",
    );
    // Nothing piles up in the last column: the page grid and the loose heat hold the point at home alone.
    expect([grid.total, grid.cells]).toEqual([1, [5, 5, 1]]);
    expect(grid.loose.cells).toEqual([5, 5, 1, 0]);
    expect(grid.anchors).toEqual([{ s: "#col-5 > .card", cells: [anchorTile(512, 512), 1, 0], moves: 1, clicks: 0 }]);
    const stats = JSON.parse((await get(`${c.url}/api/stats`)).body) as {
      gateway: { offGrid: number; points: number };
    };
    expect(stats.gateway).toMatchObject({ offGrid: 2, points: 3 });
  });

  it("refuses bad anchors and scroll marks alone with E_SCHEMA and a reason, keeping what was accepted", async () => {
    const c = await start();
    const feeder = await connect(c.url);
    expect(await reply(feeder, anchoredBatch(1, [PAGE]))).toMatchObject({ type: "ack" });
    const bad: [string, AnchoredPage, RegExp][] = [
      ["an anchor index out of range", { anchors: ["#a"], points: [[1, 1, 0, 2, 0, 0]] }, /anchor 2 is not in/],
      ["u of 1024", { anchors: ["#a"], points: [[1, 1, 0, 1, 1024, 0]] }, /at\.\d+: .*1023/],
      ["a control character", { anchors: ["#a\u0007"], points: [[1, 1, 0, 1, 0, 0]] }, /no control characters/],
      [
        "257 anchors",
        { anchors: Array.from({ length: 257 }, (_, i) => `#a${i}`), points: [[1, 1, 0, 1, 0, 0]] },
        /anchors: .*256/,
      ],
      ["a scroll kind of 3", { points: [], scroll: [0, 3, 50] }, /kind must be 0, 1 or 2/],
      ["a scroll depth of 52", { points: [], scroll: [0, ScrollMark.reach, 52] }, /multiple of 5/],
      ["a scroll triple cut short", { points: [], scroll: [0, ScrollMark.view] }, /\[dt, kind, value\] triples/],
      ["an empty group", { points: [] }, /at least one point or scroll mark/],
    ];
    let seq = 1;
    for (const [what, page, reason] of bad) {
      const answer = await reply(feeder, anchoredBatch(++seq, [page]));
      expect(answer, what).toMatchObject({ type: "nack", code: "E_SCHEMA", retry: false });
      expect((answer as { reason: string }).reason, what).toMatch(reason);
    }
    // An `at` that does not match the points is refused too.
    const mismatched = anchoredBatch(++seq, [PAGE]) as { pages: { at: number[] }[] };
    (mismatched.pages[0] as { at: number[] }).at.pop();
    const answer = await reply(feeder, mismatched);
    expect(answer).toMatchObject({ type: "nack", code: "E_SCHEMA" });
    expect((answer as { reason: string }).reason).toMatch(/one \[a, u, v\] triple per point/);
    // The connection stays open and the accepted batch is all there.
    expect(await reply(feeder, anchoredBatch(++seq, [{ path: "/other", points: [[1, 1, 0, 0, 0, 0]] }]))).toMatchObject(
      { type: "ack" },
    );
    const grid = await eventually(
      async () => {
        const g = await liveGrid(c);
        return g.total > 0 ? g : undefined;
      },
      5000,
      "the accepted batch's grid",
    );
    expectPageHeat(grid);
  });

  it("kill -9 and restart: the anchor heat is back; a history range carries it", async () => {
    const dataDir = tempDataDir("anchors-restart");
    const first = await start([], dataDir);
    const feeder = await connect(first.url);
    const from = Date.now() - 60_000;
    expect(await reply(feeder, anchoredBatch(1, [PAGE]))).toMatchObject({ type: "ack" });
    await first.kill();
    const second = await start([], dataDir);
    const grid = await eventually(
      async () => {
        const g = await liveGrid(second);
        return g.total > 0 ? g : undefined;
      },
      5000,
      "the rebuilt grid",
    );
    expectPageHeat(grid);
    const history = await eventually(
      async () => {
        const answer = await get(
          `${second.url}/api/heatmap?origin=${SITE}&path=/anchored&width=1000&from=${from}&to=${Date.now() + 60_000}`,
        );
        const g = JSON.parse(answer.body) as Grid;
        return g.total > 0 ? g : undefined;
      },
      10_000,
      "the history range",
    );
    expectPageHeat(history);
  });

  it("a data directory of the earlier form (loose points under a key of their own) opens with the same grids, live and past", async () => {
    const dataDir = tempDataDir("anchors-upgrade");
    const now = Date.now();
    const page = makeKey(bandFor(1000, bandsFromBreakpoints(DEFAULT_BAND_BREAKPOINTS)).id, SITE, "/older");
    new EventStore({ dataDir, maxStoreBytes: 1e9, retentionDays: 30, liveMs: 300_000, clock: () => now }).close();
    // The earlier form: every point at its grid cell under the page key, those without an anchor once more under
    // the loose key (cell × 2 + click). At (2, 3): one anchored point and one loose click; at (10, 5): a loose move.
    const a = packCell(2, 3, "doc", 50);
    const b = packCell(10, 5, "doc", 50);
    const db = new Database(join(dataDir, "heatlens.db"));
    db.prepare("DELETE FROM meta WHERE name = 'point_cells_from'").run();
    const t = now - 1000;
    const { head, body } = encodeGroups([
      { key: page, times: [t, t, t], cells: [a, a, b] },
      {
        key: anchorKey(page, ""),
        times: [t],
        cells: [sideCell(anchorTile(0, 0), false)],
        anchors: ["#old"],
        anchorOf: [0],
      },
      { key: looseKey(page), times: [t, t], cells: [sideCell(a, true), sideCell(b, false)] },
    ]);
    db.prepare("INSERT INTO batches (max_t, groups, body, client, seq) VALUES (?, ?, ?, 'c', 0)").run(t, head, body);
    // Ten minutes back, in the history alone: three points at (2, 3), one of them loose.
    const minute = Math.floor((now - 600_000) / 60_000);
    db.prepare("INSERT INTO minutes VALUES (?, ?, ?, ?)").run(page, minute, a, 3);
    db.prepare("INSERT INTO minutes VALUES (?, ?, ?, ?)").run(looseKey(page), minute, sideCell(a, false), 1);
    db.close();

    const companion = await start([], dataDir);
    /** A grid's page cells and loose cells, as tuples ordered by column. */
    const heat = (grid: Grid) => {
      const tuples = (flat: number[], n: number) =>
        Array.from({ length: flat.length / n }, (_, i) => flat.slice(i * n, i * n + n)).sort(
          (x, y) => (x[0] as number) - (y[0] as number),
        );
      return { cells: tuples(grid.cells, 3), loose: tuples(grid.loose.cells, 4) };
    };
    const live = await liveGrid(companion, "/older", 300_000);
    expect(heat(live)).toEqual({
      cells: [
        [2, 3, 2],
        [10, 5, 1],
      ],
      loose: [
        [2, 3, 0, 1],
        [10, 5, 1, 0],
      ],
    });
    expect(live.clicks).toBe(1);
    expect(live.anchors.map((anchor) => [anchor.s, anchor.moves])).toEqual([["#old", 1]]);
    const past = JSON.parse(
      (
        await get(
          `${companion.url}/api/heatmap?origin=${SITE}&path=/older&width=1000&from=${now - 900_000}&to=${now + 60_000}`,
        )
      ).body,
    ) as Grid;
    // The history ten minutes back moved too: three points at (2, 3), one loose.
    expect(heat(past)).toEqual({
      cells: [
        [2, 3, 5],
        [10, 5, 1],
      ],
      loose: [
        [2, 3, 1, 1],
        [10, 5, 1, 0],
      ],
    });
    expect(past.total).toBe(6);
  });

  it("anchored points and scroll marks from a client an hour behind land in the live window (clock offset corrected)", async () => {
    const c = await start();
    const feeder = await connect(c.url);
    // Uncorrected, these would be an hour old: too old for every live window.
    const behind = anchoredBatch(1, [{ ...PAGE, t0: Date.now() - 3_600_000 }]) as { sentAt: number };
    behind.sentAt -= 3_600_000;
    expect(await reply(feeder, behind)).toMatchObject({ type: "ack", points: 4 });
    const grid = await eventually(
      async () => {
        const g = await liveGrid(c);
        return g.total > 0 && g.scroll.views > 0 ? g : undefined;
      },
      5000,
      "the grid of the batch from a clock an hour behind",
    );
    expectPageHeat(grid);
  });

  it("anchors, loose points and scroll marks do not count against --max-keys", async () => {
    const c = await start(["--max-keys", "2"]);
    const feeder = await connect(c.url);
    const anchors = Array.from({ length: 20 }, (_, i) => `#a${i}`);
    const points = anchors.map((_, i) => [i, i, 0, i + 1, 0, 0] as AnchoredPage["points"][number]);
    expect(
      await reply(
        feeder,
        anchoredBatch(1, [
          { anchors, points: [...points, [5, 5, 0, 0, 0, 0]], scroll: PAGE.scroll },
          { path: "/scrolled", points: [], scroll: [0, ScrollMark.view, 700] },
        ]),
      ),
    ).toMatchObject({ type: "ack", points: 21 });
    const stats = JSON.parse((await get(`${c.url}/api/stats`)).body) as { liveKeys: number };
    expect(stats.liveKeys).toBe(2);
    // A page with scroll marks and no points is listed like any other.
    const listed = JSON.parse((await get(`${c.url}/api/pages`)).body) as { pages: { path: string }[] };
    expect(listed.pages.map((p) => p.path).sort()).toEqual(["/anchored", "/scrolled"]);
    // A third page is one too many.
    const answer = await reply(feeder, anchoredBatch(2, [{ path: "/third", points: [[1, 1, 0, 0, 0, 0]] }]));
    expect(answer).toMatchObject({ type: "nack", code: "E_KEYS" });
  });
});
