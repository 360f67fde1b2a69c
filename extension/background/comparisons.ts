/**
 * What the overlay asks of the companion to compare sets of a page's points:
 * the page's builds and testers (with the tester this browser's points are
 * tagged with, for "Me vs the rest") and comparisons. Requests from a content
 * script are validated again here, as history requests are.
 */
import { ComparisonRequest, onMessage, TagsRequest } from "../../protocol/messages";
import { testerOf } from "../../protocol/tags";
import { loadSettings } from "../state/settings";
import { fetchComparison, fetchTags } from "../transport/compare";
import { removeOnAbort } from "./listeners";

export function answerComparisons(clientId: () => Promise<string>, signal: AbortSignal): void {
  removeOnAbort(
    signal,
    onMessage("overlay.tags", async ({ data }) => {
      const request = TagsRequest.safeParse(data);
      if (!request.success) return refused(request.error);
      const settings = await loadSettings();
      const tags = await fetchTags(settings, request.data);
      return tags.ok ? { ...tags, me: testerOf({ client: await clientId(), name: settings.name }) } : tags;
    }),
    onMessage("overlay.compare", async ({ data }) => {
      const request = ComparisonRequest.safeParse(data);
      if (!request.success) return refused(request.error);
      return fetchComparison(await loadSettings(), request.data);
    }),
  );
}

function refused(error: { issues: { message: string }[] }) {
  return { ok: false as const, code: "E_SCHEMA", reason: error.issues[0]?.message ?? "bad request" };
}
