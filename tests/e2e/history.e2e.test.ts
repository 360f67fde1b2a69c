/**
 * The overlay's history menu, in Chromium and Firefox: points captured twenty
 * minutes ago are in no live window, but "Last hour" shows them from the
 * companion's history, and the freeze button returns to live.
 */
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Companion } from "../../companion/src/server";
import { PROTOCOL_VERSION } from "../../protocol/wire";
import { until } from "../support/heatlens";
import type { BrowserName, LaunchedBrowser } from "./browsers";
import { openPage, overlayLegend, setOverlay } from "./harness";
import { browserSession } from "./session";

describe.each<BrowserName>(["chromium", "firefox"])("history in %s", (name) => {
  let companion: Companion;
  let launched: LaunchedBrowser;
  browserSession(name, (c, l) => {
    companion = c;
    launched = l;
  });

  it("shows the last hour from the history, then returns to live", async () => {
    const url = `${companion.url}/demo/?tab=history`;
    const page = await openPage(launched, url);
    const { w, h } = await page.evaluate(() => ({
      w: document.documentElement.clientWidth,
      h: document.documentElement.clientHeight,
    }));
    // Twelve points captured twenty minutes ago, sent now by another tester's client.
    const ws = new WebSocket(`${companion.url.replace("http", "ws")}/ws`, ["heatlens.v1"]);
    await new Promise((resolve) => ws.once("open", resolve));
    const acked = new Promise((resolve) => ws.on("message", (d) => String(d).includes('"ack"') && resolve(null)));
    ws.send(JSON.stringify({ type: "hello", v: PROTOCOL_VERSION, client: "earlier" }));
    const t0 = Date.now() - 20 * 60_000;
    const pts = Array.from({ length: 12 }, (_, i) => [i * 1000, 300, 400, 0]).flat();
    ws.send(
      JSON.stringify({
        type: "batch",
        seq: 0,
        sentAt: Date.now(),
        pages: [{ origin: companion.url, path: "/demo/", w, t0, pts }],
      }),
    );
    await acked;
    ws.terminate();
    // Past ranges are read from the history, which the companion writes every two seconds.
    const history = new URL(`${companion.url}/api/heatmap`);
    for (const [name, value] of Object.entries({
      origin: companion.url,
      path: "/demo/",
      width: w,
      from: t0,
      to: Date.now(),
    })) {
      history.searchParams.set(name, String(value));
    }
    await until(
      async () => ((await (await fetch(history)).json()) as { total: number }).total === 12,
      10_000,
      "history",
    );

    await setOverlay(launched, url, true);
    await page.bringToFront();
    expect(await overlayLegend(launched, url, (t) => t.includes("last 5 min"))).toMatch(/last 5 min · 0 points/);

    // "Last hour": the first of the three history buttons, above the scale and mode rows.
    await page.mouse.click(w - 190, h - 161);
    expect(await overlayLegend(launched, url, (t) => t.includes("history"))).toMatch(
      // The date shows before a time on another day than today (a run near midnight).
      /history (\d{4}-\d\d-\d\d )?\d\d:\d\d–(\d{4}-\d\d-\d\d )?\d\d:\d\d · 12 points/,
    );

    // The freeze button, now "Back to live".
    await page.mouse.click(w - 122, h - 31);
    expect(await overlayLegend(launched, url, (t) => t.includes("last 5 min"))).toMatch(/last 5 min · 0 points/);
  });
});
