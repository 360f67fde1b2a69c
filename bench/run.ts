/**
 * `npm run bench`: every benchmark in one run, side by side where a ratio is
 * reported. Prints a table and, as its last line, `BENCH {json}`.
 */

import { availableParallelism } from "node:os";
import { freePort } from "../tests/support/free-port";
import { ANCHORS_PER_PAGE, benchAggregator, benchAnchored, benchKeys, HOP, WINDOWS } from "./aggregator";
import { benchCluster } from "./cluster";
import { benchFanout } from "./fanout";
import { benchHistory } from "./history";
import { benchHoverToPaint, buildForBrowserBenches, type HoverToPaint } from "./hover-to-paint";
import { benchAnchorMemory, benchMemory } from "./memory";
import { benchPageCost } from "./page-cost";
import { benchRestart } from "./restart";
import { benchSignalToBadge, type SignalToBadge } from "./signal-to-badge";
import {
  benchIngest,
  benchIngestVsBare,
  benchLatency,
  benchTagged,
  type FrameCpu,
  type IngestResult,
  type SaturationResult,
} from "./sockets";
import { benchStore } from "./store";

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rows: [string, string][] = [];
const row = (name: string, value: string) => {
  rows.push([name, value]);
  console.log(`${name.padEnd(62)} ${value}`);
};

console.log(`Heatlens benchmarks: windows ${WINDOWS.map((w) => `${w / 1000} s`).join(", ")}; hop ${HOP} ms.\n`);

const agg = benchAggregator();
row("naive per-window aggregator, events/s (same events)", fmt(agg.naiveEventsPerSec));
row("pane ring, events/s (same events)", fmt(agg.paneSameEventsPerSec));
row("pane ring vs naive", `${fmt(agg.paneVsNaive, 1)}×`);
for (const [pages, rate] of agg.byPages) row(`pane ring, 4M events, ${pages} pages × 10 tabs, events/s`, fmt(rate));
const [keys1k, keys10k] = [benchKeys(1000), benchKeys(10_000)];
// The same with a hundred of the keys watched: their live grids read after every hop.
const WATCHED = 100;
const [watched1k, watched10k] = [benchKeys(1000, WATCHED), benchKeys(10_000, WATCHED)];
for (const k of [keys1k, keys10k, watched1k, watched10k]) {
  const watching = k.watched > 0 ? `, ${fmt(k.watched)} of them watched (live grid read every hop)` : "";
  row(
    `pane ring, 4M events, ${fmt(k.keys)} live keys × 10 tabs${watching}, median of ${k.rounds} rounds: events/s (lowest–highest), bytes per key`,
    `${fmt(k.eventsPerSec)} (${fmt(k.range[0])}–${fmt(k.range[1])})  ${fmt(k.bytesPerKey)}`,
  );
}

const anchored = benchAnchored();
row(`window stage, ${anchored.pages} pages × 10 tabs, page grid only, events/s`, fmt(anchored.pageOnlyEventsPerSec));
row(
  `window stage, the same with every point anchored (${ANCHORS_PER_PAGE} anchors a page), events/s`,
  fmt(anchored.anchoredEventsPerSec),
);

const memory = benchMemory();
row("memory per active key (10 tabs, 5 min), bytes", fmt(memory.bytesPerKey));
const anchorMemory = benchAnchorMemory();
row("window stage memory per page key, page grid only, bytes", fmt(anchorMemory.pageOnlyBytesPerKey));
row(
  `the same with its anchors (${fmt(anchorMemory.anchorsPerKey, 1)} a page, all points anchored), bytes`,
  fmt(anchorMemory.anchoredBytesPerKey),
);

