import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Sample } from "../../protocol/messages";
import { SampleSender } from "./sample-sender";

const sample = (x: number): Omit<Sample, "id"> => ({ path: "/", w: 1280, t: 1_000 + x, x, y: 0, flags: 0 });

describe("SampleSender", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends samples four at a time, or what waits a second after the first", async () => {
    const sent: number[][] = [];
    const sender = new SampleSender({ send: async (samples) => sent.push(samples.map((s) => s.x)) });
    for (let x = 0; x < 6; x++) sender.submit(sample(x));
    expect(sent).toEqual([[0, 1, 2, 3]]);
    await vi.advanceTimersByTimeAsync(999);
    expect(sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toEqual([
      [0, 1, 2, 3],
      [4, 5],
    ]);
    expect(sender.unanswered).toBe(0);
  });

  it("sends what it holds at once when the page is left", () => {
    const sent: number[][] = [];
    const sender = new SampleSender({ send: async (samples) => sent.push(samples.map((s) => s.x)) });
    sender.submit(sample(7));
    sender.flushNow();
    expect(sent).toEqual([[7]]);
    sender.flushNow();
    expect(sent).toHaveLength(1);
  });

  it("sends an unanswered group again, with the same ids, until it is answered", async () => {
    const calls: Sample[][] = [];
    let fail = true;
    const sender = new SampleSender({
      send: (samples) => {
        calls.push(samples);
        return fail ? Promise.reject(new Error("stopped")) : Promise.resolve();
      },
    });
    for (let x = 0; x < 4; x++) sender.submit(sample(x));
    await vi.advanceTimersByTimeAsync(0);
    expect(sender.unanswered).toBe(4);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.map((s) => s.id)).toEqual(calls[0]?.map((s) => s.id));
    expect(sender.unanswered).toBe(0);
  });

  it("keeps at most maxPending unanswered samples, dropping the oldest", async () => {
    const calls: Sample[][] = [];
    const sender = new SampleSender({
      maxPending: 3,
      groupSize: 10,
      send: (samples) => {
        calls.push(samples);
        return Promise.resolve();
      },
    });
    for (let x = 0; x < 5; x++) sender.submit(sample(x));
    sender.flushNow();
    expect(calls.map((group) => group.map((s) => s.x))).toEqual([[2, 3, 4]]);
  });
});
