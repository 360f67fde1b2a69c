/**
 * One frame's overlay: watches this page's heat and paints it, click-through,
 * in a closed shadow root of this frame's document. By default it paints heat
 * on elements: each anchor's tiles inside the element it names, wherever that
 * element is now, summed over every width band, with the points that had no
 * anchor painted as page tiles of the viewer's own band; the page-grid modes
 * (tiles, smooth) paint the viewer's band only. Every mode watches every band
 * (one request per band), so that when the viewer's band has no points and
 * another has, the legend offers that band, painted at the viewer's width
 * with a warning (band-choice.ts); the choice is this tab's, until "Back to
 * my width", and that band's grids keep coming live. Optionally the scroll
 * map, and optionally the coverage layer (coverage-layer.ts): every control
 * outlined by whether anyone hovered or clicked it. Says when the last grid came, and that the heat is stale once the
 * companion's refreshes stop; a stale view is asked for again every so
 * often, until grids come back. Re-watches at once when the route, the
 * layout width, the mode or the chosen window changes; repaints on
 * every grid, scroll (of the page or of any scroll container), resize, zoom,
 * device-pixel-ratio change and change of the document (a re-render, content
 * loaded later), at most once a frame. In a frame inside the page, the legend
 * panel shows only while that frame has heat, folded to a pill until opened.
 * The page's own overlay takes the view of the share link its tab was opened
 * from (linked-view.ts), a linked band other than the viewer's shown as a
 * chosen band is, "Copy link" gives the link of the view on screen, and
 * "Snapshot" a picture of it (snapshot.ts). Compare paints a difference map
 * of two sets of the page's points instead of the heat (compare-layer.ts),
 * and Tester shows one tester's heat alone, fetched and painted as a past
 * range is (over the history row's range, or the last window); both follow
 * the live heat, asked again at most once per companion refresh (follow-live.ts).
 * Everything it adds is removed by `dispose()`.
 */
import type { AnchorHeat } from "../../protocol/anchor";
import type { Comparison } from "../../protocol/compare";
import { bandFor } from "../../protocol/grid";
import { type OverlaySummary, sendMessage, type Watch } from "../../protocol/messages";
import { namesElement, pageKeyPath } from "../../protocol/page-path";
import { type ShareView, shareUrl } from "../../protocol/share-link";
import type { SnapshotMeta } from "../../protocol/snapshot";
import type { Grid, GridFacts } from "../../protocol/wire";
import { isInFixedLayer } from "../page/fixed-layer";
import { isOverlayElement } from "../page/overlay-element";
import { onRouteChange } from "../page/route-changes";
import { largestScrollContainer } from "../page/scroll";
import { isCapturePaused, onCapturePauseChanged } from "../state/capture-pause";
import { loadCompanionGrid, onCompanionGridChanged } from "../state/companion-grid";
import {
  DEFAULT_OVERLAY_PREFS,
  loadOverlayPrefs,
  type OverlayPrefs,
  onOverlayPrefsChanged,
  saveOverlayPrefs,
} from "../state/overlay-prefs";
import { loadSettings, onSettingsChanged } from "../state/settings";
import {
  anchoredScale,
  bandHolds,
  bandWatches,
  bandWidth,
  inBand,
  layerCount,
  looseGrid,
  mergeAnchors,
  pageTotals,
} from "./anchored";
import { type Band, type BandOffer, bandOffer, offerLine, shownLine } from "./band-choice";
import {
  type CompareChoice,
  compareChoices,
  comparisonOf,
  type KnownTags,
  type LinkedCompare,
  linkedChoice,
  shareCompareOf,
  testerChoices,
} from "./compare-choice";
import { CompareLayer, changeTooltip, type PaintedChange } from "./compare-layer";
import { CoverageLayer, coverageParts } from "./coverage-layer";
import { ElementHeat, elementAt, type PaintedElement } from "./element-heat";
import { LiveFollow } from "./follow-live";
import { createHost } from "./host";
import {
  bandRange,
  comparedRange,
  compareParts,
  elementsLegendParts,
  elementTooltip,
  freshness,
  legendParts,
  type Pace,
  rangeLabel,
  staleAfter,
  tileTooltip,
  windowLabel,
} from "./legend";
import { linkedPrefs, shownShareView } from "./linked-view";
import { foldsOnOpen, type HistoryRange, PANEL_CSS, Panel } from "./panel";
import { countAt, type HeatScale, heatScale, paintTiles, SmoothPainter, type View } from "./renderer";
import { SCROLL_MAP_CSS, ScrollMap } from "./scroll-map";
import { mergeSignals, SignalMarkers, signalsLine } from "./signal-markers";
import { takeSnapshot } from "./snapshot";

