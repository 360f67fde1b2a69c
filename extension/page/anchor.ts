/**
 * Anchors: the element under the cursor as a stable CSS selector, and the
 * cursor's offset inside its box (protocol/anchor.ts), so that heat can be
 * painted on the same element at any width, scroll position or layout.
 *
 * An element is named, in this order of preference, by a test attribute
 * (`data-testid`, `data-test`, `data-qa`, `data-cy`), an id that does not look
 * generated, or classes that do not look generated, whichever names it alone
 * in its document or shadow root; otherwise by a `tag:nth-of-type` path down
 * from its nearest uniquely named ancestor. Across open shadow roots the
 * host's selector comes first, joined with SHADOW_SEPARATOR. A selector never
 * holds page text.
 *
 * The anchor is the element under the cursor, or the nearest ancestor with a
 * box at all (an SVG shape anchors to its `<svg>`); a huge wrapper is no
 * anchor: html, body, or an element larger than half the viewport gives none.
 *
 * Selectors are cached per element. The cache is dropped when an element is
 * added or removed or an attribute selectors use changes (one
 * MutationObserver per document, also watching the shadow roots anchors were
 * taken in; text changes keep it) and on a viewport resize, so a sample
 * costs one rect read while nothing changed. It lives as long as its document.
 */
import { ANCHOR_UNITS, MAX_ANCHOR_LENGTH, SHADOW_SEPARATOR } from "../../protocol/anchor";
import { asShadowRoot, composedParent } from "./composed-tree";

export interface Anchor {
  s: string;
  u: number;
  v: number;
}

/** Attributes set for tests, which name an element on purpose and survive restyling. */
export const TEST_ATTRIBUTES = ["data-testid", "data-test", "data-qa", "data-cy"] as const;

/** Largest anchor, as a share of the viewport's area: anything bigger is a wrapper. */
export const MAX_VIEWPORT_SHARE = 0.5;

const SVG_NS = "http://www.w3.org/2000/svg";
/** Names longer than this are left out of selectors (they are data, not names). */
const MAX_NAME_LENGTH = 100;
/** Classes of one element tried as names, at most: keeps the queries per element bounded. */
const MAX_CLASSES = 4;

/** The anchor of a point at (clientX, clientY) over `element` (the innermost target), or null when none is useful. */
export function anchorFor(element: Element, clientX: number, clientY: number): Anchor | null {
  return cacheOf(element.ownerDocument).anchorFor(element, clientX, clientY);
}

/** The element a selector names in `doc`, crossing open shadow roots; null when none (or the selector is invalid). */
export function resolveAnchor(selector: string, doc: Document = document): Element | null {
  let root: Document | ShadowRoot | null = doc;
  let found: Element | null = null;
  for (const part of selector.split(SHADOW_SEPARATOR)) {
    if (!root) return null;
    try {
      found = root.querySelector(part);
    } catch {
      return null;
    }
    root = found?.shadowRoot ?? null;
  }
  return found;
}

/**
 * Whether an id or class looks made by a tool rather than written by a
 * person: CSS-in-JS (`css-1x2y3z`, `sc-aXbYc`, `jsx-123456`, `svelte-x1y2z3`),
 * CSS modules (`Button_primary__3kF9a`, `btn___3kF9a`, `_primary_3kf9a`),
 * framework ids (`:r1:`, `«r1»`, `ember123`), uuids and long hex or numbers,
 * or any part (between `-` and `_`) that reads as random.
 */
export function isGeneratedName(name: string): boolean {
  if (/^(css|sc|jsx|svelte|emotion|astro|jss|makeStyles)-/i.test(name) || /^jss\d+$/.test(name)) return true;
  if (/^[\w-]+?_[\w-]+__[\w-]{5}$/.test(name) || /___[\w-]{5}$/.test(name) || /^_[\w-]+_[a-z0-9]{5}$/.test(name))
    return true;
  if (/[:«»]/.test(name) || /^(ember|ext-gen|yui_)/.test(name)) return true;
  if (/\d{4,}/.test(name) || hexRuns(name).some((run) => /\d/.test(run) && /[a-f]/i.test(run))) return true;
  return name.split(/[-_]/).some(looksRandom);
}

