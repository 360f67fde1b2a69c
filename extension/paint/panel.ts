/**
 * The overlay's legend and controls, in its closed shadow root: the colour
 * scale with counts and the true maximum, what the heat on screen is (heat on
 * elements of all widths, or one band's page grid) and its window, when the
 * last update came (amber once stale), and the controls (heat on elements,
 * page tiles or smooth page heat; moves, clicks or both; linear or log scale;
 * window, opacity, freeze, scroll map, coverage (with its line and colour
 * key), "Copy link": the share link of the view on screen; "Snapshot": a PNG
 * of what the viewer sees, optionally attached to the page on the companion;
 * Compare: a difference map of two sets of the page's points instead of the
 * heat (compare-layer.ts); Tester: one tester's heat alone; and, while the viewer's band is empty and another has heat or while another
 * band is shown, a line about it with "Show <band>" or "Back to my width").
 * The panel sits in any corner of the
 * viewport (a corner button, or a drag of its title that lands in the nearest
 * corner) and folds to a small pill; every control is a button, reachable
 * with the keyboard. Only the panel takes pointer events; the rest of the
 * overlay is click-through. Also the tooltip that follows the cursor over heat.
 */
import type { HeatLayer, OverlayPrefs, PaintMode, PanelCorner } from "../state/overlay-prefs";
import type { BandLine } from "./band-choice";
import type { Choice, CompareChoice } from "./compare-choice";
import { COVERAGE_COLOURS, COVERAGE_LABELS } from "./coverage-layer";
import { barMiddle, barTop, scaleParts, windowLabel } from "./legend";
import { COMPARE_COLOURS, type HeatScale, PALETTE_GRADIENT, type ScaleKind } from "./renderer";

/** The difference map's key: more in A at the left, none in the middle, more in B at the right. */
const COMPARE_GRADIENT = `linear-gradient(to right, rgb(${COMPARE_COLOURS.a.rgb.join(", ")}), transparent, rgb(${COMPARE_COLOURS.b.rgb.join(", ")}))`;

const CORNERS: readonly [PanelCorner, string, string][] = [
  ["top-left", "↖", "Move the legend to the top-left corner"],
  ["top-right", "↗", "Move the legend to the top-right corner"],
  ["bottom-left", "↙", "Move the legend to the bottom-left corner"],
  ["bottom-right", "↘", "Move the legend to the bottom-right corner"],
];

/** The legend's line while capture is paused (the popup's switch). */
export const PAUSED_LINE = "Capture paused in this browser: no points are recorded. Resume in the Heatlens popup.";

/**
 * A viewport narrower or shorter than this (CSS px) opens the panel folded: unfolded it would cover
 * half of a phone-sized view or more (it is 220 px wide and about 520 px tall).
 */
export const SMALL_VIEWPORT_PX = 600;

/** Whether a viewport this size opens the panel folded, whatever the stored fold. */
export function foldsOnOpen(width: number, height: number): boolean {
  return width < SMALL_VIEWPORT_PX || height < SMALL_VIEWPORT_PX;
}

/** The corner nearest to a point of the viewport. */
export function nearestCorner(x: number, y: number, width: number, height: number): PanelCorner {
  return `${y < height / 2 ? "top" : "bottom"}-${x < width / 2 ? "left" : "right"}` as PanelCorner;
}

/**
 * Fixed sizes: the panel is 220 px wide at 12 px from its corner (the
 * bottom-right one unless moved), and each control row is 22 px tall with
 * 4 px between rows, so its controls sit at the same place in every browser.
 * New rows go on top, so that the older controls keep their places: from the
 * bottom edge in the bottom corners, freeze 31 px up, opacity 57, windows 83,
 * modes 109 (elements, tiles, smooth), scale 135, history 161, layers 187,
 * scroll map 213 (26 px higher while the range row is open), Copy link
 * 239 (26 px higher again while the link's field is shown), the snapshot
 * row 265 ("Snapshot" on its left half, "Snap & attach" on its right),
 * Coverage 291, Compare 317, Tester 343 and, only while another band is
 * offered or shown, its button 369 (each with the same shifts). In a
 * viewport too short for all of it the panel stops 12 px from the far edge
 * and all but its head scrolls (its rows then a scroll bar narrower).
 */
