/**
 * The dashboard's view as its URL's query holds it, so that reload,
 * back/forward and a pasted URL all show the same view: the page (`origin`
 * and `path`), its width band, its layer (`layer=fixed` for the points over
 * fixed and sticky elements), and a live window (`window`, ms) or a history
 * range (`range=hour` or `range=today`, relative to the moment it is read, or
 * `from` and `to`, ISO 8601), one tester's heat alone (`tester`), and a
 * comparison of two sets of the page's points (`a` and `b`, as
 * protocol/compare.ts writes a set, each over the view's time or its own:
 * `aTime`/`bTime` = `last:<ms>`, `before:<ms>`, `all` (everything kept) or
 * `<from>/<to>` in ISO 8601, the last two as share links write them).
 * Also the labels and file names that name a view. Pure: the companion's
 * facts and the clock are passed in.
 */
import { type CompareSet, formatCompareSet, parseCompareSet } from "../../protocol/compare";
import { parseIsoTime, readSpan, type ShareSpan, type ShareView, writeSpan } from "../../protocol/share-link";
import { tagLabel } from "../../protocol/tags";

export type Time =
  | { kind: "window"; ms: number }
  | { kind: "hour" }
  | { kind: "today" }
  | { kind: "range"; from: number; to: number };

export type Layer = "document" | "fixed";

/**
 * The span one side of a comparison reads: the view's time, the last `ms`
 * before now, the `ms` before those (`before`: "the hour before" the last
 * hour), everything kept or a fixed range (a share link's spans, protocol/share-link.ts).
 */
export type SideTime = { kind: "view" } | { kind: "last"; ms: number } | { kind: "before"; ms: number } | ShareSpan;

/** Two sets of the page's points to compare, B against A, each over its own span. */
export interface Compare {
  a: CompareSet;
  b: CompareSet;
  aTime: SideTime;
  bTime: SideTime;
}

export interface ViewState {
  /** The page shown large, or none. */
  page: { origin: string; path: string } | null;
  /** A band id; null lets the companion pick the page's busiest. */
  band: string | null;
  layer: Layer;
  time: Time;
  /** The tester whose heat alone is shown, or null for everyone's. */
  tester: string | null;
  compare: Compare | null;
}

export interface Facts {
  windowsMs: readonly number[];
  defaultWindowMs: number;
  bands: readonly { id: string }[];
}

/** The state a query string names; what it cannot use is left at its default and said in `problems`. */
export function readState(search: string, facts: Facts): { state: ViewState; problems: string[] } {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const origin = params.get("origin");
  const path = params.get("path");
  let page: ViewState["page"] = null;
  if (path !== null && origin !== null) {
    if (path.startsWith("/")) page = { origin, path };
    else problems.push("path must start with /");
  }
  let band = params.get("band");
  if (band !== null && !facts.bands.some((b) => b.id === band)) {
    problems.push(`band must be one of ${facts.bands.map((b) => b.id).join(", ")}`);
    band = null;
  }
  const layerParam = params.get("layer");
  if (layerParam !== null && layerParam !== "document" && layerParam !== "fixed")
    problems.push("layer must be document or fixed");
  const layer: Layer = layerParam === "fixed" ? "fixed" : "document";
  const time = readTime(params, facts, problems);
  let tester = params.get("tester");
  if (tester !== null && !tagLabel.safeParse(tester).success) {
    problems.push("tester must be a tester's name: 1–64 characters, no control characters, no spaces at either end");
    tester = null;
  }
  return { state: { page, band, layer, time, tester, compare: readCompare(params, problems) }, problems };
}

function readCompare(params: URLSearchParams, problems: string[]): Compare | null {
  const a = params.get("a");
  const b = params.get("b");
  if (a === null && b === null) return null;
  if (a === null || b === null) {
    problems.push("a comparison needs both a and b");
    return null;
  }
  const sets = [parseCompareSet(a), parseCompareSet(b)];
  const refused = sets.map((set, i) => (typeof set === "string" ? `${"ab"[i]}: ${set}` : null)).filter(Boolean);
  if (refused.length > 0) {
    problems.push(...(refused as string[]));
    return null;
  }
  return {
    a: sets[0] as CompareSet,
    b: sets[1] as CompareSet,
    aTime: readSideTime(params.get("aTime"), "aTime", problems),
    bTime: readSideTime(params.get("bTime"), "bTime", problems),
  };
}