// Raise the offered load until the companion falls behind or its loop stalls.
let ingest: IngestResult | null = null;
for (const rate of [250_000, 400_000, 550_000, 700_000]) {
  const run = await benchIngest(rate);
  // The first step is reported even when it is not sustained, so that the line says by how much.
  ingest ??= run;
  row(
    `ingest, 200 clients, offered ${fmt(run.offeredEventsPerSec)}/s: taken/s, loop p99`,
    `${fmt(run.ingestEventsPerSec)}  ${fmt(run.loopDelayP99Ms, 1)} ms`,
  );
  if (run.ingestEventsPerSec < run.offeredEventsPerSec * 0.97 || run.loopDelayP99Ms >= 50) break;
  ingest = run;
}

// The same closed-loop clients against a bare `ws` server (parse and ack) and the companion (commit, then ack).
const saturation = [await benchIngestVsBare(20), await benchIngestVsBare(200)];
for (const s of saturation) {
  row(
    `ingest at saturation, ${s.connections} connections, median of ${s.rounds} rounds: companion, bare ws, ratio (lowest–highest), companion loop p99`,
    `${fmt(s.companionEventsPerSec)}  ${fmt(s.bareEventsPerSec)}  ${fmt(s.ingestVsBareWs, 2)} (${fmt(s.ratioRange[0], 2)}–${fmt(s.ratioRange[1], 2)})  ${fmt(s.companionLoopDelayP99Ms, 1)} ms`,
  );
  const { companionCpuPerFrameUs: c, bareCpuPerFrameUs: b } = s;
  row(
    `  CPU per frame of 100 points, µs: companion main + other threads, bare ws; the clients' with each`,
    `${fmt(c.main)} + ${fmt(c.others)}  ${fmt(b.main + b.others)};  ${fmt(c.clients)}  ${fmt(b.clients)}`,
  );
  // Of the machine's cores, how many the run kept busy (server and clients): short of them, the wait is elsewhere.
  const busy = (cpu: FrameCpu, eventsPerSec: number) =>
    ((cpu.main + cpu.others + cpu.clients) * eventsPerSec) / 100 / 1e6;
  row(
    `  cores busy, of ${availableParallelism()}: companion's run, bare ws's run`,
    `${fmt(busy(c, s.companionEventsPerSec), 2)}  ${fmt(busy(b, s.bareEventsPerSec), 2)}`,
  );
  // A shared host gives a guest's cores to others at times: a run that lost more of them went slower for it.
  row(
    "  of the machine's CPU time, stolen by other guests: companion's run, bare ws's run",
    `${fmt(100 * s.companionSteal, 1)} %  ${fmt(100 * s.bareSteal, 1)} %`,
  );
}

const store = await benchStore();
row(
  "store alone, 200 clients × 4 unacked: batches/s, CPU per batch µs (this thread + others)",
  `${fmt(store.batchesPerSec)}  ${fmt(store.mainUsPerBatch, 1)} + ${fmt(store.othersUsPerBatch, 1)}`,
);

const tagged = await benchTagged(20);
row(
  "ingest at saturation, 20 connections, plain vs anchors + build label + signals: events/s, RSS",
  `${fmt(tagged.plainEventsPerSec)}  ${fmt(tagged.taggedEventsPerSec)}  ${fmt(tagged.plainRssBytes / 2 ** 20)} MiB  ${fmt(tagged.taggedRssBytes / 2 ** 20)} MiB`,
);

const latency = await benchLatency();
row(
  `arrival → viewer, at ${fmt(latency.offeredEventsPerSec)} events/s: p50, p99 (${latency.probes} probes)`,
  `${fmt(latency.e2eP50Ms, 1)} ms  ${fmt(latency.e2eP99Ms, 1)} ms`,
);

const cluster = await benchCluster();
row(
  `cluster, ${cluster.nodes} nodes on NATS JetStream, ${cluster.activeKeys} active keys: points/s, broker messages/s (bound ${fmt(cluster.messageBoundPerSec)}), points per message, bytes per point`,
  `${fmt(cluster.pointsPerSec)}  ${fmt(cluster.brokerMessagesPerSec)}  ${fmt(cluster.pointsPerMessage)}  ${fmt(cluster.brokerBytesPerPoint, 1)}`,
);

