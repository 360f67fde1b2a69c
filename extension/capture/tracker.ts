/**
 * Tracker content script: samples the cursor at most 4 times a second in
 * document coordinates and hands each sample to the background. Points over
 * fixed elements, or sticky ones while stuck, are kept in viewport
 * coordinates and flagged.
 * Each sample carries the page key (site and path) of the moment it was made, so a
 * single-page app's route change re-keys the very next sample (the overlay
 * keys its watch with the same `pageKeyPath`). Untrusted
 * (script-made) events are ignored, and so is anything over the extension's
 * own overlay.
 * A sample also carries its anchor (page/anchor.ts), from the innermost
 * target (inside open shadow roots): a move's is worked out in the sampler's
 * timer, never in the mousemove handler; a click's at the click, before the
 * page's own handlers can remove the element. Each page view, and each route change
 * that re-keys it, also sends scroll marks (scroll-marks.ts) and the page's
 * controls inventory, again when it changes (controls-inventory.ts). Clicks also
 * feed the rage, dead and error click detector (click-signals.ts), whose signals
 * name the click's anchor and carry the click's page key and time, and the clicks
 * before it on the page (click-trail.ts). Everything sent carries the build label
 * of the moment it was taken (build-label.ts: the page's own, else the options'),
 * so a label the page sets late, or changes on a route change, tags the very next
 * point. In a frame, all of it is the frame's own: its location, width, document
 * and label.
 */
import { sendMessage } from "../../protocol/messages";
import { namesElement, pageKeyPath } from "../../protocol/page-path";
import { DEFAULT_SIGNAL_RULES, type SignalKind, type SignalRules } from "../../protocol/signals";
import { FLAG_CLICK, FLAG_FIXED } from "../../protocol/wire";
import { anchorFor } from "../page/anchor";
import { isInFixedLayer } from "../page/fixed-layer";
import { isOverlayElement } from "../page/overlay-element";
import { onRouteChange } from "../page/route-changes";
import { isCapturePaused, onCapturePauseChanged } from "../state/capture-pause";
import { loadCompanionGrid, onCompanionGridChanged } from "../state/companion-grid";
import { loadSettings, onSettingsChanged } from "../state/settings";
import { buildLabel } from "./build-label";
import { type ClickFacts, ClickSignals, judgedForDead, watchReactions } from "./click-signals";
import { ClickTrail } from "./click-trail";
import { ControlsInventory } from "./controls-inventory";
import { SampleSender } from "./sample-sender";
import { type RawInput, Sampler } from "./sampler";
import { type Mark, ScrollMarks } from "./scroll-marks";

const SAMPLE_INTERVAL_MS = 250;
const REARM_LEAD_MS = 10;

const sender = new SampleSender({ send: (samples) => sendMessage("capture.samples", samples) });

function layoutWidth(): number {
  return document.documentElement.clientWidth || window.innerWidth;
}

/** A sample's build field: present only with a label. */
function tagged(build: string | undefined): { build?: string } {
  return build === undefined ? {} : { build };
}

function emit(input: RawInput, build: string | undefined): void {
  const fixed = isInFixedLayer(input.target);
  const x = fixed ? input.clientX : input.pageX;
  const y = fixed ? input.clientY : input.pageY;
  const anchor =
    input.anchor !== undefined
      ? input.anchor
      : input.target instanceof Element
        ? anchorFor(input.target, input.clientX, input.clientY)
        : null;
  sender.submit({
    origin: location.origin,
    path: input.path,
    w: layoutWidth(),
    t: Math.round(performance.timeOrigin + input.timeStamp),
    x: Math.max(0, Math.round(x)),
    y: Math.max(0, Math.round(y)),
    flags: (input.click ? FLAG_CLICK : 0) | (fixed ? FLAG_FIXED : 0),
    ...(anchor && { anchor }),
    ...tagged(build),
  });
}

function emitMarks(path: string, marks: Mark[], build: string | undefined): void {
  const t = Math.round(performance.timeOrigin + performance.now());
  const w = layoutWidth();
  const tag = tagged(build);
  sender.submit(...marks.map((mark) => ({ origin: location.origin, path, w, t, x: 0, y: 0, flags: 0, mark, ...tag })));
}

function emitControls(path: string, controls: string[], build: string | undefined): void {
  const t = Math.round(performance.timeOrigin + performance.now());
  const tag = tagged(build);
  sender.submit({ origin: location.origin, path, w: layoutWidth(), t, x: 0, y: 0, flags: 0, controls, ...tag });
}

/** A click as the detector keeps it: its page key, epoch time, build label and the clicks before it, for the signal it may become. */
interface TrackedClick extends ClickFacts {
  path: string;
  epoch: number;
  build: string | undefined;
  steps: string[];
}

function emitSignal(kind: SignalKind, click: TrackedClick): void {
  sender.submit({
    origin: location.origin,
    path: click.path,
    w: layoutWidth(),
    t: click.epoch,
    x: 0,
    y: 0,
    flags: 0,
    signal: { kind, s: click.selector, steps: click.steps },
    ...tagged(click.build),
  });
}

