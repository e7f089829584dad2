//! The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header): its names and what
//! a well-formed key is, shared by the widget that sends it and the proxy that checks it.

/// The request header: one key per click, reused by that click's retries.
pub const KEY_HEADER: &str = "Idempotency-Key";
/// The answer header on an answer given again from the record of an earlier request.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// The longest key accepted; a UUID, what the widget sends, is 36.
pub const MAX_KEY_LEN: usize = 255;

/// Whether `key` is usable: 1 to `MAX_KEY_LEN` visible ASCII characters (no space, no control).
pub fn is_valid_key(key: &[u8]) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.iter().all(u8::is_ascii_graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_one_to_255_visible_ascii_characters() {
        for good in [
            "a",
            "0b7f3c1e-9d2a-4c55-8e7b-2f1a6d9c4e30",
            &"k".repeat(MAX_KEY_LEN),
            "~!#$%&'*+-.^_`|",
        ] {
            assert!(is_valid_key(good.as_bytes()), "{good}");
        }
        for bad in [
            "",
            &"k".repeat(MAX_KEY_LEN + 1),
            "has space",
            "tab\there",
            "caf\u{e9}",
            "nul\0",
            "\u{7f}",
        ] {
            assert!(!is_valid_key(bad.as_bytes()), "{bad:?}");
        }
    }
}
