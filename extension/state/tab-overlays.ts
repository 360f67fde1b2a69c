/**
 * Which tabs show the overlay. Kept in `storage.session` so that it survives a
 * service-worker restart and a page reload, and dropped when the tab closes.
 */
import browser from "webextension-polyfill";

const KEY = "overlayTabs";

async function read(): Promise<number[]> {
  const stored = (await browser.storage.session.get(KEY))[KEY];
  return Array.isArray(stored) ? stored.filter((id): id is number => Number.isInteger(id)) : [];
}

export async function isOverlayOn(tabId: number): Promise<boolean> {
  return (await read()).includes(tabId);
}

export async function setOverlay(tabId: number, on: boolean): Promise<void> {
  const tabs = new Set(await read());
  if (on) tabs.add(tabId);
  else tabs.delete(tabId);
  await browser.storage.session.set({ [KEY]: [...tabs] });
}
