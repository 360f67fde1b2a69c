/**
 * Comparing two sets of a page's points: two time ranges, two builds, or one
 * tester against the rest (protocol/tags.ts). Each side is normalised by its
 * own total, so a side with twice the traffic does not look twice as hot: a
 * tile's or element's difference is its share in B minus its share in A.
 *
 * Which elements changed beyond chance: for each element with at least
 * `minCount` points on both sides together, a two-proportion z-test of its
 * share in A against B (pooled). Cursor samples are not independent (a cursor
 * resting on an element gives several samples a second), so z² is divided by
 * a dispersion factor estimated from the data itself, the median z² of every
 * tested element and tile over the median of χ²(1) (0.455), at least 1
 * ("genomic control"). The p-values are then corrected for the number of
 * elements tested with Holm's method, and an element is flagged when its
 * corrected p-value is below `alpha` (default 0.05): with identical traffic on
 * both sides, at most `alpha` of comparisons flag any element.
 */
import { z } from "zod";
import { tagLabel } from "./tags";
import { Grid } from "./wire";

/** One side of a comparison: every point, one build's, one tester's, or every tester's but one. */
export type CompareSet =
  | { kind: "all" }
  | { kind: "build"; label: string }
  | { kind: "tester"; label: string }
  | { kind: "rest"; label: string };

export const COMPARE_SET_RULE = "a set is all, build:<label>, tester:<name> or rest:<name>";

/** Reads `all`, `build:<label>`, `tester:<name>` or `rest:<name>`; a string says why it is refused. */
export function parseCompareSet(text: string): CompareSet | string {
  if (text === "all") return { kind: "all" };
  const colon = text.indexOf(":");
  const kind = text.slice(0, colon);
  if (colon < 0 || (kind !== "build" && kind !== "tester" && kind !== "rest")) return COMPARE_SET_RULE;
  const label = tagLabel.safeParse(text.slice(colon + 1));
  if (!label.success) return `${kind}: ${label.error.issues[0]?.message ?? "bad label"}`;
  return { kind, label: label.data };
}

export function formatCompareSet(set: CompareSet): string {
  return set.kind === "all" ? "all" : `${set.kind}:${set.label}`;
}

/** What a side is tallied from: its elements (anchor selector → count) and its tiles (`col,row` of a layer → count). */
export interface SideCounts {
  total: number;
  elements: Map<string, number>;
  /** Document-layer tiles, key `col,row`. */
  tiles: Map<string, number>;
  /** Fixed-layer tiles, key `col,row`. */
  fixed: Map<string, number>;
}

export interface CompareOptions {
  /** Family-wise false-positive rate of the element flags. */
  alpha: number;
  /** Fewest points (both sides together) for an element or tile to be tested. */
  minCount: number;
}

export const DEFAULT_COMPARE: CompareOptions = { alpha: 0.05, minCount: 10 };

/** The median of the χ² distribution with one degree of freedom. */
const CHI2_1_MEDIAN = 0.4549364231195724;

export const ElementChange = z.object({
  s: z.string(),
  /** Counts in A and B. */
  a: z.number().int(),
  b: z.number().int(),
  /** Shares of each side's total, 0–1. */
  shareA: z.number(),
  shareB: z.number(),
  /** z of the change in share, after the dispersion adjustment; 0 when not tested. */
  z: z.number(),
  /** Holm-corrected two-sided p-value; 1 when not tested. */
  p: z.number(),
  tested: z.boolean(),
  flagged: z.boolean(),
});
export type ElementChange = z.infer<typeof ElementChange>;

export const CompareTest = z.object({
  name: z.string(),
  alpha: z.number(),
  minCount: z.number().int(),
  /** The dispersion factor z² was divided by (≥ 1). */
  dispersion: z.number(),
  /** Elements tested (the Holm family). */
  tested: z.number().int(),
  flagged: z.number().int(),
});
export type CompareTest = z.infer<typeof CompareTest>;

export const TEST_NAME = "two-proportion z-test per element, dispersion-adjusted (median z²), Holm-corrected";

export interface Changes {
  test: CompareTest;
  /** Every element of either side: flagged first, then by |z|, then by count. */
  elements: ElementChange[];
}

