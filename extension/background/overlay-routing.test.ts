import "../testing/install-fake-browser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Watch } from "../../protocol/messages";
import type { Grid, Subscribed } from "../../protocol/wire";
import { testGrid } from "../../tests/support/grid";
import { fakeBrowser } from "../testing/fake-browser";
import { OverlayRouting } from "./overlay-routing";

const SITE = "http://127.0.0.1:8787";
const FRAME_SITE = "http://frame.test:8787";
const at = (width: number, origin = SITE): Watch => ({ origin, path: "/demo/", width });

function answer(request: Watch, band = "desktop"): Subscribed {
  return { type: "subscribed", request, origin: request.origin, path: "/demo", band, windowMs: 300_000, cols: 50 };
}

function grid(total: number, origin = SITE, band = { id: "desktop", min: 1024, max: 1439 }): Grid {
  return testGrid({ origin, path: "/demo", band, total, max: 1 });
}

const PHONE = { id: "phone", min: 0, max: 599 };

describe("OverlayRouting", () => {
  let calls: string[];
  let routing: OverlayRouting;
  let running: AbortController;

  beforeEach(() => {
    fakeBrowser.reset();
    calls = [];
    const link = {
      watch: (w: Watch) => void calls.push(`subscribe ${w.origin} ${w.width}`),
      unwatch: (w: Watch) => void calls.push(`unsubscribe ${w.origin} ${w.width}`),
    };
    routing = new OverlayRouting(async () => link);
    running = new AbortController();
    routing.listen(running.signal);
  });
  afterEach(() => running.abort());

  it("sends each grid only to the frames that watch its view, and drops a frame that cannot take it", async () => {
    const page = fakeBrowser.addFrame(1, 0);
    const frame = fakeBrowser.addFrame(1, 4);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1280)]);
    await fakeBrowser.sendFrom(1, 4, "overlay.watch", [at(300, FRAME_SITE)]);
    await vi.waitFor(() => expect(calls).toEqual([`subscribe ${SITE} 1280`, `subscribe ${FRAME_SITE} 300`]));

    routing.subscribed(answer(at(1280)));
    routing.subscribed(answer(at(300, FRAME_SITE), "phone"));
    routing.grid(grid(2));
    routing.grid(grid(3, FRAME_SITE, PHONE));
    await vi.waitFor(() => expect(page.got("overlay.grid")).toEqual([grid(2)]));
    await vi.waitFor(() => expect(frame.got("overlay.grid")).toEqual([grid(3, FRAME_SITE, PHONE)]));

    // The frame navigated away: its grid finds nobody, and its watch is withdrawn.
    frame.answering = false;
    routing.grid(grid(4, FRAME_SITE, PHONE));
    await vi.waitFor(() => expect(calls).toContain(`unsubscribe ${FRAME_SITE} 300`));
    routing.grid(grid(5));
    await vi.waitFor(() => expect(page.got("overlay.grid")).toEqual([grid(2), grid(5)]));
  });

  it("subscribes a request shared by two tabs once, shows the second its grid at once, and withdraws it with the last", async () => {
    const first = fakeBrowser.addFrame(1);
    const second = fakeBrowser.addFrame(2);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1280)]);
    routing.subscribed(answer(at(1280)));
    routing.grid(grid(7));
    await fakeBrowser.sendFrom(2, 0, "overlay.watch", [at(1280)]);
    await vi.waitFor(() => expect(second.got("overlay.grid")).toEqual([grid(7)]));

    await fakeBrowser.sendFrom(1, 0, "overlay.unwatch");
    routing.grid(grid(8));
    await vi.waitFor(() => expect(first.got("overlay.grid")).toEqual([grid(7)]));
    await vi.waitFor(() => expect(second.got("overlay.grid")).toEqual([grid(7), grid(8)]));
    fakeBrowser.tabs.onRemoved.emit(2);
    await vi.waitFor(() => expect(calls).toEqual([`subscribe ${SITE} 1280`, `unsubscribe ${SITE} 1280`]));
  });

  it("takes a frame's whole set of watches, one per width band, in place of its last set", async () => {
    const page = fakeBrowser.addFrame(1);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1280), at(400)]);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1280), at(800)]);
    await vi.waitFor(() =>
      expect(calls).toEqual([
        `subscribe ${SITE} 1280`,
        `subscribe ${SITE} 400`,
        `unsubscribe ${SITE} 400`,
        `subscribe ${SITE} 800`,
      ]),
    );
    routing.subscribed(answer(at(800), "tablet"));
    routing.grid(grid(1, SITE, { id: "tablet", min: 600, max: 1023 }));
    await vi.waitFor(() => expect(page.got("overlay.grid")).toHaveLength(1));
  });

  it("ignores a set that is not one (too many watches, a bad request) and a sender that is no tab", async () => {
    fakeBrowser.addFrame(1);
    const nine = Array.from({ length: 9 }, (_, i) => at(300 + i));
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", nine);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [{ origin: "not a site", path: "/", width: 1 }]);
    await fakeBrowser.send("overlay.watch", [at(1280)]);
    await fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1000)]);
    await vi.waitFor(() => expect(calls).toEqual([`subscribe ${SITE} 1000`]));
  });

  it("listens no more once its signal aborts", async () => {
    running.abort();
    expect(fakeBrowser.tabs.onRemoved.size).toBe(0);
    await expect(fakeBrowser.sendFrom(1, 0, "overlay.watch", [at(1280)])).rejects.toThrow(/No response/);
    expect(calls).toEqual([]);
  });
});
