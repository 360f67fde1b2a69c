import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  anchorKey,
  anchorTile,
  pointCell,
  ScrollMark,
  scrollCell,
  scrollKey,
  sideCell,
} from "../../../protocol/anchor";
import { bandsFromBreakpoints, packCell } from "../../../protocol/grid";
import { makeKey } from "../../../protocol/page-key";
import type { Grid } from "../../../protocol/wire";
import { InProcessBus } from "../bus/bus";
import type { Topics } from "../pipeline";
import { WindowStage } from "./window-stage";

const HOP = 250;
const WINDOWS = [1000, 2500];
const START = 1_000_000;
const PAGE = makeKey("w1", "http://a.test", "/p");
const SELECTORS = ["#a", "#b", "#c", "#d", "#e", "[data-testid=f]"];

function stage(maxAnchors: number, now = START): { stage: WindowStage; bus: InProcessBus<Topics> } {
  const bus = new InProcessBus<Topics>();
  const bands = bandsFromBreakpoints([1000]);
  return {
    bus,
    stage: new WindowStage(bus, {
      hopMs: HOP,
      windowsMs: WINDOWS,
      cols: 10,
      bands,
      maxAnchors,
      livePushMs: 100,
      maxSignals: 3,
      now,
    }),
  };
}

/** Selector → side cell → count, as a grid's anchors carry them. */
function anchorCounts(grid: Grid): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const anchor of grid.anchors) {
    const cells = new Map<number, number>();
    for (let i = 0; i < anchor.cells.length; i += 3) {
      const [tile, moves, clicks] = anchor.cells.slice(i, i + 3) as [number, number, number];
      if (moves) cells.set(sideCell(tile, false), moves);
      if (clicks) cells.set(sideCell(tile, true), clicks);
    }
    out.set(anchor.s, cells);
  }
  return out;
}

/**
 * The reference: every event kept with the anchor naming it was at the time
 * (its generation); the window recounted from scratch at each hop. A page holds
 * at most `max` anchors; a new one evicts the one with fewest events in the
 * ring (longest window and open pane), the first named on a tie; an eviction
 * counts when that anchor still had events, and such an anchor's id rests for
 * a ring turn. Named and resting anchors stay below 2 × max: past that a new
 * anchor is dropped (and counted). Each counted one is missing from the
 * page's grids for a ring turn, even once the page's ring is empty. A new anchor whose events are all too old
 * is not named. A page with no event left in the ring (of any anchor, named
 * or evicted) names none.
 */
class NaiveAnchors {
  private readonly events: { selector: string; generation: number; pane: number; cell: number }[] = [];
  private readonly named = new Map<string, number>();
  /** Closed pane from which each resting id is free again. */
  private resting: number[] = [];
  private generations = 0;
  private closed = Math.floor(START / HOP) - 1;
  private readonly longest = Math.max(...WINDOWS) / HOP;
  /** The closed pane from which each counted eviction or drop no longer holds heat back from the grids. */
  private readonly lost: number[] = [];

  /** Evicted or dropped anchors whose heat the grids lack now. */
  missing(): number {
    return this.lost.filter((until) => until > this.closed).length;
  }

  constructor(private readonly max: number) {}

  add(selector: string, times: number[], cells: number[]): void {
    if (this.events.every((e) => e.pane <= this.closed - this.longest)) {
      this.named.clear();
      this.resting = [];
    }
    const pane = (t: number) => Math.min(Math.floor(t / HOP), this.closed + 1);
    if (!this.named.has(selector)) {
      if (times.every((t) => pane(t) <= this.closed - this.longest)) return;
      this.resting = this.resting.filter((until) => until > this.closed);
      if (this.named.size >= this.max && this.named.size + this.resting.length >= 2 * this.max) {
        this.lost.push(this.closed + 1 + this.longest);
        return;
      }
      if (this.named.size >= this.max) {
        let coldest = "";
        let fewest = Number.POSITIVE_INFINITY;
        for (const s of this.named.keys()) {
          const n = this.held(s);
          if (n < fewest) [coldest, fewest] = [s, n];
        }
        this.named.delete(coldest);
        if (fewest > 0) {
          this.lost.push(this.closed + 1 + this.longest);
          this.resting.push(this.closed + 1 + this.longest);
        }
      }
      this.named.set(selector, ++this.generations);
    }
    const generation = this.named.get(selector) as number;
    times.forEach((t, i) => {
      if (pane(t) > this.closed - this.longest) {
        this.events.push({ selector, generation, pane: pane(t), cell: cells[i] as number });
      }
    });
  }

