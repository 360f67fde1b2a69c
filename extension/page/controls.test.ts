// @vitest-environment happy-dom
import { afterEach, describe, expect, test } from "vitest";
import { isControl, pageControls } from "./controls";

/** happy-dom lays nothing out: every element gets a box, except those given `data-size="0"`. */
function laidOut(): void {
  for (const el of document.querySelectorAll("*")) {
    const zero = el.getAttribute("data-size") === "0";
    const rect = { left: 0, top: 0, width: zero ? 0 : 80, height: zero ? 0 : 20, x: 0, y: 0, right: 80, bottom: 20 };
    el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
  }
}

function selectors(): string[] {
  laidOut();
  return pageControls(document).map((control) => control.selector);
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("pageControls", () => {
  test("finds links, buttons, fields, summaries, roles, tabindex and onclick, each by its anchor selector", () => {
    document.body.innerHTML = `
      <a id="home" href="/">Home</a><a id="nowhere">No href</a>
      <button id="buy">Buy</button>
      <input id="qty"><input id="secret" type="hidden"><select id="size"></select><textarea id="note"></textarea>
      <details><summary id="more">More</summary></details>
      <div id="tab" role="tab">Tab</div><div id="plain">Plain</div>
      <span id="focus" tabindex="0">F</span><span id="unfocus" tabindex="-1">U</span>
      <div id="handler" onclick="void 0">H</div>`;
    expect(selectors()).toEqual(["#home", "#buy", "#qty", "#size", "#note", "#more", "#tab", "#focus", "#handler"]);
  });

  test("leaves out hidden, inert, aria-hidden and zero-size controls", () => {
    document.body.innerHTML = `
      <button id="shown">Shown</button>
      <button id="none" style="display: none">None</button>
      <div style="display: none"><button id="inside-none">In</button></div>
      <button id="invisible" style="visibility: hidden">Invisible</button>
      <div inert><button id="inert">Inert</button></div>
      <div aria-hidden="true"><a id="aria" href="/">Aria</a></div>
      <button id="zero" data-size="0">Zero</button>`;
    expect(selectors()).toEqual(["#shown"]);
  });

  test("searches open shadow roots, naming their controls through the host", () => {
    document.body.innerHTML = `<div id="cart"></div>`;
    const root = (document.getElementById("cart") as HTMLElement).attachShadow({ mode: "open" });
    root.innerHTML = `<button class="checkout">Checkout</button>`;
    laidOut();
    for (const el of root.querySelectorAll("*")) el.getBoundingClientRect = document.body.getBoundingClientRect;
    expect(pageControls(document).map((c) => c.selector)).toEqual(["#cart >>> .checkout"]);
  });

  test("an onclick property set in this world makes a control; a negative tabindex alone does not", () => {
    document.body.innerHTML = `<div id="prop">P</div><span id="minus" tabindex="-1" role="button">R</span>`;
    const prop = document.getElementById("prop") as HTMLElement;
    expect(isControl(prop)).toBe(false);
    prop.onclick = () => undefined;
    expect(isControl(prop)).toBe(true);
    expect(isControl(document.getElementById("minus") as Element)).toBe(true);
  });
});
