/**
 * The background: wires capture, transport and overlays together. Samples from
 * tracker content scripts go to the durable delivery (outbox and companion
 * link); grids the companion pushes are routed to the tabs that watch them.
 */
import browser from "webextension-polyfill";
import { HistoryRequest, onMessage, SampleGroup, sendMessage, WatchSet } from "../protocol/messages";
import type { Grid } from "../protocol/wire";
import { keepSiteScriptsInSync } from "./capture/site-scripts";
import { isCapturePaused, pausedAt, setCapturePaused } from "./state/capture-pause";
import { saveCompanionGrid } from "./state/companion-grid";
import { loadSettings, onSettingsChanged, type Settings } from "./state/settings";
import { isOverlayOn, setOverlay } from "./state/tab-overlays";
import { ToolbarBadge } from "./state/toolbar-badge";
import { type ConnectOptions, Delivery } from "./transport/delivery";
import { fetchHistory } from "./transport/history";
import { probeCompanion } from "./transport/probe";
import { TabViews } from "./transport/tab-views";

const tabViews = new TabViews();
const badge = new ToolbarBadge(browser.action);
/** The keyboard shortcut declared in the manifest's `commands`. */
const TOGGLE_COMMAND = "toggle-overlay";

function connectOptions(settings: Settings): ConnectOptions {
  return { url: settings.companionUrl, name: settings.name, token: settings.token, diagnose: probeCompanion };
}

const delivery: Promise<Delivery> = loadSettings().then((settings) =>
  Delivery.start(connectOptions(settings), {
    subscribed: (message) => {
      // A tab new to the view gets its grid now: the companion sends grids only when they change.
      const { tabs, grid } = tabViews.subscribed(message);
      if (grid) for (const tabId of tabs) showGrid(tabId, grid);
    },
    grid: (grid) => routeGrid(grid),
    welcome: (welcome) => void saveCompanionGrid(welcome),
    status: (status) => badge.setLink(status),
  }),
);

function routeGrid(grid: Grid): void {
  for (const tabId of tabViews.grid(grid)) showGrid(tabId, grid);
}

/** A tab that cannot take its grid (closed, navigated away) stops watching. */
function showGrid(tabId: number, grid: Grid): void {
  sendMessage("overlay.grid", grid, tabId).catch(() => unwatchTab(tabId));
}

function unwatchTab(tabId: number): void {
  const withdraw = tabViews.unwatch(tabId);
  if (withdraw) void delivery.then((d) => d.companion.unwatch(withdraw));
}

// Answered once the samples are durable: the tracker resends what is not answered.
onMessage("capture.samples", async ({ data, sender }) => {
  const samples = SampleGroup.safeParse(data);
  if (!samples.success || !sender.tab) return;
  // Samples taken during a pause are answered but never stored.
  const paused = await pausedAt();
  const outbox = await delivery;
  for (const sample of samples.data) if (!paused(sample.t)) await outbox.addSample(sample);
});

onMessage("popup.pause", ({ data }) => setCapturePaused(data === true));

onMessage("overlay.state", ({ sender }) => (sender.tab?.id === undefined ? false : isOverlayOn(sender.tab.id)));

onMessage("overlay.watch", ({ data, sender }) => {
  const watches = WatchSet.safeParse(data);
  const tabId = sender.tab?.id;
  if (!watches.success || tabId === undefined) return;
  const [watch] = watches.data;
  if (!watch) return unwatchTab(tabId);
  const { withdraw, grid } = tabViews.watch(tabId, watch);
  void delivery.then((d) => {
    if (withdraw) d.companion.unwatch(withdraw);
    d.companion.watch(watch);
  });
  if (grid) showGrid(tabId, grid);
});

onMessage("overlay.unwatch", ({ sender }) => {
  if (sender.tab?.id !== undefined) unwatchTab(sender.tab.id);
});

onMessage("overlay.history", async ({ data }) => {
  const request = HistoryRequest.safeParse(data);
  if (!request.success)
    return { ok: false, code: "E_SCHEMA", reason: request.error.issues[0]?.message ?? "bad request" };
  return fetchHistory(await loadSettings(), request.data);
});

onMessage("popup.status", async ({ data: tabId }) => ({
  ...(await (await delivery).status()),
  overlay: await isOverlayOn(tabId),
  paused: await isCapturePaused(),
}));

async function showOverlay(tabId: number, on: boolean): Promise<void> {
  await setOverlay(tabId, on);
  if (!on) unwatchTab(tabId);
  badge.showTab(tabId, on);
  await sendMessage("overlay.show", on, tabId).catch(() => undefined);
}

onMessage("popup.toggle", ({ data }) => showOverlay(data.tabId, data.on));

browser.commands.onCommand.addListener(async (command, tab) => {
  if (command !== TOGGLE_COMMAND) return;
  const tabId = tab?.id ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
  if (tabId !== undefined) await showOverlay(tabId, !(await isOverlayOn(tabId)));
});

// The tracker and overlay run on the sites enabled in the options, besides the demo shop.
keepSiteScriptsInSync(new AbortController().signal);

// The browser drops a tab's own badge when the tab navigates: put it back once loaded.
browser.tabs.onUpdated.addListener((tabId, change) => {
  if (change.status === "complete") void isOverlayOn(tabId).then((on) => badge.showTab(tabId, on));
});

// Listening here makes the browser start the background when it starts, so a
// non-empty outbox is delivered without waiting for a page to be visited.
browser.runtime.onStartup.addListener(() => undefined);

// Browsers stop an idle background (Chrome's service worker, Firefox's event
// page) and its reconnect timer with it: an alarm every 30 s wakes it, and
// whatever waits in the outbox goes out as soon as the companion is back.
const DELIVERY_ALARM = "heatlens-delivery";
void browser.alarms.create(DELIVERY_ALARM, { periodInMinutes: 0.5 });
browser.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === DELIVERY_ALARM) void delivery.then((d) => d.nudge());
});

browser.tabs.onRemoved.addListener((tabId) => {
  unwatchTab(tabId);
  void setOverlay(tabId, false);
});

onSettingsChanged(
  async () => (await delivery).reconnect(connectOptions(await loadSettings())),
  new AbortController().signal,
  ["companionUrl", "token", "name"],
);
