//! The error envelope, read from any body an upstream or the proxy might send.
//!
//! Properties: an envelope that parses serializes to JSON that parses to an equal envelope, and
//! that JSON is a fixed point (serializing again gives the same bytes); its code reads back from
//! its name.
#![no_main]

use closient_checkout_core::{ErrorCode, ErrorEnvelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &str| {
    let Ok(envelope) = serde_json::from_str::<ErrorEnvelope>(body) else {
        return;
    };
    let written = serde_json::to_string(&envelope).expect("serializes");
    let reread: ErrorEnvelope = serde_json::from_str(&written)
        .unwrap_or_else(|e| panic!("{body:?} wrote {written:?}, which does not read: {e}"));
    assert_eq!(reread, envelope, "{body:?} wrote {written:?}");
    assert_eq!(serde_json::to_string(&reread).expect("serializes"), written);
    assert_eq!(
        ErrorCode::parse(envelope.error.code.as_str()),
        envelope.error.code
    );
});
