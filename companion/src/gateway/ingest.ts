/**
 * Ingest: a connection's batches. Each is checked (role, size, rows, key and
 * rate limits), binned into keyed cells on the companion's clock, stored, then
 * published on the bus and acknowledged; a batch seen before is acknowledged
 * as a duplicate and counted once. A page group's points go to its page key
 * (at point cells, which say whether each had an anchor) and those with an
 * anchor to their anchor's key too, its scroll marks to the page's scroll key
 * (protocol/anchor.ts); only page keys count as keys.
 */
import { bandFor, colOf, FLAG_FIXED, gridRowOf, packCell, type WidthBand } from "../../../protocol";
import {
  anchorKey,
  anchorTile,
  pointCell,
  type ScrollMarkKind,
  scrollCell,
  scrollKey,
  sideCell,
} from "../../../protocol/anchor";
import type { PathNormaliser } from "../../../protocol/normalise-path";
import { makeKey } from "../../../protocol/page-key";
import type { SignalKind } from "../../../protocol/signals";
import { type TagKind, testerOf } from "../../../protocol/tags";
import { type Batch, ErrorCode, FLAG_CLICK, type Hello, type ServerMessage } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { CompanionOptions } from "../options";
import type { KeyedPoints, Topics } from "../pipeline";
import type { EventStore, StoredBatch, StoredSignal } from "../store/event-store";
import { SharedSlabs } from "../store/shared-slabs";
import { type ClientState, ClockOffset, PointBudget, SeqDedup } from "./client-state";
import { KeyBudget } from "./key-budget";
import { RateMeter } from "./rate-meter";
import { TagBudget } from "./tag-budget";

export interface IngestDeps {
  options: CompanionOptions;
  bus: Bus<Topics>;
  store: EventStore;
  normalise: PathNormaliser;
  bands: readonly WidthBand[];
  /** Whether a key is live in the window stage, and how many are. */
  keys: { isLive(key: string): boolean; readonly liveKeys: number };
  clock: () => number;
}

export interface GatewayCounters {
  batches: number;
  points: number;
  clicks: number;
  duplicates: number;
  rejected: number;
  closedForErrors: number;
  /** Tags (a batch's tester, a page group's build label) past `--max-tags-per-page`: their points are kept untagged. */
  untagged: number;
  /** Points off their page's grid (past the layout width, or below `--max-rows`): kept for their element alone, if any. */
  offGrid: number;
}

/** What ingest needs of the connection a batch came on. */
export interface Feeder {
  readonly hello: Hello | null;
  readonly client: ClientState | null;
  allowed(role: "capture"): boolean;
  /** Whether a reply can still reach the client. */
  readonly open: boolean;
  reply(message: ServerMessage): void;
  /** Counts accepted points, and the keys they went to, for the dashboard. */
  accepted(points: number, keys: Iterable<string>): void;
}

/** Where a stored batch goes before its ack, in a cluster: resolves once its pane delta is published (cluster/publisher.ts). */
export interface Relay {
  /**
   * `first`: for a batch on its first transmission, whether its ack can still
   * reach its client (its connection is open); null for any other batch.
   */
  carry(
    client: string,
    seq: number,
    groups: readonly KeyedPoints[],
    signals: readonly StoredSignal[],
    first: (() => boolean) | null,
  ): Promise<void>;
}

/** A page group of a batch being binned (Ingest.onBatch): its group, how many points it takes, how many it holds. */
interface Bin {
  group: KeyedPoints;
  size: number;
  filled: number;
  times: Float64Array;
  cells: Uint32Array;
  /** Set on a page's anchored group: per point, the index of its selector in the group's anchors. */
  anchorOf: Uint32Array | null;
}

/** A page's key and its side keys (protocol/anchor.ts). */
interface PageKeys {
  page: string;
  anchored: string;
  scroll: string;
}

