/**
 * A snapshot: a PNG of a page as a viewer saw it, attached to the page on the
 * companion so that the dashboard paints the page behind its heat. Its
 * metadata, defined once here, says where the picture sits in the page's
 * tile geometry: a tile's side is `layoutWidth / cols` CSS px, so the picture
 * (viewport px × dpr) lands at `scrollX, scrollY` in document CSS px.
 *
 * On the wire (`POST /api/snapshots`): the body is the PNG, the metadata is
 * the `x-heatlens-snapshot` header, JSON written with `encodeURIComponent`
 * (a header holds ASCII only, a legend does not). A web page cannot send that
 * header cross-origin without a CORS preflight, which the companion never
 * grants.
 */
import { z } from "zod";
import { SHARE_MODES, SHARE_POINTS } from "./share-link";
import { layoutWidth, origin, pagePath } from "./subscription";

export const SNAPSHOT_HEADER = "x-heatlens-snapshot";
export const SNAPSHOTS_PATH = "/api/snapshots";
/** The first eight bytes of every PNG file. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

const px = z.number().int().min(0).max(10_000_000);
const epochMs = z.number().int().nonnegative().max(8.64e15);

/** The live window or the history range the heat on the picture covers. */
export const SnapshotTime = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("window"), ms: z.number().int().positive() }),
  z.object({ kind: z.literal("range"), from: epochMs, to: epochMs }),
]);

export const SnapshotMeta = z
  .object({
    /** The page's key: its site and key path, as the overlay watches it. */
    origin,
    path: pagePath,
    /** Width band id of the heat shown. */
    band: z.string().regex(/^[a-z0-9-]{1,32}$/),
    /** The page's layout width (CSS px, without the scroll bar): what tiles are measured in. */
    layoutWidth,
    /** The visible part of the page the picture holds, in CSS px. */
    viewportWidth: layoutWidth,
    viewportHeight: layoutWidth,
    scrollX: px,
    scrollY: px,
    /** Picture pixels per CSS px. */
    dpr: z.number().positive().max(16),
    documentHeight: px,
    takenAt: epochMs,
    time: SnapshotTime,
    mode: z.enum(SHARE_MODES),
    points: z.enum(SHARE_POINTS),
    /** The legend's text, as burnt into the downloaded picture. */
    legend: z.string().max(1000),
    /** The tester's display name (the extension's settings); may be empty. */
    tester: z.string().max(64),
  })
  .refine((meta) => meta.time.kind === "window" || meta.time.to > meta.time.from, {
    path: ["time", "to"],
    message: "a range ends after it starts",
  });
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

/** A stored snapshot as `GET /api/snapshots` lists it; `url` serves its PNG. */
export interface SnapshotEntry extends SnapshotMeta {
  id: string;
  bytes: number;
  /** When the companion stored it. */
  storedAt: number;
  url: string;
}

export const SNAPSHOT_ID = /^[0-9a-f]{16}$/;

export function encodeSnapshotMeta(meta: SnapshotMeta): string {
  return encodeURIComponent(JSON.stringify(meta));
}

/** The header's metadata, or why it is unusable. */
export function decodeSnapshotMeta(
  header: string | undefined,
): { ok: true; meta: SnapshotMeta } | { ok: false; reason: string } {
  if (!header) return { ok: false, reason: `the ${SNAPSHOT_HEADER} header (the snapshot's metadata) is required` };
  let raw: unknown;
  try {
    raw = JSON.parse(decodeURIComponent(header));
  } catch {
    return { ok: false, reason: `${SNAPSHOT_HEADER} must be URI-encoded JSON` };
  }
  const parsed = SnapshotMeta.safeParse(raw);
  if (parsed.success) return { ok: true, meta: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `bad snapshot metadata: ${issue?.path.join(".") || "(root)"}: ${issue?.message}` };
}

/** Whether `bytes` is a whole PNG file in its structure (not only its first eight bytes). */
export function isPng(bytes: Uint8Array): boolean {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return false;
  // Chunks: length, type, data, CRC; IHDR (13 bytes) first, then one after another to an IEND that ends the file.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at: number = PNG_SIGNATURE.length, first = true; at + 12 <= bytes.length; first = false) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type) || (first && (type !== "IHDR" || length !== 13))) return false;
    const end = at + 12 + length;
    if (type === "IEND") return length === 0 && end === bytes.length;
    at = end;
  }
  return false;
}

/**
 * `heatlens-127.0.0.1-8787-demo-product-1-desktop-2026-11-30T01-02-03Z.png`:
 * site, page, band and time, in characters every file system takes.
 */
export function snapshotFileName(meta: Pick<SnapshotMeta, "origin" | "path" | "band" | "takenAt">): string {
  const site = meta.origin.replace(/^[a-z]+:\/\//, "");
  const page = meta.path === "/" ? "home" : meta.path;
  const time = new Date(meta.takenAt).toISOString().slice(0, 19).replaceAll(":", "-");
  const slug = (text: string) =>
    text
      .replace(/[^A-Za-z0-9.]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80);
  return `heatlens-${slug(site)}-${slug(page)}-${meta.band}-${time}Z.png`;
}
