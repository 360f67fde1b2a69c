/**
 * A companion as one node of a cluster on NATS JetStream (`--nats`).
 *
 * Each node takes websockets, dedups and stores batches as a lone companion
 * does, and publishes their pane deltas (publisher.ts). The partitions of the
 * key space are owned one node each, by leases in a JetStream key-value
 * bucket: a node renews its own, and takes free ones up to its fair share of
 * the live nodes; a lease not renewed expires, and another node takes the
 * partition and rebuilds its windows from the stream (partition.ts). A node
 * announces the views its viewers watch to each partition's owner, and hears
 * their grids on one subject per key, which it hands to its fan-out.
 */
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { ErrorCode, type Grid } from "../../../protocol/wire";
import type { Bus } from "../bus/bus";
import type { Topics } from "../pipeline";
import type { LivePage, WindowStageOptions } from "../window/window-stage";
import { Partition } from "./partition";
import { type Backlog, PanePublisher } from "./publisher";
import {
  BUCKET,
  gridSubject,
  type InterestMessage,
  interestSubject,
  ownerSubject,
  PAGES_SUBJECT,
  paneSubject,
  partitionOf,
  querySubject,
  STREAM,
} from "./wire";

/** A node's answer on PAGES_SUBJECT: the live pages of each partition it owns and has read. */
interface PagesReply {
  node: string;
  partitions: [number, LivePage[]][];
}

export interface ClusterOptions extends Omit<WindowStageOptions, "now"> {
  /** NATS server URLs. */
  servers: string[];
  node: string;
  partitions: number;
  leaseMs: number;
  ackWaitMs: number;
  /** How long `start` tries again to reach NATS and set up its JetStream; 0: once. */
  startWaitMs: number;
}

/** Why a node could not join its cluster, with a stable code. */
export class ClusterError extends Error {
  readonly code = ErrorCode.cluster;
}

