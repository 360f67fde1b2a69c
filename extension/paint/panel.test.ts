// @vitest-environment happy-dom
import "../testing/install-fake-browser";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_OVERLAY_PREFS, type OverlayPrefs, type PanelCorner } from "../state/overlay-prefs";
import { foldsOnOpen, NOTICE_MS, nearestCorner, PAUSED_LINE, Panel, type PanelActions, type PanelState } from "./panel";

const LINK = "http://127.0.0.1:8787/share?origin=http%3A%2F%2F127.0.0.1%3A8787&path=%2Fdemo%2F&window=300000";

function setUp(shared: { link: string } | { reason: string } = { link: LINK }) {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      calls.push(`${name} ${args.map((a) => JSON.stringify(a)).join(" ")}`.trim());
  const actions: PanelActions = {
    showHistory: record("showHistory"),
    setMode: record("setMode"),
    setLayer: record("setLayer"),
    setScale: record("setScale"),
    setWindow: record("setWindow"),
    setOpacity: record("setOpacity"),
    toggleFreeze: record("toggleFreeze"),
    toggleScrollMap: record("toggleScrollMap"),
    setCorner: record("setCorner"),
    setCollapsed: record("setCollapsed"),
    shareLink: async () => shared,
    toggleBand: record("toggleBand"),
    snapshot: async (attach) => {
      record("snapshot")(attach);
      return attach ? "Snapshot saved and attached to /demo/" : "Snapshot saved: heatlens.png";
    },
    toggleCoverage: record("toggleCoverage"),
    setCompare: record("setCompare"),
    setTester: record("setTester"),
    refreshTags: record("refreshTags"),
  };
  const host = document.createElement("div");
  const root = host.attachShadow({ mode: "open" });
  const panel = new Panel(actions, new AbortController().signal);
  root.append(panel.element);
  document.body.append(host);
  const state = (prefs: Partial<OverlayPrefs> = {}, collapsed = prefs.collapsed ?? false): PanelState => ({
    parts: ["elements, all widths", "last 5 min", "40 points", "moves and clicks"],
    scale: null,
    prefs: { ...DEFAULT_OVERLAY_PREFS, ...prefs },
    collapsed,
    windowMs: 300_000,
    frozen: false,
    history: null,
    waiting: "",
    comparing: false,
  });
  const byLabel = (label: string) =>
    [...panel.element.querySelectorAll("button")].find(
      (b) => b.getAttribute("aria-label") === label || b.textContent === label,
    ) as HTMLButtonElement;
  return { panel, root, calls, state, byLabel };
}