export const PANEL_CSS = `
  canvas { position: fixed; inset: 0; pointer-events: none; }
  .panel {
    position: fixed; width: 220px; padding: 8px 10px;
    font: 12px/16px system-ui, sans-serif; color: #fff; background: rgba(20, 24, 32, 0.88);
    border-radius: 6px; pointer-events: auto; user-select: none; box-sizing: border-box;
    display: flex; flex-direction: column; max-height: calc(100vh - 24px);
  }
  .body { min-height: 0; overflow-y: auto; overscroll-behavior: contain; scrollbar-width: thin; scrollbar-color: #465069 transparent; }
  .panel[hidden] { display: none; }
  .top-left { top: 12px; left: 12px; }
  .top-right { top: 12px; right: 12px; }
  .bottom-left { bottom: 12px; left: 12px; }
  .bottom-right { bottom: 12px; right: 12px; }
  .panel.dragging { opacity: 0.75; }
  .head { display: flex; gap: 2px; height: 18px; align-items: center; }
  .title { flex: 1; font-weight: 600; cursor: grab; touch-action: none; }
  .head > button { flex: none; width: 18px; height: 18px; font-size: 11px; line-height: 16px; }
  .panel.collapsed { width: auto; padding: 4px; }
  .panel.collapsed > :not(.pill), .panel:not(.collapsed) > .pill { display: none; }
  .pill { padding: 0 10px; font-weight: 600; }
  button:focus-visible { outline: 2px solid #ffd43b; outline-offset: 1px; }
  button:disabled { opacity: 0.45; cursor: default; }
  .bar { height: 10px; border-radius: 3px; margin: 4px 0 2px; background: ${PALETTE_GRADIENT}; }
  .comparing .bar { background: ${COMPARE_GRADIENT}; }
  .comparing .note { display: none; }
  .comparing .summary { height: 80px; }
  .comparing .summary > span { white-space: normal; }
  .scale { display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
  .note { height: 32px; overflow: hidden; color: #cfd6e4; }
  .note > span { white-space: nowrap; }
  .status { height: 16px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: #cfd6e4; }
  .summary { height: 48px; margin: 2px 0 0; overflow: hidden; color: #cfd6e4; }
  .summary > span { white-space: nowrap; }
  .panel.stale { box-shadow: inset 0 0 0 2px #ffb020; }
  .panel.stale .status { color: #ffb020; font-weight: 600; }
  .paused { color: #c3c8d2; font-style: italic; }
  .band { color: #ffd43b; }
  .coverage { color: #cfd6e4; }
  .coverage > div > span { white-space: nowrap; }
  .coverage[hidden] { display: none; }
  .signals { color: #ff8787; }
  .signals[hidden] { display: none; }
  .key { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 6px; border: 2px solid; box-sizing: border-box; }
  .row { display: flex; gap: 4px; height: 22px; margin-top: 4px; align-items: center; }
  .row > span { width: 56px; flex: none; }
  .row[hidden] { display: none; }
  input[type="datetime-local"] { flex: 1; min-width: 0; height: 20px; font: 11px system-ui, sans-serif; }
  button {
    flex: 1; height: 22px; padding: 0; font: inherit; color: #fff; background: #2d3446;
    border: 1px solid #465069; border-radius: 4px; cursor: pointer;
  }
  button[aria-pressed="true"] { background: #4c6ef5; border-color: #4c6ef5; }
  input[type="range"] { flex: 1; min-width: 0; margin: 0; }
  select {
    flex: 1; min-width: 0; height: 22px; font: inherit; color: #fff; background: #2d3446;
    border: 1px solid #465069; border-radius: 4px;
  }
  select:focus-visible { outline: 2px solid #ffd43b; outline-offset: 1px; }
  input[readonly] { flex: 1; min-width: 0; height: 20px; font: 11px system-ui, sans-serif; }
  .tooltip {
    position: fixed; padding: 3px 6px; font: 12px/16px system-ui, sans-serif; color: #fff;
    background: rgba(20, 24, 32, 0.9); border-radius: 4px; pointer-events: none; white-space: nowrap;
  }
  .tooltip[hidden] { display: none; }
`;

/** How long a notice (a snapshot taken, a link copied, an error) stays in place of the legend line. */
export const NOTICE_MS = 5000;

/** A past range to show from the companion's history. */
export interface HistoryRange {
  from: number;
  to: number;
}

