/**
 * Anchored heat: a point also names the element under the cursor (its
 * anchor, a CSS selector written by the tracker) and where in that element's
 * box it was, so that a viewer at any width, scroll position or layout can
 * paint it on the same element. Scroll marks say how far each page view
 * reached. Declared once here for the tracker, the companion and the overlay.
 *
 * On the companion a page key has side keys beside it (same pane ring, same
 * history, same limits): each anchor's heat (`anchorKey`) and the page's
 * scroll marks (`scrollKey`). The page key itself keeps every point once, at
 * a point cell (`pointCell`) that also says whether the point had an anchor
 * and, if not, whether it was a click: the heat of points without an anchor
 * (a grid's `loose`) is read from it. Data stored before kept those under a
 * key of their own (`looseKey`); they are read into point cells.
 */

import { z } from "zod";
import type { SignalSummary } from "./signals";

/** Longest anchor selector, in characters. */
export const MAX_ANCHOR_LENGTH = 512;
/** Most anchors one page group of a batch may name. */
export const MAX_ANCHORS_PER_GROUP = 256;
/** Most scroll marks one page group of a batch may carry. */
export const MAX_SCROLL_MARKS_PER_GROUP = 256;
/** An offset inside an anchor's box is given in 1/ANCHOR_UNITS of its width and height: 0 … ANCHOR_UNITS - 1. */
export const ANCHOR_UNITS = 1024;
/** Anchor heat is kept in ANCHOR_GRID × ANCHOR_GRID tiles inside the element's box. */
export const ANCHOR_GRID = 8;
/** Scroll depth is reported in steps of this many percent of the document (or container) height. */
export const SCROLL_STEP_PERCENT = 5;
export const SCROLL_STEPS = 100 / SCROLL_STEP_PERCENT;

/**
 * Separates a CSS selector path across open shadow roots: `host-sel >>> inner-sel`
 * is `inner-sel` inside the shadow root of the element `host-sel` names.
 */
export const SHADOW_SEPARATOR = " >>> ";

/**
 * A selector as the tracker writes it: printable, no control characters
 * (which also keeps it out of key separators), bounded. It names elements by
 * test attributes, ids, classes and tag positions, never by their text.
 */
export const anchorSelector = z
  .string()
  .min(1)
  .max(MAX_ANCHOR_LENGTH)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "an anchor holds no control characters");

/** Kinds of scroll mark: `[dt, kind, value]` in a page group's `scroll`. */
export const ScrollMark = {
  /** A page view began; value: its viewport height in CSS px (its fold). */
  view: 0,
  /** The view's bottom edge reached value % of the document's height (a multiple of SCROLL_STEP_PERCENT, once per step). */
  reach: 1,
  /** The page's largest scroll container was scrolled to show value % of its content (same steps). */
  box: 2,
} as const;
export type ScrollMarkKind = (typeof ScrollMark)[keyof typeof ScrollMark];

/** The tile inside an anchor's box for an offset (u, v in 0 … ANCHOR_UNITS - 1): 0 … ANCHOR_GRID² - 1, row-major. */
export function anchorTile(u: number, v: number): number {
  const per = ANCHOR_UNITS / ANCHOR_GRID;
  return Math.floor(v / per) * ANCHOR_GRID + Math.floor(u / per);
}

/**
 * Cells of side keys carry whether the point was a click in their low bit:
 * an anchor's cell is `anchorTile * 2 + click`, a loose cell `packCell * 2 + click`.
 */
export function sideCell(base: number, click: boolean): number {
  return base * 2 + (click ? 1 : 0);
}

export function unpackSideCell(cell: number): { base: number; click: boolean } {
  return { base: Math.floor(cell / 2), click: cell % 2 === 1 };
}

/** A scroll key's cell: kind and value bucket (view: height / 8 px, at most 1023; reach and box: value / SCROLL_STEP_PERCENT). */
export function scrollCell(kind: ScrollMarkKind, value: number): number {
  const bucket = kind === ScrollMark.view ? Math.min(1023, value >> 3) : Math.round(value / SCROLL_STEP_PERCENT);
  return kind * 1024 + bucket;
}

