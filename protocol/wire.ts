/**
 * The wire protocol between capture/view clients and the companion: every
 * message is declared here once, as a zod schema, and the TypeScript types are
 * inferred from the schemas. PROTOCOL.md documents the same messages as JSON.
 */
import { z } from "zod";
import {
  ANCHOR_UNITS,
  AnchorHeat,
  anchorSelector,
  MAX_ANCHORS_PER_GROUP,
  MAX_SCROLL_MARKS_PER_GROUP,
  SCROLL_STEP_PERCENT,
  ScrollMark,
  ScrollSummary,
} from "./anchor";
import { MAX_CONTROLS_PER_GROUP } from "./coverage";
import {
  DEFAULT_SIGNAL_RULES,
  MAX_SIGNALS_PER_GROUP,
  MAX_STEPS_PER_SIGNAL,
  SIGNAL_NAMES,
  SignalRules,
  SignalSummary,
} from "./signals";
import { layoutWidth, origin, pagePath, SubscriptionRequest } from "./subscription";
import { tagLabel } from "./tags";

export { MAX_PATH_LENGTH } from "./page-key";

/** 2: pages are keyed by site (`origin`) as well as path. */
export const PROTOCOL_VERSION = 2;

/** Largest safe page coordinate (CSS px). Pages are far shorter in practice. */
export const MAX_COORDINATE = 1_000_000;

/** Bits of a point's `flags` field. */
export const FLAG_CLICK = 1;
/** The point was over a fixed or sticky element: x, y are viewport coordinates. */
export const FLAG_FIXED = 2;

/** Close codes used by the companion; 1xxx are the standard ones. */
export const Close = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidPayload: 1007,
  policy: 1008,
  tooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
  unsupportedVersion: 4000,
  helloTimeout: 4001,
  /** The connection's token was revoked, or a token is required. */
  unauthorized: 4003,
} as const;

/** Stable error codes carried by `nack`, `error`, HTTP error bodies and close reasons. */
export const ErrorCode = {
  badJson: "E_JSON",
  schema: "E_SCHEMA",
  version: "E_VERSION",
  helloFirst: "E_HELLO_FIRST",
  helloTimeout: "E_HELLO_TIMEOUT",
  tooBig: "E_TOO_BIG",
  rate: "E_RATE",
  keys: "E_KEYS",
  subscriptions: "E_SUBSCRIPTIONS",
  origin: "E_ORIGIN",
  host: "E_HOST",
  connections: "E_CONNECTIONS",
  capacity: "E_CAPACITY",
  backpressure: "E_BACKPRESSURE",
  storage: "E_STORAGE",
  starting: "E_STARTING",
  fragments: "E_FRAGMENTS",
  frame: "E_FRAME",
  utf8: "E_UTF8",
  unauthorized: "E_UNAUTHORIZED",
  forbidden: "E_FORBIDDEN",
  cols: "E_COLS",
  notFound: "E_NOT_FOUND",
  method: "E_METHOD",
  shareLink: "E_SHARE_LINK",
  notPng: "E_NOT_PNG",
  cluster: "E_CLUSTER",
  internal: "E_INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * How each error refuses: the HTTP status of a refused request or upgrade and
 * the close code of a refused connection. Written once, so that a new check
 * cannot forget either.
 */
export const REFUSAL: Record<ErrorCode, { status: number; close: number }> = {
  E_JSON: { status: 400, close: Close.invalidPayload },
  E_SCHEMA: { status: 400, close: Close.protocolError },
  E_VERSION: { status: 400, close: Close.unsupportedVersion },
  E_HELLO_FIRST: { status: 400, close: Close.protocolError },
  E_HELLO_TIMEOUT: { status: 408, close: Close.helloTimeout },
  E_TOO_BIG: { status: 413, close: Close.tooBig },
  E_RATE: { status: 429, close: Close.policy },
  E_KEYS: { status: 429, close: Close.policy },
  E_SUBSCRIPTIONS: { status: 429, close: Close.policy },
  E_ORIGIN: { status: 403, close: Close.policy },
  E_HOST: { status: 421, close: Close.policy },
  E_CONNECTIONS: { status: 429, close: Close.policy },
  E_CAPACITY: { status: 503, close: Close.tryAgainLater },
  E_BACKPRESSURE: { status: 429, close: Close.policy },
  E_STORAGE: { status: 503, close: Close.internalError },
  E_STARTING: { status: 503, close: Close.tryAgainLater },
  E_FRAGMENTS: { status: 400, close: Close.policy },
  E_FRAME: { status: 400, close: Close.protocolError },
  E_UTF8: { status: 400, close: Close.invalidPayload },
  E_UNAUTHORIZED: { status: 401, close: Close.unauthorized },
  E_FORBIDDEN: { status: 403, close: Close.policy },
  E_COLS: { status: 400, close: Close.policy },
  E_NOT_FOUND: { status: 404, close: Close.policy },
  E_METHOD: { status: 405, close: Close.policy },
  E_SHARE_LINK: { status: 400, close: Close.policy },
  E_NOT_PNG: { status: 415, close: Close.policy },
  E_CLUSTER: { status: 503, close: Close.tryAgainLater },
  E_INTERNAL: { status: 500, close: Close.internalError },
};

/** Close reasons are limited to 123 bytes by the websocket protocol. */
export const MAX_CLOSE_REASON_BYTES = 123;

const epochMs = z.number().int().nonnegative().max(8.64e15);

// ---------------------------------------------------------------- client → companion

export const Hello = z.object({
  type: z.literal("hello"),
  v: z.number().int(),
  /** Stable id of the sending browser profile or program; scopes `seq`. */
  client: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "client id: 1-64 of A-Z a-z 0-9 _ -"),
  /** Display name shown on the team dashboard. */
  name: z.string().max(64).optional(),
});

