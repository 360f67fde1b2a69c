/**
 * How the overlay looks, the same in every tab: heat on elements, page tiles
 * or smooth page heat; which points (moves, clicks or both); a linear or
 * logarithmic colour scale; its opacity and the window it shows; the scroll
 * map; and where the legend panel sits and whether it is collapsed. Kept in
 * `storage.local`, which content scripts can read, and validated on every
 * read, field by field: one damaged or outdated field falls back to its
 * default without losing the others.
 */
import browser from "webextension-polyfill";
import { z } from "zod";

export const OverlayPrefs = z.object({
  /** `elements`: heat painted inside the elements it was over (any width); `tiles` and `smooth`: the page grid of this width band. */
  mode: z.enum(["elements", "tiles", "smooth"]),
  /** Which points the elements' heat counts: cursor moves, clicks, or both. */
  layer: z.enum(["moves", "clicks", "both"]),
  /** Colours in proportion to counts, or to their logarithms (more steps among the cold tiles). */
  scale: z.enum(["linear", "log"]),
  /** Opacity of the painted heat, 0.1–1. */
  opacity: z.number().min(0.1).max(1),
  /** Window length in ms; null, or one the companion does not serve, lets the companion use its default window. */
  windowMs: z.number().int().positive().nullable(),
  /** The scroll map: how many views reached each depth, at the right edge. */
  scrollMap: z.boolean(),
  /** The viewport corner the legend panel sits in. */
  corner: z.enum(["top-left", "top-right", "bottom-left", "bottom-right"]),
  /** The legend panel folded to a small pill. */
  collapsed: z.boolean(),
});
export type OverlayPrefs = z.infer<typeof OverlayPrefs>;
export type PanelCorner = OverlayPrefs["corner"];
export type HeatLayer = OverlayPrefs["layer"];

export const DEFAULT_OVERLAY_PREFS: OverlayPrefs = {
  mode: "elements",
  layer: "both",
  scale: "linear",
  opacity: 1,
  windowMs: null,
  scrollMap: false,
  corner: "bottom-right",
  collapsed: false,
};

const KEY = "overlayPrefs";

/** Stored prefs as the overlay uses them: each valid field kept, each missing or invalid one at its default. */
export function parseOverlayPrefs(stored: unknown): OverlayPrefs {
  const record = typeof stored === "object" && stored !== null ? (stored as Record<string, unknown>) : {};
  const prefs: Record<string, unknown> = { ...DEFAULT_OVERLAY_PREFS };
  for (const [name, schema] of Object.entries(OverlayPrefs.shape)) {
    const field = schema.safeParse(record[name]);
    if (field.success) prefs[name] = field.data;
  }
  return prefs as OverlayPrefs;
}

export async function loadOverlayPrefs(): Promise<OverlayPrefs> {
  return parseOverlayPrefs((await browser.storage.local.get(KEY))[KEY]);
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