describe("legend panel", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });

  it("toggles coverage with its button, and shows the coverage line with its colour key in the legend's text", () => {
    const { panel, calls, state, byLabel } = setUp();
    panel.render(state());
    expect(byLabel("Coverage").getAttribute("aria-pressed")).toBe("false");
    byLabel("Coverage").click();
    expect(calls).toEqual(["toggleCoverage"]);
    panel.render(state({ coverage: true }));
    expect(byLabel("Coverage").getAttribute("aria-pressed")).toBe("true");
    expect(panel.legendText).not.toContain("controls clicked");
    panel.setCoverage(["1 of 3 controls clicked (33 %)", "1 hovered only", "1 untouched"]);
    expect(panel.legendText).toContain("1 of 3 controls clicked (33 %) · 1 hovered only · 1 untouched");
    expect(panel.element.querySelector(".coverage")?.textContent).toContain("untouched hovered clicked not known");
    panel.setCoverage(null);
    expect(panel.legendText).not.toContain("controls clicked");
  });

  it("shows the signals line in the legend's text while there are signals", () => {
    const { panel, state } = setUp();
    panel.render(state());
    panel.setSignals("Signals: 3 rage · 1 dead");
    expect(panel.legendText).toContain("Signals: 3 rage · 1 dead");
    panel.setSignals(null);
    expect(panel.legendText).not.toContain("Signals");
  });

  it("snaps a drop to the nearest corner of the viewport", () => {
    const corners: [number, number, PanelCorner][] = [
      [10, 10, "top-left"],
      [1200, 30, "top-right"],
      [20, 700, "bottom-left"],
      [1270, 790, "bottom-right"],
    ];
    for (const [x, y, corner] of corners) expect(nearestCorner(x, y, 1280, 800)).toBe(corner);
  });

  it("opens folded in a viewport under 600 px on either side", () => {
    expect(foldsOnOpen(1280, 800)).toBe(false);
    expect(foldsOnOpen(600, 600)).toBe(false);
    expect(foldsOnOpen(599, 800)).toBe(true);
    expect(foldsOnOpen(1280, 599)).toBe(true);
    expect(foldsOnOpen(400, 700)).toBe(true);
  });

  it("sits in the stored corner and moves to another with a button that names it", () => {
    const { panel, calls, state, byLabel } = setUp();
    panel.render(state());
    expect(panel.element.classList.contains("bottom-right")).toBe(true);
    byLabel("Move the legend to the top-left corner").click();
    expect(calls).toEqual(['setCorner "top-left"']);
    panel.render(state({ corner: "top-left" }));
    expect(panel.element.classList.contains("top-left")).toBe(true);
    expect(panel.element.classList.contains("bottom-right")).toBe(false);
    expect(byLabel("Move the legend to the top-left corner").getAttribute("aria-pressed")).toBe("true");
  });

  it("folds to a pill and back, keeping keyboard focus on the control that unfolds or folds it", () => {
    const { panel, root, calls, state, byLabel } = setUp();
    panel.render(state());
    const collapse = byLabel("Collapse the legend");
    collapse.focus();
    collapse.click();
    expect(calls).toEqual(["setCollapsed true"]);
    panel.render(state({ collapsed: true }));
    expect(panel.element.classList.contains("collapsed")).toBe(true);
    const pill = byLabel("Expand the Heatlens legend");
    expect(root.activeElement).toBe(pill);
    pill.click();
    expect(calls.at(-1)).toBe("setCollapsed false");
    panel.render(state({ collapsed: false }));
    expect(panel.element.classList.contains("collapsed")).toBe(false);
    expect(root.activeElement).toBe(collapse);
  });

  it("offers the three modes, the layers (for heat on elements only) and the scroll map", () => {
    const { panel, calls, state, byLabel } = setUp();
    panel.render(state());
    expect(byLabel("Elements").getAttribute("aria-pressed")).toBe("true");
    expect(byLabel("Both").getAttribute("aria-pressed")).toBe("true");
    byLabel("Clicks").click();
    byLabel("Tiles").click();
    byLabel("Scroll map").click();
    expect(calls).toEqual(['setLayer "clicks"', 'setMode "tiles"', "toggleScrollMap"]);
    panel.render(state({ mode: "tiles", scrollMap: true }));
    expect(byLabel("Clicks").disabled).toBe(true);
    expect(byLabel("Scroll map").getAttribute("aria-pressed")).toBe("true");
    expect(panel.legendText).toBe("elements, all widths · last 5 min · 40 points · moves and clicks");
  });

  it("drops a drag of its title in the nearest corner, and takes a click on the title for no move", () => {
    const { panel, calls } = setUp();
    const title = panel.element.querySelector(".title") as HTMLElement;
    title.setPointerCapture = () => undefined;
    const pointer = (type: string, x: number, y: number) =>
      title.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, bubbles: true }));
    Object.defineProperties(document.documentElement, {
      clientWidth: { value: 1280, configurable: true },
      clientHeight: { value: 800, configurable: true },
    });
    pointer("pointerdown", 1100, 420);
    pointer("pointermove", 400, 300);
    expect(panel.element.style.translate).toBe("-700px -120px");
    pointer("pointerup", 200, 100);
    expect(panel.element.style.translate).toBe("");
    pointer("pointerdown", 1100, 420);
    pointer("pointerup", 1102, 421);
    expect(calls).toEqual(['setCorner "top-left"']);
  });

  it("hides itself when told (a frame without heat)", () => {
    const { panel } = setUp();
    panel.setVisible(false);
    expect(panel.element.hidden).toBe(true);
    panel.setVisible(true);
    expect(panel.element.hidden).toBe(false);
  });

  it("copies the view's link; refused the clipboard, it shows the link selected (and copies it with the copy command if it can); without a view it says why", async () => {
    const copied: string[] = [];
    let refuse = false;
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: {
        writeText: async (text: string) => {
          if (refuse) throw new DOMException("Write permission denied.", "NotAllowedError");
          copied.push(text);
        },
      },
    });
    const { panel, byLabel } = setUp();
    const field = panel.element.querySelector("input[readonly]") as HTMLInputElement;
    const row = field.parentElement as HTMLElement;
    byLabel("Copy link").click();
    await vi.waitFor(() => expect(copied).toEqual([LINK]));
    await vi.waitFor(() => expect(panel.element.textContent).toContain("Link copied."));
    expect(row.hidden).toBe(true);

    // Refused the clipboard API, the selected link is copied with the copy command where that works, else left selected.
    refuse = true;
    let copyCommand = true;
    const commands: string[] = [];
    document.execCommand = (command: string) => {
      commands.push(command);
      return copyCommand;
    };
    byLabel("Copy link").click();
    await vi.waitFor(() => expect(row.hidden).toBe(false));
    expect(field.value).toBe(LINK);
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, LINK.length]);
    expect(commands).toEqual(["copy"]);
    expect(panel.element.textContent).toContain("Link copied.");
    copyCommand = false;
    byLabel("Copy link").click();
    await vi.waitFor(() =>
      expect(panel.element.textContent).toContain("The page refused the clipboard: copy the selected link."),
    );
    expect(row.hidden).toBe(false);

    const none = setUp({ reason: "this page is not watched yet" });
    none.byLabel("Copy link").click();
    await vi.waitFor(() => expect(none.panel.element.textContent).toContain("No link: this page is not watched yet"));
  });
});

