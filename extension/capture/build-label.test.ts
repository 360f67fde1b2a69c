// @vitest-environment happy-dom
import { afterEach, describe, expect, test } from "vitest";
import { buildLabel, pageBuildLabel } from "./build-label";

afterEach(() => {
  document.head.innerHTML = "";
  document.body.innerHTML = "";
  document.documentElement.removeAttribute("data-heatlens-build");
  document.body.removeAttribute("data-heatlens-build");
});

function meta(content: string): HTMLMetaElement {
  const element = document.createElement("meta");
  element.name = "heatlens-build";
  element.content = content;
  document.head.append(element);
  return element;
}

describe("build label", () => {
  test("a page that declares nothing has no label of its own and takes the options' label, or none", () => {
    expect(pageBuildLabel(document)).toBeUndefined();
    expect(buildLabel(document, "session-7")).toBe("session-7");
    expect(buildLabel(document, "")).toBeUndefined();
  });

  test("the meta tag wins over the attributes, <html>'s over <body>'s, and the page's own over the options'", () => {
    document.body.setAttribute("data-heatlens-build", "body-1");
    expect(buildLabel(document, "session-7")).toBe("body-1");
    document.documentElement.setAttribute("data-heatlens-build", "html-1");
    expect(buildLabel(document, "session-7")).toBe("html-1");
    meta("lab-2");
    expect(buildLabel(document, "session-7")).toBe("lab-2");
  });

  test("each read sees the page as it is now: a label set, changed or removed late is read at once", () => {
    const element = meta("lab-2");
    expect(pageBuildLabel(document)).toBe("lab-2");
    element.content = "lab-3";
    expect(pageBuildLabel(document)).toBe("lab-3");
    element.remove();
    expect(buildLabel(document, "session-7")).toBe("session-7");
  });

  test("labels are cleaned for the wire; one that cleans to nothing counts as none, so the next source is used", () => {
    meta("  \u0007 ");
    document.documentElement.setAttribute("data-heatlens-build", `  ${"b".repeat(80)}`);
    expect(pageBuildLabel(document)).toBe("b".repeat(62));
    document.documentElement.removeAttribute("data-heatlens-build");
    expect(buildLabel(document, " session\t7 ")).toBe("session7");
  });

  test("a meta tag of another name, or outside the head, is not the page's label", () => {
    const other = document.createElement("meta");
    other.name = "build";
    other.content = "nope";
    document.head.append(other);
    const inBody = document.createElement("meta");
    inBody.name = "heatlens-build";
    inBody.content = "nope";
    document.body.append(inBody);
    expect(pageBuildLabel(document)).toBeUndefined();
  });
});
