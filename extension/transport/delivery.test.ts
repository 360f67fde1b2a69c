import "fake-indexeddb/auto";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { ScrollMark } from "../../protocol/anchor";
import type { Sample } from "../../protocol/messages";
import { until } from "../../tests/support/heatlens";
import { SITE } from "../../tests/support/site";
import { tempDataDir } from "../../tests/support/temp-dir";
import { Delivery } from "./delivery";
import { Outbox } from "./outbox";

let companion: Companion | null = null;
let delivery: Delivery | null = null;

afterEach(async () => {
  delivery?.close();
  await companion?.close();
  companion = delivery = null;
});

let samples = 0;
function sample(): Sample {
  return { id: `delivery-${samples++}`, origin: SITE, path: "/d", w: 1280, t: Date.now(), x: 10, y: 10, flags: 0 };
}

describe("Delivery", () => {
  it("sends a sample at once while the link is idle, and gathers those that arrive while a batch awaits its ack", async () => {
    companion = await startCompanion({ port: 0, dataDir: tempDataDir("delivery"), logLevel: "silent" });
    delivery = await Delivery.start(
      {
        url: companion.url.replace("http", "ws"),
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      },
      {},
      await Outbox.open(`delivery-test-${Date.now()}`),
    );
    const link = delivery.companion;
    await until(() => link.getStatus().state === "open", 5000, "open");

    await delivery.addSample(sample());
    // The first sample went out alone; these three arrive before its ack and share the next batch.
    await Promise.all([delivery.addSample(sample()), delivery.addSample(sample()), delivery.addSample(sample())]);
    await until(() => companion?.gateway.counters.points === 4, 5000, "four points delivered");
    expect(companion.gateway.counters.batches).toBe(2);
    await until(() => link.getStatus().acked === 2, 5000, "two acks");
    expect(link.getStatus().queued).toBe(0);
  });

  it("a batch with anchors and scroll marks is accepted by the companion; marks are not counted as points", async () => {
    companion = await startCompanion({ port: 0, dataDir: tempDataDir("delivery"), logLevel: "silent" });
    delivery = await Delivery.start(
      {
        url: companion.url.replace("http", "ws"),
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      },
      {},
      await Outbox.open(`delivery-anchors-${Date.now()}`),
    );
    const link = delivery.companion;
    await until(() => link.getStatus().state === "open", 5000, "open");
    await delivery.addSample({ ...sample(), x: 0, y: 0, mark: { kind: ScrollMark.view, value: 700 } });
    await Promise.all([
      delivery.addSample({ ...sample(), anchor: { s: '[data-testid="buy"]', u: 100, v: 900 } }),
      delivery.addSample({ ...sample(), x: 0, y: 0, mark: { kind: ScrollMark.reach, value: 5 } }),
      delivery.addSample(sample()),
    ]);
    await until(
      () => companion?.gateway.counters.points === 2 && link.getStatus().queued === 0,
      5000,
      "the points delivered, every batch answered",
    );
    expect(link.getStatus()).toMatchObject({ rejected: 0, acked: companion.gateway.counters.batches });
  });

  it("tells the companion whether capture is paused, and tells the next one after a reconnect", async () => {
    companion = await startCompanion({ port: 0, dataDir: tempDataDir("delivery"), logLevel: "silent" });
    const next = await startCompanion({ port: 0, dataDir: tempDataDir("delivery"), logLevel: "silent" });
    try {
      const options = (url: string) => ({
        url: url.replace("http", "ws"),
        WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      });
      delivery = await Delivery.start(options(companion.url), {}, await Outbox.open(`delivery-pause-${Date.now()}`));
      const paused = (c: Companion) => c.gateway.connectedClients().map((client) => client.paused);
      delivery.setPaused(true);
      const first = companion;
      await until(() => paused(first)[0] === true, 5000, "the companion told of the pause");

      await delivery.reconnect(options(next.url));
      await until(() => paused(next)[0] === true, 5000, "the next companion told of the pause");
      delivery.setPaused(false);
      await until(() => paused(next)[0] === false, 5000, "the next companion told of the resume");
    } finally {
      await next.close();
    }
  });
});
