/** What the pipeline's stages say to each other over the bus. */
import type { Grid } from "../../protocol/wire";

/** Points of one key from one batch, already binned and on the companion's clock. */
export interface KeyedPoints {
  key: string;
  /** Capture times, companion clock, ms since the epoch. */
  times: number[];
  /** Packed cells (see protocol/grid.ts), one per time. */
  cells: number[];
}

export interface PointsMessage {
  client: string;
  groups: KeyedPoints[];
}

/** A viewer starts or stops watching one key's window. */
export interface InterestMessage {
  key: string;
  windowMs: number;
  watching: boolean;
}

export interface Topics extends Record<string, unknown> {
  points: PointsMessage;
  interest: InterestMessage;
  grid: Grid;
}

/** A key is a width band and a normalised path: `desktop|/product/1`. */
export function makeKey(band: string, path: string): string {
  return `${band}|${path}`;
}

export function splitKey(key: string): { band: string; path: string } {
  const bar = key.indexOf("|");
  return { band: key.slice(0, bar), path: key.slice(bar + 1) };
}
