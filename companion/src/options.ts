/**
 * Every option of the companion, with its default. The CLI (`heatlens --help`)
 * and the README's reference are generated from this one table.
 */
import { DEFAULT_BAND_BREAKPOINTS } from "../../protocol/grid";

export interface CompanionOptions {
  host: string;
  port: number;
  dataDir: string;
  /** Allow a non-loopback host without tokens. */
  allowUnauthenticated: boolean;
  /** PEM files; with both, the companion serves https and wss only. */
  tlsCert: string;
  tlsKey: string;
  retentionDays: number;
  maxStoreBytes: number;
  cols: number;
  hopMs: number;
  windowsMs: number[];
  defaultWindowMs: number;
  bandBreakpoints: number[];
  maxRows: number;
  templates: string[];
  keepQuery: string[];
  maxFrameBytes: number;
  maxFragments: number;
  maxPointsPerBatch: number;
  maxEventsPerSecond: number;
  rateBurstSeconds: number;
  maxKeys: number;
  maxKeysPerClient: number;
  maxSubscriptionsPerConnection: number;
  maxSubscribersPerKey: number;
  maxConnections: number;
  maxConnectionsPerToken: number;
  maxViewerBufferBytes: number;
  helloTimeoutMs: number;
  heartbeatMs: number;
  /** Extra websocket origins to accept besides browser extensions, e.g. a dashboard's. */
  allowOrigins: string[];
  demo: boolean;
  logLevel: string;
}

export interface OptionSpec {
  key: keyof CompanionOptions;
  flag: string;
  description: string;
  kind: "string" | "int" | "list" | "intList" | "durationList" | "duration" | "boolean";
}

export const DEFAULTS: CompanionOptions = {
  host: "127.0.0.1",
  port: 8787,
  dataDir: ".heatlens",
  allowUnauthenticated: false,
  tlsCert: "",
  tlsKey: "",
  retentionDays: 30,
  maxStoreBytes: 10 * 1024 ** 3,
  cols: 50,
  hopMs: 250,
  windowsMs: [10_000, 60_000, 300_000],
  defaultWindowMs: 300_000,
  bandBreakpoints: [...DEFAULT_BAND_BREAKPOINTS],
  maxRows: 4000,
  templates: [],
  keepQuery: [],
  maxFrameBytes: 256 * 1024,
  maxFragments: 1024,
  maxPointsPerBatch: 10_000,
  maxEventsPerSecond: 2000,
  rateBurstSeconds: 60,
  maxKeys: 10_000,
  maxKeysPerClient: 1000,
  maxSubscriptionsPerConnection: 100,
  maxSubscribersPerKey: 1000,
  maxConnections: 1000,
  maxConnectionsPerToken: 20,
  maxViewerBufferBytes: 1024 * 1024,
  helloTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  allowOrigins: [],
  demo: true,
  logLevel: "info",
};