/**
 * A flat array of non-negative integers in tuples of `arity`, the value at
 * index i at most `max(i)`: checked in one pass over the array, since a batch
 * holds thousands of numbers and a schema per element costs more than the
 * rest of the intake together. Each refusal names the first bad index.
 */
function flatIntegers(name: string, tuples: string, arity: number, max: (i: number) => number, maxLength = Infinity) {
  // Each refusal stops the parse (continue: false), as a wrong type does: the page group's own checks
  // below read these arrays, and must not run on what is not one.
  return z.custom<number[]>().superRefine((value, ctx) => {
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: "custom", message: `${name} must be an array of integers`, continue: false });
      return;
    }
    if (value.length > maxLength) {
      ctx.addIssue({ code: "custom", message: `${name} holds more than ${maxLength} numbers`, continue: false });
      return;
    }
    if (value.length % arity !== 0) {
      ctx.addIssue({ code: "custom", message: `${name} must hold ${tuples}`, continue: false });
      return;
    }
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max(i)) {
        ctx.addIssue({ code: "custom", path: [i], message: `must be an integer from 0 to ${max(i)}`, continue: false });
        return;
      }
    }
  });
}

const STEP_ANCHOR = "a step is 1 + an index into the group's anchors";
const stepAnchor = z.number(STEP_ANCHOR).int(STEP_ANCHOR).min(1, STEP_ANCHOR).max(MAX_ANCHORS_PER_GROUP, STEP_ANCHOR);

/**
 * Points of one page view: flat quadruples `[dt, x, y, flags]`, dt in ms since
 * `t0`, x and y in document CSS px (viewport px when `flags & FLAG_FIXED`).
 * Optionally each point's anchor (`anchors`, `at`) and the view's scroll marks
 * (`scroll`): see protocol/anchor.ts. A group holds points, scroll marks or both.
 */