const fanout = await benchFanout();
row("one update to 100 viewers, per viewer, µs", fmt(fanout.emitMicrosPerSubscriber, 2));

const history = await benchHistory();
row(`history: a day of a busy page (${fmt(history.points)} points), query ms`, fmt(history.historyDayQueryMs, 1));

const restart = await benchRestart();
row(`restart after kill -9 to live (${fmt(restart.rebuiltPoints)} points rebuilt), ms`, fmt(restart.restartToLiveMs));

const pageCost = await benchPageCost();
row(
  `tracker: script added per mousemove received, 1,000 Hz input (${fmt(pageCost.trackerMovesPerSec)}/s received), µs`,
  fmt(pageCost.trackerMicrosPerEvent, 2),
);
row("tracker: layouts added per mousemove", fmt(pageCost.trackerLayoutsPerEvent, 3));
row(
  `tracker: the same, one move per frame (${fmt(pageCost.trackerFrameMovesPerSec)}/s), µs`,
  fmt(pageCost.trackerMicrosPerFrameMove, 2),
);
row(
  `anchor per sample on a ${fmt(pageCost.anchorPageElements)}-element shop (${fmt(pageCost.anchoredShare * 100)} % anchored): cached, after a DOM change, first sight, µs`,
  `${fmt(pageCost.anchorCachedMicros, 1)}  ${fmt(pageCost.anchorColdMicros, 1)}  ${fmt(pageCost.anchorFirstMicros, 1)}`,
);
row(
  "anchor per sample on that shop with a ticking clock (text and class every 100 ms), µs",
  fmt(pageCost.anchorClockMicros, 1),
);
row(
  `anchor per sample on a deep ${fmt(pageCost.deepPageElements)}-element page of utility classes (${fmt(pageCost.deepAnchoredShare * 100)} % anchored): cached, after a DOM change, first sight, µs`,
  `${fmt(pageCost.deepCachedMicros, 1)}  ${fmt(pageCost.deepColdMicros, 1)}  ${fmt(pageCost.deepFirstMicros, 1)}`,
);
row(
  "anchor per mousemove (4 samples/s, after a DOM change each): 1,000 Hz, one per frame, µs",
  `${fmt(pageCost.anchorMicrosPerEvent, 2)}  ${fmt(pageCost.anchorMicrosPerFrameMove, 2)}`,
);
row("overlay: paint one update, 50 columns over 20,000 px (tiles), ms", fmt(pageCost.overlayPaintMs, 2));
row("overlay: the same in smooth heat, ms", fmt(pageCost.overlaySmoothPaintMs, 2));
row(
  "overlay: long tasks (> 50 ms) in a 4 s update storm, longest ms",
  `${pageCost.longTasks}  ${fmt(pageCost.longestTaskMs, 1)}`,
);

// Hover in tab A to heat on tab B's pixels, in each browser; the companion runs in this process.
const hoverPort = await freePort();
buildForBrowserBenches(hoverPort);
const hovers: HoverToPaint[] = [];
for (const browser of ["chromium", "firefox"] as const) {
  const h = await benchHoverToPaint(browser, hoverPort);
  hovers.push(h);
  row(
    `hover in tab A → heat on tab B's pixels, ${browser} (${h.trials - h.missed} of ${h.trials} seen): p50, p99`,
    `${fmt(h.p50Ms)} ms  ${fmt(h.p99Ms)} ms`,
  );
  const leg = (ms: number | null) => (ms === null ? "—" : `${fmt(ms)} ms`);
  row(
    `  medians: hover → batch sent, sent → counted (stored), counted → fan-out, fan-out → paint (± ${fmt(h.shotMs)} ms shot)`,
    `${leg(h.pageToSentMs)}  ${leg(h.sentToCountedMs)}  ${leg(h.countedToFanoutMs)}  ${leg(h.fanoutToPaintMs)}`,
  );
}
const [chromiumHover, firefoxHover] = hovers as [HoverToPaint, HoverToPaint];