/** One page of a batch and the groups its points and marks go to. */
interface PagePlan {
  page: Batch["pages"][number];
  /** Its `t0` on the companion's clock. */
  start: number;
  points: Bin | null;
  anchored: Bin | null;
  marks: Bin | null;
  /** Where its points' grid cells start in `pointCells`. */
  cells: number;
}

/** The grid cells of the batch being binned, point by point (-1: off the page grid), reused by every batch. */
let pointCells = new Int32Array(4096);

const NO_TIMES = new Float64Array(0);
const NO_INTS = new Uint32Array(0);

/** Shared memory for batches' points, taken 256 KB at a time: a slab is let go once no batch in it is held. */
const slabs = new SharedSlabs(256 * 1024);

/**
 * Gives each bin its place in one span of shared memory for the batch: every
 * group's times, then every group's cells (and anchor indices). Typed arrays
 * rather than growing arrays: a batch's points wait for their commit outside
 * the collected heap. Shared, so that the commit thread reads them where
 * they are (batch-transfer.ts): a copy per batch cost more than its encoding.
 */
function allot(all: readonly Bin[]): void {
  let points = 0;
  let ints = 0;
  for (const bin of all) {
    points += bin.size;
    ints += bin.group.anchors ? 2 * bin.size : bin.size;
  }
  let times = slabs.take(points * 8 + ints * 4);
  const buffer = slabs.buffer;
  let at = times + points * 8;
  for (const bin of all) {
    bin.times = new Float64Array(buffer, times, bin.size);
    times += bin.size * 8;
    bin.cells = new Uint32Array(buffer, at, bin.size);
    at += bin.size * 4;
    if (bin.group.anchors) {
      bin.anchorOf = new Uint32Array(buffer, at, bin.size);
      at += bin.size * 4;
      bin.group.anchorOf = bin.anchorOf;
    }
    bin.group.times = bin.times;
    bin.group.cells = bin.cells;
  }
}

/**
 * The bin of `bins` for `key` (and `build`: groups of one key under two build
 * labels stay apart, so that each keeps its label), made if new, that takes
 * `size` more points. Not a closure in onBatch: the companion runs through
 * tsx, which names each closure it makes, a cost per batch.
 */
function bin(
  bins: Map<string, Bin>,
  key: string,
  size: number,
  build: string | undefined,
  tester: string | undefined,
  anchored = false,
): Bin {
  const id = build === undefined ? key : `${key}\u0002${build}`;
  let found = bins.get(id);
  if (!found) {
    const group: KeyedPoints = { key, times: NO_TIMES, cells: NO_INTS };
    if (anchored) group.anchors = [];
    if (build !== undefined) group.build = build;
    if (tester !== undefined) group.tester = tester;
    found = { group, size: 0, filled: 0, times: NO_TIMES, cells: NO_INTS, anchorOf: null };
    bins.set(id, found);
  }
  found.size += size;
  return found;
}

/** Adds one point (or mark) to `bin`; an anchored point's selector index is written by its caller. */
function put(bin: Bin, t: number, cell: number): void {
  bin.times[bin.filled] = t;
  bin.cells[bin.filled] = cell;
  bin.filled++;
}

export class Ingest {
  /** Set on a node of a cluster: a batch is acked once the relay has it. */
  relay: Relay | null = null;
  readonly counters: GatewayCounters = {
    batches: 0,
    points: 0,
    clicks: 0,
    duplicates: 0,
    rejected: 0,
    closedForErrors: 0,
    untagged: 0,
    offGrid: 0,
  };
  /** Points accepted per second, over the last ten seconds. */
  readonly rate: RateMeter;
  private readonly clients = new Map<string, ClientState>();
  private readonly keyBudget: KeyBudget;
  /** Build labels and testers whose history is kept apart. */
  readonly tags: TagBudget;
  /**
   * A page's keys by the path sent, origin and band: browsers send the same
   * few pages in batch after batch, and a key made once is hashed once
   * wherever it is looked up (the window stage, the store's names).
   */
  private readonly keys = new Map<string, Map<string, Map<string, PageKeys>>>();
  private keysKept = 0;

