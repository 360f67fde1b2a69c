/**
 * Pictures of heat on elements, to look at (not the README's): a visit to the
 * demo shop's home at 1280 px with long stays on the hero button and the cart
 * link, clicks on a product card, and three views scrolled to different
 * depths; then the overlay in another tab at 1280, 800 and 390 px
 * (elements-<width>.png), the click layer with the scroll map and the panel
 * top-left (scroll-map.png), and the panel folded bottom-left (collapsed.png).
 * Run with `npm run shots:elements`; SHOTS_OUT names the folder (/tmp/h3).
 */
import { hoverAt, inExtensionPage, openPage, setOverlay, settledGrid, sleep } from "../tests/e2e/harness";
import { centreOf, startShots } from "./shots";

const OUT = process.env.SHOTS_OUT ?? "/tmp/h3";

const { companion, launched } = await startShots((process.env.SHOTS_BROWSER ?? "chromium") as "chromium");
try {
  const visitor = await openPage(launched, `${companion.url}/demo/?tab=A`);
  await sleep(500);
  const width = await visitor.evaluate(() => document.documentElement.clientWidth);
  const [hx, hy] = await centreOf(visitor, "#hero-cta");
  await hoverAt(visitor, hx - 30, hy, 3000);
  // Clicks on the first product card (the hero button would leave the page).
  const [px, py] = await centreOf(visitor, "#product-1");
  for (let i = 0; i < 4; i++) await visitor.mouse.click(px + i * 3, py);
  await hoverAt(visitor, px, py, 1000);
  await hoverAt(visitor, ...(await centreOf(visitor, "#cart-link")), 2000);
  let seed = 7;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 30; i++) await hoverAt(visitor, 40 + next() * 980, 80 + next() * 680, 260);
  // Two more views of the page: one that stays at the top, one that reads to the end.
  await openPage(launched, `${companion.url}/demo/?tab=C`);
  const reader = await openPage(launched, `${companion.url}/demo/?tab=D`);
  for (let y = 0; y < 3000; y += 300) {
    await reader.evaluate((top) => scrollTo(0, top), y);
    await sleep(300);
  }
  await visitor.bringToFront();
  await visitor.evaluate(() => scrollTo(0, document.documentElement.scrollHeight / 2 - innerHeight));
  await sleep(1500);
  const grid = await settledGrid(companion.url, "/demo/", width);
  console.log(
    `grid: ${grid.total} points, ${grid.clicks} clicks, ${grid.anchors.length} anchors, loose ${grid.loose.cells.length / 4}`,
  );
  console.log(grid.anchors.slice(0, 8).map((a) => `${a.s} ${a.moves}/${a.clicks}`));

  const url = `${companion.url}/demo/?tab=B`;
  const viewer = await openPage(launched, url);
  await setOverlay(launched, url, true);
  for (const w of [1280, 800, 390]) {
    await viewer.setViewport({ width: w, height: 800 });
    await viewer.bringToFront();
    await sleep(2500);
    await viewer.mouse.move(...(await centreOf(viewer, "#hero-cta")));
    await sleep(500);
    await viewer.screenshot({ path: `${OUT}/elements-${w}.png` });
  }
  const prefs = (change: object) =>
    inExtensionPage(
      launched,
      async (c) => {
        const api = ((globalThis as { browser?: typeof chrome }).browser ?? chrome) as typeof chrome;
        const old = (await api.storage.local.get("overlayPrefs")).overlayPrefs ?? {};
        await api.storage.local.set({ overlayPrefs: { ...old, ...c } });
      },
      change,
    );
  console.log("scroll:", JSON.stringify(grid.scroll));
  await viewer.setViewport({ width: 1280, height: 800 });
  await prefs({ scrollMap: true, corner: "top-left", layer: "clicks" });
  await viewer.bringToFront();
  await viewer.evaluate(() => scrollTo(0, 500));
  await viewer.mouse.move(700, 500);
  await sleep(1500);
  await viewer.screenshot({ path: `${OUT}/scroll-map.png` });
  await prefs({ collapsed: true, corner: "bottom-left", layer: "both", scrollMap: false });
  await viewer.bringToFront();
  await sleep(1000);
  await viewer.screenshot({ path: `${OUT}/collapsed.png` });
  await prefs({ collapsed: false, corner: "bottom-right", mode: "elements" });
  console.log("shots in", OUT);
} finally {
  await launched.close();
  await companion.close();
}
