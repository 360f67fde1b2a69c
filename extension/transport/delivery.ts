/**
 * Delivery: from a captured sample to an acknowledged batch. Each sample is
 * made durable in the outbox before the tracker is answered, then becomes a
 * numbered batch: at once while the link is open and idle, so that heat shows
 * up live; while a batch awaits its ack (or the companion is away), samples
 * gather for the next one, for at most a second. The companion link sends
 * and resends each batch until the companion acknowledges it; only then does
 * it leave the outbox. After a service-worker or browser restart the stored batches are
 * sent again, and the companion counts each (client, seq) once.
 */
import type { LinkStatus, OutboxStatus, Sample } from "../../protocol/messages";
import { CompanionLink, type LinkEvents, type LinkOptions } from "./companion-link";
import { Outbox } from "./outbox";

/** How long samples gather at most before they become a batch, and the most a batch holds. */
const FLUSH_MS = 1000;
const MAX_BATCH_SAMPLES = 500;

export type ConnectOptions = Omit<LinkOptions, "clientId">;

export class Delivery {
  private link: CompanionLink;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private samplesSinceFlush = 0;
  private flushing: Promise<void> = Promise.resolve();
  /** Flushes started and not yet done: a sample arriving meanwhile waits for the next batch. */
  private flushes = 0;

  private constructor(
    private readonly outbox: Outbox,
    /** This browser profile's id, which scopes its batches and tags its points when it gives no name. */
    readonly clientId: string,
    private readonly events: Partial<LinkEvents>,
    options: ConnectOptions,
  ) {
    this.link = this.createLink(options);
  }

  static async start(options: ConnectOptions, events: Partial<LinkEvents>, outbox?: Outbox): Promise<Delivery> {
    const box = outbox ?? (await Outbox.open());
    const { clientId } = await box.state();
    const delivery = new Delivery(box, clientId, events, options);
    await delivery.resendStored();
    // Samples stored before a restart, not yet batched.
    if ((await box.pendingSamples()) > 0) delivery.scheduleFlush();
    return delivery;
  }

  get companion(): CompanionLink {
    return this.link;
  }

  /** Resolves once the sample is durable. */
  async addSample(sample: Sample): Promise<void> {
    await this.outbox.addSample(sample);
    this.samplesSinceFlush++;
    if (this.samplesSinceFlush >= MAX_BATCH_SAMPLES || this.idle()) void this.flush();
    else this.scheduleFlush();
  }

  /** Open, with nothing sent and unanswered and no batch being made: a new sample goes out at once. */
  private idle(): boolean {
    const { state, queued } = this.link.getStatus();
    return state === "open" && queued === 0 && this.flushes === 0;
  }

  /** Sends the samples that gathered, once the link has become idle. */
  private flushIfIdle(): void {
    if (this.samplesSinceFlush > 0 && this.idle()) void this.flush();
  }

  /** Turns the stored samples into a batch and sends it. */
  flush(): Promise<void> {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.samplesSinceFlush = 0;
    this.flushes++;
    this.flushing = this.flushing
      .then(async () => {
        const { batches, evicted } = await this.outbox.flush();
        for (const seq of evicted) this.link.drop(seq);
        for (const batch of batches) this.link.send(batch.seq, batch.pages, true);
      })
      .finally(() => {
        this.flushes--;
      });
    return this.flushing;
  }

  /** Connects anew (the companion URL or token changed); stored batches are sent there. */
  async reconnect(options: ConnectOptions): Promise<void> {
    const watches = this.link.watching();
    const paused = this.link.capturePaused;
    this.link.close();
    this.link = this.createLink(options);
    for (const watch of watches) this.link.watch(watch);
    if (paused !== null) this.link.setPaused(paused);
    await this.resendStored();
  }

  /** Capture was paused or resumed in this browser: the companion's testers list says so. */
  setPaused(paused: boolean): void {
    this.link.setPaused(paused);
  }

  /**
   * Called when the browser wakes the background: anything waiting (samples
   * not yet batched, batches not yet acknowledged) is sent now rather than
   * after a backoff the browser may never let run.
   */
  async nudge(): Promise<void> {
    if ((await this.outbox.pendingSamples()) > 0) await this.flush();
    if (this.link.getStatus().state !== "open") this.link.reconnectNow();
  }

  async status(): Promise<{ link: LinkStatus; outbox: OutboxStatus }> {
    const state = await this.outbox.state();
    return {
      link: this.link.getStatus(),
      outbox: {
        points: state.points + (await this.outbox.pendingSamples()),
        evictedBatches: state.evictedBatches,
        evictedPoints: state.evictedPoints,
        unkeyedPoints: state.unkeyedPoints,
        maxPoints: this.outbox.maxPoints,
      },
    };
  }

  close(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.link.close();
  }

  private createLink(options: ConnectOptions): CompanionLink {
    return new CompanionLink(
      { ...options, clientId: this.clientId },
      {
        ...this.events,
        settled: (seq, outcome) => {
          void this.outbox.remove(seq);
          this.events.settled?.(seq, outcome);
          this.flushIfIdle();
        },
        status: (status) => {
          this.events.status?.(status);
          this.flushIfIdle();
        },
      },
    );
  }

  private async resendStored(): Promise<void> {
    for (const batch of await this.outbox.batches()) this.link.send(batch.seq, batch.pages);
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }
}
