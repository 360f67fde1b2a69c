import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LinkStatus } from "../../protocol/messages";
import { setCapturePaused } from "../state/capture-pause";
import { setOverlay } from "../state/tab-overlays";
import { fakeBrowser } from "../testing/fake-browser";
import { answerStatus } from "./status";

const LINK: LinkStatus = {
  url: "ws://127.0.0.1:8787",
  state: "open",
  lastError: null,
  queued: 0,
  acked: 3,
  rejected: 0,
};

describe("answerStatus", () => {
  let running: AbortController;
  beforeEach(() => {
    fakeBrowser.reset();
    running = new AbortController();
    answerStatus(async () => ({ status: async () => ({ link: LINK, outbox: null }) }), running.signal);
  });
  afterEach(() => running.abort());

  it("tells the popup the link, the pause switch and whether its tab shows the overlay", async () => {
    await setOverlay(5, true);
    await setCapturePaused(true);
    expect(await fakeBrowser.send("popup.status", 5)).toEqual({
      link: LINK,
      outbox: null,
      overlay: true,
      paused: true,
    });
    expect(await fakeBrowser.send("popup.status", 6)).toMatchObject({ overlay: false });
  });

  it("refuses a history request that is not one, with E_SCHEMA and the reason, without asking the companion", async () => {
    const answer = await fakeBrowser.sendFrom(1, 0, "overlay.history", { origin: "http://127.0.0.1:8787", path: "x" });
    expect(answer).toMatchObject({ ok: false, code: "E_SCHEMA", reason: expect.any(String) });
  });
});
