// Types of `closient-checkout/element`: importing it registers `<closient-checkout>`.

import type { CheckoutEventMap } from './index.js';

export type {
  CheckoutEventMap,
  CreditedDetail,
  ErrorCode,
  ErrorDetail,
  InvalidCode,
  InvalidDetail,
  ReadyDetail,
  RedirectDetail,
  SubmitDetail,
} from './index.js';

/**
 * `<closient-checkout>`: the widget as an element. Its attributes are the options of `mount`
 * in kebab case (`organization-id`, `token`, `api-path`, `balance-path`, `presets`, `min-cents`,
 * `max-cents`, `name`, `locale`, `currency`, `return-url`, `checkout-origins`, `timeout-ms`,
 * `theme`);
 * changing one updates the widget and keeps what was typed. A bad value shows the
 * configuration error in the widget and dispatches `closient-checkout:error` with code
 * `INVALID_OPTION` and the option's name. Moving the element keeps the widget; removing it
 * unmounts the widget.
 */
export interface ClosientCheckoutElement extends HTMLElement {
  addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: ClosientCheckoutElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: ClosientCheckoutElement, event: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'closient-checkout': ClosientCheckoutElement;
  }
}
