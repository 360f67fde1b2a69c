/**
 * The overlay's legend and controls, in its closed shadow root: the colour
 * scale with counts and the true maximum, the band and window on screen, when
 * the last update came (amber once stale), and the controls (tiles or smooth
 * heat, linear or log scale, window, opacity, freeze). Only this panel takes
 * pointer events; the rest of the overlay is click-through. Also the tooltip
 * that follows the cursor over heat.
 */
import type { Grid } from "../../protocol/wire";
import type { OverlayPrefs } from "../state/overlay-prefs";
import { barMiddle, barTop, legendParts, scaleParts, windowLabel } from "./legend";
import { type HeatScale, PALETTE_GRADIENT, type PaintMode, type ScaleKind } from "./renderer";

/**
 * Fixed sizes: the panel is 220 px wide at 12 px from the bottom-right corner,
 * and each control row is 22 px tall with 4 px between rows, so its controls
 * sit at the same place in every browser.
 */
export const PANEL_CSS = `
  canvas { position: fixed; inset: 0; pointer-events: none; }
  .panel {
    position: fixed; right: 12px; bottom: 12px; width: 220px; padding: 8px 10px;
    font: 12px/16px system-ui, sans-serif; color: #fff; background: rgba(20, 24, 32, 0.88);
    border-radius: 6px; pointer-events: auto; user-select: none; box-sizing: border-box;
  }
  .title { display: block; font-weight: 600; }
  .bar { height: 10px; border-radius: 3px; margin: 4px 0 2px; background: ${PALETTE_GRADIENT}; }
  .scale { display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
  .note { height: 32px; overflow: hidden; color: #cfd6e4; }
  .note > span { white-space: nowrap; }
  .status { height: 16px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; color: #cfd6e4; }
  .summary { height: 32px; margin: 2px 0 0; overflow: hidden; color: #cfd6e4; }
  .summary > span { white-space: nowrap; }
  .panel.stale { box-shadow: inset 0 0 0 2px #ffb020; }
  .panel.stale .status { color: #ffb020; font-weight: 600; }
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
  .tooltip {
    position: fixed; padding: 3px 6px; font: 12px/16px system-ui, sans-serif; color: #fff;
    background: rgba(20, 24, 32, 0.9); border-radius: 4px; pointer-events: none; white-space: nowrap;
  }
  .tooltip[hidden] { display: none; }
`;

/** A past range to show from the companion's history. */
export interface HistoryRange {
  from: number;
  to: number;
}

export interface PanelActions {
  showHistory(range: HistoryRange): void;
  setMode(mode: PaintMode): void;
  setScale(scale: ScaleKind): void;
  setWindow(windowMs: number): void;
  setOpacity(opacity: number): void;
  toggleFreeze(): void;
}

export class Panel {
  readonly element = element("div", "panel");
  readonly tooltip = element("div", "tooltip");
  private readonly max = element("span");
  private readonly mid = element("span");
  private readonly note = element("div", "note");
  private readonly summary = element("div", "summary");
  private readonly status = element("div", "status");
  private readonly modes = new Map<PaintMode, HTMLButtonElement>();
  private readonly scales = new Map<ScaleKind, HTMLButtonElement>();
  private readonly windows = new Map<number, HTMLButtonElement>();
  private readonly windowRow = element("div", "row");
  private readonly opacity = document.createElement("input");
  private readonly freeze = button("Freeze");
  private legend = "";
  private statusText = "";
  private readonly chooseWindow: (windowMs: number) => void;
  private readonly signal: AbortSignal;

  constructor(actions: PanelActions, signal: AbortSignal) {
    const scale = element("div", "scale");
    // The coldest non-empty tile takes the left end: 1 point.
    scale.append(text("1"), this.mid, this.max);
    const modeRow = element("div", "row");
    for (const [mode, label] of [
      ["tiles", "Tiles"],
      ["smooth", "Smooth"],
    ] as const) {
      const b = button(label);
      b.addEventListener("click", () => actions.setMode(mode), { signal });
      this.modes.set(mode, b);
      modeRow.append(b);
    }
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
    const freezeRow = element("div", "row");
    freezeRow.append(this.freeze);
    this.element.append(
      text("Heatlens", "title"),
      element("div", "bar"),
      scale,
      this.note,
      this.summary,
      this.status,
      rangeRow,
      historyRow,
      scaleRow,
      modeRow,
      this.windowRow,
      opacityRow,
      freezeRow,
    );
    this.tooltip.hidden = true;
    this.summary.textContent = "Waiting for the companion…";
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

  /** The legend's text as shown, with the status line, for the popup. */
  get legendText(): string {
    return this.legend && this.statusText ? `${this.legend} · ${this.statusText}` : this.legend;
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
  }

  /**
   * `waiting` is what to say while there is no grid (the overlay knows whether
   * the companion is talking to it at all).
   */
  render(
    grid: Grid | null,
    scale: HeatScale | null,
    prefs: OverlayPrefs,
    frozen: boolean,
    history: string | null,
    waiting: string,
  ): void {
    const parts = grid ? legendParts(grid, frozen, history ?? undefined) : [];
    this.legend = parts.join(" · ");
    if (grid) {
      // Each part on one line: the legend breaks between parts, never inside `5 min` or `80 points`.
      this.summary.replaceChildren(...parted(parts));
    } else this.summary.textContent = history ? `Loading ${history}…` : waiting;
    const onBar = scale && grid && grid.max > 0 ? scale : null;
    this.max.textContent = onBar ? barTop(onBar) : "";
    this.mid.textContent = onBar ? barMiddle(onBar) : "";
    this.note.replaceChildren(...(onBar ? parted(scaleParts(onBar)) : []));
    for (const [mode, b] of this.modes) b.setAttribute("aria-pressed", String(mode === prefs.mode));
    for (const [kind, b] of this.scales) b.setAttribute("aria-pressed", String(kind === prefs.scale));
    const shown = grid?.windowMs ?? prefs.windowMs;
    for (const [ms, b] of this.windows) b.setAttribute("aria-pressed", String(ms === shown));
    this.opacity.value = String(Math.round(prefs.opacity * 100));
    this.freeze.textContent = history ? "Back to live" : frozen ? "Frozen: resume live" : "Freeze";
    this.freeze.setAttribute("aria-pressed", String(frozen));
  }

  /** Shows `count`, the true maximum and its share of all points next to the cursor, or hides the tooltip. */
  showTooltip(x: number, y: number, count: number, grid: Grid | null): void {
    if (count === 0 || !grid || grid.total === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const share = (count / grid.total) * 100;
    this.tooltip.textContent = `${count} ${count === 1 ? "point" : "points"} (max ${grid.max}) · ${share < 1 ? share.toFixed(1) : Math.round(share)}% of all`;
    this.tooltip.style.left = `${Math.min(x + 14, innerWidth - 160)}px`;
    this.tooltip.style.top = `${Math.max(0, y - 28)}px`;
    this.tooltip.hidden = false;
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

function button(label: string): HTMLButtonElement {
  const b = element("button");
  b.type = "button";
  b.textContent = label;
  return b;
}
