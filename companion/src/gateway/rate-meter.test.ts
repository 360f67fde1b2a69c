import { describe, expect, it } from "vitest";
import { RateMeter } from "./rate-meter";

describe("RateMeter", () => {
  it("averages the last seconds and forgets older ones", () => {
    let now = 1_000_000;
    const meter = new RateMeter(10, () => now);
    meter.add(50);
    now += 1000;
    meter.add(50);
    expect(meter.perSecond).toBe(10);
    now += 9000;
    expect(meter.perSecond).toBe(5);
    now += 60_000;
    expect(meter.perSecond).toBe(0);
  });
});
