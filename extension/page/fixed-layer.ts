/**
 * Whether a point belongs to the fixed layer: over a `position: fixed`
 * element, or over a `position: sticky` one while it is stuck to the
 * viewport. A sticky element still in its place in the page (a sub-navigation
 * before it is scrolled to) belongs to the document like any other. Looks
 * through open shadow roots to their hosts' ancestors. Reads
 * style and layout, so it runs in the sampler's timer, never in an event
 * handler.
 */

import { composedParent } from "./composed-tree";

export interface StickyBox {
  /** The element's box in viewport coordinates. */
  top: number;
  bottom: number;
  /** Its computed `top` and `bottom` (`auto` when unset). */
  insetTop: string;
  insetBottom: string;
  viewportHeight: number;
}

/** A sticky element is stuck when it sits exactly at its sticky offset from a viewport edge. */
export function isStuck(box: StickyBox): boolean {
  const top = Number.parseFloat(box.insetTop);
  const bottom = Number.parseFloat(box.insetBottom);
  if (Number.isFinite(top) && Math.abs(box.top - top) < 1) return true;
  return Number.isFinite(bottom) && Math.abs(box.viewportHeight - box.bottom - bottom) < 1;
}

export function isInFixedLayer(target: EventTarget | null): boolean {
  for (let el = target instanceof Element ? target : null; el; el = composedParent(el)) {
    const style = getComputedStyle(el);
    if (style.position === "fixed") return true;
    if (style.position !== "sticky") continue;
    const rect = el.getBoundingClientRect();
    const box = { top: rect.top, bottom: rect.bottom, insetTop: style.top, insetBottom: style.bottom };
    if (isStuck({ ...box, viewportHeight: document.documentElement.clientHeight })) return true;
  }
  return false;
}
