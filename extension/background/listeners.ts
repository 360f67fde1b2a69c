/**
 * How the background's modules own their listeners: each is added with the
 * signal that removes it, so a module is turned off (or a test ends) with one
 * `abort()`.
 */

interface BrowserEvent<L> {
  addListener(listener: L): void;
  removeListener(listener: L): void;
}

/** Adds `listener` to a browser event until `signal` aborts. */
export function listen<L>(event: BrowserEvent<L>, listener: L, signal: AbortSignal): void {
  if (signal.aborted) return;
  event.addListener(listener);
  signal.addEventListener("abort", () => event.removeListener(listener), { once: true });
}

/** Calls each remover (as `onMessage` returns them) once `signal` aborts. */
export function removeOnAbort(signal: AbortSignal, ...removers: (() => void)[]): void {
  signal.addEventListener(
    "abort",
    () => {
      for (const remove of removers) remove();
    },
    { once: true },
  );
}
