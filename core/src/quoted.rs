//! A character quoted for an error message.

use std::fmt;

/// Writes a character as `{:?}` does for everything people type: in single quotes, with quotes,
/// backslashes and control characters escaped. `char`'s own `Debug` also escapes unprintable
/// and combining characters, which needs Unicode tables that cost the widget's wasm KB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted(pub char);

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            c @ ('\'' | '\\') => write!(f, "'\\{c}'"),
            c if c.is_control() => write!(f, "'{}'", c.escape_default()),
            c => write!(f, "'{c}'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_debug_for_what_people_type() {
        for c in [
            'a', 'Z', '0', '-', ' ', '$', '€', 'é', '漢', '\'', '\\', '"', '\n', '\t', '\u{7}',
        ] {
            assert_eq!(Quoted(c).to_string(), format!("{c:?}"), "{c:?}");
        }
    }
}
