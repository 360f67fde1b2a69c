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
 * Selectors are cached per element, and which names are unique per root;
 * after a change (one MutationObserver per document, also watching the
 * shadow roots anchors were taken in; text changes are none) each is checked
 * against what changed rather than dropped (see AnchorCache), and all are
 * dropped on a viewport resize. A sample costs one rect read while nothing
 * changed. The cache lives as long as its document.
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

/**
 * The selector that names `element` itself, as anchors name it (null when it
 * has none, or too long a one): how controls are named (controls.ts), so that
 * a control's heat is found by its selector among the anchors.
 */
export function selectorOf(element: Element): string | null {
  return cacheOf(element.ownerDocument).selectorOf(element);
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

type Root = Document | ShadowRoot;

/** One root's share of a selector: the element it names there (the anchor, or a shadow host) and how. */
interface Part {
  element: Element;
  root: Root;
  selector: string;
  /** Starts at a unique name or the document's body or html: names at most one element, whatever changes elsewhere. */
  anchored: boolean;
}

interface Found {
  /** The anchor element, or null when the target has no useful one. */
  element: Element | null;
  selector: string | null;
  parts: Part[];
  /** The change count it was last known right at. */
  seen: number;
}

/** Whether a selector names one element alone in a root (`holder`), or not (null), as of change `seen`. */
interface Answer {
  holder: Element | null;
  seen: number;
}

/** An element added, removed or renamed (a named attribute changed): what can change a selector. */
interface Change {
  node: Element;
  /** The change count at its latest change; the kinds and lost names gather over all of them. */
  seen: number;
  added: boolean;
  removed: boolean;
  renamed: boolean;
  /** Names it lost, as the selector fragments candidateNames writes. */
  lost: string[];
}

const OBSERVED = {
  childList: true,
  subtree: true,
  attributes: true,
  attributeOldValue: true,
  attributeFilter: ["id", "class", ...TEST_ATTRIBUTES],
};

/** Changed elements remembered: a cached selector or answer older than these is worked out again. */
const MAX_CHANGES = 256;
/** Uniqueness answers kept per root, at most: a long-lived app names ever new things. */
const MAX_ANSWERS = 4096;

/**
 * Selectors per target element and uniqueness answers per (root, name),
 * each checked again after changes rather than dropped: a cached selector
 * stays while its element still matches it, no element added or renamed
 * since matches it too, and no name on its own path changed; a uniqueness
 * answer stays while no such element matches the name (a name that was not
 * unique stays so until an element holding it is removed or loses it).
 * A ticking clock or a toast elsewhere costs a few matches() per sample, not
 * a walk of the page.
 */
class AnchorCache {
  private found = new WeakMap<Element, Found>();
  private answers = new WeakMap<Root, Map<string, Answer>>();
  private candidates = new WeakMap<Element, string[]>();
  private readonly observed = new WeakSet<Node>();
  private readonly observer: MutationObserver;
  private viewport = "";
  /**
   * Changes seen so far, and the elements changed, least recently first:
   * one entry however often an element changes (a clock, a toast), the
   * newest MAX_CHANGES; `forgotten` is the latest change of those let go.
   */
  private seen = 0;
  private changes = new Map<Element, Change>();
  private forgotten = 0;

  constructor(private readonly doc: Document) {
    this.observer = new MutationObserver((records) => this.record(records));
    this.observe(doc);
  }

  anchorFor(target: Element, clientX: number, clientY: number): Anchor | null {
    this.catchUp();
    const win = this.doc.defaultView;
    const maxArea = win ? win.innerWidth * win.innerHeight * MAX_VIEWPORT_SHARE : Number.POSITIVE_INFINITY;
    let found = this.found.get(target);
    if (found && !this.holds(found, target)) found = undefined;
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
      const parts = chosen ? this.partsOf(chosen.element) : null;
      const selector = parts?.map((part) => part.selector).join(SHADOW_SEPARATOR) ?? null;
      found = {
        element: chosen?.element ?? null,
        selector: selector && selector.length <= MAX_ANCHOR_LENGTH ? selector : null,
        parts: parts ?? [],
        seen: this.seen,
      };
      this.found.set(target, found);
    }
    if (!found.element || !found.selector || !rect) return null;
    return {
      s: found.selector,
      u: offset(clientX - rect.left, rect.width),
      v: offset(clientY - rect.top, rect.height),
    };
  }

  selectorOf(element: Element): string | null {
    this.catchUp();
    const selector =
      this.partsOf(element)
        ?.map((part) => part.selector)
        .join(SHADOW_SEPARATOR) ?? null;
    return selector && selector.length <= MAX_ANCHOR_LENGTH ? selector : null;
  }

  /** Takes in the changes made in this same task (not delivered yet), and drops everything on a viewport resize. */
  private catchUp(): void {
    this.record(this.observer.takeRecords());
    const win = this.doc.defaultView;
    const viewport = win ? `${win.innerWidth}x${win.innerHeight}` : "";
    if (viewport !== this.viewport) {
      this.drop();
      this.viewport = viewport;
    }
  }

  private drop(): void {
    this.found = new WeakMap();
    this.answers = new WeakMap();
    this.candidates = new WeakMap();
  }

  private observe(root: Root): void {
    if (this.observed.has(root)) return;
    this.observed.add(root);
    this.observer.observe(root, OBSERVED);
  }

  /** Text changes are left out: a selector never holds text. */
  private record(records: MutationRecord[]): void {
    const note = (node: Node, kind: "added" | "removed" | "renamed", lost: string[] = []) => {
      if (node.nodeType !== Node.ELEMENT_NODE) return;
      const el = node as Element;
      const change: Change = this.changes.get(el) ?? {
        node: el,
        seen: 0,
        added: false,
        removed: false,
        renamed: false,
        lost: [],
      };
      this.changes.delete(el);
      change.seen = ++this.seen;
      change[kind] = true;
      for (const name of lost) if (!change.lost.includes(name)) change.lost.push(name);
      this.changes.set(el, change);
    };
    for (const record of records) {
      if (record.type === "attributes") {
        this.candidates.delete(record.target as Element);
        note(record.target, "renamed", lostNames(record));
      } else if (record.type === "childList") {
        for (const node of record.addedNodes) note(node, "added");
        for (const node of record.removedNodes) note(node, "removed");
      }
    }
    for (const [el, change] of this.changes) {
      if (this.changes.size <= MAX_CHANGES) break;
      this.changes.delete(el);
      this.forgotten = change.seen;
    }
  }

  /** Elements changed after `seen`, or null when some of them are forgotten. */
  private changesSince(seen: number): Change[] | null {
    if (seen < this.forgotten) return null;
    return [...this.changes.values()].filter((change) => change.seen > seen);
  }

  /**
   * Whether a cached selector still names its element, and that element is
   * still the target's anchor (see the class comment); brought up to date if so.
   */
  private holds(found: Found, target: Element): boolean {
    if (found.seen === this.seen) return true;
    const changes = this.changesSince(found.seen);
    // No anchor (a wrapper, or too long a selector) is cheap to work out again, and may have become one.
    if (!changes || !found.selector || !found.element || !target.isConnected) return false;
    const { element } = found;
    for (const change of changes) {
      const { node } = change;
      // Moved, wrapped or renamed around the target: its anchor or that anchor's path may be another now.
      // The body's and html's own names are in no selector.
      const top = node === this.doc.body || node === this.doc.documentElement;
      if ((change.added || (change.renamed && !top)) && (node.contains(target) || node.contains(element))) return false;
    }
    for (const { element, root, selector, anchored } of found.parts) {
      if (!element.isConnected || element.getRootNode() !== root || !matches(element, selector)) return false;
      if (!anchored && root.querySelector(selector) !== element) return false;
      for (const change of changes) {
        // A removed element is in no root (unless added again): it cannot match now.
        if (change.node.getRootNode() === root && newMatch(change, selector, element)) return false;
      }
    }
    found.seen = this.seen;
    return true;
  }

  /** The element's selector parts from the document down, host selectors first; null when it has none. */
  private partsOf(element: Element): Part[] | null {
    const parts: Part[] = [];
    for (let el: Element | null = element; el; ) {
      const root = el.getRootNode();
      const shadow = asShadowRoot(root);
      if (!shadow && root !== this.doc) return null;
      if (shadow) this.observe(shadow);
      const part = this.partIn(el, shadow ?? this.doc);
      if (!part) return null;
      parts.unshift(part);
      el = shadow ? shadow.host : null;
    }
    return parts;
  }

  /** A selector for `element` inside its own root: its name, or a path down from a named ancestor. */
  private partIn(element: Element, root: Root): Part | null {
    const steps: string[] = [];
    let length = 0;
    let anchored = false;
    for (let el: Element | null = element; el; el = el.parentElement) {
      const top = el === this.doc.body || el === this.doc.documentElement;
      const name = top ? el.localName : this.nameOf(el, root);
      steps.unshift(name ?? position(el));
      length += (steps[0]?.length ?? 0) + 3;
      if (name) {
        anchored = true;
        break;
      }
      if (length > MAX_ANCHOR_LENGTH) return null;
    }
    const selector = steps.join(" > ");
    // A path from a shadow root's top may match an element before ours.
    if (!anchored && root.querySelector(selector) !== element) return null;
    return { element, root, selector, anchored };
  }

  private nameOf(el: Element, root: Root): string | null {
    let names = this.candidates.get(el);
    if (!names) {
      names = candidateNames(el);
      this.candidates.set(el, names);
    }
    return names.find((name) => this.holderOf(root, name) === el) ?? null;
  }

  /** The one element a name matches in a root, or null (none or several). */
  private holderOf(root: Root, name: string): Element | null {
    let answers = this.answers.get(root);
    if (!answers || answers.size > MAX_ANSWERS) {
      answers = new Map();
      this.answers.set(root, answers);
    }
    let answer = answers.get(name);
    if (!answer || !this.answerHolds(answer, root, name)) {
      answer = { holder: soleMatch(root, name), seen: this.seen };
      answers.set(name, answer);
    }
    answer.seen = this.seen;
    return answer.holder;
  }

  private answerHolds(answer: Answer, root: Root, name: string): boolean {
    if (answer.seen === this.seen) return true;
    const changes = this.changesSince(answer.seen);
    if (!changes) return false;
    const { holder } = answer;
    if (!holder) {
      // Not unique: it may become so when an element holding the name leaves or loses it.
      return !changes.some(
        (change) =>
          (change.removed && matchesOther(change.node, name, null)) || change.lost.some((lost) => name.includes(lost)),
      );
    }
    if (!holder.isConnected || holder.getRootNode() !== root || !matches(holder, name)) return false;
    return !changes.some((change) => change.node.getRootNode() === root && newMatch(change, name, holder));
  }
}

