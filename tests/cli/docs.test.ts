/** README.md and PROTOCOL.md say what the option table says, and name no option the command line lacks. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildCli } from "../../companion/src/cli";
import { generate, pathOf, SECTIONS } from "../../scripts/options-table";

function flagsOf(command: Command): string[] {
  return [
    ...command.options.map((o) => o.long ?? ""),
    "--help",
    ...command.commands.flatMap((sub) => flagsOf(sub as Command)),
  ];
}

describe("generated option references", () => {
  for (const section of SECTIONS) {
    it(`${section.file} holds the table generated from companion/src/options.ts (run npm run docs)`, () => {
      const text = readFileSync(pathOf(section), "utf8");
      expect(text).toBe(generate(section, text));
    });

    it(`${section.file} names only flags the heatlens command accepts`, () => {
      const known = new Set(flagsOf(buildCli()));
      const named = readFileSync(pathOf(section), "utf8").match(/(?<![\w-])--[a-z][a-z0-9-]+/g) ?? [];
      expect(named.length).toBeGreaterThan(0);
      expect(named.filter((flag) => !known.has(flag))).toEqual([]);
    });
  }
});