export class ClusterNode {
  readonly publisher: PanePublisher;
  private readonly owned = new Map<number, Partition>();
  /** Local watchers per view (`windowMs key`). */
  private readonly views = new Map<string, number>();
  /** Grid subscriptions by key, for the keys this node's viewers watch. */
  private readonly grids = new Map<string, Subscription>();
  private readonly subscriptions: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly closers: (() => void)[] = [];
  private readonly partitionSubscriptions = new Map<number, Subscription>();
  /** The last grid heard per locally watched view, for a viewer that joins it. */
  private readonly latest = new Map<string, Grid>();
  /** Partitions told of views watched here. */
  private readonly announced = new Set<number>();
  /**
   * Why this node cannot answer for the cluster now (NATS gone, or its
   * JetStream: a server that dropped it, a NATS cluster without a JetStream
   * leader, while the connection stays up), or null when it can. Away, its
   * own windows miss what the other nodes took meanwhile, and its leases and
   * the others' cannot be kept or moved: nothing it holds is the cluster's.
   * The one decision behind every cluster-wide answer.
   */
  private away: string | null = null;
  /** Counts disconnects and reconnects, so that only the latest reconnect's rejoin goes on. */
  private rejoins = 0;
  private leasing = false;
  /** Numbers lease rounds: only the current one changes what this node holds. */
  private leaseRounds = 0;
  private closed = false;
  private liveNodes = 1;
  readonly counters = { gridsReceived: 0, partitionsTaken: 0, partitionsLost: 0 };

  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly bus: Bus<Topics>,
    private readonly options: ClusterOptions,
    backlog: Backlog,
    private readonly clock: () => number,
  ) {
    const js = jetstream(nc);
    this.publisher = new PanePublisher(js, backlog, {
      node: options.node,
      hopMs: options.hopMs,
      partitions: options.partitions,
      ackWaitMs: options.ackWaitMs,
      maxPayload: nc.info?.max_payload ?? 1024 * 1024,
    });
    this.subscriptions.push(
      // A partition's new owner asks for the views watched in it.
      nc.subscribe(ownerSubject("*"), {
        callback: (_error, message) => {
          const p = Number(message.subject.slice(message.subject.lastIndexOf(".") + 1));
          if (this.announced.has(p)) this.announce(p);
        },
      }),
    );
    this.followStatus().catch(() => undefined);
    // Every node answers for the partitions it owns: a page list gathers them all.
    this.subscriptions.push(
      nc.subscribe(PAGES_SUBJECT, {
        callback: (_error, message) => {
          // A partition just taken over is left out until its stream is read: the asker waits for it.
          const partitions: PagesReply["partitions"] = [];
          for (const [p, partition] of this.owned) if (partition.ready) partitions.push([p, partition.stage.pages()]);
          message.respond(JSON.stringify({ node: options.node, partitions } satisfies PagesReply));
        },
      }),
    );
    const unsubscribe = bus.subscribe("interest", ({ key, windowMs, watching }) => this.watch(key, windowMs, watching));
    this.closers.push(unsubscribe);
    const round = Math.max(100, Math.floor(options.leaseMs / 3));
    this.timers.push(
      setInterval(() => void this.lease(), round),
      setInterval(() => {
        for (let p = 0; p < options.partitions; p++) this.announce(p);
      }, round),
    );
  }

  /**
   * Connects, makes sure the stream and the bucket exist, and takes a first
   * share of the partitions. A NATS server still starting, or one whose
   * JetStream does not answer yet (busy making its store, a NATS cluster
   * electing its leader), is tried again until `startWaitMs` has passed; a
   * cluster that refuses this node's settings is not.
   */
  static async start(
    options: ClusterOptions,
    bus: Bus<Topics>,
    backlog: Backlog,
    clock: () => number,
    onWait: (reason: string) => void = () => undefined,
  ): Promise<ClusterNode> {
    const servers = options.servers.join(", ");
    const deadline = Date.now() + options.startWaitMs;
    const nc = await tryUntil(deadline, `cannot reach NATS at ${servers}`, onWait, () =>
      connect({
        servers: options.servers,
        name: `heatlens ${options.node}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      }),
    );
    try {
      const kv = await tryUntil(deadline, `cannot set up JetStream on ${servers}`, onWait, async () => {
        const made = await prepare(nc, options);
        await agreeOnPartitions(made, options.partitions);
        await agreeOnLease(made, options.leaseMs);
        return made;
      });
      await refuseLiveName(kv, options);
      const node = new ClusterNode(nc, kv, bus, options, backlog, clock);
      await node.lease();
      return node;
    } catch (error) {
      await nc.close().catch(() => undefined);
      if (error instanceof ClusterError) throw error;
      // The connection lost between the set-up and the first lease: still a refusal with its code, not a crash.
      throw new ClusterError(`cannot set up JetStream on ${servers}: ${(error as Error).message}`);
    }
  }

  /** While NATS is away, batches are acked on the store alone. */
  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.rejoins++;
        this.away = `NATS at ${this.options.servers.join(", ")} is unreachable`;
        this.publisher.offline(true);
      } else if (status.type === "reconnect") void this.rejoin();
    }
  }

  /**
   * Back on NATS, or on its JetStream after a lease round failed while
   * connected: the server may have kept nothing (no file store, JetStream
   * turned off and on) or its JetStream may answer only later (a NATS cluster
   * electing its leader). The stream and the bucket are made again if
   * missing, tried each lease round until JetStream answers, and only then is
   * the node connected again and its store's backlog published.
   */
  private async rejoin(): Promise<void> {
    const rejoin = ++this.rejoins;
    const round = Math.max(100, Math.floor(this.options.leaseMs / 3));
    // A later disconnect or reconnect supersedes this attempt.
    while (!this.closed && rejoin === this.rejoins) {
      try {
        await prepare(this.nc, this.options);
      } catch {
        if (rejoin !== this.rejoins) return;
        this.away = jetStreamAway(this.options);
        await new Promise((resolve) => setTimeout(resolve, round));
        continue;
      }
      if (rejoin !== this.rejoins) return;
      this.away = null;
      this.publisher.offline(false);
      return;
    }
  }

  /** Closes panes of the owned partitions. */
  tick(now: number): void {
    for (const partition of this.owned.values()) partition.tick(now);
  }

  /**
   * The grid of `key` in window `windowIndex`, from its partition's owner. A
   * partition between two owners (one gave it up, the next has not taken it)
   * has none for up to a lease round: asked again until one answers.
   */
  async snapshot(key: string, windowIndex: number): Promise<Grid> {
    const p = partitionOf(key, this.options.partitions);
    const deadline = Date.now() + 2 * this.options.leaseMs;
    for (;;) {
      const away = this.away;
      const local = this.owned.get(p);
      if (away !== null) {
        throw new ClusterError(
          local
            ? `${away}, so this node's windows of partition ${p} miss what the other nodes took meanwhile`
            : `${away}, so the owner of partition ${p} cannot be asked`,
        );
      }
      if (local?.ready) return local.stage.snapshot(key, windowIndex);
      if (local) {
        // Just taken over: its windows hold part of the stream until it is read.
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new ClusterError(
            `this node took partition ${p} over and has not read its stream within ${2 * this.options.leaseMs} ms`,
          );
        }
        await Promise.race([local.caughtUp, new Promise((resolve) => setTimeout(resolve, left))]);
        continue;
      }
      try {
        // No ask outlasts the deadline, so that the refusal's "within" is what was waited.
        const reply = await this.nc.request(querySubject(p), JSON.stringify({ key, windowIndex }), {
          timeout: Math.max(1, Math.min(this.options.leaseMs, deadline - Date.now())),
        });
        const grid = reply.json<Grid | { error: string }>();
        if ("error" in grid) throw new ClusterError(grid.error);
        return grid;
      } catch (error) {
        if (error instanceof ClusterError) throw error;
        // The client's error says only "timeout": say who could not be asked (an away node says why, above).
        if (Date.now() >= deadline && this.away === null) {
          throw new ClusterError(
            `the owner of partition ${p} did not answer within ${2 * this.options.leaseMs} ms (${(error as Error).message})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /**
   * Every partition's live pages, each from a node that owns it and has read
   * its stream. Asked of every node; while some partition has no such owner
   * (between owners, its owner stopped or reading), asked again for up to two
   * leases, then refused, naming the partitions missing.
   */
  async pages(): Promise<LivePage[]> {
    const { partitions, leaseMs } = this.options;
    const gathered = `so the live pages of the other nodes' partitions cannot be gathered`;
    const deadline = Date.now() + 2 * leaseMs;
    for (;;) {
      if (this.away !== null) throw new ClusterError(`${this.away}, ${gathered}`);
      const byPartition = new Map<number, LivePage[]>();
      const replies = await this.nc.requestMany(PAGES_SUBJECT, "", {
        strategy: "count",
        maxMessages: this.liveNodes,
        maxWait: Math.max(1, Math.min(leaseMs, deadline - Date.now())),
      });
      for await (const reply of replies) {
        for (const [p, pages] of reply.json<PagesReply>().partitions) byPartition.set(p, pages);
      }
      // Gone away while asking: what came is not the cluster's whole list.
      if (this.away !== null) throw new ClusterError(`${this.away}, ${gathered}`);
      if (byPartition.size === partitions) return [...byPartition.values()].flat();
      if (Date.now() >= deadline) {
        const missing = Array.from({ length: partitions }, (_, p) => p).filter((p) => !byPartition.has(p));
        const one = missing.length === 1;
        // Named up to 16 (all of the default partitions), then counted.
        const named =
          missing.length > 16
            ? `${missing.slice(0, 16).join(", ")} and ${missing.length - 16} more`
            : missing.join(", ");
        throw new ClusterError(
          `no owner of partition${one ? "" : "s"} ${named} answered within ${2 * leaseMs} ms, so the live pages of ${one ? "that partition are" : "those partitions are"} missing`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What `/api/stats` shows of the cluster. */
  stats(): object {
    return {
      node: this.options.node,
      nodes: this.liveNodes,
      partitions: this.options.partitions,
      owned: [...this.owned.keys()].sort((a, b) => a - b),
      connected: this.away === null,
      published: this.publisher.counters,
      ...this.counters,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const close of this.closers) close();
    // The last round goes out; were it lost, its batches are in the store for the next start.
    await this.publisher.flush().catch(() => undefined);
    this.publisher.close();
    for (const [p, partition] of this.owned) {
      partition.close();
      // Handed over at once rather than when the lease runs out.
      await this.kv.delete(partKey(p)).catch(() => undefined);
    }
    this.owned.clear();
    for (const subscription of [...this.subscriptions, ...this.grids.values()]) subscription.unsubscribe();
    await this.kv.delete(nodeKey(this.options.node)).catch(() => undefined);
    await this.nc.drain().catch(() => undefined);
  }

  /**
   * One round of leases. A JetStream call can wait long for an answer that
   * does not come (JetStream turned off midway; a call's own timeout is 5 s, and
   * a key listing has none): a round that outlasts a lease has kept no lease,
   * and fails as a call that JetStream refused does. Let go, it changes
   * nothing if it resumes.
   */
  private async lease(): Promise<void> {
    if (this.leasing || this.closed) return;
    this.leasing = true;
    const round = ++this.leaseRounds;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.leaseRound(() => round === this.leaseRounds && !this.closed),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the lease round outlasted a lease")), this.options.leaseMs);
        }),
      ]);
    } catch {
      // NATS or its JetStream unreachable: leases run out and are retaken when it answers. Still connected, JetStream
      // went away alone (turned off, a NATS cluster without its leader) and may come back without the stream and the
      // bucket: the node rejoins as after a reconnect.
      if (this.away === null && !this.closed) {
        this.away = jetStreamAway(this.options);
        this.publisher.offline(true);
        void this.rejoin();
      }
    } finally {
      clearTimeout(timer);
      // What is left of this round, if it was let go, is no longer the current round.
      this.leaseRounds++;
      this.leasing = false;
    }
  }

  /** Stays known, keeps what is held, takes or gives partitions toward a fair share; stops once not `current`. */
  private async leaseRound(current: () => boolean): Promise<void> {
    const { node, partitions } = this.options;
    await Promise.all([
      this.kv.put(nodeKey(node), String(this.clock())),
      this.kv.put(CONFIG_KEY, clusterConfig(partitions)),
    ]);
    const nodes = new Set<string>();
    for await (const key of await this.kv.keys("node.*")) nodes.add(key);
    if (!current()) return;
    this.liveNodes = Math.max(1, nodes.size);
    const share = Math.ceil(partitions / this.liveNodes);
    // Every partition's lease at once, and every renewal: a round is one or two round trips to NATS, whatever the
    // number of partitions (a partition at a time, 1,024 of them outlasted a 3 s lease).
    const entries = await Promise.all(Array.from({ length: partitions }, (_, p) => this.kv.get(partKey(p))));
    if (!current()) return;
    const free: number[] = [];
    const renewals: Promise<void>[] = [];
    for (const [p, entry] of entries.entries()) {
      const holder = entry && entry.operation === "PUT" ? entry.string() : null;
      const mine = this.owned.get(p);
      if (mine && holder === node && entry) {
        renewals.push(
          this.kv.update(partKey(p), node, entry.revision).then(
            () => undefined,
            (error: unknown) => {
              // Only a lease taken meanwhile is lost; a renewal JetStream did not answer fails the round (the
              // node is away, and keeps what it holds until JetStream answers again).
              if (!takenMeanwhile(error)) throw error;
              if (current()) this.lose(p);
            },
          ),
        );
      } else if (mine) this.lose(p);
      else if (holder === null) free.push(p);
    }
    await Promise.all(renewals);
    if (!current()) return;
    // Over the share (a node joined): a sixteenth of the partitions at most go back per round (one of the default 16),
    // so that ownership moves gradually, and 1,024 partitions within some seconds rather than minutes.
    const over = Math.min(this.owned.size - share, Math.ceil(partitions / 16));
    if (over > 0) {
      const given = [...this.owned.keys()].slice(-over);
      for (const p of given) this.lose(p);
      await Promise.all(given.map((p) => this.kv.delete(partKey(p)).catch(() => undefined)));
    }
    // Free partitions up to the share, as many at once as the share lacks; one another node created first is passed.
    while (free.length > 0 && this.owned.size < share && current()) {
      const tried = free.splice(0, share - this.owned.size);
      const created = await Promise.all(
        tried.map((p) =>
          this.kv.create(partKey(p), node).then(
            () => p,
            () => null,
          ),
        ),
      );
      if (!current()) return;
      for (const p of created) if (p !== null) this.take(p);
    }
  }

  /**
   * Owns partition `p` from now, and starts reading its stream (not waited
   * for: the round goes on renewing). A partition whose stream cannot be read
   * is given back for another node to take.
   */
  private take(p: number): void {
    const js = jetstream(this.nc);
    const partition = new Partition(p, this.nc, js, this.options, this.clock);
    this.owned.set(p, partition);
    this.counters.partitionsTaken++;
    const interest = this.nc.subscribe(interestSubject(p), {
      callback: (_error, message) => partition.interestOf(message.json<InterestMessage>()),
    });
    this.partitionSubscriptions.set(p, interest);
    partition.start().then(
      () => this.nc.publish(ownerSubject(p), this.options.node),
      () => {
        if (this.owned.get(p) !== partition) return;
        this.lose(p);
        void this.kv.delete(partKey(p)).catch(() => undefined);
      },
    );
  }

  private lose(p: number): void {
    this.owned.get(p)?.close();
    this.owned.delete(p);
    this.partitionSubscriptions.get(p)?.unsubscribe();
    this.partitionSubscriptions.delete(p);
    this.counters.partitionsLost++;
  }

  /** A local viewer starts or stops watching a view; a second one gets the view's last grid at once. */
  private watch(key: string, windowMs: number, watching: boolean): void {
    const view = `${windowMs} ${key}`;
    const n = (this.views.get(view) ?? 0) + (watching ? 1 : -1);
    if (n > 0) this.views.set(view, n);
    else {
      this.views.delete(view);
      this.latest.delete(view);
    }
    const keyWatched = [...this.views.keys()].some((v) => v.slice(v.indexOf(" ") + 1) === key);
    if (keyWatched && !this.grids.has(key)) {
      this.grids.set(
        key,
        this.nc.subscribe(gridSubject(key), {
          callback: (_error, message) => {
            const grid = message.json<Grid>();
            this.counters.gridsReceived++;
            const heard = `${grid.windowMs} ${key}`;
            if (this.views.has(heard)) this.latest.set(heard, grid);
            this.bus.publish("grid", grid);
          },
        }),
      );
    } else if (!keyWatched) {
      this.grids.get(key)?.unsubscribe();
      this.grids.delete(key);
    }
    const last = this.latest.get(view);
    if (watching && last) this.bus.publish("grid", last);
    this.announce(partitionOf(key, this.options.partitions));
  }

  /** Tells partition `p`'s owner every view watched here, and once that none is when the last goes. */
  private announce(p: number): void {
    if (this.closed || this.nc.isClosed()) return;
    const views: [string, number][] = [];
    for (const view of this.views.keys()) {
      const space = view.indexOf(" ");
      const key = view.slice(space + 1);
      if (partitionOf(key, this.options.partitions) === p) views.push([key, Number(view.slice(0, space))]);
    }
    if (views.length === 0) {
      if (!this.announced.delete(p)) return;
    } else this.announced.add(p);
    const message: InterestMessage = { node: this.options.node, views };
    this.nc.publish(interestSubject(p), JSON.stringify(message));
  }
}

/** Pause between two tries of a node's start. */
const START_RETRY_MS = 250;

/**
 * `attempt` until it succeeds, tried again on failure while `deadline` is
 * ahead; a ClusterError (a refusal, not an absence) ends it at once. The last
 * failure is the reason given, after `what`.
 */
async function tryUntil<T>(
  deadline: number,
  what: string,
  onWait: (reason: string) => void,
  attempt: () => Promise<T>,
): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ClusterError) throw error;
      const reason = (error as Error).message;
      const left = deadline - Date.now();
      if (left <= 0) throw new ClusterError(`${what}: ${reason}${tries > 1 ? ` (${tries} tries)` : ""}`);
      if (tries === 1) onWait(`${what} yet (${reason}): trying again`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(START_RETRY_MS, left)));
    }
  }
}

