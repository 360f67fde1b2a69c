/**
 * The sites where Heatlens runs (captures the cursor and can show the
 * overlay), in `storage.local`. Nowhere until the user adds a site or turns
 * on all sites, except the companion's own demo shop on this machine, which
 * the manifest enables so that a first run just works. A site is a scheme
 * and host: browsers' match patterns cannot name a port, so every port of
 * that host is included.
 */
import { z } from "zod";
import { stored } from "./stored";

export const CaptureSites = z.object({
  /** Every http and https page (the user granted access to all sites). */
  allSites: z.boolean(),
  /** Sites as `scheme://host`, e.g. `https://staging.example.com`. */
  sites: z.array(z.string()).max(500),
});
export type CaptureSites = z.infer<typeof CaptureSites>;

export const DEFAULT_CAPTURE_SITES: CaptureSites = { allSites: false, sites: [] };

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

const captureSites = stored("captureSites", CaptureSites, DEFAULT_CAPTURE_SITES);

export function loadCaptureSites(): Promise<CaptureSites> {
  return captureSites.get();
}

export async function saveCaptureSites(sites: CaptureSites): Promise<void> {
  await captureSites.set({ ...sites, sites: [...new Set(sites.sites)] });
}

export function onCaptureSitesChanged(listener: (sites: CaptureSites) => void, signal: AbortSignal): void {
  captureSites.watch(listener, signal);
}
