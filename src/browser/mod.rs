//! Everything that touches the browser (`web_sys`, `js_sys`): HTTP, JSON, navigation, timers,
//! `sessionStorage` and money formatting. HTTP and navigation sit behind small interfaces, so
//! tests can observe and script them.

pub mod events;
pub mod json;
pub mod money_format;
pub mod navigation;
pub mod platform;
pub mod storage;
pub mod timer;
pub mod transport;