// A rage, dead or error click in tab A to its badge on tab B's pixels, with the same build, port and set-up.
const SIGNAL_TRIGGERS = {
  rage: "rage (3 clicks 100 ms apart), from the third click",
  dead: "dead click (known only after its 1 s without a reaction, included)",
  error: "error click (the button throws)",
} as const;
const signalRuns: SignalToBadge[] = [];
for (const browser of ["chromium", "firefox"] as const) {
  const s = await benchSignalToBadge(browser, hoverPort);
  signalRuns.push(s);
  for (const k of s.kinds) {
    row(
      `${SIGNAL_TRIGGERS[k.kind]} in tab A → its badge on tab B's pixels, ${browser} (${k.trials - k.missed} of ${k.trials} seen): p50, p95`,
      `${fmt(k.p50Ms)} ms  ${fmt(k.p95Ms)} ms`,
    );
    row(
      `  medians: click → batch sent, → stored, stored → fan-out, fan-out → paint (± ${fmt(s.shotMs)} ms shot)`,
      `${k.clickToSentMs === null ? "—" : `${fmt(k.clickToSentMs)} ms`}  ${fmt(k.clickToStoredMs)} ms  ${fmt(k.storedToFanoutMs)} ms  ${fmt(k.fanoutToPaintMs)} ms`,
    );
  }
}
const signalKinds = signalRuns.flatMap((s) => s.kinds);
/** The worst of both browsers for `kind`'s `figure`. */
const worstSignal = (kind: keyof typeof SIGNAL_TRIGGERS, figure: "p50Ms" | "p95Ms") =>
  round(Math.max(...signalKinds.filter((k) => k.kind === kind).map((k) => k[figure])));

