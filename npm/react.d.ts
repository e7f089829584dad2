// Types of `closient-checkout/react`: `<ClosientCheckout>`, and `<closient-checkout>` in JSX.
// Only this entry refers to React's types; `closient-checkout` and its element do not.

import type { CSSProperties, DetailedHTMLProps, HTMLAttributes, ReactElement } from 'react';
import type {
  CheckoutOptions,
  CreditedDetail,
  ErrorDetail,
  InvalidDetail,
  ReadyDetail,
  RedirectDetail,
  SubmitDetail,
} from './index.js';
import type { ClosientCheckoutElement } from './element.js';

/** A handler of one of the widget's events; it receives the `CustomEvent` itself. */
export type CheckoutEventHandler<Detail> = (event: CustomEvent<Detail>) => void;

/**
 * The widget's options (see `CheckoutOptions`), its event handlers, and the host `<div>`'s
 * `className` and `style`. A changed option is given to the widget in place, keeping what was
 * typed; an option no longer given keeps its last value, as with `update()`.
 */
export interface ClosientCheckoutProps extends CheckoutOptions {
  /** `closient-checkout:ready`: the form can be used. */
  onReady?: CheckoutEventHandler<ReadyDetail>;
  /** `closient-checkout:invalid`: a submit was refused in the browser. */
  onInvalid?: CheckoutEventHandler<InvalidDetail>;
  /** `closient-checkout:submit`: a valid top-up is being sent. */
  onSubmit?: CheckoutEventHandler<SubmitDetail>;
  /** `closient-checkout:redirect`: `event.preventDefault()` keeps the page where it is. */
  onRedirect?: CheckoutEventHandler<RedirectDetail>;
  /** `closient-checkout:error`: something failed; the widget shows it. */
  onError?: CheckoutEventHandler<ErrorDetail>;
  /** `closient-checkout:credited`: back from checkout, the balance shows the payment. */
  onCredited?: CheckoutEventHandler<CreditedDetail>;
  className?: string;
  style?: CSSProperties;
}

/**
 * The widget in a `<div>`, mounted once the component is (an empty `<div>` on a server).
 * A bad option is thrown to the nearest error boundary as a `TypeError` naming it.
 */
export function ClosientCheckout(props: ClosientCheckoutProps): ReactElement;

/**
 * The attributes of `<closient-checkout>` (`import 'closient-checkout/element'` defines it),
 * and its events as props: React 19 adds a listener for a custom element's `on` + event name
 * prop, such as `onclosient-checkout:submit`.
 */
export interface ClosientCheckoutAttributes extends HTMLAttributes<ClosientCheckoutElement> {
  'organization-id'?: string;
  token?: string;
  'api-path'?: string;
  'balance-path'?: string;
  /** Numbers separated by spaces or commas: `"2500 5000 10000"`. */
  presets?: string;
  'min-cents'?: number | string;
  'max-cents'?: number | string;
  name?: string;
  locale?: string;
  currency?: 'USD';
  'return-url'?: string;
  /** Origins separated by spaces or commas. */
  'checkout-origins'?: string;
  'timeout-ms'?: number | string;
  theme?: 'auto' | 'light' | 'dark';
  'onclosient-checkout:ready'?: CheckoutEventHandler<ReadyDetail>;
  'onclosient-checkout:invalid'?: CheckoutEventHandler<InvalidDetail>;
  'onclosient-checkout:submit'?: CheckoutEventHandler<SubmitDetail>;
  'onclosient-checkout:redirect'?: CheckoutEventHandler<RedirectDetail>;
  'onclosient-checkout:error'?: CheckoutEventHandler<ErrorDetail>;
  'onclosient-checkout:credited'?: CheckoutEventHandler<CreditedDetail>;
}

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'closient-checkout': DetailedHTMLProps<ClosientCheckoutAttributes, ClosientCheckoutElement>;
    }
  }
}
