/**
 * How often the real `heatlens` binary writes its history (PROTOCOL.md, on how
 * far a past range lags): every two seconds, and after a write of many
 * (page key, minute, cell) rows it waits 2 s per 10,000 of them before the
 * next, counted from its end, at most 10 s, then two seconds again after a
 * small one. Observed from outside: the time a point takes to show in a
 * tester's heat, read from the history, after the one before it.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Grid } from "../../protocol/wire";
import { connect, eventually, get, type Running, reply, startHeatlens } from "../support/heatlens";
import { SITE } from "../support/site";
import { tempDataDir } from "../support/temp-dir";

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.kill();
});

const WIDTH = 1000;
/** The default grid: 50 columns, so 20 px square cells on a 1000 px wide page. */
const CELL_PX = 20;

/** A page group of `n` points, each on a cell of its own, captured a second ago under build `build`. */
function spread(n: number, build: string): object {
  const pts: number[] = [];
  for (let i = 0; i < n; i++) {
    pts.push(0, (i % 50) * CELL_PX + CELL_PX / 2, Math.floor(i / 50) * CELL_PX + CELL_PX / 2, 0);
  }
  return { origin: SITE, path: "/pace", w: WIDTH, t0: Date.now() - 1000, pts, build };
}

describe("the history's write pace through the heatlens binary", () => {
  it("waits longer after a write of many rows, at most 10 s, and two seconds again after a small one", async () => {
    // Batches large enough for a write of 60,000 rows in one.
    const companion = await startHeatlens(
      ["--max-points-per-batch", "20000", "--max-frame-bytes", "1MiB"],
      tempDataDir("history-pace"),
    );
    running.push(companion);
    const client = await connect(companion.url, { name: "ana" });
    // One tester's heat: read from the history, so it lags as a past range does.
    const anasHeat = `${companion.url}/api/heatmap?origin=${encodeURIComponent(SITE)}&path=/pace&width=${WIDTH}&tester=ana`;
    let seq = 0;
    const send = async (n: number) => {
      const answer = await reply(client, { type: "batch", seq: ++seq, sentAt: Date.now(), pages: [spread(n, "b1")] });
      expect(answer).toMatchObject({ type: "ack", points: n });
    };
    /** When ana's points in the history first reach `points`. */
    const shown = async (points: number, what: string): Promise<number> => {
      await eventually(
        async () => {
          const answer = await get(anasHeat);
          expect(answer.status, answer.body).toBe(200);
          return (JSON.parse(answer.body) as Grid).total === points ? true : undefined;
        },
        20_000,
        what,
      );
      return Date.now();
    };

    // 10,000 points on as many cells, kept under the page, its build and its tester: 30,000 minute rows, so the
    // next write waits 6 s from the end of this one.
    await send(10_000);
    const big = await shown(10_000, "the large write");
    await send(1);
    const afterBig = (await shown(10_001, "the point after the large write")) - big;
    await send(1);
    const afterSmall = (await shown(10_002, "the point after a small write")) - big - afterBig;

    // Under the two-second pace both would come within about 2 s.
    expect(afterBig).toBeGreaterThanOrEqual(4_000);
    expect(afterSmall).toBeLessThan(afterBig - 2_000);

    // 20,000 points: 60,000 rows would make 12 s; the wait stops at 10 s.
    await send(20_000);
    const huge = await shown(30_002, "the largest write");
    await send(1);
    const afterHuge = (await shown(30_003, "the point after the largest write")) - huge;
    expect(afterHuge).toBeGreaterThanOrEqual(8_000);
    expect(afterHuge).toBeLessThan(14_000);
    client.ws.close();
  }, 60_000);
});
