// @vitest-environment happy-dom
import { afterEach, describe, expect, test, vi } from "vitest";
import { ControlsInventory } from "./controls-inventory";

/** happy-dom lays nothing out: every element gets a box. */
function laidOut(): void {
  for (const el of document.querySelectorAll("*")) {
    const rect = { left: 0, top: 0, width: 80, height: 20, x: 0, y: 0, right: 80, bottom: 20 };
    el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
  }
}

const controller = new AbortController();
afterEach(() => {
  controller.abort();
  document.body.innerHTML = "";
});

describe("ControlsInventory", () => {
  test("sends a view's controls at its start, again once they change, and not for a change that keeps the set", async () => {
    document.body.innerHTML = `<button id="buy">Buy</button><p id="text">Text</p>`;
    laidOut();
    const sent: [string, string[]][] = [];
    const inventory = new ControlsInventory(
      document,
      (path, selectors) => sent.push([path, selectors]),
      controller.signal,
      10,
    );
    inventory.startView("/shop");
    expect(sent).toEqual([["/shop", ["#buy"]]]);

    (document.getElementById("text") as HTMLElement).textContent = "Other text";
    document.body.append(Object.assign(document.createElement("p"), { id: "more" }));
    laidOut();
    const link = Object.assign(document.createElement("a"), { id: "help", href: "/help" });
    document.body.append(link);
    laidOut();
    await vi.waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toEqual(["/shop", ["#buy", "#help"]]);

    // A view of another route sends its inventory even when it is the same set.
    inventory.startView("/cart");
    expect(sent[2]).toEqual(["/cart", ["#buy", "#help"]]);
    // Known to have scanned: this observer's timer of the same delay is queued after the inventory's.
    const scanned = new Promise<void>((resolve) => {
      const after = new MutationObserver(() => {
        after.disconnect();
        setTimeout(resolve, 10);
      });
      after.observe(document.documentElement, { subtree: true, childList: true, attributes: true });
    });
    document.body.append(Object.assign(document.createElement("p"), { id: "plain" }));
    laidOut();
    link.setAttribute("href", "/help#top");
    await scanned;
    expect(sent).toHaveLength(3);
  });
});
