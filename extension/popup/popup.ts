/**
 * The popup: a per-tab "Show heatmap" toggle, what the tab's overlay shows
 * (band, window, points: the overlay's legend) and the connection status. It acts
 * on the active tab, or, when opened as a page with `?target=<url>`, on the
 * tab showing that URL (how end-to-end tests reach it in both browsers).
 */
import browser from "webextension-polyfill";
import { type OverlaySummary, sendMessage, type TabStatus } from "../../protocol/messages";

const show = document.getElementById("show") as HTMLInputElement;
const status = document.getElementById("status") as HTMLParagraphElement;
const detail = document.getElementById("detail") as HTMLParagraphElement;
const legend = document.getElementById("legend") as HTMLParagraphElement;

async function targetTab(): Promise<number | undefined> {
  const target = new URLSearchParams(location.search).get("target");
  if (target) return (await browser.tabs.query({})).find((tab) => tab.url === target)?.id;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

function renderOverlay(summary: OverlaySummary | null): void {
  legend.textContent = summary ? `Showing ${summary.legend || "nothing yet"}` : "";
}

function render(state: TabStatus): void {
  show.checked = state.overlay;
  document.body.dataset.overlay = String(state.overlay);
  const { link } = state;
  status.dataset.state = link.state;
  status.textContent = { open: "Connected", connecting: "Connecting…", closed: "Not connected" }[link.state];
  const parts = [link.url];
  const { outbox } = state;
  if (outbox?.points) parts.push(`${outbox.points} points waiting to be delivered`);
  if (outbox?.evictedPoints) {
    parts.push(`${outbox.evictedPoints} oldest points dropped: the outbox holds at most ${outbox.maxPoints}`);
  }
  if (link.rejected) parts.push(`${link.rejected} batches refused`);
  if (link.state !== "open" && link.lastError) parts.push(link.lastError);
  detail.textContent = parts.join(" · ");
}

async function main(): Promise<void> {
  const tabId = await targetTab();
  if (tabId === undefined) {
    status.textContent = "No tab to show a heatmap on";
    return;
  }
  const refresh = async () => {
    render(await sendMessage("popup.status", tabId));
    // Asked of the tab itself: the overlay knows what it paints.
    renderOverlay(await sendMessage("overlay.describe", undefined, tabId).catch(() => null));
  };
  show.disabled = false;
  show.addEventListener("change", async () => {
    await sendMessage("popup.toggle", { tabId, on: show.checked });
    await refresh();
  });
  document.getElementById("options")?.addEventListener("click", () => void browser.runtime.openOptionsPage());
  await refresh();
  setInterval(() => void refresh(), 1000);
}

void main();
