import { describe, expect, it } from "vitest";
import { anchorKey, anchorTile, pointCell, sideCell } from "../../../protocol/anchor";
import { packCell } from "../../../protocol/grid";
import { makeKey } from "../../../protocol/page-key";
import { emptySideCounts, pageCounts, sideFields } from "./side-heat";

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

  it("reads a history range: grid cells and loose heat from the page's point cells, anchors from its side keys", () => {
    const page = makeKey("desktop", "https://a.test", "/p");
    const cell = packCell(3, 1, "doc", 50);
    const { cells, side } = pageCounts(
      new Map([
        [pointCell(cell, true, false), 5],
        [pointCell(cell, false, false), 2],
        [pointCell(cell, false, true), 1],
        [pointCell(cell + 2, false, false), 4],
      ]),
      new Map([[anchorKey(page, "#a >>> button"), new Map([[1, 2]])]]),
    );
    expect(cells).toEqual(
      new Map([
        [cell, 8],
        [cell + 2, 4],
      ]),
    );
    expect(side.loose).toEqual(
      new Map([
        [sideCell(cell, false), 2],
        [sideCell(cell, true), 1],
        [sideCell(cell + 2, false), 4],
      ]),
    );
    expect(side.anchors).toEqual(new Map([["#a >>> button", new Map([[1, 2]])]]));
    expect(side.scroll.size).toBe(0);
  });
});
