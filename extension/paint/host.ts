/**
 * The overlay's host element: a click-through, full-viewport box whose closed
 * shadow root holds everything the overlay draws. The tracker recognises it by
 * its tag and never captures events over it.
 */
export const OVERLAY_TAG = "heatlens-overlay";

const HOST_STYLE =
  "all: initial; position: fixed; inset: 0; z-index: 2147483647; pointer-events: none; display: block;";

export function createHost(): { host: HTMLElement; root: ShadowRoot } {
  const host = document.createElement(OVERLAY_TAG);
  host.setAttribute("style", HOST_STYLE);
  const root = host.attachShadow({ mode: "closed" });
  return { host, root };
}

export function isOverlayElement(target: EventTarget | null): boolean {
  return target instanceof Element && target.localName === OVERLAY_TAG;
}