export const PagePoints = z
  .object({
    /** The page's site, as `location.origin` writes it. */
    origin,
    path: pagePath,
    /** Layout width (CSS px) of the window the points were captured in. */
    w: layoutWidth,
    /** Capture time of the first point (or mark), ms since the epoch on the client's clock. */
    t0: epochMs,
    pts: flatIntegers("pts", "[dt, x, y, flags] quadruples", 4, (i) => (i % 4 === 3 ? 3 : MAX_COORDINATE)),
    /** The group's anchor table: selectors that `at` refers to, each named once. */
    anchors: z.array(anchorSelector).max(MAX_ANCHORS_PER_GROUP).optional(),
    /**
     * Per point, `[a, u, v]`: `a` is 1 + an index into `anchors` (0: the point has no anchor),
     * u and v the offset in the anchor's box in 1/ANCHOR_UNITS of its width and height.
     */
    at: flatIntegers("at", "one [a, u, v] triple per point", 3, (i) =>
      i % 3 === 0 ? MAX_ANCHORS_PER_GROUP : ANCHOR_UNITS - 1,
    ).optional(),
    /** Scroll marks of the view: flat triples `[dt, kind, value]` (ScrollMark in protocol/anchor.ts). */
    scroll: flatIntegers(
      "scroll",
      "[dt, kind, value] triples",
      3,
      () => MAX_COORDINATE,
      MAX_SCROLL_MARKS_PER_GROUP * 3,
    ).optional(),
    /** The build or session label the page was captured under (protocol/tags.ts). */
    build: tagLabel.optional(),
    /**
     * The page's controls (protocol/coverage.ts), by their anchor selectors: sent once per page view and
     * again when the set changes; the companion keeps the latest list per page key.
     */
    controls: z.array(anchorSelector).max(MAX_CONTROLS_PER_GROUP).optional(),
    /**
     * Rage, dead and error clicks (protocol/signals.ts): flat triples `[dt, kind, a]`, dt the triggering
     * click's time since `t0`, `a` 1 + the index of the clicked element's selector in `anchors`.
     */
    signals: flatIntegers(
      "signals",
      "[dt, kind, a] triples",
      3,
      (i) => (i % 3 === 1 ? SIGNAL_NAMES.length - 1 : i % 3 === 2 ? MAX_ANCHORS_PER_GROUP : MAX_COORDINATE),
      MAX_SIGNALS_PER_GROUP * 3,
    ).optional(),
    /**
     * Per signal, in the order of `signals`, the clicks before its triggering click on that page view,
     * oldest first (a rage's own earlier clicks among them): each 1 + an index into `anchors`, as `a` is.
     * Absent from older extensions' groups.
     */
    steps: z
      .array(
        z
          .array(stepAnchor, "a signal's steps are a list of anchor numbers")
          .max(MAX_STEPS_PER_SIGNAL, `a signal has at most ${MAX_STEPS_PER_SIGNAL} steps`),
        "steps must be an array of lists of anchor numbers",
      )
      .max(MAX_SIGNALS_PER_GROUP, "steps must hold one list per signal")
      .optional(),
  })
  .superRefine((page, ctx) => {
    const points = page.pts.length / 4;
    if (points === 0 && !page.scroll?.length && !page.controls && !page.signals?.length) {
      ctx.addIssue({
        code: "custom",
        path: ["pts"],
        message: "a page group holds at least one point or scroll mark, a signal or a controls list",
      });
    }
    if (page.signals) {
      const named = page.anchors?.length ?? 0;
      for (let i = 2; i < page.signals.length; i += 3) {
        const a = page.signals[i] as number;
        if (a === 0 || a > named) {
          ctx.addIssue({
            code: "custom",
            path: ["signals", i],
            message: `a signal's anchor ${a} is not in the group's anchors`,
          });
          return;
        }
      }
    }
    if (page.steps) {
      if (page.steps.length * 3 !== (page.signals?.length ?? 0)) {
        ctx.addIssue({ code: "custom", path: ["steps"], message: "steps must hold one list per signal" });
        return;
      }
      const named = page.anchors?.length ?? 0;
      for (const [i, steps] of page.steps.entries()) {
        const j = steps.findIndex((a) => a > named);
        if (j >= 0) {
          ctx.addIssue({
            code: "custom",
            path: ["steps", i, j],
            message: `a step's anchor ${steps[j]} is not in the group's anchors`,
          });
          return;
        }
      }
    }
    if (page.at) {
      if (page.at.length !== points * 3) {
        ctx.addIssue({ code: "custom", path: ["at"], message: "at must hold one [a, u, v] triple per point" });
        return;
      }
      const named = page.anchors?.length ?? 0;
      for (let i = 0; i < page.at.length; i += 3) {
        const a = page.at[i] as number;
        if (a > named) {
          ctx.addIssue({ code: "custom", path: ["at", i], message: `anchor ${a} is not in the group's anchors` });
          return;
        }
        if ((page.at[i + 1] as number) >= ANCHOR_UNITS || (page.at[i + 2] as number) >= ANCHOR_UNITS) {
          ctx.addIssue({ code: "custom", path: ["at", i + 1], message: `u and v must be 0-${ANCHOR_UNITS - 1}` });
          return;
        }
      }
    }
    if (page.scroll) {
      if (page.scroll.length % 3 !== 0) {
        ctx.addIssue({ code: "custom", path: ["scroll"], message: "scroll must hold [dt, kind, value] triples" });
        return;
      }
      for (let i = 0; i < page.scroll.length; i += 3) {
        const kind = page.scroll[i + 1] as number;
        const value = page.scroll[i + 2] as number;
        const step = kind === ScrollMark.reach || kind === ScrollMark.box;
        if (kind !== ScrollMark.view && !step) {
          ctx.addIssue({ code: "custom", path: ["scroll", i + 1], message: "scroll mark kind must be 0, 1 or 2" });
          return;
        }
        if (step && (value < SCROLL_STEP_PERCENT || value > 100 || value % SCROLL_STEP_PERCENT !== 0)) {
          ctx.addIssue({
            code: "custom",
            path: ["scroll", i + 2],
            message: `a scroll depth is a multiple of ${SCROLL_STEP_PERCENT} from ${SCROLL_STEP_PERCENT} to 100`,
          });
          return;
        }
      }
    }
  });

