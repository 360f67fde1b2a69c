/**
 * One tab's overlay: watches this page's grid at this window's layout width
 * and paints it, click-through, in a closed shadow root. Says when the last
 * grid came, and that the heat is stale once the companion's refreshes stop;
 * a stale view is asked for again every so often, until grids come back. Re-watches at once
 * when the route, the layout width or the chosen window changes; repaints on
 * every grid, scroll, resize, zoom, device-pixel-ratio change and layout
 * change of the document (content loaded later). Everything it adds is
 * removed by `dispose()`.
 */
import { type OverlaySummary, sendMessage, type Watch } from "../../protocol/messages";
import type { Grid, GridFacts } from "../../protocol/wire";
import { isInFixedLayer } from "../page/fixed-layer";
import { isOverlayElement } from "../page/overlay-element";
import { namesElement, pageKeyPath } from "../page/page-path";
import { onRouteChange } from "../page/route-changes";
import { loadCompanionGrid, onCompanionGridChanged } from "../state/companion-grid";
import {
  DEFAULT_OVERLAY_PREFS,
  loadOverlayPrefs,
  type OverlayPrefs,
  onOverlayPrefsChanged,
  saveOverlayPrefs,
} from "../state/overlay-prefs";
import { loadSettings, onSettingsChanged } from "../state/settings";
import { createHost } from "./host";
import { bandRange, freshness, type Pace, rangeLabel, staleAfter } from "./legend";
import { type HistoryRange, PANEL_CSS, Panel } from "./panel";
import { countAt, type HeatScale, heatScale, paintTiles, SmoothPainter, type View } from "./renderer";

/** How often the status line's age is brought up to date. */
const STATUS_EVERY_MS = 1000;

export class OverlayView {
  private readonly controller = new AbortController();
  private readonly host: HTMLElement;
  private readonly canvas = document.createElement("canvas");
  private readonly ctx = this.canvas.getContext("2d") as CanvasRenderingContext2D;
  private readonly smooth = new SmoothPainter();
  private readonly panel: Panel;
  private readonly resizeObserver = new ResizeObserver(() => this.refresh());
  private prefs: OverlayPrefs = DEFAULT_OVERLAY_PREFS;
  /** Query parameters the companion keeps in page keys, and the windows it serves (its welcome). */
  private keptQuery: string[] = [];
  private windowsMs: number[] = [];
  private pace: Pace = { hopMs: 0, refreshMs: 0 };
  /** When any grid last arrived (for any view): the companion is talking to this tab. */
  private lastHeard = 0;
  /** When the watched view's last grid arrived, or when it was asked for while none has. */
  private lastGridAt = Date.now();
  /** When a stale view was last asked for again. */
  private lastRewatch = 0; /** Grid columns chosen in the options; 0 for the companion's own. */
  private cols = 0;
  private watched: Watch | null = null;
  private grid: Grid | null = null;
  /** The colour scale of `grid`, worked out when it or the prefs change, not per paint. */
  private scale: HeatScale | null = null;
  /** The grid as painted: fixed-layer heat only where this page has a fixed element now. */
  private shown: Grid | null = null;
  /** While frozen, the grid on screen stays and the newest one waits here. */
  private frozen = false;
  private newest: Grid | null = null;
  /** The past range on screen instead of a live window (the live grids wait, as when frozen). */
  private history: string | null = null;
  private pointer: { x: number; y: number; overOverlay: boolean } | null = null;
  private frame = 0;
  /** Whether the next frame repaints the heat, or only moves the tooltip. */
  private heatDirty = false;

  constructor() {
    const { signal } = this.controller;
    const { host, root } = createHost();
    this.host = host;
    const style = document.createElement("style");
    style.textContent = PANEL_CSS;
    this.panel = new Panel(
      {
        setMode: (mode) => void saveOverlayPrefs({ mode }),
        setScale: (scale) => void saveOverlayPrefs({ scale }),
        setWindow: (windowMs) => void saveOverlayPrefs({ windowMs }),
        setOpacity: (opacity) => void saveOverlayPrefs({ opacity }),
        toggleFreeze: () => this.setFrozen(!this.frozen),
        showHistory: (range) => void this.showHistory(range),
      },
      signal,
    );
    root.append(style, this.canvas, this.panel.element, this.panel.tooltip);
    document.documentElement.append(host);

    addEventListener("scroll", () => this.schedule(), { passive: true, signal });
    addEventListener("resize", () => this.refresh(), { passive: true, signal });
    addEventListener(
      "mousemove",
      (event) => {
        this.pointer = { x: event.clientX, y: event.clientY, overOverlay: isOverlayElement(event.target) };
        this.schedule(false);
      },
      { passive: true, capture: true, signal },
    );
    onRouteChange(() => this.refresh(), signal);
    onOverlayPrefsChanged((prefs) => this.applyPrefs(prefs), signal);
    const useFacts = ({ keepQuery, windowsMs, hopMs, refreshMs }: GridFacts) => {
      this.keptQuery = keepQuery;
      this.windowsMs = windowsMs;
      this.pace = { hopMs, refreshMs };
      this.panel.setWindows(windowsMs);
      this.refresh();
    };
    onCompanionGridChanged(useFacts, signal);
    void loadCompanionGrid().then(useFacts);
    const useColumns = () =>
      void loadSettings().then(({ cols }) => {
        this.cols = cols;
        this.refresh();
      });
    onSettingsChanged(useColumns, signal, ["cols"]);
    useColumns();
    this.resizeObserver.observe(document.documentElement);
    this.watchPixelRatio();
    const status = setInterval(() => this.showStatus(), STATUS_EVERY_MS);
    signal.addEventListener("abort", () => clearInterval(status));
    this.refresh();
    void loadOverlayPrefs().then((prefs) => this.applyPrefs(prefs));
  }

