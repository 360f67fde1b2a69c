/**
 * The "pause capture" switch: while it is on, trackers take no samples, and
 * the background drops any sample taken after it was switched on (one still
 * on its way from a page when the switch flipped). Kept in `storage.local`,
 * so it outlasts restarts until the user turns it off.
 */
import browser from "webextension-polyfill";

const KEY = "capturePaused";
/** When the pause began, ms since the epoch. */
const SINCE = "capturePausedAt";

export async function isCapturePaused(): Promise<boolean> {
  return (await browser.storage.local.get(KEY))[KEY] === true;
}

/** A test of whether a sample taken at `t` (ms since the epoch) was taken during the pause. */
export async function pausedAt(): Promise<(t: number) => boolean> {
  const stored = await browser.storage.local.get([KEY, SINCE]);
  if (stored[KEY] !== true) return () => false;
  const since = stored[SINCE];
  return typeof since === "number" ? (t) => t >= since : () => true;
}

export async function setCapturePaused(paused: boolean): Promise<void> {
  if (paused) await browser.storage.local.set({ [KEY]: true, [SINCE]: Date.now() });
  else {
    await browser.storage.local.set({ [KEY]: false });
    await browser.storage.local.remove(SINCE);
  }
}

export function onCapturePauseChanged(listener: (paused: boolean) => void, signal: AbortSignal): void {
  const handler = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area === "local" && KEY in changes) listener(changes[KEY]?.newValue === true);
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler));
}
