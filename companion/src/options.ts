/**
 * Every option of the companion, defined once: its flag, kind, default, bounds
 * and description. The options type, the CLI (`heatlens --help`), the README's
 * and PROTOCOL.md's option references and the range checks are all derived
 * from this one table, so an option cannot exist in one place and not another.
 */
import { DEFAULT_BAND_BREAKPOINTS } from "../../protocol/grid";
import { DEFAULT_SIGNAL_RULES } from "../../protocol/signals";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "silent"] as const;

interface Kinds {
  string: string;
  /** A whole number, within `min`..`max`. */
  int: number;
  /** A size in bytes: `262144`, `256KiB`, `1MiB`, `10GiB`. */
  bytes: number;
  /** A duration in ms: `250ms`, `10s`, `5m`, `1h` or plain ms. */
  duration: number;
  durationList: number[];
  intList: number[];
  /** Repeatable: `--template a b` or `--template a --template b`. */
  list: string[];
  boolean: boolean;
  /** One of `choices`. */
  choice: string;
}
type Kind = keyof Kinds;

interface Spec<K extends Kind = Kind> {
  flag: string;
  kind: K;
  default: Kinds[K];
  description: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
  /** Not listed in PROTOCOL.md's limits (not a limit of the wire protocol). */
  local?: true;
}

