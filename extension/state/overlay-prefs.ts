/**
 * How the overlay looks, the same in every tab: tiles or smooth heat, a
 * linear or logarithmic colour scale, its opacity and the window it shows. Kept in `storage.local`, which content
 * scripts can read, and validated on every read.
 */
import browser from "webextension-polyfill";
import { z } from "zod";

export const OverlayPrefs = z.object({
  mode: z.enum(["tiles", "smooth"]),
  /** Colours in proportion to counts, or to their logarithms (more steps among the cold tiles). */
  scale: z.enum(["linear", "log"]),
  /** Opacity of the painted heat, 0.1–1. */
  opacity: z.number().min(0.1).max(1),
  /** Window length in ms; null, or one the companion does not serve, lets the companion use its default window. */
  windowMs: z.number().int().positive().nullable(),
});
export type OverlayPrefs = z.infer<typeof OverlayPrefs>;

export const DEFAULT_OVERLAY_PREFS: OverlayPrefs = { mode: "tiles", scale: "linear", opacity: 1, windowMs: null };

const KEY = "overlayPrefs";

export async function loadOverlayPrefs(): Promise<OverlayPrefs> {
  const stored = (await browser.storage.local.get(KEY))[KEY];
  const parsed = OverlayPrefs.partial().safeParse(stored);
  return { ...DEFAULT_OVERLAY_PREFS, ...(parsed.success ? parsed.data : {}) };
}

export async function saveOverlayPrefs(change: Partial<OverlayPrefs>): Promise<void> {
  const next = OverlayPrefs.parse({ ...(await loadOverlayPrefs()), ...change });
  await browser.storage.local.set({ [KEY]: next });
}

export function onOverlayPrefsChanged(listener: (prefs: OverlayPrefs) => void, signal: AbortSignal): void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === "local" && KEY in changes) void loadOverlayPrefs().then(listener);
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler));
}
