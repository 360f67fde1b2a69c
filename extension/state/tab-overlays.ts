/**
 * Which tabs show the overlay. Kept in `storage.session` so that it survives a
 * service-worker restart and a page reload, and dropped when the tab closes.
 */
import { z } from "zod";
import { stored } from "./stored";

const overlayTabs = stored("overlayTabs", z.array(z.number().int()), [], "session");

export async function isOverlayOn(tabId: number): Promise<boolean> {
  return (await overlayTabs.get()).includes(tabId);
}

export async function setOverlay(tabId: number, on: boolean): Promise<void> {
  const tabs = new Set(await overlayTabs.get());
  if (on) tabs.add(tabId);
  else tabs.delete(tabId);
  await overlayTabs.set([...tabs]);
}