const result = {
  paneVsNaive: round(agg.paneVsNaive, 1),
  aggEventsPerSec: round(agg.aggEventsPerSec),
  aggEventsPerSec1k: round(keys1k.eventsPerSec),
  aggEventsPerSec10k: round(keys10k.eventsPerSec),
  aggEventsPerSec1kWatched: round(watched1k.eventsPerSec),
  aggEventsPerSec10kWatched: round(watched10k.eventsPerSec),
  bytesPerKey1k: round(keys1k.bytesPerKey),
  bytesPerKey10k: round(keys10k.bytesPerKey),
  bytesPerKey1kWatched: round(watched1k.bytesPerKey),
  ingestEventsPerSec: round(ingest?.ingestEventsPerSec ?? 0),
  loopDelayP99Ms: round(ingest?.loopDelayP99Ms ?? Number.NaN, 1),
  ingestVsBareWs: round(Math.min(...saturation.map((s) => s.ingestVsBareWs)), 2),
  ingestVsBareWs20: round((saturation[0] as SaturationResult).ingestVsBareWs, 2),
  ingestVsBareWs200: round((saturation[1] as SaturationResult).ingestVsBareWs, 2),
  ingestStealPct: round(100 * Math.max(...saturation.flatMap((s) => [s.companionSteal, s.bareSteal])), 1),
  storeBatchesPerSec: round(store.batchesPerSec),
  storeCpuPerBatchUs: round(store.mainUsPerBatch + store.othersUsPerBatch, 1),
  companionCpuPerFrameUs200: round(
    (saturation[1] as SaturationResult).companionCpuPerFrameUs.main +
      (saturation[1] as SaturationResult).companionCpuPerFrameUs.others,
  ),
  bareCpuPerFrameUs200: round(
    (saturation[1] as SaturationResult).bareCpuPerFrameUs.main +
      (saturation[1] as SaturationResult).bareCpuPerFrameUs.others,
  ),
  taggedEventsPerSec: round(tagged.taggedEventsPerSec),
  taggedVsPlain: round(tagged.taggedEventsPerSec / tagged.plainEventsPerSec, 2),
  taggedRssMiB: round(tagged.taggedRssBytes / 2 ** 20),
  clusterPointsPerSec: round(cluster.pointsPerSec),
  clusterBrokerMessagesPerSec: round(cluster.brokerMessagesPerSec),
  clusterMessageBoundPerSec: cluster.messageBoundPerSec,
  clusterPointsPerMessage: round(cluster.pointsPerMessage),
  clusterBrokerBytesPerPoint: round(cluster.brokerBytesPerPoint, 1),
  e2eP50Ms: round(latency.e2eP50Ms, 1),
  e2eP99Ms: round(latency.e2eP99Ms, 1),
  bytesPerKey: round(memory.bytesPerKey),
  stagePageOnlyEventsPerSec: round(anchored.pageOnlyEventsPerSec),
  stageAnchoredEventsPerSec: round(anchored.anchoredEventsPerSec),
  stagePageOnlyBytesPerKey: round(anchorMemory.pageOnlyBytesPerKey),
  anchoredBytesPerKey: round(anchorMemory.anchoredBytesPerKey),
  anchorsPerKey: round(anchorMemory.anchorsPerKey, 1),
  emitMicrosPerSubscriber: round(fanout.emitMicrosPerSubscriber, 2),
  historyDayQueryMs: round(history.historyDayQueryMs, 1),
  restartToLiveMs: round(restart.restartToLiveMs),
  trackerMicrosPerEvent: round(pageCost.trackerMicrosPerEvent, 2),
  trackerMicrosPerFrameMove: round(pageCost.trackerMicrosPerFrameMove, 2),
  anchorCachedMicros: round(pageCost.anchorCachedMicros, 1),
  anchorColdMicros: round(pageCost.anchorColdMicros, 1),
  anchorFirstMicros: round(pageCost.anchorFirstMicros, 1),
  anchorClockMicros: round(pageCost.anchorClockMicros, 1),
  deepCachedMicros: round(pageCost.deepCachedMicros, 1),
  deepColdMicros: round(pageCost.deepColdMicros, 1),
  deepFirstMicros: round(pageCost.deepFirstMicros, 1),
  anchorMicrosPerEvent: round(pageCost.anchorMicrosPerEvent, 2),
  overlayPaintMs: round(pageCost.overlayPaintMs, 2),
  overlaySmoothPaintMs: round(pageCost.overlaySmoothPaintMs, 2),
  overlayLongTasks: pageCost.longTasks,
  hoverToPaintP50Ms: round(chromiumHover.p50Ms),
  hoverToPaintP99Ms: round(chromiumHover.p99Ms),
  hoverToPaintFirefoxP50Ms: round(firefoxHover.p50Ms),
  hoverToPaintFirefoxP99Ms: round(firefoxHover.p99Ms),
  hoverToSentMs: chromiumHover.pageToSentMs,
  hoverSentToCountedMs: chromiumHover.sentToCountedMs,
  hoverToCountedMs: round(chromiumHover.hoverToCountedMs),
  hoverToCountedFirefoxMs: round(firefoxHover.hoverToCountedMs),
  hoverCountedToFanoutMs: round(chromiumHover.countedToFanoutMs),
  hoverFanoutToPaintMs: round(chromiumHover.fanoutToPaintMs),
  hoverFanoutToPaintFirefoxMs: round(firefoxHover.fanoutToPaintMs),
  hoverMissed: chromiumHover.missed + firefoxHover.missed,
  signalBadgeP95Ms: round(Math.max(...signalKinds.map((k) => k.p95Ms))),
  signalBadgeRageP50Ms: worstSignal("rage", "p50Ms"),
  signalBadgeRageP95Ms: worstSignal("rage", "p95Ms"),
  signalBadgeDeadP50Ms: worstSignal("dead", "p50Ms"),
  signalBadgeDeadP95Ms: worstSignal("dead", "p95Ms"),
  signalBadgeErrorP50Ms: worstSignal("error", "p50Ms"),
  signalBadgeErrorP95Ms: worstSignal("error", "p95Ms"),
  signalBadgeMissed: signalKinds.reduce((sum, k) => sum + k.missed, 0),
};
console.log(`\nBENCH ${JSON.stringify(result)}`);
