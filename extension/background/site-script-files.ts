/**
 * The tracker and the overlay as the build writes them, for registering on
 * enabled sites: paths from the extension's root (Firefox resolves a relative
 * path against the calling page).
 */
import trackerScript from "../capture/tracker.ts?script";
import overlayScript from "../paint/overlay.ts?script";

export const SITE_SCRIPTS: readonly string[] = [trackerScript, overlayScript].map(
  (path) => `/${path.replace(/^\//, "")}`,
);
