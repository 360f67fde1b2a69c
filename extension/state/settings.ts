/**
 * The user's settings, in `storage.local`: where the companion is, the token,
 * this browser's client id and its display name. Validated on every read, so
 * a damaged value falls back to the default instead of breaking the extension.
 */
import browser from "webextension-polyfill";
import { z } from "zod";

/** Set at build time with HEATLENS_COMPANION_URL, e.g. to ship a team's shared companion. */
export const DEFAULT_COMPANION_URL: string = import.meta.env.VITE_HEATLENS_COMPANION_URL || "ws://127.0.0.1:8787";

export const Settings = z.object({
  companionUrl: z
    .string()
    .url()
    .refine((u) => /^wss?:\/\//.test(u), "the companion URL starts with ws:// or wss://"),
  token: z.string().max(512),
  name: z.string().max(64),
  /** Grid columns the overlay asks for; 0 for the companion's own (`--cols`, 50 by default). */
  cols: z.number().int().min(0).max(10_000),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = { companionUrl: DEFAULT_COMPANION_URL, token: "", name: "", cols: 0 };

export async function loadSettings(): Promise<Settings> {
  const stored = await browser.storage.local.get(Object.keys(DEFAULT_SETTINGS));
  const merged = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const field = Settings.shape[key].safeParse(stored[key]);
    if (field.success) (merged as Record<keyof Settings, unknown>)[key] = field.data;
  }
  return merged;
}

/** Saves after validating; throws with a readable message when a value is bad. */
export async function saveSettings(settings: Settings): Promise<void> {
  const parsed = Settings.safeParse(settings);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => i.message).join("; "));
  await browser.storage.local.set(parsed.data);
}

/** Calls `listener` when any of `keys` (by default every setting) changes. */
export function onSettingsChanged(
  listener: () => void,
  signal: AbortSignal,
  keys: readonly (keyof Settings)[] = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[],
): void {
  const handler = (changes: Record<string, unknown>, area: string) => {
    if (area === "local" && keys.some((k) => k in changes)) listener();
  };
  browser.storage.onChanged.addListener(handler);
  signal.addEventListener("abort", () => browser.storage.onChanged.removeListener(handler));
}
