/**
 * Wake-ups. Browsers stop an idle background (Chrome's service worker,
 * Firefox's event page) and its reconnect timer with it: an alarm every 30 s
 * wakes it, and whatever waits in the outbox goes out as soon as the
 * companion is back. Listening to `onStartup` makes the browser start the
 * background when it starts, so a non-empty outbox is delivered without
 * waiting for a page to be visited.
 */
import browser from "webextension-polyfill";
import { listen } from "./listeners";

export const DELIVERY_ALARM = "heatlens-delivery";
/** Chrome's shortest alarm period. */
const PERIOD_MINUTES = 0.5;

export function wakeUpToDeliver(nudge: () => void, signal: AbortSignal): void {
  listen(browser.runtime.onStartup, () => nudge(), signal);
  listen(
    browser.alarms.onAlarm,
    (fired: { name: string }) => {
      if (fired.name === DELIVERY_ALARM) nudge();
    },
    signal,
  );
  void browser.alarms.create(DELIVERY_ALARM, { periodInMinutes: PERIOD_MINUTES });
}
