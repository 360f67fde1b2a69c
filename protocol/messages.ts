/**
 * Messages between the extension's own parts (content scripts, background,
 * popup), declared once as a typed map for @webext-core/messaging. Payloads
 * that cross from a content script are validated again in the background with
 * the schemas below, since a compromised page could reach a content script.
 */
import { defineExtensionMessaging } from "@webext-core/messaging";
import { z } from "zod";
import { ANCHOR_UNITS, anchorSelector, SCROLL_STEP_PERCENT, ScrollMark } from "./anchor";
import { COMPARE_SET_RULE, type Comparison, type PageTags, parseCompareSet } from "./compare";
import { MAX_INVENTORY_CHARS } from "./coverage";
import type { ShareView } from "./share-link";
import { MAX_STEPS_PER_SIGNAL, SignalKind } from "./signals";
import type { SnapshotMeta } from "./snapshot";
import { layoutWidth, origin, pagePath, SubscriptionRequest } from "./subscription";
import { tagLabel } from "./tags";
import { type Grid, MAX_COORDINATE } from "./wire";

export const Sample = z.object({
  /** Unique per sample (tab session and counter): a resent sample is stored once. */
  id: z.string().min(1).max(80),
  /** The page's site (`location.origin`): part of its key. */
  origin,
  path: pagePath,
  w: layoutWidth,
  t: z.number().int().nonnegative(),
  x: z.number().int().min(0).max(MAX_COORDINATE),
  y: z.number().int().min(0).max(MAX_COORDINATE),
  flags: z.number().int().min(0).max(3),
  /** The element under the cursor and the offset in its box (protocol/anchor.ts); absent when none is useful. */
  anchor: z
    .object({
      s: anchorSelector,
      u: z
        .number()
        .int()
        .min(0)
        .max(ANCHOR_UNITS - 1),
      v: z
        .number()
        .int()
        .min(0)
        .max(ANCHOR_UNITS - 1),
    })
    .optional(),
  /**
   * Present on a scroll mark instead of a cursor sample (x, y and flags are then 0):
   * a view began (value: viewport height px) or reached a further depth step.
   */
  mark: z
    .object({
      kind: z.union([z.literal(ScrollMark.view), z.literal(ScrollMark.reach), z.literal(ScrollMark.box)]),
      value: z.number().int().min(0).max(MAX_COORDINATE),
    })
    .refine(
      (m) =>
        m.kind === ScrollMark.view ||
        (m.value >= SCROLL_STEP_PERCENT && m.value <= 100 && m.value % SCROLL_STEP_PERCENT === 0),
      "a scroll depth is a multiple of 5 from 5 to 100",
    )
    .optional(),
  /**
   * Present on a page's controls inventory instead of a cursor sample (x, y and flags are then 0):
   * the selectors of its controls (protocol/coverage.ts), sent once per view and again when they change.
   */
  controls: z
    .array(anchorSelector)
    .refine((list) => JSON.stringify(list).length <= MAX_INVENTORY_CHARS, "an inventory fits MAX_INVENTORY_CHARS")
    .optional(),
  /**
   * Present on a click signal instead of a cursor sample (x, y and flags are then 0): a rage, dead or
   * error click (protocol/signals.ts) on the element named `s`, at the triggering click's time `t`;
   * `steps`: the selectors of the clicks before it on that page view, oldest first.
   */
  signal: z
    .object({
      kind: z.union([z.literal(SignalKind.rage), z.literal(SignalKind.dead), z.literal(SignalKind.error)]),
      s: anchorSelector,
      steps: z.array(anchorSelector).max(MAX_STEPS_PER_SIGNAL).optional(),
    })
    .optional(),
  /** The build or session label the page was under when the sample was taken (protocol/tags.ts); absent when none. */
  build: tagLabel.optional(),
});
export type Sample = z.infer<typeof Sample>;

/** Samples in one message from the tracker (which sends each as soon as it is taken). */
export const SampleGroup = z.array(Sample).min(1).max(100);

/** What an overlay watches: a subscription request (see protocol/subscription.ts). */
export const Watch = SubscriptionRequest;
export type Watch = SubscriptionRequest;

/** Most watches one frame's overlay may hold at once (one per width band, with room to spare). */
export const MAX_WATCHES_PER_FRAME = 8;
/** A frame's whole set of watches, replacing the set it held before; empty to stop watching. */
export const WatchSet = z.array(Watch).max(MAX_WATCHES_PER_FRAME);

/**
 * Why the extension is not connected, as asked of the companion over HTTP
 * after its websocket closed or failed to open (extension/transport/diagnose.ts).
 */
/**
 * Why the link does not work, or not all of it: `token-limited` is a token
 * the companion accepts that lacks a role something asked for (capture, or
 * view for the overlay), the rest working on.
 */
export type LinkProblem = "needs-token" | "token-refused" | "token-limited" | "not-running" | "wrong-address";

export interface LinkStatus {
  url: string;
  /** `closed` while the reason is unknown, or when the companion accepts us and refused for another reason. */
  state: "connecting" | "open" | "closed" | LinkProblem;
  /** Last close or error, or why the connection is refused, for the popup. */
  lastError: string | null;
  /** Batches waiting for an acknowledgement. */
  queued: number;
  acked: number;
  rejected: number;
}