  constructor(private readonly deps: IngestDeps) {
    this.rate = new RateMeter(10, deps.clock);
    this.keyBudget = new KeyBudget(deps.keys, deps.options);
    this.tags = new TagBudget(deps.options.maxTagsPerPage);
  }

  /** What the gateway remembers of a client across its connections. */
  clientState(id: string): ClientState {
    let state = this.clients.get(id);
    if (!state) {
      const { maxEventsPerSecond, rateBurstSeconds } = this.deps.options;
      state = {
        dedup: new SeqDedup(),
        budget: new PointBudget(maxEventsPerSecond, maxEventsPerSecond * rateBurstSeconds, this.deps.clock()),
        clock: new ClockOffset(),
      };
      this.clients.set(id, state);
    }
    return state;
  }

  /** The keys of the page at `path` (as sent) of `origin` in `band`, kept for as many pages as `--max-keys` allows, then afresh. */
  private keysOf(band: string, origin: string, path: string): PageKeys {
    let byOrigin = this.keys.get(path);
    if (!byOrigin) {
      byOrigin = new Map();
      this.keys.set(path, byOrigin);
    }
    let byBand = byOrigin.get(origin);
    if (!byBand) {
      byBand = new Map();
      byOrigin.set(origin, byBand);
    }
    let keys = byBand.get(band);
    if (!keys) {
      if (this.keysKept >= this.deps.options.maxKeys) {
        this.keys.clear();
        this.keysKept = 0;
        return this.keysOf(band, origin, path);
      }
      const page = makeKey(band, origin, this.deps.normalise(path));
      keys = { page, anchored: anchorKey(page, ""), scroll: scrollKey(page) };
      byBand.set(band, keys);
      this.keysKept++;
    }
    return keys;
  }

  /** `label` if its points are kept apart (TagBudget), else undefined, counted. */
  private tag(kind: TagKind, scope: string, label: string): string | undefined {
    const kept = this.tags.admit(kind, scope, label);
    if (kept === undefined) this.counters.untagged++;
    return kept;
  }

  private nack(connection: Feeder, seq: number, code: ErrorCode, reason: string, retry: boolean): void {
    this.counters.rejected++;
    connection.reply({ type: "nack", seq, code, reason, retry });
  }

