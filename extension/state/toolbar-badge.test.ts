import { describe, expect, it } from "vitest";
import { BADGE_COLORS, globalBadge, tabBadgeText } from "./toolbar-badge";

describe("toolbar badge", () => {
  it("says whether the companion is connected, on every tab", () => {
    expect(globalBadge(true)).toMatchObject({ text: "", color: BADGE_COLORS.connected });
    expect(globalBadge(false)).toMatchObject({ text: "!", color: BADGE_COLORS.disconnected });
  });

  it("marks a tab that shows the overlay and leaves the others to the global badge", () => {
    expect(tabBadgeText(true)).toBe("ON");
    expect(tabBadgeText(false)).toBeNull();
  });
});
