/** What the pipeline's stages say to each other over the bus. */
import type { Grid } from "../../protocol/wire";

/** Points of one key from one batch, already binned and on the companion's clock. */
export interface KeyedPoints {
  /** The page key (protocol/page-key.ts). */
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
