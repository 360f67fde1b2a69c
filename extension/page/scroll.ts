/**
 * How far down a page view has reached, in steps of SCROLL_STEP_PERCENT: for
 * the document (the viewport's bottom edge against the document's height) and
 * for the page's largest scroll container (its visible bottom against its
 * content's height). The tracker sends the steps as scroll marks; the overlay
 * finds the same container to paint the container's scroll map beside it.
 */
import { SCROLL_STEP_PERCENT } from "../../protocol/anchor";

/** A bottom edge within this many px of the end has reached it (fractional scroll positions under zoom). */
const END_SLACK_PX = 1;

/** The share (%) of `height` above `bottom`, 0…100; a page with no height is wholly seen. */
export function reachPercent(bottom: number, height: number): number {
  if (!(height > 0)) return 100;
  if (bottom >= height - END_SLACK_PX) return 100;
  return Math.max(0, (bottom / height) * 100);
}

/** The document's reach: the viewport's bottom edge against the document's scroll height. */
export function documentReach(win: Window): number {
  const doc = win.document;
  const height = Math.max(doc.documentElement.scrollHeight, doc.body?.scrollHeight ?? 0);
  return reachPercent(win.scrollY + win.innerHeight, height);
}

/** A scroll container's reach: its visible bottom against its content's height. */
export function boxReach(el: Element): number {
  return reachPercent(el.scrollTop + el.clientHeight, el.scrollHeight);
}

/** The step values (multiples of SCROLL_STEP_PERCENT) above `reached` and up to `percent`, in order. */
export function stepsCrossed(reached: number, percent: number): number[] {
  const top = Math.floor(percent / SCROLL_STEP_PERCENT) * SCROLL_STEP_PERCENT;
  const steps: number[] = [];
  for (let step = reached + SCROLL_STEP_PERCENT; step <= top; step += SCROLL_STEP_PERCENT) steps.push(step);
  return steps;
}

/**
 * The element, other than the document's own scroller, that scrolls its
 * content vertically (overflow-y auto or scroll, content taller than its box)
 * over the largest visible area; the first in document order on a tie. Null
 * when there is none. Reads layout of every element: call it at a view's
 * start or when an unknown element scrolls, not per event.
 */
export function largestScrollContainer(doc: Document): Element | null {
  let best: Element | null = null;
  let bestArea = 0;
  const view = doc.defaultView;
  if (!view || !doc.body) return null;
  for (const el of doc.body.querySelectorAll("*")) {
    if (el.scrollHeight <= el.clientHeight + END_SLACK_PX) continue;
    const area = el.clientWidth * el.clientHeight;
    if (area <= bestArea) continue;
    const overflow = view.getComputedStyle(el).overflowY;
    if (overflow !== "auto" && overflow !== "scroll" && overflow !== "overlay") continue;
    best = el;
    bestArea = area;
  }
  return best;
}
