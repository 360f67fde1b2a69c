/**
 * Tagged sets of a page's points (protocol/tags.ts) and comparing two sets
 * (protocol/compare.ts): `GET /api/tags`, `GET /api/compare`, and the grid of
 * one set that `/api/heatmap?tester=` or `?build=` serves. Every set is read
 * from the history, as a range.
 */
import type { ServerResponse } from "node:http";
import {
  type CompareLayer,
  type CompareSet,
  changes,
  formatCompareSet,
  parseCompareSet,
  sideCountsOf,
} from "../../../protocol/compare";
import { columnChoicesReason } from "../../../protocol/grid";
import { taggedKey, tagLabel } from "../../../protocol/tags";
import { ErrorCode, type Grid } from "../../../protocol/wire";
import { refuse } from "../gateway/refuse";
import { regrid } from "../window/regrid";
import { pageCounts, type SideCounts } from "../window/side-heat";
import { type ApiDeps, badRequest, colsOf, pageKeyOf, rangeOf, sendJson } from "./api";

interface Range {
  from: number;
  to: number;
}

/** `tester=<name>` or `build=<label>` of a heatmap request: the set it names, null for every point, or why it is refused. */
export function tagSetOf(params: URLSearchParams): CompareSet | null | string {
  const tester = params.get("tester");
  const build = params.get("build");
  if (tester !== null && build !== null) return "give tester or build, not both";
  const label = tester ?? build;
  if (label === null) return null;
  const parsed = tagLabel.safeParse(label);
  if (!parsed.success) return `${tester !== null ? "tester" : "build"}: ${parsed.error.issues[0]?.message}`;
  return { kind: tester !== null ? "tester" : "build", label: parsed.data };
}

interface Counts {
  cells: Map<number, number>;
  side: SideCounts;
}

function read(deps: ApiDeps, key: string, { from, to }: Range): Counts {
  return pageCounts(deps.store.range(key, from, to), deps.store.sideRange(key, from, to));
}

function minus(all: Map<number, number>, part: ReadonlyMap<number, number>): Map<number, number> {
  const out = new Map(all);
  for (const [cell, n] of part) {
    const left = (out.get(cell) ?? 0) - n;
    if (left > 0) out.set(cell, left);
    else out.delete(cell);
  }
  return out;
}

/** Every point of `all` that is not in `part` (a tester's points are a part of the page's). */
function without(all: Counts, part: Counts): Counts {
  const anchors = new Map<string, Map<number, number>>();
  for (const [s, cells] of all.side.anchors) {
    const left = minus(cells, part.side.anchors.get(s) ?? new Map());
    if (left.size > 0) anchors.set(s, left);
  }
  return {
    cells: minus(all.cells, part.cells),
    side: {
      anchors,
      loose: minus(all.side.loose, part.side.loose),
      scroll: minus(all.side.scroll, part.side.scroll),
      strayClicks: 0,
    },
  };
}

/** The grid of one set of page `pageKey`'s points in a range. */
export function setGrid(deps: ApiDeps, pageKey: string, set: CompareSet, range: Range): Grid {
  let counts: Counts;
  if (set.kind === "all") counts = read(deps, pageKey, range);
  else if (set.kind === "rest")
    counts = without(read(deps, pageKey, range), read(deps, taggedKey(pageKey, "tester", set.label), range));
  else counts = read(deps, taggedKey(pageKey, set.kind, set.label), range);
  return deps.windows.gridOf(pageKey, counts.cells, range.from, range.to, counts.side);
}

/** A range given as `<prefix>From` and `<prefix>To`, else `from` and `to`, else everything kept. */
function sideRange(params: URLSearchParams, prefix: string, common: Range): Range | string {
  const own = new URLSearchParams();
  const from = params.get(`${prefix}From`);
  const to = params.get(`${prefix}To`);
  if (from === null && to === null) return common;
  if (from !== null) own.set("from", from);
  if (to !== null) own.set("to", to);
  const range = rangeOf(own);
  if (typeof range === "string") return `${prefix}From and ${prefix}To: ${range}`;
  return range ?? common;
}

/** A number parameter within bounds, else its default; a string says why it is refused. */
function numberParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number) {
  const text = params.get(name);
  if (text === null) return fallback;
  const n = Number(text);
  return text !== "" && Number.isFinite(n) && n >= min && n <= max
    ? n
    : `${name} must be a number from ${min} to ${max}`;
}

/**
 * `GET /api/compare`: sets `a` and `b` of a page (protocol/compare.ts), each
 * in its range, as two grids, the difference test and each element's change.
 */
export function compare(res: ServerResponse, url: URL, deps: ApiDeps): void {
  const params = url.searchParams;
  const key = pageKeyOf(params, deps, 0);
  if (typeof key !== "string") return badRequest(res, key.refused);
  const cols = colsOf(params, deps);
  if (cols === null) return refuse(res, ErrorCode.cols, columnChoicesReason(deps.windows.cols));
  const common = rangeOf(params);
  if (typeof common === "string") return badRequest(res, common);
  const everything = { from: 0, to: Date.now() + 1 };
  const layer = params.get("layer") ?? "points";
  if (layer !== "points" && layer !== "clicks") return badRequest(res, "layer must be points or clicks");
  const alpha = numberParam(params, "alpha", 0.05, 1e-6, 0.5);
  if (typeof alpha === "string") return badRequest(res, alpha);
  const minCount = numberParam(params, "min", 10, 1, 1e9);
  if (typeof minCount === "string") return badRequest(res, minCount);

  const sides = [];
  for (const name of ["a", "b"] as const) {
    const text = params.get(name);
    if (text === null) return badRequest(res, `${name} is required: all, build:<label>, tester:<name> or rest:<name>`);
    const set = parseCompareSet(text);
    if (typeof set === "string") return badRequest(res, `${name}: ${set}`);
    const range = sideRange(params, name, common ?? everything);
    if (typeof range === "string") return badRequest(res, range);
    sides.push({ set: formatCompareSet(set), ...range, grid: regrid(setGrid(deps, key, set, range), cols) });
  }
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  const found = changes(sideCountsOf(a.grid, layer as CompareLayer), sideCountsOf(b.grid, layer as CompareLayer), {
    alpha,
    minCount: Math.round(minCount),
  });
  sendJson(res, 200, { type: "comparison", layer, a, b, test: found.test, elements: found.elements });
}

/** `GET /api/tags`: the builds and testers a page (in a band) has points from, in a range or in all history kept. */
export function tags(res: ServerResponse, url: URL, deps: ApiDeps): void {
  const params = url.searchParams;
  const key = pageKeyOf(params, deps, 0);
  if (typeof key !== "string") return badRequest(res, key.refused);
  const range = rangeOf(params);
  if (typeof range === "string") return badRequest(res, range);
  const { from, to } = range ?? { from: 0, to: Date.now() + 1 };
  const found = deps.store.tags(key, from, to);
  const of = (kind: string) =>
    found.filter((t) => t.kind === kind).map(({ label, points, first, last }) => ({ label, points, first, last }));
  sendJson(res, 200, { builds: of("build"), testers: of("tester") });
}
