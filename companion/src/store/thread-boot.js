// A store thread's entry (commit-thread.ts, checkpoint-thread.ts, named by `workerData.entry`): their code is
// TypeScript, run through tsx as the companion's own is.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
