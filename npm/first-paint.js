// The form's first paint for `mount()` and `<closient-checkout>`: the markup the release build
// rendered from the widget (`prerendered.js`, English and the default options), put into the
// empty element at once, so that the form is on screen, and its height taken, while the wasm
// loads. The widget takes it over with whatever was typed into it, as on the hosted page.

import markup from './prerendered.js';

/**
 * Paints the form into `element` if it holds no element (a page may have put the markup there
 * already) and the browser parses declarative shadow DOM; in the colours of `theme`, the option
 * as given, which the widget checks once it arrives.
 */
export function paintFirst(element, theme) {
  if (element.firstElementChild || typeof element.setHTMLUnsafe !== 'function') return;
  const stylesheet = new URL('./checkout.css', import.meta.url).href;
  element.setHTMLUnsafe(markup.replace('href="checkout.css"', `href="${stylesheet}"`));
  if (theme) element.firstElementChild.shadowRoot.lastElementChild.dataset.theme = theme;
}

/** Removes what `paintFirst` put into `element`, when no widget will take it over. */
export function unpaint(element) {
  const host = element.firstElementChild;
  if (host?.shadowRoot?.querySelector('.cc-root') && !host.shadowRoot.adoptedStyleSheets.length) host.remove();
}
