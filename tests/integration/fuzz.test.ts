/**
 * Fuzzing the companion with fast-check: random and malformed frames over raw
 * sockets — wrong types, huge and negative coordinates, numbers JSON cannot
 * hold, deep nesting, invalid UTF-8, binary and oversized frames, fragment
 * floods, bad opcodes, garbage bytes. The companion must never crash, must
 * close with the right code and a reason, and must leave stored data as it was.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Companion, startCompanion } from "../../companion/src/server";
import { rawWebSocket } from "../support/raw-websocket";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

let companion: Companion;
let port: number;

beforeAll(async () => {
  companion = await startCompanion({
    port: 0,
    dataDir: tempDataDir("fuzz"),
    logLevel: "silent",
    maxFrameBytes: 64 * 1024,
    maxFragments: 64,
    helloTimeoutMs: 2000,
  });
  port = companion.port;
});
afterAll(() => companion.close());

type Input =
  | { kind: "text"; data: string }
  | { kind: "bytes"; opcode: number; data: Uint8Array }
  | { kind: "fragments"; count: number }
  | { kind: "raw"; data: Uint8Array };

const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, -1, 2 ** 53, 1_000_001, 0.5),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);
const batchLike = fc
  .record({
    type: fc.constantFrom("batch", "batch", "Batch", 7),
    seq: fc.oneof(fc.nat(), number),
    sentAt: fc.oneof(fc.nat(), number),
    pages: fc.oneof(
      fc.array(
        fc.record(
          {
            origin: fc.oneof(fc.constant(SITE), fc.constant("HTTP://Shop.test:80"), fc.string(), number),
            path: fc.oneof(fc.constant("/fuzz"), fc.string(), fc.constant("x".repeat(3000)), number),
            w: fc.oneof(fc.integer({ min: 1, max: 3000 }), number),
            t0: fc.oneof(fc.nat(), number),
            pts: fc.oneof(
              fc.array(number, { maxLength: 12 }),
              fc.array(fc.integer({ min: -5, max: 2_000_000 }), { maxLength: 12 }),
              fc.constant(null),
              fc.jsonValue({ maxDepth: 1 }),
            ),
            // The optional fields, as any JSON value: the page group's own checks read them.
            anchors: fc.oneof(fc.array(fc.constantFrom("#a", "#b")), fc.jsonValue({ maxDepth: 1 })),
            at: fc.oneof(fc.array(fc.nat(3), { maxLength: 9 }), fc.jsonValue({ maxDepth: 1 })),
            scroll: fc.oneof(fc.array(fc.nat(100), { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
            signals: fc.oneof(fc.array(fc.nat(3), { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
            steps: fc.oneof(
              fc.array(fc.array(fc.nat(3), { maxLength: 2 }), { maxLength: 2 }),
              fc.jsonValue({ maxDepth: 1 }),
            ),
          },
          { requiredKeys: ["origin", "path", "w", "t0", "pts"] },
        ),
        { maxLength: 3 },
      ),
      number,
    ),
  })
  .map((b) => JSON.stringify(b));
// Numbers JSON cannot hold, written as a careless client would.
const unrepresentable = fc
  .constantFrom("NaN", "Infinity", "-Infinity", "1e400")
  .map(
    (n) =>
      `{"type":"batch","seq":1,"sentAt":1,"pages":[{"origin":"${SITE}","path":"/fuzz","w":1280,"t0":1,"pts":[0,${n},1,0]}]}`,
  );
const deep = fc.integer({ min: 500, max: 50_000 }).map((n) => "[".repeat(n) + "]".repeat(n));
const input: fc.Arbitrary<Input> = fc.oneof(
  fc.jsonValue().map((v) => ({ kind: "text" as const, data: JSON.stringify(v) ?? "null" })),
  fc.string({ maxLength: 200 }).map((data) => ({ kind: "text" as const, data })),
  batchLike.map((data) => ({ kind: "text" as const, data })),
  unrepresentable.map((data) => ({ kind: "text" as const, data })),
  deep.map((data) => ({ kind: "text" as const, data })),
  fc.constant({ kind: "text" as const, data: "x".repeat(70_000) }),
  fc
    .uint8Array({ minLength: 1, maxLength: 40 })
    .map((d) => ({ kind: "bytes" as const, opcode: 1, data: Uint8Array.from([...d, 0xff, 0xfe]) })),
  fc.uint8Array({ maxLength: 40 }).map((data) => ({ kind: "bytes" as const, opcode: 2, data })),
  fc.integer({ min: 3, max: 7 }).map((opcode) => ({ kind: "bytes" as const, opcode, data: new Uint8Array(1) })),
  fc.constant({ kind: "bytes" as const, opcode: 9, data: new Uint8Array(200) }),
  fc.integer({ min: 65, max: 2000 }).map((count) => ({ kind: "fragments" as const, count })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((data) => ({ kind: "raw" as const, data })),
);

const HELLO = JSON.stringify({ type: "hello", v: 2, client: "fuzzer" });
const EXPECTED_CLOSES = new Set([1002, 1007, 1008, 1009, 4000, 4001]);
let tried = 0;

async function stored(path: string): Promise<number> {
  const res = await fetch(`${companion.url}/api/heatmap?origin=${SITE}&path=${path}&width=1280`);
  return ((await res.json()) as { total: number }).total;
}

describe("fuzzing", () => {
  it("survives random and malformed frames, closing with a code and a reason, storing only valid batches", async () => {
    // Something stored before, to check it stays as it was.
    const good = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["heatlens.v1"]);
    await new Promise((resolve) => good.once("open", resolve));
    const acks: string[] = [];
    good.on("message", (d) => acks.push(String(d)));
    good.send(JSON.stringify({ type: "hello", v: 2, client: "keeper" }));
    const now = Date.now();
    good.send(
      JSON.stringify({
        type: "batch",
        seq: 0,
        sentAt: now,
        pages: [{ origin: SITE, path: "/kept", w: 1280, t0: now, pts: [0, 5, 5, 0, 0, 6, 6, 0] }],
      }),
    );
    while (!acks.some((a) => a.includes('"ack"'))) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 400));
    expect(await stored("/kept")).toBe(2);
    const committedBefore = companion.store.counters.committedPoints;

    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(input, { minLength: 1, maxLength: 3 }), async (sayHello, inputs) => {
        const raw = await rawWebSocket(port);
        if (sayHello) raw.frame(1, Buffer.from(HELLO));
        for (const i of inputs) {
          tried++;
          if (i.kind === "text") raw.frame(1, Buffer.from(i.data));
          else if (i.kind === "bytes") raw.frame(i.opcode, Buffer.from(i.data));
          else if (i.kind === "raw") raw.write(Buffer.from(i.data));
          else for (let f = 0; f < i.count; f++) raw.frame(f === 0 ? 1 : 0, Buffer.from("["), false);
        }
        const outcome = await Promise.race([raw.closed, new Promise<null>((r) => setTimeout(() => r(null), 150))]);
        raw.destroy();
        if (outcome?.code != null) {
          expect(EXPECTED_CLOSES, `close ${outcome.code} ${outcome.reason}`).toContain(outcome.code);
          expect(outcome.reason).toMatch(/^E_[A-Z0-9_]+: ./);
        }
      }),
      { numRuns: 300 },
    );

    // Still serving, nothing of the fuzz stored, what was stored unchanged.
    expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    good.send(
      JSON.stringify({
        type: "batch",
        seq: 1,
        sentAt: Date.now(),
        pages: [{ origin: SITE, path: "/kept", w: 1280, t0: Date.now(), pts: [0, 5, 5, 0] }],
      }),
    );
    while (acks.filter((a) => a.includes('"ack"')).length < 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 400));
    expect(await stored("/kept")).toBe(3);
    expect(companion.store.counters.committedPoints - committedBefore).toBe(1 + (await stored("/fuzz")));
    good.terminate();
    console.info(`fuzzing: ${tried} inputs in 300 connections`);
  }, 120_000);
});

describe("a fault of the companion's on one message", () => {
  it("closes that connection with E_INTERNAL and a reason, and the companion goes on serving the others", async () => {
    const open = async (client: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ["heatlens.v1"]);
      ws.on("error", () => undefined);
      const messages: string[] = [];
      ws.on("message", (d) => messages.push(String(d)));
      await new Promise((resolve) => ws.once("open", resolve));
      ws.send(JSON.stringify({ type: "hello", v: 2, client }));
      while (!messages.some((m) => m.includes('"welcome"'))) await new Promise((r) => setTimeout(r, 10));
      return { ws, messages };
    };
    const page = (path: string) => ({ origin: SITE, path, w: 1280, t0: Date.now(), pts: [0, 5, 5, 0] });
    const other = await open("bystander");
    const victim = await open("victim");
    const { ingest } = companion.gateway;
    const onBatch = ingest.onBatch;
    // A fault no input is known to cause: injected for the one batch on /fault.
    ingest.onBatch = function (this: typeof ingest, connection, batch) {
      if (batch.pages[0]?.path === "/fault") throw new Error("injected fault");
      return onBatch.call(this, connection, batch);
    };
    try {
      const closed = new Promise<[number, string]>((resolve) =>
        victim.ws.once("close", (code, reason) => resolve([code, String(reason)])),
      );
      victim.ws.send(JSON.stringify({ type: "batch", seq: 0, sentAt: Date.now(), pages: [page("/fault")] }));
      const [code, reason] = await closed;
      expect(code).toBe(1011);
      expect(reason).toMatch(/^E_INTERNAL: the companion failed on this message/);
      other.ws.send(JSON.stringify({ type: "batch", seq: 0, sentAt: Date.now(), pages: [page("/after-fault")] }));
      while (!other.messages.some((m) => m.includes('"ack"'))) await new Promise((r) => setTimeout(r, 10));
      expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    } finally {
      ingest.onBatch = onBatch;
      other.ws.terminate();
      victim.ws.terminate();
    }
  });
});

describe("a fault of the companion's on one request", () => {
  it("answers that request 500 E_INTERNAL with a reason, and serves the next", async () => {
    const { admission } = companion.gateway;
    const hostRefusal = admission.hostRefusal;
    // A fault no request is known to cause: injected for the one request to /fault.
    admission.hostRefusal = function (this: typeof admission, req) {
      if (req.url === "/fault") throw new Error("injected fault");
      return hostRefusal.call(this, req);
    };
    try {
      const failed = await fetch(`${companion.url}/fault`);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({
        code: "E_INTERNAL",
        reason: expect.stringMatching(/the companion failed on this request/),
      });
      expect((await fetch(`${companion.url}/healthz`)).status).toBe(200);
    } finally {
      admission.hostRefusal = hostRefusal;
    }
  });
});
