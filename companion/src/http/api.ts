/**
 * The companion's HTTP API: health, its grid facts, live pages, the testers
 * connected, a page's current or past grid, pages' coverage of controls and
 * their rage, dead and error clicks.
 * Read-only; every bad request gets a JSON error with a code and a reason.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AnchorHeat } from "../../../protocol/anchor";
import { coverageOf } from "../../../protocol/coverage";
import {
  bandChoicesReason,
  bandFor,
  columnChoicesReason,
  type WidthBand,
  windowChoicesReason,
} from "../../../protocol/grid";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import { makeKey, normaliseOrigin, ORIGIN_RULE, splitKey } from "../../../protocol/page-key";
import { pageKeyPath, sentPath } from "../../../protocol/page-path";
import { parseIsoTime, parseWholeNumber } from "../../../protocol/share-link";
import { signalName } from "../../../protocol/signals";
import { layoutWidth } from "../../../protocol/subscription";
import { ErrorCode, type Grid, type GridFacts } from "../../../protocol/wire";
import { refuse } from "../gateway/refuse";
import type { EventStore } from "../store/event-store";
import { regrid } from "../window/regrid";
import { pageCounts, sideCountsByKey } from "../window/side-heat";
import type { LivePage, WindowStage } from "../window/window-stage";
import { compare, setGrid, tagSetOf, tags } from "./compare";

export interface ApiDeps {
  /** What the team dashboard shows besides the pages: who is connected and the intake. */
  team: () => { clients: object[]; pointsPerSecond: number };
  windows: WindowStage;
  /** A key's grid in a served window now: this companion's, or in a cluster its owner's. */
  liveGrid(key: string, windowIndex: number): Promise<Grid>;
  /** The live pages: this companion's, or in a cluster every owner's. */
  livePages(): Promise<LivePage[]>;
  store: EventStore;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
  stats: () => object;
  /** Named in `/healthz`, so that a client tells a companion from another server at its address. */
  serverName: string;
  tokensRequired: () => boolean;
  /** The welcome's grid facts, for clients that do not hold a websocket (the dashboard). */
  config: GridFacts;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(data);
}

export function badRequest(res: ServerResponse, reason: string): void {
  refuse(res, ErrorCode.schema, reason);
}

/** Handles `/healthz` and `/api/*`; returns false for any other path. */
export function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps): boolean {
  if (url.pathname === "/healthz") {
    const failure = deps.store.failure;
    const about = { server: deps.serverName, tokens: deps.tokensRequired() };
    if (failure) {
      refuse(res, ErrorCode.storage, `storage failing: ${failure.code}: ${failure.message}`, { ok: false, ...about });
    } else sendJson(res, 200, { ok: true, ...about });
    return true;
  }
  if (!url.pathname.startsWith("/api/")) return false;
  if (req.method !== "GET") {
    refuse(res, ErrorCode.method, "only GET is served");
    return true;
  }
  switch (url.pathname) {
    case "/api/pages":
      deps.livePages().then(
        (pages) => sendJson(res, 200, { pages }),
        (error: Error) => refuse(res, ErrorCode.cluster, error.message),
      );
      return true;
    case "/api/team":
      deps.livePages().then(
        (pages) => sendJson(res, 200, { ...deps.team(), pages }),
        (error: Error) => refuse(res, ErrorCode.cluster, error.message),
      );
      return true;
    case "/api/testers":
      sendJson(res, 200, { testers: deps.team().clients });
      return true;
    case "/api/config":
      sendJson(res, 200, deps.config);
      return true;
    case "/api/stats":
      sendJson(res, 200, deps.stats());
      return true;
    case "/api/coverage":
      coverage(res, url, deps);
      return true;
    case "/api/signals":
      signals(res, url, deps);
      return true;
    case "/api/tags":
      tags(res, url, deps);
      return true;
    case "/api/compare":
      compare(res, url, deps);
      return true;
    case "/api/heatmap":
      heatmap(res, url, deps).catch((error: Error) =>
        refuse(res, ErrorCode.cluster, `this page's windows are not reachable now: ${error.message}`),
      );
      return true;
    default:
      refuse(res, ErrorCode.notFound, `no API at ${url.pathname}`);
      return true;
  }
}

