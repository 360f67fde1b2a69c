/**
 * The companion's signal rules reach every tester's browser: with
 * `--rage-clicks 5` (here as the option the flag sets; tests/cli/options.test.ts
 * checks the flag reaches the welcome), three fast clicks on a broken button
 * are no rage click (the last one is judged dead instead), and five are one.
 */
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { listedSignals, openPage, sleep } from "./harness";
import { browserSession } from "./session";

const PATH = "/demo/lab/signals";

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
    const [x, y] = await page.$eval("#broken", (el) => {
      const r = el.getBoundingClientRect();
      return [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
    });
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        if (i > 0) await sleep(120);
        await page.mouse.click(x as number, y as number);
      }
    };
    await burst(3);
    // Three clicks with no reaction make no rage here: the last is judged dead a second later.
    const afterThree = await until(async () => {
      const found = await listed(companion);
      return found.some((s) => s.kind === "dead") ? found : undefined;
    }, "the dead click");
    expect(afterThree.map((s) => `${s.kind} ${s.selector} ×${s.count}`)).toEqual(["dead #broken ×1"]);

    await sleep(1500);
    await burst(5);
    const afterFive = await until(async () => {
      const found = await listed(companion);
      return found.some((s) => s.kind === "rage") ? found : undefined;
    }, "the rage click");
    expect(afterFive.filter((s) => s.kind === "rage")).toMatchObject([{ selector: "#broken", count: 1 }]);
    await page.close();
  });
});
