/**
 * How the overlay looks, the same in every tab: tiles or smooth heat, a
 * linear or logarithmic colour scale, its opacity and the window it shows. Kept in `storage.local`, which content
 * scripts can read, and validated on every read.
 */
import { z } from "zod";
import { stored } from "./stored";

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

/** Stored as set so far: a pref never set, or a value from an older version that no longer fits, reads as its default. */
const overlayPrefs = stored("overlayPrefs", OverlayPrefs.partial(), {});

export async function loadOverlayPrefs(): Promise<OverlayPrefs> {
  return { ...DEFAULT_OVERLAY_PREFS, ...(await overlayPrefs.get()) };
}

export async function saveOverlayPrefs(change: Partial<OverlayPrefs>): Promise<void> {
  await overlayPrefs.set(OverlayPrefs.parse({ ...(await loadOverlayPrefs()), ...change }));
}

export function onOverlayPrefsChanged(listener: (prefs: OverlayPrefs) => void, signal: AbortSignal): void {
  overlayPrefs.watch((prefs) => listener({ ...DEFAULT_OVERLAY_PREFS, ...prefs }), signal);
}
