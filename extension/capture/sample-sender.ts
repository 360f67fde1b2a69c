/**
 * Hands samples to the background and keeps each until the background says
 * it is durable. A sample not answered (the service worker was stopped or is
 * restarting) is sent again a moment later; its id makes the resend harmless.
 * Samples submitted together (a view's scroll marks) go in one message.
 * Bounded: past `maxPending` unanswered samples, the oldest are dropped.
 */
import type { Sample } from "../../protocol/messages";

export interface SampleSenderOptions {
  send(samples: Sample[]): Promise<unknown>;
  maxPending?: number;
  retryMs?: number;
}

export class SampleSender {
  /** Random per page load, so ids never repeat across tabs and reloads. */
  private readonly session: string;
  private counter = 0;
  private readonly pending = new Map<string, Sample>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly maxPending: number;
  private readonly retryMs: number;

  constructor(private readonly options: SampleSenderOptions) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    this.session = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    this.maxPending = options.maxPending ?? 200;
    this.retryMs = options.retryMs ?? 1000;
  }

  /** Sends the samples in one message (at most a SampleGroup's size). */
  submit(...samples: Omit<Sample, "id">[]): void {
    const full = samples.map((sample): Sample => ({ ...sample, id: `${this.session}:${this.counter++}` }));
    for (const sample of full) this.pending.set(sample.id, sample);
    while (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
    }
    this.deliver(full);
  }

  /** Samples sent but not yet answered. */
  get unanswered(): number {
    return this.pending.size;
  }

  dispose(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private deliver(samples: Sample[]): void {
    this.options.send(samples).then(
      () => {
        for (const { id } of samples) this.pending.delete(id);
      },
      () => this.scheduleRetry(),
    );
  }

  private scheduleRetry(): void {
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      for (const sample of this.pending.values()) this.deliver([sample]);
    }, this.retryMs);
  }
}