export interface PanelActions {
  showHistory(range: HistoryRange): void;
  setMode(mode: PaintMode): void;
  setLayer(layer: HeatLayer): void;
  setScale(scale: ScaleKind): void;
  setWindow(windowMs: number): void;
  setOpacity(opacity: number): void;
  toggleFreeze(): void;
  toggleScrollMap(): void;
  setCorner(corner: PanelCorner): void;
  setCollapsed(collapsed: boolean): void;
  /** The share link of the view on screen, or why there is none. */
  shareLink(): Promise<{ link: string } | { reason: string }>;
  /** Shows the band offered, or goes back to the viewer's own. */
  toggleBand(): void;
  /** Takes a snapshot (and attaches it to the page when `attach`); resolves with what to tell the viewer. */
  snapshot(attach: boolean): Promise<string>;
  toggleCoverage(): void;
  /** A comparison chosen in the Compare row (`off` for the heat). */
  setCompare(choice: CompareChoice): void;
  /** One tester's heat alone, or everyone's (null). */
  setTester(tester: string | null): void;
  /** The viewer is about to choose a comparison or a tester: the page's builds and testers are asked for again. */
  refreshTags(): void;
}

/** What the panel shows. */
export interface PanelState {
  /** The legend's parts, or null while there is no heat to describe (then `waiting` is said). */
  parts: string[] | null;
  scale: HeatScale | null;
  prefs: OverlayPrefs;
  /** Folded to the pill (the prefs' own, or a frame's). */
  collapsed: boolean;
  /** The window of the heat on screen (the companion's default when none was chosen), else the chosen one. */
  windowMs: number | null;
  frozen: boolean;
  history: string | null;
  waiting: string;
  /** A difference map is on screen instead of the heat: the bar shows its two colours. */
  comparing: boolean;
}

export class Panel {
  readonly element = element("div", "panel");
  readonly tooltip = element("div", "tooltip");
  private readonly pill = button("Heatlens", "pill");
  private readonly collapse = button("–");
  private readonly corners = new Map<PanelCorner, HTMLButtonElement>();
  private readonly layers = new Map<HeatLayer, HTMLButtonElement>();
  private readonly scrollMap = button("Scroll map");
  private readonly coverageButton = button("Coverage");
  private readonly compare = select("Compare two sets of this page's points as a difference map");
  private readonly tester = select("Show one tester's heat alone");
  /** The coverage line under the legend, with the key of its outline colours. */
  private readonly coverage = element("div", "coverage");
  private readonly coverageLine = element("div");
  /** The rage, dead and error clicks under the legend (signal-markers.ts), hidden with none. */
  private readonly signals = element("div", "signals");
  private readonly min = element("span");
  private readonly max = element("span");
  private readonly mid = element("span");
  private readonly note = element("div", "note");
  private readonly summary = element("div", "summary");
  private readonly status = element("div", "status");
  private readonly paused = element("div", "paused");
  private readonly bandNote = element("div", "band");
  private readonly bandButton = button("");
  private readonly modes = new Map<PaintMode, HTMLButtonElement>();
  private readonly scales = new Map<ScaleKind, HTMLButtonElement>();
  private readonly windows = new Map<number, HTMLButtonElement>();
  private readonly windowRow = element("div", "row");
  private readonly opacity = document.createElement("input");
  private readonly freeze = button("Freeze");
  /** The share link, shown selected when the page refuses the clipboard. */
  private readonly linkField = Object.assign(document.createElement("input"), { readOnly: true, title: "Share link" });
  private legend = "";
  /** Until when a notice keeps the legend line's place: the grids that keep coming would replace it at once. */
  private noticeUntil = 0;
  private statusText = "";
  private readonly chooseWindow: (windowMs: number) => void;
  private readonly signal: AbortSignal;

