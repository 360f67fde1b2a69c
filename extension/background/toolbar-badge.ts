/**
 * The toolbar button's badge. On every tab the colour says whether the
 * companion is connected (green) or not (red, with a `!` on tabs without the
 * overlay), and the tooltip says why not and what to do; a tab that shows
 * the overlay reads `ON`. Tab-specific values are dropped by the browser when
 * the tab navigates, so `showTab` is called again after each load. While
 * capture is paused every tab reads `II` on grey, the tooltip saying so,
 * whatever the connection or the overlay: nothing is being recorded. Given the
 * browser's `action` API and imports nothing of the extension's APIs, so that
 * it loads anywhere (the end-to-end tests read its colours); pause-badge.ts
 * feeds it the pause.
 */
import type { Action } from "webextension-polyfill";
import type { LinkStatus } from "../../protocol/messages";
import { linkTitle } from "../transport/diagnose";

type BadgeApi = Pick<Action.Static, "setBadgeText" | "setBadgeBackgroundColor" | "setTitle">;
type Link = Pick<LinkStatus, "state" | "lastError">;

export const BADGE_COLORS = { connected: "#2a9d4b", disconnected: "#c62828", paused: "#6b7280" } as const;

export const PAUSED_BADGE = { text: "II", color: BADGE_COLORS.paused, title: "Heatlens: capture paused" } as const;

export interface BadgeLook {
  text: string;
  color: string;
  title: string;
}

/** The badge for the whole browser: the pause, else the connection. */
export function globalBadge(link: Link, paused = false): BadgeLook {
  if (paused) return { ...PAUSED_BADGE };
  const title = linkTitle(link);
  return link.state === "open"
    ? { text: "", color: BADGE_COLORS.connected, title }
    : { text: "!", color: BADGE_COLORS.disconnected, title };
}

/** What a tab adds to the global badge: `ON` while it shows the overlay (unless paused), else nothing of its own. */
export function tabBadgeText(overlayOn: boolean, paused = false): string | null {
  return overlayOn && !paused ? "ON" : null;
}

export class ToolbarBadge {
  private shown: BadgeLook | null = null;
  private link: Link = { state: "connecting", lastError: null };
  private paused = false;
  /** Tabs given their own text, re-set when the pause flips (a closed tab's failure forgets it). */
  private readonly tabsOn = new Set<number>();

  constructor(private readonly action: BadgeApi) {}

  setLink(link: Link): void {
    this.link = link;
    this.apply();
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.apply();
    for (const tabId of this.tabsOn) this.showTab(tabId, true);
  }

  private apply(): void {
    const look = globalBadge(this.link, this.paused);
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
    if (overlayOn) this.tabsOn.add(tabId);
    else this.tabsOn.delete(tabId);
    // null resets the tab to the global text (the polyfill's types say string only).
    const text = tabBadgeText(overlayOn, this.paused) as string;
    this.action.setBadgeText({ tabId, text }).catch(() => this.tabsOn.delete(tabId));
  }
}