export const Batch = z.object({
  type: z.literal("batch"),
  /** Per-client sequence number; the companion acknowledges each and ignores repeats. */
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** When the batch was sent, on the client's clock: used to correct clock offset. */
  sentAt: epochMs,
  pages: z.array(PagePoints).min(1),
  /**
   * True on a batch's first transmission ever (never on a resend, nor on one
   * read back from storage that may have been sent before): in a cluster its
   * points may then be summed with other batches' before its node publishes
   * them (PROTOCOL.md, "Windows in a cluster").
   */
  first: z.literal(true).optional(),
});

/** Every subscribe is answered: `subscribed` then the view's current grid, or an `error`. */
export const Subscribe = SubscriptionRequest.extend({ type: z.literal("subscribe") });

export const Unsubscribe = Subscribe.extend({ type: z.literal("unsubscribe") });

export const Ping = z.object({ type: z.literal("ping"), t: z.number() });

/** The client's state for the testers list: whether capture is paused in its browser. Sent after hello and on each change. */
export const Status = z.object({ type: z.literal("status"), paused: z.boolean() });

export const ClientMessage = z.discriminatedUnion("type", [Hello, Batch, Subscribe, Unsubscribe, Ping, Status]);

type ClientMessageSchema = z.ZodType<z.infer<typeof ClientMessage>>;

/** Each client message's schema by its type, compiled once first asked for (clientMessageSchemas). */
let clientMessages: Map<unknown, ClientMessageSchema> | null = null;

/**
 * Compiled with `z.compile` (same outcome, same issues, a few times faster:
 * a batch is checked in about a quarter of the time). Only on first use:
 * the companion alone parses client messages, and compiling makes a
 * function from source, which an extension's pages do not allow.
 */
function clientMessageSchemas(): Map<unknown, ClientMessageSchema> {
  clientMessages ??= new Map(
    ClientMessage.options.map((schema) => {
      let compiled: ClientMessageSchema = schema;
      try {
        compiled = z.compile(schema);
      } catch {
        // Where functions cannot be made from source, the schema parses as it is.
      }
      return [schema.shape.type.value, compiled];
    }),
  );
  return clientMessages;
}

/**
 * `ClientMessage.safeParse`, with the same outcome and issues, but a message
 * of a known type is checked against its own schema at once: the union's
 * search for it cost more than checking a batch's pages.
 */
export function parseClientMessage(json: unknown): z.ZodSafeParseResult<z.infer<typeof ClientMessage>> {
  const type = typeof json === "object" && json !== null ? (json as { type?: unknown }).type : undefined;
  return (clientMessageSchemas().get(type) ?? ClientMessage).safeParse(json);
}

// ---------------------------------------------------------------- companion → client

export const BandInfo = z.object({ id: z.string(), min: z.number(), max: z.number().nullable() });

export const Welcome = z.object({
  type: z.literal("welcome"),
  v: z.number().int(),
  server: z.string(),
  /** Companion clock at send time, ms since the epoch. */
  time: z.number(),
  /** Columns the companion bins points into. */
  cols: z.number().int(),
  /** Columns a viewer may ask for: the divisors of `cols`. */
  colsChoices: z.array(z.number().int()),
  hopMs: z.number().int(),
  /**
   * A watched grid is sent at least this often, changed or not (`--view-refresh`):
   * longer silence means the view stalled. Companions before it omit it (read as 0: unknown).
   */
  refreshMs: z.number().int().nonnegative().default(0),
  windowsMs: z.array(z.number().int()),
  defaultWindowMs: z.number().int(),
  bands: z.array(BandInfo),
  /**
   * Query parameters this companion keeps in page keys (all others are dropped):
   * a client may send these, and only these, with a page's path.
   */
  keepQuery: z.array(z.string()),
  /** What makes a click a rage, dead or error click (protocol/signals.ts); companions before it omit it. */
  signalRules: SignalRules.default(DEFAULT_SIGNAL_RULES),
});

