/** What the pipeline's stages say to each other over the bus. */
import type { Grid } from "../../protocol/wire";
import type { StoredSignal } from "./store/event-store";

/** Points of one key from one batch, already binned and on the companion's clock. */
export interface KeyedPoints {
  /** The page key (protocol/page-key.ts). */
  key: string;
  /** Capture times, companion clock, ms since the epoch. */
  times: ArrayLike<number>;
  /** Cells, one per time: a page key's are point cells (protocol/anchor.ts), a side key's its own kind. */
  cells: ArrayLike<number>;
  /**
   * Set on a page's anchored points, all in one group keyed
   * `anchorKey(pageKey, "")`: the selectors they are on, and for each point
   * the index of its selector here, so that an anchor is named once per group
   * rather than by a key string of its own. A group keyed by one anchor
   * (`anchorKey(pageKey, selector)`, batches stored before) holds no such fields.
   */
  anchors?: string[];
  anchorOf?: ArrayLike<number>;
  /**
   * Tags of the group's points (protocol/tags.ts): its build label, if the
   * page group had one, and its tester. Only the history reads them: it keeps
   * each tagged set under its tagged page key as well.
   */
  build?: string;
  tester?: string;
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

/** Rage, dead and error clicks of one batch, stored, on the companion's clock. */
export interface SignalsMessage {
  signals: StoredSignal[];
}

export interface Topics extends Record<string, unknown> {
  points: PointsMessage;
  signals: SignalsMessage;
  interest: InterestMessage;
  grid: Grid;
}
