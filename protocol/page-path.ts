/**
 * The path a page's points are keyed under, sent with every sample and every
 * watch. The query is never sent, except the parameters the companion keeps
 * in its keys (its `--keep-query` list). A hash route of a single-page app is
 * a page of its own, so it joins the path behind an encoded `#` segment, which
 * the companion keeps: `/spa/#/cart` → `/spa/%23/cart` (keyed `/spa/#/cart`),
 * `/spa/#green` → `/spa/%23green` (keyed `/spa/#green`).
 * A fragment is a route when it starts with `/` or `!/`, or when it names no
 * element of the page (no `id`, no `<a name>`): an in-page anchor such as
 * `#reviews`, which names an element, is dropped, and so is `#top`, which
 * browsers read as the top of the page. An empty route (`#/`) is the bare page.
 * Does not read the page: pass it `location` and `namesElement(document)`.
 */
import { createPathNormaliser } from "./normalise-path";
import { MAX_PATH_LENGTH } from "./wire";

/** Whether the page holds an element this fragment name scrolls to. */
export type NamesElement = (name: string) => boolean;

export function pageKeyPath(
  url: { pathname: string; hash: string; search?: string },
  namesElementOf: NamesElement,
  keepQuery: readonly string[] = [],
): string {
  const base = url.pathname.replace(/\/+$/, "");
  const query = keptQuery(url.search ?? "", keepQuery);
  const route = /^#(!?)(\/[^?]*)/.exec(url.hash);
  let path = url.pathname;
  if (route) {
    const routePath = route[2]?.replace(/\/+$/, "");
    if (routePath) path = `${base}/%23${route[1]}${routePath}`;
  } else {
    const name = url.hash.slice(1).split("?")[0] ?? "";
    if (name && name.toLowerCase() !== "top" && !namesElementOf(decoded(name)) && !namesElementOf(name))
      path = `${base}/%23${encodeURIComponent(decoded(name))}`;
  }
  return `${path || "/"}${query}`.slice(0, MAX_PATH_LENGTH);
}

/** The predicate `pageKeyPath` needs, for a live document: an element with this id, or an `<a>` with this name. */
export function namesElement(doc: Document): NamesElement {
  return (name) =>
    doc.getElementById(name) !== null || [...doc.getElementsByName(name)].some((el) => el.localName === "a");
}

function decoded(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/** The query parameters the companion keeps (its `--keep-query`, told in its welcome), sorted; no others are sent. */
function keptQuery(search: string, keep: readonly string[]): string {
  if (keep.length === 0 || !search) return "";
  const kept = [...new URLSearchParams(search)]
    .filter(([name]) => keep.includes(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return kept.length ? `?${new URLSearchParams(kept)}` : "";
}

/**
 * A page's path as a key writes it (`/api/pages` lists them so), or as a URL
 * path, in the form clients send: a segment that starts with `#`, a hash
 * route as keys write it (`/app/#/cart`), goes as `%23` (`/app/%23/cart`);
 * sent as it is, its `#` would start a fragment, which the companion drops.
 * A query is left as it is.
 */
export function sentPath(path: string): string {
  const q = path.indexOf("?");
  const head = q === -1 ? path : path.slice(0, q);
  return head.replaceAll("/#", "/%23") + (q === -1 ? "" : path.slice(q));
}

/**
 * The URL path, query and fragment that open the page a sent or key path
 * names: a hash route's segment (`%23…`, or `#…` as keys write it) and what
 * follows it become the fragment again (`/app/%23/cart` → `/app#/cart`),
 * behind the query a key keeps (`/app/%23/cart?tab=1` → `/app?tab=1#/cart`).
 * A key holds no trailing slash: `/shop` opens as `/shop`, which servers send
 * on to `/shop/` where that is the page.
 */
export function pageUrlPath(path: string): string {
  const q = path.indexOf("?");
  const head = q === -1 ? path : path.slice(0, q);
  const query = q === -1 ? "" : path.slice(q);
  const route = /\/(?:#|%23)/i.exec(head);
  if (!route) return head + query;
  return `${head.slice(0, route.index) || "/"}${query}#${head.slice(route.index + route[0].length)}`;
}

const plainKeys = createPathNormaliser();

/**
 * Whether two sent or key paths name one page as keys do, queries and
 * templates (the companion's options) aside: `/shop/` is `/shop`, and
 * `/app/%23/cart` is `/app/#/cart`.
 */
export function samePagePath(a: string, b: string): boolean {
  return plainKeys(sentPath(a)) === plainKeys(sentPath(b));
}
