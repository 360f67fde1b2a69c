/**
 * The build or session label a page's points are tagged with (protocol/tags.ts).
 * The page's own label wins: `<meta name="heatlens-build" content="…">` in its
 * head, else a `data-heatlens-build` attribute on `<html>`, then on `<body>`;
 * a page that declares none gets the label set in the options, if any.
 * Cheap enough to read for every sample (a query of the head and two attribute
 * reads, no layout), so a label the page sets or changes late (a single-page
 * app after loading its config, or on a route change) tags the very next point.
 * Does not watch the page: the caller reads it when it needs it.
 */
import { BUILD_ATTRIBUTE, BUILD_META_NAME, cleanLabel } from "../../protocol/tags";

const META = `meta[name="${BUILD_META_NAME}"]`;

/** The label the page declares, made fit for the wire, or undefined when it declares none. */
export function pageBuildLabel(doc: Document): string | undefined {
  return (
    cleanLabel(doc.head?.querySelector(META)?.getAttribute("content")) ??
    cleanLabel(doc.documentElement?.getAttribute(BUILD_ATTRIBUTE)) ??
    cleanLabel(doc.body?.getAttribute(BUILD_ATTRIBUTE))
  );
}

/** The label of a point taken now: the page's own, else `fallback` (the options' label), else none. */
export function buildLabel(doc: Document, fallback: string): string | undefined {
  return pageBuildLabel(doc) ?? cleanLabel(fallback);
}
