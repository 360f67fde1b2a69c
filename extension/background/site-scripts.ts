/**
 * Runs the tracker and the overlay on the sites the user enabled, by
 * registering them as content scripts for exactly those sites (and only those
 * the browser has granted access to), in every frame: an iframe of an enabled
 * site is captured and painted as its own page. The demo shop's own pages are
 * left out: the manifest already runs the scripts there, and twice would
 * count every point twice. Re-synced when the sites or the granted
 * permissions change. Given the scripts' paths (`site-script-files.ts`), so
 * that it loads without the build; `pageWorld` scripts are registered apart,
 * to run in the page's own world (the relay of its errors).
 */
import browser from "webextension-polyfill";
import { loadCaptureSites, matchPatterns, onCaptureSitesChanged } from "../state/capture-sites";
import { listen } from "./listeners";

export const SCRIPT_ID = "heatlens-sites";
export const PAGE_WORLD_SCRIPT_ID = "heatlens-sites-page-world";
/** Where the manifest already runs the scripts (the companion's demo shop). */
const DEMO_PATTERNS = ["http://127.0.0.1/demo/*", "http://localhost/demo/*"];

export async function syncSiteScripts(scripts: readonly string[], pageWorld: readonly string[] = []): Promise<void> {
  const patterns = matchPatterns(await loadCaptureSites());
  const granted: string[] = [];
  for (const pattern of patterns) {
    if (await browser.permissions.contains({ origins: [pattern] })) granted.push(pattern);
  }
  const ids = pageWorld.length > 0 ? [SCRIPT_ID, PAGE_WORLD_SCRIPT_ID] : [SCRIPT_ID];
  const current = await browser.scripting.getRegisteredContentScripts({ ids });
  const upToDate = (script: (typeof current)[number]) => sameSet(script.matches ?? [], granted) && script.allFrames;
  if (current.length === ids.length && current.every(upToDate)) return;
  if (current.length > 0) await browser.scripting.unregisterContentScripts({ ids: current.map((script) => script.id) });
  if (granted.length === 0) return;
  const where = { matches: granted, excludeMatches: DEMO_PATTERNS, allFrames: true };
  await browser.scripting.registerContentScripts([
    { id: SCRIPT_ID, ...where, js: [...scripts], runAt: "document_idle" },
    ...(pageWorld.length > 0
      ? [
          {
            id: PAGE_WORLD_SCRIPT_ID,
            ...where,
            js: [...pageWorld],
            runAt: "document_start" as const,
            world: "MAIN" as const,
          },
        ]
      : []),
  ]);
}

/** Keeps the registration in step with the options page and with permissions granted or taken away. */
export function keepSiteScriptsInSync(
  scripts: readonly string[],
  signal: AbortSignal,
  pageWorld: readonly string[] = [],
): void {
  const sync = () => void syncSiteScripts(scripts, pageWorld).catch(() => undefined);
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
export async function siteScriptsReady(
  scripts: readonly string[],
  pattern: string,
  ms = 3000,
  pageWorld: readonly string[] = [],
): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await syncSiteScripts(scripts, pageWorld).catch(() => undefined);
    const [current] = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
    if (current?.matches?.includes(pattern)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
