// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { ScrollMark } from "../../protocol/anchor";
import { type Mark, SCROLL_CHECK_MS, ScrollMarks } from "./scroll-marks";

function set(target: object, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values))
    Object.defineProperty(target, name, { value, configurable: true });
}

/** A window 800 px tall over a document of `height` px, scrolled to `scrollY`. */
function layout(height: number, scrollY: number): void {
  set(window, { innerHeight: 800, scrollY });
  set(document.documentElement, { scrollHeight: height });
}

const reach = (...values: number[]) => values.map((value) => ({ kind: ScrollMark.reach, value }));

let controller: AbortController;
let sent: Mark[][];
let marks: ScrollMarks;

beforeEach(() => {
  vi.useFakeTimers();
  controller = new AbortController();
  sent = [];
  marks = new ScrollMarks(window, (batch) => sent.push(batch), controller.signal);
});

afterEach(() => {
  controller.abort();
  vi.useRealTimers();
  document.body.innerHTML = "";
});

describe("ScrollMarks", () => {
  test("a view sends its height at once, then the steps its first screen reaches once its content had a moment", () => {
    layout(4000, 0);
    marks.startView();
    expect(sent).toEqual([[{ kind: ScrollMark.view, value: 800 }]]);
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent[1]).toEqual(reach(5, 10, 15, 20));
  });

  test("a page that fits in the window reaches 100 at once", () => {
    layout(600, 0);
    marks.startView();
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent[1]).toHaveLength(20);
    expect(sent[1]?.at(-1)).toEqual({ kind: ScrollMark.reach, value: 100 });
  });

  test("scrolling sends each further step once, read at most once per check period; a new view starts over", () => {
    layout(4000, 0);
    marks.startView();
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    for (const y of [200, 600, 1200]) {
      layout(4000, y);
      window.dispatchEvent(new Event("scroll"));
    }
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent[2]).toEqual(reach(25, 30, 35, 40, 45, 50));
    layout(4000, 0);
    window.dispatchEvent(new Event("scroll"));
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent).toHaveLength(3);
    marks.startView();
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent.slice(3)).toEqual([[{ kind: ScrollMark.view, value: 800 }], reach(5, 10, 15, 20)]);
  });

  test("the largest scroll container's steps are box marks, found again when another element scrolls", () => {
    layout(800, 0);
    document.body.innerHTML = `<div id="feed" style="overflow-y: auto"></div>`;
    const feed = document.getElementById("feed") as HTMLElement;
    set(feed, { clientWidth: 600, clientHeight: 500, scrollHeight: 5000, scrollTop: 0 });
    marks.startView();
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    const box = (...values: number[]) => values.map((value) => ({ kind: ScrollMark.box, value }));
    expect(sent[1]?.filter((m) => m.kind === ScrollMark.box)).toEqual(box(5, 10));
    set(feed, { scrollTop: 1000 });
    feed.dispatchEvent(new Event("scroll"));
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent[2]).toEqual(box(15, 20, 25, 30));
    const wide = document.createElement("main");
    wide.style.overflowY = "scroll";
    set(wide, { clientWidth: 1000, clientHeight: 600, scrollHeight: 2000, scrollTop: 400 });
    document.body.append(wide);
    wide.dispatchEvent(new Event("scroll"));
    vi.advanceTimersByTime(SCROLL_CHECK_MS);
    expect(sent[3]).toEqual(box(5, 10, 15, 20, 25, 30, 35, 40, 45, 50));
  });

  test("nothing is read or sent after its signal aborts", () => {
    layout(4000, 0);
    marks.startView();
    controller.abort();
    vi.advanceTimersByTime(SCROLL_CHECK_MS * 4);
    window.dispatchEvent(new Event("scroll"));
    vi.advanceTimersByTime(SCROLL_CHECK_MS * 4);
    expect(sent).toHaveLength(1);
  });
});