  onBatch(connection: Feeder, batch: Batch): void {
    const client = connection.client as ClientState;
    const { options } = this.deps;
    const now = this.deps.clock();
    const { seq } = batch;
    if (!connection.allowed("capture")) {
      this.counters.rejected++;
      return connection.reply({
        type: "nack",
        seq,
        code: ErrorCode.forbidden,
        // Kept by the client: the same batch goes through once it is given a token with the capture role.
        reason: "this token lacks the capture role; keep the batch until a capture token is set",
        retry: true,
      });
    }
    if (client.dedup.has(seq)) {
      this.counters.duplicates++;
      return connection.reply({ type: "ack", seq, points: 0, duplicate: true });
    }

    // A scroll mark or a signal counts like a point against the batch size and the rate, but it is no
    // cursor point: acks, counters and metrics count points only.
    let points = 0;
    let marks = 0;
    for (const page of batch.pages) {
      points += page.pts.length / 4;
      // Signals count as marks do: a batch of signals alone still spends the rate.
      marks += (page.scroll?.length ?? 0) / 3 + (page.signals?.length ?? 0) / 3;
    }
    const events = points + marks;
    if (events > options.maxPointsPerBatch) {
      const what = marks > 0 ? `${points} points and ${marks} scroll marks and signals` : `${points} points`;
      return this.nack(
        connection,
        seq,
        ErrorCode.tooBig,
        `batch holds ${what}; the limit is ${options.maxPointsPerBatch}`,
        false,
      );
    }

    // Bin every point before publishing any, so a refused batch leaves nothing behind.
    const bins = new Map<string, Bin>();
    const tester = this.tag("tester", "", testerOf(connection.hello as Hello));
    let build: string | undefined;
    const pageKeys = new Set<string>();
    // The latest controls inventory per page key in this batch, cut to --max-controls.
    const inventories = new Map<string, { selectors: string[]; cut: number }>();
    const signals: StoredSignal[] = [];
    const clientId = (connection.hello as Hello).client;
    let clicks = 0;
    client.clock.observe(batch.sentAt, now);
    const offset = client.clock.offset;
    // First each page's groups and how many points each takes, then the points, into one buffer for the batch.
    const plans: PagePlan[] = [];
    let cellsUsed = 0;
    // Points off the page grid (protocol/grid.ts, gridRowOf), so far and before this page.
    let offGrid = 0;
    let offGridBefore = 0;
    for (const page of batch.pages) {
      const keys = this.keysOf(bandFor(page.w, this.deps.bands).id, page.origin, page.path);
      const key = keys.page;
      pageKeys.add(key);
      build = page.build === undefined ? undefined : this.tag("build", key, page.build);
      const { pts, t0, at, anchors, scroll, controls } = page;
      for (let i = 0; i < (page.signals?.length ?? 0); i += 3) {
        const [dt, kind, a] = (page.signals as number[]).slice(i, i + 3) as [number, SignalKind, number];
        const steps = page.steps?.[i / 3];
        signals.push({
          key,
          selector: (anchors as string[])[a - 1] as string,
          kind,
          client: clientId,
          t: Math.min(t0 + offset + dt, now),
          ...(steps && { steps: steps.map((step) => (anchors as string[])[step - 1] as string) }),
        });
      }
      if (controls) {
        const kept = [...new Set(controls)];
        inventories.set(key, {
          selectors: kept.slice(0, options.maxControls),
          cut: Math.max(0, kept.length - options.maxControls),
        });
      }
      const plan: PagePlan = { page, start: t0 + offset, points: null, anchored: null, marks: null, cells: 0 };
      const n = pts.length / 4;
      if (n > 0) {
        // Each point's grid cell, once, for the pass below: -1 off the page grid.
        plan.cells = cellsUsed;
        cellsUsed += n;
        if (pointCells.length < cellsUsed) {
          const grown = new Int32Array(Math.max(cellsUsed, 2 * pointCells.length));
          grown.set(pointCells);
          pointCells = grown;
        }
        // Anchored points also go to a group of their own. A point off the page grid is its anchor's alone, or no key's.
        let anchoredPoints = 0;
        const { w } = page;
        for (let i = 0, p = 0, c = plan.cells; i < pts.length; i += 4, p += 3, c++) {
          if (at !== undefined && at[p] !== 0) anchoredPoints++;
          const x = pts[i + 1] as number;
          const y = pts[i + 2] as number;
          const row = gridRowOf(x, y, w, options);
          if (row !== -1) {
            const layer = (pts[i + 3] as number) & FLAG_FIXED ? "fixed" : "doc";
            pointCells[c] = packCell(colOf(x, w, options.cols), row, layer, options.cols);
          } else {
            pointCells[c] = -1;
            offGrid++;
          }
        }
        const onPage = n - (offGrid - offGridBefore);
        if (onPage > 0) plan.points = bin(bins, key, onPage, build, tester);
        offGridBefore = offGrid;
        if (anchoredPoints > 0) plan.anchored = bin(bins, keys.anchored, anchoredPoints, build, tester, true);
      }
      if (scroll?.length) plan.marks = bin(bins, keys.scroll, scroll.length / 3, build, tester);
      plans.push(plan);
    }
    const binned = [...bins.values()];
    allot(binned);

    for (const { page, start, points: pageBin, anchored, marks, cells } of plans) {
      const { pts, at, anchors, scroll } = page;
      if (pts.length > 0) {
        // `local[a]`: where the page's anchor a is in the anchored group's selectors, once used.
        const local: number[] = [];
        for (let i = 0, p = 0, c = cells; i < pts.length; i += 4, p += 3, c++) {
          const flags = pts[i + 3] as number;
          // Nothing is captured after its batch arrived: a time past that (a clock that ran ahead) is the arrival's.
          const t = Math.min(start + (pts[i] as number), now);
          const click = (flags & FLAG_CLICK) !== 0;
          if (click) clicks++;
          const a = at ? (at[p] as number) : 0;
          const cell = pointCells[c] as number;
          if (cell !== -1) put(pageBin as Bin, t, pointCell(cell, a !== 0, click));
          if (a === 0) continue;
          const into = anchored as Bin;
          const selectors = into.group.anchors as string[];
          let index = local[a];
          if (index === undefined) {
            // A page listed twice in a batch may name an anchor twice: the window stage gives both one id.
            index = selectors.push((anchors as string[])[a - 1] as string) - 1;
            local[a] = index;
          }
          (into.anchorOf as Uint32Array)[into.filled] = index;
          put(into, t, sideCell(anchorTile(at?.[p + 1] as number, at?.[p + 2] as number), click));
        }
      }
      if (marks && scroll) {
        for (let i = 0; i < scroll.length; i += 3) {
          put(
            marks,
            Math.min(start + (scroll[i] as number), now),
            scrollCell(scroll[i + 1] as ScrollMarkKind, scroll[i + 2] as number),
          );
        }
      }
    }

    // Held from here until the batch is live or refused, so batches sent without waiting for acks count too.
    const keys = this.keyBudget.reserve(clientId, pageKeys);
    if (!keys.ok) return this.nack(connection, seq, ErrorCode.keys, keys.reason, keys.retry);
    if (!client.budget.take(events, now)) {
      keys.release();
      return this.nack(
        connection,
        seq,
        ErrorCode.rate,
        `more than ${options.maxEventsPerSecond} points per second`,
        true,
      );
    }

    const stored: StoredBatch = { client: clientId, seq, groups: binned.map((b) => b.group) };
    if (signals.length > 0) stored.signals = { list: signals, max: options.maxSignals };
    if (inventories.size > 0) {
      stored.controls = [...inventories].map(([key, { selectors, cut }]) => ({ key, selectors, cut, at: now }));
    }
    // Only this of the parsed batch is needed once it is stored: the batch itself is let go meanwhile.
    const firstSent = batch.first === true;
    // Acknowledged and counted only once durable; a batch stored before (resent after a lost ack) counts once.
    this.deps.store.appendThen(stored, (failure, duplicate) => {
      if (failure) {
        keys.release();
        return this.nack(
          connection,
          seq,
          ErrorCode.storage,
          `storage unavailable (${failure.code === "SQLITE_FULL" ? `SQLITE_FULL: ${failure.message}` : (failure.code ?? "error")}); keep the batch and retry`,
          true,
        );
      }
      client.dedup.add(seq);
      if (!duplicate) {
        this.deps.bus.publish("points", { client: clientId, groups: stored.groups });
        if (signals.length > 0) this.deps.bus.publish("signals", { signals });
      }
      keys.release();
      if (duplicate) {
        this.counters.duplicates++;
        return connection.reply({ type: "ack", seq, points: 0, duplicate: true });
      }
      this.counters.batches++;
      this.counters.points += points;
      this.counters.offGrid += offGrid;
      connection.accepted(points, pageKeys);
      this.rate.add(points);
      this.counters.clicks += clicks;
      if (!this.relay) return connection.reply({ type: "ack", seq, points, duplicate: false });
      this.relay
        .carry(clientId, seq, stored.groups, signals, firstSent ? () => connection.open : null)
        .then(() => connection.reply({ type: "ack", seq, points, duplicate: false }));
    });
  }
}
