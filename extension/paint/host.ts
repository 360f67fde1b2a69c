/**
 * The overlay's host element: a click-through, full-viewport box whose closed
 * shadow root holds everything the overlay draws. The tracker recognises it by
 * its tag (see page/overlay-element) and never captures events over it.
 */
import { OVERLAY_TAG } from "../page/overlay-element";

const HOST_STYLE =
  "all: initial; position: fixed; inset: 0; z-index: 2147483647; pointer-events: none; display: block;";

export function createHost(): { host: HTMLElement; root: ShadowRoot } {
  const host = document.createElement(OVERLAY_TAG);
  host.setAttribute("style", HOST_STYLE);
  const root = host.attachShadow({ mode: "closed" });
  return { host, root };
}