/** Two-sided p-value of a standard normal z. */
export function twoSidedP(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

/** The complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? y : 2 - y;
}

/** z of the change from a/totalA to b/totalB, pooled; 0 when either total is 0 or the pooled share is 0 or 1. */
function zOf(a: number, totalA: number, b: number, totalB: number): number {
  if (totalA === 0 || totalB === 0) return 0;
  const pooled = (a + b) / (totalA + totalB);
  const variance = pooled * (1 - pooled) * (1 / totalA + 1 / totalB);
  return variance > 0 ? (b / totalB - a / totalA) / Math.sqrt(variance) : 0;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The elements whose share changed from A to B, tested as the module says. */
export function changes(a: SideCounts, b: SideCounts, options: CompareOptions = DEFAULT_COMPARE): Changes {
  const squares: number[] = [];
  const tileZ = (from: Map<string, number>, to: Map<string, number>) => {
    for (const id of new Set([...from.keys(), ...to.keys()])) {
      const x = from.get(id) ?? 0;
      const y = to.get(id) ?? 0;
      if (x + y >= options.minCount) squares.push(zOf(x, a.total, y, b.total) ** 2);
    }
  };
  tileZ(a.tiles, b.tiles);
  tileZ(a.fixed, b.fixed);

  const raw = [...new Set([...a.elements.keys(), ...b.elements.keys()])].map((s) => {
    const x = a.elements.get(s) ?? 0;
    const y = b.elements.get(s) ?? 0;
    const tested = x + y >= options.minCount && a.total > 0 && b.total > 0;
    const z = tested ? zOf(x, a.total, y, b.total) : 0;
    if (tested) squares.push(z * z);
    return { s, a: x, b: y, tested, z };
  });
  const dispersion = Math.max(1, median(squares) / CHI2_1_MEDIAN);
  const scale = Math.sqrt(dispersion);

  const elements: ElementChange[] = raw.map(({ s, a: x, b: y, tested, z }) => ({
    s,
    a: x,
    b: y,
    shareA: a.total > 0 ? x / a.total : 0,
    shareB: b.total > 0 ? y / b.total : 0,
    z: z / scale,
    p: tested ? twoSidedP(z / scale) : 1,
    tested,
    flagged: false,
  }));
  // Holm: the i-th smallest of m p-values is compared with alpha / (m - i), stopping at the first that fails;
  // the corrected p-values are made monotone so that each can be read against alpha directly.
  const tested = elements.filter((e) => e.tested).sort((x, y) => x.p - y.p);
  const m = tested.length;
  let running = 0;
  tested.forEach((e, i) => {
    running = Math.max(running, Math.min(1, e.p * (m - i)));
    e.p = running;
    e.flagged = running < options.alpha;
  });
  const flagged = tested.filter((e) => e.flagged).length;
  elements.sort(
    (x, y) => Number(y.flagged) - Number(x.flagged) || Math.abs(y.z) - Math.abs(x.z) || y.a + y.b - (x.a + x.b),
  );
  return {
    test: { name: TEST_NAME, alpha: options.alpha, minCount: options.minCount, dispersion, tested: m, flagged },
    elements,
  };
}

/** Which points are compared: every point, or clicks alone (elements only: tiles always compare every point). */
export type CompareLayer = "points" | "clicks";

/** A side's counts from its grid: elements from its anchors, tiles from its page grid. */
export function sideCountsOf(grid: Grid, layer: CompareLayer = "points"): SideCounts {
  const tiles = new Map<string, number>();
  const fixed = new Map<string, number>();
  for (const [into, cells] of [
    [tiles, grid.cells],
    [fixed, grid.fixed],
  ] as const) {
    for (let i = 0; i < cells.length; i += 3) into.set(`${cells[i]},${cells[i + 1]}`, cells[i + 2] as number);
  }
  const elements = new Map<string, number>();
  for (const anchor of grid.anchors) {
    elements.set(anchor.s, layer === "clicks" ? anchor.clicks : anchor.moves + anchor.clicks);
  }
  return { total: layer === "clicks" ? grid.clicks : grid.total, elements, tiles, fixed };
}

/**
 * Per tile, B's share minus A's: flat triples `[col, row, diff]`, diff in
 * 1/10 000 of a side's total (positive: hotter in B), document layer then fixed.
 */
export function tileDifferences(a: Grid, b: Grid): { cells: number[]; fixed: number[]; max: number } {
  let max = 0;
  const layer = (x: number[], y: number[]): number[] => {
    const shares = new Map<string, [number, number]>();
    for (const [cells, total, side] of [
      [x, a.total, 0],
      [y, b.total, 1],
    ] as const) {
      for (let i = 0; i < cells.length; i += 3) {
        const id = `${cells[i]},${cells[i + 1]}`;
        const pair = shares.get(id) ?? [0, 0];
        pair[side] = total > 0 ? (cells[i + 2] as number) / total : 0;
        shares.set(id, pair);
      }
    }
    const out: number[] = [];
    for (const [id, [sa, sb]] of shares) {
      const diff = Math.round((sb - sa) * 10_000);
      if (diff === 0) continue;
      const [col, row] = id.split(",").map(Number) as [number, number];
      out.push(col, row, diff);
      max = Math.max(max, Math.abs(diff));
    }
    return out;
  };
  return { cells: layer(a.cells, b.cells), fixed: layer(a.fixed, b.fixed), max };
}

export const CompareSide = z.object({
  /** The set as asked for (`all`, `build:…`, `tester:…`, `rest:…`). */
  set: z.string(),
  /** The range it was read from, ms since the epoch: [from, to). */
  from: z.number(),
  to: z.number(),
  /** Its points as a grid, as `/api/heatmap` gives a range. */
  grid: Grid,
});
export type CompareSide = z.infer<typeof CompareSide>;

/** `GET /api/compare`: both sides, the test and every element's change. */
export const Comparison = z.object({
  type: z.literal("comparison"),
  layer: z.enum(["points", "clicks"]),
  a: CompareSide,
  b: CompareSide,
  test: CompareTest,
  elements: z.array(ElementChange),
});
export type Comparison = z.infer<typeof Comparison>;

/** `GET /api/tags`: the builds and testers a page has points from in a range, the newest first. */
export const PageTags = z.object({
  builds: z.array(z.object({ label: z.string(), points: z.number().int(), first: z.number(), last: z.number() })),
  testers: z.array(z.object({ label: z.string(), points: z.number().int(), first: z.number(), last: z.number() })),
});
export type PageTags = z.infer<typeof PageTags>;
