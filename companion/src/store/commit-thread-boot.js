// The commit thread's entry: its code is TypeScript, run through tsx as the companion's own is.
import { register } from "tsx/esm/api";

register();
await import("./commit-thread.ts");
