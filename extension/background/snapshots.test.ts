import "../testing/install-fake-browser";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Companion, startCompanion } from "../../companion/src/server";
import { plainPng, snapshotMeta } from "../../tests/support/snapshot";
import { tempDataDir } from "../../tests/support/temp-dir";
import { saveSettings } from "../state/settings";
import { fakeBrowser } from "../testing/fake-browser";
import { answerSnapshots, CAPTURE_REFUSED } from "./snapshots";

describe("the background's snapshots", () => {
  let running: AbortController;
  let companion: Companion;
  let token: string;

  beforeAll(async () => {
    companion = await startCompanion({ port: 0, dataDir: tempDataDir("bg-snapshots"), logLevel: "silent" });
    token = companion.tokens.create("tester", ["capture", "view"]).token;
  });
  afterAll(() => companion.close());
  beforeEach(() => {
    fakeBrowser.reset();
    running = new AbortController();
    answerSnapshots(running.signal);
  });
  afterEach(() => running.abort());

  const capture = (tab: { id: number; active?: boolean; windowId?: number }) =>
    fakeBrowser.send("overlay.capture", undefined, { tab, frameId: 0 });

  it("captures the sender's window when its tab is on screen, and says how to allow it when the browser refuses", async () => {
    fakeBrowser.capture.result = "data:image/png;base64,iVBORw0KGgo=";
    expect(await capture({ id: 4, active: true, windowId: 9 })).toEqual({
      ok: true,
      picture: "data:image/png;base64,iVBORw0KGgo=",
    });
    expect(await capture({ id: 5, active: false, windowId: 9 })).toEqual({
      ok: false,
      reason: "only the tab on screen can be captured",
    });
    fakeBrowser.capture.result = new Error("Either the '<all_urls>' or 'activeTab' permission is required.");
    expect(await capture({ id: 4, active: true, windowId: 9 })).toEqual({ ok: false, reason: CAPTURE_REFUSED });
    expect(fakeBrowser.capture.windows).toEqual([9, 9]);
  });

  it("attaches a snapshot to its page on the settings' companion with the settings' token, and says why not when refused", async () => {
    const picture = `data:image/png;base64,${plainPng(6, 4).toString("base64")}`;
    const meta = snapshotMeta({ origin: "http://shop.test", path: "/cart" });
    await saveSettings({ companionUrl: companion.url.replace("http", "ws"), token, name: "Ada", build: "", cols: 0 });
    expect(await fakeBrowser.send("overlay.attach", { picture, meta })).toBeNull();
    const [stored] = companion.snapshots.list("http://shop.test", "/cart");
    expect(stored?.meta).toEqual(meta);
    expect(stored && companion.snapshots.image(stored.id).equals(plainPng(6, 4))).toBe(true);

    expect(await fakeBrowser.send("overlay.attach", { picture, meta: { ...meta, scrollY: -1 } })).toBe(
      "not a snapshot",
    );
    expect(await fakeBrowser.send("overlay.attach", { picture: "data:text/html,hi", meta })).toBe("not a snapshot");
    await saveSettings({
      companionUrl: companion.url.replace("http", "ws"),
      token: "",
      name: "Ada",
      build: "",
      cols: 0,
    });
    expect(await fakeBrowser.send("overlay.attach", { picture, meta })).toBe("E_UNAUTHORIZED: a token is required");
  });
});
