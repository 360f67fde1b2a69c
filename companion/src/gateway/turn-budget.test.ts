import { describe, expect, it } from "vitest";
import { type Reader, TurnBudget } from "./turn-budget";

/** A reader that records its pauses and resumes. */
function reader(name: string, log: string[]): Reader {
  return {
    pause: () => log.push(`${name} paused`),
    resume: () => log.push(`${name} resumed`),
  };
}

/** A budget of 10 ms on a clock the test sets, two readers, and the log of what happened. */
function setup() {
  const clock = { now: 0 };
  const log: string[] = [];
  const budget = new TurnBudget(10, () => clock.now);
  return { clock, log, budget, a: reader("a", log), b: reader("b", log) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("TurnBudget", () => {
  it("handles frames at once while the turn is within its budget", () => {
    const { clock, log, budget, a } = setup();
    budget.submit(a, () => log.push("a1"));
    clock.now = 9;
    budget.submit(a, () => log.push("a2"));
    expect(log).toEqual(["a1", "a2"]);
    expect(budget.deferred).toBe(0);
  });

  it("past the budget, holds frames for later turns in their order, pausing their readers until theirs are handled", async () => {
    const { clock, log, budget, a, b } = setup();
    budget.submit(a, () => log.push("a1"));
    clock.now = 10;
    budget.submit(a, () => log.push("a2"));
    budget.submit(b, () => {
      log.push("b1");
      // Each handled frame spends the drain's budget: the next waits for another turn.
      clock.now += 10;
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
    const { clock, log, budget, a, b } = setup();
    budget.submit(a, () => log.push("a1"));
    clock.now = 20;
    budget.submit(a, () => {
      log.push("a2");
      clock.now += 20;
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
