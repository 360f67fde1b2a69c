/**
 * The query parameters the companion keeps in page keys, as its welcome says.
 * The background stores them; the tracker and the overlay read them, so that
 * they send those parameters and no others.
 */
import browser from "webextension-polyfill";
import { z } from "zod";

const KEY = "keptQuery";
const Names = z.array(z.string().max(100)).max(50);

export async function loadKeptQuery(): Promise<string[]> {
  const parsed = Names.safeParse((await browser.storage.local.get(KEY))[KEY]);
  return parsed.success ? parsed.data : [];
}

export async function saveKeptQuery(names: readonly string[]): Promise<void> {
  const parsed = Names.safeParse(names);
  await browser.storage.local.set({ [KEY]: parsed.success ? parsed.data : [] });
}

export function onKeptQueryChanged(listener: (names: string[]) => void, signal: AbortSignal): void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === "local" && KEY in changes) void loadKeptQuery().then(listener);
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler));
}
