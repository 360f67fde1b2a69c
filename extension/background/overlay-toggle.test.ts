import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isOverlayOn, setOverlay } from "../state/tab-overlays";
import { fakeBrowser } from "../testing/fake-browser";
import { OverlayToggle, TOGGLE_COMMAND } from "./overlay-toggle";
import { ToolbarBadge } from "./toolbar-badge";

describe("OverlayToggle", () => {
  let unwatched: number[];
  let running: AbortController;

  beforeEach(() => {
    fakeBrowser.reset();
    unwatched = [];
    running = new AbortController();
    const routing = { unwatchTab: (tabId: number) => void unwatched.push(tabId) };
    new OverlayToggle(routing, new ToolbarBadge(fakeBrowser.action as never)).listen(running.signal);
  });
  afterEach(() => running.abort());

  it("turns the overlay on in every frame of the tab and marks its badge; off also drops the tab's watches", async () => {
    const page = fakeBrowser.addFrame(1, 0);
    const frame = fakeBrowser.addFrame(1, 9);
    const otherTab = fakeBrowser.addFrame(2, 0);
    await fakeBrowser.send("popup.toggle", { tabId: 1, on: true });
    expect(page.got("overlay.show")).toEqual([true]);
    expect(frame.got("overlay.show")).toEqual([true]);
    expect(otherTab.got("overlay.show")).toEqual([]);
    expect(fakeBrowser.badgeText.get(1)).toBe("ON");
    expect(await isOverlayOn(1)).toBe(true);
    expect(unwatched).toEqual([]);

    await fakeBrowser.send("popup.toggle", { tabId: 1, on: false });
    expect(frame.got("overlay.show")).toEqual([true, false]);
    expect(fakeBrowser.badgeText.get(1)).toBeNull();
    expect(await isOverlayOn(1)).toBe(false);
    expect(unwatched).toEqual([1]);
  });

  it("tells every frame that asks whether its tab shows the overlay", async () => {
    await setOverlay(1, true);
    expect(await fakeBrowser.sendFrom(1, 0, "overlay.state")).toBe(true);
    expect(await fakeBrowser.sendFrom(1, 12, "overlay.state")).toBe(true);
    expect(await fakeBrowser.sendFrom(2, 0, "overlay.state")).toBe(false);
    expect(await fakeBrowser.send("overlay.state")).toBe(false);
  });

  it("flips the tab the keyboard shortcut was pressed on, and ignores other commands", async () => {
    const page = fakeBrowser.addFrame(4);
    fakeBrowser.commands.onCommand.emit("something-else", { id: 4 });
    fakeBrowser.commands.onCommand.emit(TOGGLE_COMMAND, { id: 4 });
    await vi.waitFor(() => expect(page.got("overlay.show")).toEqual([true]));
    fakeBrowser.commands.onCommand.emit(TOGGLE_COMMAND, { id: 4 });
    await vi.waitFor(() => expect(page.got("overlay.show")).toEqual([true, false]));
  });

  it("puts a tab's badge back once it has loaded, and forgets a closed tab's overlay", async () => {
    await setOverlay(3, true);
    fakeBrowser.tabs.onUpdated.emit(3, { status: "loading" });
    fakeBrowser.tabs.onUpdated.emit(3, { status: "complete" });
    await vi.waitFor(() => expect(fakeBrowser.badgeText.get(3)).toBe("ON"));
    fakeBrowser.tabs.onRemoved.emit(3);
    await vi.waitFor(async () => expect(await isOverlayOn(3)).toBe(false));
  });

  it("listens no more once its signal aborts", async () => {
    running.abort();
    expect(
      fakeBrowser.commands.onCommand.size + fakeBrowser.tabs.onUpdated.size + fakeBrowser.tabs.onRemoved.size,
    ).toBe(0);
    await expect(fakeBrowser.sendFrom(1, 0, "overlay.state")).rejects.toThrow(/No response/);
  });
});
