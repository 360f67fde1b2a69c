import { describe, expect, it } from "vitest";
import { type RawInput, Sampler } from "./sampler";

function fakeClock() {
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    clock: {
      now: () => now,
      setTimeout: (fn: () => void, ms: number) => timers.push({ at: now + ms, fn }),
      clearTimeout: () => undefined,
    },
    advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0).sort((a, b) => a.at - b.at)) {
        if (timer.at <= now) timer.fn();
        else timers.push(timer);
      }
    },
  };
}

const input = (x: number, click = false): RawInput => ({
  path: "/",
  pageX: x,
  pageY: 0,
  clientX: x,
  clientY: 0,
  target: null,
  timeStamp: 0,
  click,
});

describe("Sampler", () => {
  it("emits at most one sample per interval, the newest input, and prefers a click", () => {
    const { clock, advance } = fakeClock();
    const out: RawInput[] = [];
    const sampler = new Sampler(250, (i) => out.push(i), clock);
    for (let ms = 0; ms < 1000; ms += 5) {
      sampler.input(input(ms, ms === 500));
      advance(5);
    }
    advance(500);
    expect(out.length).toBeLessThanOrEqual(5);
    expect(out.length).toBeGreaterThanOrEqual(4);
    expect(out.some((i) => i.click)).toBe(true);
    expect(out.at(-1)?.pageX).toBe(995);
  });
});
