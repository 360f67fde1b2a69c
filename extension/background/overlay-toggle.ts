/**
 * The overlay's on/off switch, per tab: the popup's toggle, the keyboard
 * shortcut, and each overlay asking at load whether its tab shows it (every
 * frame asks, and gets its tab's answer). Turning it on or off reaches every
 * frame of the tab; off also drops the tab's watches. The toolbar badge says
 * ON for such a tab, put back after each load since the browser drops it.
 */
import browser from "webextension-polyfill";
import { onMessage, sendMessage } from "../../protocol/messages";
import { isOverlayOn, setOverlay } from "../state/tab-overlays";
import { listen, removeOnAbort } from "./listeners";
import type { ToolbarBadge } from "./toolbar-badge";

/** The keyboard shortcut declared in the manifest's `commands`. */
export const TOGGLE_COMMAND = "toggle-overlay";

export class OverlayToggle {
  constructor(
    private readonly routing: { unwatchTab(tabId: number): void },
    private readonly badge: Pick<ToolbarBadge, "showTab">,
  ) {}

  async show(tabId: number, on: boolean): Promise<void> {
    await setOverlay(tabId, on);
    if (!on) this.routing.unwatchTab(tabId);
    this.badge.showTab(tabId, on);
    // No frame id: the message reaches every frame of the tab.
    await sendMessage("overlay.show", on, tabId).catch(() => undefined);
  }

  listen(signal: AbortSignal): void {
    removeOnAbort(
      signal,
      onMessage("overlay.state", ({ sender }) => (sender.tab?.id === undefined ? false : isOverlayOn(sender.tab.id))),
      onMessage("popup.toggle", ({ data }) => this.show(data.tabId, data.on)),
    );
    const command = async (name: string, tab?: { id?: number }) => {
      if (name !== TOGGLE_COMMAND) return;
      const tabId = tab?.id ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
      if (tabId !== undefined) await this.show(tabId, !(await isOverlayOn(tabId)));
    };
    const loaded = (tabId: number, change: { status?: string }) => {
      if (change.status === "complete") void isOverlayOn(tabId).then((on) => this.badge.showTab(tabId, on));
    };
    listen(browser.commands.onCommand, command, signal);
    listen(browser.tabs.onUpdated, loaded, signal);
    listen(browser.tabs.onRemoved, (tabId: number) => void setOverlay(tabId, false), signal);
  }
}
