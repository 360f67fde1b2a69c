/**
 * Shows the stored "pause capture" switch on the toolbar badge: read once at
 * start, then followed until `signal` aborts.
 */
import { isCapturePaused, onCapturePauseChanged } from "../state/capture-pause";
import type { ToolbarBadge } from "./toolbar-badge";

export async function showCapturePause(badge: Pick<ToolbarBadge, "setPaused">, signal: AbortSignal): Promise<void> {
  onCapturePauseChanged((paused) => badge.setPaused(paused), signal);
  const paused = await isCapturePaused();
  if (!signal.aborted) badge.setPaused(paused);
}