/** `spec(kind, …)` keeps each entry's default typed by its kind. */
function spec<K extends Kind>(kind: K, s: Omit<Spec<K>, "kind">): Spec<K> {
  return { kind, ...s };
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const OPTIONS = {
  host: spec("string", {
    flag: "--host <address>",
    default: "127.0.0.1",
    description: "address to bind; a non-loopback address serves the LAN and needs tokens",
    local: true,
  }),
  port: spec("int", {
    flag: "--port <n>",
    default: 8787,
    min: 0,
    max: 65535,
    description: "port for HTTP and websockets (0: any free port)",
    local: true,
  }),
  dataDir: spec("string", {
    flag: "--data-dir <dir>",
    default: ".heatlens",
    description: "directory for the companion's files (created private if missing)",
    local: true,
  }),
  allowUnauthenticated: spec("boolean", {
    flag: "--allow-unauthenticated",
    default: false,
    description: "serve a non-loopback address without tokens (anyone on the network may feed and watch)",
    local: true,
  }),
  allowHosts: spec("list", {
    flag: "--allow-host <names...>",
    default: [],
    description:
      "host names the companion answers to besides loopback names, IP addresses and this machine's name (refuses DNS rebinding)",
  }),
  tlsCert: spec("string", {
    flag: "--tls-cert <file>",
    default: "",
    description: "PEM certificate; with --tls-key the companion serves https and wss only",
    local: true,
  }),
  tlsKey: spec("string", {
    flag: "--tls-key <file>",
    default: "",
    description: "PEM private key for --tls-cert",
    local: true,
  }),
  retentionDays: spec("int", {
    flag: "--retention-days <n>",
    default: 30,
    min: 1,
    max: 36_500,
    description: "days of history kept",
    local: true,
  }),
  maxStoreBytes: spec("bytes", {
    flag: "--max-store-bytes <size>",
    default: 10 * GiB,
    min: 64 * KiB,
    description: "largest size of the database; past it batches are refused with E_STORAGE",
  }),
  cols: spec("int", {
    flag: "--cols <n>",
    default: 50,
    min: 1,
    max: 1000,
    description:
      "grid columns across the layout width (tiles are square); a data directory keeps the one it started on",
  }),
  hopMs: spec("duration", {
    flag: "--hop <duration>",
    default: 250,
    min: 10,
    max: 60_000,
    description: "hop (pane length) of the hopping windows",
  }),
  windowsMs: spec("durationList", {
    flag: "--windows <durations>",
    default: [10_000, 60_000, 300_000],
    min: 10,
    max: 24 * 3_600_000,
    description: "window lengths served, comma-separated, each a multiple of the hop",
  }),
  viewRefreshMs: spec("duration", {
    flag: "--view-refresh <duration>",
    default: 2000,
    min: 10,
    max: 60_000,
    description:
      "a watched grid that has not changed is sent again after this long, so a viewer can tell a live view from a stalled one",
  }),
  livePushMs: spec("duration", {
    flag: "--live-push <duration>",
    default: 100,
    min: 10,
    max: 60_000,
    description:
      "a watched grid is sent as soon as points change it, then at most once per this long until the next hop (bounds grids per watched page per second)",
  }),
  defaultWindowMs: spec("duration", {
    flag: "--default-window <duration>",
    default: 300_000,
    description: "window sent to viewers that do not choose one (one of --windows)",
  }),
  bandBreakpoints: spec("intList", {
    flag: "--bands <widths>",
    default: [...DEFAULT_BAND_BREAKPOINTS],
    min: 1,
    max: 100_000,
    description:
      "layout widths (CSS px) where a new width band starts, comma-separated; a data directory keeps the ones it started on",
  }),
  maxRows: spec("int", {
    flag: "--max-rows <n>",
    default: 4000,
    min: 1,
    description: "rows kept per page; points further down heat only their element",
  }),
  maxSnapshotBytes: spec("bytes", {
    flag: "--max-snapshot-bytes <size>",
    default: 8 * MiB,
    min: 1 * KiB,
    max: 256 * MiB,
    description: "largest snapshot (PNG) accepted by POST /api/snapshots (413 E_TOO_BIG above it)",
  }),
  snapshotsPerPage: spec("int", {
    flag: "--snapshots-per-page <n>",
    default: 20,
    min: 1,
    max: 10_000,
    description: "snapshots kept per page (site and path, all bands); a new one past it drops the oldest",
  }),
  maxSnapshots: spec("int", {
    flag: "--max-snapshots <n>",
    default: 1000,
    min: 1,
    max: 1_000_000,
    description:
      "snapshots kept in all (with --max-snapshot-bytes, a bound on their disk space); a new one past it drops the oldest",
  }),
  templates: spec("list", {
    flag: "--template <patterns...>",
    default: [],
    description: "path templates such as /product/:id or /docs/*",
  }),
  keepQuery: spec("list", {
    flag: "--keep-query <names...>",
    default: [],
    description: "query parameters kept in page keys (all are dropped by default)",
  }),
  rageClicks: spec("int", {
    flag: "--rage-clicks <n>",
    default: DEFAULT_SIGNAL_RULES.rageClicks,
    min: 2,
    max: 20,
    description: "clicks on one element, none with a reaction, that make a rage click (told to every browser)",
  }),
  rageMs: spec("duration", {
    flag: "--rage-window <duration>",
    default: DEFAULT_SIGNAL_RULES.rageMs,
    min: 100,
    max: 10_000,
    description: "time the clicks of a rage click fall within",
  }),
  ragePx: spec("int", {
    flag: "--rage-distance <px>",
    default: DEFAULT_SIGNAL_RULES.ragePx,
    min: 1,
    max: 1000,
    description: "distance (CSS px) the clicks of a rage click stay within",
  }),
  deadMs: spec("duration", {
    flag: "--dead-after <duration>",
    default: DEFAULT_SIGNAL_RULES.deadMs,
    min: 100,
    max: 10_000,
    description: "time without a reaction after which a click on a control is dead",
  }),
  errorMs: spec("duration", {
    flag: "--error-within <duration>",
    default: DEFAULT_SIGNAL_RULES.errorMs,
    min: 100,
    max: 10_000,
    description: "time after a click within which an uncaught error makes it an error click",
  }),
  maxFrameBytes: spec("bytes", {
    flag: "--max-frame-bytes <size>",
    default: 256 * KiB,
    min: 1 * KiB,
    max: 1 * GiB,
    description: "largest websocket message accepted (close 1009 above it)",
  }),
  maxFragments: spec("int", {
    flag: "--max-fragments <n>",
    default: 1024,
    min: 1,
    description: "fragments one websocket message may be split into (close 1008 above it)",
  }),
  maxPointsPerBatch: spec("int", {
    flag: "--max-points-per-batch <n>",
    default: 10_000,
    min: 1,
    description: "largest batch accepted, in points",
  }),
  maxEventsPerSecond: spec("int", {
    flag: "--max-events-per-second <n>",
    default: 2000,
    min: 1,
    description: "sustained points per second per client",
  }),
  rateBurstSeconds: spec("int", {
    flag: "--rate-burst-seconds <n>",
    default: 60,
    min: 1,
    description: "seconds of the sustained rate a client may send at once (replaying an outbox)",
  }),
  maxKeys: spec("int", { flag: "--max-keys <n>", default: 10_000, min: 1, description: "live page keys in total" }),
  maxAnchors: spec("int", {
    flag: "--max-anchors <n>",
    default: 200,
    min: 1,
    max: 10_000,
    description: "anchors (elements) kept per page key; a new one at a full page evicts the coldest",
  }),
  maxControls: spec("int", {
    flag: "--max-controls <n>",
    default: 1000,
    min: 1,
    max: 10_000,
    description: "controls kept per page key for coverage; a longer inventory keeps its first n and says it was cut",
  }),
  maxTagsPerPage: spec("int", {
    flag: "--max-tags-per-page <n>",
    default: 100,
    min: 1,
    max: 100_000,
    description:
      "build labels, and testers, whose history is kept apart per page key; points under more are kept untagged and counted",
  }),
  maxSignals: spec("int", {
    flag: "--max-signals <n>",
    default: 10_000,
    min: 1,
    max: 1_000_000,
    description: "rage, dead and error clicks kept per page key; past it the oldest are dropped",
  }),
  maxKeysPerClient: spec("int", {
    flag: "--max-keys-per-client <n>",
    default: 1000,
    min: 1,
    description: "live page keys one client may create",
  }),
  maxSubscriptionsPerConnection: spec("int", {
    flag: "--max-subscriptions <n>",
    default: 100,
    min: 1,
    description: "grids one connection may watch at once",
  }),
  maxSubscribersPerKey: spec("int", {
    flag: "--max-subscribers-per-key <n>",
    default: 1000,
    min: 1,
    description: "viewers of one page's window",
  }),
  maxConnections: spec("int", {
    flag: "--max-connections <n>",
    default: 1000,
    min: 1,
    description: "websocket connections at once, counting those that have not said hello yet",
  }),
  maxConnectionsPerToken: spec("int", {
    flag: "--max-connections-per-token <n>",
    default: 20,
    min: 1,
    description: "websocket connections at once with one token",
  }),
  maxPendingPerAddress: spec("int", {
    flag: "--max-pending-per-address <n>",
    default: 32,
    min: 1,
    description:
      "connections from one address still sending their request headers or not yet past hello; more are closed",
  }),
  headersTimeoutMs: spec("duration", {
    flag: "--headers-timeout <duration>",
    default: 10_000,
    min: 100,
    description: "time a connection has to send its request headers",
  }),
  maxViewerBufferBytes: spec("bytes", {
    flag: "--max-viewer-buffer-bytes <size>",
    default: 1 * MiB,
    min: 1 * KiB,
    description: "unsent bytes after which a slow viewer skips to the latest grid",
  }),
  maxReplyBufferBytes: spec("bytes", {
    flag: "--max-reply-buffer-bytes <size>",
    default: 4 * MiB,
    min: 2 * KiB,
    description: "unsent bytes after which a connection that does not read its replies is closed (1008 E_BACKPRESSURE)",
  }),
  helloTimeoutMs: spec("duration", {
    flag: "--hello-timeout <duration>",
    default: 10_000,
    min: 10,
    description: "time a new connection has to say hello",
  }),
  heartbeatMs: spec("duration", {
    flag: "--heartbeat <duration>",
    default: 30_000,
    min: 10,
    description: "ping interval; a connection silent for two is closed",
  }),
  allowOrigins: spec("list", {
    flag: "--allow-origin <origins...>",
    default: [],
    description: "web origins allowed to open websockets (extensions are always allowed)",
  }),
  demo: spec("boolean", {
    flag: "--no-demo",
    default: true,
    description: "do not serve the demo shop at /demo/",
    local: true,
  }),
  nats: spec("list", {
    flag: "--nats <urls...>",
    default: [],
    description:
      "run as one node of a cluster: the NATS servers (with JetStream) that carry pane deltas between the nodes; none: a lone companion",
    local: true,
  }),
  natsNode: spec("string", {
    flag: "--nats-node <name>",
    default: "",
    description: "this node's name in its cluster, unique there (none: the host name and the port)",
    local: true,
  }),
  natsPartitions: spec("int", {
    flag: "--nats-partitions <n>",
    default: 16,
    min: 1,
    max: 1024,
    description: "partitions a cluster cuts page keys into, each owned by one node at a time (the same on every node)",
    local: true,
  }),
  natsLeaseMs: spec("duration", {
    flag: "--nats-lease <duration>",
    default: 3000,
    min: 300,
    max: 60_000,
    description:
      "a partition whose owner has not renewed it for this long goes to another node (the same on every node)",
    local: true,
  }),
  natsAckWaitMs: spec("duration", {
    flag: "--nats-ack-wait <duration>",
    default: 2000,
    min: 50,
    max: 60_000,
    description:
      "longest an ack waits for JetStream to take the batch's pane delta; past it the batch is acked on the local store and republished later",
    local: true,
  }),
  natsStartWaitMs: spec("duration", {
    flag: "--nats-start-wait <duration>",
    default: 30_000,
    min: 0,
    max: 600_000,
    description:
      "longest a node waits at start for NATS and its JetStream to answer (a server still starting, a JetStream without a leader yet); past it heatlens exits with code 2",
    local: true,
  }),
  logLevel: spec("choice", {
    flag: "--log-level <level>",
    default: "info",
    choices: LOG_LEVELS,
    description: `log level: ${LOG_LEVELS.join(", ")}`,
    local: true,
  }),
} as const satisfies Record<string, Spec>;

export type OptionName = keyof typeof OPTIONS;
export type CompanionOptions = { [N in OptionName]: Kinds[(typeof OPTIONS)[N]["kind"]] };
export type OptionSpec = Spec & { name: OptionName };

/** The table as a list, in its order. */
export const OPTION_SPECS: readonly OptionSpec[] = (Object.keys(OPTIONS) as OptionName[]).map((name) => ({
  name,
  ...(OPTIONS[name] as Spec),
}));

export const DEFAULTS: CompanionOptions = Object.fromEntries(
  OPTION_SPECS.map((s) => [s.name, structuredClone(s.default)]),
) as CompanionOptions;

/** The option's flag without its argument, e.g. `--max-rows`. */
export function flagName(spec: Pick<Spec, "flag">): string {
  return spec.flag.split(" ")[0] as string;
}

// ---------------------------------------------------------------- parsing and display

/** Parses `10s`, `5m`, `250ms`, `1h` or plain milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`not a duration: ${text} (try 250ms, 10s, 5m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "ms") as "ms"];
  return Math.round(Number(match[1]) * unit);
}

/** Parses `262144`, `256KiB`, `1MiB`, `10GiB` (KB, MB, GB are the same binary units). */
export function parseBytes(text: string): number {
  const match = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB|K|M|G)?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text} (try 262144, 256KiB, 1MiB)`);
  const unit = (match[2] ?? "B").toUpperCase()[0] as "B" | "K" | "M" | "G";
  return Number(match[1]) * { B: 1, K: KiB, M: MiB, G: GiB }[unit];
}

export function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`not a whole number: ${text}`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`too large: ${text}`);
  return n;
}

/** Turns an option's command-line text into its value; throws with a readable reason. */
export function parseValue(spec: Spec, text: string): unknown {
  const list = (parse: (t: string) => number) =>
    text
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean)
      .map(parse);
  switch (spec.kind) {
    case "int":
      return parseInteger(text);
    case "bytes":
      return parseBytes(text);
    case "duration":
      return parseDuration(text);
    case "durationList":
      return list(parseDuration);
    case "intList":
      return list(parseInteger);
    default:
      return text;
  }
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

function formatBytes(n: number): string {
  for (const [unit, size] of [
    ["GiB", GiB],
    ["MiB", MiB],
    ["KiB", KiB],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size}${unit}`;
  }
  return String(n);
}

