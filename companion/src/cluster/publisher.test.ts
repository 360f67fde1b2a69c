import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeKey } from "../../../protocol/page-key";
import { type Nats, startNats } from "../../../tests/support/nats";
import { PanePublisher } from "./publisher";
import { type PaneMessage, paneSubject, STREAM } from "./wire";

let nats: Nats;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  await (await jetstreamManager(nc)).streams.add({ name: STREAM, subjects: [paneSubject("*")] });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

const PAGE = makeKey("desktop", "http://shop.test", "/");

describe("the pane publisher", () => {
  it("sums a round's first transmissions, but keeps apart one whose connection closed before the round went out", async () => {
    const publisher = new PanePublisher(
      jetstream(nc),
      { batches: () => [], signals: () => [] },
      { node: "t", hopMs: 250, partitions: 1, ackWaitMs: 5000, maxPayload: 1024 * 1024 },
    );
    try {
      // A publisher's first round republishes its store's backlog (none here).
      await publisher.flush();
      const t = 1_000_000;
      let open = true;
      const acked = Promise.all([
        publisher.carry("c1", 1, [{ key: PAGE, times: [t, t + 10], cells: [7, 7] }], [], () => true),
        publisher.carry("c2", 5, [{ key: PAGE, times: [t], cells: [7] }], [], () => open),
        publisher.carry("c3", 2, [{ key: PAGE, times: [t], cells: [7] }], [], () => true),
      ]);
      // c2's browser went away before the round was published: it will send the batch again, maybe elsewhere.
      open = false;
      await acked;
      expect(publisher.counters).toMatchObject({ summedBatches: 2, ackedOnStoreAlone: 0 });
      const stored = await (await jetstreamManager(nc)).streams.getMessage(STREAM, { last_by_subj: paneSubject(0) });
      expect(stored?.json<PaneMessage>().blocks).toEqual([
        {
          b: [
            ["c1", [1]],
            ["c3", [2]],
          ],
          g: [{ k: PAGE, p: t, n: [7, 3] }],
        },
        { c: "c2", s: 5, g: [{ k: PAGE, p: t, n: [7, 1] }] },
      ]);
    } finally {
      publisher.close();
    }
  });
});
