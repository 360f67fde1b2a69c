/**
 * Shows the stored "pause capture" switch where it is shown (the toolbar
 * badge, and the companion's testers list through the delivery): read once
 * at start, then followed until `signal` aborts.
 */
import { isCapturePaused, onCapturePauseChanged } from "../state/capture-pause";

export async function showCapturePause(
  shown: { setPaused(paused: boolean): void },
  signal: AbortSignal,
): Promise<void> {
  onCapturePauseChanged((paused) => shown.setPaused(paused), signal);
  const paused = await isCapturePaused();
  if (!signal.aborted) shown.setPaused(paused);
}
