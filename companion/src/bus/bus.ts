/**
 * The one seam between pipeline stages. The gateway publishes keyed points,
 * the window stage publishes grid changes; a stage never calls another
 * directly, so a networked bus (NATS JetStream) can replace the in-process one.
 */

export type Handler<T> = (message: T) => void;

export interface Bus<Topics extends Record<string, unknown>> {
  publish<K extends keyof Topics & string>(topic: K, message: Topics[K]): void;
  /** Returns the function that ends the subscription. */
  subscribe<K extends keyof Topics & string>(topic: K, handler: Handler<Topics[K]>): () => void;
}

/** Synchronous, in-process delivery: a publish returns after every handler ran. */
export class InProcessBus<Topics extends Record<string, unknown>> implements Bus<Topics> {
  private readonly handlers = new Map<string, Set<Handler<never>>>();

  publish<K extends keyof Topics & string>(topic: K, message: Topics[K]): void {
    for (const handler of this.handlers.get(topic) ?? []) (handler as Handler<Topics[K]>)(message);
  }

  subscribe<K extends keyof Topics & string>(topic: K, handler: Handler<Topics[K]>): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler as Handler<never>);
    return () => set.delete(handler as Handler<never>);
  }
}
