/** Past ranges from the companion's history API (`GET /api/heatmap?from&to`), everyone's or one tester's. */
import type { HistoryRequest, HistoryResult } from "../../protocol/messages";
import { Grid } from "../../protocol/wire";
import { type ApiSettings, getFromCompanion } from "./companion-api";

export async function fetchHistory(settings: ApiSettings, request: HistoryRequest): Promise<HistoryResult> {
  const answer = await getFromCompanion(settings, "/api/heatmap", request, Grid);
  return answer.ok ? { ok: true, grid: answer.value } : answer;
}
