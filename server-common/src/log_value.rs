//! Client-supplied values in log lines, such as a request's path, cut to a few hundred bytes:
//! a 64 KB path would otherwise be written whole, once per request, by anyone.

/// The most of a client-supplied value a log line keeps.
pub const MAX_LOGGED_BYTES: usize = 256;

/// `value` cut to `MAX_LOGGED_BYTES` at most, on a character boundary.
pub fn clipped(value: &str) -> &str {
    if value.len() <= MAX_LOGGED_BYTES {
        return value;
    }
    let end = (0..=MAX_LOGGED_BYTES)
        .rev()
        .find(|&at| value.is_char_boundary(at))
        .unwrap_or(0);
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        assert_eq!(clipped("/index.html"), "/index.html");
        let long = "a".repeat(70_000);
        assert_eq!(clipped(&long).len(), MAX_LOGGED_BYTES);
        // Two-byte characters from the first byte: 255 bytes would split one.
        let wide = format!("a{}", "é".repeat(1_000));
        let cut = clipped(&wide);
        assert_eq!(cut.len(), MAX_LOGGED_BYTES - 1);
        assert!(wide.starts_with(cut));
    }
}
