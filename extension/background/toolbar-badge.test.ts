import { describe, expect, it } from "vitest";
import { BADGE_COLORS, globalBadge, ToolbarBadge, tabBadgeText } from "./toolbar-badge";

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
});
