/**
 * The toolbar button's badge. On every tab the colour says whether the
 * companion is connected (green) or not (red, with a `!` on tabs without the
 * overlay), and the tooltip says why not and what to do; a tab that shows
 * the overlay reads `ON`. Tab-specific values are dropped by the browser when
 * the tab navigates, so `showTab` is called again after each load. Given the
 * browser's `action` API, so that it loads anywhere.
 */
import type { Action } from "webextension-polyfill";
import type { LinkStatus } from "../../protocol/messages";
import { linkTitle } from "../transport/diagnose";

type BadgeApi = Pick<Action.Static, "setBadgeText" | "setBadgeBackgroundColor" | "setTitle">;
type Link = Pick<LinkStatus, "state" | "lastError">;

export const BADGE_COLORS = { connected: "#2a9d4b", disconnected: "#c62828" } as const;

export interface BadgeLook {
  text: string;
  color: string;
  title: string;
}

/** The badge for the whole browser, from the connection alone. */
export function globalBadge(link: Link): BadgeLook {
  const title = linkTitle(link);
  return link.state === "open"
    ? { text: "", color: BADGE_COLORS.connected, title }
    : { text: "!", color: BADGE_COLORS.disconnected, title };
}

/** What a tab adds to the global badge: `ON` while it shows the overlay, else nothing of its own. */
export function tabBadgeText(overlayOn: boolean): string | null {
  return overlayOn ? "ON" : null;
}

export class ToolbarBadge {
  private shown: BadgeLook | null = null;

  constructor(private readonly action: BadgeApi) {}

  setLink(link: Link): void {
    const look = globalBadge(link);
    const { shown } = this;
    if (shown && shown.text === look.text && shown.title === look.title) return;
    this.shown = look;
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
