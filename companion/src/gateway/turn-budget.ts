/**
 * Bounds how long one turn of the event loop spends on websocket frames.
 * Past the budget, frames wait for the next turn in the order they came and
 * their sockets stop reading meanwhile, so that timers (hops, heartbeats),
 * replies and HTTP requests are served between bursts of ingest rather than
 * after them. A connection's frames are always handled in order: once one
 * waits, the frames after it wait too.
 */
import { performance } from "node:perf_hooks";

/** What reads frames: a websocket, which stops reading while paused. */
export interface Reader {
  pause(): void;
  resume(): void;
}

interface Waiting {
  reader: Reader;
  run: () => void;
}

export class TurnBudget {
  /** When the current turn began handling frames; -1 until one comes. */
  private began = -1;
  private readonly waiting: Waiting[] = [];
  /** Frames waiting per reader: a reader reads again once it has none. */
  private readonly held = new Map<Reader, number>();
  private drainScheduled = false;
  /** Frames that waited for a later turn, since start. */
  deferred = 0;

  constructor(
    private readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Handles a frame of `reader` now (`run`), or once the turns before it have handled theirs. */
  submit(reader: Reader, run: () => void): void {
    if (!this.held.has(reader) && this.within()) return run();
    this.deferred++;
    this.waiting.push({ reader, run });
    const held = this.held.get(reader) ?? 0;
    if (held === 0) reader.pause();
    this.held.set(reader, held + 1);
    this.scheduleDrain();
  }

  private within(): boolean {
    const now = this.now();
    if (this.began < 0) {
      this.began = now;
      // The turn ends when the loop reaches its check phase: the next one starts afresh.
      setImmediate(() => {
        this.began = -1;
      });
    }
    return now - this.began < this.budgetMs;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  /** Handles waiting frames, oldest first, for one budget; the rest wait for the next turn. */
  private drain(): void {
    this.drainScheduled = false;
    const began = this.now();
    while (this.waiting.length > 0 && this.now() - began < this.budgetMs) {
      const { reader, run } = this.waiting.shift() as Waiting;
      const held = (this.held.get(reader) as number) - 1;
      if (held === 0) this.held.delete(reader);
      else this.held.set(reader, held);
      run();
      if (held === 0) reader.resume();
    }
    if (this.waiting.length > 0) this.scheduleDrain();
  }
}
