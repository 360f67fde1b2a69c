// @vitest-environment happy-dom
import { afterEach, describe, expect, test, vi } from "vitest";
import { DEFAULT_SIGNAL_RULES, SIGNAL_NAMES, type SignalKind, type SignalRules } from "../../protocol/signals";
import { type ClickFacts, ClickSignals, judgedForDead, watchReactions } from "./click-signals";
import { PAGE_ERROR_EVENT } from "./page-error-event";

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = "";
});

/** A detector on fake timers; `at(t)` moves the clock to t ms and runs what is due. */
function detector(rules: { current: SignalRules } = { current: DEFAULT_SIGNAL_RULES }) {
  vi.useFakeTimers();
  const found: string[] = [];
  let now = 0;
  const signals = new ClickSignals(
    () => rules.current,
    (kind: SignalKind, click: ClickFacts) => found.push(`${SIGNAL_NAMES[kind]} ${click.selector} @${click.t}`),
    { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as number) },
  );
  const at = (t: number) => {
    vi.advanceTimersByTime(t - now);
    now = t;
  };
  const click = (t: number, selector = "#buy", x = 10, judged = true) => {
    at(t);
    signals.click({ t, x, y: 10, selector, judged });
  };
  return { signals, found, at, click };
}

describe("ClickSignals", () => {
  test("three clicks on a broken button within 1 s and 30 px are one rage click, not dead ones", () => {
    const { found, click, at } = detector();
    click(0);
    click(200, "#buy", 20);
    click(400, "#buy", 35);
    click(600);
    at(3000);
    expect(found).toEqual(["rage #buy @400"]);
  });

  test("a stepper that changes the page at each fast click is no rage and no dead click", () => {
    const { signals, found, click, at } = detector();
    for (let t = 0; t < 1000; t += 150) {
      click(t, "#plus");
      at(t + 20);
      signals.reaction();
    }
    at(5000);
    expect(found).toEqual([]);
  });

  test("clicks slower than 1 s apart, far apart or on two elements are no rage", () => {
    const { found, click, at } = detector();
    click(0, "#a", 10, false);
    click(600, "#a", 10, false);
    click(1200, "#a", 10, false);
    click(3000, "#b", 10, false);
    click(3100, "#b", 60, false);
    click(3200, "#b", 120, false);
    click(5000, "#c", 10, false);
    click(5100, "#d", 10, false);
    click(5200, "#c", 10, false);
    at(9000);
    expect(found).toEqual([]);
  });

  test("a control with no reaction within 1 s is dead; one that reacts after 800 ms is not", () => {
    const { signals, found, click, at } = detector();
    click(0, "#broken");
    at(999);
    expect(found).toEqual([]);
    at(1000);
    expect(found).toEqual(["dead #broken @0"]);
    click(5000, "#slow");
    at(5800);
    signals.reaction();
    at(9000);
    expect(found).toEqual(["dead #broken @0"]);
  });

  test("two clicks on one dead control are one dead click, judged from the later", () => {
    const { found, click, at } = detector();
    click(0, "#broken");
    click(500, "#broken", 60);
    at(1400);
    expect(found).toEqual([]);
    at(1500);
    expect(found).toEqual(["dead #broken @500"]);
  });

  test("a click not judged for dead (text, an input, a new-tab link) is never dead", () => {
    const { found, click, at } = detector();
    click(0, "#text", 10, false);
    at(5000);
    expect(found).toEqual([]);
  });

  test("an error within 1 s of a click is one error click on it, and that click is not also dead", () => {
    const { signals, found, click, at } = detector();
    click(0, "#throw");
    at(300);
    signals.error(300);
    signals.error(310);
    at(3000);
    signals.error(3000);
    expect(found).toEqual(["error #throw @0"]);
    click(4000, "#other");
    at(5100);
    signals.error(5100);
    expect(found).toEqual(["error #throw @0", "dead #other @4000"]);
  });
});