const CONFIG_KEY = "config.partitions";
const jetStreamAway = (options: ClusterOptions): string =>
  `NATS at ${options.servers.join(", ")} answers but its JetStream does not`;
const partKey = (p: number): string => `part.${p}`;
const nodeKey = (node: string): string => `node.${node.replace(/[^A-Za-z0-9_-]/g, "_")}`;

/** The pane stream and the leases' bucket, made if missing. */
async function prepare(nc: NatsConnection, options: ClusterOptions): Promise<KV> {
  await ensureStream(await jetstreamManager(nc), Math.max(...options.windowsMs));
  return new Kvm(nc).create(BUCKET, { ttl: options.leaseMs, history: 1 });
}

/** The pane stream keeps the longest window and a minute more: what a new owner reads to rebuild. */
async function ensureStream(jsm: JetStreamManager, longestWindowMs: number): Promise<void> {
  const maxAge = (longestWindowMs + 60_000) * 1_000_000;
  const config = {
    name: STREAM,
    subjects: [paneSubject("*")],
    max_age: maxAge,
    duplicate_window: Math.min(maxAge, 120_000 * 1_000_000),
  };
  try {
    const info = await jsm.streams.info(STREAM);
    if (info.config.max_age < maxAge) await jsm.streams.update(STREAM, { ...info.config, max_age: maxAge });
  } catch {
    await jsm.streams.add(config);
  }
}

