/**
 * The overlay and share links (protocol/share-link.ts): the prefs a linked
 * view sets for the tab it was opened in (its mode, points and live window,
 * over the viewer's own until the viewer chooses otherwise; never stored, so
 * other tabs keep theirs; a band other than the viewer's is shown as a band
 * chosen in the legend is, see band-choice.ts), and the link of the view an
 * overlay shows, with its tester and comparison when on.
 */
import type { ShareCompare, ShareView } from "../../protocol/share-link";
import type { OverlayPrefs } from "../state/overlay-prefs";

export function linkedPrefs(view: ShareView): Partial<OverlayPrefs> {
  const prefs: Partial<OverlayPrefs> = {};
  if (view.mode) prefs.mode = view.mode;
  if (view.points) prefs.layer = view.points;
  if (view.time.kind === "window") prefs.windowMs = view.time.ms;
  return prefs;
}

/** What an overlay shows, as a share link names it. */
export interface ShownView {
  origin: string;
  path: string;
  /** The band of the grid on screen (the viewer's own, or another chosen), if one came. */
  band: string | null;
  prefs: Pick<OverlayPrefs, "mode" | "layer">;
  /** The past range on screen, else the live window. */
  range: { from: number; to: number } | null;
  windowMs: number;
  /** One tester's heat alone, and the comparison painted, when on. */
  tester?: string | null;
  compare?: ShareCompare | null;
}

export function shownShareView(shown: ShownView): ShareView {
  const { origin, path, band, prefs, range, windowMs, tester, compare } = shown;
  return {
    origin,
    path,
    band,
    time: range ? { kind: "range", from: range.from, to: range.to } : { kind: "window", ms: windowMs },
    layer: "document",
    points: prefs.layer,
    mode: prefs.mode,
    ...(tester == null ? {} : { tester }),
    ...(compare ? { compare } : {}),
  };
}