/** How often the status line's age is brought up to date. */
const STATUS_EVERY_MS = 1000;

/** The heat on screen, worked out when grids or prefs change, not per paint. */
interface Heat {
  /** The grid of the band shown (the viewer's own, unless another was chosen), if it came. */
  own: Grid | null;
  /** Heat on elements: every band's anchors summed (empty in the page-grid modes). */
  anchors: AnchorHeat[];
  /** What is painted as page tiles: the own band's loose points (heat on elements) or its whole grid (page-grid modes). */
  tiles: Grid | null;
  scale: HeatScale | null;
  /** Moves and clicks of the page in the grids on screen. */
  totals: { moves: number; clicks: number };
  /** The legend's parts, null without any grid. */
  parts: string[] | null;
  /** Another band to show, while the viewer's own has no points and none is chosen. */
  offer: BandOffer | null;
}

const NO_HEAT: Heat = {
  own: null,
  anchors: [],
  tiles: null,
  scale: null,
  totals: { moves: 0, clicks: 0 },
  parts: null,
  offer: null,
};

export class OverlayView {
  private readonly controller = new AbortController();
  private readonly host: HTMLElement;
  private readonly canvas = document.createElement("canvas");
  private readonly ctx = this.canvas.getContext("2d") as CanvasRenderingContext2D;
  private readonly smooth = new SmoothPainter();
  private readonly elementHeat = new ElementHeat();
  private readonly coverage = new CoverageLayer();
  private readonly compareLayer = new CompareLayer();
  /** Compared elements on screen, for the tooltip. */
  private paintedChanges: PaintedChange[] = [];
  /** The coverage line as last shown, to update the panel only when it changes. */
  private coverageText = "";
  private readonly signalMarkers = new SignalMarkers();
  /** The signals line as last shown, to update the panel only when it changes. */
  private signalsText = "";
  private readonly scrollMap = new ScrollMap();
  private readonly panel: Panel;
  private readonly resizeObserver = new ResizeObserver(() => this.refresh());
  /** A re-render or new content moves elements, and may add or remove anchored ones. */
  private readonly mutationObserver = new MutationObserver(() => {
    this.elementHeat.forget();
    this.coverage.forget();
    this.compareLayer.forget();
    this.signalMarkers.forget();
    this.scrollBox = undefined;
    this.schedule();
  });
  /** The page's largest scroll container for the scroll map: undefined until looked for again after a change. */
  private scrollBox: Element | null | undefined;
  /** A frame inside the page: its panel shows only with heat, folded until opened (not stored: the top page's fold is). */
  private readonly inFrame = window !== window.top;
  /**
   * This document's own fold, which the stored one does not change: a frame's, and a small viewport's
   * (`foldsOnOpen`), both folded on opening; null follows the stored fold.
   */
  private ownFold: boolean | null = this.inFrame || foldsOnOpen(innerWidth, innerHeight) ? true : null;
  private prefs: OverlayPrefs = DEFAULT_OVERLAY_PREFS;
  /** The prefs as stored, under the share link's (`linked`) while the viewer has not changed those. */
  private storedPrefs: OverlayPrefs = DEFAULT_OVERLAY_PREFS;
  private linked: Partial<OverlayPrefs> = {};
  /** Watching and painting: once the stored prefs and any share link's view are known (`start`). */
  private started = false;
  /** Whether any prefs were applied yet (by a change, or at the start). */
  private prefsApplied = false;
  private defaultWindowMs = 0;
  /** Query parameters the companion keeps in page keys, its windows and width bands (its welcome). */
  private keptQuery: string[] = [];
  private windowsMs: number[] = [];
  private bands: GridFacts["bands"] = [];
  private pace: Pace = { hopMs: 0, refreshMs: 0 };
  /** When any grid last arrived (for any view): the companion is talking to this frame. */
  private lastHeard = 0;
  /** When a watched view's last grid arrived, or when it was asked for while none has. */
  private lastGridAt = Date.now();
  /** When a stale view was last asked for again. */
  private lastRewatch = 0;
  /** Grid columns chosen in the options; 0 for the companion's own. */
  private cols = 0;
  /** What this frame watches: the viewer's own request first, then one per other band. */
  private watches: Watch[] = [];
  /** Another band shown at the viewer's width, chosen in this tab (never stored); null for the viewer's own. */
  private chosenBand: Band | null = null;
  /** The newest grid of each band watched, by band id. */
  private readonly live = new Map<string, Grid>();
  /** While frozen, the grids on screen; the live ones keep arriving in `live`. */
  private frozenGrids: Map<string, Grid> | null = null;
  /**
   * The past grid on screen instead of the live ones (one band's: the one
   * shown), and its label: the history row's range (`historyRange`), or one
   * tester's last window (`historyRange` null).
   */
  private history: string | null = null;
  private historyRange: HistoryRange | null = null;
  private historyGrid: Grid | null = null;
  /** One tester's heat alone, shown as a past range is; null for everyone's. */
  private tester: string | null = null;
  /** One tester's last window follows the live heat. */
  private readonly testerFollow = new LiveFollow(this.controller.signal);
  /** The page's builds and testers, and this browser's tester, once asked for. */
  private known: KnownTags | null = null;
  private compareChoice: CompareChoice = "off";
  /** The comparison of the share link this tab was opened from, offered in the Compare row while on its page. */
  private linkedCompare: LinkedCompare | null = null;
  /** The difference map painted instead of the heat, once it came; kept on screen while it is asked again. */
  private comparison: Comparison | null = null;
  /** A comparison follows the live heat; only its newest ask's answer is painted. */
  private readonly compareFollow = new LiveFollow(this.controller.signal);
  private compareAsk = 0;
  /** What the legend says the comparison covers. */
  private comparedRange: string | null = null;
  private heat: Heat = NO_HEAT;
  /** Page tiles as painted: fixed-layer heat only where this page has a fixed element now. */
  private shownTiles: Grid | null = null;
  /** Elements painted with heat, for the tooltip, and the points on elements this page lacks. */
  private painted: PaintedElement[] = [];
  private missing = 0;
  private pointer: { x: number; y: number; overOverlay: boolean } | null = null;
  private frame = 0;
  /** Whether the next frame repaints the heat, or only moves the tooltip and the scroll map's label. */
  private heatDirty = false;