/** The page key a request names (`origin` and `path` or `url`; `width` or `band`, else the page's busiest band), or why it is refused. */
export function pageKeyOf(params: URLSearchParams, deps: ApiDeps, windowIndex: number): string | { refused: string } {
  const page = pageOf(params);
  if (typeof page === "string") return { refused: page };
  const normalised = deps.normalise(page.path);
  let band: string;
  const width = params.get("width");
  const bandParam = params.get("band");
  if (width !== null) {
    const w = parseWholeNumber(width);
    if (!layoutWidth.safeParse(w).success) return { refused: "width must be a whole number of CSS px, 1 to 100000" };
    band = bandFor(w, deps.bands).id;
  } else if (bandParam !== null) {
    if (!deps.bands.some((b) => b.id === bandParam)) {
      return { refused: bandChoicesReason(deps.bands) };
    }
    band = bandParam;
  } else {
    // Without a width, the band where this page has the most points.
    band = busiestBand(deps, page.origin, normalised, Math.max(0, windowIndex));
  }
  return makeKey(band, page.origin, normalised);
}

/** The columns asked for (`cols`, a divisor of the companion's), else the companion's; null when refused. */
export function colsOf(params: URLSearchParams, deps: ApiDeps): number | null {
  const colsParam = params.get("cols");
  const cols = colsParam === null ? deps.windows.cols : parseWholeNumber(colsParam);
  return Number.isInteger(cols) && cols >= 1 && deps.windows.cols % cols === 0 ? cols : null;
}

interface RequestTime {
  /** `from` and `to`, when given. */
  range: { from: number; to: number } | null;
  /** `window` (ms, one of the companion's), else its default; with a range, the default when `window` is bad. */
  windowMs: number;
  windowIndex: number;
}

/** The time a request asks for: a range, or a window (the default window when absent); a string says why it is refused. */
function timeOf(params: URLSearchParams, deps: ApiDeps): RequestTime | string {
  const range = rangeOf(params);
  if (typeof range === "string") return range;
  const windowParam = params.get("window");
  const windowMs = windowParam === null ? deps.config.defaultWindowMs : parseWholeNumber(windowParam);
  const windowIndex = deps.windows.windowsMs.indexOf(windowMs);
  if (windowIndex !== -1) return { range, windowMs, windowIndex };
  if (range) return { range, windowMs: deps.config.defaultWindowMs, windowIndex: 0 };
  return windowChoicesReason(deps.windows.windowsMs);
}

async function heatmap(res: ServerResponse, url: URL, deps: ApiDeps): Promise<void> {
  const params = url.searchParams;
  const time = timeOf(params, deps);
  if (typeof time === "string") return badRequest(res, time);
  const { windowMs, windowIndex } = time;
  const { range } = time;
  const key = pageKeyOf(params, deps, windowIndex);
  if (typeof key !== "string") return badRequest(res, key.refused);
  const cols = colsOf(params, deps);
  if (cols === null) return refuse(res, ErrorCode.cols, columnChoicesReason(deps.windows.cols));
  const tag = tagSetOf(params);
  if (typeof tag === "string") return badRequest(res, tag);
  if (tag) {
    // One tester's or build's heat is read from the history: the last window of it unless a range is given.
    if (range) return sendGrid(res, url, regrid(setGrid(deps, key, tag, range), cols));
    const now = Date.now();
    const grid = setGrid(deps, key, tag, { from: now - windowMs, to: now + 1 });
    return sendGrid(res, url, regrid({ ...grid, windowMs }, cols));
  }
  if (!range) return sendGrid(res, url, regrid(await deps.liveGrid(key, windowIndex), cols));
  const { cells, side } = pageCounts(
    deps.store.range(key, range.from, range.to),
    deps.store.sideRange(key, range.from, range.to),
  );
  const full = {
    ...deps.windows.gridOf(key, cells, range.from, range.to, side),
    signals: deps.store
      .signalCounts(range.from, range.to)
      .filter((signal) => signal.key === key)
      .map(({ selector, kind, count, testers, first, last }) => ({
        s: selector,
        kind: signalName(kind),
        count,
        testers,
        first,
        last,
      })),
  };
  sendGrid(res, url, regrid(full, cols));
}

