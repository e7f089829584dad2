//! The Closient API key: read from the environment or a file, held so that it cannot reach a
//! log line, a debug print or an error message by accident.

use reqwest::header::HeaderValue;
use std::fmt;

pub const KEY_VAR: &str = "CLOSIENT_API_KEY";
pub const KEY_FILE_VAR: &str = "CLOSIENT_API_KEY_FILE";

#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Reads `CLOSIENT_API_KEY` or the file named by `CLOSIENT_API_KEY_FILE` (exactly one).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let key = match (env(KEY_VAR), env(KEY_FILE_VAR)) {
            (Some(_), Some(_)) => {
                return Err(format!("set only one of {KEY_VAR} and {KEY_FILE_VAR}"));
            }
            (None, None) => return Err(format!("{KEY_VAR} or {KEY_FILE_VAR} is required")),
            (Some(key), None) => key,
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map_err(|e| format!("{KEY_FILE_VAR}: cannot read {path}: {}", e.kind()))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        };
        if key.is_empty() {
            return Err(format!(
                "the API key from {KEY_VAR} or {KEY_FILE_VAR} is empty"
            ));
        }
        // Checked here so that building the header later cannot fail with the key in an error.
        if HeaderValue::from_str(&key).is_err() {
            return Err("the API key has characters an HTTP header cannot carry".to_owned());
        }
        Ok(Self(key))
    }

    /// The `X-API-Key` value, marked sensitive so HTTP layers never record it.
    pub fn header_value(&self) -> HeaderValue {
        let mut value =
            HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static(""));
        value.set_sensitive(true);
        value
    }

    /// "set (N chars)": all the start-up line says about the key.
    pub fn describe(&self) -> String {
        format!("set ({} chars)", self.0.chars().count())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "csb_abc_secret";

    #[test]
    fn reads_exactly_one_source_and_trims_the_file_newline() {
        let path = std::env::temp_dir().join(format!("checkout-proxy-key-{}", std::process::id()));
        std::fs::write(&path, format!("{SECRET}\n")).expect("temp file");
        let from_file =
            ApiKey::from_env(|name| (name == KEY_FILE_VAR).then(|| path.display().to_string()));
        assert_eq!(from_file.map(|k| k.0), Ok(SECRET.to_owned()));
        std::fs::remove_file(&path).expect("cleanup");
        let both = ApiKey::from_env(|_| Some(SECRET.to_owned()));
        assert!(both.expect_err("both set").contains("only one"));
        let missing =
            ApiKey::from_env(|name| (name == KEY_FILE_VAR).then(|| "/nonexistent/key".to_owned()));
        assert!(missing.expect_err("unreadable").contains("cannot read"));
    }

    #[test]
    fn never_shows_itself() {
        let key =
            ApiKey::from_env(|name| (name == KEY_VAR).then(|| SECRET.to_owned())).expect("valid");
        assert_eq!(format!("{key:?}"), "ApiKey(set (14 chars))");
        assert!(key.header_value().is_sensitive());
        assert!(!format!("{:?}", key.header_value()).contains(SECRET));
    }
}
