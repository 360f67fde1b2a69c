/**
 * The overlay's own element, as every content script sees it: paint creates
 * it under this tag, and the tracker recognises it by the tag and never
 * captures events over it.
 */
export const OVERLAY_TAG = "heatlens-overlay";

export function isOverlayElement(target: EventTarget | null): boolean {
  return target instanceof Element && target.localName === OVERLAY_TAG;
}
