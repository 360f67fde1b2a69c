import { describe, expect, it } from "vitest";
import { anchorKey, anchorTile, looseKey, sideCell } from "../../../protocol/anchor";
import { makeKey } from "../../../protocol/page-key";
import { emptySideCounts, sideCountsByKey, sideFields } from "./side-heat";

describe("sideFields", () => {
  it("lists at most maxAnchors anchors, hottest first; those left out count as evicted and keep their clicks", () => {
    const side = emptySideCounts();
    const tile = anchorTile(0, 0);
    side.anchors.set("#warm", new Map([[sideCell(tile, false), 2]]));
    side.anchors.set("#hot", new Map([[sideCell(tile, false), 5]]));
    side.anchors.set("#cold", new Map([[sideCell(tile, true), 1]]));
    const fields = sideFields(side, 50, 2, 3);
    expect(fields.anchors.map((a) => a.s)).toEqual(["#hot", "#warm"]);
    expect(fields.evictedAnchors).toBe(4);
    expect(fields.clicks).toBe(1);
  });

  it("reads a history range's side keys", () => {
    const page = makeKey("desktop", "https://a.test", "/p");
    const side = sideCountsByKey(
      new Map([
        [anchorKey(page, "#a >>> button"), new Map([[1, 2]])],
        [looseKey(page), new Map([[4, 1]])],
      ]),
    );
    expect(side.anchors).toEqual(new Map([["#a >>> button", new Map([[1, 2]])]]));
    expect(side.loose).toEqual(new Map([[4, 1]]));
    expect(side.scroll.size).toBe(0);
  });
});
