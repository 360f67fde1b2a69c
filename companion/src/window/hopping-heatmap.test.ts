import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HoppingHeatmap } from "./hopping-heatmap";
import { NaiveHeatmap } from "./naive-heatmap";

const HOP = 250;
const WINDOWS = [1000, 2500, 5000];
const START = 1_000_000;

function sorted(grid: ReadonlyMap<number, number>): [number, number][] {
  return [...grid].sort(([a], [b]) => a - b);
}

/** One call's events of a key: each `dts[j]` ms from now (negative = late), at cell `cell + j`. */
function eventsOf(keys: string[], dt: { min: number; max: number }, maxLength: number, maxCell: number) {
  return fc.record({
    kind: fc.constant("events" as const),
    key: fc.constantFrom(...keys),
    dts: fc.array(fc.integer(dt), { minLength: 1, maxLength }),
    cell: fc.integer({ min: 0, max: maxCell }),
  });
}

/** Expects `fast` to hold the same grid as `naive` for each of `keys` in every window. */
function expectSameGrids(fast: HoppingHeatmap, naive: NaiveHeatmap, keys: string[]): void {
  for (const key of keys) {
    WINDOWS.forEach((_, i) => {
      expect(sorted(fast.grid(key, i))).toEqual(sorted(naive.grid(key, i)));
    });
  }
}

/** Adds one call's events (eventsOf) at `now` to both models. */
function addBoth(
  fast: HoppingHeatmap,
  naive: NaiveHeatmap,
  now: number,
  { key, dts, cell }: { key: string; dts: number[]; cell: number },
): void {
  const times = dts.map((dt) => now + dt);
  const cells = dts.map((_, j) => cell + j);
  fast.addMany(key, times, cells, { open: 0, late: 0, tooOld: 0 });
  naive.addMany(key, times, cells);
}