  constructor() {
    const { signal } = this.controller;
    const { host, root } = createHost();
    this.host = host;
    const style = document.createElement("style");
    style.textContent = PANEL_CSS + SCROLL_MAP_CSS;
    this.panel = new Panel(
      {
        setMode: (mode) => this.choose({ mode }),
        setLayer: (layer) => this.choose({ layer }),
        setScale: (scale) => void saveOverlayPrefs({ scale }),
        setWindow: (windowMs) => this.choose({ windowMs }),
        setOpacity: (opacity) => void saveOverlayPrefs({ opacity }),
        toggleFreeze: () => this.setFrozen(!this.frozen),
        toggleScrollMap: () => void saveOverlayPrefs({ scrollMap: !this.prefs.scrollMap }),
        setCorner: (corner) => void saveOverlayPrefs({ corner }),
        setCollapsed: (collapsed) => {
          if (this.ownFold === null) return void saveOverlayPrefs({ collapsed });
          this.ownFold = collapsed;
          this.render();
        },
        showHistory: (range) => {
          void this.showHistory(range);
          // A tester or build comparison spans the history row's range.
          if (this.compareChoice === "me" || this.compareChoice === "builds") void this.setCompare(this.compareChoice);
        },
        shareLink: () => this.shareLink(),
        toggleBand: () => this.chooseBand(this.chosenBand ? null : (this.heat.offer?.other ?? null)),
        snapshot: (attach) => this.snapshot(attach),
        toggleCoverage: () => this.choose({ coverage: !this.prefs.coverage }),
        setCompare: (choice) => void this.setCompare(choice),
        setTester: (tester) => this.setTester(tester),
        refreshTags: () => void this.loadTags(),
      },
      signal,
    );
    // Shown from the first render after the start: never as built, unfolded and empty.
    this.panel.setVisible(false);
    root.append(style, this.canvas, ...this.scrollMap.elements, this.panel.element, this.panel.tooltip);
    document.documentElement.append(host);

    // Capture: scroll events of inner scroll containers do not bubble, and their heat moves with them.
    addEventListener("scroll", () => this.schedule(), { passive: true, capture: true, signal });
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
    const useFacts = ({ keepQuery, windowsMs, defaultWindowMs, hopMs, refreshMs, bands }: GridFacts) => {
      this.keptQuery = keepQuery;
      this.windowsMs = windowsMs;
      this.defaultWindowMs = defaultWindowMs;
      this.bands = bands;
      this.pace = { hopMs, refreshMs };
      this.panel.setWindows(windowsMs);
      this.refresh();
    };
    onCompanionGridChanged(useFacts, signal);
    const showPause = (paused: boolean) => this.panel.setPaused(paused);
    onCapturePauseChanged(showPause, signal);
    void isCapturePaused().then(showPause);
    const facts = loadCompanionGrid().then(useFacts);
    const useColumns = () =>
      void loadSettings().then(({ cols }) => {
        this.cols = cols;
        this.refresh();
      });
    onSettingsChanged(useColumns, signal, ["cols"]);
    useColumns();
    this.resizeObserver.observe(document.documentElement);
    this.mutationObserver.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
    this.watchPixelRatio();
    const status = setInterval(() => this.showStatus(), STATUS_EVERY_MS);
    signal.addEventListener("abort", () => clearInterval(status));
    void this.start(facts);
  }

