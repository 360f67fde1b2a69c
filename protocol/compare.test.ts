import { describe, expect, it } from "vitest";
import { changes, parseCompareSet, type SideCounts, twoSidedP } from "./compare";

/** A seeded generator, so that every run sees the same traffic. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHARES = [0.16, 0.14, 0.12, 0.1, 0.09, 0.08, 0.07, 0.06, 0.06, 0.05, 0.04, 0.03];

/**
 * Sessions as a cursor makes them: dwells on elements chosen by `shares`, each
 * dwell several samples long (4 a second, 2 s on average), each sample in one
 * of the element's two tiles. Samples of one dwell are not independent.
 */
function sessions(random: () => number, count: number, shares: number[]): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < count; s++) {
    const samples: number[] = [];
    for (let d = 0; d < 40; d++) {
      let pick = random() * shares.reduce((x, y) => x + y, 0);
      let element = 0;
      while (pick > (shares[element] as number) && element < shares.length - 1) pick -= shares[element++] as number;
      const length = 1 + Math.floor(-Math.log(1 - random()) * 7);
      for (let i = 0; i < length; i++) samples.push(element * 2 + (random() < 0.5 ? 0 : 1));
    }
    out.push(samples);
  }
  return out;
}

function tally(of: number[][]): SideCounts {
  const side: SideCounts = { total: 0, elements: new Map(), tiles: new Map(), fixed: new Map() };
  for (const samples of of) {
    for (const tile of samples) {
      side.total++;
      const s = `#e${tile >> 1}`;
      side.elements.set(s, (side.elements.get(s) ?? 0) + 1);
      side.tiles.set(`${tile},0`, (side.tiles.get(`${tile},0`) ?? 0) + 1);
    }
  }
  return side;
}

function split(all: number[][], random: () => number): [SideCounts, SideCounts] {
  const a: number[][] = [];
  const b: number[][] = [];
  for (const session of all) (random() < 0.5 ? a : b).push(session);
  return [tally(a), tally(b)];
}

describe("changes", () => {
  it("flags an element whose share doubled between two builds, and no other", () => {
    const random = mulberry32(7);
    const doubled = [...SHARES];
    doubled[3] = (SHARES[3] as number) * 2;
    const a = tally(sessions(random, 30, SHARES));
    const b = tally(sessions(random, 30, doubled));
    const found = changes(a, b);
    expect(found.elements.filter((e) => e.flagged).map((e) => e.s)).toEqual(["#e3"]);
    const e3 = found.elements.find((e) => e.s === "#e3");
    expect((e3?.shareB ?? 0) / (e3?.shareA ?? 1)).toBeGreaterThan(1.5);
    expect(found.test).toMatchObject({ alpha: 0.05, tested: 12, flagged: 1 });
  });

  it("20 splits of identical traffic flag no more comparisons than α allows; without the dispersion adjustment they would", () => {
    const random = mulberry32(11);
    let withAny = 0;
    let naive = 0;
    for (let i = 0; i < 20; i++) {
      const [a, b] = split(sessions(random, 40, SHARES), random);
      const found = changes(a, b);
      if (found.test.flagged > 0) withAny++;
      expect(found.test.dispersion).toBeGreaterThan(1);
      // The same test with z not scaled down: what treating every sample as independent flags.
      const m = found.test.tested;
      const unadjusted = found.elements.filter(
        (e) => e.tested && twoSidedP(e.z * Math.sqrt(found.test.dispersion)) * m < 0.05,
      );
      if (unadjusted.length > 0) naive++;
    }
    // At α = 0.05 a split flags anything with probability at most 0.05: under the binomial, 20 splits
    // flag 3 or more with probability 0.075, so 2 is the most this fixed seed may show.
    console.log(`splits of identical traffic flagging any element: ${withAny} of 20; unadjusted: ${naive} of 20`);
    expect(withAny).toBeLessThanOrEqual(2);
    expect(naive).toBeGreaterThan(5);
  });

  it("tests nothing below the minimum count, and nothing when a side is empty", () => {
    const one: SideCounts = { total: 4, elements: new Map([["#a", 4]]), tiles: new Map(), fixed: new Map() };
    const none: SideCounts = { total: 0, elements: new Map(), tiles: new Map(), fixed: new Map() };
    expect(changes(one, one).test.tested).toBe(0);
    const big: SideCounts = { total: 100, elements: new Map([["#a", 100]]), tiles: new Map(), fixed: new Map() };
    const found = changes(big, none);
    expect(found.test.tested).toBe(0);
    expect(found.elements).toMatchObject([{ s: "#a", a: 100, b: 0, shareA: 1, shareB: 0, flagged: false }]);
  });
});

describe("parseCompareSet", () => {
  it("reads the four kinds and refuses anything else with the rule", () => {
    expect(parseCompareSet("all")).toEqual({ kind: "all" });
    expect(parseCompareSet("build:1.4.2")).toEqual({ kind: "build", label: "1.4.2" });
    expect(parseCompareSet("tester:Ana K")).toEqual({ kind: "tester", label: "Ana K" });
    expect(parseCompareSet("rest:ana:x")).toEqual({ kind: "rest", label: "ana:x" });
    expect(parseCompareSet("everyone")).toMatch(/a set is all, build/);
    expect(parseCompareSet("build:")).toMatch(/^build: /);
    expect(parseCompareSet("tester:a\u0001")).toMatch(/control characters/);
  });
});

describe("twoSidedP", () => {
  it("matches the normal distribution's tails", () => {
    expect(twoSidedP(0)).toBeCloseTo(1, 6);
    expect(twoSidedP(1.959964)).toBeCloseTo(0.05, 5);
    expect(twoSidedP(-3.290527)).toBeCloseTo(0.001, 6);
  });
});
