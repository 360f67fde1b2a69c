/**
 * How the overlay looks, the same in every tab: heat on elements, page tiles
 * or smooth page heat; which points (moves, clicks or both); a linear or
 * logarithmic colour scale; its opacity and the window it shows; the scroll
 * map; the coverage layer; and where the legend panel sits and whether it is collapsed. Kept in
 * `storage.local`, which content scripts can read, and validated on every
 * read, field by field: one damaged or outdated field falls back to its
 * default without losing the others.
 */
import { z } from "zod";
import { stored } from "./stored";

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
  /** The coverage layer: every control on the page outlined as untouched, hovered only or clicked. */
  coverage: z.boolean(),
  /** The viewport corner the legend panel sits in. */
  corner: z.enum(["top-left", "top-right", "bottom-left", "bottom-right"]),
  /** The legend panel folded to a small pill. */
  collapsed: z.boolean(),
});
export type OverlayPrefs = z.infer<typeof OverlayPrefs>;
export type PaintMode = OverlayPrefs["mode"];
export type PanelCorner = OverlayPrefs["corner"];
export type HeatLayer = OverlayPrefs["layer"];

export const DEFAULT_OVERLAY_PREFS: OverlayPrefs = {
  mode: "elements",
  layer: "both",
  scale: "linear",
  opacity: 1,
  windowMs: null,
  scrollMap: false,
  coverage: false,
  corner: "bottom-right",
  collapsed: false,
};

/** Stored prefs as the overlay uses them: each valid field kept, each missing or invalid one at its default. */
export function parseOverlayPrefs(value: unknown): OverlayPrefs {
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const prefs: Record<string, unknown> = { ...DEFAULT_OVERLAY_PREFS };
  for (const [name, schema] of Object.entries(OverlayPrefs.shape)) {
    const field = schema.safeParse(record[name]);
    if (field.success) prefs[name] = field.data;
  }
  return prefs as OverlayPrefs;
}

const overlayPrefs = stored("overlayPrefs", z.unknown().transform(parseOverlayPrefs), DEFAULT_OVERLAY_PREFS);

export function loadOverlayPrefs(): Promise<OverlayPrefs> {
  return overlayPrefs.get();
}

export async function saveOverlayPrefs(change: Partial<OverlayPrefs>): Promise<void> {
  await overlayPrefs.set(OverlayPrefs.parse({ ...(await loadOverlayPrefs()), ...change }));
}

export function onOverlayPrefsChanged(listener: (prefs: OverlayPrefs) => void, signal: AbortSignal): void {
  overlayPrefs.watch(listener, signal);
}