/** What a client needs from the welcome to ask for grids; also served as `GET /api/config`. */
export const GridFacts = Welcome.pick({
  cols: true,
  colsChoices: true,
  hopMs: true,
  refreshMs: true,
  windowsMs: true,
  defaultWindowMs: true,
  bands: true,
  keepQuery: true,
  signalRules: true,
});
export type GridFacts = z.infer<typeof GridFacts>;

export const Ack = z.object({
  type: z.literal("ack"),
  seq: z.number().int(),
  /** Points the batch held; all of them were accepted. */
  points: z.number().int(),
  /** True when the batch had been received before and was ignored this time. */
  duplicate: z.boolean(),
});

export const Nack = z.object({
  type: z.literal("nack"),
  seq: z.number().int(),
  code: z.string(),
  reason: z.string(),
  /** True when the same batch may succeed later (rate limits); false to drop it. */
  retry: z.boolean(),
});

export const ErrorMessage = z.object({ type: z.literal("error"), code: z.string(), reason: z.string() });

/** Confirms a subscription and names the key its grids will carry. */
export const Subscribed = z.object({
  type: z.literal("subscribed"),
  /** The subscription as the client sent it. */
  request: SubscriptionRequest,
  /** Site, normalised path, band id, window and columns: grids for this subscription carry these. */
  origin: z.string(),
  path: z.string(),
  band: z.string(),
  windowMs: z.number().int(),
  cols: z.number().int(),
});

export const Pong = z.object({ type: z.literal("pong"), t: z.number(), time: z.number() });

export const Grid = z.object({
  type: z.literal("grid"),
  /** The page's site; empty for points stored before sites were keyed. */
  origin: z.string(),
  /** Normalised page path: with `origin` and `band`, the key the points were grouped by. */
  path: z.string(),
  band: BandInfo,
  windowMs: z.number().int(),
  cols: z.number().int(),
  /** Rows that hold at least one document-layer count (highest row + 1). */
  rows: z.number().int(),
  /** A tile is square; its side is `size` × the viewer's layout width. */
  tile: z.object({ size: z.number(), unit: z.literal("layout-width") }),
  /** Window bounds, ms since the epoch on the companion's clock: [start, end). */
  start: z.number(),
  end: z.number(),
  total: z.number().int(),
  max: z.number().int(),
  /** Document layer: flat triples [col, row, count]. */
  cells: z.array(z.number().int()),
  /** Fixed layer (viewport coordinates): flat triples [col, row, count]. */
  fixed: z.array(z.number().int()),
  /** Clicks among `total`. */
  clicks: z.number().int().default(0),
  /** Anchored heat: each anchor's tiles, hottest anchors first. */
  anchors: z.array(AnchorHeat).default([]),
  /** Points that had no anchor, flat quadruples [col, row, moves, clicks]: document layer, then fixed layer. */
  loose: z
    .object({ cells: z.array(z.number().int()), fixed: z.array(z.number().int()) })
    .default({ cells: [], fixed: [] }),
  /** Anchors of this page dropped (coldest first) to stay within `--max-anchors`, since the companion started. */
  evictedAnchors: z.number().int().default(0),
  scroll: ScrollSummary.default({ views: 0, reach: [], box: [], foldPx: 0 }),
  /** Rage, dead and error clicks in the window or range, per element and kind, the latest first. */
  signals: z.array(SignalSummary).default([]),
});

export const ServerMessage = z.discriminatedUnion("type", [Welcome, Ack, Nack, ErrorMessage, Subscribed, Pong, Grid]);

export type Hello = z.infer<typeof Hello>;
export type PagePoints = z.infer<typeof PagePoints>;
export type Batch = z.infer<typeof Batch>;
export type Subscribe = z.infer<typeof Subscribe>;
export type Unsubscribe = z.infer<typeof Unsubscribe>;
export type ClientMessage = z.infer<typeof ClientMessage>;
export type Status = z.infer<typeof Status>;
export type Welcome = z.infer<typeof Welcome>;
export type Ack = z.infer<typeof Ack>;
export type Nack = z.infer<typeof Nack>;
export type Grid = z.infer<typeof Grid>;
export type Subscribed = z.infer<typeof Subscribed>;
export type ServerMessage = z.infer<typeof ServerMessage>;

/** A one-line, human-readable summary of a zod error, short enough for a close reason. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid message";
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}
