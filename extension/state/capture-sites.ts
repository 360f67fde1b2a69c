/**
 * The sites where Heatlens runs (captures the cursor and can show the
 * overlay), in `storage.local`. Nowhere until the user adds a site or turns
 * on all sites, except the companion's own demo shop on this machine, which
 * the manifest enables so that a first run just works. A site is a scheme
 * and host: browsers' match patterns cannot name a port, so every port of
 * that host is included.
 */
import type { Storage } from "webextension-polyfill";
import { z } from "zod";

export const CaptureSites = z.object({
  /** Every http and https page (the user granted access to all sites). */
  allSites: z.boolean(),
  /** Sites as `scheme://host`, e.g. `https://staging.example.com`. */
  sites: z.array(z.string()).max(500),
});
export type CaptureSites = z.infer<typeof CaptureSites>;

export const DEFAULT_CAPTURE_SITES: CaptureSites = { allSites: false, sites: [] };
export const CAPTURE_SITES_KEY = "captureSites";

const ALL_SITES = ["http://*/*", "https://*/*"];

/**
 * Sites the manifest grants access to (the companion on this machine). Their
 * access is never given back when the site is removed: it also serves the
 * demo shop and the companion's HTTP API.
 */
export const BUILT_IN_SITES: readonly string[] = ["http://127.0.0.1", "http://localhost"];

/**
 * The site (`scheme://host`) of what the user typed: a URL, or a bare host
 * (taken as https). Throws with a readable message when it is not one.
 */
export function siteOf(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw new Error(`"${text}" is not a web address`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("only http and https sites can be added");
  if (!url.hostname) throw new Error(`"${text}" has no host`);
  return `${url.protocol}//${url.hostname}`;
}

/** Match patterns (for host permissions and content scripts) of the enabled sites. */
export function matchPatterns(sites: CaptureSites): string[] {
  return sites.allSites ? [...ALL_SITES] : sites.sites.map((site) => `${site}/*`);
}

export function parseCaptureSites(stored: unknown): CaptureSites {
  const parsed = CaptureSites.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_CAPTURE_SITES;
}

type StorageArea = Pick<Storage.StorageArea, "get" | "set">;

export async function loadCaptureSites(area: StorageArea): Promise<CaptureSites> {
  return parseCaptureSites((await area.get(CAPTURE_SITES_KEY))[CAPTURE_SITES_KEY]);
}

export async function saveCaptureSites(area: StorageArea, sites: CaptureSites): Promise<void> {
  await area.set({ [CAPTURE_SITES_KEY]: CaptureSites.parse({ ...sites, sites: [...new Set(sites.sites)] }) });
}
