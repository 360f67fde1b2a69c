/**
 * Runs in the page's own world (`world: "MAIN"`), beside the tracker: relays
 * each uncaught error and unhandled rejection of the page as a bare
 * PAGE_ERROR_EVENT on `window`, which the tracker's isolated world hears.
 * Chromium does not dispatch a page's `error` and `unhandledrejection` events
 * to an isolated world's listeners at all (they belong to the world that
 * raised them); the relay is what lets a content script see error clicks
 * there. A page can fire the same event itself: it then only reports errors
 * of its own. Self-contained (an IIFE: no loader runs in the page's world).
 */
import { PAGE_ERROR_EVENT } from "./page-error-event";

const relay = () => dispatchEvent(new Event(PAGE_ERROR_EVENT));
// Not in the capture phase: resource load failures (an image's 404) reach window only there.
addEventListener("error", relay);
addEventListener("unhandledrejection", relay);