/**
 * What every node of a cluster must agree on: its partitions, and the form of
 * a page key's cells in pane deltas (point cells, protocol/anchor.ts). Nodes
 * of releases before point cells put the partitions alone, a bare number
 * (and read this as none: they refuse it too).
 */
function clusterConfig(partitions: number): string {
  return JSON.stringify({ partitions, cells: "point" });
}

/** The configuration another node put, as far as it can be read: a bare number from an earlier release. */
function parsedConfig(text: string): number | { partitions?: unknown; cells?: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "number" || (typeof value === "object" && value !== null) ? value : null;
  } catch {
    return null;
  }
}

/** Every node of a cluster cuts keys into the same partitions, and sends page cells in one form. */
async function agreeOnPartitions(kv: KV, partitions: number): Promise<void> {
  // The bucket's entries expire: every node puts it again in each lease round, so it lasts while a node lives.
  const entry = await kv.get(CONFIG_KEY);
  if (entry?.operation === "PUT") {
    const agreed = parsedConfig(entry.string());
    if (typeof agreed === "number") {
      throw new ClusterError(
        "a node of an earlier release is live in this cluster, whose pane deltas hold page cells of another form: run one release on every node",
      );
    }
    if (agreed?.cells !== "point" || !Number.isInteger(agreed.partitions)) {
      throw new ClusterError(
        `a node of another release is live in this cluster (its configuration: ${entry.string().slice(0, 80)}): run one release on every node`,
      );
    }
    if (agreed.partitions !== partitions) {
      throw new ClusterError(
        `this cluster cuts keys into ${agreed.partitions} partitions, not ${partitions}: start every node with --nats-partitions ${agreed.partitions}`,
      );
    }
  }
  await kv.put(CONFIG_KEY, clusterConfig(partitions));
}

