// Types of the `closient-checkout` package: `mount()`, its options and handle, and the events
// every widget dispatches. Importing this package (or `closient-checkout/element`) also teaches
// `addEventListener` on elements, the document and the window the widget's event names.

/**
 * What a widget is told. Every option is optional; an unknown option, or a value of the wrong
 * kind, makes `mount` reject (and `handle.update` throw) a `TypeError` that names the option.
 * The custom element takes the same options as attributes (`organizationId` as
 * `organization-id`, and so on), except `messages`.
 */
export interface CheckoutOptions {
  /**
   * The organization to top up (22 characters). Given, it is fixed and shown read-only;
   * otherwise the person types it. Attribute `organization-id`.
   */
  organizationId?: string;
  /**
   * The tenant token your backend minted for this visitor, sent to the proxy as
   * `Authorization: Bearer`. Passed through, never read by the widget. Attribute `token`.
   */
  token?: string;
  /** The proxy route the form posts to. Default `/api/billing/checkout`. Attribute `api-path`. */
  apiPath?: string;
  /**
   * The proxy route for balances, read as `{balancePath}/{organizationId}`.
   * Default `/api/billing/balance`. Attribute `balance-path`.
   */
  balancePath?: string;
  /**
   * The preset amounts, in cents: an array, or a string of numbers separated by spaces or
   * commas (`"2500 5000 10000"`). Default `[2500, 5000, 10000]`. Attribute `presets`.
   */
  presets?: readonly number[] | string;
  /** The smallest amount in cents, a whole number of at least 500. Default 500. Attribute `min-cents`. */
  minCents?: number;
  /** The largest amount in cents. Default 99,999,999 (USD 999,999.99). Attribute `max-cents`. */
  maxCents?: number;
  /**
   * This widget's name on the page: it goes into its return URLs, and only the widget of that
   * name shows the success or cancel view when the customer comes back. Default: the host
   * element's id, else `"default"`. Attribute `name`.
   */
  name?: string;
  /**
   * The language and number format (`"en"`, `"de-DE"`, ...). Default: the page's `lang`, else
   * the browser's. Attribute `locale`.
   */
  locale?: string;
  /** The currency shown: only `"USD"`, which the API charges in. Attribute `currency`. */
  currency?: 'USD';
  /**
   * Where Stripe sends the customer back. Default: the current page, without the widget's own
   * query parameters. Attribute `return-url`.
   */
  returnUrl?: string;
  /**
   * The origins a checkout URL may be on: an array, or a string separated by spaces or commas.
   * `http` only on loopback. Default `["https://checkout.stripe.com"]`. Attribute
   * `checkout-origins`.
   */
  checkoutOrigins?: readonly string[] | string;
  /** How long the form waits for the proxy, in milliseconds. Default 20,000. Attribute `timeout-ms`. */
  timeoutMs?: number;
  /**
   * The colours: `"auto"` follows the host element's `color-scheme` (a page that declares none
   * gets the light widget), `"light"` and `"dark"` force one; the `--cc-*` custom properties
   * still override either. Default `"auto"`. Attribute `theme`.
   */
  theme?: 'auto' | 'light' | 'dark';
  /**
   * Any visible string, replaced by key (`"form.title"`, `"form.amount.label"`, ...; `{name}`
   * placeholders are filled in). JavaScript only (no attribute).
   */
  messages?: Readonly<Record<string, string>>;
}

/** A mounted widget. */
export interface CheckoutHandle {
  /** Removes everything the widget added: its element, its listeners and its timers. */
  unmount(): void;
  /**
   * Changes some options; the others keep their values, and what the person typed stays.
   * Throws a `TypeError` naming the option, like `mount`.
   */
  update(options: CheckoutOptions): void;
}

/** How a mount is controlled. */
export interface MountControl {
  /**
   * Aborting it unmounts the widget, whether or not `mount` has resolved. Aborted before the
   * widget renders, it never renders, dispatches nothing and sends no request, and `mount`
   * resolves to a handle whose methods do nothing. In a React effect:
   * `const ac = new AbortController(); mount(ref.current, options, { signal: ac.signal });
   * return () => ac.abort();`
   */
  signal?: AbortSignal;
}

/**
 * Renders a widget into `element` (any element: the widget adds one `<div>` child with its own
 * shadow root, so the page's CSS does not reach it). Loads the wasm on first use.
 * Rejects with a `TypeError` for a bad option.
 */
export function mount(
  element: Element,
  options?: CheckoutOptions,
  control?: MountControl,
): Promise<CheckoutHandle>;

/**
 * Starts loading the widget's code, resolving when it is ready. `mount` and the element call it
 * themselves; call it early to save the wait. A failed load is retried by the next call.
 */
