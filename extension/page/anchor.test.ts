// @vitest-environment happy-dom
import fc from "fast-check";
import { afterEach, describe, expect, test, vi } from "vitest";
import { SHADOW_SEPARATOR } from "../../protocol/anchor";
import { anchorFor, candidateNames, isGeneratedName, resolveAnchor } from "./anchor";

/** happy-dom lays nothing out: give an element the box a browser would. */
function box(el: Element, left: number, top: number, width: number, height: number): Element {
  const rect = { left, top, width, height, x: left, y: top, right: left + width, bottom: top + height };
  el.getBoundingClientRect = () => ({ ...rect, toJSON: () => rect }) as DOMRect;
  return el;
}

function page(html: string): void {
  document.body.innerHTML = html;
}

function el(selector: string, root: ParentNode = document): Element {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`no ${selector}`);
  return box(found, 10, 10, 100, 40);
}

/** The anchor's selector, checked to name the same element back. */
function selectorOf(target: Element): string | undefined {
  const anchor = anchorFor(target, 20, 20);
  if (anchor) expect(resolveAnchor(anchor.s)).toBe(target);
  return anchor?.s;
}

afterEach(() => {
  document.body.innerHTML = "";
});

describe("anchorFor names", () => {
  test("a test attribute first, before an id and classes", () => {
    page(`<button data-testid="buy" id="buy-button" class="button">Buy</button>`);
    expect(selectorOf(el("button"))).toBe('[data-testid="buy"]');
    page(`<div data-qa="basket"></div><div data-cy="total" data-test="sum"></div>`);
    expect(selectorOf(el("[data-qa]"))).toBe('[data-qa="basket"]');
    expect(selectorOf(el("[data-cy]"))).toBe('[data-test="sum"]');
  });

  test("an id when it is not generated and names one element only", () => {
    page(`<a id="checkout" class="link">Pay</a>`);
    expect(selectorOf(el("a"))).toBe("#checkout");
    page(`<section id="main"><a id=":r1:" class="link">Pay</a></section>`);
    expect(selectorOf(el("a"))).toBe(".link");
    page(`<p id="twice"></p><p id="twice" class="second"></p>`);
    expect(selectorOf(el(".second"))).toBe(".second");
  });

  test("classes that are not generated, alone or with the tag", () => {
    page(`<div class="css-1x2y3z price">9 €</div>`);
    expect(selectorOf(el("div"))).toBe(".price");
    page(`<span class="tag">a</span><b class="tag">b</b>`);
    expect(selectorOf(el("b"))).toBe("b.tag");
  });

  test("a tag:nth-of-type path down from the nearest uniquely named ancestor", () => {
    page(`<ul id="items"><li class="item"><span></span></li><li class="item"><span></span><span></span></li></ul>`);
    expect(selectorOf(el("li:nth-of-type(2) > span:nth-of-type(2)"))).toBe(
      "#items > li:nth-of-type(2) > span:nth-of-type(2)",
    );
    page(`<div><p></p><div><em></em></div></div>`);
    expect(selectorOf(el("em"))).toBe("body > div > div > em");
  });

  test("generated names are never used, so a restyled page keeps its selectors", () => {
    page(`<main><div class="sc-aXbYc kXhQyG"><i class="Button_primary__3kF9a"></i></div></main>`);
    expect(selectorOf(el("i"))).toBe("body > main > div > i");
  });

  test("names are escaped as CSS; a name the engine cannot query is passed over", () => {
    page(`<p id="1st" class="a.b" data-cy='say "hi"'></p>`);
    expect(candidateNames(el("p"))).toEqual(['[data-cy="say \\"hi\\""]', "#\\31 st", ".a\\.b", "p.a\\.b"]);
    // happy-dom's selector engine reads no escaped quote or digit (browsers do): those names count as not unique.
    expect(selectorOf(el("p"))).toBe(".a\\.b");
  });

  test("an element too deep for the length limit has no anchor", () => {
    page(`${"<div>".repeat(200)}<i></i>${"</div>".repeat(200)}`);
    expect(anchorFor(el("i"), 20, 20)).toBeNull();
  });
});

