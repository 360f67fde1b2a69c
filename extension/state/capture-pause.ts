/**
 * The "pause capture" switch: while it is on, the background drops every
 * sample before it is stored, in every tab. Kept in `storage.local`, so it
 * outlasts restarts until the user turns it off.
 */
import browser from "webextension-polyfill";

const KEY = "capturePaused";

export async function isCapturePaused(): Promise<boolean> {
  return (await browser.storage.local.get(KEY))[KEY] === true;
}

export async function setCapturePaused(paused: boolean): Promise<void> {
  await browser.storage.local.set({ [KEY]: paused });
}
