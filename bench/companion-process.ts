/**
 * A companion in its own process for the socket benchmarks, so that the
 * simulated clients do not share its event loop. Over IPC: `{port}` when it
 * listens; on "reset" it restarts its event-loop delay histogram, on "report"
 * it sends the histogram's figures and its counters.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { startCompanion } from "../companion/src/server";
import { tempDataDir } from "../tests/support/temp-dir";

const companion = await startCompanion({
  port: 0,
  dataDir: tempDataDir("bench"),
  logLevel: "silent",
  maxEventsPerSecond: 1_000_000,
  maxConnections: 10_000,
  // The simulated clients all connect from 127.0.0.1 at once; a team's come from many addresses.
  maxPendingPerAddress: 10_000,
});
let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  void companion.close().then(() => process.exit(0));
}
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
process.on("message", (message) => {
  if (message === "reset") delay.reset();
  if (message === "report") {
    process.send?.({
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      loopDelayMaxMs: delay.max / 1e6,
      points: companion.gateway.counters.points,
      rssBytes: process.memoryUsage().rss,
    });
  }
  if (message === "stop") stop();
});
// The benchmark that forked it is gone (killed by a signal): stop too, which removes the data directory.
process.once("disconnect", stop);
process.send?.({ port: companion.port });