describe("isGeneratedName", () => {
  test.each([
    "css-1x2y3z",
    "css-qe5y3b-Button",
    "sc-aXbYc",
    "kXhQyG",
    "bZvjtU",
    "Button_primary__3kF9a",
    "button__primary___1Xa9z",
    "_primary_3kf9a",
    "jsx-123456",
    "svelte-1abc2de",
    "jss12",
    "makeStyles-root-3",
    ":r1:",
    "«r2»",
    "radix-:R1mt:",
    "ember1234",
    "4f1c2a9e-8b3d-4c2e-9a1f-0e5d6c7b8a90",
    "item-9f8e7d6c5b",
  ])("%s is generated", (name) => expect(isGeneratedName(name)).toBe(true));

  test.each([
    "checkout",
    "buy-button",
    "card__title",
    "card--active",
    "productCard",
    "myBigButtonLabel",
    "col-md-6",
    "mt-4",
    "h1Title",
    "nav",
    "price",
    "section-2",
  ])("%s is written by a person", (name) => expect(isGeneratedName(name)).toBe(false));
});

describe("anchorFor box", () => {
  test("u and v are the offset in the element's box in 1/1024, clamped to 0…1023", () => {
    page(`<button id="b"></button>`);
    const target = box(el("#b"), 100, 50, 200, 100);
    expect(anchorFor(target, 150, 75)).toEqual({ s: "#b", u: 256, v: 256 });
    expect(anchorFor(target, 99, 150)).toEqual({ s: "#b", u: 0, v: 1023 });
    expect(anchorFor(target, 300, 50)).toEqual({ s: "#b", u: 1023, v: 0 });
  });

  test("an element without a box anchors to the nearest ancestor with one; an SVG shape to its svg", () => {
    page(`<a id="link"><span class="contents"></span></a><svg id="icon"><path></path></svg>`);
    box(el("#link"), 0, 0, 50, 20);
    box(document.querySelector(".contents") as Element, 0, 0, 0, 0);
    expect(anchorFor(document.querySelector(".contents") as Element, 5, 5)?.s).toBe("#link");
    box(el("#icon"), 0, 0, 24, 24);
    box(document.querySelector("path") as Element, 2, 2, 20, 20);
    expect(anchorFor(document.querySelector("path") as Element, 5, 5)?.s).toBe("#icon");
  });

  test("a wrapper larger than half the viewport, the body and html are no anchor", () => {
    page(`<div id="wrapper"><span id="gap"></span></div>`);
    box(el("#wrapper"), 0, 0, innerWidth, innerHeight * 0.6);
    box(el("#gap"), 0, 0, 0, 0);
    expect(anchorFor(document.querySelector("#gap") as Element, 5, 5)).toBeNull();
    expect(anchorFor(document.querySelector("#wrapper") as Element, 5, 5)).toBeNull();
    box(document.body, 0, 0, 100, 100);
    expect(anchorFor(document.body, 5, 5)).toBeNull();
    expect(anchorFor(document.documentElement, 5, 5)).toBeNull();
  });
});

describe("own documents", () => {
  test("an element of another document (a frame's) is anchored in that document, with a cache of its own", () => {
    page(`<p id="top"></p>`);
    const frame = document.implementation.createHTMLDocument("frame");
    frame.body.innerHTML = `<ul id="menu"><li></li><li></li></ul>`;
    const item = box(frame.querySelector("li:nth-of-type(2)") as Element, 0, 0, 80, 20);
    const anchor = anchorFor(item, 40, 10);
    expect(anchor).toEqual({ s: "#menu > li:nth-of-type(2)", u: 512, v: 512 });
    expect(resolveAnchor(anchor?.s ?? "", frame)).toBe(item);
    expect(resolveAnchor(anchor?.s ?? "")).toBeNull();
  });
});

