import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLOCK_STEP_MS, ClockOffset, PointBudget, SeqDedup } from "./client-state";

describe("SeqDedup", () => {
  it("accepts each sequence number once, in any order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 400 }), (seqs) => {
        const dedup = new SeqDedup();
        const seen = new Set<number>();
        for (const seq of seqs) {
          expect(dedup.has(seq)).toBe(seen.has(seq));
          dedup.add(seq);
          seen.add(seq);
        }
      }),
    );
  });

  it("never claims a number it has not seen, however long the gap before it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 200 }),
        (maxApart, seqs) => {
          const dedup = new SeqDedup(maxApart);
          const seen = new Set<number>();
          for (const seq of seqs) {
            if (dedup.has(seq)) expect(seen.has(seq)).toBe(true);
            dedup.add(seq);
            seen.add(seq);
          }
        },
      ),
    );
  });

  it("knows every number told in order from wherever a client starts, with nothing kept apart", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 300 }), (start, n) => {
        // Room for a single number apart: a client already far along when the companion starts sets nothing apart.
        const dedup = new SeqDedup(1);
        for (let seq = start; seq < start + n; seq++) dedup.add(seq);
        for (let seq = start; seq < start + n; seq++) expect(dedup.has(seq)).toBe(true);
        expect(dedup.has(start - 1)).toBe(false);
        expect(dedup.has(start + n)).toBe(false);
      }),
    );
  });

  it("still does not know a refused number after many later ones were delivered", () => {
    const dedup = new SeqDedup(16);
    for (let seq = 1; seq <= 100_001; seq++) dedup.add(seq);
    expect(dedup.has(0)).toBe(false);
    expect(dedup.has(100_001)).toBe(true);
  });
});

describe("PointBudget", () => {
  it("allows the burst, then the sustained rate", () => {
    const budget = new PointBudget(100, 1000, 0);
    expect(budget.take(1000, 0)).toBe(true);
    expect(budget.take(1, 0)).toBe(false);
    expect(budget.take(100, 1000)).toBe(true);
    expect(budget.take(100, 1000)).toBe(false);
  });
});

describe("ClockOffset", () => {
  it("takes the smallest recent delay as the offset", () => {
    const clock = new ClockOffset(4);
    // The client's clock is 3,600,000 ms behind; network delays of 5-40 ms.
    for (const delay of [40, 5, 12, 30]) clock.observe(1000, 1000 + 3_600_000 + delay);
    expect(clock.offset).toBe(3_600_005);
  });

  it("starts again from a sample far above the estimate: the client's clock was set back", () => {
    const clock = new ClockOffset(16);
    // One batch from a clock an hour ahead, then the clock is corrected.
    clock.observe(1000 + 3_600_000, 1010);
    expect(clock.offset).toBe(-3_599_990);
    clock.observe(2000, 2012);
    expect(clock.offset).toBe(12);
    clock.observe(3000, 3007);
    expect(clock.offset).toBe(7);
  });

  it("keeps the smallest sample through a delay within CLOCK_STEP_MS", () => {
    const clock = new ClockOffset(16);
    clock.observe(1000, 1005);
    clock.observe(2000, 2000 + CLOCK_STEP_MS);
    expect(clock.offset).toBe(5);
    // A longer delay is taken for a step, and the next sample brings the estimate back.
    clock.observe(3000, 3000 + CLOCK_STEP_MS + 500);
    expect(clock.offset).toBe(CLOCK_STEP_MS + 500);
    clock.observe(4000, 4006);
    expect(clock.offset).toBe(6);
  });
});
