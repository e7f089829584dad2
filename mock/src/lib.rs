//! A fake Closient billing API and a fake Stripe hosted checkout page, for the demo and the
//! tests. It is never linked into the production proxy.
//!
//! In-process: `start` serves on a loopback port and returns a handle whose `state()` queues
//! faults and reads what happened; `router` gives the bare router for `oneshot` tests. Other
//! processes control a running mock over HTTP under `/__mock/`. With a tenant secret it also
//! plays a dashboard's backend, minting tenant tokens under `/__dashboard/`.
//!
//! A request goes `server` (TCP, and the `drop` fault) -> `router` -> `api`, `hosted_page` or
//! `admin`, which keep what happened in `state`; `faults` and `rate_limit` are the rules the
//! API routes apply, and use nothing else of the crate.

mod admin;
mod api;
mod config;
mod dashboard;
mod faults;
mod hosted_page;
mod rate_limit;
mod router;
mod server;
mod state;

pub use config::MockConfig;
pub use faults::{Fault, FaultParseError, OVERSIZED_BYTES};
pub use rate_limit::API_LIMIT as API_RATE_LIMIT;
pub use router::router;
pub use server::{RunningMock, start};
pub use state::{BASE_PATH, MockState, Route, SessionInfo, SessionStatus, Stats};
