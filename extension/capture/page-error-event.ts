/**
 * The event the page-world relay (page-errors.iife.ts) fires on `window` for
 * each uncaught error or unhandled rejection of the page: a plain event with
 * no detail, so that nothing of the error (its message, its stack) crosses.
 */
export const PAGE_ERROR_EVENT = "heatlens:page-error";
