import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Sample } from "../../protocol/messages";
import { SampleSender } from "./sample-sender";

const sample = (x: number): Omit<Sample, "id"> => ({
  origin: "http://shop.test",
  path: "/",
  w: 1280,
  t: 1_000 + x,
  x,
  y: 0,
  flags: 0,
});

describe("SampleSender", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends each sample at once, and again with the same id until it is answered", async () => {
    const calls: Sample[] = [];
    let fail = true;
    const sender = new SampleSender({
      send: (s) => {
        calls.push(...s);
        return fail ? Promise.reject(new Error("stopped")) : Promise.resolve();
      },
    });
    sender.submit(sample(0));
    sender.submit(sample(1));
    expect(calls.map((s) => s.x)).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.unanswered).toBe(2);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.slice(2).map((s) => s.id)).toEqual(calls.slice(0, 2).map((s) => s.id));
    expect(sender.unanswered).toBe(0);
  });

  it("sends samples submitted together in one message, each answered by it", async () => {
    const messages: Sample[][] = [];
    const sender = new SampleSender({
      send: (s) => {
        messages.push(s);
        return Promise.resolve();
      },
    });
    sender.submit(sample(0), sample(1), sample(2));
    expect(messages.map((m) => m.map((s) => s.x))).toEqual([[0, 1, 2]]);
    expect(new Set(messages[0]?.map((s) => s.id)).size).toBe(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.unanswered).toBe(0);
  });

  it("keeps at most maxPending unanswered samples, dropping the oldest", async () => {
    const calls: Sample[] = [];
    const sender = new SampleSender({
      maxPending: 3,
      send: (s) => {
        calls.push(...s);
        return Promise.reject(new Error("stopped"));
      },
    });
    for (let x = 0; x < 5; x++) sender.submit(sample(x));
    expect(sender.unanswered).toBe(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls.slice(5).map((s) => s.x)).toEqual([2, 3, 4]);
  });
});
