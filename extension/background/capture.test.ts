import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Sample } from "../../protocol/messages";
import { isCapturePaused } from "../state/capture-pause";
import { fakeBrowser } from "../testing/fake-browser";
import { acceptSamples } from "./capture";

const sample = (id: string, t: number): Sample => ({
  id,
  origin: "http://127.0.0.1:8787",
  path: "/demo/",
  w: 1280,
  t,
  x: 10,
  y: 20,
  flags: 0,
});

describe("acceptSamples", () => {
  let stored: string[];
  let running: AbortController;
  beforeEach(() => {
    fakeBrowser.reset();
    stored = [];
    running = new AbortController();
    acceptSamples(async () => ({ addSample: async (s) => void stored.push(s.id) }), running.signal);
  });
  afterEach(() => running.abort());

  it("stores a tab's samples before answering, and refuses a group that is not one or comes from no tab", async () => {
    await fakeBrowser.sendFrom(1, 3, "capture.samples", [sample("a", 1), sample("b", 2)]);
    expect(stored).toEqual(["a", "b"]);
    await fakeBrowser.sendFrom(1, 0, "capture.samples", [{ ...sample("c", 3), x: -1 }]);
    await fakeBrowser.sendFrom(1, 0, "capture.samples", []);
    await fakeBrowser.send("capture.samples", [sample("d", 4)]);
    expect(stored).toEqual(["a", "b"]);
  });

  it("answers but never stores samples taken after the pause began", async () => {
    await fakeBrowser.send("popup.pause", true);
    expect(await isCapturePaused()).toBe(true);
    const since = fakeBrowser.storage.local.items.get("capturePausedAt") as number;
    await fakeBrowser.sendFrom(1, 0, "capture.samples", [sample("before", since - 1), sample("during", since)]);
    expect(stored).toEqual(["before"]);
    await fakeBrowser.send("popup.pause", false);
    await fakeBrowser.sendFrom(1, 0, "capture.samples", [sample("after", since + 1)]);
    expect(stored).toEqual(["before", "after"]);
  });
});
