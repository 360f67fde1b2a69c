/**
 * Scroll marks of the page views in one window (a tab or a frame): a `view`
 * mark when a view begins (its viewport height, the fold), then a `reach`
 * mark for each further step of the document the viewport's bottom edge
 * passes and a `box` mark for each step of the largest scroll container
 * (protocol/anchor.ts). Scroll events only set a timer (passive listener):
 * depths are read at most once per SCROLL_CHECK_MS.
 */
import { ScrollMark, type ScrollMarkKind } from "../../protocol/anchor";
import { boxReach, documentReach, largestScrollContainer, stepsCrossed } from "../page/scroll";

export interface Mark {
  kind: ScrollMarkKind;
  value: number;
}

/** Most one read of the depths per this many ms while scrolling; also the wait after a view begins, for its content. */
export const SCROLL_CHECK_MS = 250;

export class ScrollMarks {
  /** Steps reached in the current view: document and container. */
  private reach = 0;
  private box = 0;
  private container: Element | null = null;
  /** False until the largest container is looked for in this view, and again when another element scrolls. */
  private containerKnown = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly win: Window,
    private readonly emit: (marks: Mark[]) => void,
    signal: AbortSignal,
  ) {
    // Capture: element scroll events do not bubble, but pass the window on their way down.
    win.addEventListener("scroll", this.onScroll, { capture: true, passive: true, signal });
    signal.addEventListener("abort", () => {
      if (this.timer !== null) clearTimeout(this.timer);
    });
  }

  /** A view begins (the page, or a new route): its view mark now, its depth once its content has had a moment. */
  startView(): void {
    this.reach = 0;
    this.box = 0;
    this.containerKnown = false;
    this.emit([{ kind: ScrollMark.view, value: Math.round(this.win.innerHeight) }]);
    this.schedule();
  }

  /** Reads both depths and sends the steps newly passed. */
  check(): void {
    const doc = this.win.document;
    const marks: Mark[] = stepsCrossed(this.reach, documentReach(this.win)).map((value) => ({
      kind: ScrollMark.reach,
      value,
    }));
    this.reach = marks.at(-1)?.value ?? this.reach;
    if (!this.containerKnown) {
      const container = largestScrollContainer(doc);
      if (container !== this.container) this.box = 0;
      this.container = container;
      this.containerKnown = true;
    }
    if (this.container?.isConnected) {
      for (const value of stepsCrossed(this.box, boxReach(this.container))) {
        marks.push({ kind: ScrollMark.box, value });
        this.box = value;
      }
    }
    if (marks.length > 0) this.emit(marks);
  }

  private readonly onScroll = (event: Event): void => {
    const doc = this.win.document;
    const target = event.target as Node | null;
    const isElement = target?.nodeType === Node.ELEMENT_NODE;
    if (isElement && target !== doc.documentElement && target !== doc.body && target !== this.container)
      this.containerKnown = false;
    this.schedule();
  };

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.check();
    }, SCROLL_CHECK_MS);
  }
}