describe("HoppingHeatmap", () => {
  it("emits exactly the windows of the naive per-window model on random streams", () => {
    const step = fc.oneof(
      // An event: key, offset of its capture time from now (negative = late, positive = clock ahead), cell.
      fc.record({
        kind: fc.constant("event" as const),
        key: fc.constantFrom("a", "b", "c"),
        dt: fc.integer({ min: -7000, max: 500 }),
        cell: fc.integer({ min: 0, max: 20 }),
      }),
      // Time passes: within a pane, a few panes, or an idle gap longer than every window.
      fc.record({
        kind: fc.constant("tick" as const),
        ms: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 4000, max: 12_000 })),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        let now = START;
        const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
        const naive = new NaiveHeatmap(HOP, WINDOWS, now);
        for (const s of steps) {
          if (s.kind === "event") {
            fast.add(s.key, now + s.dt, s.cell);
            naive.add(s.key, now + s.dt, s.cell);
          } else {
            now += s.ms;
            fast.advance(now);
            naive.advance(now);
          }
          for (const key of ["a", "b", "c"]) {
            WINDOWS.forEach((_, i) => {
              expect(sorted(fast.grid(key, i))).toEqual(sorted(naive.grid(key, i)));
              const total = [...naive.grid(key, i).values()].reduce((a, b) => a + b, 0);
              expect(fast.total(key, i)).toBe(total);
            });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("shows live viewers the open pane: every live grid is the naive count over [start, now], and closing a pane counts nothing twice", () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant("event" as const),
        key: fc.constantFrom("a", "b"),
        dt: fc.integer({ min: -7000, max: 500 }),
        cell: fc.integer({ min: 0, max: 20 }),
      }),
      fc.record({
        kind: fc.constant("tick" as const),
        ms: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 4000, max: 12_000 })),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        let now = START;
        const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
        // The reference: every event with the pane it was counted in, recounted from scratch for each check.
        const log: { key: string; pane: number; cell: number }[] = [];
        let closed = Math.floor(now / HOP) - 1;
        const naiveLive = (key: string, windowMs: number) => {
          // [start, now]: the panes of the newest closed window, then the open one.
          const first = closed + 1 - windowMs / HOP;
          const grid = new Map<number, number>();
          for (const e of log) {
            if (e.key === key && e.pane >= first && e.pane <= closed + 1) grid.set(e.cell, (grid.get(e.cell) ?? 0) + 1);
          }
          return grid;
        };
        for (const s of steps) {
          const before = closed;
          if (s.kind === "event") {
            fast.add(s.key, now + s.dt, s.cell);
            log.push({ key: s.key, pane: Math.min(Math.floor((now + s.dt) / HOP), closed + 1), cell: s.cell });
          } else {
            now += s.ms;
            fast.advance(now);
            closed = Math.max(closed, Math.floor(now / HOP) - 1);
          }
          for (const key of ["a", "b"]) {
            WINDOWS.forEach((windowMs, i) => {
              expect(sorted(fast.grid(key, i, true))).toEqual(sorted(naiveLive(key, windowMs)));
              // Right after a pane closes the open one is empty: the live grid is the closed window's.
              if (closed > before) expect(sorted(fast.grid(key, i, true))).toEqual(sorted(fast.grid(key, i)));
            });
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("read only now and then (grids made from the panes long after their events came, keys forgotten and back before changes are taken), equals the naive model and reports every changed window", () => {
    // Few cells, so that a cell with late events often sees its older events expire meanwhile.
    const step = fc.oneof(
      { weight: 4, arbitrary: eventsOf(["a", "b", "c", "d"], { min: -7000, max: 500 }, 4, 6) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("tick" as const),
          ms: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 4000, max: 12_000 })),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: "check" as const }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        let now = START;
        const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
        const naive = new NaiveHeatmap(HOP, WINDOWS, now);
        const keys = ["a", "b", "c", "d"];
        // The grids as of the last check: a window that differs now must be among the changes taken.
        const seen = new Map(keys.flatMap((key) => WINDOWS.map((_, i) => [`${key} ${i}`, "[]"])));
        for (const s of [...steps, { kind: "check" as const }]) {
          if (s.kind === "events") addBoth(fast, naive, now, s);
          else if (s.kind === "tick") {
            now += s.ms;
            fast.advance(now);
            naive.advance(now);
          } else {
            const changes = new Set(fast.takeChanges().map(({ key, windowIndex }) => `${key} ${windowIndex}`));
            for (const key of keys) {
              WINDOWS.forEach((_, i) => {
                const grid = JSON.stringify(sorted(naive.grid(key, i)));
                expect(JSON.stringify(sorted(fast.grid(key, i)))).toBe(grid);
                if (grid !== seen.get(`${key} ${i}`)) expect(changes).toContain(`${key} ${i}`);
                seen.set(`${key} ${i}`, grid);
              });
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("counts a key's events for it after another key's call left the same pane for a later one", () => {
    let now = START;
    const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
    const naive = new NaiveHeatmap(HOP, WINDOWS, now);
    // b's call ends in a closed pane; a's starts there and goes on into the open one; b's next comes to the first.
    addBoth(fast, naive, now, { key: "b", dts: [-300], cell: 1 });
    addBoth(fast, naive, now, { key: "a", dts: [-300, 0], cell: 2 });
    addBoth(fast, naive, now, { key: "b", dts: [-300], cell: 4 });
    for (const step of [HOP, 2 * HOP, 6000]) {
      now += step;
      fast.advance(now);
      naive.advance(now);
      expectSameGrids(fast, naive, ["a", "b"]);
    }
  });

  it("counts each event for its own key when calls of several keys take turns in the same few panes, each call spanning several", () => {
    // Few panes, few keys, several events per call: a pane's events of one key follow another's in every order.
    const step = fc.oneof(
      { weight: 5, arbitrary: eventsOf(["a", "b", "c"], { min: -800, max: 100 }, 6, 5) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 400 }) }) },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        let now = START;
        const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
        const naive = new NaiveHeatmap(HOP, WINDOWS, now);
        for (const s of steps) {
          if (s.kind === "events") addBoth(fast, naive, now, s);
          else {
            now += s.ms;
            fast.advance(now);
            naive.advance(now);
          }
          expectSameGrids(fast, naive, ["a", "b", "c"]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a grid only while it is read: one read again after keepGridsMs is made afresh and still equals the naive count, live or closed", () => {
    const step = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant("event" as const),
          key: fc.constantFrom("a", "b", "c"),
          dt: fc.integer({ min: -7000, max: 500 }),
          cell: fc.integer({ min: 0, max: 12 }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("tick" as const),
          ms: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1000, max: 12_000 })),
        }),
      },
      // A read of one key's grid in one window, live (with the open pane) or closed.
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("read" as const),
          key: fc.constantFrom("a", "b", "c"),
          window: fc.integer({ min: 0, max: WINDOWS.length - 1 }),
          live: fc.boolean(),
        }),
      },
    );
    fc.assert(
      fc.property(fc.constantFrom(0, 250, 1500), fc.array(step, { maxLength: 300 }), (keepGridsMs, steps) => {
        let now = START;
        const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now, keepGridsMs });
        const log: { key: string; pane: number; cell: number }[] = [];
        let closed = Math.floor(now / HOP) - 1;
        let lastRead = -Infinity;
        const reference = (key: string, windowMs: number, live: boolean) => {
          const first = closed + 1 - windowMs / HOP;
          const last = live ? closed + 1 : closed;
          const grid = new Map<number, number>();
          for (const e of log) {
            if (e.key === key && e.pane >= first && e.pane <= last) grid.set(e.cell, (grid.get(e.cell) ?? 0) + 1);
          }
          return grid;
        };
        for (const s of steps) {
          if (s.kind === "event") {
            // Older than the longest window: refused, and in no grid.
            if (Math.floor((now + s.dt) / HOP) <= closed - (WINDOWS.at(-1) as number) / HOP) {
              expect(fast.add(s.key, now + s.dt, s.cell)).toBe("tooOld");
              continue;
            }
            fast.add(s.key, now + s.dt, s.cell);
            log.push({ key: s.key, pane: Math.min(Math.floor((now + s.dt) / HOP), closed + 1), cell: s.cell });
          } else if (s.kind === "tick") {
            now += s.ms;
            fast.advance(now);
            closed = Math.max(closed, Math.floor(now / HOP) - 1);
            // Nothing read within keepGridsMs: no grid is kept any more.
            if (now - lastRead > keepGridsMs + 2 * HOP) expect(fast.keptKeys).toBe(0);
          } else {
            const windowMs = WINDOWS[s.window] as number;
            expect(sorted(fast.grid(s.key, s.window, s.live))).toEqual(sorted(reference(s.key, windowMs, s.live)));
            lastRead = now;
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("counts an event in the closed window once its pane closed on the companion clock, and in the live grid at once", () => {
    const heatmap = new HoppingHeatmap({ hopMs: HOP, windowsMs: [1000], now: START });
    expect(heatmap.add("k", START + 10, 7)).toBe("open");
    expect(heatmap.grid("k", 0).get(7)).toBeUndefined();
    expect(heatmap.grid("k", 0, true).get(7)).toBe(1);
    heatmap.advance(START + HOP + 1);
    expect(heatmap.grid("k", 0).get(7)).toBe(1);
    expect(heatmap.takeChanges()).toEqual([{ key: "k", windowIndex: 0 }]);
    expect(heatmap.takeChanges()).toEqual([]);
  });

  it("counts a late event inside the window and refuses one older than every window", () => {
    const heatmap = new HoppingHeatmap({ hopMs: HOP, windowsMs: [1000, 5000], now: START });
    heatmap.advance(START + 3000);
    expect(heatmap.add("k", START + 1500, 1)).toBe("late");
    expect(heatmap.grid("k", 0).get(1)).toBeUndefined();
    expect(heatmap.grid("k", 1).get(1)).toBe(1);
    expect(heatmap.add("k", START - 10_000, 1)).toBe("tooOld");
  });

  it("keeps a late event's cell while the cell's older events expire before anything is read", () => {
    const heatmap = new HoppingHeatmap({ hopMs: HOP, windowsMs: [1000, 5000], now: START });
    heatmap.add("k", START, 1);
    heatmap.advance(START + 5000);
    expect(heatmap.add("k", START + 4000, 1)).toBe("late");
    // The first event leaves the ring here, the late one stays in the 5 s window.
    heatmap.advance(START + 5250);
    expect(heatmap.grid("k", 1)).toEqual(new Map([[1, 1]]));
  });

  it("decays a quiet key to empty, reports the change, and forgets it", () => {
    const heatmap = new HoppingHeatmap({ hopMs: HOP, windowsMs: [1000], now: START });
    heatmap.add("k", START, 3);
    heatmap.advance(START + 500);
    heatmap.takeChanges();
    expect(heatmap.has("k")).toBe(true);
    heatmap.advance(START + 1500);
    expect(heatmap.grid("k", 0).size).toBe(0);
    expect(heatmap.takeChanges()).toEqual([{ key: "k", windowIndex: 0 }]);
    expect(heatmap.has("k")).toBe(false);
    expect(heatmap.size).toBe(0);
  });

  it("equals the naive model with tens of thousands of live cells, emptied and taken again across expiries", () => {
    let now = START;
    const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
    const naive = new NaiveHeatmap(HOP, WINDOWS, now);
    const random = fc.sample(fc.integer({ min: 0, max: 1 << 20 }), { numRuns: 4 * 2 * 12_000, seed: 13 });
    const check = () => {
      for (const key of ["a", "b"]) {
        WINDOWS.forEach((_, i) => {
          expect(sorted(fast.grid(key, i))).toEqual(sorted(naive.grid(key, i)));
          expect(fast.total(key, i)).toBe([...naive.grid(key, i).values()].reduce((a, b) => a + b, 0));
        });
      }
    };
    // Rounds of 12,000 cells a key (some late), one a pane apart and one after the first expired, so emptied cells are taken again.
    for (const [round, gapMs] of [500, 3000, 6000, 500].entries()) {
      for (const [k, key] of ["a", "b"].entries()) {
        const cells = random.slice((2 * round + k) * 12_000, (2 * round + k + 1) * 12_000);
        const times = cells.map((cell) => now - (cell % 3) * 900);
        fast.addMany(key, times, cells, { open: 0, late: 0, tooOld: 0 });
        naive.addMany(key, times, cells);
      }
      now += gapMs;
      fast.advance(now);
      naive.advance(now);
      check();
    }
  });

  it("equals the naive model, live grids too, with a hundred keys' events interleaved by the hundred in every pane", () => {
    // Each pane holds events of many keys in turn, some late; live grids are read every seventh hop (kept between
    // reads), closed grids only at the end (made from the panes then).
    let now = START;
    const fast = new HoppingHeatmap({ hopMs: HOP, windowsMs: WINDOWS, now });
    const naive = new NaiveHeatmap(HOP, WINDOWS, now);
    const keys = Array.from({ length: 100 }, (_, i) => `page-${i}`);
    const draws = fc.sample(fc.integer({ min: 0, max: 1 << 16 }), { numRuns: 30 * 1200 * 3, seed: 7 });
    let d = 0;
    for (let hop = 0; hop < 30; hop++) {
      // This hop's events in the open pane, by key: the live grid is the closed window plus these.
      const open = new Map<string, Map<number, number>>();
      for (let batch = 0; batch < 1200; batch++) {
        const key = keys[(draws[d++] as number) % keys.length] as string;
        const cell = 2 * ((draws[d++] as number) % 4000);
        const back = (draws[d++] as number) % 9 === 0 ? 250 + (cell % 7) * 300 : 0;
        fast.addMany(key, [now - back, now - back], [cell, cell + 1], { open: 0, late: 0, tooOld: 0 });
        naive.addMany(key, [now - back, now - back], [cell, cell + 1]);
        if (back === 0) {
          const tally = open.get(key) ?? new Map<number, number>();
          for (const c of [cell, cell + 1]) tally.set(c, (tally.get(c) ?? 0) + 1);
          open.set(key, tally);
        }
      }
      if (hop % 7 === 6) {
        for (const key of keys) {
          const live = new Map(naive.grid(key, 0));
          for (const [c, n] of open.get(key) ?? []) live.set(c, (live.get(c) ?? 0) + n);
          expect(sorted(fast.grid(key, 0, true))).toEqual(sorted(live));
        }
      }
      now += HOP;
      fast.advance(now);
      naive.advance(now);
    }
    let cells = 0;
    for (const key of keys) {
      WINDOWS.forEach((_, i) => {
        expect(sorted(fast.grid(key, i))).toEqual(sorted(naive.grid(key, i)));
        expect(fast.total(key, i)).toBe([...naive.grid(key, i).values()].reduce((a, b) => a + b, 0));
      });
      cells += fast.grid(key, WINDOWS.length - 1).size;
    }
    expect(cells).toBeGreaterThan(1 << 15);
  });

  it("rejects windows that are not multiples of the hop", () => {
    expect(() => new HoppingHeatmap({ hopMs: 250, windowsMs: [1100], now: 0 })).toThrow(/multiple/);
  });
});
