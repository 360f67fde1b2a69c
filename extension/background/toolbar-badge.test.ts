import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setCapturePaused } from "../state/capture-pause";
import { fakeBrowser } from "../testing/fake-browser";
import { showCapturePause } from "./pause-badge";
import { BADGE_COLORS, globalBadge, PAUSED_BADGE, ToolbarBadge, tabBadgeText } from "./toolbar-badge";

describe("toolbar badge", () => {
  it("says whether the companion is connected, on every tab", () => {
    expect(globalBadge({ state: "open", lastError: null })).toMatchObject({ text: "", color: BADGE_COLORS.connected });
    for (const state of ["connecting", "closed", "needs-token", "not-running"] as const) {
      expect(globalBadge({ state, lastError: null })).toMatchObject({ text: "!", color: BADGE_COLORS.disconnected });
    }
  });

  it("says in its tooltip why it is not connected and what to do", () => {
    const look = globalBadge({ state: "not-running", lastError: "nothing answers at 127.0.0.1:8787" });
    expect(look.title).toBe(
      "Heatlens · Companion not running — nothing answers at 127.0.0.1:8787. Start it (npx heatlens), or correct Options → Companion URL.",
    );
  });

  it("sets the tooltip when the reason changes though the state does not", () => {
    const titles: string[] = [];
    const badge = new ToolbarBadge({
      setBadgeText: async () => undefined,
      setBadgeBackgroundColor: async () => undefined,
      setTitle: async ({ title }) => void titles.push(title ?? ""),
    });
    badge.setLink({ state: "token-refused", lastError: "the companion does not know this token" });
    badge.setLink({ state: "token-refused", lastError: "the companion does not know this token" });
    badge.setLink({ state: "token-refused", lastError: "this token was revoked" });
    expect(titles).toEqual([
      expect.stringContaining("does not know this token"),
      expect.stringContaining("this token was revoked"),
    ]);
  });

  it("marks a tab that shows the overlay and leaves the others to the global badge", () => {
    expect(tabBadgeText(true)).toBe("ON");
    expect(tabBadgeText(false)).toBeNull();
  });

  describe("while capture is paused", () => {
    let running: AbortController;
    beforeEach(() => {
      fakeBrowser.reset();
      running = new AbortController();
    });
    afterEach(() => running.abort());

    const until = async (check: () => boolean) => {
      const deadline = Date.now() + 2000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error("the badge did not change in time");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };

    it("says so on every tab, grey, with a tooltip, and is restored on resume", async () => {
      const badge = new ToolbarBadge(fakeBrowser.action as never);
      await showCapturePause(badge, running.signal);
      badge.setLink({ state: "open", lastError: null });
      badge.showTab(1, true);
      badge.showTab(2, false);
      await until(() => fakeBrowser.badgeText.get(1) === "ON");
      expect(fakeBrowser.badge.color).toBe(BADGE_COLORS.connected);

      await setCapturePaused(true);
      await until(() => fakeBrowser.badgeText.get(null) === PAUSED_BADGE.text);
      // The tab with the overlay drops its own text, so it shows the pause too.
      await until(() => fakeBrowser.badgeText.get(1) === null);
      expect(fakeBrowser.badgeText.get(2)).toBeNull();
      expect(fakeBrowser.badge).toEqual({ color: BADGE_COLORS.paused, title: "Heatlens: capture paused" });
      // A link change while paused does not hide the pause; a tab loaded meanwhile shows it too.
      badge.setLink({ state: "closed", lastError: null });
      badge.showTab(3, true);
      await until(() => fakeBrowser.badgeText.has(3));
      expect(fakeBrowser.badgeText.get(3)).toBeNull();
      expect(fakeBrowser.badgeText.get(null)).toBe("II");

      await setCapturePaused(false);
      await until(() => fakeBrowser.badgeText.get(null) === "!");
      await until(() => fakeBrowser.badgeText.get(1) === "ON" && fakeBrowser.badgeText.get(3) === "ON");
      expect(fakeBrowser.badge.color).toBe(BADGE_COLORS.disconnected);
      expect(fakeBrowser.badge.title).toContain("Heatlens · ");
    });

    it("reads a pause already stored when it starts, and stops following once its signal aborts", async () => {
      await setCapturePaused(true);
      const badge = new ToolbarBadge(fakeBrowser.action as never);
      await showCapturePause(badge, running.signal);
      expect(fakeBrowser.badgeText.get(null)).toBe("II");
      running.abort();
      // The storage change reaches its watchers before the write resolves.
      await setCapturePaused(false);
      expect(fakeBrowser.badgeText.get(null)).toBe("II");
    });
  });
});
