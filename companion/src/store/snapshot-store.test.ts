import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { plainPng, snapshotMeta } from "../../../tests/support/snapshot";
import { tempDataDir } from "../../../tests/support/temp-dir";
import { SnapshotStore } from "./snapshot-store";

describe("SnapshotStore", () => {
  it("keeps each page's newest and the newest in all, dropping rows and files together", () => {
    let now = 1_800_000_000_000;
    const dataDir = tempDataDir("snapshot-store");
    const store = new SnapshotStore({ dataDir, perPage: 2, total: 3, clock: () => now++ });
    const add = (path: string, legend: string) => store.add(snapshotMeta({ path, legend }), plainPng(2, 2)).id;
    const a1 = add("/a", "a1");
    add("/a", "a2");
    add("/a", "a3");
    expect(store.list(snapshotMeta().origin, "/a").map((s) => s.meta.legend)).toEqual(["a3", "a2"]);
    expect(store.get(a1)).toBeNull();
    add("/b", "b1");
    add("/b", "b2");
    // Three in all: the oldest of /a went too.
    expect(store.list(snapshotMeta().origin, "/a").map((s) => s.meta.legend)).toEqual(["a3"]);
    expect(readdirSync(join(dataDir, "snapshots"))).toHaveLength(3);
    store.close();
  });

  it("removes at start the files a dying process left without a row", () => {
    const dataDir = tempDataDir("snapshot-store");
    const first = new SnapshotStore({ dataDir, perPage: 5, total: 5, clock: () => 1 });
    const kept = first.add(snapshotMeta(), plainPng(2, 2)).id;
    first.close();
    const orphan = join(dataDir, "snapshots", "00000000000000aa.png");
    const partial = join(dataDir, "snapshots", "00000000000000bb.png.partial");
    writeFileSync(orphan, plainPng(2, 2));
    writeFileSync(partial, "half");
    const again = new SnapshotStore({ dataDir, perPage: 5, total: 5, clock: () => 2 });
    expect([existsSync(orphan), existsSync(partial)]).toEqual([false, false]);
    expect(again.image(kept).equals(plainPng(2, 2))).toBe(true);
    again.close();
  });
});
