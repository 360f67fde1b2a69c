/**
 * One stored setting: a key in a storage area, a schema and a fallback. Read
 * values are validated, so a missing or damaged value reads as the fallback
 * instead of breaking the extension; written values are validated and a bad
 * one throws with the schema's words. `watch` calls back with each new value
 * until its signal aborts. Does not merge partial values or migrate old ones:
 * a setting that needs that says so in its schema.
 */
import browser from "webextension-polyfill";
import type { z } from "zod";

/** A value refused by its setting's schema: `code` is stable, the message gives the schema's reasons. */
export class StoredValueError extends Error {
  readonly code = "E_STORED_VALUE";
}

export type StorageAreaName = "local" | "session";

export interface Stored<T> {
  readonly key: string;
  readonly area: StorageAreaName;
  /** The value as it would be stored; throws a `StoredValueError` when the schema refuses it. */
  check(value: T): T;
  get(): Promise<T>;
  set(value: T): Promise<void>;
  /** Back to the fallback. */
  remove(): Promise<void>;
  watch(listener: (value: T) => void, signal: AbortSignal): void;
}

export function stored<T>(key: string, schema: z.ZodType<T>, fallback: T, area: StorageAreaName = "local"): Stored<T> {
  const read = (value: unknown): T => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : fallback;
  };
  const check = (value: T): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new StoredValueError(`${key}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    return parsed.data;
  };
  return {
    key,
    area,
    check,
    get: async () => read((await browser.storage[area].get(key))[key]),
    set: async (value) => browser.storage[area].set({ [key]: check(value) }),
    remove: () => browser.storage[area].remove(key),
    watch: (listener, signal) => {
      if (signal.aborted) return;
      const handler = (changes: Record<string, { newValue?: unknown }>, areaName: string) => {
        if (areaName === area && key in changes) listener(read(changes[key]?.newValue));
      };
      browser.storage.onChanged.addListener(handler);
      signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler), { once: true });
    },
  };
}

/**
 * Several settings of one area written at once (all checked first, so a bad
 * one writes none): a watcher of them hears one change, not one per setting.
 */
export async function setTogether(entries: readonly { item: Stored<unknown>; value: unknown }[]): Promise<void> {
  const [first] = entries;
  if (!first) return;
  if (entries.some(({ item }) => item.area !== first.item.area))
    throw new Error("setTogether: one storage area at a time");
  const values = Object.fromEntries(entries.map(({ item, value }) => [item.key, item.check(value)]));
  await browser.storage[first.item.area].set(values);
}

/** Calls `listener` once per storage change that touches any of `items`, until `signal` aborts. */
export function watchTogether(items: readonly Stored<unknown>[], listener: () => void, signal: AbortSignal): void {
  if (signal.aborted) return;
  const handler = (changes: Record<string, unknown>, areaName: string) => {
    if (items.some((item) => item.area === areaName && item.key in changes)) listener();
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler), { once: true });
}
