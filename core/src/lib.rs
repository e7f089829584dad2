//! The domain rules of Closient Checkout, written once and used by the widget (wasm) and the
//! proxy (native): what a valid organization id and amount are, the upstream API's bodies and
//! error codes, the retry policy, and which URLs may be followed.
//!
//! Nothing here reads a clock or a random source: callers pass the current time and a random
//! sample in, because on `wasm32-unknown-unknown` the std clock panics.
//! Errors are structured values; their `Display` is the developer-facing English wording that
//! the proxy sends, while the widget words them for people itself.

pub mod amount;
pub mod api;
pub mod credit;
pub mod idempotency;
pub mod money;
pub mod organization;
mod quoted;
pub mod retry;
pub mod return_url;
pub mod session;
pub mod timeouts;
pub mod url;
pub mod validate;

pub use amount::{
    AmountCents, AmountError, AmountLimits, LimitsError, Separators, SeparatorsError,
};
pub use api::{
    ApiError, BalanceResponse, CheckoutRequest, CheckoutResponse, ErrorCode, ErrorEnvelope,
    FieldError, field,
};
pub use credit::{CreditWatch, POLL_DELAYS_MS, session_id_in_url};
pub use money::{Money, MoneyError};
pub use organization::{OrganizationId, OrganizationIdError};
pub use retry::{
    Failure, Recourse, RetryDecision, RetryPolicy, parse_imf_fixdate, parse_retry_after,
};
pub use return_url::{
    DEFAULT_NAME, PageView, ReturnUrls, WIDGET_QUERY_KEYS, is_instance_name, page_view,
    return_urls, strip_widget_params,
};
pub use session::{CheckoutSessionId, SessionIdError};
pub use url::{Origin, OriginAllowlist, UrlError};
pub use validate::{Cents, CheckoutFields, Field, validate_checkout};
