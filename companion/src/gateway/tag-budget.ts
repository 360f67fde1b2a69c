/**
 * Bounds the tags (protocol/tags.ts) whose history is kept apart: at most
 * `--max-tags-per-page` build labels per page key, and as many testers in all,
 * since this start. Points past the bound are kept untagged, and counted: a
 * page that writes a fresh label on every load cannot multiply the history.
 * Ingest counts what is kept untagged (`gateway.untagged` in `/api/stats`).
 */
import type { TagKind } from "../../../protocol/tags";

export class TagBudget {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly maxPerScope: number) {}

  /** `label` if it is kept apart in `scope` (a page key for builds; "" for testers), else undefined. */
  admit(kind: TagKind, scope: string, label: string): string | undefined {
    const id = `${kind} ${scope}`;
    let labels = this.seen.get(id);
    if (!labels) {
      labels = new Set();
      this.seen.set(id, labels);
    }
    if (labels.has(label)) return label;
    if (labels.size >= this.maxPerScope) return undefined;
    labels.add(label);
    return label;
  }
}