  constructor(actions: PanelActions, signal: AbortSignal) {
    const scale = element("div", "scale");
    // The coldest non-empty tile takes the left end: 1 point.
    scale.append(this.min, this.mid, this.max);
    const modeRow = element("div", "row");
    for (const [mode, label, title] of [
      ["elements", "Elements", "Heat on the elements it was over, from every width"],
      ["tiles", "Tiles", "This width band's page grid, as tiles"],
      ["smooth", "Smooth", "This width band's page grid, smoothed"],
    ] as const) {
      const b = button(label);
      b.title = title;
      b.addEventListener("click", () => actions.setMode(mode), { signal });
      this.modes.set(mode, b);
      modeRow.append(b);
    }
    const layerRow = element("div", "row");
    for (const [layer, label] of [
      ["moves", "Moves"],
      ["clicks", "Clicks"],
      ["both", "Both"],
    ] as const) {
      const b = button(label);
      b.addEventListener("click", () => actions.setLayer(layer), { signal });
      this.layers.set(layer, b);
      layerRow.append(b);
    }
    const head = element("div", "head");
    const title = text("Heatlens", "title");
    title.title = "Drag to another corner";
    head.append(title);
    for (const [corner, arrow, label] of CORNERS) {
      const b = button(arrow);
      b.setAttribute("aria-label", label);
      b.title = label;
      b.addEventListener("click", () => actions.setCorner(corner), { signal });
      this.corners.set(corner, b);
      head.append(b);
    }
    this.collapse.setAttribute("aria-label", "Collapse the legend");
    this.collapse.title = "Collapse the legend";
    this.collapse.addEventListener("click", () => actions.setCollapsed(true), { signal });
    this.pill.setAttribute("aria-label", "Expand the Heatlens legend");
    this.pill.setAttribute("aria-expanded", "false");
    this.pill.addEventListener("click", () => actions.setCollapsed(false), { signal });
    head.append(this.collapse);
    this.dragToCorner(title, actions, signal);
    const scaleRow = element("div", "row");
    for (const [kind, label] of [
      ["linear", "Linear"],
      ["log", "Log scale"],
    ] as const) {
      const b = button(label);
      b.addEventListener("click", () => actions.setScale(kind), { signal });
      this.scales.set(kind, b);
      scaleRow.append(b);
    }
    // History rows sit above the others, so that the panel grows upwards and every other control stays put.
    const historyRow = element("div", "row");
    const rangeRow = element("div", "row");
    rangeRow.hidden = true;
    const from = Object.assign(document.createElement("input"), { type: "datetime-local", title: "From" });
    const to = Object.assign(document.createElement("input"), { type: "datetime-local", title: "To" });
    const go = button("Show");
    go.style.flex = "none";
    go.style.width = "40px";
    rangeRow.append(from, to, go);
    const lastHour = button("Last hour");
    const today = button("Today");
    const range = button("Range…");
    lastHour.addEventListener("click", () => actions.showHistory({ from: Date.now() - 3_600_000, to: Date.now() }), {
      signal,
    });
    today.addEventListener(
      "click",
      () => {
        const midnight = new Date();
        midnight.setHours(0, 0, 0, 0);
        actions.showHistory({ from: midnight.getTime(), to: Date.now() });
      },
      { signal },
    );
    range.addEventListener(
      "click",
      () => {
        rangeRow.hidden = !rangeRow.hidden;
      },
      { signal },
    );
    go.addEventListener(
      "click",
      () => {
        const start = new Date(from.value).getTime();
        const end = new Date(to.value).getTime();
        if (Number.isFinite(start) && Number.isFinite(end) && end > start)
          actions.showHistory({ from: start, to: end });
        else this.summary.textContent = "Choose a start before the end.";
      },
      { signal },
    );
    historyRow.append(lastHour, today, range);
    this.chooseWindow = (ms) => actions.setWindow(ms);
    this.signal = signal;
    Object.assign(this.opacity, { type: "range", min: "10", max: "100", step: "5", title: "Opacity" });
    this.opacity.addEventListener("input", () => actions.setOpacity(Number(this.opacity.value) / 100), { signal });
    const opacityRow = element("div", "row");
    opacityRow.append(text("Opacity"), this.opacity);
    this.freeze.addEventListener("click", () => actions.toggleFreeze(), { signal });
    this.scrollMap.title = "How many views reached each depth, at the right edge";
    this.scrollMap.addEventListener("click", () => actions.toggleScrollMap(), { signal });
    const copy = button("Copy link");
    copy.title = "The link of this view: it opens this page with this heat in a browser with Heatlens";
    copy.addEventListener("click", () => void this.copyLink(actions), { signal });
    const copyRow = element("div", "row");
    copyRow.append(copy);
    const snapshotRow = element("div", "row");
    for (const [attach, label, title] of [
      [false, "Snapshot", "Download a PNG of what you see, with the legend's words"],
      [true, "Snap & attach", "Also attach the page without heat to it on the companion, for the dashboard"],
    ] as const) {
      const b = button(label);
      b.title = title;
      b.addEventListener("click", () => void actions.snapshot(attach).then((said) => this.notice(said)), { signal });
      snapshotRow.append(b);
    }
    const linkRow = element("div", "row");
    linkRow.hidden = true;
    linkRow.append(this.linkField);
    this.bandButton.addEventListener("click", () => actions.toggleBand(), { signal });
    const bandRow = element("div", "row");
    bandRow.append(this.bandButton);
    this.coverageButton.title = "Outline every control on this page: untouched, hovered only, clicked, or not known";
    this.coverageButton.addEventListener("click", () => actions.toggleCoverage(), { signal });
    const coverageRow = element("div", "row");
    coverageRow.append(this.coverageButton);
    this.compare.addEventListener("change", () => actions.setCompare(this.compare.value as CompareChoice), { signal });
    this.tester.addEventListener("change", () => actions.setTester(this.tester.value || null), { signal });
    for (const list of [this.compare, this.tester]) {
      list.addEventListener("focus", () => actions.refreshTags(), { signal });
      list.addEventListener("pointerdown", () => actions.refreshTags(), { signal });
    }
    this.setCompareChoices([{ value: "off", label: "Off" }], "off");
    this.setTesterChoices([{ value: "", label: "Everyone" }], "");
    const compareRow = element("div", "row");
    compareRow.append(text("Compare"), this.compare);
    const testerRow = element("div", "row");
    testerRow.append(text("Tester"), this.tester);
    const key = element("div");
    for (const state of ["untouched", "hovered", "clicked", "unknown"] as const) {
      const swatch = element("span", "key");
      swatch.style.borderColor = COVERAGE_COLOURS[state];
      const entry = text(COVERAGE_LABELS[state]);
      entry.prepend(swatch);
      // A space between entries, where the key may wrap.
      key.append(...(key.childNodes.length > 0 ? [" "] : []), entry);
    }
    this.coverage.append(this.coverageLine, key);
    this.coverage.hidden = true;
    this.signals.hidden = true;
    const freezeRow = element("div", "row");
    freezeRow.append(this.freeze);
    const scrollRow = element("div", "row");
    scrollRow.append(this.scrollMap);
    // Under the head, the rest scrolls in a viewport shorter than the panel; the head stays, with its buttons.
    const body = element("div", "body");
    this.element.append(this.pill, head, body);
    body.append(
      element("div", "bar"),
      scale,
      this.note,
      this.summary,
      this.status,
      this.paused,
      this.bandNote,
      this.coverage,
      this.signals,
      // Above the others, so that the panel grows upwards and every other control stays put.
      bandRow,
      testerRow,
      compareRow,
      coverageRow,
      snapshotRow,
      copyRow,
      linkRow,
      scrollRow,
      layerRow,
      rangeRow,
      historyRow,
      scaleRow,
      modeRow,
      this.windowRow,
      opacityRow,
      freezeRow,
    );
    this.tooltip.hidden = true;
    this.paused.hidden = true;
    this.setBand(null);
    this.summary.textContent = "Waiting for the companion…";
  }

