import { describe, expect, it } from "vitest";
import { parseShareUrl } from "../../protocol/share-link";
import { DEFAULT_SIGNAL_RULES } from "../../protocol/signals";
import { bugReport } from "./bug-report";

describe("bugReport", () => {
  it("names the kind, element, page, counts and times, the steps to reproduce it, with a share link to the page's clicks around them", () => {
    const first = Date.UTC(2026, 10, 30, 1, 0, 0);
    const text = bugReport(
      "http://127.0.0.1:8787",
      {
        origin: "http://shop.test",
        path: "/cart",
        band: "desktop",
        selector: "#buy",
        kind: "rage",
        count: 3,
        testers: 2,
        first,
        last: first + 5000,
        steps: ["#qty-plus", "#qty-plus", "#buy", "#buy"],
      },
      DEFAULT_SIGNAL_RULES,
    );
    const lines = text.split("\n");
    expect(lines[0]).toBe("Rage clicks (3 or more clicks in 1 s within 30 px, each without a reaction) on #buy");
    expect(lines[1]).toBe("Page: http://shop.test/cart (desktop width band)");
    expect(lines[2]).toBe("Seen 3 times by 2 testers, first 2026-11-30T01:00:00Z, last 2026-11-30T01:00:05Z");
    expect(lines.slice(4, 10)).toEqual([
      "Steps before it (latest case):",
      "1. click #qty-plus",
      "2. click #qty-plus",
      "3. click #buy",
      "4. click #buy",
      "5. click #buy (the rage click, no reaction)",
    ]);
    const link = (lines.at(-1) as string).replace(/^[^:]*: /, "");
    expect(link.startsWith("http://127.0.0.1:8787/share?")).toBe(true);
    expect(parseShareUrl(link)).toMatchObject({
      ok: true,
      view: {
        origin: "http://shop.test",
        path: "/cart",
        band: "desktop",
        time: { kind: "range", from: first - 60_000, to: first + 65_000 },
        points: "clicks",
      },
    });
  });

  it("ends the steps with the signal's own click, alone with none before it, and says when the steps are not known", () => {
    const signal = {
      origin: "http://shop.test",
      path: "/cart",
      band: "desktop",
      selector: "#pay",
      count: 1,
      testers: 1,
      first: 0,
      last: 0,
    };
    expect(bugReport("http://127.0.0.1:8787", { ...signal, kind: "dead", steps: [] }, DEFAULT_SIGNAL_RULES)).toContain(
      "\nSteps before it (latest case):\n1. click #pay (no reaction)\nClicks on the page around then: ",
    );
    expect(
      bugReport("http://127.0.0.1:8787", { ...signal, kind: "error", steps: ["#card"] }, DEFAULT_SIGNAL_RULES),
    ).toContain("\n1. click #card\n2. click #pay (an uncaught error followed)\n");
    expect(
      bugReport("http://127.0.0.1:8787", { ...signal, kind: "dead", steps: null }, DEFAULT_SIGNAL_RULES),
    ).toContain("\nSteps before it: not known (sent by an extension without steps)\nClicks on the page around then: ");
  });
});

describe("bugReport under other rules", () => {
  it("states the companion's own thresholds", () => {
    const at = Date.UTC(2026, 10, 30, 1, 0, 0);
    const signal = { origin: "http://shop.test", path: "/", band: "desktop", selector: "#go", count: 1, testers: 1 };
    const rules = { rageClicks: 5, rageMs: 2000, ragePx: 60, deadMs: 1500, errorMs: 3000 };
    const first = (kind: "rage" | "dead" | "error") =>
      bugReport("http://h", { ...signal, kind, first: at, last: at, steps: [] }, rules).split("\n")[0];
    expect(first("rage")).toBe("Rage clicks (5 or more clicks in 2 s within 60 px, each without a reaction) on #go");
    expect(first("dead")).toBe("Dead click (no reaction within 1.5 s) on #go");
    expect(first("error")).toBe("Error click (an uncaught error within 3 s) on #go");
  });
});
