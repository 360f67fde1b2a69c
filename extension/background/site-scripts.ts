/**
 * Runs the tracker and the overlay on the sites the user enabled, by
 * registering them as content scripts for exactly those sites (and only those
 * the browser has granted access to), in every frame: an iframe of an enabled
 * site is captured and painted as its own page. The demo shop's own pages are
 * left out: the manifest already runs the scripts there, and twice would
 * count every point twice. Re-synced when the sites or the granted
 * permissions change. Given the scripts' paths (`site-script-files.ts`), so
 * that it loads without the build.
 */
import browser from "webextension-polyfill";
import { loadCaptureSites, matchPatterns, onCaptureSitesChanged } from "../state/capture-sites";
import { listen } from "./listeners";

export const SCRIPT_ID = "heatlens-sites";
/** Where the manifest already runs the scripts (the companion's demo shop). */
const DEMO_PATTERNS = ["http://127.0.0.1/demo/*", "http://localhost/demo/*"];

export async function syncSiteScripts(scripts: readonly string[]): Promise<void> {
  const patterns = matchPatterns(await loadCaptureSites());
  const granted: string[] = [];
  for (const pattern of patterns) {
    if (await browser.permissions.contains({ origins: [pattern] })) granted.push(pattern);
  }
  const [current] = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (current && sameSet(current.matches ?? [], granted) && current.allFrames) return;
  if (current) await browser.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (granted.length === 0) return;
  await browser.scripting.registerContentScripts([
    {
      id: SCRIPT_ID,
      matches: granted,
      excludeMatches: DEMO_PATTERNS,
      js: [...scripts],
      allFrames: true,
      runAt: "document_idle",
    },
  ]);
}

/** Keeps the registration in step with the options page and with permissions granted or taken away. */
export function keepSiteScriptsInSync(scripts: readonly string[], signal: AbortSignal): void {
  const sync = () => void syncSiteScripts(scripts).catch(() => undefined);
  onCaptureSitesChanged(sync, signal);
  listen(browser.permissions.onAdded, sync, signal);
  listen(browser.permissions.onRemoved, sync, signal);
  sync();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * Resolves once the scripts are registered for `pattern` (the background may
 * be registering them at the same moment), or after `ms`. For a page that is
 * about to reload into a newly enabled site.
 */
export async function siteScriptsReady(scripts: readonly string[], pattern: string, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await syncSiteScripts(scripts).catch(() => undefined);
    const [current] = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
    if (current?.matches?.includes(pattern)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