/** The durable outbox, as the popup shows it. */
export interface OutboxStatus {
  /** Points waiting in the outbox for an acknowledgement. */
  points: number;
  /** Batches and points dropped, oldest first, because the outbox was full. */
  evictedBatches: number;
  evictedPoints: number;
  /** Points captured before pages were keyed by site, dropped since no site was recorded with them. */
  unkeyedPoints: number;
  maxPoints: number;
}

export interface TabStatus {
  /** Capture is paused in every tab (the popup's switch). */
  paused: boolean;
  link: LinkStatus;
  outbox: OutboxStatus | null;
  overlay: boolean;
}

/** What a tab's overlay shows right now, in the words of its legend. */
export interface OverlaySummary {
  /** The page the overlay watches: its site and key path (see `pageKeyPath`). */
  origin: string;
  path: string;
  /** Width band of the grid on screen, e.g. `phone`, and its range in CSS px. */
  band: string | null;
  bandRange: string | null;
  windowMs: number;
  total: number;
  max: number;
  frozen: boolean;
  /** The legend's text, as the overlay shows it. */
  legend: string;
}

export const HistoryRequest = z.object({
  origin,
  path: pagePath,
  width: layoutWidth,
  /** Capture times, ms since the epoch: [from, to). */
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  cols: z.number().int().positive().max(10_000).optional(),
  /** One tester's points alone (protocol/tags.ts); absent for everyone's. */
  tester: tagLabel.optional(),
});
export type HistoryRequest = z.infer<typeof HistoryRequest>;

/** Why the companion (or the way to it) gave no answer: its `E_…` code and reason. */
export type Refusal = { ok: false; code: string; reason: string };

export type HistoryResult = { ok: true; grid: Grid } | Refusal;

const time = z.number().int().nonnegative();

/** The builds and testers a page has points from (`GET /api/tags`), in a range or over everything kept. */
export const TagsRequest = z.object({
  origin,
  path: pagePath,
  width: layoutWidth,
  from: time.optional(),
  to: time.optional(),
});
export type TagsRequest = z.infer<typeof TagsRequest>;

/** The page's tags, and the tester this browser's points are tagged with (`testerOf` its client id and name). */
export type TagsResult = { ok: true; tags: PageTags; me: string } | Refusal;

const compareSet = z.string().refine((text) => typeof parseCompareSet(text) !== "string", COMPARE_SET_RULE);

/** Two sets of a page's points to compare (`GET /api/compare`): `from`/`to` for both sides, `aFrom`… for one. */
export const ComparisonRequest = z.object({
  origin,
  path: pagePath,
  width: layoutWidth,
  a: compareSet,
  b: compareSet,
  from: time.optional(),
  to: time.optional(),
  aFrom: time.optional(),
  aTo: time.optional(),
  bFrom: time.optional(),
  bTo: time.optional(),
  layer: z.enum(["points", "clicks"]).optional(),
  cols: z.number().int().positive().max(10_000).optional(),
});
export type ComparisonRequest = z.infer<typeof ComparisonRequest>;

export type ComparisonResult = { ok: true; comparison: Comparison } | Refusal;

/** A picture of the visible tab (a PNG data URL), or why there is none. */
export type CaptureResult = { ok: true; picture: string } | { ok: false; reason: string };

/** The clean page's picture (a PNG data URL) for the companion, with its metadata. */
export interface SnapshotAttach {
  picture: string;
  meta: SnapshotMeta;
}

export interface ProtocolMap {
  /** Tracker → background: cursor samples, answered once they are durable. */
  "capture.samples"(samples: Sample[]): void;
  /** Overlay → background: should this tab show the overlay? */
  "overlay.state"(): boolean;
  /** Overlay → background: send the grids of these requests to this frame (its whole set: replaces the last). */
  "overlay.watch"(watches: Watch[]): void;
  /** Overlay → background: a past range of this page from the companion's history. */
  "overlay.history"(request: HistoryRequest): HistoryResult;
  /** Overlay → background: the builds and testers this page has points from, and who this browser's tester is. */
  "overlay.tags"(request: TagsRequest): TagsResult;
  /** Overlay → background: two sets of this page's points compared by the companion. */
  "overlay.compare"(request: ComparisonRequest): ComparisonResult;
  "overlay.unwatch"(): void;
  /** Overlay → background, on the viewer's Snapshot click only: the visible part of this tab. */
  "overlay.capture"(): CaptureResult;
  /** Overlay → background: attaches a snapshot to its page on the companion; null once stored, else why not. */
  "overlay.attach"(snapshot: SnapshotAttach): string | null;
  /**
   * Overlay (the page's own, frame 0) → background: the view of the share
   * link this tab was opened from, once, if the page (its path as sent,
   * page-path.ts) is the linked one.
   */
  "overlay.linked"(path: string): ShareView | null;
  /** Background → overlay. */
  "overlay.show"(on: boolean): void;
  "overlay.grid"(grid: Grid): void;
  /** Popup → overlay (straight to the tab): what is on screen. */
  "overlay.describe"(): OverlaySummary | null;
  /** Popup → background. */
  "popup.status"(tabId: number): TabStatus;
  "popup.toggle"(request: { tabId: number; on: boolean }): void;
  "popup.pause"(paused: boolean): void;
}

export const messenger = defineExtensionMessaging<ProtocolMap>();
export const { sendMessage, onMessage } = messenger;
