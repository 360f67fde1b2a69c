import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CellCounts } from "./history";

describe("CellCounts", () => {
  it("counts every cell as a Map would, through growth, whatever the cells' spread", () => {
    const cell = fc.oneof(
      fc.nat(300),
      fc.nat(2 ** 32 - 1),
      fc.nat(40).map((n) => n * 1024),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, fc.integer({ min: 1, max: 5 })), { maxLength: 800 }), (adds) => {
        const counts = new CellCounts();
        const model = new Map<number, number>();
        for (const [c, n] of adds) {
          counts.add(c, n);
          model.set(c, (model.get(c) ?? 0) + n);
        }
        const seen = new Map<number, number>();
        counts.forEach((c, n) => {
          expect(seen.has(c)).toBe(false);
          seen.set(c, n);
        });
        expect(seen).toEqual(model);
      }),
      { numRuns: 100 },
    );
  });
});