export function preload(): Promise<void>;

/** `closient-checkout:ready`: the form can be used. */
export interface ReadyDetail {}

/** Which rule a field breaks; a later version may add codes. */
export type InvalidCode =
  | 'EMPTY'
  | 'LENGTH'
  | 'INVALID_CHARACTER'
  | 'WRONG_DECIMAL_MARK'
  | 'GROUPING'
  | 'MULTIPLE_DECIMAL_MARKS'
  | 'TOO_MANY_DECIMALS'
  | 'SIGN'
  | 'NO_DIGITS'
  | 'BELOW_MINIMUM'
  | 'ABOVE_MAXIMUM'
  | (string & {});

/** `closient-checkout:invalid`: a submit was refused in the browser; nothing was sent. */
export interface InvalidDetail {
  /** Which field is wrong. */
  field: 'organizationId' | 'amount';
  /** Which rule it breaks, for your analytics; the widget shows the message itself. */
  code: InvalidCode;
}

/** `closient-checkout:submit`: a valid top-up is being sent to the proxy. */
export interface SubmitDetail {
  organizationId: string;
  amountCents: number;
}

/**
 * `closient-checkout:redirect`: the browser is about to go to the checkout page. Cancelable:
 * `event.preventDefault()` keeps the page where it is and the form usable, so you can open
 * `url` yourself (a new tab, your router). A checkout URL is used once.
 */
export interface RedirectDetail {
  url: string;
}

/**
 * What failed, for your logs and analytics (the widget shows the person what to do):
 * - the API's or the proxy's code as the proxy answered it: `VALIDATION_ERROR`, `BAD_REQUEST`,
 *   `UNAUTHORIZED`, `FORBIDDEN`, `FORBIDDEN_ORIGIN` (the page's origin is not allowed),
 *   `UNAUTHENTICATED` (the tenant token is missing, malformed or expired), `NOT_FOUND`,
 *   `CONFLICT`, `METHOD_NOT_ALLOWED`, `UNSUPPORTED_MEDIA_TYPE`, `PAYLOAD_TOO_LARGE`,
 *   `RATE_LIMITED`, `INTERNAL_ERROR`, `SERVICE_UNAVAILABLE`, `UPSTREAM_UNAVAILABLE`,
 *   `UPSTREAM_TIMEOUT`, `INVALID_IDEMPOTENCY_KEY`, `IDEMPOTENCY_KEY_REUSED`,
 *   `IDEMPOTENCY_KEY_IN_USE`; a code this version does not know arrives as it is;
 * - the widget's own: `REJECTED` (a refusal whose answer carried no code),
 *   `NETWORK_ERROR`, `TIMEOUT`, `UNTRUSTED_CHECKOUT_URL` (a checkout URL off the allowlist),
 *   `INVALID_OPTION` (a bad attribute of the element), `LOAD_FAILED` (the element could not
 *   load the widget's code).
 */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'FORBIDDEN_ORIGIN'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'INVALID_IDEMPOTENCY_KEY'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'REJECTED'
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'UNTRUSTED_CHECKOUT_URL'
  | 'INVALID_OPTION'
  | 'LOAD_FAILED'
  | (string & {});

/** `closient-checkout:error`: something failed; the widget shows it, and says what to do. */
export interface ErrorDetail {
  code: ErrorCode;
  /** The HTTP status, or 0 when there was no answer (network, timeout, configuration). */
  status: number;
  /** Whether trying again can help. */
  retryable: boolean;
  /** With `INVALID_OPTION`: the option whose attribute is wrong. */
  option?: string;
}

/** `closient-checkout:credited`: back from checkout, the balance shows the payment. */
export interface CreditedDetail {
  /** The organization credited: every widget on the page showing it shows the new balance. */
  organizationId: string;
  amountCents: number;
  balanceCents: number;
}

/** Every event a widget dispatches, by name. All bubble and cross shadow roots (`composed`). */
export interface CheckoutEventMap {
  'closient-checkout:ready': CustomEvent<ReadyDetail>;
  'closient-checkout:invalid': CustomEvent<InvalidDetail>;
  'closient-checkout:submit': CustomEvent<SubmitDetail>;
  'closient-checkout:redirect': CustomEvent<RedirectDetail>;
  'closient-checkout:error': CustomEvent<ErrorDetail>;
  'closient-checkout:credited': CustomEvent<CreditedDetail>;
}

declare global {
  // The events are dispatched on the host element and bubble to the document and the window.
  interface HTMLElementEventMap extends CheckoutEventMap {}
  interface DocumentEventMap extends CheckoutEventMap {}
  interface WindowEventMap extends CheckoutEventMap {}
}
