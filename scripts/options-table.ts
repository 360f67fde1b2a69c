/** Prints the README's option reference from the companion's option table. */
import { DEFAULTS, OPTION_SPECS } from "../companion/src/options";

console.log("| option | default | what it does |\n| --- | --- | --- |");
for (const spec of OPTION_SPECS) {
  const value = DEFAULTS[spec.key];
  const shown =
    spec.kind === "boolean"
      ? "—"
      : spec.kind === "duration"
        ? `${value} ms`
        : spec.kind === "durationList"
          ? (value as number[]).map((v) => `${v / 1000} s`).join(", ")
          : Array.isArray(value)
            ? value.length
              ? value.join(", ")
              : "none"
            : String(value);
  console.log(`| \`${spec.flag}\` | ${shown} | ${spec.description} |`);
}