  /**
   * Copies the view's share link. A page's script context may be refused the
   * clipboard (plain http off localhost, or no permission): the link is then
   * shown selected below, copied with the older copy command where that
   * works, else to copy by hand.
   */
  private async copyLink(actions: PanelActions): Promise<void> {
    const made = await actions.shareLink();
    const row = this.linkField.parentElement as HTMLElement;
    if ("reason" in made) {
      row.hidden = true;
      return this.notice(`No link: ${made.reason}`);
    }
    this.linkField.value = made.link;
    try {
      await navigator.clipboard.writeText(made.link);
      row.hidden = true;
      this.notice("Link copied.");
    } catch {
      row.hidden = false;
      this.linkField.select();
      // The older copy command still works where the page's clipboard API is refused (Chromium's content scripts).
      if (document.execCommand("copy")) this.notice("Link copied.");
      else this.notice("The page refused the clipboard: copy the selected link.");
    }
  }

  /** One button per window the companion serves (its welcome's `windowsMs`). */
  setWindows(windowsMs: readonly number[]): void {
    if (windowsMs.length === this.windows.size && windowsMs.every((ms) => this.windows.has(ms))) return;
    this.windows.clear();
    this.windowRow.replaceChildren(
      ...windowsMs.map((ms) => {
        const b = button(windowLabel(ms));
        b.addEventListener("click", () => this.chooseWindow(ms), { signal: this.signal });
        this.windows.set(ms, b);
        return b;
      }),
    );
  }