/** A side's span as `aTime`/`bTime` write it (`last:<ms>`, `before:<ms>`, `all`, `<from>/<to>`); unusable text is said in `problems`. */
export function readSideTime(text: string | null, name: string, problems: string[]): SideTime {
  if (text === null) return { kind: "view" };
  const relative = /^(last|before):(\d+)$/.exec(text);
  if (relative) {
    const ms = Number(relative[2]);
    if (ms > 0 && Number.isSafeInteger(ms)) return { kind: relative[1] as "last" | "before", ms };
  }
  const span = readSpan(text);
  if (span) return span;
  problems.push(`${name} must be last:<ms>, before:<ms>, all or <from>/<to> (ISO 8601, from before to)`);
  return { kind: "view" };
}

/** The text `readSideTime` reads back as `time`; null for the view's time. */
export function writeSideTime(time: SideTime): string | null {
  switch (time.kind) {
    case "view":
      return null;
    case "last":
    case "before":
      return `${time.kind}:${time.ms}`;
    default:
      return writeSpan(time);
  }
}

function readTime(params: URLSearchParams, facts: Facts, problems: string[]): Time {
  const fallback: Time = { kind: "window", ms: facts.defaultWindowMs };
  const range = params.get("range");
  if (range === "hour" || range === "today") return { kind: range };
  if (range !== null) problems.push("range must be hour or today");
  const from = params.get("from");
  if (from !== null) {
    const start = parseIsoTime(from);
    const end = parseIsoTime(params.get("to") ?? "");
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) return { kind: "range", from: start, to: end };
    problems.push("from and to must be ISO 8601 times, from before to");
    return fallback;
  }
  const window = params.get("window");
  if (window === null) return fallback;
  const ms = Number(window);
  if (facts.windowsMs.includes(ms)) return { kind: "window", ms };
  problems.push(`window must be one of ${facts.windowsMs.join(", ")} (ms)`);
  return fallback;
}

/** The query string (with its `?`) that `readState` reads back as `state`. */
export function writeState(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.page) {
    params.set("origin", state.page.origin);
    params.set("path", state.page.path);
  }
  if (state.band) params.set("band", state.band);
  if (state.layer === "fixed") params.set("layer", "fixed");
  const { time } = state;
  if (time.kind === "window") params.set("window", String(time.ms));
  else if (time.kind === "range") {
    params.set("from", new Date(time.from).toISOString());
    params.set("to", new Date(time.to).toISOString());
  } else params.set("range", time.kind);
  if (state.tester !== null) params.set("tester", state.tester);
  if (state.compare) {
    const { a, b, aTime, bTime } = state.compare;
    params.set("a", formatCompareSet(a));
    params.set("b", formatCompareSet(b));
    for (const [name, side] of [
      ["aTime", aTime],
      ["bTime", bTime],
    ] as const) {
      const text = writeSideTime(side);
      if (text !== null) params.set(name, text);
    }
  }
  return `?${params}`;
}

/** The history span a time reads at `now`, or null for a live window. `today` starts at the viewer's midnight. */
export function spanOf(time: Time, now: number): { from: number; to: number } | null {
  switch (time.kind) {
    case "window":
      return null;
    case "hour":
      return { from: now - 3_600_000, to: now };
    case "today":
      return { from: new Date(now).setHours(0, 0, 0, 0), to: now };
    case "range":
      return { from: time.from, to: time.to };
  }
}

/** The span a comparison's side reads at `now`; the view's live window reads as the last that many ms. */
export function sideSpan(side: SideTime, time: Time, now: number): { from: number; to: number } {
  switch (side.kind) {
    case "view":
      return spanOf(time, now) ?? { from: now - (time as { ms: number }).ms, to: now };
    case "last":
      return { from: now - side.ms, to: now };
    case "before":
      return { from: now - 2 * side.ms, to: now - side.ms };
    case "all":
      return { from: 0, to: now };
    case "range":
      return { from: side.from, to: side.to };
  }
}

