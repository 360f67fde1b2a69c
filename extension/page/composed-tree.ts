/**
 * Walking up the composed tree: across open shadow roots to their hosts, as
 * events do. Node types rather than `instanceof`, because a node may come from
 * another realm (a frame, a test DOM).
 */

/** The parent element, or a shadow root's host. */
export function composedParent(el: Element): Element | null {
  return el.parentElement ?? (el.parentNode ? asShadowRoot(el.parentNode)?.host : null) ?? null;
}

export function asShadowRoot(node: Node): ShadowRoot | null {
  return node.nodeType === Node.DOCUMENT_FRAGMENT_NODE && "host" in node ? (node as ShadowRoot) : null;
}
