/**
 * A share link: one heatmap view as a URL on the companion,
 * `<companion>/share?origin=…&path=…&band=…&window=…` (or `from` and `to`,
 * ISO 8601, for a history range), with `layer=fixed`, `points` and `mode`
 * when the view has them. The query's names are the dashboard's own, so the
 * companion shows the same view by handing the query to the dashboard, and
 * the extension opens the page itself with its overlay at that view. Never a
 * token: the viewer's own applies wherever the link is opened.
 */
import { isCanonicalOrigin, MAX_PATH_LENGTH } from "./page-key";
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
    },
  };
}

/** The window or range, or why neither is usable. */
function readTime(params: URLSearchParams): ShareTime | string {
  const window = params.get("window");
  const from = params.get("from");
  const to = params.get("to");
  if (window !== null && (from !== null || to !== null)) return "a window or a range (from, to), not both";
  if (window !== null) {
    const ms = Number(window);
    return Number.isSafeInteger(ms) && ms > 0 ? { kind: "window", ms } : "window must be a positive number of ms";
  }
  if (from === null || to === null) return "a window (ms) or a range (from and to) is required";
  const start = Date.parse(from);
  const end = Date.parse(to);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return "from and to must be ISO 8601 times";
  return end > start ? { kind: "range", from: start, to: end } : "to must be after from";
}

function refuse(reason: string): ShareParse {
  return { ok: false, code: ErrorCode.shareLink, reason };
}