  /**
   * The legend's text as shown, with the status line, the band's and
   * coverage's lines, the pause line, and the Compare and Tester rows when
   * not at Off and Everyone, for the popup and a snapshot's metadata.
   */
  get legendText(): string {
    const chosen = (select: HTMLSelectElement) => select.options[select.selectedIndex]?.textContent ?? "";
    const lines = [
      this.legend,
      this.statusText,
      this.bandNote.textContent,
      this.coverage.hidden ? "" : this.coverageLine.textContent,
      this.signals.hidden ? "" : this.signals.textContent,
      this.paused.hidden ? "" : PAUSED_LINE,
      this.compare.value === "off" ? "" : `Compare: ${chosen(this.compare)}`,
      this.tester.value === "" ? "" : `Tester: ${chosen(this.tester)}`,
    ];
    return lines.filter(Boolean).join(" · ");
  }

  /** The Compare row's choices, with `chosen` selected. */
  setCompareChoices(choices: readonly Choice<CompareChoice>[], chosen: CompareChoice): void {
    fill(this.compare, choices, chosen);
  }

  /** The Tester row's choices ("Everyone" is `""`), with `chosen` selected. */
  setTesterChoices(choices: readonly Choice<string>[], chosen: string): void {
    fill(this.tester, choices, chosen);
  }

  /** The line about another band (offered, or shown at this width) and its button; null hides both. */
  setBand(band: BandLine | null): void {
    const row = this.bandButton.parentElement as HTMLElement;
    this.bandNote.hidden = row.hidden = band === null;
    this.bandNote.textContent = band?.line ?? "";
    this.bandButton.textContent = band?.action ?? "";
  }

  /** The coverage line (`3 of 8 controls clicked (38 %)`, …) with its colour key; null hides it. */
  setCoverage(parts: string[] | null): void {
    this.coverage.hidden = parts === null;
    this.coverageLine.replaceChildren(...parted(parts ?? []));
  }

  /** The signals line (`Signals: 3 rage · 1 dead`); null hides it. */
  setSignals(line: string | null): void {
    this.signals.hidden = line === null;
    this.signals.textContent = line ?? "";
  }

  /** Says, under the legend, that this browser records nothing while capture is paused. */
  setPaused(paused: boolean): void {
    this.paused.hidden = !paused;
    this.paused.textContent = paused ? PAUSED_LINE : "";
  }

  /** The status line (`updated 3 s ago`), amber and framed when `stale`; empty hides it. */
  setStatus(text: string, stale: boolean): void {
    this.statusText = text;
    if (this.status.textContent !== text) this.status.textContent = text;
    this.element.classList.toggle("stale", stale);
  }

  /** Shows `text` in place of the legend line (an error from the companion). */
  notice(text: string): void {
    this.summary.textContent = text;
    this.noticeUntil = Date.now() + NOTICE_MS;
  }

  render({ parts, scale, prefs, collapsed, windowMs, frozen, history, waiting, comparing }: PanelState): void {
    this.element.classList.toggle("comparing", comparing);
    this.legend = parts ? parts.join(" · ") : "";
    // Each part on one line: the legend breaks between parts, never inside `5 min` or `80 points`.
    // A notice stays its while; the legend comes back with the first render after it.
    if (Date.now() >= this.noticeUntil) {
      if (parts) this.summary.replaceChildren(...parted(parts));
      else this.summary.textContent = history ? `Loading ${history}…` : waiting;
    }
    const onBar = scale && scale.max > 0 ? scale : null;
    // A difference map's bar runs from more in A to more in B.
    this.min.textContent = comparing ? "more in A" : "1";
    this.max.textContent = comparing ? "more in B" : onBar ? barTop(onBar) : "";
    this.mid.textContent = onBar ? barMiddle(onBar) : "";
    this.note.replaceChildren(...(onBar ? parted(scaleParts(onBar)) : []));
    for (const [mode, b] of this.modes) b.setAttribute("aria-pressed", String(mode === prefs.mode));
    // A page grid counts moves and clicks together: the layers are the elements' own.
    for (const [layer, b] of this.layers) {
      b.setAttribute("aria-pressed", String(layer === prefs.layer));
      b.disabled = prefs.mode !== "elements";
      b.title = b.disabled ? "Page grids count moves and clicks together" : "";
    }
    for (const [kind, b] of this.scales) b.setAttribute("aria-pressed", String(kind === prefs.scale));
    for (const [ms, b] of this.windows) b.setAttribute("aria-pressed", String(ms === windowMs));
    this.opacity.value = String(Math.round(prefs.opacity * 100));
    this.freeze.textContent = history ? "Back to live" : frozen ? "Frozen: resume live" : "Freeze";
    this.freeze.setAttribute("aria-pressed", String(frozen));
    this.scrollMap.setAttribute("aria-pressed", String(prefs.scrollMap));
    this.coverageButton.setAttribute("aria-pressed", String(prefs.coverage));
    for (const [corner, b] of this.corners) {
      b.setAttribute("aria-pressed", String(corner === prefs.corner));
      this.element.classList.toggle(corner, corner === prefs.corner);
    }
    const folding = collapsed !== this.element.classList.contains("collapsed");
    this.element.classList.toggle("collapsed", collapsed);
    // Keyboard focus follows the fold, so that Enter, Enter folds and unfolds.
    if (folding && this.element.contains((this.element.getRootNode() as ShadowRoot).activeElement))
      (collapsed ? this.pill : this.collapse).focus();
  }

