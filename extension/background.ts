/**
 * The background's entry: wires the parts in extension/background/ together.
 * Samples from tracker content scripts go to the durable delivery (outbox and
 * companion link); grids the companion pushes are routed to the frames that
 * watch them; the overlay's switch, share links opened in a tab, the site
 * scripts, the overlay's snapshots and comparisons, and the wake-ups each live in their own module. Nothing here is
 * ever turned off: the signal only states who owns the listeners.
 */

import browser from "webextension-polyfill";
import { acceptSamples } from "./background/capture";
import { answerComparisons } from "./background/comparisons";
import { OverlayRouting } from "./background/overlay-routing";
import { OverlayToggle } from "./background/overlay-toggle";
import { showCapturePause } from "./background/pause-badge";
import { ShareLinks } from "./background/share-links";
import { PAGE_WORLD_SCRIPTS, SITE_SCRIPTS } from "./background/site-script-files";
import { keepSiteScriptsInSync } from "./background/site-scripts";
import { answerSnapshots } from "./background/snapshots";
import { answerStatus } from "./background/status";
import { ToolbarBadge } from "./background/toolbar-badge";
import { wakeUpToDeliver } from "./background/wake-ups";
import { saveCompanionGrid } from "./state/companion-grid";
import { loadSettings, onSettingsChanged, type Settings } from "./state/settings";
import { type ConnectOptions, Delivery } from "./transport/delivery";
import { probeCompanion } from "./transport/probe";

const { signal } = new AbortController();

function connectOptions(settings: Settings): ConnectOptions {
  return { url: settings.companionUrl, name: settings.name, token: settings.token, diagnose: probeCompanion };
}

const badge = new ToolbarBadge(browser.action);
const routing = new OverlayRouting(async () => (await delivery).companion);
const delivery: Promise<Delivery> = loadSettings().then((settings) =>
  Delivery.start(connectOptions(settings), {
    subscribed: (message) => routing.subscribed(message),
    grid: (grid) => routing.grid(grid),
    welcome: (welcome) => void saveCompanionGrid(welcome),
    status: (status) => badge.setLink(status),
  }),
);

acceptSamples(() => delivery, signal);
routing.listen(signal);
const toggle = new OverlayToggle(routing, badge);
toggle.listen(signal);
new ShareLinks(toggle, async () => (await loadSettings()).companionUrl).listen(signal);
void showCapturePause(badge, signal);
void delivery.then((d) => showCapturePause(d, signal));
answerStatus(() => delivery, signal);
answerComparisons(async () => (await delivery).clientId, signal);
answerSnapshots(signal);
keepSiteScriptsInSync(SITE_SCRIPTS, signal, PAGE_WORLD_SCRIPTS);
wakeUpToDeliver(() => void delivery.then((d) => d.nudge()), signal);
onSettingsChanged(async () => (await delivery).reconnect(connectOptions(await loadSettings())), signal, [
  "companionUrl",
  "token",
  "name",
]);
