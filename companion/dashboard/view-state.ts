/**
 * The dashboard's view as its URL's query holds it, so that reload,
 * back/forward and a pasted URL all show the same view: the page (`origin`
 * and `path`), its width band, its layer (`layer=fixed` for the points over
 * fixed and sticky elements), and a live window (`window`, ms) or a history
 * range (`range=hour` or `range=today`, relative to the moment it is read, or
 * `from` and `to`, ISO 8601). Also the labels and file names that name a view.
 * Pure: the companion's facts and the clock are passed in.
 */
import type { ShareView } from "../../protocol/share-link";

export type Time =
  | { kind: "window"; ms: number }
  | { kind: "hour" }
  | { kind: "today" }
  | { kind: "range"; from: number; to: number };

export type Layer = "document" | "fixed";

export interface ViewState {
  /** The page shown large, or none. */
  page: { origin: string; path: string } | null;
  /** A band id; null lets the companion pick the page's busiest. */
  band: string | null;
  layer: Layer;
  time: Time;
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
  return { state: { page, band, layer, time: readTime(params, facts, problems) }, problems };
}

function readTime(params: URLSearchParams, facts: Facts, problems: string[]): Time {
  const fallback: Time = { kind: "window", ms: facts.defaultWindowMs };
  const range = params.get("range");
  if (range === "hour" || range === "today") return { kind: range };
  if (range !== null) problems.push("range must be hour or today");
  const from = params.get("from");
  if (from !== null) {
    const start = Date.parse(from);
    const end = Date.parse(params.get("to") ?? "");
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

/** `/api/heatmap` parameters for the time: `window`, or `from` and `to`. */
export function timeParams(time: Time, now: number): Record<string, string> {
  const span = spanOf(time, now);
  return span ? { from: String(span.from), to: String(span.to) } : { window: String((time as { ms: number }).ms) };
}

export function windowLabel(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
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
 * sees the same span; null for a page stored before pages were keyed by site
 * (no site to open).
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
  };
}
