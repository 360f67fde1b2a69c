import { describe, expect, it } from "vitest";
import { isStuck } from "./fixed-layer";

const box = (top: number, insetTop = "0px", insetBottom = "auto") => ({
  top,
  bottom: top + 48,
  insetTop,
  insetBottom,
  viewportHeight: 800,
});

describe("isStuck", () => {
  it("is stuck at its offset from the top, and not while still in its place further down", () => {
    expect(isStuck(box(0))).toBe(true);
    expect(isStuck(box(64, "64px"))).toBe(true);
    expect(isStuck(box(600))).toBe(false);
  });

  it("also sticks to the bottom edge", () => {
    expect(isStuck(box(752, "auto", "0px"))).toBe(true);
    expect(isStuck(box(400, "auto", "0px"))).toBe(false);
  });
});
