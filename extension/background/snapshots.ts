/**
 * The overlay's snapshots, on the viewer's click: captures the visible part
 * of the sender's tab (`tabs.captureVisibleTab`, which needs the activeTab
 * grant of a toolbar click or shortcut on that tab, or access to all sites),
 * and attaches a clean picture to its page on the companion
 * (`POST /api/snapshots`, protocol/snapshot.ts), signed with the settings'
 * token. The background does the upload: a content script's requests are
 * the page's, and the companion refuses web origins.
 */
import browser from "webextension-polyfill";
import { onMessage } from "../../protocol/messages";
import { companionHttpBase } from "../../protocol/share-link";
import { encodeSnapshotMeta, SNAPSHOT_HEADER, SNAPSHOTS_PATH, SnapshotMeta } from "../../protocol/snapshot";
import { loadSettings } from "../state/settings";
import { removeOnAbort } from "./listeners";

/** Said when the browser refuses the capture: the usual cause, and the way to grant it. */
export const CAPTURE_REFUSED =
  "the browser did not let Heatlens capture this tab: click the Heatlens toolbar button on this tab (that grants it), then Snapshot again";

export function answerSnapshots(signal: AbortSignal): void {
  removeOnAbort(
    signal,
    onMessage("overlay.capture", async ({ sender }) => {
      if (!sender.tab?.active) return { ok: false, reason: "only the tab on screen can be captured" };
      try {
        const picture = await browser.tabs.captureVisibleTab(sender.tab.windowId as number, { format: "png" });
        return { ok: true, picture };
      } catch (error) {
        return { ok: false, reason: /permission/i.test(String(error)) ? CAPTURE_REFUSED : String(error) };
      }
    }),
    onMessage("overlay.attach", async ({ data }) => {
      const meta = SnapshotMeta.safeParse(data?.meta);
      if (!meta.success || typeof data.picture !== "string" || !data.picture.startsWith("data:image/png;base64,")) {
        return "not a snapshot";
      }
      return attach(data.picture, meta.data);
    }),
  );
}

async function attach(picture: string, meta: SnapshotMeta): Promise<string | null> {
  const { companionUrl, token } = await loadSettings();
  const png = Uint8Array.from(atob(picture.slice(picture.indexOf(",") + 1)), (c) => c.charCodeAt(0));
  const headers: Record<string, string> = { "content-type": "image/png", [SNAPSHOT_HEADER]: encodeSnapshotMeta(meta) };
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch(new URL(SNAPSHOTS_PATH, companionHttpBase(companionUrl)), {
      method: "POST",
      body: png,
      headers,
    });
    if (res.ok) return null;
    const body = (await res.json().catch(() => ({}))) as { code?: string; reason?: string };
    return `${body.code ?? `HTTP ${res.status}`}: ${body.reason ?? "refused"}`;
  } catch (error) {
    return `the companion is unreachable (${(error as Error).message})`;
  }
}
