/**
 * Makes the README's picture of the dashboard with a page behind the heat
 * (docs/dashboard-snapshot.png): the built extension in Chromium, a companion
 * of its own, a visit to the demo shop's desk lamp (stays on the swatch, the
 * price and the Add to cart button), then the overlay on that page, the
 * toolbar button clicked (it lets the extension capture the tab) and "Snap &
 * attach" clicked in the panel; then the dashboard's view of the page. Run
 * with `npm run docs:snapshot-shot`.
 */
import { hoverAt, openPage, setOverlay, settledGrid, sleep } from "../tests/e2e/harness";
import { until } from "../tests/support/heatlens";
import { centreOf, startShots } from "./shots";

const { companion, launched } = await startShots();
try {
  const url = `${companion.url}/demo/product/1`;
  const tab = await openPage(launched, url);
  await sleep(500);
  const width = await tab.evaluate(() => document.documentElement.clientWidth);
  await hoverAt(tab, ...(await centreOf(tab, ".swatch")), 3000);
  await hoverAt(tab, ...(await centreOf(tab, "#price")), 1500);
  await hoverAt(tab, ...(await centreOf(tab, "#add-to-cart")), 4000);
  const grid = await settledGrid(companion.url, url, width);

  await setOverlay(launched, url, true);
  const ours = [...(await launched.browser.extensions()).values()].find((e) => launched.extensionOrigin.endsWith(e.id));
  if (!ours) throw new Error("the extension is not listed");
  await tab.triggerExtensionAction(ours);
  await tab.bringToFront();
  await sleep(1000);
  const { w, h } = await tab.evaluate(() => ({
    w: document.documentElement.clientWidth,
    h: document.documentElement.clientHeight,
  }));
  await tab.mouse.click(w - 71, h - 265);
  const listed = `${companion.url}/api/snapshots?origin=${encodeURIComponent(companion.url)}&path=${encodeURIComponent(grid.path)}`;
  await until(
    async () => ((await (await fetch(listed)).json()) as { snapshots: unknown[] }).snapshots.length > 0,
    20_000,
    "the snapshot on the companion",
  );

  const dashboard = await launched.browser.newPage();
  await dashboard.setViewport({ width: 1100, height: 1100 });
  const query = new URLSearchParams({ origin: companion.url, path: grid.path, band: grid.band.id, window: "300000" });
  await dashboard.goto(`${companion.url}/?${query}`);
  await dashboard.waitForFunction(
    () => (document.getElementById("backdrop")?.textContent ?? "").startsWith("Behind the heat"),
    { timeout: 15_000 },
  );
  await sleep(500);
  const detail = await dashboard.$("#detail");
  await detail?.screenshot({ path: "docs/dashboard-snapshot.png" });
} finally {
  await launched.close();
  await companion.close();
}