describe("open shadow roots", () => {
  test("the host's selector, the separator, then the selector inside; resolved back across the root", () => {
    page(`<shop-card data-testid="card"></shop-card>`);
    const host = el("shop-card");
    const root = host.attachShadow({ mode: "open" });
    root.innerHTML = `<div><button class="buy"></button><button class="buy"></button></div>`;
    const inner = el("button:nth-of-type(2)", root);
    const anchor = anchorFor(inner, 20, 20);
    expect(anchor?.s).toBe(`[data-testid="card"]${SHADOW_SEPARATOR}div > button:nth-of-type(2)`);
    expect(resolveAnchor(anchor?.s ?? "")).toBe(inner);
  });

  test("the tracker's innermost target is the first entry of the event's composed path", () => {
    page(`<shop-card id="card"></shop-card>`);
    const root = el("#card").attachShadow({ mode: "open" });
    root.innerHTML = `<em data-testid="star"></em>`;
    let innermost: EventTarget | undefined;
    document.addEventListener("mousemove", (event) => {
      innermost = event.composedPath()[0];
    });
    el("em", root).dispatchEvent(new MouseEvent("mousemove", { bubbles: true, composed: true }));
    expect(anchorFor(innermost as Element, 20, 20)?.s).toBe(`#card${SHADOW_SEPARATOR}[data-testid="star"]`);
  });
});

describe("resolveAnchor", () => {
  test("null for an invalid selector, a missing element or a host without an open root; never throws", () => {
    page(`<div id="a"></div>`);
    expect(resolveAnchor("[[[")).toBeNull();
    expect(resolveAnchor("#missing")).toBeNull();
    expect(resolveAnchor(`#a${SHADOW_SEPARATOR}span`)).toBeNull();
    expect(resolveAnchor("#a")).toBe(document.querySelector("#a"));
  });
});

