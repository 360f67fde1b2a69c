import "fake-indexeddb/auto";
import fc from "fast-check";
import { openDB } from "idb";
import { describe, expect, it } from "vitest";
import { ScrollMark } from "../../protocol/anchor";
import type { Sample } from "../../protocol/messages";
import { PagePoints } from "../../protocol/wire";
import { Outbox } from "./outbox";

const SITE = "http://shop.test";

type Op =
  | { kind: "capture" }
  | { kind: "recapture"; back: number }
  | { kind: "flush" }
  | { kind: "send" }
  | { kind: "ack" }
  | { kind: "disconnect" }
  | { kind: "crash" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: "capture" } as Op) },
  { weight: 1, arbitrary: fc.nat(5).map((back) => ({ kind: "recapture", back }) as Op) },
  { weight: 2, arbitrary: fc.constant({ kind: "flush" } as Op) },
  { weight: 2, arbitrary: fc.constant({ kind: "send" } as Op) },
  { weight: 2, arbitrary: fc.constant({ kind: "ack" } as Op) },
  { weight: 1, arbitrary: fc.constant({ kind: "disconnect" } as Op) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" } as Op) },
);

let dbCount = 0;

/**
 * Runs the outbox protocol against a simple companion: it stores each
 * (client, seq) once and counts the points of stored batches. Each sample has
 * its own x, so a point counted twice is seen.
 */
async function runProtocol(ops: Op[], maxPoints: number) {
  const name = `outbox-test-${dbCount++}`;
  let outbox = await Outbox.open(name, maxPoints);
  const delivered = new Set<string>();
  const counted = new Map<number, number>();
  let inFlight = new Set<number>();
  let acks: number[] = [];
  const captured: Sample[] = [];
  const sample = (x: number): Sample => ({
    id: `s:${x}`,
    origin: SITE,
    path: "/p",
    w: 1280,
    t: 1_000_000 + x,
    x,
    y: 1,
    flags: 0,
  });

  const send = async () => {
    const { clientId } = await outbox.state();
    for (const batch of await outbox.batches()) {
      if (inFlight.has(batch.seq)) continue;
      inFlight.add(batch.seq);
      const id = `${clientId} ${batch.seq}`;
      if (!delivered.has(id)) {
        delivered.add(id);
        for (const page of batch.pages) {
          for (let i = 0; i < page.pts.length; i += 4) {
            const x = page.pts[i + 1] as number;
            counted.set(x, (counted.get(x) ?? 0) + 1);
          }
        }
      }
      acks.push(batch.seq);
    }
  };
  const ack = async () => {
    for (const seq of acks) await outbox.remove(seq);
    acks = [];
  };

  for (const o of ops) {
    switch (o.kind) {
      case "capture": {
        const s = sample(captured.length);
        captured.push(s);
        await outbox.addSample(s);
        break;
      }
      case "recapture": {
        // The tracker resends a sample whose answer it did not get.
        const s = captured[captured.length - 1 - o.back];
        if (s) await outbox.addSample(s);
        break;
      }
      case "flush":
        await outbox.flush();
        break;
      case "send":
        await send();
        break;
      case "ack":
        await ack();
        break;
      case "disconnect":
        inFlight = new Set();
        acks = [];
        break;
      case "crash":
        outbox.close();
        outbox = await Outbox.open(name, maxPoints);
        inFlight = new Set();
        acks = [];
        break;
    }
  }
  // Back online for good: everything left is delivered.
  await outbox.flush();
  inFlight = new Set();
  await send();
  await ack();
  const state = await outbox.state();
  const left = (await outbox.batches()).length;
  outbox.close();
  return { captured, counted, state, left };
}