/** A grid as the request's `format` asks: JSON (the default) or CSV. */
function sendGrid(res: ServerResponse, url: URL, grid: Grid): void {
  const format = url.searchParams.get("format") ?? "json";
  if (format === "json") return sendJson(res, 200, grid);
  if (format !== "csv") return badRequest(res, "format must be json or csv");
  res.writeHead(200, { "content-type": "text/csv; charset=utf-8", "cache-control": "no-store" });
  res.end(gridCsv(grid));
}

/**
 * Coverage of every page with a controls inventory (or of one page, given
 * `origin` and `path`), per width band: its controls clicked, hovered only
 * and untouched in the window (`window`, ms) or range (`from`, `to`), lowest
 * share clicked first, with the untouched and hovered-only ones by selector,
 * and those not known to be either where the heat lacks some element's.
 * A control's heat is its anchors' from every band (protocol/coverage.ts).
 */
function coverage(res: ServerResponse, url: URL, deps: ApiDeps): void {
  const params = url.searchParams;
  const only = onlyPage(params, deps);
  if (typeof only === "string") return badRequest(res, only);
  const time = timeOf(params, deps);
  if (typeof time === "string") return badRequest(res, time);
  const { range, windowMs, windowIndex } = time;

  const anchorsOf = new Map<string, { anchors: AnchorHeat[]; lacking: boolean }>();
  /** A page's anchors over every band, as the overlay sums them, and whether they lack some element's heat. */
  const pageAnchors = (origin: string, path: string): { anchors: AnchorHeat[]; lacking: boolean } => {
    const id = `${origin}${path}`;
    let found = anchorsOf.get(id);
    if (found) return found;
    const grids = deps.bands.map((band) => {
      const key = makeKey(band.id, origin, path);
      if (!range) return deps.windows.snapshot(key, windowIndex);
      const side = sideCountsByKey(deps.store.sideRange(key, range.from, range.to));
      return deps.windows.gridOf(key, new Map(), range.from, range.to, side);
    });
    found = {
      anchors: grids.flatMap((grid) => grid.anchors),
      lacking: grids.some((grid) => grid.evictedAnchors > 0),
    };
    anchorsOf.set(id, found);
    return found;
  };
  const pages = deps.store
    .controls()
    .map(({ key, selectors, cut, at }) => ({ ...splitKey(key), selectors, cut, at }))
    .filter((page) => !only || (page.origin === only.origin && page.path === only.path))
    .map(({ origin, path, band, selectors, cut, at }) => {
      const { anchors, lacking } = pageAnchors(origin, path);
      const covered = coverageOf(selectors, anchors, lacking);
      const n = covered.controls.length;
      const named = (state: string) => covered.controls.filter((c) => c.state === state).map((c) => c.s);
      return {
        origin,
        path,
        band,
        controls: n,
        clicked: covered.clicked,
        hovered: covered.hovered,
        untouched: covered.untouched,
        unknown: covered.unknown,
        share: n > 0 ? covered.clicked / n : 0,
        cut,
        updatedAt: at,
        untouchedControls: named("untouched"),
        hoveredControls: named("hovered"),
        unknownControls: named("unknown"),
      };
    })
    .sort((a, b) => a.share - b.share || a.origin.localeCompare(b.origin) || a.path.localeCompare(b.path));
  sendJson(res, 200, range ? { range, pages } : { windowMs, pages });
}

/**
 * Rage, dead and error clicks of every page (or of one page, given `origin`
 * and `path`, every band) in the range `from`–`to`, or else in the last
 * `window` ms (the default window): per page, band, element and kind, their
 * count, how many testers made them and the first and last time, the latest first,
 * and the steps (the clicks before it) of the latest of them.
 */
function signals(res: ServerResponse, url: URL, deps: ApiDeps): void {
  const params = url.searchParams;
  const only = onlyPage(params, deps);
  if (typeof only === "string") return badRequest(res, only);
  const time = timeOf(params, deps);
  if (typeof time === "string") return badRequest(res, time);
  const { range, windowMs } = time;
  const now = Date.now();
  const { from, to } = range ?? { from: now - windowMs, to: now + 1 };
  const list = deps.store
    .signalCounts(from, to)
    .map(({ key, selector, kind, count, testers, first, last, steps }) => {
      const { origin, path, band } = splitKey(key);
      return { origin, path, band, selector, kind: signalName(kind), count, testers, first, last, steps };
    })
    .filter((signal) => !only || (signal.origin === only.origin && signal.path === only.path));
  sendJson(res, 200, range ? { range, signals: list } : { windowMs, signals: list });
}

