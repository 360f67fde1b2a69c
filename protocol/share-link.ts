/**
 * A share link: one heatmap view as a URL on the companion,
 * `<companion>/share?origin=…&path=…&band=…&window=…` (or `from` and `to`,
 * ISO 8601, for a history range), with `layer=fixed`, `points` and `mode`
 * when the view has them, `tester` for one tester's heat alone, and `a`, `b`
 * (sets as protocol/compare.ts writes them) with `aTime`, `bTime` (`all`, or
 * `<from>/<to>` in ISO 8601; absent, the side spans the link's own time) for
 * a comparison. The query's names are the dashboard's own, so the
 * companion shows the same view by handing the query to the dashboard, and
 * the extension opens the page itself with its overlay at that view. Never a
 * token: the viewer's own applies wherever the link is opened.
 */
import { type CompareSet, formatCompareSet, parseCompareSet } from "./compare";
import { isCanonicalOrigin, MAX_PATH_LENGTH } from "./page-key";
import { tagLabel } from "./tags";
import { ErrorCode } from "./wire";

export const SHARE_PATH = "/share";

export const SHARE_MODES = ["elements", "tiles", "smooth"] as const;
export const SHARE_POINTS = ["moves", "clicks", "both"] as const;

export type ShareTime = { kind: "window"; ms: number } | { kind: "range"; from: number; to: number };

export interface ShareView {
  origin: string;
  /** Starts with `/`. */
  path: string;
  /** A width band id; null lets the viewer's own band (or the busiest) apply. */
  band: string | null;
  time: ShareTime;
  /** `fixed`: the points over fixed and sticky elements (the dashboard's layer). */
  layer: "document" | "fixed";
  /** The overlay's points (moves, clicks or both); null keeps the viewer's choice. */
  points: (typeof SHARE_POINTS)[number] | null;
  /** The overlay's mode; null keeps the viewer's choice. */
  mode: (typeof SHARE_MODES)[number] | null;
  /** One tester's heat alone. */
  tester?: string;
  /** A comparison painted instead of the heat. */
  compare?: ShareCompare;
}

/** What one side of a linked comparison spans: everything kept, or a fixed range (ms since the epoch). */
export type ShareSpan = { kind: "all" } | { kind: "range"; from: number; to: number };

/** A linked comparison: B against A, each side over its own span, or (null) the link's time. */
export interface ShareCompare {
  a: CompareSet;
  b: CompareSet;
  aSpan: ShareSpan | null;
  bSpan: ShareSpan | null;
}

