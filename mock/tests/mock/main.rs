//! Tests of the mock: through `oneshot` on its router, and over real loopback connections where
//! the connection itself matters.

mod admin;
mod api;
mod binary;
mod dashboard;
mod faults;
mod hosted_page;
mod server;
mod support;
