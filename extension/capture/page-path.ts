/**
 * The path a page's points are keyed under, sent with every sample and every
 * watch. The query is never sent, except the parameters the companion keeps
 * in its keys (its `--keep-query` list). A hash route of a single-page app (`#/cart`, `#!/cart`) is a
 * page of its own, so it joins the path behind an encoded `#` segment, which
 * the companion keeps: `/spa/#/cart` → `/spa/%23/cart` (keyed `/spa/#/cart`).
 * An empty route (`#/`) is the bare page, and any other fragment (an in-page
 * anchor such as `#reviews`) is dropped. Does not read the page: pass it
 * `location`.
 */
import { MAX_PATH_LENGTH } from "../../protocol/wire";

export function pageKeyPath(
  url: { pathname: string; hash: string; search?: string },
  keepQuery: readonly string[] = [],
): string {
  const route = /^#(!?)(\/[^?]*)/.exec(url.hash);
  const routePath = route?.[2]?.replace(/\/+$/, "");
  const path = routePath ? `${url.pathname.replace(/\/+$/, "")}/%23${route?.[1]}${routePath}` : url.pathname;
  return `${path || "/"}${keptQuery(url.search ?? "", keepQuery)}`.slice(0, MAX_PATH_LENGTH);
}

/** The query parameters the companion keeps (its `--keep-query`, told in its welcome), sorted; no others are sent. */
function keptQuery(search: string, keep: readonly string[]): string {
  if (keep.length === 0 || !search) return "";
  const kept = [...new URLSearchParams(search)]
    .filter(([name]) => keep.includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return kept.length ? `?${new URLSearchParams(kept)}` : "";
}