  advance(now: number): void {
    this.closed = Math.max(this.closed, Math.floor(now / HOP) - 1);
  }

  /** The window as a live viewer sees it: its closed panes and the open one so far. */
  grid(windowIndex: number): Map<string, Map<number, number>> {
    const span = (WINDOWS[windowIndex] as number) / HOP;
    const out = new Map<string, Map<number, number>>();
    for (const e of this.events) {
      if (this.named.get(e.selector) !== e.generation) continue;
      // The live window: its closed panes and the open one.
      if (e.pane > this.closed + 1 || e.pane <= this.closed - span) continue;
      let cells = out.get(e.selector);
      if (!cells) {
        cells = new Map();
        out.set(e.selector, cells);
      }
      cells.set(e.cell, (cells.get(e.cell) ?? 0) + 1);
    }
    return out;
  }

  private held(selector: string): number {
    const generation = this.named.get(selector);
    return this.events.filter(
      (e) => e.selector === selector && e.generation === generation && e.pane > this.closed - this.longest,
    ).length;
  }
}

describe("WindowStage: anchored heat", () => {
  it("equals a naive recount at every hop, across evictions, whether a batch's anchors come in one group or one each", () => {
    const group = fc.record({
      selector: fc.constantFrom(...SELECTORS),
      events: fc.array(
        fc.record({
          dt: fc.integer({ min: -3500, max: 400 }),
          tile: fc.integer({ min: 0, max: 63 }),
          click: fc.boolean(),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    });
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("batch" as const),
        // A page's anchored points as ingest groups them (one group, selectors and an index per point), or a group per anchor.
        oneGroup: fc.boolean(),
        groups: fc.array(group, { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        kind: fc.constant("tick" as const),
        ms: fc.oneof(fc.constant(HOP), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 2000, max: 6000 })),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 150 }), (max, steps) => {
        let now = START;
        const { stage: fast, bus } = stage(max);
        const naive = new NaiveAnchors(max);
        for (const s of steps) {
          if (s.kind === "batch") {
            const groups = s.groups.map((g) => ({
              key: anchorKey(PAGE, g.selector),
              times: g.events.map((e) => now + e.dt),
              cells: g.events.map((e) => sideCell(e.tile, e.click)),
            }));
            if (s.oneGroup) {
              // A selector twice in a group (a page listed twice in a batch) takes one id.
              const anchors = groups.map((g) => g.key.slice(anchorKey(PAGE, "").length));
              const anchorOf = groups.flatMap((g, j) => g.times.map(() => j));
              const times = groups.flatMap((g) => g.times);
              const cells = groups.flatMap((g) => g.cells);
              bus.publish("points", {
                client: "c",
                groups: [{ key: anchorKey(PAGE, ""), times, cells, anchors, anchorOf }],
              });
            } else bus.publish("points", { client: "c", groups });
            for (const [j, g] of groups.entries()) naive.add(s.groups[j]?.selector as string, g.times, g.cells);
          } else {
            now += s.ms;
            fast.tick(now);
            naive.advance(now);
          }
          WINDOWS.forEach((_, w) => {
            const grid = fast.snapshot(PAGE, w);
            expect(anchorCounts(grid)).toEqual(naive.grid(w));
            expect(grid.evictedAnchors).toBe(naive.missing());
            const clicks = grid.anchors.reduce((n, a) => n + a.clicks, 0);
            expect(
              grid.anchors.every(
                (a, i) =>
                  i === 0 ||
                  a.moves + a.clicks <=
                    (grid.anchors[i - 1] as typeof a).moves + (grid.anchors[i - 1] as typeof a).clicks,
              ),
            ).toBe(true);
            expect(grid.clicks).toBeGreaterThanOrEqual(clicks);
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it("evicts the coldest anchor at a full page, counts it, and keeps its clicks until they expire", () => {
    const { stage: s, bus } = stage(2);
    const add = (selector: string, n: number, click = false) =>
      bus.publish("points", {
        client: "c",
        groups: [
          {
            key: anchorKey(PAGE, selector),
            times: Array(n).fill(START),
            cells: Array(n).fill(sideCell(anchorTile(0, 1023), click)),
          },
        ],
      });
    add("#hot", 3);
    add("#cold", 1, true);
    add("#new", 2);
    s.tick(START + HOP);
    const grid = s.snapshot(PAGE, 0);
    expect(grid.anchors.map((a) => [a.s, a.moves, a.clicks])).toEqual([
      ["#hot", 3, 0],
      ["#new", 2, 0],
    ]);
    expect(grid.anchors[0]?.cells).toEqual([anchorTile(0, 1023), 3, 0]);
    expect(grid.evictedAnchors).toBe(1);
    expect(s.evictedAnchors).toBe(1);
    // The evicted anchor's click happened: the page's clicks still hold it.
    expect(grid.clicks).toBe(1);
  });

  it("gives an evicted anchor's id to a new anchor only once the evicted one's events left the ring", () => {
    const { stage: s, bus } = stage(1);
    const add = (selector: string, t: number) =>
      bus.publish("points", { client: "c", groups: [{ key: anchorKey(PAGE, selector), times: [t], cells: [0] }] });
    add("#a", START);
    add("#b", START);
    // One hop short of a whole ring turn: #a's event is still in the longest window, its id still resting.
    const panes = Math.max(...WINDOWS) / HOP;
    let now = START;
    for (let i = 0; i < panes; i++) {
      now += HOP;
      s.tick(now);
    }
    // Both ids (2 × --max-anchors) are taken: #c is dropped and counted, and #a's event never shows as #c's.
    add("#c", now);
    expect(anchorCounts(s.snapshot(PAGE, 1))).toEqual(new Map([["#b", new Map([[0, 1]])]]));
    expect(s.snapshot(PAGE, 1).evictedAnchors).toBe(2);
    // A hop later the page's ring is empty; #c is named afresh.
    now += HOP;
    s.tick(now);
    add("#c", now);
    s.tick(now + HOP);
    expect(anchorCounts(s.snapshot(PAGE, 1))).toEqual(new Map([["#c", new Map([[0, 1]])]]));
  });

  it("fills loose points (regrid-ready quadruples) from the page's point cells, and the scroll summary", () => {
    const { stage: s, bus } = stage(10);
    const doc = packCell(3, 7, "doc", 10);
    const fixed = packCell(9, 0, "fixed", 10);
    bus.publish("points", {
      client: "c",
      groups: [
        {
          key: PAGE,
          times: [START, START, START, START],
          cells: [
            pointCell(doc, false, false),
            pointCell(doc, false, true),
            pointCell(fixed, false, false),
            pointCell(doc, true, false),
          ],
        },
        {
          key: scrollKey(PAGE),
          times: Array(5).fill(START),
          cells: [
            scrollCell(ScrollMark.view, 800),
            scrollCell(ScrollMark.view, 600),
            scrollCell(ScrollMark.reach, 5),
            scrollCell(ScrollMark.reach, 100),
            scrollCell(ScrollMark.box, 50),
          ],
        },
      ],
    });
    s.tick(START + HOP);
    const grid = s.snapshot(PAGE, 1);
    expect(grid.loose).toEqual({ cells: [3, 7, 1, 1], fixed: [9, 0, 1, 0] });
    // The anchored point is on the grid, not among the loose ones.
    expect(grid.cells).toEqual([3, 7, 3]);
    expect(grid.fixed).toEqual([9, 0, 1]);
    expect(grid.total).toBe(4);
    expect(grid.clicks).toBe(1);
    expect(grid.scroll.views).toBe(2);
    expect(grid.scroll.reach[0]).toBe(1);
    expect(grid.scroll.reach[19]).toBe(1);
    expect(grid.scroll.box[9]).toBe(1);
    expect(grid.scroll.reach.reduce((a, b) => a + b)).toBe(2);
    // Buckets of 8 px: 800 → 804, 600 → 604.
    expect(grid.scroll.foldPx).toBe(704);
  });

  it("counts page keys only as live keys; a page with scroll marks alone is live", () => {
    const { stage: s, bus } = stage(10);
    const other = makeKey("w1", "http://a.test", "/scrolled");
    bus.publish("points", {
      client: "c",
      groups: [
        { key: PAGE, times: [START], cells: [0] },
        { key: anchorKey(PAGE, "#a"), times: [START], cells: [0] },
        { key: scrollKey(other), times: [START], cells: [scrollCell(ScrollMark.view, 700)] },
      ],
    });
    s.tick(START + HOP);
    expect(s.liveKeys).toBe(2);
    expect(s.isLive(PAGE)).toBe(true);
    expect(s.isLive(other)).toBe(true);
    expect(s.pages().map((p) => [p.path, p.events["1000"]])).toEqual([
      ["/p", 1],
      ["/scrolled", 0],
    ]);
    // The scrolled page gets points: still one live key; then everything expires.
    bus.publish("points", { client: "c", groups: [{ key: other, times: [START + HOP], cells: [0] }] });
    expect(s.liveKeys).toBe(2);
    s.tick(START + 2 * HOP + Math.max(...WINDOWS));
    expect(s.liveKeys).toBe(0);
    expect(s.isLive(other)).toBe(false);
    // Scroll marks alone again, then they expire too.
    const later = START + 3 * HOP + Math.max(...WINDOWS);
    bus.publish("points", { client: "c", groups: [{ key: scrollKey(other), times: [later], cells: [0] }] });
    expect(s.liveKeys).toBe(1);
    s.tick(later + HOP + Math.max(...WINDOWS));
    expect(s.liveKeys).toBe(0);
  });
});

describe("WindowStage: live grids", () => {
  it("sends viewers grids equal to a naive recount over [start, now], the closed window's after each pane closes, pushed at most once per livePushMs", () => {
    const step = fc.oneof(
      // Points of one batch: offsets of their capture times from now (negative = late), and cells.
      fc.record({
        kind: fc.constant("batch" as const),
        events: fc.array(fc.record({ dt: fc.integer({ min: -3500, max: 300 }), col: fc.integer({ min: 0, max: 9 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
      }),
      fc.record({ kind: fc.constant("push" as const), ms: fc.integer({ min: 0, max: 150 }) }),
      fc.record({
        kind: fc.constant("tick" as const),
        ms: fc.oneof(fc.constant(HOP), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 2000, max: 6000 })),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        let now = START;
        const { stage: s, bus } = stage(10);
        const sent: Grid[] = [];
        bus.subscribe("grid", (grid) => sent.push(grid));
        for (const windowMs of WINDOWS) bus.publish("interest", { key: PAGE, windowMs, watching: true });
        const log: { pane: number; col: number }[] = [];
        let closed = Math.floor(now / HOP) - 1;
        /** Points per column in the panes from `first` to `last`, recounted from the log. */
        const recount = (first: number, last: number) => {
          const cols = new Map<number, number>();
          for (const e of log) if (e.pane >= first && e.pane <= last) cols.set(e.col, (cols.get(e.col) ?? 0) + 1);
          return [...cols].sort(([a], [b]) => a - b);
        };
        const colsOf = (grid: Grid) => {
          const cols: [number, number][] = [];
          for (let i = 0; i < grid.cells.length; i += 3)
            cols.push([grid.cells[i] as number, grid.cells[i + 2] as number]);
          return cols.sort(([a], [b]) => a - b);
        };
        const pushedAt: number[] = [];
        for (const st of steps) {
          const before = closed;
          sent.length = 0;
          if (st.kind === "batch") {
            const times = st.events.map((e) => now + e.dt);
            bus.publish("points", {
              client: "c",
              groups: [
                {
                  key: PAGE,
                  times,
                  cells: st.events.map((e) => pointCell(packCell(e.col, 0, "doc", 10), true, false)),
                },
              ],
            });
            st.events.forEach((e, i) => {
              const pane = Math.min(Math.floor((times[i] as number) / HOP), closed + 1);
              if (pane > closed - Math.max(...WINDOWS) / HOP) log.push({ pane, col: e.col });
            });
          } else if (st.kind === "push") {
            now += st.ms;
            s.pushLive(now);
            if (sent.length > 0) pushedAt.push(now);
          } else {
            now += st.ms;
            s.tick(now);
            closed = Math.max(closed, Math.floor(now / HOP) - 1);
          }
          for (const grid of sent) {
            const span = grid.windowMs / HOP;
            expect(colsOf(grid)).toEqual(recount(closed + 1 - span, closed + 1));
            expect(grid.start).toBe((closed + 1) * HOP - grid.windowMs);
            expect(grid.end).toBe(Math.max(now, (closed + 1) * HOP));
            // Right after a pane closed the open pane is empty: the grid is the closed window's answer.
            if (closed > before) expect(colsOf(grid)).toEqual(recount(closed + 1 - span, closed));
          }
        }
        for (let i = 1; i < pushedAt.length; i++) {
          expect((pushedAt[i] as number) - (pushedAt[i - 1] as number)).toBeGreaterThanOrEqual(100);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("pushes a watched page's new points at once, later ones after livePushMs, and nothing for a page nobody watches", () => {
    const { stage: s, bus } = stage(10);
    const sent: Grid[] = [];
    bus.subscribe("grid", (grid) => sent.push(grid));
    bus.publish("interest", { key: PAGE, windowMs: WINDOWS[0] as number, watching: true });
    sent.length = 0;
    const other = makeKey("w1", "http://a.test", "/unwatched");
    bus.publish("points", { client: "c", groups: [{ key: other, times: [START], cells: [0] }] });
    expect(s.hasFresh).toBe(false);
    bus.publish("points", { client: "c", groups: [{ key: PAGE, times: [START], cells: [0] }] });
    expect(s.pushLive(START + 10)).toBeNull();
    expect(sent.map((g) => g.total)).toEqual([1]);
    bus.publish("points", { client: "c", groups: [{ key: PAGE, times: [START + 20], cells: [0] }] });
    expect(s.pushLive(START + 30)).toBe(80);
    expect(sent).toHaveLength(1);
    expect(s.pushLive(START + 110)).toBeNull();
    expect(sent.map((g) => g.total)).toEqual([1, 2]);
  });

  it("a signal that arrives just before a pane closes with none of its page's points is still pushed live", () => {
    const { stage: s, bus } = stage(10);
    const sent: Grid[] = [];
    bus.subscribe("grid", (grid) => sent.push(grid));
    bus.publish("interest", { key: PAGE, windowMs: WINDOWS[0] as number, watching: true });
    bus.publish("points", { client: "c", groups: [{ key: PAGE, times: [START], cells: [0] }] });
    s.pushLive(START + 10);
    s.tick(START + HOP);
    sent.length = 0;
    // A dead click, known a second after its click: the batch holds the signal alone.
    bus.publish("signals", { signals: [{ key: PAGE, selector: "#idle", kind: 1, client: "c", t: START + 10 }] });
    // The pane closes before the live push's turn comes.
    s.tick(START + 2 * HOP);
    s.pushLive(START + 2 * HOP + 1);
    expect(sent.at(-1)?.signals).toMatchObject([{ s: "#idle", kind: "dead", count: 1 }]);
  });

  it("a watched page's signals are pushed live, summed per element and kind, at most maxSignals, and leave with their window", () => {
    const { stage: s, bus } = stage(10);
    const sent: Grid[] = [];
    bus.subscribe("grid", (grid) => sent.push(grid));
    bus.publish("interest", { key: PAGE, windowMs: WINDOWS[0] as number, watching: true });
    sent.length = 0;
    const signal = (selector: string, kind: 0 | 1 | 2, client: string, t: number) => ({
      key: PAGE,
      selector,
      kind,
      client,
      t,
    });
    bus.publish("signals", {
      signals: [signal("#old", 1, "a", START), signal("#buy", 0, "a", START + 10), signal("#buy", 0, "b", START + 20)],
    });
    bus.publish("signals", { signals: [signal("#buy", 0, "a", START + 30)] });
    expect(s.hasFresh).toBe(true);
    s.pushLive(START + 40);
    // maxSignals is 3: the oldest, #old, was dropped.
    expect(sent.at(-1)?.signals).toEqual([
      { s: "#buy", kind: "rage", count: 3, testers: 2, first: START + 10, last: START + 30 },
    ]);
    sent.length = 0;
    // Past the 1 s window the signals leave the watched grid, which is sent again without them.
    s.tick(START + 1500);
    expect(sent.at(-1)?.signals).toEqual([]);
    expect(s.snapshot(PAGE, 1).signals).toMatchObject([{ s: "#buy", count: 3 }]);
    s.tick(START + 3000);
    expect(s.snapshot(PAGE, 1).signals).toEqual([]);
  });
});