  /**
   * The first watch and paint wait for the stored prefs and, in a tab opened
   * from a share link, for the link's view (asked once the companion's facts
   * give the page's path): no other view shows first.
   */
  private async start(facts: Promise<void>): Promise<void> {
    const linkedView = async () => {
      await facts;
      return sendMessage("overlay.linked", pageKeyPath(location, namesElement(document), this.keptQuery));
    };
    const [prefs, view] = await Promise.all([
      loadOverlayPrefs().catch(() => DEFAULT_OVERLAY_PREFS),
      this.inFrame ? null : linkedView().catch(() => null),
    ]);
    if (this.controller.signal.aborted) return;
    if (view) this.linked = linkedPrefs(view);
    this.started = true;
    // Prefs changed meanwhile (onOverlayPrefsChanged) are newer than those loaded.
    this.applyPrefs(this.prefsApplied ? this.storedPrefs : prefs);
    if (view) await this.applyLinkedView(view);
  }

  /**
   * The rest of the share link's view (its prefs are applied at the start):
   * its band when not the viewer's (shown as a chosen band is), its tester,
   * its past range and its comparison.
   */
  private async applyLinkedView(view: ShareView): Promise<void> {
    const band = this.bands.find((b) => b.id === view.band);
    if (band && !bandHolds(band, this.viewerWidth())) this.chooseBand(band);
    if (view.tester !== undefined) this.tester = view.tester;
    if (view.time.kind === "range") void this.showHistory({ from: view.time.from, to: view.time.to });
    else if (view.tester !== undefined) void this.showHistory(null);
    if (!view.compare) return;
    const windowMs = view.time.kind === "window" ? view.time.ms : this.defaultWindowMs;
    this.linkedCompare = { compare: view.compare, windowMs };
    // "Me vs the rest" is only known as such once this browser's tester is.
    await this.loadTags();
    if (this.controller.signal.aborted) return;
    void this.setCompare(linkedChoice(view.compare, this.known, view.time.kind === "range"));
    this.showChoices();
  }

  /** Shows another band's heat at the viewer's width, or the viewer's own (null); a past range on screen is asked again for it. */
  private chooseBand(band: Band | null): void {
    this.chosenBand = band;
    if (this.history) void this.showHistory(this.historyRange);
    else this.render();
    void this.loadTags();
    if (this.compareChoice !== "off") void this.setCompare(this.compareChoice);
  }

  private viewerWidth(): number {
    return this.watches[0]?.width ?? document.documentElement.clientWidth;
  }

  /** A layout width in the band shown: the viewer's, or one inside the chosen band. */
  private shownWidth(): number {
    return this.chosenBand ? bandWidth(this.chosenBand) : this.viewerWidth();
  }

  /** A choice in the panel: stored for every tab, and it ends the share link's say over that pref here. */
  private choose(change: Partial<OverlayPrefs>): void {
    for (const key of Object.keys(change)) delete this.linked[key as keyof OverlayPrefs];
    this.applyPrefs(this.storedPrefs);
    void saveOverlayPrefs(change);
  }

  /** The share link of the view on screen, on the companion of the settings. */
  private async shareLink(): Promise<{ link: string } | { reason: string }> {
    const [watched] = this.watches;
    if (!watched) return { reason: "this page is not watched yet" };
    const { companionUrl } = await loadSettings();
    const view = shownShareView({
      origin: watched.origin,
      path: watched.path,
      band: this.heat.own?.band.id ?? null,
      prefs: this.prefs,
      range: this.history ? this.historyRange : null,
      windowMs: this.heat.own?.windowMs ?? watched.windowMs ?? this.defaultWindowMs,
      tester: this.tester,
      compare: shareCompareOf(this.compareChoice, this.known, Date.now(), this.historyRange, this.linkedCompare),
    });
    return { link: shareUrl(companionUrl, view) };
  }

