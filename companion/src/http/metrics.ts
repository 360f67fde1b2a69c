/**
 * `/metrics` in the Prometheus text format (prom-client): the companion's
 * counters and gauges, read at scrape time, plus Node's process metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { GatewayCounters } from "../gateway/gateway";
import type { EventStore } from "../store/event-store";
import type { AddCounts } from "../window/hopping-heatmap";

export interface MetricSources {
  gateway: GatewayCounters;
  arrivals: AddCounts;
  store: EventStore["counters"];
  connections: () => number;
  viewers: () => number;
  liveKeys: () => number;
  storageFailing: () => boolean;
  commitThread: () => boolean;
  checkpointThread: () => boolean;
  skippedViewerUpdates: () => number;
  evictedAnchors: () => number;
}

/** A counter that reports a running total kept elsewhere. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  const counter = new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > reported) counter.inc(now - reported);
      reported = now;
    },
  });
}

export function createMetrics(sources: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "heatlens_" });
  const { gateway, arrivals, store } = sources;
  mirroredCounter(registry, "heatlens_batches_total", "Batches accepted and stored.", () => gateway.batches);
  mirroredCounter(registry, "heatlens_points_total", "Points accepted and stored.", () => gateway.points);
  mirroredCounter(registry, "heatlens_clicks_total", "Clicks among the points.", () => gateway.clicks);
  mirroredCounter(
    registry,
    "heatlens_points_off_grid_total",
    "Points off their page's grid (past the layout width, or below --max-rows): kept for their element alone.",
    () => gateway.offGrid,
  );
  mirroredCounter(
    registry,
    "heatlens_duplicate_batches_total",
    "Resent batches counted once.",
    () => gateway.duplicates,
  );
  mirroredCounter(registry, "heatlens_rejected_batches_total", "Batches refused with a nack.", () => gateway.rejected);
  mirroredCounter(
    registry,
    "heatlens_closed_for_errors_total",
    "Connections closed for bad input.",
    () => gateway.closedForErrors,
  );
  mirroredCounter(
    registry,
    "heatlens_points_on_time_total",
    "Points that arrived before their pane closed.",
    () => arrivals.open,
  );
  mirroredCounter(
    registry,
    "heatlens_points_late_total",
    "Points that arrived after their pane closed, inside a window.",
    () => arrivals.late,
  );
  mirroredCounter(
    registry,
    "heatlens_points_too_old_total",
    "Points older than every live window (history only).",
    () => arrivals.tooOld,
  );
  mirroredCounter(
    registry,
    "heatlens_store_commits_total",
    "Transactions the store committed, each of one or more batches.",
    () => store.commits,
  );
  mirroredCounter(
    registry,
    "heatlens_store_failed_commits_total",
    "Commits the store could not make.",
    () => store.failedCommits,
  );
  mirroredCounter(
    registry,
    "heatlens_viewer_updates_skipped_total",
    "Grid updates skipped for slow viewers.",
    sources.skippedViewerUpdates,
  );
  mirroredCounter(
    registry,
    "heatlens_anchors_evicted_total",
    "Anchors dropped (coldest first) from pages that reached --max-anchors.",
    sources.evictedAnchors,
  );
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge("heatlens_connections", "Open websocket connections.", sources.connections);
  gauge("heatlens_viewers", "Viewer subscriptions.", sources.viewers);
  gauge("heatlens_live_keys", "Pages (with width band) in the live windows.", sources.liveKeys);
  gauge("heatlens_storage_failing", "1 while the store cannot commit.", () => (sources.storageFailing() ? 1 : 0));
  gauge(
    "heatlens_store_commit_thread",
    "1 while batches are committed on the store's own thread; 0 while it starts or after it died (on the main thread).",
    () => (sources.commitThread() ? 1 : 0),
  );
  gauge(
    "heatlens_store_checkpoint_thread",
    "1 while the write-ahead log is copied into the file on the store's own thread; 0 while it starts, or after it or the commit thread died (each commit then checkpoints).",
    () => (sources.checkpointThread() ? 1 : 0),
  );
  return registry;
}