  show(grid: Grid): void {
    this.lastHeard = Date.now();
    if (!this.watched || !this.fits(grid, this.watched)) return;
    this.lastGridAt = this.lastHeard;
    this.newest = grid;
    if (this.frozen) return;
    this.grid = grid;
    this.render();
  }

  summary(): OverlaySummary | null {
    if (!this.watched) return null;
    const grid = this.grid;
    return {
      origin: this.watched.origin,
      path: this.watched.path,
      band: grid?.band.id ?? null,
      bandRange: grid ? bandRange(grid.band) : null,
      windowMs: grid?.windowMs ?? this.watched.windowMs ?? 0,
      total: grid?.total ?? 0,
      max: grid?.max ?? 0,
      frozen: this.frozen,
      legend: this.panel.legendText,
    };
  }

  dispose(): void {
    this.controller.abort();
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
    this.host.remove();
    sendMessage("overlay.unwatch", undefined).catch(() => undefined);
  }

  /** A grid from a subscription this overlay no longer holds (an older route, width or window) is dropped. */
  private fits(grid: Grid, watch: Watch): boolean {
    if (grid.origin !== watch.origin) return false;
    if (watch.windowMs !== undefined && grid.windowMs !== watch.windowMs) return false;
    if (watch.cols !== undefined && grid.cols !== watch.cols) return false;
    return grid.band.min <= watch.width && (grid.band.max === null || watch.width <= grid.band.max);
  }

  private applyPrefs(prefs: OverlayPrefs): void {
    this.prefs = prefs;
    this.refresh();
  }

  private setFrozen(frozen: boolean): void {
    this.frozen = frozen;
    if (!frozen) {
      this.history = null;
      this.grid = this.newest;
    }
    this.render();
  }

  /** Shows a past range of this page from the companion's history; the freeze button returns to live. */
  private async showHistory(range: HistoryRange): Promise<void> {
    const watched = this.watched;
    if (!watched) return;
    const label = rangeLabel(range.from, range.to);
    this.frozen = true;
    this.history = label;
    this.grid = null;
    this.render();
    const result = await sendMessage("overlay.history", {
      origin: watched.origin,
      path: watched.path,
      width: watched.width,
      from: Math.floor(range.from),
      to: Math.ceil(range.to),
      ...(watched.cols === undefined ? {} : { cols: watched.cols }),
    }).catch((error: Error) => ({ ok: false as const, code: "E_EXTENSION", reason: error.message }));
    if (this.history !== label) return;
    if (result.ok) {
      this.grid = result.grid;
      this.render();
    } else this.panel.notice(`History unavailable: ${result.reason}`);
  }

  /** Re-reads what the overlay depends on and re-watches if the route, width or window changed. */
  private refresh(): void {
    const next: Watch = {
      origin: location.origin,
      path: pageKeyPath(location, namesElement(document), this.keptQuery),
      width: document.documentElement.clientWidth,
    };
    // A window this companion does not serve would be refused: its default is shown instead.
    if (this.prefs.windowMs !== null && this.windowsMs.includes(this.prefs.windowMs))
      next.windowMs = this.prefs.windowMs;
    if (this.cols > 0) next.cols = this.cols;
    const last = this.watched;
    if (
      !last ||
      last.path !== next.path ||
      last.width !== next.width ||
      last.windowMs !== next.windowMs ||
      last.cols !== next.cols
    ) {
      if (last?.path !== next.path || last?.windowMs !== next.windowMs || last?.cols !== next.cols) {
        this.grid = this.newest = null;
        this.frozen = false;
        this.history = null;
      } else if (this.grid && !this.fits(this.grid, next)) {
        this.grid = this.newest = null;
      }
      this.watched = next;
      if (!this.grid) this.lastGridAt = Date.now();
      sendMessage("overlay.watch", [next]).catch(() => undefined);
    }
    this.render();
  }

