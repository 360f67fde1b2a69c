/**
 * Wires the companion: one HTTP server and one websocket endpoint on the same
 * port, the gateway, the window stage, the fan-out and the demo shop. The port
 * is bound before the data directory is touched, so a second companion on a
 * busy port fails without opening the database. Owns every timer and socket it
 * starts; `close()` releases them all.
 */

import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { pino } from "pino";
import { bandsFromBreakpoints } from "../../protocol/grid";
import { createPathNormaliser } from "../../protocol/normalise-path";
import { Close } from "../../protocol/wire";
import { TokenStore } from "./auth/tokens";
import { type Bus, InProcessBus } from "./bus/bus";
import { ClusterError, ClusterNode } from "./cluster/node";
import { Fanout } from "./fanout/fanout";
import { Gateway, type GatewayDeps } from "./gateway/gateway";
import { bindEndpoint } from "./http/endpoint";
import { createRouter } from "./http/router";
import { type CompanionOptions, DEFAULTS, natsServers, validateOptions } from "./options";
import type { Topics } from "./pipeline";
import { type DataDirLock, lockDataDir, prepareDataDir } from "./store/data-dir";
import { EventStore } from "./store/event-store";
import { SnapshotStore } from "./store/snapshot-store";
import { WindowStage } from "./window/window-stage";

export const SERVER_NAME = "heatlens-companion/0.1.0";

export interface Companion {
  /** `http://host:port` the companion listens on. */
  url: string;
  port: number;
  store: EventStore;
  /** Pictures of pages attached from the overlay. */
  snapshots: SnapshotStore;
  tokens: TokenStore;
  /** Time it took to rebuild the live windows from the store at start. */
  rebuildMs: number;
  /** The bus the stages talk over. */
  bus: Bus<Topics>;
  gateway: Gateway;
  windows: WindowStage;
  fanout: Fanout;
  /** This companion as a node of a cluster (`--nats`), or null. */
  cluster: ClusterNode | null;
  close(): Promise<void>;
}

/** Why the companion refused to start, with a stable code. */
export class StartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Whether binding `host` serves this machine alone. */
export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
}

export interface StartOptions extends Partial<CompanionOptions> {
  /** The companion's clock; tests pass their own. */
  clock?: () => number;
}

/**
 * V8 moves an allocation site's objects straight to the old generation once
 * most of them outlive one minor collection. A batch's objects do (they wait
 * for its commit, tens of milliseconds under load) but most are gone before a
 * second one, so moved there they only fed major collections: with 200
 * connections saturating ingest, turning that off took the main thread from
 * about 54 to 48 µs per frame and V8's helper threads from 20 to 12.
 * Process-wide, set before the companion allocates its own; setting it again
 * changes nothing.
 */
function tuneGarbageCollector(): void {
  setFlagsFromString("--no-allocation-site-pretenuring");
}

export async function startCompanion(overrides: StartOptions = {}): Promise<Companion> {
  tuneGarbageCollector();
  const { clock = Date.now, ...rest } = overrides;
  const options: CompanionOptions = { ...DEFAULTS, ...rest };
  const problems = validateOptions(options);
  if (problems.length) throw new Error(`invalid options: ${problems.join("; ")}`);
  const log = pino({ level: options.logLevel, base: undefined });

  const endpoint = await bindEndpoint(options);
  let stages: Stages;
  let lock: DataDirLock | null = null;
  try {
    prepareDataDir(options.dataDir);
    lock = lockDataDir(options.dataDir);
    lock.describe(endpoint.url);
    stages = openStages(options, clock, log);
  } catch (error) {
    lock?.release();
    await endpoint.close();
    throw error;
  }
  const dataDirLock = lock;
  const { store, windows, fanout, gateway } = stages;
  let cluster: ClusterNode | null = null;
  if (options.nats.length > 0) {
    try {
      cluster = await joinCluster(options, stages, clock, endpoint.port, log);
    } catch (error) {
      await endpoint.close();
      closeStages(stages);
      dataDirLock.release();
      if (error instanceof ClusterError) throw new StartError(error.code, error.message);
      throw error;
    }
    gateway.ingest.relay = cluster.publisher;
  }
  endpoint.serve(createRouter({ ...stages, cluster, options, secure: endpoint.secure, serverName: SERVER_NAME }));

  // Close each pane right after its end on the companion's clock; unchanged views are sent again; a revoked token's idle connections go with it.
  let ticker: NodeJS.Timeout;
  const tick = () => {
    const now = clock();
    windows.tick(now);
    cluster?.tick(now);
    fanout.flushStale();
    fanout.refreshIdle(now, options.viewRefreshMs);
    gateway.checkRevocations();
    ticker = setTimeout(tick, options.hopMs - (now % options.hopMs) + 1);
  };
  tick();
  // A watched page's new points go to its viewers once their turn of the event loop ends (every batch of
  // that turn in one grid), then at most once per `--live-push` per page, rather than at the next hop.
  let livePush: NodeJS.Immediate | null = null;
  let livePushLater: NodeJS.Timeout | undefined;
  const pushLive = () => {
    livePush = null;
    clearTimeout(livePushLater);
    const wait = windows.pushLive(clock());
    if (wait !== null) livePushLater = setTimeout(pushLive, wait);
  };
  const freshLater = () => {
    if (livePush === null && windows.hasFresh) livePush = setImmediate(pushLive);
  };
  const stopLivePush = stages.bus.subscribe("points", freshLater);
  const stopSignalsPush = stages.bus.subscribe("signals", freshLater);
  const heartbeat = setInterval(() => gateway.heartbeat(), options.heartbeatMs);
  const maintenance = setInterval(() => store.maintain(), 100);
  log.info({ url: endpoint.url }, "companion listening");

  return {
    ...stages,
    cluster,
    url: endpoint.url,
    port: endpoint.port,
    async close() {
      clearTimeout(ticker);
      stopLivePush();
      stopSignalsPush();
      if (livePush !== null) clearImmediate(livePush);
      clearTimeout(livePushLater);
      clearInterval(heartbeat);
      clearInterval(maintenance);
      gateway.closeAll(Close.goingAway, "companion shutting down");
      await endpoint.close();
      await cluster?.close();
      closeStages(stages);
      dataDirLock.release();
    },
  };
}

