/** Prints the README's option reference from the companion's option table. */
import { formatDefault, OPTION_SPECS } from "../companion/src/options";

console.log("| option | default | what it does |\n| --- | --- | --- |");
for (const spec of OPTION_SPECS) {
  console.log(`| \`${spec.flag}\` | ${formatDefault(spec) ?? "—"} | ${spec.description} |`);
}
