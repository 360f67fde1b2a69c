/**
 * Comparisons from the companion: the builds and testers a page has points
 * from (`GET /api/tags`) and two sets of its points compared (`GET /api/compare`).
 */
import { Comparison, PageTags } from "../../protocol/compare";
import type { ComparisonRequest, ComparisonResult, Refusal, TagsRequest } from "../../protocol/messages";
import { type ApiSettings, getFromCompanion } from "./companion-api";

export async function fetchTags(
  settings: ApiSettings,
  request: TagsRequest,
): Promise<{ ok: true; tags: PageTags } | Refusal> {
  const answer = await getFromCompanion(settings, "/api/tags", request, PageTags);
  return answer.ok ? { ok: true, tags: answer.value } : answer;
}

export async function fetchComparison(settings: ApiSettings, request: ComparisonRequest): Promise<ComparisonResult> {
  const answer = await getFromCompanion(settings, "/api/compare", request, Comparison);
  return answer.ok ? { ok: true, comparison: answer.value } : answer;
}
