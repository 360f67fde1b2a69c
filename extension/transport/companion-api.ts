/**
 * GETs from the companion's HTTP API, on the same host and port as its
 * websocket, with the token when one is set: the answer parsed with its
 * schema, or the companion's refusal (`E_…` code and reason), or why there
 * was no answer.
 */
import type { z } from "zod";
import type { Refusal } from "../../protocol/messages";

export interface ApiSettings {
  companionUrl: string;
  token: string;
}

/** Query values left undefined are not sent. */
export type Query = Record<string, string | number | undefined>;

export async function getFromCompanion<T>(
  settings: ApiSettings,
  path: string,
  query: Query,
  schema: z.ZodType<T>,
): Promise<{ ok: true; value: T } | Refusal> {
  const url = new URL(path, settings.companionUrl.replace(/^ws/, "http"));
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  try {
    const res = await fetch(url, settings.token ? { headers: { authorization: `Bearer ${settings.token}` } } : {});
    const body: unknown = await res.json();
    if (!res.ok) {
      const { code = "E_HTTP", reason = `HTTP ${res.status}` } = body as { code?: string; reason?: string };
      return { ok: false, code, reason };
    }
    const parsed = schema.safeParse(body);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, code: "E_SCHEMA", reason: `unexpected answer from ${path}` };
  } catch (error) {
    return { ok: false, code: "E_UNREACHABLE", reason: (error as Error).message };
  }
}
