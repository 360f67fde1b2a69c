/**
 * The extension's durable outbox, in IndexedDB (via idb). Samples from the
 * tracker (points with their anchors, and scroll marks) are written as they arrive, keyed by their id so that a resent one
 * is stored once; a flush moves them, in one transaction, into a numbered
 * batch; a batch leaves the outbox only when the companion acknowledges it.
 * The client id and the next sequence number live in the same database, so
 * a number is never reused for this client id, across service-worker and
 * browser restarts. It does not send anything: the link does.
 *
 * Bounded: past `maxPoints` samples (scroll marks count as points here) the
 * oldest batches are evicted, and counted, so a long time offline keeps the
 * newest data.
 *
 * Samples and batches stored before pages were keyed by site (database
 * version 1) have no origin and cannot be keyed honestly: opening the
 * database drops them once, counted as `unkeyedPoints`, which the popup shows.
 */
import { type DBSchema, type IDBPDatabase, type IDBPTransaction, openDB } from "idb";
import type { Sample } from "../../protocol/messages";
import type { PagePoints } from "../../protocol/wire";
import { Batcher } from "./batcher";

export interface StoredBatch {
  seq: number;
  pages: PagePoints[];
  points: number;
}

export interface OutboxState {
  clientId: string;
  nextSeq: number;
  /** Points in stored batches. */
  points: number;
  /** Batches and points evicted because the outbox was full. */
  evictedBatches: number;
  evictedPoints: number;
  /** Samples ever taken in. */
  captured: number;
  /** Points dropped because they were captured before pages were keyed by site (no origin). */
  unkeyedPoints: number;
}

interface OutboxDb extends DBSchema {
  samples: { key: string; value: Sample };
  /** Ids of samples already batched, so that a late resend of one is ignored. */
  seen: { key: string; value: { id: string; t: number }; indexes: { t: number } };
  batches: { key: number; value: StoredBatch };
  meta: { key: "state"; value: OutboxState };
}

/** How long a batched sample's id is remembered: the tracker resends within seconds. */
const SEEN_MS = 3_600_000;

/** Default bound: 200,000 points, about 14 hours of one busy tab. */
export const DEFAULT_MAX_POINTS = 200_000;

export class Outbox {
  private constructor(
    private readonly db: IDBPDatabase<OutboxDb>,
    readonly maxPoints: number,
  ) {}