  /** On the viewer's click: a PNG of what is on screen, and with `attach` the clean page for the companion. */
  private async snapshot(attach: boolean): Promise<string> {
    // The picture is of the whole tab, measured by the page's own geometry.
    if (this.inFrame) return "No snapshot from a frame's legend: use the page's own, in its corner.";
    const [watched] = this.watches;
    if (!watched) return "No snapshot: this page is not watched yet.";
    const root = document.documentElement;
    const meta: SnapshotMeta = {
      origin: watched.origin,
      path: watched.path,
      band: this.heat.own?.band.id ?? bandFor(watched.width, this.bands).id,
      layoutWidth: root.clientWidth,
      viewportWidth: innerWidth,
      viewportHeight: innerHeight,
      scrollX: Math.round(scrollX),
      scrollY: Math.round(scrollY),
      dpr: devicePixelRatio,
      documentHeight: root.scrollHeight,
      takenAt: Date.now(),
      time:
        this.history && this.historyRange
          ? { kind: "range", ...this.historyRange }
          : { kind: "window", ms: this.heat.own?.windowMs ?? watched.windowMs ?? this.defaultWindowMs },
      mode: this.prefs.mode,
      points: this.prefs.layer,
      legend: this.panel.legendText,
      tester: (await loadSettings()).name,
    };
    return takeSnapshot({
      meta,
      attach,
      hide: (what) => {
        this.panel.element.style.visibility = what === "panel" ? "hidden" : "";
        this.panel.tooltip.style.visibility = what === "none" ? "" : "hidden";
        this.host.style.visibility = what === "all" ? "hidden" : "";
      },
      capture: async () => {
        const captured = await sendMessage("overlay.capture", undefined);
        if (!captured.ok) throw new Error(captured.reason);
        return captured.picture;
      },
      attachToPage: (picture, about) => sendMessage("overlay.attach", { picture, meta: about }),
      download: (picture, name) => {
        const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(picture), download: name });
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      },
    }).catch((error: Error) => `No snapshot: ${error.message}`);
  }

  private get frozen(): boolean {
    return this.frozenGrids !== null;
  }

  show(grid: Grid): void {
    this.lastHeard = Date.now();
    if (!this.fits(grid)) return;
    this.lastGridAt = this.lastHeard;
    this.live.set(grid.band.id, grid);
    if (!this.frozen) this.render();
    // One tester's last window, and a comparison, move on with the live heat (follow-live.ts).
    const { refreshMs } = this.pace;
    if (this.tester !== null && !this.historyRange && this.history && this.testerFollow.due(refreshMs))
      void this.showHistory(null);
    if (this.compareChoice !== "off" && this.comparison && this.compareFollow.due(refreshMs))
      void this.setCompare(this.compareChoice, true);
  }

  summary(): OverlaySummary | null {
    const [watch] = this.watches;
    if (!watch) return null;
    const { own, totals, scale } = this.heat;
    return {
      origin: watch.origin,
      path: watch.path,
      band: own?.band.id ?? null,
      bandRange: own ? bandRange(own.band) : null,
      windowMs: own?.windowMs ?? watch.windowMs ?? 0,
      total: totals.moves + totals.clicks,
      max: scale?.max ?? 0,
      frozen: this.frozen,
      legend: this.panel.legendText,
    };
  }

  dispose(): void {
    this.controller.abort();
    this.resizeObserver.disconnect();
    this.mutationObserver.disconnect();
    cancelAnimationFrame(this.frame);
    this.host.remove();
    sendMessage("overlay.unwatch", undefined).catch(() => undefined);
  }

  /** A grid from a subscription this frame no longer holds (an older route, width, window or mode) is dropped. */
  private fits(grid: Grid): boolean {
    const [own] = this.watches;
    if (!own || grid.origin !== own.origin) return false;
    if (own.windowMs !== undefined && grid.windowMs !== own.windowMs) return false;
    if (own.cols !== undefined && grid.cols !== own.cols) return false;
    return this.watches.some((watch) => inBand(grid, watch.width));
  }

  private applyPrefs(prefs: OverlayPrefs): void {
    this.prefsApplied = true;
    this.storedPrefs = prefs;
    this.prefs = { ...prefs, ...this.linked };
    this.refresh();
  }

  /** Unfrozen, back to everyone's live heat: the tester's alone and any past range end too. */
  private setFrozen(frozen: boolean): void {
    this.frozenGrids = frozen ? new Map(this.live) : null;
    if (!frozen) {
      this.history = null;
      this.historyRange = null;
      this.historyGrid = null;
      this.tester = null;
      this.showChoices();
    }
    this.render();
  }

  /**
   * Shows a past range of this page (the band shown) from the companion's
   * history, or with a tester chosen and no range (null) that tester's last
   * window; the freeze button returns to live.
   */
  private async showHistory(range: HistoryRange | null): Promise<void> {
    const [watched] = this.watches;
    if (!watched) return;
    const windowMs = this.heat.own?.windowMs ?? watched.windowMs ?? this.defaultWindowMs;
    const now = Date.now();
    const shown = range ?? { from: now - windowMs, to: now };
    const label = `${this.tester ? `tester ${this.tester}, ` : ""}${range ? rangeLabel(range.from, range.to) : `last ${windowLabel(windowMs)}`}`;
    this.frozenGrids = new Map(this.live);
    // The same view asked again (a tester's window moving on) keeps its grid on screen until the new one comes.
    if (this.history !== label) this.historyGrid = null;
    this.history = label;
    this.historyRange = range;
    this.render();
    const asked = sendMessage("overlay.history", {
      origin: watched.origin,
      path: watched.path,
      width: this.shownWidth(),
      from: Math.floor(shown.from),
      to: Math.ceil(shown.to),
      ...(watched.cols === undefined ? {} : { cols: watched.cols }),
      ...(this.tester === null ? {} : { tester: this.tester }),
    }).catch((error: Error) => ({ ok: false as const, code: "E_EXTENSION", reason: error.message }));
    const result = await (range ? asked : this.testerFollow.track(asked));
    if (this.history !== label) return;
    if (result.ok) {
      this.historyGrid = result.grid;
      this.render();
    } else this.panel.notice(`History unavailable: ${result.reason}`);
  }

  /** One tester's heat alone (over the range on screen, else the last window), or everyone's again. */
  private setTester(tester: string | null): void {
    this.tester = tester;
    if (tester !== null || this.historyRange) void this.showHistory(this.historyRange);
    else this.setFrozen(false);
  }

  /** Asks for the page's builds and testers (the band shown, everything kept), for the Compare and Tester rows. */
  private async loadTags(): Promise<void> {
    const [watched] = this.watches;
    if (!watched) return;
    const result = await sendMessage("overlay.tags", {
      origin: watched.origin,
      path: watched.path,
      width: this.shownWidth(),
    }).catch(() => null);
    if (!result?.ok || this.watches[0]?.path !== watched.path) return;
    this.known = { tags: result.tags, me: result.me };
    this.showChoices();
  }

  private showChoices(): void {
    this.panel.setCompareChoices(compareChoices(this.known, this.linkedCompare?.compare), this.compareChoice);
    this.panel.setTesterChoices(testerChoices(this.known, this.tester), this.tester ?? "");
  }

  /**
   * Paints the chosen comparison instead of the heat once the companion gives
   * it, or the heat again (`off`). `again`: the same comparison asked anew for
   * its new points, the one on screen kept until the answer comes.
   */
  private async setCompare(choice: CompareChoice, again = false): Promise<void> {
    this.compareChoice = choice;
    if (!again) this.comparison = null;
    const [watched] = this.watches;
    const sets = comparisonOf(choice, this.known, Date.now(), this.historyRange, this.linkedCompare);
    this.comparedRange = sets && comparedRange(choice, sets);
    this.render();
    if (!watched || !sets) return;
    const ask = ++this.compareAsk;
    const asked = sendMessage("overlay.compare", {
      origin: watched.origin,
      path: watched.path,
      width: this.shownWidth(),
      ...sets,
      layer: this.prefs.layer === "clicks" ? "clicks" : "points",
      ...(watched.cols === undefined ? {} : { cols: watched.cols }),
    }).catch((error: Error) => ({ ok: false as const, code: "E_EXTENSION", reason: error.message }));
    const result = await this.compareFollow.track(asked);
    if (this.compareChoice !== choice || ask !== this.compareAsk) return;
    if (result.ok) {
      this.comparison = result.comparison;
      this.render();
    } else this.panel.notice(`Comparison unavailable: ${result.reason}`);
  }

  /** Re-reads what the overlay depends on and re-watches if the route, width, mode, bands or window changed. */
  private refresh(): void {
    if (!this.started) return;
    const own: Watch = {
      origin: location.origin,
      path: pageKeyPath(location, namesElement(document), this.keptQuery),
      width: document.documentElement.clientWidth,
    };
    // A window this companion does not serve would be refused: its default is shown instead.
    if (this.prefs.windowMs !== null && this.windowsMs.includes(this.prefs.windowMs))
      own.windowMs = this.prefs.windowMs;
    if (this.cols > 0) own.cols = this.cols;
    // Resized into the chosen band: it is the viewer's own again.
    if (this.chosenBand && bandHolds(this.chosenBand, own.width)) this.chosenBand = null;
    // Every band's grid: heat on elements sums them, and another band's points can be offered (band-choice.ts).
    const next = bandWatches(own, this.bands);
    const [last] = this.watches;
    if (JSON.stringify(next) !== JSON.stringify(this.watches)) {
      const otherPage = last?.path !== own.path;
      if (otherPage || last?.windowMs !== own.windowMs || last?.cols !== own.cols) {
        this.live.clear();
        this.frozenGrids = null;
        this.history = null;
        this.historyRange = null;
        this.historyGrid = null;
        this.tester = null;
      }
      // Another page has its own builds, testers and comparisons.
      if (otherPage) {
        this.known = null;
        this.linkedCompare = null;
        this.compareChoice = "off";
        this.comparison = null;
      }
      this.watches = next;
      for (const [band, grid] of this.live) if (!this.fits(grid)) this.live.delete(band);
      if (this.live.size === 0) this.lastGridAt = Date.now();
      sendMessage("overlay.watch", next).catch(() => undefined);
      this.showChoices();
      if (otherPage || !last || bandFor(last.width, this.bands).id !== bandFor(own.width, this.bands).id)
        void this.loadTags();
    }
    this.render();
  }

  /** The grids on screen: the past range's, the frozen ones or the live ones. */
  private onScreen(): Grid[] {
    if (this.history) return this.historyGrid ? [this.historyGrid] : [];
    return [...(this.frozenGrids ?? this.live).values()];
  }

  private workOutHeat(): Heat {
    const grids = this.onScreen();
    const own = grids.find((grid) => inBand(grid, this.shownWidth())) ?? null;
    const { mode, layer, scale: kind } = this.prefs;
    const offer = this.chosenBand ? null : bandOffer(grids, this.viewerWidth(), mode, layer);
    const frozen = this.frozen && !this.history;
    const range = this.history ?? undefined;
    if (this.compareChoice !== "off") {
      const parts = this.comparison
        ? compareParts(this.comparison, this.comparedRange ?? "")
        : ["Loading the comparison…"];
      return { ...NO_HEAT, own, parts, offer, totals: pageTotals(own ? [own] : []) };
    }
    if (mode !== "elements") {
      const parts = own && legendParts(own, frozen, range);
      const totals = pageTotals(own ? [own] : []);
      return { own, anchors: [], tiles: own, scale: own && heatScale(own, kind), totals, parts, offer };
    }
    const anchors = mergeAnchors(grids);
    const tiles = own && looseGrid(own, layer);
    const totals = pageTotals(grids);
    const any = own ?? grids[0];
    const parts = any
      ? elementsLegendParts({
          // A past range is one band's: the viewer's.
          widths: this.history ? `${any.band.id} (${bandRange(any.band)})` : "all widths",
          windowMs: any.windowMs,
          points: layerCount(totals.moves, totals.clicks, layer),
          layer,
          missing: this.missing,
          frozen,
          range,
        })
      : null;
    return { own, anchors, tiles, scale: anchoredScale(anchors, tiles, layer, kind), totals, parts, offer };
  }

  private render(): void {
    this.heat = this.workOutHeat();
    this.renderPanel();
    this.showStatus();
    this.schedule();
  }

  private renderPanel(): void {
    const limit = staleAfter(this.pace);
    const talking = limit !== null && Date.now() - this.lastHeard <= limit;
    const waiting = talking ? "Connected: waiting for this page's heat…" : "Waiting for the companion…";
    const { own, parts, scale, totals, offer } = this.heat;
    const chosen = this.chosenBand;
    this.panel.setBand(chosen ? shownLine(chosen, this.viewerWidth()) : offer && offerLine(offer));
    this.panel.render({
      parts,
      scale,
      prefs: this.prefs,
      collapsed: this.ownFold ?? this.prefs.collapsed,
      windowMs: own?.windowMs ?? this.onScreen()[0]?.windowMs ?? this.prefs.windowMs,
      frozen: this.frozen,
      history: this.history,
      waiting,
      comparing: this.compareChoice !== "off",
    });
    this.panel.setVisible(this.started && (!this.inFrame || totals.moves + totals.clicks > 0));
  }

  /** The status line: the age of the live view's last grid, stale past `staleAfter` (none for a past range). */
  private showStatus(): void {
    if (this.history) {
      this.panel.setStatus("", false);
      return;
    }
    const now = Date.now();
    const { stale, text } = freshness(now - this.lastGridAt, this.pace);
    this.panel.setStatus(this.live.size > 0 || stale ? text : "", stale);
    // The companion may have dropped this view: asking again (the background sends unsubscribe, then subscribe) brings it back.
    if (stale && this.watches.length > 0 && now - this.lastRewatch >= (staleAfter(this.pace) ?? 0)) {
      this.lastRewatch = now;
      sendMessage("overlay.watch", this.watches).catch(() => undefined);
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
      const p = this.pointer && !this.pointer.overOverlay ? this.pointer : null;
      this.panel.showTooltip(p?.x ?? 0, p?.y ?? 0, p && this.tooltipAt(view, p.x, p.y));
      const scroll = this.heat.own?.scroll;
      if (this.prefs.scrollMap && scroll) {
        if (this.scrollBox === undefined) this.scrollBox = largestScrollContainer(document);
        this.scrollMap.show(scroll, p, this.scrollBox);
      } else this.scrollMap.hide();
    });
  }

  private tooltipAt(view: View, x: number, y: number): string | null {
    if (this.compareChoice !== "off") {
      const compared = elementAt(this.paintedChanges, x, y);
      return compared && changeTooltip(compared.change);
    }
    const { own, totals } = this.heat;
    const element = elementAt(this.painted, x, y);
    if (element) return elementTooltip(element.anchor, totals, this.prefs.layer);
    const count = this.shownTiles ? countAt(this.shownTiles, view, x, y) : 0;
    return count > 0 && own ? tileTooltip(count, this.shownTiles?.max ?? 0, own.total) : null;
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
    if (this.compareChoice !== "off") return this.paintComparison(view);
    this.paintedChanges = [];
    const { tiles, scale, anchors } = this.heat;
    this.shownTiles = tiles && { ...tiles, fixed: fixedOverFixed(tiles.fixed, tiles.cols, view, this.host) };
    // The whole grid's scale, so that colours stay put when part of the fixed layer is not shown.
    if (this.prefs.mode === "smooth") this.smooth.paint(this.ctx, this.shownTiles, view, scale);
    else paintTiles(this.ctx, this.shownTiles, view, scale);
    const elements =
      this.prefs.mode === "elements" && scale
        ? this.elementHeat.paint(this.ctx, anchors, this.prefs.layer, { top: scale.page.top, kind: scale.kind })
        : { painted: [], missing: 0 };
    this.painted = elements.painted;
    // Every band's anchors, whatever the mode: a control touched at any width is touched.
    const grids = this.onScreen();
    const lacking = grids.some((grid) => grid.evictedAnchors > 0);
    const covered = this.prefs.coverage ? this.coverage.paint(this.ctx, mergeAnchors(grids), lacking) : null;
    const coverageLine = covered && coverageParts(covered);
    const coverageText = coverageLine?.join(" · ") ?? "";
    if (coverageText !== this.coverageText) {
      this.coverageText = coverageText;
      this.panel.setCoverage(coverageLine);
    }
    // Every band's signals, in every mode: an element's rage clicks at another width are still its own.
    const signals = mergeSignals(grids);
    this.signalMarkers.paint(this.ctx, signals);
    const signalsText = signalsLine(signals) ?? "";
    if (signalsText !== this.signalsText) {
      this.signalsText = signalsText;
      this.panel.setSignals(signalsText || null);
    }
    if (elements.missing !== this.missing) {
      this.missing = elements.missing;
      this.heat = this.workOutHeat();
      this.renderPanel();
    }
  }

  /** The difference map alone: no heat, coverage or signals under it, so that its two colours read clearly. */
  private paintComparison(view: View): void {
    paintTiles(this.ctx, null, view, null);
    this.shownTiles = null;
    this.painted = [];
    this.paintedChanges = this.comparison
      ? this.compareLayer.paint(this.ctx, this.comparison, view, (fixed, cols) =>
          fixedOverFixed(fixed, cols, view, this.host),
        )
      : [];
    if (this.coverageText || this.signalsText) {
      this.coverageText = this.signalsText = "";
      this.panel.setCoverage(null);
      this.panel.setSignals(null);
    }
  }
}

/**
 * A fixed layer's cells (flat `[col, row, value]`) cut to the tiles over a fixed element, or a
 * stuck sticky one, of this page as it is now: a sticky bar's heat is not
 * shown at the top of the window while the bar is still down in the page.
 * A tile is kept if its centre or any corner is over such an element.
 */
function fixedOverFixed(cells: number[], cols: number, view: View, host: Element): number[] {
  if (cells.length === 0) return cells;
  const tile = view.width / cols;
  const inset = Math.min(2, tile / 4);
  const fixed: number[] = [];
  for (let i = 0; i < cells.length; i += 3) {
    const left = (cells[i] as number) * tile;
    const top = (cells[i + 1] as number) * tile;
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
    if (overFixed) fixed.push(cells[i] as number, cells[i + 1] as number, cells[i + 2] as number);
  }
  return fixed;
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
