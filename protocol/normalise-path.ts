/**
 * The Group By stage: turns a page's URL path into the key its points are
 * aggregated under. Query strings and fragments are dropped, unless a query
 * parameter is allowlisted; path templates such as `/product/:id` fold many
 * pages into one key. A key is a fixed point: normalised again it stays as it
 * is, so that a path read from a key (`/api/pages`) names the same page when
 * sent back (a hash route's `#` segment aside: see `sentPath`, page-path.ts).
 */

export interface KeyingOptions {
  /** Templates, e.g. `/product/:id` or `/docs/*`; the first match becomes the key. */
  templates?: readonly string[];
  /** Query parameters kept in the key, e.g. `["tab"]`. */
  keepQuery?: readonly string[];
}

export type PathNormaliser = (raw: string) => string;

export function createPathNormaliser(options: KeyingOptions = {}): PathNormaliser {
  const templates = (options.templates ?? []).map(compileTemplate);
  const keepQuery = new Set(options.keepQuery ?? []);
  return (raw) => {
    const hash = raw.indexOf("#");
    const noFragment = hash === -1 ? raw : raw.slice(0, hash);
    const q = noFragment.indexOf("?");
    const pathPart = q === -1 ? noFragment : noFragment.slice(0, q);
    const segments = canonicalSegments(pathPart);
    const template = templates.find((t) => t.matches(segments));
    const path = template ? template.key : `/${segments.join("/")}`;
    if (keepQuery.size === 0 || q === -1) return path;
    const kept = [...new URLSearchParams(noFragment.slice(q + 1))]
      .filter(([name]) => keepQuery.has(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return kept.length ? `${path}?${new URLSearchParams(kept)}` : path;
  };
}

/** Decoded segments with empty, `.` and `..` segments resolved away. */
function canonicalSegments(path: string): string[] {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    const segment = safeDecode(raw);
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return out;
}

/**
 * The decoded segment, with what would read otherwise when the key is sent
 * back kept percent-encoded: `%` (decoded again, `%2541` would turn into
 * `A`), `/` (`/a%2Fb` is not the page `/a/b`), `?` (no query) and `#` but a
 * leading one (a hash route's segment, page-path.ts; no fragment). Control
 * characters are kept encoded too: a key never holds one, so none can pose as
 * the separator of a page's side keys (protocol/anchor.ts).
 */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment).replace(KEPT_ENCODED, encodeURIComponent);
  } catch {
    // Kept as sent: its `%`s are no escapes.
    return segment.replace(CONTROL, encodeURIComponent);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is kept encoded
const CONTROL = /[\u0000-\u001f\u007f]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: as CONTROL
const KEPT_ENCODED = /(?!^#)[%/?#\u0000-\u001f\u007f]/g;

interface Template {
  key: string;
  matches(segments: readonly string[]): boolean;
}

function compileTemplate(template: string): Template {
  if (!template.startsWith("/")) throw new Error(`path template must start with "/": ${template}`);
  const parts = canonicalSegments(template);
  const rest = parts.at(-1) === "*";
  const fixed = rest ? parts.slice(0, -1) : parts;
  return {
    key: `/${parts.join("/")}`,
    matches(segments) {
      if (rest ? segments.length < fixed.length : segments.length !== fixed.length) return false;
      return fixed.every((part, i) => part.startsWith(":") || part === "*" || part === segments[i]);
    },
  };
}
