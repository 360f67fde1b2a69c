/**
 * The toolbar button's badge. On every tab the colour says whether the
 * companion is connected (green) or not (red, with a `!` on tabs without the
 * overlay); a tab that shows the overlay reads `ON`. Tab-specific values are
 * dropped by the browser when the tab navigates, so `showTab` is called again
 * after each load. Given the browser's `action` API, so that it loads anywhere.
 */
import type { Action } from "webextension-polyfill";

type BadgeApi = Pick<Action.Static, "setBadgeText" | "setBadgeBackgroundColor" | "setTitle">;

export const BADGE_COLORS = { connected: "#2a9d4b", disconnected: "#c62828" } as const;

export interface BadgeLook {
  text: string;
  color: string;
  title: string;
}

/** The badge for the whole browser, from the connection alone. */
export function globalBadge(connected: boolean): BadgeLook {
  return connected
    ? { text: "", color: BADGE_COLORS.connected, title: "Heatlens · connected to the companion" }
    : { text: "!", color: BADGE_COLORS.disconnected, title: "Heatlens · not connected to the companion" };
}

/** What a tab adds to the global badge: `ON` while it shows the overlay, else nothing of its own. */
export function tabBadgeText(overlayOn: boolean): string | null {
  return overlayOn ? "ON" : null;
}

export class ToolbarBadge {
  private connected: boolean | null = null;

  constructor(private readonly action: BadgeApi) {}

  setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    const look = globalBadge(connected);
    void Promise.all([
      this.action.setBadgeText({ text: look.text }),
      this.action.setBadgeBackgroundColor({ color: look.color }),
      this.action.setTitle({ title: look.title }),
    ]).catch(() => undefined);
  }

  showTab(tabId: number, overlayOn: boolean): void {
    // null resets the tab to the global text (the polyfill's types say string only).
    const text = tabBadgeText(overlayOn) as string;
    this.action.setBadgeText({ tabId, text }).catch(() => undefined);
  }
}