export function unpackScrollCell(cell: number): { kind: ScrollMarkKind; bucket: number } {
  return { kind: Math.floor(cell / 1024) as ScrollMarkKind, bucket: cell % 1024 };
}

/**
 * A page key's cell for one point: its grid cell (`packCell`, protocol/grid.ts)
 * times 4, plus 0 for a point with an anchor (its clicks are its anchor's), 2
 * for a move without one and 3 for a click without one.
 */
export function pointCell(cell: number, anchored: boolean, click: boolean): number {
  return cell * 4 + (anchored ? 0 : click ? 3 : 2);
}

/** The grid cell (`packCell`) of a point cell. */
export function gridCellOf(pointCell: number): number {
  return pointCell >>> 2;
}

/** The loose cell (`sideCell(packCell, click)`) of a point cell without an anchor, or -1 for one with. */
export function looseCellOf(pointCell: number): number {
  const mark = pointCell & 3;
  return mark < 2 ? -1 : sideCell(pointCell >>> 2, mark === 3);
}

const SIDE = "\u0001";

/** The key of one anchor's heat on a page (`pageKey` from page-key.ts). */
export function anchorKey(pageKey: string, selector: string): string {
  return `${pageKey}${SIDE}a${selector}`;
}

/** The key that held a page's points without an anchor in data stored before point cells (read only). */
export function looseKey(pageKey: string): string {
  return `${pageKey}${SIDE}l`;
}

/** The key of a page's scroll marks. */
export function scrollKey(pageKey: string): string {
  return `${pageKey}${SIDE}s`;
}

/** Every side key of `pageKey` starts with this (and no other key does): a prefix for range reads. */
export function sidePrefix(pageKey: string): string {
  return `${pageKey}${SIDE}`;
}

export type SideKey =
  | { kind: "anchor"; pageKey: string; selector: string }
  | { kind: "loose"; pageKey: string }
  | { kind: "scroll"; pageKey: string };

/** The side key `key` names, or null for a page key. */
export function splitSideKey(key: string): SideKey | null {
  const at = key.indexOf(SIDE);
  if (at < 0) return null;
  const pageKey = key.slice(0, at);
  const tag = key[at + 1];
  if (tag === "a") return { kind: "anchor", pageKey, selector: key.slice(at + 2) };
  if (tag === "l") return { kind: "loose", pageKey };
  if (tag === "s") return { kind: "scroll", pageKey };
  return null;
}

/** One anchor's heat in a grid: flat `[tile, moves, clicks]` triples (tile from `anchorTile`). */
export const AnchorHeat = z.object({
  s: anchorSelector,
  cells: z.array(z.number().int()),
  /** Moves and clicks on the anchor in the window. */
  moves: z.number().int(),
  clicks: z.number().int(),
});
export type AnchorHeat = z.infer<typeof AnchorHeat>;

/** Scroll marks of a page in the window: views, and how many reached each step. */
export const ScrollSummary = z.object({
  views: z.number().int(),
  /** `reach[i]`: views whose bottom edge reached (i + 1) × SCROLL_STEP_PERCENT % of the document. */
  reach: z.array(z.number().int()),
  /** The same for the largest scroll container. */
  box: z.array(z.number().int()),
  /** Mean viewport height of the views, CSS px (0 without views): the average fold. */
  foldPx: z.number(),
});
export type ScrollSummary = z.infer<typeof ScrollSummary>;

/** The side heat of a grid with none: no clicks, anchors, loose points, scroll marks or signals. */
export function noSideHeat(): {
  clicks: number;
  anchors: AnchorHeat[];
  loose: { cells: number[]; fixed: number[] };
  evictedAnchors: number;
  scroll: ScrollSummary;
  signals: SignalSummary[];
} {
  return {
    signals: [],
    clicks: 0,
    anchors: [],
    loose: { cells: [], fixed: [] },
    evictedAnchors: 0,
    scroll: { views: 0, reach: [], box: [], foldPx: 0 },
  };
}
