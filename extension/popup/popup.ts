/**
 * The popup: a per-tab "Show heatmap" toggle, what the tab's overlay shows
 * (band, window, points: the overlay's legend), a button that turns Heatlens
 * on for the tab's site when it is off there, and the connection status (why
 * it is down and what to do, see transport/diagnose.ts). It acts
 * on the active tab, or, when opened as a page with `?target=<url>`, on the
 * tab showing that URL (how end-to-end tests reach it in both browsers).
 */
import browser from "webextension-polyfill";
import { type OverlaySummary, sendMessage, type TabStatus } from "../../protocol/messages";
import { PAGE_WORLD_SCRIPTS, SITE_SCRIPTS } from "../background/site-script-files";
import { siteScriptsReady } from "../background/site-scripts";
import { loadCaptureSites, saveCaptureSites, siteOf } from "../state/capture-sites";
import { describeLink } from "../transport/diagnose";

const show = document.getElementById("show") as HTMLInputElement;
const pause = document.getElementById("pause") as HTMLInputElement;
const status = document.getElementById("status") as HTMLParagraphElement;
const detail = document.getElementById("detail") as HTMLParagraphElement;
const todo = document.getElementById("todo") as HTMLParagraphElement;
const legend = document.getElementById("legend") as HTMLParagraphElement;
const enableSite = document.getElementById("enableSite") as HTMLButtonElement;

async function targetTab(): Promise<{ id?: number; url?: string } | undefined> {
  const target = new URLSearchParams(location.search).get("target");
  if (target) return (await browser.tabs.query({})).find((tab) => tab.url === target);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab;
}

/**
 * Adds the tab's site and asks for access to it in the same click. The site is
 * stored first, without waiting: a popup may close while the browser asks, and
 * the background then registers the scripts once access is granted.
 */
function turnOnFor(site: string, tabId: number): void {
  const sites = loadCaptureSites();
  const saved = sites.then((s) => saveCaptureSites({ ...s, sites: [...s.sites, site] }));
  void browser.permissions.request({ origins: [`${site}/*`] }).then(async (granted) => {
    await saved;
    if (!granted) {
      const before = await sites;
      if (!before.sites.includes(site)) {
        const now = await loadCaptureSites();
        await saveCaptureSites({ ...now, sites: now.sites.filter((s) => s !== site) });
      }
      legend.textContent = `The browser did not grant access to ${site}.`;
      return;
    }
    await siteScriptsReady(SITE_SCRIPTS, `${site}/*`, undefined, PAGE_WORLD_SCRIPTS);
    await browser.tabs.reload(tabId);
  });
}

/** The tab does not answer: Heatlens does not run on its site. */
const OFF_SITE = "off-site" as const;

function renderOverlay(summary: OverlaySummary | null | typeof OFF_SITE): void {
  if (summary === OFF_SITE) legend.textContent = "Heatlens is off on this site.";
  else legend.textContent = summary ? `Showing ${summary.legend || "nothing yet"}` : "";
}

function render(state: TabStatus): void {
  show.checked = state.overlay;
  document.body.dataset.overlay = String(state.overlay);
  pause.checked = state.paused;
  document.body.dataset.paused = String(state.paused);
  const { link } = state;
  const words = describeLink(link);
  status.dataset.state = link.state;
  status.textContent = words.headline;
  const parts = [link.url];
  const { outbox } = state;
  if (outbox?.points) parts.push(`${outbox.points} points waiting to be delivered`);
  if (outbox?.evictedPoints) {
    parts.push(
      `${outbox.evictedPoints} oldest points dropped before the companion acknowledged them: the outbox holds at most ${outbox.maxPoints}`,
    );
  }
  if (outbox?.unkeyedPoints) {
    parts.push(`${outbox.unkeyedPoints} points captured by an older version dropped: they did not record their site`);
  }
  if (link.rejected) parts.push(`${link.rejected} batches refused`);
  if (words.reason) parts.push(words.reason);
  detail.textContent = parts.join(" · ");
  todo.textContent = words.todo ?? "";
}

async function main(): Promise<void> {
  const tab = await targetTab();
  const tabId = tab?.id;
  if (tabId === undefined) {
    status.textContent = "No tab to show a heatmap on";
    return;
  }
  const refresh = async () => {
    render(await sendMessage("popup.status", tabId));
    // Asked of the tab's page itself (frame 0, not an iframe's overlay): the overlay knows what it paints.
    const summary = await sendMessage("overlay.describe", undefined, { tabId, frameId: 0 }).catch(() => OFF_SITE);
    renderOverlay(summary);
    enableSite.hidden = summary !== OFF_SITE || !site;
  };
  const site = /^https?:/.test(tab?.url ?? "") ? siteOf(tab?.url ?? "") : null;
  if (site) enableSite.textContent = `Turn on Heatlens for ${site}`;
  enableSite.addEventListener("click", () => site && turnOnFor(site, tabId));
  show.disabled = false;
  show.addEventListener("change", async () => {
    await sendMessage("popup.toggle", { tabId, on: show.checked });
    await refresh();
  });
  pause.addEventListener("change", async () => {
    await sendMessage("popup.pause", pause.checked);
    await refresh();
  });
  document.getElementById("options")?.addEventListener("click", () => void browser.runtime.openOptionsPage());
  await refresh();
  setInterval(() => void refresh(), 1000);
}

void main();
