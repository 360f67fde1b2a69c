/** A share link's view for tests that build one by hand. */
import type { ShareView } from "../../protocol/share-link";
import { SITE } from "./site";

/** The test site's `/` as everyone's live heat over 5 min, every choice left to the viewer, with `part` over it. */
export function testShareView(part: Partial<ShareView> = {}): ShareView {
  return {
    origin: SITE,
    path: "/",
    band: null,
    time: { kind: "window", ms: 300_000 },
    layer: "document",
    points: null,
    mode: null,
    ...part,
  };
}
