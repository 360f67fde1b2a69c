/**
 * `npm run bench`: every benchmark in one run, side by side where a ratio is
 * reported. Prints a table and, as its last line, `BENCH {json}`.
 */
import { benchAggregator, HOP, WINDOWS } from "./aggregator";

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const fmt = (n: number) => Math.round(n).toLocaleString("en");

const agg = benchAggregator();
console.log(`Windows ${WINDOWS.map((w) => `${w / 1000} s`).join(", ")}; hop ${HOP} ms.\n`);
console.log("figure                                   value");
console.log(`naive per-window aggregator, events/s    ${fmt(agg.naiveEventsPerSec)}`);
console.log(`pane ring on the same events, events/s   ${fmt(agg.paneSameEventsPerSec)}`);
console.log(`pane ring, 4M events, events/s           ${fmt(agg.aggEventsPerSec)}`);

const result = {
  paneVsNaive: round(agg.paneVsNaive, 1),
  aggEventsPerSec: round(agg.aggEventsPerSec),
};
console.log(`\nBENCH ${JSON.stringify(result)}`);
