/**
 * What the popup asks of the background: the link, the outbox, the pause
 * switch and whether its tab shows the overlay; and the past ranges an
 * overlay asks of the companion's history API.
 */
import { HistoryRequest, type LinkStatus, type OutboxStatus, onMessage } from "../../protocol/messages";
import { isCapturePaused } from "../state/capture-pause";
import { loadSettings } from "../state/settings";
import { isOverlayOn } from "../state/tab-overlays";
import { fetchHistory } from "../transport/history";
import { removeOnAbort } from "./listeners";

export interface DeliveryStatus {
  status(): Promise<{ link: LinkStatus; outbox: OutboxStatus | null }>;
}

export function answerStatus(delivery: () => Promise<DeliveryStatus>, signal: AbortSignal): void {
  removeOnAbort(
    signal,
    onMessage("popup.status", async ({ data: tabId }) => ({
      ...(await (await delivery()).status()),
      overlay: await isOverlayOn(tabId),
      paused: await isCapturePaused(),
    })),
    onMessage("overlay.history", async ({ data }) => {
      const request = HistoryRequest.safeParse(data);
      if (!request.success)
        return { ok: false, code: "E_SCHEMA", reason: request.error.issues[0]?.message ?? "bad request" };
      return fetchHistory(await loadSettings(), request.data);
    }),
  );
}