function closeStages({ windows, fanout, store, snapshots, tokens }: Stages): void {
  windows.close();
  fanout.close();
  store.maintain(true);
  store.close();
  snapshots.close();
  tokens.close();
}

/** Joins the cluster the `--nats` servers carry; the node republishes what its store holds of the last window. */
function joinCluster(
  options: CompanionOptions,
  stages: Stages,
  clock: () => number,
  port: number,
  log: { warn(obj: object, msg: string): void },
) {
  const longestWindow = Math.max(...options.windowsMs);
  return ClusterNode.start(
    {
      ...options,
      bands: stages.bands,
      servers: natsServers(options),
      node: options.natsNode || `${hostname()}-${port}`,
      partitions: options.natsPartitions,
      leaseMs: options.natsLeaseMs,
      ackWaitMs: options.natsAckWaitMs,
      startWaitMs: options.natsStartWaitMs,
    },
    stages.bus,
    {
      batches: () => stages.store.recentBatches(clock() - longestWindow),
      signals: () => stages.store.signalsSince(clock() - longestWindow),
    },
    clock,
    (reason) => log.warn({ waitMs: options.natsStartWaitMs }, reason),
  );
}

type Stages = ReturnType<typeof openStages>;

/** Opens the store and the tokens, builds the stages and rebuilds the live windows from what the store holds. */
function openStages(
  options: CompanionOptions,
  clock: () => number,
  log: GatewayDeps["log"] & { info(obj: object, msg: string): void },
) {
  const tokens = TokenStore.open(options.dataDir);
  if (!isLoopback(options.host) && !options.allowUnauthenticated && !tokens.authRequired()) {
    tokens.close();
    throw new StartError(
      "E_NO_TOKENS",
      `refusing to serve ${options.host} without tokens: anyone on the network could feed and read heatmaps.\n` +
        `Create one first (heatlens token create --role capture,view --data-dir ${options.dataDir}),\n` +
        "bind to 127.0.0.1, or pass --allow-unauthenticated if that is what you want.",
    );
  }
  const longestWindow = Math.max(...options.windowsMs);
  const store = new EventStore({
    dataDir: options.dataDir,
    retentionDays: options.retentionDays,
    maxStoreBytes: options.maxStoreBytes,
    liveMs: longestWindow,
    clock,
    onThreadLost: (thread, reason) =>
      thread === "commit"
        ? log.error({ reason }, "the store's commit thread died; batches are committed on the main thread from now on")
        : log.error(
            { reason },
            "the store's checkpoint thread died; commits copy the write-ahead log into the file from now on",
          ),
  });
  const grid = { cols: options.cols, bands: options.bandBreakpoints.join(",") };
  const recorded = store.recordedGrid(grid);
  if (recorded) {
    store.close();
    tokens.close();
    const flags = (g: typeof grid) => `--cols ${g.cols} --bands ${g.bands}`;
    throw new StartError(
      "E_GRID",
      `the points in ${options.dataDir} are binned on ${flags(recorded)}, not ${flags(grid)}: ` +
        "read on another grid they would show in the wrong places.\n" +
        `Start with ${flags(recorded)}, or give another --data-dir for the new grid.`,
    );
  }
  const snapshots = new SnapshotStore({
    dataDir: options.dataDir,
    perPage: options.snapshotsPerPage,
    total: options.maxSnapshots,
    clock,
  });
  const bands = bandsFromBreakpoints(options.bandBreakpoints);
  const normalise = createPathNormaliser({ templates: options.templates, keepQuery: options.keepQuery });
  const bus = new InProcessBus<Topics>();
  // In a cluster the grids viewers see come from each key's owner: this node's own windows (its live keys, for
  // the key budget and its pages) take its points but publish no grid.
  const windowBus = options.nats.length > 0 ? new InProcessBus<Topics>() : bus;
  if (windowBus !== bus) {
    bus.subscribe("points", (message) => windowBus.publish("points", message));
    bus.subscribe("signals", (message) => windowBus.publish("signals", message));
  }
  const windows = new WindowStage(windowBus, { ...options, bands, now: clock() });
  const fanout = new Fanout(bus, options, clock);

  // So that a restart looks like nothing happened.
  const rebuildStarted = performance.now();
  const now = clock();
  let rebuilt = 0;
  for (const groups of store.recent(now - longestWindow)) {
    bus.publish("points", { client: "", groups });
    rebuilt++;
  }
  bus.publish("signals", { signals: store.signalsSince(now - longestWindow) });
  windows.tick(now);
  windows.clearArrivals();
  const rebuildMs = performance.now() - rebuildStarted;
  if (rebuilt) log.info({ batches: rebuilt, ms: Math.round(rebuildMs) }, "live windows rebuilt from the store");

  const gateway = new Gateway({
    options,
    bus,
    fanout,
    store,
    tokens,
    normalise,
    bands,
    keys: windows,
    clock,
    log,
    serverName: SERVER_NAME,
  });
  return { store, snapshots, tokens, bus, windows, fanout, gateway, rebuildMs, bands, normalise };
}
