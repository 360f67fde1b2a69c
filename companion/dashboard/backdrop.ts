/**
 * The page behind a heatmap: which snapshot (protocol/snapshot.ts) the
 * dashboard paints under the heat, where, and the caption saying how it is
 * aligned. A tile's side is `tile.size` × the layout width, so a picture
 * taken at layout width W lands scaled by canvas width / W, its top at its
 * scrollY in those units. Pure.
 */
import type { SnapshotEntry } from "../../protocol/snapshot";

/** The newest snapshot of `band`, else the newest of any band (`sameBand` false), or null without any. */
export function pickSnapshot(
  snapshots: readonly SnapshotEntry[],
  band: string,
): { snapshot: SnapshotEntry; sameBand: boolean } | null {
  const own = snapshots.find((s) => s.band === band);
  if (own) return { snapshot: own, sameBand: true };
  const [newest] = snapshots;
  return newest ? { snapshot: newest, sameBand: false } : null;
}

export interface Placement {
  /** Canvas px per CSS px of the page. */
  scale: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Tile rows the picture covers, first and last. */
  firstRow: number;
  lastRow: number;
}

/** Where a snapshot lies on a canvas `canvasWidth` px wide drawn with `cols` columns. */
export function placement(s: SnapshotEntry, canvasWidth: number, cols: number): Placement {
  const scale = canvasWidth / s.layoutWidth;
  const tile = s.layoutWidth / cols;
  return {
    scale,
    x: s.scrollX * scale,
    y: s.scrollY * scale,
    width: s.viewportWidth * scale,
    height: s.viewportHeight * scale,
    firstRow: Math.floor(s.scrollY / tile),
    lastRow: Math.ceil((s.scrollY + s.viewportHeight) / tile) - 1,
  };
}

/** `Behind the heat: the snapshot of 01:02:03 UTC by Ada (desktop), taken at 1265 px wide, scrolled 640 px: covers rows 25–40.` */
export function backdropCaption(
  s: SnapshotEntry,
  sameBand: boolean,
  band: { id: string; min: number; max: number | null },
  place: Placement,
): string {
  const time = `${new Date(s.takenAt).toISOString().slice(0, 19).replace("T", " ")} UTC`;
  const which = sameBand
    ? `the newest ${band.id} snapshot`
    : `the newest snapshot (${s.band}; this page has none of ${band.id})`;
  const by = s.tester ? ` by ${s.tester}` : "";
  const parts = [
    `Behind the heat: ${which}, of ${time}${by}, taken at ${s.layoutWidth} px wide, scrolled ${s.scrollY} px: covers rows ${place.firstRow}–${place.lastRow}, scaled ×${place.scale.toFixed(2)}.`,
  ];
  if (s.scrollX !== 0) parts.push(`Scrolled ${s.scrollX} px sideways: placed as far right.`);
  const outside = s.layoutWidth < band.min || (band.max !== null && s.layoutWidth > band.max);
  if (outside)
    parts.push(
      `Its layout width differs from the ${band.id} band's ${band.min}–${band.max ?? "∞"} px: elements may not sit under their heat.`,
    );
  return parts.join(" ");
}
