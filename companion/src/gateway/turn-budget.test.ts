import { describe, expect, it } from "vitest";
import { type Reader, TurnBudget } from "./turn-budget";

/** A reader that records its pauses and resumes. */
function reader(name: string, log: string[]): Reader {
  return {
    pause: () => log.push(`${name} paused`),
    resume: () => log.push(`${name} resumed`),
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("TurnBudget", () => {
  it("handles frames at once while the turn is within its budget", () => {
    let now = 0;
    const budget = new TurnBudget(10, () => now);
    const log: string[] = [];
    const a = reader("a", log);
    budget.submit(a, () => log.push("a1"));
    now = 9;
    budget.submit(a, () => log.push("a2"));
    expect(log).toEqual(["a1", "a2"]);
    expect(budget.deferred).toBe(0);
  });

  it("past the budget, holds frames for later turns in their order, pausing their readers until theirs are handled", async () => {
    let now = 0;
    const budget = new TurnBudget(10, () => now);
    const log: string[] = [];
    const a = reader("a", log);
    const b = reader("b", log);
    budget.submit(a, () => log.push("a1"));
    now = 10;
    budget.submit(a, () => log.push("a2"));
    budget.submit(b, () => {
      log.push("b1");
      // Each handled frame spends the drain's budget: the next waits for another turn.
      now += 10;
    });
    budget.submit(a, () => log.push("a3"));
    expect(log).toEqual(["a1", "a paused", "b paused"]);
    expect(budget.deferred).toBe(3);

    await nextTurn();
    // a2 then b1 in one drain (b1 spends it), b resumed after its last frame; a3 waits, a still paused.
    expect(log).toEqual(["a1", "a paused", "b paused", "a2", "b1", "b resumed"]);
    await nextTurn();
    expect(log).toEqual(["a1", "a paused", "b paused", "a2", "b1", "b resumed", "a3", "a resumed"]);
  });

  it("keeps a reader's order in a new turn: its later frames wait behind those it has waiting", async () => {
    let now = 0;
    const budget = new TurnBudget(10, () => now);
    const log: string[] = [];
    const a = reader("a", log);
    const b = reader("b", log);
    budget.submit(a, () => log.push("a1"));
    now = 20;
    budget.submit(a, () => {
      log.push("a2");
      now += 20;
    });
    budget.submit(a, () => log.push("a3"));
    await nextTurn();
    expect(log).toEqual(["a1", "a paused", "a2"]);
    // A new turn, within budget: b's frame goes at once, a's waits behind a3.
    budget.submit(b, () => log.push("b1"));
    budget.submit(a, () => log.push("a4"));
    expect(log).toEqual(["a1", "a paused", "a2", "b1"]);
    await nextTurn();
    expect(log).toEqual(["a1", "a paused", "a2", "b1", "a3", "a4", "a resumed"]);
  });
});
