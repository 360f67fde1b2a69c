import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ClientMessage, PROTOCOL_VERSION, parseClientMessage } from "./wire";

const page = { origin: "https://shop.test", path: "/p", w: 1280, t0: 1_800_000_000_000, pts: [0, 10, 20, 1] };
const batch = { type: "batch", seq: 1, sentAt: 1_800_000_000_000, pages: [page] };

describe("parseClientMessage", () => {
  it.each([
    ["a batch", batch],
    ["a batch with a bad point", { ...batch, pages: [{ ...page, pts: [0, 10, 20] }] }],
    ["a batch without pages", { ...batch, pages: [] }],
    ["a hello", { type: "hello", v: PROTOCOL_VERSION, client: "c-1" }],
    ["a hello with a bad client id", { type: "hello", v: PROTOCOL_VERSION, client: "a b" }],
    ["a subscribe", { type: "subscribe", origin: "https://shop.test", path: "/", width: 1280 }],
    ["a subscribe without a path", { type: "subscribe", origin: "https://shop.test", width: 1280 }],
    ["a ping", { type: "ping", t: 1 }],
    ["a status with a bad flag", { type: "status", paused: "no" }],
    ["an unknown type", { type: "nope" }],
    ["no type", {}],
    ["an array", [batch]],
    ["null", null],
    ["a number", 3],
  ])("gives the union's outcome and issues for %s", (_, message) => {
    expect(parseClientMessage(message)).toEqual(ClientMessage.safeParse(message));
  });

  it("gives the union's outcome and issues for batches with any field of any page replaced by any JSON value", () => {
    const anchored = {
      ...page,
      pts: [0, 10, 20, 1, 5, 30, 40, 0],
      anchors: ["#buy"],
      at: [1, 10, 20, 0, 0, 0],
      scroll: [0, 1, 50],
      signals: [0, 0, 1],
      steps: [[1]],
      build: "b1",
      controls: ["#buy"],
    };
    const field = fc.constantFrom(...Object.keys(anchored), "type", "seq", "sentAt", "pages", "first", "extra");
    const json = fc.jsonValue({ maxDepth: 2 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), field, json), { maxLength: 3 }), (changes) => {
        const first: Record<string, unknown> = { ...anchored };
        const message: Record<string, unknown> = { ...batch, pages: [first, { ...page }] };
        for (const [onPage, key, value] of changes) (onPage ? first : message)[key] = value;
        expect(parseClientMessage(message)).toEqual(ClientMessage.safeParse(message));
      }),
      { numRuns: 2000 },
    );
  });
});
