/**
 * PROTOCOL.md's list of `GET /api/heatmap`'s 400 reasons against the real
 * binary: every reason it lists is one a bad request is answered with, word
 * for word, so that the list cannot drift from what a user is told; and the
 * band a request names, as its table says (`width` before `band`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type Running, startHeatlens } from "../support/heatlens";

const PAGE = "origin=https%3A%2F%2Fshop.example&path=%2Fcart";

/** A bad request for each kind of mistake the list names. */
const BAD = [
  "path=%2Fcart",
  "origin=https%3A%2F%2Fshop.example",
  "origin=ftp%3A%2F%2Fshop.example&path=%2Fcart",
  "url=cart",
  `${PAGE}&width=0`,
  `${PAGE}&width=1280px`,
  `${PAGE}&band=huge`,
  `${PAGE}&window=5`,
  `${PAGE}&format=xml`,
  `${PAGE}&from=1795837080000&to=1795837020000`,
  `${PAGE}&cols=7`,
  `${PAGE}&tester=ana&build=1.0`,
  `${PAGE}&tester=%20ana`,
];

/** The reasons PROTOCOL.md lists for `/api/heatmap`: each bullet's quoted texts. */
function documentedReasons(): string[] {
  const text = readFileSync(join(ROOT, "PROTOCOL.md"), "utf8");
  const section = text.slice(text.indexOf("### `GET /api/heatmap`"));
  const list = section.slice(section.indexOf("The 400 reasons are:"), section.indexOf("\n### "));
  return list
    .split("\n")
    .filter((line) => line.startsWith("- "))
    .flatMap((line) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string))
    .filter((quoted) => !/^E_[A-Z]+$/.test(quoted));
}

describe("GET /api/heatmap, from the real binary", () => {
  let companion: Running;
  beforeAll(async () => {
    companion = await startHeatlens([]);
  });
  afterAll(() => companion.stop());

  it("answers bad requests with the 400 reasons PROTOCOL.md lists, word for word", async () => {
    const answered = new Set<string>();
    for (const query of BAD) {
      const res = await fetch(`${companion.url}/api/heatmap?${query}`);
      expect(res.status, query).toBe(400);
      const { code, reason } = (await res.json()) as { code: string; reason: string };
      expect(code, query).toMatch(/^E_(SCHEMA|COLS)$/);
      answered.add(reason);
    }
    const documented = documentedReasons();
    expect(documented.length).toBeGreaterThanOrEqual(10);
    expect(documented.filter((reason) => !answered.has(reason))).toEqual([]);
  });

  it("takes the band from width when both width and band are given, as its table says", async () => {
    const bandOf = async (query: string) => {
      const res = await fetch(`${companion.url}/api/heatmap?${PAGE}&${query}`);
      expect(res.status, query).toBe(200);
      return ((await res.json()) as { band: { id: string } }).band.id;
    };
    expect(await bandOf("band=desktop")).toBe("desktop");
    expect(await bandOf("width=500")).toBe("phone");
    expect(await bandOf("width=500&band=desktop")).toBe("phone");
  });
});
