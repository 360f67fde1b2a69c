/**
 * The tracker and the overlay as the build writes them, for registering on
 * enabled sites: paths from the extension's root (Firefox resolves a relative
 * path against the calling page).
 */
import pageErrorsScript from "../capture/page-errors.iife.ts?script";
import trackerScript from "../capture/tracker.ts?script";
import overlayScript from "../paint/overlay.ts?script";

const fromRoot = (path: string) => `/${path.replace(/^\//, "")}`;

export const SITE_SCRIPTS: readonly string[] = [trackerScript, overlayScript].map(fromRoot);

/** Run in the page's own world: relays the page's errors to the tracker (capture/page-errors.iife.ts). */
export const PAGE_WORLD_SCRIPTS: readonly string[] = [fromRoot(pageErrorsScript)];
