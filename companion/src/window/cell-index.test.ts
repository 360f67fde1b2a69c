import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CellIndex } from "./hopping-heatmap";

describe("CellIndex", () => {
  it("answers every lookup as a Map would, through inserts, deletes and growth", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), cell: fc.nat(5000) }),
      fc.record({ kind: fc.constant("delete" as const), cell: fc.nat(5000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const index = new CellIndex();
        const model = new Map<number, number>();
        ops.forEach(({ kind, cell }, slot) => {
          if (kind === "set" && !model.has(cell)) {
            index.set(cell, slot);
            model.set(cell, slot);
          } else if (kind === "delete" && model.has(cell)) {
            index.delete(cell);
            model.delete(cell);
          }
        });
        for (let cell = 0; cell <= 5000; cell++) expect(index.get(cell)).toBe(model.get(cell) ?? -1);
      }),
      { numRuns: 60 },
    );
  });
});