export function startTracker(signal: AbortSignal): void {
  const listen = { capture: true, passive: true, signal };
  // Added and removed four times a second: without a signal, which would keep one abort step per add.
  const moves = { capture: true, passive: true };
  // One move per sample is all the tracker needs: after taking one it stops
  // listening, and starts again just before the next sample is due, so most
  // mousemoves run no code here and a sample is at most REARM_LEAD_MS old
  // when it is read (its fixed or sticky layer, its width).
  // While capture is paused (the popup's switch), no listener runs and nothing is sampled.
  let paused = false;
  const rearm = () => {
    if (!signal.aborted && !paused) addEventListener("mousemove", onMove, moves);
  };
  const setPaused = (on: boolean) => {
    paused = on;
    if (on) removeEventListener("mousemove", onMove, moves);
    else {
      rearm();
      // The inventory of a view that began while paused was never sent.
      if (viewPath) controls.startView(viewPath);
    }
  };
  const pauseRead = isCapturePaused().then(setPaused);
  onCapturePauseChanged(setPaused, signal);
  // The options' label, for pages that declare none; the page's own is read at each use.
  let optionsBuild = "";
  const readBuild = () =>
    loadSettings().then(({ build }) => {
      optionsBuild = build;
    });
  const buildRead = readBuild();
  onSettingsChanged(() => void readBuild(), signal, ["build"]);
  const label = () => buildLabel(document, optionsBuild);
  const sampler = new Sampler(
    SAMPLE_INTERVAL_MS,
    (input) => {
      emit(input, label());
      setTimeout(rearm, SAMPLE_INTERVAL_MS - REARM_LEAD_MS);
    },
    {
      now: () => performance.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (handle) => clearTimeout(handle as number),
    },
  );
  let keep: string[] = [];
  let rules = DEFAULT_SIGNAL_RULES;
  const inPage = namesElement(document);
  const fromCompanion = (facts: { keepQuery: string[]; signalRules: SignalRules }) => {
    keep = facts.keepQuery;
    rules = facts.signalRules;
  };
  const keepRead = loadCompanionGrid().then(fromCompanion);
  onCompanionGridChanged(fromCompanion, signal);
  const signals = new ClickSignals<TrackedClick>(
    () => rules,
    (kind, click) => {
      if (!paused) emitSignal(kind, click);
    },
    { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (handle) => clearTimeout(handle as number) },
  );
  const reactions = watchReactions(signals, window, signal, () => Math.max(rules.deadMs, rules.rageMs));
  const trail = new ClickTrail();
  const record = (event: MouseEvent, click: boolean): boolean => {
    if (paused || !event.isTrusted || isOverlayElement(event.target)) return false;
    const target = event.composedPath()[0] ?? event.target;
    const path = pageKeyPath(location, inPage, keep);
    const anchor = click && target instanceof Element ? anchorFor(target, event.clientX, event.clientY) : null;
    if (anchor && target instanceof Element) {
      reactions.clicked();
      signals.click({
        t: event.timeStamp,
        x: event.clientX,
        y: event.clientY,
        selector: anchor.s,
        judged: judgedForDead(target, event),
        path,
        epoch: Math.round(performance.timeOrigin + event.timeStamp),
        build: label(),
        steps: trail.next(path, anchor.s),
      });
    }
    sampler.input({
      // Read per sample (at most 4 a second): a route change, or an anchor's element appearing, re-keys at once.
      path,
      pageX: event.pageX,
      pageY: event.pageY,
      clientX: event.clientX,
      clientY: event.clientY,
      // The innermost element, inside open shadow roots (event.target stops at their hosts).
      target,
      timeStamp: event.timeStamp,
      click,
      // A click often changes the page (a dialog closes, a list re-renders) before the timer runs; this
      // listener runs before the page's own, so the clicked element is still there and laid out.
      ...(click && { anchor }),
    });
    return true;
  };
  const onMove = (event: MouseEvent) => {
    if (record(event, false)) removeEventListener("mousemove", onMove, moves);
  };
  rearm();
  addEventListener("click", (event) => record(event, true), listen);
  // A view's marks carry the key it started under; a route change that re-keys the page starts a new view.
  let viewPath = "";
  const scroll = new ScrollMarks(
    window,
    (marks) => {
      if (!paused) emitMarks(viewPath, marks, label());
    },
    signal,
  );
  const controls = new ControlsInventory(
    document,
    (path, selectors) => {
      if (!paused) emitControls(path, selectors, label());
    },
    signal,
  );
  const startView = () => {
    viewPath = pageKeyPath(location, inPage, keep);
    scroll.startView();
    controls.startView(viewPath);
  };
  // The first view waits for the pause switch, the kept query parameters and the options' label, so its marks
  // are keyed and tagged like its points.
  void Promise.allSettled([pauseRead, keepRead, buildRead]).then(() => {
    if (!signal.aborted) startView();
  });
  onRouteChange(() => {
    if (viewPath && pageKeyPath(location, inPage, keep) !== viewPath) startView();
  }, signal);
  signal.addEventListener("abort", () => {
    removeEventListener("mousemove", onMove, moves);
    sampler.dispose();
  });
}

startTracker(new AbortController().signal);
