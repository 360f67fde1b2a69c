/**
 * The background: wires capture, transport and overlays together. Samples from
 * tracker content scripts go to the durable delivery (outbox and companion
 * link); grids the companion pushes are routed to the tabs that watch them.
 */
import browser from "webextension-polyfill";
import { HistoryRequest, onMessage, SampleGroup, sendMessage, Watch } from "../protocol/messages";
import { requestId, viewId, viewOf } from "../protocol/subscription";
import type { Grid } from "../protocol/wire";
import { keepSiteScriptsInSync } from "./capture/site-scripts";
import { isCapturePaused, pausedAt, setCapturePaused } from "./state/capture-pause";
import { saveCompanionGrid } from "./state/companion-grid";
import { loadSettings, onSettingsChanged, type Settings } from "./state/settings";
import { isOverlayOn, setOverlay } from "./state/tab-overlays";
import { ToolbarBadge } from "./state/toolbar-badge";
import { type ConnectOptions, Delivery } from "./transport/delivery";
import { fetchHistory } from "./transport/history";

/**
 * What each tab's overlay watches (a subscription request) and, once the
 * companion has answered it, the view (`viewId`) its grids arrive under.
 * Tabs at 1280 and 1366 px make two requests that resolve to one view.
 */
const tabWatches = new Map<number, { watch: Watch; view: string | null }>();
/** The newest grid per view, so that a tab joining a watched view paints at once. */
const latestGrids = new Map<string, Grid>();
const badge = new ToolbarBadge(browser.action);
/** The keyboard shortcut declared in the manifest's `commands`. */
const TOGGLE_COMMAND = "toggle-overlay";

function connectOptions(settings: Settings): ConnectOptions {
  return { url: settings.companionUrl, name: settings.name, token: settings.token };
}

const delivery: Promise<Delivery> = loadSettings().then((settings) =>
  Delivery.start(connectOptions(settings), {
    subscribed: (message) => {
      const request = requestId(message.request);
      const view = viewId(viewOf(message));
      const latest = latestGrids.get(view);
      for (const [tabId, entry] of tabWatches) {
        if (requestId(entry.watch) !== request) continue;
        // A tab new to the view gets its grid now: the companion sends grids only when they change.
        if (entry.view === null && latest) sendMessage("overlay.grid", latest, tabId).catch(() => undefined);
        entry.view = view;
      }
    },
    grid: (grid) => routeGrid(grid),
    welcome: (welcome) => void saveCompanionGrid(welcome),
    status: (status) => badge.setConnected(status.state === "open"),
  }),
);

function routeGrid(grid: Grid): void {
  const view = viewId(viewOf(grid));
  latestGrids.set(view, grid);
  for (const [tabId, entry] of tabWatches) {
    if (entry.view === view) sendMessage("overlay.grid", grid, tabId).catch(() => tabWatches.delete(tabId));
  }
}

/** Withdraws a tab's request unless another tab makes the same one; forgets its view's grid once no tab shows it. */
function unwatchTab(tabId: number): void {
  const entry = tabWatches.get(tabId);
  if (!entry) return;
  tabWatches.delete(tabId);
  const others = [...tabWatches.values()];
  const request = requestId(entry.watch);
  if (!others.some((e) => requestId(e.watch) === request)) void delivery.then((d) => d.companion.unwatch(entry.watch));
  if (entry.view && !others.some((e) => e.view === entry.view)) latestGrids.delete(entry.view);
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
  const watch = Watch.safeParse(data);
  const tabId = sender.tab?.id;
  if (!watch.success || tabId === undefined) return;
  unwatchTab(tabId);
  // Another tab may already make the same request: share its view and latest grid.
  const request = requestId(watch.data);
  const view = [...tabWatches.values()].find((e) => requestId(e.watch) === request && e.view)?.view ?? null;
  tabWatches.set(tabId, { watch: watch.data, view });
  const latest = view ? latestGrids.get(view) : undefined;
  if (latest) sendMessage("overlay.grid", latest, tabId).catch(() => undefined);
  void delivery.then((d) => d.companion.watch(watch.data));
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
