/**
 * Makes the README's pictures of a share link (docs/share-link-dashboard.png
 * and docs/share-link-page.png): the built extension in Chromium, a companion
 * of its own, a visit that stays on the demo shop's hero button; then the
 * dashboard's view of the page with "Copy link" clicked, and that link opened
 * in a new tab, which lands on the page itself with the overlay on at the
 * linked view. Run with `npm run docs:share-shots`.
 */
import { hoverHeroButton, overlayLegend } from "../tests/e2e/harness";
import { until } from "../tests/support/heatlens";
import { startShots } from "./shots";

const { companion, launched } = await startShots();
try {
  const { tab, grid } = await hoverHeroButton(launched, companion.url, 4000);
  await tab.close();

  const dashboard = await launched.browser.newPage();
  await dashboard.setViewport({ width: 1100, height: 900 });
  const query = new URLSearchParams({ origin: companion.url, path: grid.path, band: grid.band.id, window: "300000" });
  await dashboard.goto(`${companion.url}/?${query}`);
  await dashboard.waitForFunction(() => document.body.dataset.shown === location.search, { timeout: 15_000 });
  await dashboard.click("#copy-link");
  await dashboard.waitForFunction(() => document.querySelector<HTMLInputElement>("#share-link input")?.value, {
    timeout: 5_000,
  });
  const link = await dashboard.evaluate(
    () => document.querySelector<HTMLInputElement>("#share-link input")?.value ?? "",
  );
  await (await dashboard.$("#detail"))?.screenshot({ path: "docs/share-link-dashboard.png" });
  await dashboard.close();

  const page = await launched.browser.newPage();
  void page.goto(link).catch(() => undefined);
  // The link leads through the companion's /share to the page itself.
  await until(() => page.url().startsWith(`${companion.url}${grid.path}`), 15_000, "the tab to reach the page");
  const pageUrl = page.url();
  await page.bringToFront();
  await overlayLegend(launched, pageUrl, (text) => text.includes("points") && !text.includes(" 0 points"));
  await page.screenshot({ path: "docs/share-link-page.png" });
  console.log(`${link}\n→ ${pageUrl}`);
} finally {
  await launched.close();
  await companion.close();
}
