/**
 * The built extension against a node of a cluster: the browser talks to node
 * A only, and node B (the real binary) owns every partition, so each point
 * the browser sends goes through JetStream to B, and each grid it paints
 * comes back from B through A. The heat on the tab's pixels is the page's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { eventually, get, type Running, startHeatlens } from "../support/heatlens";
import { type Nats, startNats } from "../support/nats";
import { tempDataDir } from "../support/temp-dir";
import { setOverlayPrefs } from "./anchors-lab";
import { type BrowserName, borrowBrowser, type LaunchedBrowser } from "./browsers";
import {
  distance,
  E2E_DIST,
  expectedHeat,
  hoverHeroButton,
  openPage,
  pixel,
  screenshotPixels,
  setOverlay,
  startE2ECompanion,
  type Tile,
  tiles,
  waitForConnections,
  waitForPixel,
} from "./harness";

interface ClusterStats {
  gateway: { points: number };
  cluster: { owned: number[]; gridsReceived: number; published: { summedBatches: number } };
}

async function statsOf(url: string): Promise<ClusterStats> {
  return JSON.parse((await get(`${url}/api/stats`)).body) as ClusterStats;
}

describe.each<BrowserName>(["chromium", "firefox"])("a cluster node in %s", (browserName) => {
  let nats: Nats;
  let owner: Running;
  let node: Companion;
  let launched: LaunchedBrowser;

  beforeAll(async () => {
    nats = await startNats();
    // One partition, held by the node that took it first: B, started first, keeps every key.
    owner = await startHeatlens(
      ["--nats", nats.url, "--nats-node", "b", "--nats-partitions", "1"],
      tempDataDir("e2e-b"),
    );
    await eventually(
      async () => ((await statsOf(owner.url)).cluster.owned.length === 1 ? true : undefined),
      10_000,
      "B to own the partition",
    );
    node = await startE2ECompanion(undefined, { nats: [nats.url], natsNode: "a", natsPartitions: 1 });
    launched = await borrowBrowser(browserName, E2E_DIST);
    await waitForConnections(node, 1);
  });

  afterAll(async () => {
    await launched?.close();
    await node?.close();
    await owner?.stop();
    await nats?.stop();
  });

  it("paints the heat its points made, merged on the node that owns the page", async () => {
    const { width, grid } = await hoverHeroButton(launched, node.url, 2000);
    expect(grid.total).toBeGreaterThan(0);
    const [a, b] = [await statsOf(node.url), await statsOf(owner.url)];
    // The browser fed A, B holds the windows, and A's answer came from B.
    expect(a.cluster.owned).toEqual([]);
    expect(b.cluster.owned).toEqual([0]);
    expect(a.gateway.points).toBeGreaterThan(0);
    expect(b.gateway.points).toBe(0);
    // The extension says which batches are on their first transmission: A summed them.
    expect(a.cluster.published.summedBatches).toBeGreaterThan(0);

    const hot = tiles(grid)[0] as Tile;
    const size = width / grid.cols;
    const centre = [(hot.col + 0.5) * size, (hot.row + 0.5) * size] as const;
    const url = `${node.url}/demo/?tab=B`;
    const tab = await openPage(launched, url);
    await tab.bringToFront();
    const base = pixel(await screenshotPixels(tab), ...centre);
    const want = expectedHeat(hot.count, grid, base);
    await setOverlayPrefs(launched, { mode: "tiles" });
    await setOverlay(launched, url, true);
    await tab.bringToFront();
    expect(distance(await waitForPixel(tab, ...centre, want), want)).toBeLessThanOrEqual(24);
    expect((await statsOf(node.url)).cluster.gridsReceived).toBeGreaterThan(0);
    await tab.screenshot({ path: `${E2E_DIST}/${browserName}-cluster.png` });
  });
});
