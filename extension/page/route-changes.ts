/**
 * Calls `listener` after every same-document navigation: pushState,
 * replaceState, back/forward (popstate) and hash changes. The Navigation API's
 * `currententrychange` covers all of them, including the page's own
 * pushState, which no other event reports to a content script; `popstate` and
 * `hashchange` cover browsers without it. A change may be reported more than
 * once: listeners compare the new key with the old one.
 */
export function onRouteChange(listener: () => void, signal: AbortSignal): void {
  const navigation = (globalThis as { navigation?: EventTarget }).navigation;
  navigation?.addEventListener("currententrychange", listener, { signal });
  addEventListener("popstate", listener, { signal });
  addEventListener("hashchange", listener, { signal });
}
