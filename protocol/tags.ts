/**
 * Tags of captured points, for comparing sets of them: the build (or session)
 * label a point was captured under, and the tester who made it.
 *
 * - The build label comes from the page under test: `<meta name="heatlens-build"
 *   content="…">` or a `data-heatlens-build` attribute on `<html>` or `<body>`;
 *   a page that declares none gets the label set in the extension's options, if
 *   any. It travels as `build` on a batch's page group.
 * - The tester is the display name the client gives in its hello, or its client
 *   id when it gives none.
 *
 * The companion keeps the history of each tagged set under a tagged page key
 * (`taggedKey`), beside the page key and with the same side keys (anchors,
 * loose points, scroll marks), so that any tagged set reads back as a whole grid.
 */
import { z } from "zod";

export const BUILD_META_NAME = "heatlens-build";
export const BUILD_ATTRIBUTE = "data-heatlens-build";
export const MAX_TAG_LENGTH = 64;

/** A build label or tester name: 1–64 characters, no control characters, no spaces at either end. */
export const tagLabel = z
  .string()
  .min(1)
  .max(MAX_TAG_LENGTH)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "a label holds no control characters")
  .refine((s) => s.trim() === s, "a label has no spaces at either end");

/** A label as a page or the options give it, made fit for the wire (trimmed, control characters dropped, cut), or undefined. */
export function cleanLabel(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  const text = raw
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is dropped
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .slice(0, MAX_TAG_LENGTH)
    .trim();
  return text === "" ? undefined : text;
}

/** The tester a client's points are tagged with: its display name, or its client id. */
export function testerOf(hello: { client: string; name?: string | undefined }): string {
  return cleanLabel(hello.name) ?? hello.client;
}

export type TagKind = "build" | "tester";

const TAG = "\u0002";
const LETTER: Record<TagKind, string> = { build: "b", tester: "t" };

/** The key of a page's points with one tag (`pageKey` from page-key.ts). Side keys of it are made as for any page key. */
export function taggedKey(pageKey: string, kind: TagKind, label: string): string {
  return `${pageKey}${TAG}${LETTER[kind]}${label}`;
}

/** Every tagged key of `pageKey`, and their side keys, start with this (and no other key does). */
export function tagPrefix(pageKey: string): string {
  return `${pageKey}${TAG}`;
}

/** The page key, tag kind and label a tagged key names, or null for any other key. Side keys of a tagged key are not tagged keys. */
export function splitTaggedKey(key: string): { pageKey: string; kind: TagKind; label: string } | null {
  const at = key.indexOf(TAG);
  if (at < 0 || key.includes("\u0001", at)) return null;
  const letter = key[at + 1];
  const kind = letter === "b" ? "build" : letter === "t" ? "tester" : null;
  if (!kind) return null;
  return { pageKey: key.slice(0, at), kind, label: key.slice(at + 2) };
}