  static async open(name = "heatlens-outbox", maxPoints = DEFAULT_MAX_POINTS): Promise<Outbox> {
    const db = await openDB<OutboxDb>(name, 2, {
      async upgrade(database, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          database.createObjectStore("samples", { keyPath: "id" });
          database.createObjectStore("seen", { keyPath: "id" }).createIndex("t", "t");
          database.createObjectStore("batches", { keyPath: "seq" });
          database.createObjectStore("meta");
          return;
        }
        if (oldVersion < 2) await dropUnkeyed(tx);
      },
    });
    const outbox = new Outbox(db, maxPoints);
    await outbox.state();
    return outbox;
  }

  /** Stores one sample; storing the same id again changes nothing. */
  async addSample(sample: Sample): Promise<void> {
    const tx = this.db.transaction(["samples", "seen", "meta"], "readwrite");
    const known =
      (await tx.objectStore("samples").getKey(sample.id)) ?? (await tx.objectStore("seen").getKey(sample.id));
    if (known === undefined) {
      await tx.objectStore("samples").put(sample);
      const state = await tx.objectStore("meta").get("state");
      if (state) await tx.objectStore("meta").put({ ...state, captured: state.captured + 1 }, "state");
    }
    await tx.done;
  }

  /**
   * Moves every stored sample into new numbered batches (more than one when
   * they would pass the batcher's byte bound), evicting the oldest batches if
   * the bound is passed. Returns the new batches, oldest first (none when
   * there were no samples), and the sequence numbers evicted.
   */
  async flush(): Promise<{ batches: StoredBatch[]; evicted: number[] }> {
    const tx = this.db.transaction(["samples", "seen", "batches", "meta"], "readwrite");
    const samples = await tx.objectStore("samples").getAll();
    const state = (await tx.objectStore("meta").get("state")) as OutboxState;
    if (samples.length === 0) {
      await tx.done;
      return { batches: [], evicted: [] };
    }
    samples.sort((a, b) => a.t - b.t);
    const batcher = new Batcher();
    for (const sample of samples) batcher.add(sample);
    const batches: StoredBatch[] = batcher
      .take()
      .map(({ pages, samples: points }, i) => ({ seq: state.nextSeq + i, pages, points }));
    await tx.objectStore("samples").clear();
    const seen = tx.objectStore("seen");
    for (const { id, t } of samples) await seen.put({ id, t });
    const newest = samples.at(-1)?.t ?? 0;
    let old = await seen.index("t").openCursor(IDBKeyRange.upperBound(newest - SEEN_MS, true));
    while (old) {
      await old.delete();
      old = await old.continue();
    }
    for (const batch of batches) await tx.objectStore("batches").put(batch);
    const next = { ...state, nextSeq: state.nextSeq + batches.length, points: state.points + samples.length };
    const evicted: number[] = [];
    let cursor = await tx.objectStore("batches").openCursor();
    while (cursor && next.points > this.maxPoints && cursor.value.seq < state.nextSeq) {
      evicted.push(cursor.value.seq);
      next.points -= cursor.value.points;
      next.evictedBatches++;
      next.evictedPoints += cursor.value.points;
      await cursor.delete();
      cursor = await cursor.continue();
    }
    await tx.objectStore("meta").put(next, "state");
    await tx.done;
    return { batches, evicted };
  }

  /** Forgets a batch the companion acknowledged (or refused for good). */
  async remove(seq: number): Promise<void> {
    const tx = this.db.transaction(["batches", "meta"], "readwrite");
    const batch = await tx.objectStore("batches").get(seq);
    if (batch) {
      await tx.objectStore("batches").delete(seq);
      const state = (await tx.objectStore("meta").get("state")) as OutboxState;
      await tx.objectStore("meta").put({ ...state, points: state.points - batch.points }, "state");
    }
    await tx.done;
  }

  /** Stored batches, oldest first. */
  async batches(): Promise<StoredBatch[]> {
    return this.db.getAll("batches");
  }

  async pendingSamples(): Promise<number> {
    return this.db.count("samples");
  }

  /** The outbox's state, created on first use with a new client id. */
  async state(): Promise<OutboxState> {
    const tx = this.db.transaction("meta", "readwrite");
    let state = await tx.store.get("state");
    if (!state) {
      state = {
        clientId: crypto.randomUUID(),
        nextSeq: 0,
        points: 0,
        evictedBatches: 0,
        evictedPoints: 0,
        captured: 0,
        unkeyedPoints: 0,
      };
      await tx.store.put(state, "state");
    }
    await tx.done;
    return { ...state, unkeyedPoints: state.unkeyedPoints ?? 0 };
  }

  close(): void {
    this.db.close();
  }
}

/** Drops what version 1 stored without an origin, and counts its points. */
async function dropUnkeyed(
  tx: IDBPTransaction<OutboxDb, ("samples" | "seen" | "batches" | "meta")[], "versionchange">,
): Promise<void> {
  let dropped = 0;
  let sample = await tx.objectStore("samples").openCursor();
  while (sample) {
    if (!sample.value.origin) {
      dropped++;
      await sample.delete();
    }
    sample = await sample.continue();
  }
  let points = 0;
  let batch = await tx.objectStore("batches").openCursor();
  while (batch) {
    if (batch.value.pages.some((page) => !page.origin)) {
      dropped += batch.value.points;
      points += batch.value.points;
      await batch.delete();
    }
    batch = await batch.continue();
  }
  const state = await tx.objectStore("meta").get("state");
  if (state) {
    await tx
      .objectStore("meta")
      .put({ ...state, points: state.points - points, unkeyedPoints: (state.unkeyedPoints ?? 0) + dropped }, "state");
  }
}
