/**
 * Build labels of captured points, in Chromium and Firefox: the options set the
 * label "session-7"; a lab page that declares its own build
 * (`<meta name="heatlens-build" content="lab-2">`, demo/lab/build.html) tags
 * its points lab-2, and one that declares none (demo/lab/unlabelled.html)
 * tags them session-7. A label the page changes while open (the meta's
 * content, or a `data-heatlens-build` attribute set on the body) tags the
 * next points. What the companion stored is read back from `GET /api/tags`.
 */
import type { Page } from "puppeteer-core";
import { describe, expect, it } from "vitest";
import type { Companion } from "../../companion/src/server";
import { PageTags } from "../../protocol/compare";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { hover, openOptions, openPage, revealBox, saveOptions, sleep } from "./harness";
import { browserSession } from "./session";

const LABELLED = "/demo/lab/build";
const UNLABELLED = "/demo/lab/unlabelled";

/** The build labels the companion lists for a page at a width, with their points. */
async function builds(companion: Companion, path: string, width: number): Promise<Record<string, number>> {
  const query = `origin=${encodeURIComponent(companion.url)}&path=${encodeURIComponent(path)}&width=${width}`;
  const res = await fetch(`${companion.url}/api/tags?${query}`);
  if (!res.ok) throw new Error(`GET /api/tags: ${res.status} ${await res.text()}`);
  const tags = PageTags.parse(await res.json());
  return Object.fromEntries(tags.builds.map((b) => [b.label, b.points]));
}

/** The page's build labels once `label` has points and no count has changed for two seconds (at most 20 s). */
async function settled(companion: Companion, path: string, width: number, label: string) {
  let listed = await builds(companion, path, width);
  for (let quiet = 0, end = Date.now() + 20_000; (quiet < 8 || !(listed[label] ?? 0)) && Date.now() < end; ) {
    await sleep(250);
    const next = await builds(companion, path, width);
    quiet = JSON.stringify(next) === JSON.stringify(listed) ? quiet + 1 : 0;
    listed = next;
  }
  return listed;
}

/** Moves the cursor over a card of the page, in front, as a tester would. */
async function moveOn(page: Page): Promise<number> {
  await page.bringToFront();
  await hover(page, await revealBox(page, "#card-2"), 1500);
  return page.evaluate(() => document.documentElement.clientWidth);
}

async function setOptionsLabel(launched: LaunchedBrowser, label: string): Promise<void> {
  const options = await openOptions(launched);
  expect(await saveOptions(options, { build: label })).toContain("Saved");
  await options.close();
}

describe.each<BrowserName>(["chromium", "firefox"])("build labels in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  it("tags a page's points with its own label over the options' one, a page without one with the options' label, and a label changed while open from the next point on", async () => {
    await setOptionsLabel(launched, "session-7");

    const labelled = await openPage(launched, `${companion.url}${LABELLED}`);
    const width = await moveOn(labelled);
    const unlabelled = await openPage(launched, `${companion.url}${UNLABELLED}`);
    expect(await moveOn(unlabelled)).toBe(width);

    const own = await settled(companion, LABELLED, width, "lab-2");
    console.log(`${name}: ${LABELLED} builds ${JSON.stringify(own)}`);
    expect(own["lab-2"]).toBeGreaterThan(0);
    expect(own["session-7"], "the page's own label wins").toBeUndefined();
    const fallback = await settled(companion, UNLABELLED, width, "session-7");
    console.log(`${name}: ${UNLABELLED} builds ${JSON.stringify(fallback)}`);
    expect(fallback["session-7"]).toBeGreaterThan(0);
    expect(Object.keys(fallback)).toEqual(["session-7"]);

    // The pages change their labels while open, as a single-page app may after loading its config.
    await labelled.evaluate(() =>
      document.querySelector('meta[name="heatlens-build"]')?.setAttribute("content", "lab-3"),
    );
    await moveOn(labelled);
    await unlabelled.evaluate(() => document.body.setAttribute("data-heatlens-build", "body-9"));
    await moveOn(unlabelled);
    const changed = await settled(companion, LABELLED, width, "lab-3");
    console.log(`${name}: ${LABELLED} builds after the change ${JSON.stringify(changed)}`);
    expect(changed["lab-3"]).toBeGreaterThan(0);
    expect(changed["lab-2"], "the new label's points are not added to the old one's").toBe(own["lab-2"]);
    const attribute = await settled(companion, UNLABELLED, width, "body-9");
    console.log(`${name}: ${UNLABELLED} builds after the change ${JSON.stringify(attribute)}`);
    expect(attribute["body-9"]).toBeGreaterThan(0);
    expect(attribute["session-7"], "the page's own label wins from its first point").toBe(fallback["session-7"]);
    await labelled.close();
    await unlabelled.close();
  });
});