describe("judgedForDead", () => {
  const none = { ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };
  const el = (html: string, selector: string) => {
    document.body.innerHTML = html;
    return document.querySelector(selector) as Element;
  };

  test("controls and what is inside them are judged; text, inputs and labels are not", () => {
    expect(judgedForDead(el("<button id=b><span>Buy</span></button>", "span"), none)).toBe(true);
    expect(judgedForDead(el("<div role=button>Go</div>", "div"), none)).toBe(true);
    expect(judgedForDead(el("<p>Some text</p>", "p"), none)).toBe(false);
    expect(judgedForDead(el("<input type=text>", "input"), none)).toBe(false);
    expect(judgedForDead(el("<input type=submit>", "input"), none)).toBe(true);
    expect(judgedForDead(el("<select><option>1</option></select>", "select"), none)).toBe(false);
    expect(judgedForDead(el("<label>Name <span>x</span></label>", "span"), none)).toBe(false);
    expect(judgedForDead(el("<div contenteditable=true><b>x</b></div>", "b"), none)).toBe(false);
  });

  test("links opening a new tab, a download or a modifier click are not judged; a plain link is", () => {
    expect(judgedForDead(el("<a href=/x target=_blank><i>x</i></a>", "i"), none)).toBe(false);
    expect(judgedForDead(el("<a href=/x target=help>x</a>", "a"), none)).toBe(false);
    expect(judgedForDead(el("<a href=/x download>x</a>", "a"), none)).toBe(false);
    expect(judgedForDead(el("<a href=/x>x</a>", "a"), { ...none, ctrlKey: true })).toBe(false);
    expect(judgedForDead(el("<a href=/x target=_self>x</a>", "a"), none)).toBe(true);
  });
});

describe("watchReactions", () => {
  function watched(quietMs = 1000) {
    const reactions: number[] = [];
    const errors: number[] = [];
    const fake = { reaction: () => reactions.push(1), error: (t: number) => errors.push(t), dispose() {} };
    const controller = new AbortController();
    const { clicked } = watchReactions(fake, window, controller.signal, () => quietMs);
    return { reactions, errors, controller, clicked };
  }

  async function until(condition: () => boolean) {
    const deadline = Date.now() + 2000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error("condition not met in 2 s");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  test("a DOM change, a scroll, a focus change and a selected range are reactions; a caret is not", async () => {
    const { reactions, controller, clicked } = watched();
    clicked();
    document.body.append(document.createElement("div"));
    await until(() => reactions.length === 1);
    document.body.dispatchEvent(new Event("scroll"));
    expect(reactions.length).toBe(2);
    document.dispatchEvent(new FocusEvent("focusin"));
    expect(reactions.length).toBe(3);
    const selection = document.getSelection() as Selection;
    vi.spyOn(selection, "type", "get").mockReturnValue("Caret");
    document.dispatchEvent(new Event("selectionchange"));
    expect(reactions.length).toBe(3);
    vi.spyOn(selection, "type", "get").mockReturnValue("Range");
    document.dispatchEvent(new Event("selectionchange"));
    expect(reactions.length).toBe(4);
    controller.abort();
  });

  test("a change inside the extension's overlay is no reaction", async () => {
    const overlay = document.createElement("heatlens-overlay");
    document.body.append(overlay);
    const { reactions, controller, clicked } = watched();
    clicked();
    overlay.setAttribute("data-x", "1");
    document.body.append(document.createElement("p"));
    await until(() => reactions.length > 0);
    expect(reactions.length).toBe(1);
    controller.abort();
  });

  test("DOM changes are watched only from a click until the quiet time after the last one", async () => {
    const { reactions, controller, clicked } = watched(50);
    document.body.append(document.createElement("div"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reactions).toHaveLength(0);
    clicked();
    document.body.append(document.createElement("div"));
    await until(() => reactions.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    document.body.append(document.createElement("div"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reactions).toHaveLength(1);
    controller.abort();
  });

  test("the page's uncaught errors and unhandled rejections, and the page-world relay's events, are errors with their time", () => {
    const { errors, controller } = watched();
    window.dispatchEvent(new ErrorEvent("error", { message: "boom" }));
    window.dispatchEvent(new Event("unhandledrejection"));
    window.dispatchEvent(new Event(PAGE_ERROR_EVENT));
    expect(errors).toHaveLength(3);
    expect(errors.every((t) => typeof t === "number")).toBe(true);
    controller.abort();
    window.dispatchEvent(new ErrorEvent("error", { message: "after" }));
    expect(errors).toHaveLength(3);
  });
});

describe("rules from the companion", () => {
  test("apply from the next click: with 5 clicks to a rage, 3 are none and 5 are one; a longer dead time waits longer", () => {
    const rules = { current: { ...DEFAULT_SIGNAL_RULES, rageClicks: 5, deadMs: 2000 } };
    const { found, click, at } = detector(rules);
    click(0, "#a", 10, false);
    click(100, "#a", 10, false);
    click(200, "#a", 10, false);
    at(5000);
    expect(found).toEqual([]);
    for (const t of [6000, 6100, 6200, 6300, 6400]) click(t, "#a", 10, false);
    expect(found).toEqual(["rage #a @6400"]);
    click(9000, "#b");
    at(10_500);
    expect(found).toHaveLength(1);
    at(11_000);
    expect(found).toEqual(["rage #a @6400", "dead #b @9000"]);
  });
});
