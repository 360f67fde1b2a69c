/**
 * The user's settings, in `storage.local`: where the companion is, the token,
 * this browser's client id, its display name, and the build or session label
 * for pages that declare none (extension/capture/build-label.ts). Validated on every read, so
 * a damaged value falls back to the default instead of breaking the extension.
 */
import { z } from "zod";
import { MAX_TAG_LENGTH } from "../../protocol/tags";
import { type Stored, setTogether, stored, watchTogether } from "./stored";

/** Set at build time with HEATLENS_COMPANION_URL, e.g. to ship a team's shared companion. */
export const DEFAULT_COMPANION_URL: string = import.meta.env.VITE_HEATLENS_COMPANION_URL || "ws://127.0.0.1:8787";

export const Settings = z.object({
  companionUrl: z
    .string()
    .url()
    .refine((u) => /^wss?:\/\//.test(u), "the companion URL starts with ws:// or wss://"),
  token: z.string().max(512),
  name: z.string().max(64),
  /** Build or session label of points from pages that declare no build of their own. */
  build: z.string().max(MAX_TAG_LENGTH),
  /** Grid columns the overlay asks for; 0 for the companion's own (`--cols`, 50 by default). */
  cols: z.number().int().min(0).max(10_000),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  companionUrl: DEFAULT_COMPANION_URL,
  token: "",
  name: "",
  build: "",
  cols: 0,
};

type Key = keyof Settings;
const KEYS = Object.keys(DEFAULT_SETTINGS) as Key[];

/** Each setting under its own key, as earlier versions stored them. */
const items = Object.fromEntries(KEYS.map((key) => [key, stored(key, Settings.shape[key], DEFAULT_SETTINGS[key])])) as {
  [K in Key]: Stored<Settings[K]>;
};

export async function loadSettings(): Promise<Settings> {
  const values = await Promise.all(KEYS.map(async (key) => [key, await items[key].get()] as const));
  return Object.fromEntries(values) as Settings;
}

/** Saves after validating; throws with a readable message when a value is bad. */
export async function saveSettings(settings: Settings): Promise<void> {
  const parsed = Settings.safeParse(settings);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  await setTogether(KEYS.map((key) => ({ item: items[key], value: parsed.data[key] })));
}

/** Calls `listener` when any of `keys` (by default every setting) changes. */
export function onSettingsChanged(listener: () => void, signal: AbortSignal, keys: readonly Key[] = KEYS): void {
  watchTogether(
    keys.map((key) => items[key]),
    listener,
    signal,
  );
}