/**
 * Refuses the name of a node that lives: two nodes of one name would hold
 * the same leases, each taking the other's partitions for its own. A live
 * node puts its name's entry again every lease round (a third of a lease);
 * an entry left by one that died (a restart after kill -9) is not put again
 * within a round and a half, and its name is taken over.
 */
async function refuseLiveName(kv: KV, options: ClusterOptions): Promise<void> {
  const key = nodeKey(options.node);
  const before = await kv.get(key);
  if (before?.operation !== "PUT") return;
  const round = Math.max(100, Math.floor(options.leaseMs / 3));
  await new Promise((resolve) => setTimeout(resolve, round * 1.5));
  const after = await kv.get(key);
  if (after?.operation === "PUT" && after.revision !== before.revision) {
    throw new ClusterError(
      `a node named ${options.node} is live in this cluster: give each node its own --nats-node (the default is this host's name and port)`,
    );
  }
}

/** Every node of a cluster renews leases that last as long as the bucket keeps them (its TTL, set by the node that made it). */
async function agreeOnLease(kv: KV, leaseMs: number): Promise<void> {
  // A node with a longer lease renews less often than the bucket forgets, and loses its partitions between renewals;
  // one with a shorter lease gives up on an owner (after two of its leases) before the bucket frees its partitions.
  const { ttl } = await kv.status();
  if (ttl !== leaseMs) {
    throw new ClusterError(
      `this cluster's leases last ${ttl} ms, not ${leaseMs}: start every node with --nats-lease ${ttl}ms`,
    );
  }
}

/** Whether a lease's renewal failed because its revision moved on: another node took it, or it ran out. */
function takenMeanwhile(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