describe("cache", () => {
  test("a repeated sample on an unchanged page costs one rect read and no query", () => {
    page(`<ul id="items"><li></li><li></li></ul>`);
    const target = el("li:nth-of-type(2)");
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    const queries = vi.spyOn(document, "querySelectorAll");
    const query = vi.spyOn(document, "querySelector");
    const rects = vi.spyOn(target, "getBoundingClientRect");
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    expect(queries).not.toHaveBeenCalled();
    expect(query).not.toHaveBeenCalled();
    expect(rects).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });

  test("is kept when only text changes", async () => {
    page(`<ul id="items"><li>1</li><li>2</li></ul><p id="clock">12:00</p>`);
    // The new page's own records (which drop the cache) come first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const target = el("li:nth-of-type(2)");
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    const queries = vi.spyOn(document, "querySelectorAll");
    (document.getElementById("clock") as Element).textContent = "12:01";
    target.append("!");
    // Flushes the observer's records, which run before this continuation.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    expect(queries).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  test("is dropped when names or structure change", async () => {
    page(`<ul id="items"><li></li><li></li></ul>`);
    const target = el("li:nth-of-type(2)");
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    target.setAttribute("data-testid", "second");
    await vi.waitFor(() => expect(anchorFor(target, 20, 20)?.s).toBe('[data-testid="second"]'));
    target.removeAttribute("data-testid");
    target.parentElement?.prepend(document.createElement("li"));
    await vi.waitFor(() => expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(3)"));
  });

  test("is dropped when the viewport is resized, and an anchor grown past the limit is chosen again", () => {
    page(`<section id="panel"><span id="label"></span></section>`);
    const panel = box(el("#panel"), 0, 0, 600, 500);
    const label = box(el("#label"), 0, 0, 0, 0);
    expect(anchorFor(label, 20, 20)?.s).toBe("#panel");
    const size = { innerWidth, innerHeight };
    Object.defineProperties(window, {
      innerWidth: { value: 800, configurable: true },
      innerHeight: { value: 600, configurable: true },
    });
    expect(anchorFor(label, 20, 20)).toBeNull();
    Object.defineProperties(window, {
      innerWidth: { value: size.innerWidth, configurable: true },
      innerHeight: { value: size.innerHeight, configurable: true },
    });
    expect(anchorFor(label, 20, 20)?.s).toBe("#panel");
    box(panel, 0, 0, innerWidth, innerHeight);
    expect(anchorFor(label, 20, 20)).toBeNull();
  });

  test("is dropped when a shadow root an anchor was taken in changes", async () => {
    page(`<shop-card id="card"></shop-card>`);
    const root = el("#card").attachShadow({ mode: "open" });
    root.innerHTML = `<p></p><p class="x"></p>`;
    const target = el(".x", root);
    expect(anchorFor(target, 20, 20)?.s).toBe(`#card${SHADOW_SEPARATOR}.x`);
    target.className = "y";
    await vi.waitFor(() => expect(anchorFor(target, 20, 20)?.s).toBe(`#card${SHADOW_SEPARATOR}.y`));
  });

  test("is kept, with no walk of the page, while a clock ticks and a toast comes and goes elsewhere", () => {
    page(`<p id="clock" class="tick">12:00</p><ul id="items"><li></li><li></li></ul>`);
    const target = el("li:nth-of-type(2)");
    expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    const clock = document.getElementById("clock") as Element;
    const queries = vi.spyOn(document, "querySelectorAll");
    const query = vi.spyOn(document, "querySelector");
    for (let tick = 1; tick <= 5; tick++) {
      clock.textContent = `12:0${tick}`;
      clock.className = tick % 2 ? "tock" : "tick";
      const toast = document.createElement("div");
      toast.className = "toast";
      document.body.append(toast);
      if (tick % 2) toast.remove();
      expect(anchorFor(target, 20, 20)?.s).toBe("#items > li:nth-of-type(2)");
    }
    expect(queries).not.toHaveBeenCalled();
    expect(query).not.toHaveBeenCalled();
    vi.restoreAllMocks();
  });

  test("a cached selector that an element added or renamed would now answer to is not reused", () => {
    page(`<main><div class="promo"><span></span></div></main><p class="lead"></p>`);
    const target = el(".promo span");
    const lead = el(".lead");
    expect(selectorOf(target)).toBe(".promo > span");
    expect(selectorOf(lead)).toBe(".lead");
    document.querySelector("main")?.prepend(Object.assign(document.createElement("div"), { className: "promo" }));
    (document.querySelector(".promo") as Element).append(document.createElement("span"));
    expect(selectorOf(target)).not.toBe(".promo > span");
    const other = document.createElement("p");
    document.body.prepend(other);
    other.className = "lead";
    expect(selectorOf(lead)).not.toBe(".lead");
  });

  test("asks once per root whether a name is unique, until a change can alter the answer", () => {
    page(
      `<div class="flex"><a class="flex"></a></div><div class="flex"><b class="flex"></b></div><p class="note"></p><p class="note"></p>`,
    );
    const queries = vi.spyOn(document, "querySelectorAll");
    selectorOf(el("a"));
    selectorOf(el("b"));
    const asked = (name: string) => queries.mock.calls.filter(([selector]) => selector === name).length;
    expect(asked(".flex")).toBe(1);
    // One of two notes leaves: the other's name is unique now.
    expect(selectorOf(el("p.note"))).toBe("body > p:nth-of-type(1)");
    document.querySelector("p.note")?.remove();
    expect(selectorOf(el("p.note"))).toBe(".note");
    vi.restoreAllMocks();
  });

  test("after any adds, removals and renames, every anchor names its element back", () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant("add" as const), at: fc.nat(), cls: fc.constantFrom("a", "b", "c", "") }),
      fc.record({ op: fc.constant("remove" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("rename" as const), at: fc.nat(), cls: fc.constantFrom("a", "b", "c", "") }),
      fc.record({ op: fc.constant("anchor" as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        page(`<div class="a"><span class="b"></span></div><section><p></p><p class="c"></p></section>`);
        const all = () => [...document.body.querySelectorAll("*")];
        for (const s of steps) {
          const els = all();
          const chosen = els[s.at % Math.max(1, els.length)];
          if (s.op === "add") {
            const added = document.createElement(s.at % 3 ? "p" : "span");
            if (s.cls) added.className = s.cls;
            if (chosen && s.at % 2) chosen.prepend(added);
            else if (chosen) chosen.before(added);
            else document.body.append(added);
          } else if (!chosen) continue;
          else if (s.op === "remove") chosen.remove();
          else if (s.op === "rename") chosen.className = s.cls;
          else {
            const anchor = anchorFor(box(chosen, 10, 10, 100, 40), 20, 20);
            if (anchor) expect(resolveAnchor(anchor.s)).toBe(chosen);
          }
        }
        // Each element asked once more at the end, after all the changes.
        for (const target of all()) {
          const anchor = anchorFor(box(target, 10, 10, 100, 40), 20, 20);
          if (anchor) expect(resolveAnchor(anchor.s)).toBe(target);
        }
      }),
      { numRuns: 300 },
    );
  });
});
