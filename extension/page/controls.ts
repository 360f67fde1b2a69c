/**
 * Controls: the interactive elements of a page, which coverage
 * (protocol/coverage.ts) counts as touched or not. One definition for the
 * tracker (which sends the page's inventory) and the overlay (which outlines
 * them).
 *
 * A control is a link or area with an href, a button, an input that is not
 * hidden, a select, a textarea, a summary, an element with an interactive
 * role (button, link, tab, menuitem, checkbox, radio, switch, option), with a
 * `tabindex` of 0 or more, or with an `onclick` attribute or property. Click
 * listeners added with addEventListener cannot be detected from a content
 * script (nothing lists an element's listeners), and a handler property set
 * by the page's own script lives in the page's world, which a content script
 * does not see; no heuristic (such as `cursor: pointer`, which every child of
 * a link inherits) is used in their place: such elements count only when
 * they carry one of the marks above. Open shadow roots are searched too.
 *
 * Not counted: hidden elements (display: none or visibility: hidden on the
 * element or an ancestor, or an `inert` or `aria-hidden="true"` ancestor),
 * zero-size ones, and those no selector names (see anchor.ts `selectorOf`).
 * Each control is named by the selector its anchors have, so its heat is
 * found among a grid's anchors.
 */
import { selectorOf } from "./anchor";
import { composedParent } from "./composed-tree";

const ROLES = ["button", "link", "tab", "menuitem", "checkbox", "radio", "switch", "option"];

/** What marks a control, as one selector; `tabindex` and `onclick` properties are checked apart. */
export const CONTROL_SELECTOR = [
  "a[href]",
  "area[href]",
  "button",
  'input:not([type="hidden"])',
  "select",
  "textarea",
  "summary",
  "[tabindex]",
  "[onclick]",
  ...ROLES.map((role) => `[role="${role}"]`),
].join(", ");

export interface Control {
  element: Element;
  selector: string;
}

/** The page's controls in document order (inside open shadow roots too), each once. */
export function pageControls(doc: Document = document): Control[] {
  const controls: Control[] = [];
  const seen = new Set<string>();
  const hidden = new Map<Element, boolean>();
  const visit = (root: Document | ShadowRoot) => {
    for (const el of root.querySelectorAll("*")) {
      if (isControl(el) && shown(el, hidden)) {
        const selector = selectorOf(el);
        if (selector && !seen.has(selector)) {
          seen.add(selector);
          controls.push({ element: el, selector });
        }
      }
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(doc);
  return controls;
}

/** Whether an element is a control by its marks alone (not whether it shows). */
export function isControl(el: Element): boolean {
  if (el.matches(CONTROL_SELECTOR)) {
    const tabindex = el.getAttribute("tabindex");
    // A negative tabindex takes the element out of the tab order: a control only by its other marks.
    if (tabindex === null || Number(tabindex) >= 0) return true;
    return el.matches(CONTROL_SELECTOR.replace(", [tabindex]", ""));
  }
  return typeof (el as HTMLElement).onclick === "function";
}

/** Not hidden (itself or an ancestor) and of a size; `hidden` caches the ancestors' answers. */
function shown(el: Element, hidden: Map<Element, boolean>): boolean {
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) return false;
  const style = getComputedStyle(el);
  if (style.visibility === "hidden" || style.visibility === "collapse") return false;
  return !hiddenTree(el, hidden);
}

function hiddenTree(el: Element, hidden: Map<Element, boolean>): boolean {
  const known = hidden.get(el);
  if (known !== undefined) return known;
  const parent = composedParent(el);
  const result =
    el.hasAttribute("inert") ||
    el.getAttribute("aria-hidden") === "true" ||
    getComputedStyle(el).display === "none" ||
    (parent !== null && hiddenTree(parent, hidden));
  hidden.set(el, result);
  return result;
}
