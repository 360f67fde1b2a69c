/**
 * The companion's signal rules reach every tester's browser: with
 * `--rage-clicks 5` (here as the option the flag sets; tests/cli/options.test.ts
 * checks the flag reaches the welcome), three fast clicks on a broken button
 * are no rage click (the last one is judged dead instead), and five are one.
 * A burst whose clicks did not land within the rule's second (a loaded
 * machine can spread them) is played again once the companion's list settles.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import {
  addedSignals,
  type ListedSignal,
  landedClicks,
  listedSignals,
  openPage,
  recordClicks,
  settledSignals,
  sleep,
} from "./harness";
import { browserSession } from "./session";

const PATH = "/demo/lab/signals";
/** Within how many ms of the first a burst's clicks must land: the rage rule's 1 s, less a margin. */
const BURST_MS = 900;

const listed = (companion: Companion) => listedSignals(companion, PATH);

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(100)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`${what}: not within 10 s`);
}

describe.each<BrowserName>(["chromium", "firefox"])("signal rules from the companion in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(
    name,
    (c, l) => {
      companion = c;
      launched = l;
    },
    { rageClicks: 5 },
  );

  it("judges rage clicks by the companion's --rage-clicks: 3 fast clicks are none, 5 are one", async () => {
    const page = await openPage(launched, `${companion.url}${PATH}`);
    await recordClicks(page);
    const [x, y] = await page.$eval("#broken", (el) => {
      const r = el.getBoundingClientRect();
      return [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
    });
    /**
     * Clicks #broken `n` times, 120 ms apart, once the companion's list has settled (so that the burst
     * starts well over a second after the last), until the clicks land within BURST_MS; the list before it.
     */
    const burst = async (n: number): Promise<ListedSignal[]> => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const before = await settledSignals(companion, PATH);
        await landedClicks(page);
        for (let i = 0; i < n; i++) {
          if (i > 0) await sleep(120);
          await page.mouse.click(x as number, y as number);
        }
        const landed = await landedClicks(page);
        if (landed.clicks === n && landed.spanMs <= BURST_MS) return before;
        console.log(`${name}: ${landed.clicks} of ${n} clicks landed over ${landed.spanMs} ms; played again`);
      }
      throw new Error(`${n} clicks never landed within ${BURST_MS} ms`);
    };
    // Three clicks with no reaction make no rage here: the last is judged dead a second later.
    const beforeThree = await burst(3);
    const afterThree = await until(async () => {
      const found = addedSignals(beforeThree, await listed(companion));
      return found.some((s) => s.kind === "dead") ? found : undefined;
    }, "the dead click");
    expect(afterThree.map((s) => `${s.kind} ${s.selector} ×${s.count}`)).toEqual(["dead #broken ×1"]);

    const beforeFive = await burst(5);
    const afterFive = await until(async () => {
      const found = addedSignals(beforeFive, await listed(companion));
      return found.some((s) => s.kind === "rage") ? found : undefined;
    }, "the rage click");
    expect(afterFive.filter((s) => s.kind === "rage")).toMatchObject([{ selector: "#broken", count: 1 }]);
    await page.close();
  });
});