describe("Outbox", () => {
  it("delivers every captured sample exactly once through disconnects, crashes and resends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { captured, counted, state, left } = await runProtocol(ops, 1_000_000);
        expect(left).toBe(0);
        expect(state.evictedPoints).toBe(0);
        expect(counted.size).toBe(captured.length);
        for (const n of counted.values()) expect(n).toBe(1);
        expect(state.captured).toBe(captured.length);
      }),
      { numRuns: 150 },
    );
  });

  it("when full, evicts the oldest batches, counts them, and never delivers a point twice", async () => {
    // The case that shows an evicted batch may also have been delivered.
    const unacked = await runProtocol(
      ["capture", "flush", "capture", "send", "capture", "capture", "capture", "capture"].map(
        (kind) => ({ kind }) as Op,
      ),
      5,
    );
    expect(unacked.counted.size).toBe(6);
    expect(unacked.state.evictedPoints).toBe(1);

    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { captured, counted, state } = await runProtocol(ops, 5);
        for (const n of counted.values()) expect(n).toBe(1);
        // A batch sent but not yet acknowledged when it is evicted may have
        // reached the companion: it counts as evicted and may be counted
        // there too. What is missing is never more than what was evicted.
        expect(counted.size).toBeLessThanOrEqual(captured.length);
        expect(captured.length - counted.size).toBeLessThanOrEqual(state.evictedPoints);
        expect(state.evictedPoints).toBeLessThanOrEqual(captured.length);
      }),
      { numRuns: 150 },
    );
  });

  it("keeps its client id and sequence numbers across reopening", async () => {
    const first = await Outbox.open("outbox-reopen");
    const { clientId } = await first.state();
    await first.addSample({ id: "a", origin: SITE, path: "/", w: 800, t: 1, x: 1, y: 1, flags: 0 });
    const {
      batches: [batch],
    } = await first.flush();
    await first.remove(batch?.seq ?? -1);
    first.close();
    const second = await Outbox.open("outbox-reopen");
    expect((await second.state()).clientId).toBe(clientId);
    await second.addSample({ id: "b", origin: SITE, path: "/", w: 800, t: 2, x: 1, y: 1, flags: 0 });
    expect((await second.flush()).batches[0]?.seq).toBe((batch?.seq ?? 0) + 1);
    second.close();
  });

  it("samples past one batch's byte bound become consecutive batches, each counted with its own samples", async () => {
    const outbox = await Outbox.open("outbox-split");
    for (let i = 0; i < 120; i++) {
      const anchor = { s: `[data-testid="${"ü".repeat(480)}${i}"]`, u: 0, v: 0 };
      await outbox.addSample({ id: `s${i}`, origin: SITE, path: "/", w: 800, t: i, x: 1, y: 1, flags: 0, anchor });
    }
    const { batches } = await outbox.flush();
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(batches.reduce((sum, b) => sum + b.points, 0)).toBe(120);
    expect(await outbox.batches()).toEqual(batches);
    expect(await outbox.state()).toMatchObject({ nextSeq: batches.length, points: 120 });
    outbox.close();
  });

  it("drops, and counts, samples and batches an older version stored without a site", async () => {
    const old = await openDB("outbox-v1", 1, {
      upgrade(database) {
        database.createObjectStore("samples", { keyPath: "id" });
        database.createObjectStore("seen", { keyPath: "id" }).createIndex("t", "t");
        database.createObjectStore("batches", { keyPath: "seq" });
        database.createObjectStore("meta");
      },
    });
    const state = { clientId: "c", nextSeq: 1, points: 3, evictedBatches: 0, evictedPoints: 0, captured: 4 };
    await old.put("meta", state, "state");
    await old.put("samples", { id: "x", path: "/", w: 800, t: 5, x: 1, y: 1, flags: 0 });
    await old.put("batches", {
      seq: 0,
      points: 3,
      pages: [{ path: "/", w: 800, t0: 1, pts: [0, 1, 1, 0, 1, 2, 2, 0, 2, 3, 3, 0] }],
    });
    old.close();
    const outbox = await Outbox.open("outbox-v1");
    expect(await outbox.batches()).toEqual([]);
    expect(await outbox.pendingSamples()).toBe(0);
    expect(await outbox.state()).toMatchObject({ clientId: "c", nextSeq: 1, points: 0, unkeyedPoints: 4 });
    await outbox.addSample({ id: "y", origin: SITE, path: "/", w: 800, t: 6, x: 1, y: 1, flags: 0 });
    expect((await outbox.flush()).batches).toMatchObject([{ seq: 1, pages: [{ origin: SITE, path: "/" }] }]);
    outbox.close();
  });

  it("stores each sample's anchor and scroll marks, and batches them as the wire carries them, across reopening", async () => {
    const first = await Outbox.open("outbox-anchors");
    await first.addSample({
      id: "v",
      origin: SITE,
      path: "/",
      w: 800,
      t: 10,
      x: 0,
      y: 0,
      flags: 0,
      mark: { kind: ScrollMark.view, value: 700 },
    });
    await first.addSample({
      id: "p",
      origin: SITE,
      path: "/",
      w: 800,
      t: 20,
      x: 5,
      y: 6,
      flags: 1,
      anchor: { s: "#buy", u: 512, v: 7 },
    });
    await first.addSample({
      id: "r",
      origin: SITE,
      path: "/",
      w: 800,
      t: 30,
      x: 0,
      y: 0,
      flags: 0,
      mark: { kind: ScrollMark.reach, value: 35 },
    });
    first.close();
    const second = await Outbox.open("outbox-anchors");
    const { batches } = await second.flush();
    second.close();
    const third = await Outbox.open("outbox-anchors");
    const [stored] = await third.batches();
    third.close();
    expect([stored]).toEqual(batches);
    expect(stored?.pages).toEqual([
      {
        origin: SITE,
        path: "/",
        w: 800,
        t0: 10,
        pts: [10, 5, 6, 1],
        anchors: ["#buy"],
        at: [1, 512, 7],
        scroll: [0, 0, 700, 20, 1, 35],
      },
    ]);
  });

  it("sends what the previous version stored: its samples and batches have no anchors or marks", async () => {
    const old = await openDB("outbox-v2", 2, {
      upgrade(database) {
        database.createObjectStore("samples", { keyPath: "id" });
        database.createObjectStore("seen", { keyPath: "id" }).createIndex("t", "t");
        database.createObjectStore("batches", { keyPath: "seq" });
        database.createObjectStore("meta");
      },
    });
    const state = {
      clientId: "c",
      nextSeq: 1,
      points: 2,
      evictedBatches: 0,
      evictedPoints: 0,
      captured: 3,
      unkeyedPoints: 0,
    };
    await old.put("meta", state, "state");
    const oldPage = { origin: SITE, path: "/", w: 800, t0: 1, pts: [0, 1, 1, 0, 1, 2, 2, 0] };
    await old.put("batches", { seq: 0, points: 2, pages: [oldPage] });
    await old.put("samples", { id: "x", origin: SITE, path: "/", w: 800, t: 5, x: 1, y: 1, flags: 0 });
    old.close();
    const outbox = await Outbox.open("outbox-v2");
    const {
      batches: [batch],
    } = await outbox.flush();
    const batches = await outbox.batches();
    outbox.close();
    expect(batches.map((b) => b.pages)).toEqual([
      [oldPage],
      [{ origin: SITE, path: "/", w: 800, t0: 5, pts: [0, 1, 1, 0] }],
    ]);
    expect(batch?.seq).toBe(1);
    for (const page of batches.flatMap((b) => b.pages)) expect(PagePoints.safeParse(page).success).toBe(true);
  });
});