/**
 * Whether a changed element matches the selector, other than `except`, or
 * may have made one inside it match: added, or renamed to a name the
 * selector holds (a class toggled on the body walks no page).
 */
function newMatch(change: Change, selector: string, except: Element): boolean {
  const { node } = change;
  if (node !== except && matches(node, selector)) return true;
  if (!change.added && !namesOf(node).some((name) => selector.includes(name))) return false;
  return matchesOther(node, selector, except);
}

/** An element's names as the fragments candidateNames writes (generated ones too: any may be in a selector's text). */
function namesOf(el: Element): string[] {
  const names = [...el.classList].map((name) => `.${CSS.escape(name)}`);
  if (el.id) names.push(`#${CSS.escape(el.id)}`);
  for (const attribute of TEST_ATTRIBUTES) {
    const value = el.getAttribute(attribute);
    if (value !== null) names.push(`[${attribute}="${cssString(value)}"]`);
  }
  return names;
}

/** Whether `node` or an element inside it matches the selector, other than `except`. */
function matchesOther(node: Element, selector: string, except: Element | null): boolean {
  try {
    if (node !== except && node.matches(selector)) return true;
    for (const match of node.querySelectorAll(selector)) if (match !== except) return true;
    return false;
  } catch {
    return true;
  }
}

function matches(el: Element, selector: string): boolean {
  try {
    return el.matches(selector);
  } catch {
    return false;
  }
}

/** The names an attribute change took from its element, as the fragments candidateNames writes. */
function lostNames(record: MutationRecord): string[] {
  const el = record.target as Element;
  const attribute = record.attributeName ?? "";
  const old = record.oldValue;
  if (old === null || old === el.getAttribute(attribute)) return [];
  if (attribute === "class")
    return old
      .split(/\s+/)
      .filter((name) => name && !el.classList.contains(name))
      .map((name) => `.${CSS.escape(name)}`);
  if (attribute === "id") return [`#${CSS.escape(old)}`];
  return [`[${attribute}="${cssString(old)}"]`];
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

function soleMatch(root: Root, selector: string): Element | null {
  try {
    const all = root.querySelectorAll(selector);
    return all.length === 1 ? (all[0] ?? null) : null;
  } catch {
    return null;
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
