import "../testing/install-fake-browser";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeBrowser } from "../testing/fake-browser";
import { DEFAULT_SETTINGS, loadSettings, onSettingsChanged, saveSettings } from "./settings";

describe("settings", () => {
  beforeEach(() => fakeBrowser.reset());

  it("reads each setting under its own key, a damaged one as its default without losing the others", async () => {
    await fakeBrowser.storage.local.set({ companionUrl: "http://not-a-socket", token: "t0k", cols: 80 });
    expect(await loadSettings()).toEqual({ ...DEFAULT_SETTINGS, token: "t0k", cols: 80 });
  });

  it("saves all settings in one write, which a watcher of some of them hears once; a bad value saves nothing", async () => {
    const heard: string[] = [];
    const watching = new AbortController();
    onSettingsChanged(() => heard.push("link"), watching.signal, ["companionUrl", "token", "name"]);
    onSettingsChanged(() => heard.push("cols"), watching.signal, ["cols"]);
    await saveSettings({ companionUrl: "ws://10.0.0.2:8787", token: "abc", name: "Ana", build: "", cols: 100 });
    expect(heard).toEqual(["link", "cols"]);
    await expect(saveSettings({ ...DEFAULT_SETTINGS, companionUrl: "http://x.test" })).rejects.toThrow(/ws:\/\//);
    expect(await loadSettings()).toEqual({
      companionUrl: "ws://10.0.0.2:8787",
      token: "abc",
      name: "Ana",
      build: "",
      cols: 100,
    });
    watching.abort();
    expect(fakeBrowser.storage.onChanged.size).toBe(0);
  });

  it("keeps the build label under its own key, empty by default, up to 64 characters; a watcher of it alone hears it", async () => {
    expect((await loadSettings()).build).toBe("");
    const heard: string[] = [];
    const watching = new AbortController();
    onSettingsChanged(() => heard.push("build"), watching.signal, ["build"]);
    await saveSettings({ ...DEFAULT_SETTINGS, build: "session-7" });
    expect(await fakeBrowser.storage.local.get("build")).toEqual({ build: "session-7" });
    expect(heard).toEqual(["build"]);
    await expect(saveSettings({ ...DEFAULT_SETTINGS, build: "x".repeat(65) })).rejects.toThrow(/64/);
    expect((await loadSettings()).build).toBe("session-7");
    await fakeBrowser.storage.local.set({ build: 7 });
    expect((await loadSettings()).build).toBe("");
    watching.abort();
  });
});