/** `all` or `<from>/<to>` (ISO 8601): a side's span as `aTime`/`bTime` write it. */
export function writeSpan(span: ShareSpan): string {
  return span.kind === "all" ? "all" : `${new Date(span.from).toISOString()}/${new Date(span.to).toISOString()}`;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * A whole number as a query parameter writes it: decimal digits alone, no
 * sign, exponent, hex, spaces or leading zero (`1e3`, `0x493E0` and `050` are
 * refused, where Number() reads them); NaN otherwise.
 */
export function parseWholeNumber(text: string): number {
  return /^(0|[1-9][0-9]{0,15})$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : Number.NaN;
}

/**
 * An ISO 8601 time as links and the API take it (a date, or a date and a
 * time to the minute, second or fraction, with `Z` or an offset), in ms since
 * the epoch; NaN for any other text, which `Date.parse` alone would read too
 * (`-1` as the year 2001, `1 2`, `0.5`).
 */
export function parseIsoTime(text: string): number {
  return ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
}

/** The span `writeSpan` wrote, or null for text that names none. */
export function readSpan(text: string): ShareSpan | null {
  if (text === "all") return { kind: "all" };
  const [from, to, extra] = text.split("/").map(parseIsoTime);
  if (extra !== undefined || !Number.isFinite(from) || !Number.isFinite(to) || (to as number) <= (from as number))
    return null;
  return { kind: "range", from: from as number, to: to as number };
}

export type ShareParse =
  | { ok: true; view: ShareView }
  | { ok: false; code: typeof ErrorCode.shareLink; reason: string };

/** The companion's HTTP base for its websocket URL: `ws://127.0.0.1:8787/ws` → `http://127.0.0.1:8787`. */
export function companionHttpBase(companionUrl: string): string {
  return new URL(companionUrl.replace(/^ws/, "http")).origin;
}

/** The query (without `?`) a view is written as; the dashboard reads the same names. */
export function shareQuery(view: ShareView): string {
  const params = new URLSearchParams({ origin: view.origin, path: view.path });
  if (view.band) params.set("band", view.band);
  if (view.time.kind === "window") params.set("window", String(view.time.ms));
  else {
    params.set("from", new Date(view.time.from).toISOString());
    params.set("to", new Date(view.time.to).toISOString());
  }
  if (view.layer === "fixed") params.set("layer", "fixed");
  if (view.points) params.set("points", view.points);
  if (view.mode) params.set("mode", view.mode);
  if (view.tester !== undefined) params.set("tester", view.tester);
  if (view.compare) {
    const { a, b, aSpan, bSpan } = view.compare;
    params.set("a", formatCompareSet(a));
    params.set("b", formatCompareSet(b));
    if (aSpan) params.set("aTime", writeSpan(aSpan));
    if (bSpan) params.set("bTime", writeSpan(bSpan));
  }
  return params.toString();
}

/** `${companion}/share?…` for the view; `companionBase` is the companion's HTTP (or websocket) URL. */
export function shareUrl(companionBase: string, view: ShareView): string {
  return `${companionHttpBase(companionBase)}${SHARE_PATH}?${shareQuery(view)}`;
}

/** The view a share link names, or why it names none. Accepts a full URL or just its query. */
export function parseShareUrl(url: string): ShareParse {
  let params: URLSearchParams;
  try {
    const parsed = new URL(url, "http://companion");
    if (parsed.pathname !== SHARE_PATH) return refuse(`a share link's path is ${SHARE_PATH}, not ${parsed.pathname}`);
    params = parsed.searchParams;
  } catch {
    return refuse("not a URL");
  }
  if (params.has("token")) return refuse("a share link carries no token: the viewer's own applies");
  const origin = params.get("origin");
  if (origin === null || !isCanonicalOrigin(origin))
    return refuse("origin must be a site's origin, e.g. https://shop.example");
  const path = params.get("path");
  if (path === null || !path.startsWith("/") || path.length > MAX_PATH_LENGTH)
    return refuse(`path must start with / and be at most ${MAX_PATH_LENGTH} characters`);
  const band = params.get("band");
  if (band !== null && !/^[a-z0-9-]{1,32}$/.test(band)) return refuse("band must be a width band id, e.g. desktop");
  const time = readTime(params);
  if (typeof time === "string") return refuse(time);
  const layer = params.get("layer") ?? "document";
  if (layer !== "document" && layer !== "fixed") return refuse("layer must be document or fixed");
  const points = params.get("points");
  if (points !== null && !(SHARE_POINTS as readonly string[]).includes(points))
    return refuse(`points must be one of ${SHARE_POINTS.join(", ")}`);
  const mode = params.get("mode");
  if (mode !== null && !(SHARE_MODES as readonly string[]).includes(mode))
    return refuse(`mode must be one of ${SHARE_MODES.join(", ")}`);
  const tester = params.get("tester");
  if (tester !== null && !tagLabel.safeParse(tester).success)
    return refuse("tester must be a tester's name: 1–64 characters, no control characters, no spaces at either end");
  const compare = readCompare(params);
  if (typeof compare === "string") return refuse(compare);
  return {
    ok: true,
    view: {
      origin,
      path,
      band,
      time,
      layer,
      points: points as ShareView["points"],
      mode: mode as ShareView["mode"],
      ...(tester === null ? {} : { tester }),
      ...(compare === null ? {} : { compare }),
    },
  };
}

/** The comparison (`a`, `b`, `aTime`, `bTime`), none, or why it is unusable. */
function readCompare(params: URLSearchParams): ShareCompare | null | string {
  const sides = (["a", "b"] as const).map((side) => {
    const set = params.get(side);
    const time = params.get(`${side}Time`);
    return { side, set: set === null ? null : parseCompareSet(set), time, span: time === null ? null : readSpan(time) };
  });
  if (sides.every(({ set, time }) => set === null && time === null)) return null;
  for (const { side, set, time, span } of sides) {
    if (set === null) return "a comparison needs both a and b";
    if (typeof set === "string") return `${side}: ${set}`;
    if (time !== null && span === null) return `${side}Time must be all or <from>/<to> (ISO 8601, from before to)`;
  }
  const [a, b] = sides as [(typeof sides)[number], (typeof sides)[number]];
  return { a: a.set as CompareSet, b: b.set as CompareSet, aSpan: a.span, bSpan: b.span };
}

/** The window or range, or why neither is usable. */
function readTime(params: URLSearchParams): ShareTime | string {
  const window = params.get("window");
  const from = params.get("from");
  const to = params.get("to");
  if (window !== null && (from !== null || to !== null)) return "a window or a range (from, to), not both";
  if (window !== null) {
    const ms = parseWholeNumber(window);
    return ms > 0 ? { kind: "window", ms } : "window must be a positive number of ms";
  }
  if (from === null || to === null) return "a window (ms) or a range (from and to) is required";
  const start = parseIsoTime(from);
  const end = parseIsoTime(to);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return "from and to must be ISO 8601 times";
  return end > start ? { kind: "range", from: start, to: end } : "to must be after from";
}

function refuse(reason: string): ShareParse {
  return { ok: false, code: ErrorCode.shareLink, reason };
}
