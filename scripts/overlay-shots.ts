/**
 * Makes the README's overlay pictures (docs/overlay-elements.png,
 * docs/overlay-tiles.png and docs/overlay-smooth.png): the built extension in
 * Chromium, a companion of its own, a visit to the demo shop's home with one
 * long stay on the hero button, one on the fixed header's cart link and short
 * stays elsewhere, then a second tab with the overlay showing heat on
 * elements at a narrower width (800 px, another band), then at the visit's
 * width in tiles (linear scale) and in smooth heat on a log scale (with the
 * tooltip). Run with `npm run docs:shots`.
 */
import { hoverAt, openPage, setOverlay, settledGrid, sleep } from "../tests/e2e/harness";
import { centreOf, startShots } from "./shots";

const { companion, launched } = await startShots();
try {
  const visitor = await openPage(launched, `${companion.url}/demo/?tab=A`);
  await sleep(500);
  const width = await visitor.evaluate(() => document.documentElement.clientWidth);
  await hoverAt(visitor, ...(await centreOf(visitor, "#hero-cta")), 4000);
  await hoverAt(visitor, ...(await centreOf(visitor, "#cart-link")), 3000);
  // A wander over the first screen, a quarter of a second at each spot (a fixed sequence, so pictures repeat).
  let seed = 7;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < 60; i++) await hoverAt(visitor, 40 + next() * 980, 80 + next() * 680, 260);
  const grid = await settledGrid(companion.url, "/demo/", width);

  const url = `${companion.url}/demo/?tab=B`;
  const viewer = await openPage(launched, url);
  await setOverlay(launched, url, true);
  // Heat on elements (the default), in a window of another width band: the heat stays on its elements.
  const viewport = viewer.viewport() ?? { width: 1280, height: 800 };
  await viewer.setViewport({ ...viewport, width: 800 });
  await viewer.bringToFront();
  await viewer.mouse.move(...(await centreOf(viewer, "#hero-cta")));
  await sleep(2000);
  await viewer.screenshot({ path: "docs/overlay-elements.png" });
  await viewer.setViewport(viewport);
  await sleep(1000);
  const { w, h } = await viewer.evaluate(() => ({
    w: document.documentElement.clientWidth,
    h: document.documentElement.clientHeight,
  }));
  // The Tiles, Log scale and Smooth buttons: the panel has fixed sizes (see extension/paint/panel.ts).
  await viewer.mouse.move(w / 2, h - 20);
  await viewer.mouse.click(w - 122, h - 109);
  await sleep(1500);
  await viewer.screenshot({ path: "docs/overlay-tiles.png" });
  await viewer.mouse.click(w - 71, h - 135);
  await viewer.mouse.click(w - 54, h - 109);
  await viewer.mouse.move(...(await centreOf(viewer, "#hero-cta")));
  await sleep(1000);
  await viewer.screenshot({ path: "docs/overlay-smooth.png" });
  console.log(
    `docs/overlay-elements.png, docs/overlay-tiles.png, docs/overlay-smooth.png: ${grid.total} points, max ${grid.max}`,
  );
} finally {
  await launched.close();
  await companion.close();
}
