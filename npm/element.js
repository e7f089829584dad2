// `import 'closient-checkout/element'` registers <closient-checkout>: the widget as an element
// whose attributes are its options.
//
// Safe to import anywhere: on a server (no `window`) this module does nothing, and in a browser
// a second import, or a second copy of the package, finds the element defined and leaves it.
// The class is created only when it is defined, since `HTMLElement` exists only in a browser.

import { preload } from './index.js';
import { paintFirst, unpaint } from './first-paint.js';
import { mountElement } from './closient_checkout.js';

const TAG = 'closient-checkout';

/** Every attribute the widget reads; a change to any of them updates the widget in place. */
const ATTRIBUTES = [
  'organization-id',
  'token',
  'api-path',
  'balance-path',
  'presets',
  'min-cents',
  'max-cents',
  'name',
  'locale',
  'currency',
  'return-url',
  'checkout-origins',
  'timeout-ms',
  'theme',
];

function define(registry) {
  class ClosientCheckoutElement extends window.HTMLElement {
    static observedAttributes = ATTRIBUTES;

    /** The widget once it is mounted. */
    #handle = null;
    /** Whether the wasm is being loaded for this element. */
    #loading = false;

    connectedCallback() {
      if (this.#handle || this.#loading) return;
      this.#loading = true;
      paintFirst(this, this.getAttribute('theme'));
      preload().then(
        () => {
          this.#loading = false;
          // Removed while the wasm loaded: nothing to mount.
          if (this.isConnected && !this.#handle) this.#handle = mountElement(this);
        },
        (error) => {
          this.#loading = false;
          unpaint(this);
          // No caller to reject to: the page hears it as the widget's error event. Connecting
          // the element again tries to load again.
          console.error('<closient-checkout>: the widget could not be loaded', error);
          this.dispatchEvent(
            new CustomEvent('closient-checkout:error', {
              bubbles: true,
              composed: true,
              detail: { code: 'LOAD_FAILED', status: 0, retryable: true },
            }),
          );
        },
      );
    }

    disconnectedCallback() {
      // A move (removed and inserted again before this task's microtasks run, as
      // `parent.append(element)` does) keeps the widget and what was typed in it.
      queueMicrotask(() => {
        if (this.isConnected || !this.#handle) return;
        this.#handle.unmount();
        this.#handle = null;
      });
    }

    // `parent.moveBefore(element, ...)` moves without disconnecting when this exists.
    connectedMoveCallback() {}

    attributeChangedCallback(_name, before, after) {
      if (before !== after) this.#handle?.updateFromAttributes();
    }
  }
  registry.define(TAG, ClosientCheckoutElement);
}

if (typeof window !== 'undefined' && window.customElements && !window.customElements.get(TAG)) {
  define(window.customElements);
}