/**
 * One line per tile: the site, page, band and window or range it belongs to
 * (the same on every line, so that files can be concatenated), then layer
 * (document or fixed), column, row, count.
 */
export function gridCsv(grid: Grid): string {
  const lines = ["origin,path,band,window_ms,start,end,layer,col,row,count"];
  const page = [grid.origin, grid.path, grid.band.id, grid.windowMs, grid.start, grid.end].map(csvField).join(",");
  for (const [layer, cells] of [
    ["document", grid.cells],
    ["fixed", grid.fixed],
  ] as const) {
    for (let i = 0; i < cells.length; i += 3)
      lines.push(`${page},${layer},${cells[i]},${cells[i + 1]},${cells[i + 2]}`);
  }
  return `${lines.join("\n")}\n`;
}

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The page asked for, its path as clients send it (to be normalised):
 * `origin` and `path`, a key's path as `/api/pages` lists it or a URL path
 * (page-path.ts, `sentPath`), or `url`, a full page URL, whose `#/…` and
 * `#!/…` fragments are routes as the extension keys them (other fragments
 * are taken for in-page anchors: the page is not read). The empty origin
 * (`origin=`) reaches points stored before pages were keyed by site.
 */
export function pageOf(params: URLSearchParams): { origin: string; path: string } | string {
  const url = params.get("url");
  if (url !== null) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return "url must be a full page URL, e.g. http://127.0.0.1:8787/demo/";
    }
    const origin = normaliseOrigin(parsed.origin);
    if (origin === null) return ORIGIN_RULE;
    // Every query parameter goes on: the normaliser keeps those of --keep-query.
    const names = [...new URLSearchParams(parsed.search).keys()];
    return { origin, path: pageKeyPath(parsed, () => true, names) };
  }
  const path = params.get("path");
  if (!path?.startsWith("/")) return "path is required and must start with / (or give url)";
  const given = params.get("origin");
  if (given === null) return "origin is required (the page's site, e.g. http://127.0.0.1:8787), or give url";
  if (given === "") return { origin: "", path: sentPath(path) };
  const origin = normaliseOrigin(given);
  return origin === null ? ORIGIN_RULE : { origin, path: sentPath(path) };
}

/** The one page asked for by `origin` and `path` (or `url`), its path normalised; null for every page, or why it is refused. */
function onlyPage(params: URLSearchParams, deps: ApiDeps): { origin: string; path: string } | null | string {
  if (!params.has("origin") && !params.has("path") && !params.has("url")) return null;
  const page = pageOf(params);
  if (typeof page === "string") return page;
  return { origin: page.origin, path: deps.normalise(page.path) };
}

/** The range `from`–`to` asked for (to defaults to now), null when neither is given, or why it is refused. */
export function rangeOf(params: URLSearchParams): { from: number; to: number } | null | string {
  const from = params.get("from");
  const to = params.get("to");
  if (from === null && to === null) return null;
  const start = parseTime(from);
  const end = to === null ? Date.now() : parseTime(to);
  if (start === null || end === null || end <= start) {
    return "from and to are times (ms since the epoch or ISO 8601), from before to";
  }
  return { from: start, to: end };
}

function parseTime(text: string | null): number | null {
  if (text === null || text === "") return null;
  const whole = parseWholeNumber(text);
  const n = Number.isNaN(whole) ? parseIsoTime(text) : whole;
  return Number.isFinite(n) ? n : null;
}

function busiestBand(deps: ApiDeps, origin: string, path: string, windowIndex: number): string {
  let best = bandFor(1280, deps.bands).id;
  let bestTotal = 0;
  for (const band of deps.bands) {
    const total = deps.windows.total(makeKey(band.id, origin, path), windowIndex);
    if (total > bestTotal) {
      best = band.id;
      bestTotal = total;
    }
  }
  return best;
}
