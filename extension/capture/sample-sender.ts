/**
 * Hands samples to the background and keeps each until the background says
 * it is durable. Samples go in groups: up to `groupSize` in one message, or
 * whatever is waiting `holdMs` after the first of them, or at once when the
 * page is being left (`flushNow`): one message a second instead of four,
 * for the page and for the background. A group not answered (the service
 * worker was stopped or is restarting) is sent again a moment later; the ids
 * make the resend harmless.
 * Bounded: past `maxPending` unanswered samples, the oldest are dropped.
 */
import type { Sample } from "../../protocol/messages";

export interface SampleSenderOptions {
  send(samples: Sample[]): Promise<unknown>;
  maxPending?: number;
  retryMs?: number;
  groupSize?: number;
  holdMs?: number;
}

export class SampleSender {
  /** Random per page load, so ids never repeat across tabs and reloads. */
  private readonly session: string;
  private counter = 0;
  /** Every sample not yet answered, oldest first. */
  private readonly pending = new Map<string, Sample>();
  /** Samples not sent yet. */
  private held: Sample[] = [];
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly maxPending: number;
  private readonly retryMs: number;
  private readonly groupSize: number;
  private readonly holdMs: number;

  constructor(private readonly options: SampleSenderOptions) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    this.session = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    this.maxPending = options.maxPending ?? 200;
    this.retryMs = options.retryMs ?? 1000;
    this.groupSize = options.groupSize ?? 4;
    this.holdMs = options.holdMs ?? 1000;
  }

  submit(sample: Omit<Sample, "id">): void {
    const full: Sample = { ...sample, id: `${this.session}:${this.counter++}` };
    this.pending.set(full.id, full);
    if (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.held = this.held.filter((s) => s.id !== oldest);
    }
    this.held.push(full);
    if (this.held.length >= this.groupSize) this.flushNow();
    else this.holdTimer ??= setTimeout(() => this.flushNow(), this.holdMs);
  }

  /** Sends every held sample now (the page is being left or hidden). */
  flushNow(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (this.held.length === 0) return;
    const group = this.held;
    this.held = [];
    this.deliver(group);
  }

  /** Samples sent or held but not yet answered. */
  get unanswered(): number {
    return this.pending.size;
  }

  dispose(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.retryTimer = this.holdTimer = null;
  }

  private deliver(group: Sample[]): void {
    this.options.send(group).then(
      () => {
        for (const sample of group) this.pending.delete(sample.id);
      },
      () => this.scheduleRetry(),
    );
  }

  private scheduleRetry(): void {
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      const held = new Set(this.held);
      const unsent = [...this.pending.values()].filter((sample) => !held.has(sample));
      for (let i = 0; i < unsent.length; i += this.groupSize) this.deliver(unsent.slice(i, i + this.groupSize));
    }, this.retryMs);
  }
}
