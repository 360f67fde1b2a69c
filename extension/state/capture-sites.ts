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
 * The site (`scheme://host`) of what the user typed: a URL, or a bare host,
 * taken as http on this machine and on private networks (`localhost:3000`,
 * `192.168.1.20`, `qa-box.local`, where test servers run without TLS) and as
 * https anywhere else. Throws with a readable message when it is not one.
 */
export function siteOf(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? "" : "http://";
    url = new URL(`${scheme}${text}`);
    if (scheme && !plainHttpHost(url.hostname)) url.protocol = "https:";
  } catch {
    throw new Error(`"${text}" is not a web address`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("only http and https sites can be added");
  if (!url.hostname) throw new Error(`"${text}" has no host`);
  return `${url.protocol}//${url.hostname}`;
}

/** Whether a host is this machine or on a private network: loopback, RFC 1918 and link-local addresses, `.local` and `.localhost` names. */
function plainHttpHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".local") || host === "[::1]") return true;
  const ip = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (!ip) return /^\[f[cd]/i.test(host) || /^\[fe[89ab]/i.test(host);
  const [a, b] = [Number(ip[1]), Number(ip[2])];
  return (
    a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
  );
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
