/**
 * The "pause capture" switch: while it is on, trackers take no samples, and
 * the background drops any sample taken after it was switched on (one still
 * on its way from a page when the switch flipped). Kept in `storage.local`,
 * so it outlasts restarts until the user turns it off.
 */
import { z } from "zod";
import { stored } from "./stored";

const paused = stored("capturePaused", z.boolean(), false);
/** When the pause began, ms since the epoch; unknown (a pause from before it was kept) pauses everything. */
const since = stored("capturePausedAt", z.number().int().nonnegative().nullable(), null);

export function isCapturePaused(): Promise<boolean> {
  return paused.get();
}

/** A test of whether a sample taken at `t` (ms since the epoch) was taken during the pause. */
export async function pausedAt(): Promise<(t: number) => boolean> {
  if (!(await paused.get())) return () => false;
  const from = await since.get();
  return from === null ? () => true : (t) => t >= from;
}

export async function setCapturePaused(on: boolean): Promise<void> {
  if (on) {
    await since.set(Date.now());
    await paused.set(true);
  } else {
    await paused.set(false);
    await since.remove();
  }
}

export function onCapturePauseChanged(listener: (paused: boolean) => void, signal: AbortSignal): void {
  paused.watch(listener, signal);
}
