/**
 * The overlay's Snapshot: only on the viewer's click, the background captures
 * the visible tab with the legend panel hidden; the picture gets the legend's
 * words burnt in (a strip below it: page, band, window or range, points,
 * time, tester) and is downloaded as a PNG named by site, page, band and
 * time. With "attach", a second capture with all of the overlay hidden (the
 * clean page) goes to the companion with its metadata, for the dashboard to
 * paint behind the page's heat. The layout and the words are pure; `takeSnapshot`
 * does the capturing through the functions it is given.
 */
import { type SnapshotMeta, snapshotFileName } from "../../protocol/snapshot";

/** What the strip under the picture says, one line each. */
export function burnInLines(meta: SnapshotMeta): string[] {
  const taken = `${new Date(meta.takenAt).toISOString().slice(0, 19).replace("T", " ")} UTC`;
  return [
    `Heatlens · ${meta.origin}${meta.path} · ${meta.band} band`,
    meta.legend,
    `taken ${taken}${meta.tester ? ` by ${meta.tester}` : ""} · ${meta.layoutWidth} px wide, scrolled to ${meta.scrollY} px`,
  ];
}

export interface BurnInLayout {
  width: number;
  /** The picture's height; the strip starts there. */
  top: number;
  height: number;
  fontPx: number;
  /** Each line's baseline, from the top of the output. */
  lines: { text: string; x: number; y: number }[];
}

/** The strip's place and each line's baseline, in picture pixels (CSS px × dpr): the picture is kept whole above it. */
export function burnInLayout(
  pictureWidth: number,
  pictureHeight: number,
  dpr: number,
  lines: readonly string[],
): BurnInLayout {
  const fontPx = Math.round(13 * dpr);
  const lineHeight = Math.round(18 * dpr);
  const pad = Math.round(8 * dpr);
  return {
    width: pictureWidth,
    top: pictureHeight,
    height: pictureHeight + pad * 2 + lineHeight * lines.length,
    fontPx,
    lines: lines.map((text, i) => ({
      text,
      x: pad,
      y: pictureHeight + pad + lineHeight * (i + 1) - Math.round(5 * dpr),
    })),
  };
}

/** The picture with its strip, as a PNG. */
export async function burnIn(picture: string, lines: readonly string[], dpr: number): Promise<Blob> {
  const image = await loadImage(picture);
  const layout = burnInLayout(image.naturalWidth, image.naturalHeight, dpr, lines);
  const canvas = document.createElement("canvas");
  canvas.width = layout.width;
  canvas.height = layout.height;
  const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
  ctx.drawImage(image, 0, 0);
  ctx.fillStyle = "#141820";
  ctx.fillRect(0, layout.top, layout.width, layout.height - layout.top);
  ctx.fillStyle = "#fff";
  ctx.font = `${layout.fontPx}px system-ui, sans-serif`;
  for (const line of layout.lines) ctx.fillText(line.text, line.x, line.y, layout.width - line.x * 2);
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("the picture could not be encoded"))),
      "image/png",
    ),
  );
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("the captured picture could not be read"));
    image.src = src;
  });
}

export interface SnapshotDeps {
  meta: SnapshotMeta;
  attach: boolean;
  /** Hides the legend panel (`panel`) or all of the overlay (`all`), or shows everything again (`none`). */
  hide(what: "panel" | "all" | "none"): void;
  /** The visible tab as a PNG data URL (the background's capture). */
  capture(): Promise<string>;
  /** Sends the clean picture and its metadata to the companion; the reason when it did not take it. */
  attachToPage(picture: string, meta: SnapshotMeta): Promise<string | null>;
  /** Saves the burnt-in picture under `name`. */
  download(picture: Blob, name: string): void;
}

/** Takes the snapshot; returns what to tell the viewer. The overlay is shown again whatever happens. */
export async function takeSnapshot(deps: SnapshotDeps): Promise<string> {
  const { meta } = deps;
  let heat: string;
  let clean: string | null = null;
  try {
    deps.hide("panel");
    await painted();
    heat = await deps.capture();
    if (deps.attach) {
      deps.hide("all");
      await painted();
      clean = await deps.capture();
    }
  } finally {
    deps.hide("none");
  }
  const name = snapshotFileName(meta);
  deps.download(await burnIn(heat, burnInLines(meta), meta.dpr), name);
  if (!clean) return `Snapshot saved: ${name}`;
  const refused = await deps.attachToPage(clean, meta);
  return refused ? `Snapshot saved, not attached: ${refused}` : `Snapshot saved and attached to ${meta.path}`;
}

/** Resolves once what was just hidden is on screen: the frame after the next one. */
function painted(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}
