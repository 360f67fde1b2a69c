import { describe, expect, it } from "vitest";
import { changes, type SideCounts } from "../../protocol/compare";
import { differenceColour, elementCells, setChoices, setLabel, sideTimeChoices, testStatement } from "./compare-view";

/** 19 elements as often in both sides' shares, `#buy` five times as often in B's, and `#rare`, too rare to test. */
const quiet = Array.from({ length: 19 }, (_, i) => `#item-${i}`);
const before = Object.fromEntries([...quiet.map((s) => [s, 100]), ["#buy", 100], ["#rare", 2]]);
const after = Object.fromEntries([...quiet.map((s) => [s, 60]), ["#buy", 300], ["#rare", 3]]);

const side = (elements: Record<string, number>): SideCounts => ({
  total: Object.values(elements).reduce((n, c) => n + c, 0),
  elements: new Map(Object.entries(elements)),
  tiles: new Map(),
  fixed: new Map(),
});

describe("the Compare section's words", () => {
  it("names each kind of set", () => {
    expect(setLabel({ kind: "all" })).toBe("everyone");
    expect(setLabel({ kind: "build", label: "1.4.0" })).toBe("build 1.4.0");
    expect(setLabel({ kind: "tester", label: "Ada" })).toBe("Ada");
    expect(setLabel({ kind: "rest", label: "Ada" })).toBe("everyone but Ada");
  });

  it("states the test, its threshold, the dispersion factor and how many of the tested elements it flagged", () => {
    const { test } = changes(side(before), side(after));
    expect(testStatement(test)).toBe(
      "Two-proportion z-test per element, dispersion-adjusted (median z²), Holm-corrected, α 0.05, " +
        `z² divided by a dispersion factor of ${test.dispersion.toFixed(2)}, ` +
        "elements with at least 10 points on both sides together: 1 of 20 elements changed beyond chance.",
    );
  });

  it("puts the flagged element first, with its shares, change, z, corrected p and verdict; an untested one says so", () => {
    const { elements } = changes(side(before), side(after));
    const rows = elements.map(elementCells);
    expect(rows[0]?.[0]).toBe("#buy");
    expect(rows[0]?.slice(1, 4)).toEqual(["5.0 % (100)", "20.8 % (300)", "+15.8 pts"]);
    expect(rows[0]?.[4]).toMatch(/^\+\d+\.\d\d$/);
    expect(Number(rows[0]?.[4])).toBeGreaterThan(3);
    expect(rows[0]?.[5]).toBe("< 0.0001");
    expect(rows[0]?.[6]).toBe("changed");
    expect(rows.slice(1).map((r) => r[6])).toEqual([...quiet.map(() => "no"), "not tested (too few points)"]);
    expect(rows.at(-1)?.slice(4, 6)).toEqual(["–", "–"]);
    expect(rows.find((r) => r[0] === "#item-0")?.slice(1, 4)).toEqual(["5.0 % (100)", "4.2 % (60)", "−0.8 pts"]);
    expect(rows.find((r) => r[0] === "#item-0")?.[4]).toMatch(/^−\d\.\d\d$/);
  });

  it("paints more in A blue and more in B orange, more opaque the larger the difference", () => {
    expect(differenceColour(-25, 100)).toBe("rgba(0, 114, 178, 0.625)");
    expect(differenceColour(100, 100)).toBe("rgba(230, 159, 0, 1.000)");
    expect(differenceColour(1, 10_000)).toBe("rgba(230, 159, 0, 0.258)");
    expect(differenceColour(5, 0)).toBe("rgba(230, 159, 0, 0.250)");
  });

  it("offers everyone, each build, each tester and everyone but each, and keeps a set the URL names", () => {
    const tags = {
      builds: [{ label: "2.0", points: 5, first: 1, last: 2 }],
      testers: [{ label: "Ada", points: 5, first: 1, last: 2 }],
    };
    expect(setChoices(tags, null)).toEqual([
      ["all", "everyone"],
      ["build:2.0", "build 2.0"],
      ["tester:Ada", "Ada"],
      ["rest:Ada", "everyone but Ada"],
    ]);
    const gone = { kind: "tester", label: "Bo" } as const;
    const shown = { a: { kind: "all" }, b: gone, aTime: { kind: "view" }, bTime: { kind: "view" } } as const;
    expect(setChoices(tags, shown).at(-1)).toEqual(["tester:Bo", "Bo"]);
  });

  it("offers each side the view's time, the last and the previous of each window, an hour and a day, and its own range", () => {
    const time = { kind: "window", ms: 60_000 } as const;
    expect(sideTimeChoices([60_000, 3_600_000], time, null)).toEqual([
      ["", "the view's time (last 1 min)"],
      ["last:60000", "last 1 min"],
      ["last:3600000", "last hour"],
      ["last:86400000", "last day"],
      ["before:60000", "the 1 min before"],
      ["before:3600000", "the hour before"],
      ["before:86400000", "the day before"],
    ]);
    const range = { kind: "range", from: Date.UTC(2026, 10, 29, 21), to: Date.UTC(2026, 10, 29, 22) } as const;
    expect(sideTimeChoices([60_000], time, range).at(-1)).toEqual([
      "2026-11-29T21:00:00.000Z/2026-11-29T22:00:00.000Z",
      "2026-11-29 21:00 – 2026-11-29 22:00 UTC",
    ]);
  });
});