/** `/api/compare` parameters of a comparison at `now`: both sets and each side's span. */
export function compareParams(compare: Compare, time: Time, now: number): Record<string, string> {
  const a = sideSpan(compare.aTime, time, now);
  const b = sideSpan(compare.bTime, time, now);
  return {
    a: formatCompareSet(compare.a),
    b: formatCompareSet(compare.b),
    aFrom: String(a.from),
    aTo: String(a.to),
    bFrom: String(b.from),
    bTo: String(b.to),
  };
}

/** `/api/heatmap` parameters for the time: `window`, or `from` and `to`. */
export function timeParams(time: Time, now: number): Record<string, string> {
  const span = spanOf(time, now);
  return span ? { from: String(span.from), to: String(span.to) } : { window: String((time as { ms: number }).ms) };
}

export function windowLabel(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** "hour", "3 h", "day", else as a window: the length of a side's relative span. */
function spanLength(ms: number): string {
  if (ms === 3_600_000) return "hour";
  if (ms === 86_400_000) return "day";
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : windowLabel(ms);
}

/** "last 10 min", "the hour before", a range, or the view's time. */
export function sideTimeLabel(side: SideTime, time: Time): string {
  switch (side.kind) {
    case "view":
      return timeLabel(time);
    case "last":
      return `last ${spanLength(side.ms)}`;
    case "before":
      return `the ${spanLength(side.ms)} before`;
    case "all":
      return "all history kept";
    case "range":
      return timeLabel(side);
  }
}

/** "last 10 min", "last hour", "today", "2026-11-29 21:00 – 2026-11-29 22:00 UTC". */
export function timeLabel(time: Time): string {
  switch (time.kind) {
    case "window":
      return `last ${windowLabel(time.ms)}`;
    case "hour":
      return "last hour";
    case "today":
      return "today";
    case "range":
      return `${utc(time.from)} – ${utc(time.to)} UTC`;
  }
}

/** "2026-11-29 22:10" (UTC). */
function utc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** `20261129T221005Z`: a time in a file name. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+/, "").replace(/[-:]/g, "");
}

/**
 * `heatlens-shop-example-checkout-desktop-600s-20261129T221005Z`: site, page,
 * band (and `fixed` for that layer), window (or range, from and to) and the
 * time the heat was read (`at`).
 */
export function exportName(
  page: { origin: string; path: string },
  band: string,
  layer: Layer,
  time: Time,
  at: number,
): string {
  const site = page.origin.replace(/^[a-z]+:\/\//, "") || "no-site";
  const span =
    time.kind === "window"
      ? `${time.ms / 1000}s`
      : time.kind === "range"
        ? `${stamp(time.from)}-${stamp(time.to)}`
        : time.kind === "hour"
          ? "last-hour"
          : "today";
  return ["heatlens", site, page.path, layer === "fixed" ? `${band}-fixed` : band, span, stamp(at)]
    .join("-")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/-+$/, "");
}

/**
 * The share link's view of the page shown in `band`: a relative history
 * range (last hour, today) is fixed at `now`, so that whoever opens the link
 * sees the same span, and so is a comparison's side over a relative span;
 * null for a page stored before pages were keyed by site (no site to open).
 */
export function shareViewOf(state: ViewState, band: string, now: number): ShareView | null {
  if (!state.page?.origin) return null;
  const span = spanOf(state.time, now);
  return {
    origin: state.page.origin,
    path: state.page.path,
    band,
    time: span ? { kind: "range", ...span } : (state.time as ShareView["time"]),
    layer: state.layer,
    points: null,
    mode: null,
    ...(state.tester === null ? {} : { tester: state.tester }),
    ...(state.compare ? { compare: shareCompareOf(state.compare, state.time, now) } : {}),
  };
}

/** The link's comparison: a side over the view's time follows the link's, a relative one is fixed at `now`. */
function shareCompareOf(compare: Compare, time: Time, now: number): NonNullable<ShareView["compare"]> {
  const span = (side: SideTime): ShareSpan | null =>
    side.kind === "view" ? null : side.kind === "all" ? side : { kind: "range", ...sideSpan(side, time, now) };
  return { a: compare.a, b: compare.b, aSpan: span(compare.aTime), bSpan: span(compare.bTime) };
}
