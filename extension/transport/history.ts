/**
 * Past ranges from the companion's history API (`GET /api/heatmap?from&to`),
 * on the same host and port as its websocket.
 */
import type { HistoryRequest, HistoryResult } from "../../protocol/messages";
import { Grid } from "../../protocol/wire";

export async function fetchHistory(
  settings: { companionUrl: string; token: string },
  request: HistoryRequest,
): Promise<HistoryResult> {
  const url = new URL("/api/heatmap", settings.companionUrl.replace(/^ws/, "http"));
  url.searchParams.set("origin", request.origin);
  url.searchParams.set("path", request.path);
  url.searchParams.set("width", String(request.width));
  url.searchParams.set("from", String(request.from));
  url.searchParams.set("to", String(request.to));
  if (request.cols !== undefined) url.searchParams.set("cols", String(request.cols));
  try {
    const res = await fetch(url, settings.token ? { headers: { authorization: `Bearer ${settings.token}` } } : {});
    const body: unknown = await res.json();
    if (!res.ok) {
      const { code = "E_HTTP", reason = `HTTP ${res.status}` } = body as { code?: string; reason?: string };
      return { ok: false, code, reason };
    }
    const grid = Grid.safeParse(body);
    return grid.success ? { ok: true, grid: grid.data } : { ok: false, code: "E_SCHEMA", reason: "unexpected answer" };
  } catch (error) {
    return { ok: false, code: "E_UNREACHABLE", reason: (error as Error).message };
  }
}
