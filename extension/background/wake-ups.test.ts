import "../testing/install-fake-browser";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeBrowser } from "../testing/fake-browser";
import { DELIVERY_ALARM, wakeUpToDeliver } from "./wake-ups";

describe("wake-ups", () => {
  beforeEach(() => fakeBrowser.reset());

  it("sets a 30 s alarm and nudges delivery when it or the browser's start wakes the background, until aborted", () => {
    let nudges = 0;
    const running = new AbortController();
    wakeUpToDeliver(() => nudges++, running.signal);
    expect(fakeBrowser.alarm(DELIVERY_ALARM)).toEqual({ name: DELIVERY_ALARM, periodInMinutes: 0.5 });
    fakeBrowser.alarms.onAlarm.emit({ name: DELIVERY_ALARM });
    fakeBrowser.alarms.onAlarm.emit({ name: "someone-else" });
    fakeBrowser.runtime.onStartup.emit();
    expect(nudges).toBe(2);
    running.abort();
    fakeBrowser.alarms.onAlarm.emit({ name: DELIVERY_ALARM });
    expect(nudges).toBe(2);
    expect(fakeBrowser.runtime.onStartup.size).toBe(0);
  });
});
