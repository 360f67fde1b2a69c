import { describe, expect, it } from "vitest";
import { MAX_STEPS_PER_SIGNAL } from "../../protocol/signals";
import { ClickTrail } from "./click-trail";

describe("ClickTrail", () => {
  it("gives each click the last clicks before it on its page, oldest first, at most MAX_STEPS_PER_SIGNAL", () => {
    const trail = new ClickTrail();
    expect(trail.next("/cart", "#qty-plus")).toEqual([]);
    expect(trail.next("/cart", "#qty-plus")).toEqual(["#qty-plus"]);
    for (const s of ["#coupon", "#apply", "#buy", "#buy"]) trail.next("/cart", s);
    const steps = trail.next("/cart", "#buy");
    expect(steps).toHaveLength(MAX_STEPS_PER_SIGNAL);
    expect(steps).toEqual(["#qty-plus", "#coupon", "#apply", "#buy", "#buy"]);
  });

  it("starts again on another page key, so that another page's clicks are no steps", () => {
    const trail = new ClickTrail();
    trail.next("/cart", "#checkout");
    expect(trail.next("/pay", "#card")).toEqual([]);
    expect(trail.next("/pay", "#pay")).toEqual(["#card"]);
    expect(trail.next("/cart", "#back")).toEqual([]);
  });
});