  /** Hides the whole panel (a frame without heat of its own shows none). */
  setVisible(visible: boolean): void {
    this.element.hidden = !visible;
  }

  /** Shows `text` next to the cursor, or hides the tooltip when null. */
  showTooltip(x: number, y: number, content: string | null): void {
    if (!content) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent = content;
    this.tooltip.style.left = `${Math.max(0, Math.min(x + 14, innerWidth - this.tooltip.offsetWidth - 4))}px`;
    this.tooltip.style.top = `${Math.max(0, y - 28)}px`;
    this.tooltip.hidden = false;
  }

  /** A drag of `handle` moves the panel with the pointer and drops it in the nearest corner. */
  private dragToCorner(handle: HTMLElement, actions: PanelActions, signal: AbortSignal): void {
    let start: { x: number; y: number } | null = null;
    handle.addEventListener(
      "pointerdown",
      (event) => {
        start = { x: event.clientX, y: event.clientY };
        handle.setPointerCapture(event.pointerId);
        this.element.classList.add("dragging");
      },
      { signal },
    );
    handle.addEventListener(
      "pointermove",
      (event) => {
        if (start) this.element.style.translate = `${event.clientX - start.x}px ${event.clientY - start.y}px`;
      },
      { signal },
    );
    const drop = (event: PointerEvent) => {
      if (!start) return;
      const moved = Math.hypot(event.clientX - start.x, event.clientY - start.y) > 4;
      start = null;
      this.element.style.translate = "";
      this.element.classList.remove("dragging");
      if (moved) {
        const root = document.documentElement;
        actions.setCorner(nearestCorner(event.clientX, event.clientY, root.clientWidth, root.clientHeight));
      }
    };
    handle.addEventListener("pointerup", drop, { signal });
    handle.addEventListener("pointercancel", drop, { signal });
  }
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className = ""): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  return el;
}

/** Parts joined by ` · `, each in a span of its own, so that a line breaks only between parts. */
function parted(parts: readonly string[]): Node[] {
  return parts.flatMap((part, i) => (i === 0 ? [text(part)] : [document.createTextNode(" · "), text(part)]));
}

function text(content: string, className = ""): HTMLSpanElement {
  const span = element("span", className);
  span.textContent = content;
  return span;
}

function select(title: string): HTMLSelectElement {
  const list = element("select");
  list.title = title;
  list.setAttribute("aria-label", title);
  return list;
}

/** Replaces a select's options only when they changed, so that an open list is not closed under the viewer. */
function fill(list: HTMLSelectElement, choices: readonly Choice<string>[], chosen: string): void {
  const same =
    list.options.length === choices.length &&
    choices.every((c, i) => list.options[i]?.value === c.value && list.options[i]?.text === c.label);
  if (!same)
    list.replaceChildren(...choices.map((c) => Object.assign(element("option"), { value: c.value, text: c.label })));
  list.value = choices.some((c) => c.value === chosen) ? chosen : (choices[0]?.value ?? "");
}

function button(label: string, className = ""): HTMLButtonElement {
  const b = element("button", className);
  b.type = "button";
  b.textContent = label;
  return b;
}