describe("snapshot row", () => {
  it("sits above Copy link, so that every older control keeps its place, and says what each button did", async () => {
    const { panel, calls, byLabel } = setUp();
    const rows = [...panel.element.querySelectorAll(".row")];
    const snapshotRow = byLabel("Snapshot").parentElement as HTMLElement;
    expect(byLabel("Snap & attach").parentElement).toBe(snapshotRow);
    expect(rows.indexOf(snapshotRow)).toBe(rows.indexOf(byLabel("Copy link").parentElement as HTMLElement) - 1);
    byLabel("Snapshot").click();
    await vi.waitFor(() => expect(panel.element.textContent).toContain("Snapshot saved: heatlens.png"));
    byLabel("Snap & attach").click();
    await vi.waitFor(() => expect(panel.element.textContent).toContain("Snapshot saved and attached to /demo/"));
    expect(calls).toEqual(["snapshot false", "snapshot true"]);
  });

  it("keeps a notice in the legend line's place for a while, though grids keep coming, then shows the legend again", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { panel, state } = setUp();
      panel.render(state());
      panel.notice("No snapshot: the browser did not let Heatlens capture this tab");
      panel.render(state());
      expect(panel.element.textContent).toContain("No snapshot: the browser did not let Heatlens capture this tab");
      vi.advanceTimersByTime(NOTICE_MS);
      panel.render(state());
      expect(panel.element.textContent).not.toContain("No snapshot");
      expect(panel.element.textContent).toContain("40 points");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the pause line", () => {
  it("shows under the legend while capture is paused, in the popup's text too, and goes on resume", () => {
    document.body.innerHTML = "";
    const { panel, root, state } = setUp();
    panel.render(state());
    const line = () => [...root.querySelectorAll(".paused")].find((e) => !(e as HTMLElement).hidden)?.textContent;
    expect(line()).toBeUndefined();
    panel.setPaused(true);
    expect(line()).toBe(PAUSED_LINE);
    expect(panel.legendText).toContain(PAUSED_LINE);
    panel.setPaused(false);
    expect(line()).toBeUndefined();
    expect(panel.legendText).not.toContain("paused");
  });

  it("says when another band is offered or shown, with its button above every other control", () => {
    const { panel, root, calls, state, byLabel } = setUp();
    panel.render(state());
    const note = () => root.querySelector(".band") as HTMLElement;
    const rowOf = (b: HTMLButtonElement) => b.parentElement as HTMLElement;
    expect(note().hidden).toBe(true);
    expect(panel.legendText).not.toContain("tablet");

    panel.setBand({ line: "No points at your width (desktop); tablet has 42", action: "Show tablet" });
    expect(note().hidden).toBe(false);
    expect(note().textContent).toBe("No points at your width (desktop); tablet has 42");
    expect(panel.legendText).toContain("No points at your width (desktop); tablet has 42");
    const show = byLabel("Show tablet");
    expect(rowOf(show).hidden).toBe(false);
    // Its row comes before Tester's, the highest of the others: in a bottom corner nothing below it moves.
    const tester = root.querySelector('select[aria-label="Show one tester\'s heat alone"]') as HTMLSelectElement;
    expect(rowOf(show).nextElementSibling).toBe(tester.parentElement);
    expect(rowOf(byLabel("Coverage")).nextElementSibling).toBe(rowOf(byLabel("Snapshot")));
    show.click();
    expect(calls).toEqual(["toggleBand"]);

    panel.setBand({ line: "showing tablet heat at 1280 px: the layout may differ", action: "Back to my width" });
    expect(byLabel("Back to my width")).toBe(show);
    panel.setBand(null);
    expect(note().hidden).toBe(true);
    expect(rowOf(show).hidden).toBe(true);
    expect(panel.legendText).not.toContain("tablet");
  });
});

describe("the Compare and Tester rows", () => {
  it("sit above Coverage, Compare under Tester, so that every older control keeps its place", () => {
    const { panel, root, byLabel } = setUp();
    const [tester, compare] = [...root.querySelectorAll("select")] as HTMLSelectElement[];
    const rows = [...panel.element.querySelectorAll(".row")];
    const coverageRow = rows.indexOf(byLabel("Coverage").parentElement as HTMLElement);
    expect(rows.indexOf(compare?.parentElement as HTMLElement)).toBe(coverageRow - 1);
    expect(rows.indexOf(tester?.parentElement as HTMLElement)).toBe(coverageRow - 2);
    expect(compare?.parentElement?.textContent).toContain("Compare");
    expect(tester?.parentElement?.textContent).toContain("Tester");
  });

  it("offer the choices given, keep the one chosen, and tell what the viewer chose (also in the legend's text); asking for the page's tags when one opens", () => {
    const { panel, root, calls } = setUp();
    const [tester, compare] = [...root.querySelectorAll("select")] as HTMLSelectElement[];
    if (!tester || !compare) throw new Error("no selects");
    expect([...compare.options].map((o) => o.text)).toEqual(["Off"]);
    expect([...tester.options].map((o) => o.text)).toEqual(["Everyone"]);

    panel.setCompareChoices(
      [
        { value: "off", label: "Off" },
        { value: "me", label: "Me vs the rest" },
        { value: "hours", label: "Hour before vs last hour" },
      ],
      "off",
    );
    panel.setTesterChoices(
      [
        { value: "", label: "Everyone" },
        { value: "ana", label: "ana" },
      ],
      "",
    );
    compare.dispatchEvent(new Event("focus"));
    compare.value = "me";
    compare.dispatchEvent(new Event("change"));
    tester.value = "ana";
    tester.dispatchEvent(new Event("change"));
    // The popup and a snapshot name the rows chosen.
    expect(panel.legendText).toContain("Compare: Me vs the rest · Tester: ana");
    tester.value = "";
    tester.dispatchEvent(new Event("change"));
    expect(calls).toEqual(["refreshTags", 'setCompare "me"', 'setTester "ana"', "setTester null"]);
    expect(panel.legendText).not.toContain("Tester");

    // The same choices again keep the options (an open list stays open); a choice no longer offered falls back to the first.
    const first = compare.options[0];
    panel.setCompareChoices(
      [...compare.options].map((o) => ({ value: o.value as "off", label: o.text })),
      "hours",
    );
    expect(compare.options[0]).toBe(first);
    expect(compare.value).toBe("hours");
    panel.setTesterChoices([{ value: "", label: "Everyone" }], "ana");
    expect(tester.value).toBe("");
  });

  it("shows the difference map's two colours on the bar while comparing", () => {
    const { panel, state } = setUp();
    panel.render({ ...state(), comparing: true });
    expect(panel.element.classList.contains("comparing")).toBe(true);
    expect(panel.element.querySelector(".scale")?.textContent).toBe("more in Amore in B");
    panel.render(state());
    expect(panel.element.classList.contains("comparing")).toBe(false);
    expect(panel.element.querySelector(".scale")?.textContent).toBe("1");
  });
});