  private render(): void {
    this.scale = this.grid && heatScale(this.grid, this.prefs.scale);
    const limit = staleAfter(this.pace);
    const talking = limit !== null && Date.now() - this.lastHeard <= limit;
    const waiting = talking ? "Connected: waiting for this page's heat…" : "Waiting for the companion…";
    this.panel.render(this.grid, this.scale, this.prefs, this.frozen, this.history, waiting);
    this.showStatus();
    this.schedule();
  }

  /** The status line: the age of the live view's last grid, stale past `staleAfter` (none for a past range). */
  private showStatus(): void {
    if (this.history) {
      this.panel.setStatus("", false);
      return;
    }
    const now = Date.now();
    const { stale, text } = freshness(now - this.lastGridAt, this.pace);
    this.panel.setStatus(this.grid || stale ? text : "", stale);
    // The companion may have dropped this view: asking again (the background sends unsubscribe, then subscribe) brings it back.
    if (stale && this.watched && now - this.lastRewatch >= (staleAfter(this.pace) ?? 0)) {
      this.lastRewatch = now;
      sendMessage("overlay.watch", [this.watched]).catch(() => undefined);
    }
  }

  private watchPixelRatio(): void {
    const query = matchMedia(`(resolution: ${devicePixelRatio}dppx)`);
    query.addEventListener(
      "change",
      () => {
        this.watchPixelRatio();
        this.schedule();
      },
      { once: true, signal: this.controller.signal },
    );
  }

  private schedule(heat = true): void {
    this.heatDirty ||= heat;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const view = currentView();
      if (this.heatDirty) this.paint(view);
      this.heatDirty = false;
      const p = this.pointer;
      const count = p && this.shown && !p.overOverlay ? countAt(this.shown, view, p.x, p.y) : 0;
      this.panel.showTooltip(p?.x ?? 0, p?.y ?? 0, count, this.grid);
    });
  }

  private paint(view: View): void {
    const pixelWidth = Math.round(view.width * view.devicePixelRatio);
    const pixelHeight = Math.round(view.height * view.devicePixelRatio);
    if (this.canvas.width !== pixelWidth || this.canvas.height !== pixelHeight) {
      this.canvas.width = pixelWidth;
      this.canvas.height = pixelHeight;
      this.canvas.style.width = `${view.width}px`;
      this.canvas.style.height = `${view.height}px`;
    }
    this.canvas.style.opacity = String(this.prefs.opacity);
    this.shown = this.grid && fixedOverFixed(this.grid, view, this.host);
    // The whole grid's scale, so that colours stay put when part of the fixed layer is not shown.
    if (this.prefs.mode === "smooth") this.smooth.paint(this.ctx, this.shown, view, this.scale);
    else paintTiles(this.ctx, this.shown, view, this.scale);
  }
}

/**
 * The grid with its fixed layer cut to the tiles over a fixed element, or a
 * stuck sticky one, of this page as it is now: a sticky bar's heat is not
 * shown at the top of the window while the bar is still down in the page.
 * A tile is kept if its centre or any corner is over such an element.
 */
function fixedOverFixed(grid: Grid, view: View, host: Element): Grid {
  if (grid.fixed.length === 0) return grid;
  const tile = view.width / grid.cols;
  const inset = Math.min(2, tile / 4);
  const fixed: number[] = [];
  for (let i = 0; i < grid.fixed.length; i += 3) {
    const left = (grid.fixed[i] as number) * tile;
    const top = (grid.fixed[i + 1] as number) * tile;
    if (left > view.width || top > view.height) continue;
    const probes = [
      [left + tile / 2, top + tile / 2],
      [left + inset, top + inset],
      [left + tile - inset, top + inset],
      [left + inset, top + tile - inset],
      [left + tile - inset, top + tile - inset],
    ] as const;
    const overFixed = probes.some(([x, y]) =>
      isInFixedLayer(document.elementsFromPoint(x, y).find((el) => el !== host) ?? null),
    );
    if (overFixed) fixed.push(grid.fixed[i] as number, grid.fixed[i + 1] as number, grid.fixed[i + 2] as number);
  }
  return { ...grid, fixed };
}

function currentView(): View {
  const root = document.documentElement;
  return {
    width: root.clientWidth,
    height: root.clientHeight,
    scrollX: window.scrollX,
    scrollY: window.scrollY,
    devicePixelRatio: window.devicePixelRatio || 1,
  };
}