export const OPTION_SPECS: OptionSpec[] = [
  {
    key: "host",
    flag: "--host <address>",
    kind: "string",
    description: "address to bind; a non-loopback address serves the LAN",
  },
  { key: "port", flag: "--port <n>", kind: "int", description: "port for HTTP and websockets" },
  {
    key: "dataDir",
    flag: "--data-dir <dir>",
    kind: "string",
    description: "directory for the companion's files (created if missing)",
  },
  {
    key: "allowUnauthenticated",
    flag: "--allow-unauthenticated",
    kind: "boolean",
    description: "serve a non-loopback address without tokens (anyone on the network may feed and watch)",
  },
  {
    key: "cols",
    flag: "--cols <n>",
    kind: "int",
    description: "grid columns across the layout width (tiles are square)",
  },
  { key: "hopMs", flag: "--hop <duration>", kind: "duration", description: "hop (pane length) of the hopping windows" },
  {
    key: "windowsMs",
    flag: "--windows <durations>",
    kind: "durationList",
    description: "window lengths served, each a multiple of the hop",
  },
  {
    key: "defaultWindowMs",
    flag: "--default-window <duration>",
    kind: "duration",
    description: "window sent to viewers that do not choose one",
  },
  {
    key: "bandBreakpoints",
    flag: "--bands <widths>",
    kind: "intList",
    description: "layout widths (CSS px) where a new width band starts",
  },
  {
    key: "maxRows",
    flag: "--max-rows <n>",
    kind: "int",
    description: "rows kept per page; points further down are rejected",
  },
  {
    key: "templates",
    flag: "--template <pattern...>",
    kind: "list",
    description: "path templates such as /product/:id or /docs/*",
  },
  {
    key: "keepQuery",
    flag: "--keep-query <names...>",
    kind: "list",
    description: "query parameters kept in page keys (all are dropped by default)",
  },
  {
    key: "maxFrameBytes",
    flag: "--max-frame-bytes <n>",
    kind: "int",
    description: "largest websocket message accepted (close 1009 above it)",
  },
  {
    key: "maxPointsPerBatch",
    flag: "--max-points-per-batch <n>",
    kind: "int",
    description: "largest batch accepted, in points",
  },
  {
    key: "maxEventsPerSecond",
    flag: "--max-events-per-second <n>",
    kind: "int",
    description: "sustained points per second per client",
  },
  {
    key: "rateBurstSeconds",
    flag: "--rate-burst-seconds <n>",
    kind: "int",
    description: "seconds of the sustained rate a client may send at once (replaying an outbox)",
  },
  { key: "maxKeys", flag: "--max-keys <n>", kind: "int", description: "live page keys in total" },
  {
    key: "maxKeysPerClient",
    flag: "--max-keys-per-client <n>",
    kind: "int",
    description: "live page keys one client may create",
  },
  {
    key: "maxSubscriptionsPerConnection",
    flag: "--max-subscriptions <n>",
    kind: "int",
    description: "grids one connection may watch at once",
  },
  {
    key: "maxSubscribersPerKey",
    flag: "--max-subscribers-per-key <n>",
    kind: "int",
    description: "viewers of one page's window",
  },
  { key: "maxConnections", flag: "--max-connections <n>", kind: "int", description: "websocket connections at once" },
  {
    key: "maxViewerBufferBytes",
    flag: "--max-viewer-buffer-bytes <n>",
    kind: "int",
    description: "unsent bytes after which a slow viewer skips to the latest grid",
  },
  {
    key: "helloTimeoutMs",
    flag: "--hello-timeout <duration>",
    kind: "duration",
    description: "time a new connection has to say hello",
  },
  {
    key: "heartbeatMs",
    flag: "--heartbeat <duration>",
    kind: "duration",
    description: "ping interval; a connection silent for two is closed",
  },
  {
    key: "allowOrigins",
    flag: "--allow-origin <origins...>",
    kind: "list",
    description: "web origins allowed to open websockets (extensions are always allowed)",
  },
  { key: "demo", flag: "--no-demo", kind: "boolean", description: "do not serve the demo shop at /demo/" },
  {
    key: "logLevel",
    flag: "--log-level <level>",
    kind: "string",
    description: "fatal, error, warn, info, debug or silent",
  },
];

/** Checks relations between options; returns the problems found. */
export function validateOptions(o: CompanionOptions): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) problems.push("--port must be 0-65535");
  if (o.cols < 1 || o.cols > 1000) problems.push("--cols must be 1-1000");
  if (o.hopMs < 10) problems.push("--hop must be at least 10ms");
  for (const w of o.windowsMs) {
    if (w % o.hopMs !== 0 || w < o.hopMs) problems.push(`window ${w}ms is not a multiple of the ${o.hopMs}ms hop`);
  }
  // Cells are packed below 2^23 in the store's history.
  if (o.maxRows * o.cols * 2 >= 2 ** 23) problems.push("--max-rows × --cols must stay below 4,194,304");
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) problems.push("--tls-cert and --tls-key go together");
  if (!o.windowsMs.includes(o.defaultWindowMs)) problems.push("--default-window must be one of --windows");
  for (const key of [
    "maxRows",
    "retentionDays",
    "maxStoreBytes",
    "maxFrameBytes",
    "maxFragments",
    "maxPointsPerBatch",
    "maxEventsPerSecond",
    "rateBurstSeconds",
    "maxKeys",
    "maxKeysPerClient",
    "maxSubscriptionsPerConnection",
    "maxSubscribersPerKey",
    "maxConnections",
    "maxConnectionsPerToken",
    "maxViewerBufferBytes",
    "helloTimeoutMs",
    "heartbeatMs",
  ] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 1) problems.push(`${key} must be a positive integer`);
  }
  return problems;
}