/** Runs of 8 or more hex digits, dashes left out (uuids, hashes). */
function hexRuns(name: string): string[] {
  return name.replace(/-/g, "").match(/[0-9a-f]{8,}/gi) ?? [];
}

/** A part mixes digits and letters without a word in it (`3kF9a`), or switches case every few letters (`aXbYc`). */
function looksRandom(part: string): boolean {
  if (part.length < 5) return false;
  if (/\d/.test(part) && /[a-z]/i.test(part) && !/[a-z]{4}/i.test(part)) return true;
  const humps = part.match(/[a-z][A-Z]/g)?.length ?? 0;
  return humps >= 2 && humps * 3 >= part.length;
}

const caches = new WeakMap<Document, AnchorCache>();

function cacheOf(doc: Document): AnchorCache {
  let cache = caches.get(doc);
  if (!cache) {
    cache = new AnchorCache(doc);
    caches.set(doc, cache);
  }
  return cache;
}

interface Found {
  /** The anchor element, or null when the target has no useful one. */
  element: Element | null;
  selector: string | null;
}

const OBSERVED = {
  childList: true,
  subtree: true,
  attributes: true,
  attributeFilter: ["id", "class", ...TEST_ATTRIBUTES],
};

class AnchorCache {
  private found = new WeakMap<Element, Found>();
  /** Each element's unique name in its root, or null for none. */
  private names = new WeakMap<Element, string | null>();
  private readonly observed = new WeakSet<Node>();
  private readonly observer: MutationObserver;
  private viewport = "";

  constructor(private readonly doc: Document) {
    this.observer = new MutationObserver((records) => {
      if (records.some(changesSelectors)) this.drop();
    });
    this.observe(doc);
  }

  anchorFor(target: Element, clientX: number, clientY: number): Anchor | null {
    const win = this.doc.defaultView;
    const viewport = win ? `${win.innerWidth}x${win.innerHeight}` : "";
    if (viewport !== this.viewport) {
      this.drop();
      this.viewport = viewport;
    }
    const maxArea = win ? win.innerWidth * win.innerHeight * MAX_VIEWPORT_SHARE : Number.POSITIVE_INFINITY;
    let found = this.found.get(target);
    if (found && !found.selector) return null;
    let rect: DOMRect | null = null;
    if (found?.element) {
      rect = found.element.getBoundingClientRect();
      // Grown past the limit since (no mutation says so): choose again.
      if (rect.width * rect.height > maxArea) found = undefined;
    }
    if (!found) {
      const chosen = usefulAnchor(target, maxArea);
      rect = chosen?.rect ?? null;
      found = { element: chosen?.element ?? null, selector: chosen ? this.selectorOf(chosen.element) : null };
      this.found.set(target, found);
    }
    if (!found.element || !found.selector || !rect) return null;
    return {
      s: found.selector,
      u: offset(clientX - rect.left, rect.width),
      v: offset(clientY - rect.top, rect.height),
    };
  }

  private drop(): void {
    this.found = new WeakMap();
    this.names = new WeakMap();
  }

  private observe(root: Document | ShadowRoot): void {
    if (this.observed.has(root)) return;
    this.observed.add(root);
    this.observer.observe(root, OBSERVED);
  }

  /** The element's full selector from the document, host selectors first. */
  private selectorOf(element: Element): string | null {
    const parts: string[] = [];
    for (let el: Element | null = element; el; ) {
      const root = el.getRootNode();
      const shadow = asShadowRoot(root);
      if (!shadow && root !== this.doc) return null;
      if (shadow) this.observe(shadow);
      const part = this.selectorIn(el, shadow ?? this.doc);
      if (!part) return null;
      parts.unshift(part);
      el = shadow ? shadow.host : null;
    }
    const selector = parts.join(SHADOW_SEPARATOR);
    return selector.length <= MAX_ANCHOR_LENGTH ? selector : null;
  }

