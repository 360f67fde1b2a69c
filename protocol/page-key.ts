/**
 * The page key: what points are grouped by. A page is a site (its origin:
 * scheme, host and port) plus its normalised path; points are also kept apart
 * by the width band they were captured in. Two sites' `/` never share heat.
 *
 * Keys are strings, `band|origin+path`, e.g. `desktop|http://127.0.0.1:8787/demo`.
 * Points stored before sites were keyed (protocol 1) have keys without an
 * origin, `desktop|/demo`: they are the keys of the empty origin, so they stay
 * reachable and nothing needs rewriting.
 */

export const MAX_PATH_LENGTH = 2048;

/** An origin as browsers write it (`location.origin`): lowercase scheme and host, default port elided. */
export function normaliseOrigin(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  // Only a bare origin, or the same with a trailing slash, names a site.
  if (url.pathname !== "/" || url.search || url.hash) return null;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(raw)) return null;
  return url.origin;
}

/** Why an origin is refused, for `E_SCHEMA` replies. */
export const ORIGIN_RULE =
  "origin must be an http(s) origin such as http://127.0.0.1:8787, as location.origin gives it";

/** The origin last found canonical: a batch's pages, and a browser's batches, mostly share one. */
let lastCanonical: string | null = null;

/** Whether `origin` is exactly as `normaliseOrigin` writes it: the form the wire carries. */
export function isCanonicalOrigin(origin: string): boolean {
  if (origin === lastCanonical) return true;
  if (normaliseOrigin(origin) !== origin) return false;
  lastCanonical = origin;
  return true;
}

export interface PageKey {
  band: string;
  /** Empty for points stored before sites were keyed. */
  origin: string;
  path: string;
}

/** The key of a page in a width band; `path` is already normalised and starts with `/`. */
export function makeKey(band: string, origin: string, path: string): string {
  return `${band}|${origin}${path}`;
}

export function splitKey(key: string): PageKey {
  const bar = key.indexOf("|");
  const band = key.slice(0, bar);
  const page = key.slice(bar + 1);
  if (page.startsWith("/")) return { band, origin: "", path: page };
  // An origin holds no `/` after its `scheme://`, and a path starts with one.
  const slash = page.indexOf("/", page.indexOf("://") + 3);
  return { band, origin: page.slice(0, slash), path: page.slice(slash) };
}
