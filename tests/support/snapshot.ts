/** Snapshots for tests: a plain PNG, metadata for a page, and an upload to a companion. */
import { PNG } from "pngjs";
import { encodeSnapshotMeta, SNAPSHOT_HEADER, type SnapshotMeta } from "../../protocol/snapshot";
import { SITE } from "./site";

/** A `width`×`height` PNG of one colour. */
export function plainPng(width: number, height: number, [r, g, b] = [200, 30, 30]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([r, g, b, 255], i);
  return PNG.sync.write(png);
}

/** A `width`×`height` PNG of noise, which does not compress: its size is about 4 bytes a pixel. */
export function noisyPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  let seed = 7;
  for (let i = 0; i < png.data.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    png.data[i] = i % 4 === 3 ? 255 : seed >> 23;
  }
  return PNG.sync.write(png);
}

export function snapshotMeta(overrides: Partial<SnapshotMeta> = {}): SnapshotMeta {
  return {
    origin: SITE,
    path: "/demo/product/1",
    band: "desktop",
    layoutWidth: 1265,
    viewportWidth: 1280,
    viewportHeight: 720,
    scrollX: 0,
    scrollY: 640,
    dpr: 1,
    documentHeight: 2400,
    takenAt: Date.now(),
    time: { kind: "window", ms: 300_000 },
    mode: "tiles",
    points: "both",
    legend: "desktop · last 5 min · 80 points",
    tester: "Ada",
    ...overrides,
  };
}

/** POSTs `png` with `meta` (or a raw header value) to `/api/snapshots`. */
export function upload(
  base: string,
  png: Buffer,
  meta: SnapshotMeta | string | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  const all: Record<string, string> = { "content-type": "image/png", ...headers };
  if (meta !== null) all[SNAPSHOT_HEADER] = typeof meta === "string" ? meta : encodeSnapshotMeta(meta);
  return fetch(`${base}/api/snapshots`, { method: "POST", body: new Uint8Array(png), headers: all });
}