/** An option's default as written on the command line, or undefined for a switch. */
export function formatDefault(spec: Spec): string | undefined {
  const value = spec.default as unknown;
  switch (spec.kind) {
    case "boolean":
      return undefined;
    case "duration":
      return formatDuration(value as number);
    case "bytes":
      return formatBytes(value as number);
    case "durationList":
      return (value as number[]).map(formatDuration).join(",");
    default:
      if (Array.isArray(value)) return value.length ? value.join(",") : "none";
      return value === "" ? "none" : String(value);
  }
}

// ---------------------------------------------------------------- checks

/** Checks each option's range and the relations between options; returns the problems found. */
export function validateOptions(o: CompanionOptions): string[] {
  const problems: string[] = [];
  /** Options whose own value is refused: no measure for the relations below. */
  const refused = new Set<OptionName>();
  for (const s of OPTION_SPECS) {
    const before = problems.length;
    const flag = flagName(s);
    const value = o[s.name] as unknown;
    const numbers = typeof value === "number" ? [value] : Array.isArray(value) && s.kind !== "list" ? value : [];
    for (const n of numbers as number[]) {
      if (!Number.isSafeInteger(n)) problems.push(`${flag} must be a whole number, not ${n}`);
      else if (s.min !== undefined && n < s.min) problems.push(`${flag} must be at least ${s.min}, not ${n}`);
      else if (s.max !== undefined && n > s.max) problems.push(`${flag} must be at most ${s.max}, not ${n}`);
    }
    if (s.choices && !s.choices.includes(value as string)) {
      problems.push(`${flag} must be one of ${s.choices.join(", ")}, not ${String(value)}`);
    }
    if ((s.kind === "durationList" || s.kind === "intList") && (value as number[]).length === 0) {
      problems.push(`${flag} needs at least one value`);
    }
    if (problems.length > before) refused.add(s.name);
  }
  for (const w of refused.has("hopMs") ? [] : o.windowsMs) {
    if (w % o.hopMs !== 0) problems.push(`window ${w}ms is not a multiple of the ${o.hopMs}ms hop`);
  }
  if (new Set(o.windowsMs).size !== o.windowsMs.length) problems.push("--windows must not repeat a length");
  if (new Set(o.bandBreakpoints).size !== o.bandBreakpoints.length) problems.push("--bands must not repeat a width");
  // Cells are packed below 2^23 in the store's history.
  if (o.maxRows * o.cols * 2 >= 2 ** 23) problems.push("--max-rows × --cols must stay below 4,194,304");
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) problems.push("--tls-cert and --tls-key go together");
  if (!o.windowsMs.includes(o.defaultWindowMs)) problems.push("--default-window must be one of --windows");
  if (o.maxReplyBufferBytes <= o.maxViewerBufferBytes) {
    problems.push("--max-reply-buffer-bytes must be larger than --max-viewer-buffer-bytes (slow viewers skip first)");
  }
  for (const origin of o.allowOrigins) {
    if (!/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(origin)) {
      problems.push(`--allow-origin takes origins like https://dash.example, not ${origin}`);
    }
  }
  for (const template of o.templates) {
    if (!template.startsWith("/")) problems.push(`--template patterns start with /, not ${template}`);
  }
  // Else the NATS client would try its default server, one not named.
  if (o.nats.length > 0 && natsServers(o).length === 0) {
    problems.push("--nats needs at least one server URL, such as nats://127.0.0.1:4222");
  }
  return problems;
}

/** The NATS servers `--nats` names, comma-separated or repeated. */
export function natsServers(o: Pick<CompanionOptions, "nats">): string[] {
  return o.nats
    .flatMap((urls) => urls.split(","))
    .map((url) => url.trim())
    .filter(Boolean);
}