  /** A selector for `element` inside its own root: its name, or a path down from a named ancestor. */
  private selectorIn(element: Element, root: Document | ShadowRoot): string | null {
    const parts: string[] = [];
    let length = 0;
    for (let el: Element | null = element; el; el = el.parentElement) {
      const name = el === this.doc.body ? "body" : this.nameOf(el, root);
      parts.unshift(name ?? position(el));
      length += (parts[0]?.length ?? 0) + 3;
      if (name) break;
      if (length > MAX_ANCHOR_LENGTH) return null;
    }
    const path = parts.join(" > ");
    // A path from a shadow root's top may match an element before ours.
    return root.querySelector(path) === element ? path : null;
  }

  private nameOf(el: Element, root: Document | ShadowRoot): string | null {
    const known = this.names.get(el);
    if (known !== undefined) return known;
    const unique = candidateNames(el).find((name) => count(root, name) === 1) ?? null;
    this.names.set(el, unique);
    return unique;
  }
}

/** Whether a change can change a selector: an attribute selectors use, or an element added or removed (text cannot). */
function changesSelectors(record: MutationRecord): boolean {
  if (record.type === "attributes") return true;
  const isElement = (node: Node) => node.nodeType === Node.ELEMENT_NODE;
  return [...record.addedNodes].some(isElement) || [...record.removedNodes].some(isElement);
}

/** Names that may identify an element, best first, escaped for a selector. */
export function candidateNames(el: Element): string[] {
  const names: string[] = [];
  for (const attribute of TEST_ATTRIBUTES) {
    const value = el.getAttribute(attribute);
    if (value && value.length <= MAX_NAME_LENGTH && !value.includes(SHADOW_SEPARATOR.trim()))
      names.push(`[${attribute}="${cssString(value)}"]`);
  }
  if (el.id && el.id.length <= MAX_NAME_LENGTH && !isGeneratedName(el.id)) names.push(`#${CSS.escape(el.id)}`);
  const classes = [...el.classList]
    .filter((name) => name.length <= MAX_NAME_LENGTH && !isGeneratedName(name))
    .slice(0, MAX_CLASSES)
    .map((name) => `.${CSS.escape(name)}`);
  names.push(...classes);
  if (classes.length > 0) names.push(`${CSS.escape(el.localName)}${classes.join("")}`);
  return names;
}

function count(root: Document | ShadowRoot, selector: string): number {
  try {
    return root.querySelectorAll(selector).length;
  } catch {
    return 0;
  }
}

/** `tag`, or `tag:nth-of-type(n)` when siblings share the tag. */
function position(el: Element): string {
  const tag = CSS.escape(el.localName);
  let index = 1;
  let alone = true;
  for (let sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) {
    if (sib.localName === el.localName) index++;
  }
  if (index === 1) {
    for (let sib = el.nextElementSibling; sib && alone; sib = sib.nextElementSibling) {
      if (sib.localName === el.localName) alone = false;
    }
  } else alone = false;
  return alone ? tag : `${tag}:nth-of-type(${index})`;
}

/** A CSS string's content: quotes, backslashes and control characters escaped. */
function cssString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  return value.replace(/["\\]/g, "\\$&").replace(/[\u0000-\u001f\u007f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `);
}

/** The element itself or the nearest ancestor with a box, unless that is a wrapper (see MAX_VIEWPORT_SHARE). */
function usefulAnchor(target: Element, maxArea: number): { element: Element; rect: DOMRect } | null {
  for (let el: Element | null = target; el; el = composedParent(el)) {
    const doc = el.ownerDocument;
    if (el === doc.documentElement || el === doc.body) return null;
    if (el.namespaceURI === SVG_NS && el.localName !== "svg") continue;
    const rect = el.getBoundingClientRect();
    const area = rect.width * rect.height;
    if (area === 0) continue;
    return area > maxArea ? null : { element: el, rect };
  }
  return null;
}

function offset(delta: number, size: number): number {
  if (!(size > 0)) return 0;
  return Math.min(ANCHOR_UNITS - 1, Math.max(0, Math.floor((delta / size) * ANCHOR_UNITS)));
}
