//! Tenant tokens: short-lived HS256 JWTs that a dashboard's backend mints, with a secret it
//! shares with the proxy, to bind one browser to one organization. The proxy verifies them; the
//! proxy's `mint-token` and the mock's dashboard route mint them, all with the claims below.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use std::{
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

pub const SECRET_VAR: &str = "CHECKOUT_TENANT_SECRET";
pub const SECRET_FILE_VAR: &str = "CHECKOUT_TENANT_SECRET_FILE";
pub const PREVIOUS_SECRET_VAR: &str = "CHECKOUT_TENANT_SECRET_PREVIOUS";
pub const PREVIOUS_SECRET_FILE_VAR: &str = "CHECKOUT_TENANT_SECRET_PREVIOUS_FILE";

/// HS256 is only as strong as its key: 32 bytes is the hash's own size.
pub const MIN_SECRET_BYTES: usize = 32;
/// The longest a token may live, from `iat` to `exp`.
pub const MAX_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// How far the clocks of the minting backend and the proxy may disagree.
pub const LEEWAY: Duration = Duration::from_secs(30);

/// A shared secret, never shown: its `Debug` and `describe` give only its length.
#[derive(Clone)]
pub struct TenantSecret(Vec<u8>);

impl TenantSecret {
    /// Reads `var`, or the file named by `file_var` (its trailing newline trimmed); neither is
    /// `None`, both an error. `env` answers environment variables by name.
    pub fn from_env(
        env: &impl Fn(&str) -> Option<String>,
        var: &str,
        file_var: &str,
    ) -> Result<Option<Self>, String> {
        let secret = match (env(var), env(file_var)) {
            (Some(_), Some(_)) => return Err(format!("set only one of {var} and {file_var}")),
            (None, None) => return Ok(None),
            (Some(secret), None) => secret,
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map_err(|e| format!("{file_var}: cannot read {path}: {}", e.kind()))?
                .trim_end_matches(['\n', '\r'])
                .to_owned(),
        };
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the tenant secret from {var} or {file_var} has {} bytes; it needs at least \
                 {MIN_SECRET_BYTES}",
                secret.len()
            ));
        }
        Ok(Some(Self(secret.into_bytes())))
    }

    /// "set (N bytes)": all a log line may say about a secret.
    pub fn describe(&self) -> String {
        format!("set ({} bytes)", self.0.len())
    }
}

impl fmt::Debug for TenantSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TenantSecret({})", self.describe())
    }
}

/// The secrets a proxy accepts: the current one, and during a rotation the previous one.
#[derive(Debug, Clone)]
pub struct TenantSecrets {
    pub current: TenantSecret,
    pub previous: Option<TenantSecret>,
}

impl TenantSecrets {
    /// `None` when no tenant secret is configured; a previous secret alone is an error.
    pub fn from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        let current = TenantSecret::from_env(env, SECRET_VAR, SECRET_FILE_VAR)?;
        let previous = TenantSecret::from_env(env, PREVIOUS_SECRET_VAR, PREVIOUS_SECRET_FILE_VAR)?;
        match (current, previous) {
            (Some(current), previous) => Ok(Some(Self { current, previous })),
            (None, Some(_)) => Err(format!(
                "{PREVIOUS_SECRET_VAR} is set without {SECRET_VAR}: the previous secret is only \
                 accepted next to a current one"
            )),
            (None, None) => Ok(None),
        }
    }

    pub fn describe(&self) -> String {
        match &self.previous {
            Some(previous) => format!(
                "{} and a previous one {}",
                self.current.describe(),
                previous.describe()
            ),
            None => self.current.describe(),
        }
    }
}

/// One audience or several, as `aud` may be written either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// The claims of a tenant token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The organization id the bearer may top up and read.
    pub sub: String,
    /// Seconds since the Unix epoch.
    pub iat: u64,
    pub exp: u64,
    /// The proxy's public origin(s).
    pub aud: Audience,
    /// The largest top-up the bearer may start, in cents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cents: Option<u64>,
    /// Not valid before, in seconds since the Unix epoch: optional, and a number when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

impl Claims {
    /// Claims issued now that expire after `ttl`, which must be within `MAX_LIFETIME`.
    pub fn new(
        organization: &str,
        ttl: Duration,
        audience: Vec<String>,
        max_cents: Option<u64>,
    ) -> Result<Self, String> {
        if ttl.is_zero() || ttl > MAX_LIFETIME {
            return Err(format!(
                "a token lives at most {} minutes (got {ttl:?})",
                MAX_LIFETIME.as_secs() / 60
            ));
        }
        let aud = match <[String; 1]>::try_from(audience) {
            Ok([one]) => Audience::One(one),
            Err(many) if many.is_empty() => return Err("a token needs an audience".to_owned()),
            Err(many) => Audience::Many(many),
        };
        let iat = now_secs();
        Ok(Self {
            sub: organization.to_owned(),
            iat,
            exp: iat + ttl.as_secs(),
            aud,
            max_cents,
            nbf: None,
        })
    }
}

/// Signs `claims` with HS256.
pub fn mint(secret: &TenantSecret, claims: &Claims) -> Result<String, String> {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(&secret.0),
    )
    .map_err(|e| format!("cannot sign the token: {e}"))
}

/// Why a token was refused. It names no part of the token: the reason may be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a JWT, another algorithm than HS256 (`none` included), or claims missing or mistyped.
    Malformed,
    /// Signed with neither accepted secret.
    BadSignature,
    /// `exp` has passed, by more than the leeway.
    Expired,
    /// `nbf` is still ahead, by more than the leeway.
    NotYetValid,
    /// The header has a `crit` list: extensions this verifier does not know must be refused.
    Critical,
    /// `aud` names none of the proxy's public origins.
    WrongAudience,
    /// Issued in the future or after `exp`, or meant to live longer than `MAX_LIFETIME`.
    BadLifetime,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not yet valid",
            Self::Critical => "a critical header extension",
            Self::WrongAudience => "wrong audience",
            Self::BadLifetime => "issued in the future or after it expires, or living over an hour",
        })
    }
}

/// Checks tokens against the accepted secrets and the proxy's public origins.
#[derive(Clone)]
pub struct Verifier {
    /// The current secret first.
    keys: Vec<DecodingKey>,
    validation: Validation,
}

impl Verifier {
    pub fn new(secrets: &TenantSecrets, audiences: &[String]) -> Self {
        let keys = std::iter::once(&secrets.current)
            .chain(&secrets.previous)
            .map(|secret| DecodingKey::from_secret(&secret.0))
            .collect();
        // Only HS256: the header's `alg` must be in this list, so `none` and every other
        // algorithm are refused before any signature is looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY.as_secs();
        // Checked when present, with the same leeway; the claims' type makes it a number.
        validation.validate_nbf = true;
        validation.set_audience(audiences);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        Self { keys, validation }
    }

    pub fn verify(&self, token: &str) -> Result<Claims, Refusal> {
        if has_crit(token) {
            return Err(Refusal::Critical);
        }
        let mut refusal = Refusal::BadSignature;
        for key in &self.keys {
            match jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                Ok(data) => return check_lifetime(data.claims),
                Err(e) => {
                    refusal = match e.kind() {
                        ErrorKind::InvalidSignature => continue,
                        ErrorKind::ExpiredSignature => Refusal::Expired,
                        ErrorKind::ImmatureSignature => Refusal::NotYetValid,
                        ErrorKind::InvalidAudience => Refusal::WrongAudience,
                        _ => Refusal::Malformed,
                    };
                    break;
                }
            }
        }
        Err(refusal)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys.len())
            .field("audiences", &self.validation.aud)
            .finish()
    }
}

/// Whether the token's header has a `crit` member (RFC 7515, 4.1.11). The library reads no
/// such member and would accept the token; a header that is not readable is left to it.
fn has_crit(token: &str) -> bool {
    let Some((header, _)) = token.split_once('.') else {
        return false;
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|json| {
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json).ok()
        })
        .is_some_and(|header| header.contains_key("crit"))
}

/// The library checks `exp` and `nbf`; the lifetime rules are this format's own.
fn check_lifetime(claims: Claims) -> Result<Claims, Refusal> {
    let issued_in_future = claims.iat > now_secs() + LEEWAY.as_secs();
    let issued_after_expiry = claims.iat > claims.exp;
    let too_long = claims.exp.saturating_sub(claims.iat) > MAX_LIFETIME.as_secs();
    if issued_in_future || issued_after_expiry || too_long {
        return Err(Refusal::BadLifetime);
    }
    Ok(claims)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIENCE: &str = "http://127.0.0.1:8080";

    fn secret(text: &str) -> TenantSecret {
        TenantSecret::from_env(
            &|name| (name == SECRET_VAR).then(|| text.to_owned()),
            SECRET_VAR,
            SECRET_FILE_VAR,
        )
        .expect("valid")
        .expect("set")
    }

    fn claims(ttl_secs: u64) -> Claims {
        Claims::new(
            "7dHk2mPqRsTuVwXyZaBcDe",
            Duration::from_secs(ttl_secs),
            vec![AUDIENCE.to_owned()],
            None,
        )
        .expect("valid claims")
    }

    #[test]
    fn a_minted_token_verifies_and_names_its_claims() {
        let key = secret(&"k".repeat(32));
        let verifier = Verifier::new(
            &TenantSecrets {
                current: key.clone(),
                previous: None,
            },
            &[AUDIENCE.to_owned()],
        );
        let token = mint(&key, &claims(900)).expect("minted");
        let read = verifier.verify(&token).expect("accepted");
        assert_eq!(read.sub, "7dHk2mPqRsTuVwXyZaBcDe");
        assert_eq!(read.exp - read.iat, 900);
        assert_eq!(read.aud, Audience::One(AUDIENCE.to_owned()));
        let other = secret(&"o".repeat(32));
        let token = mint(&other, &claims(900)).expect("minted");
        assert_eq!(verifier.verify(&token), Err(Refusal::BadSignature));
    }

    #[test]
    fn secrets_are_long_enough_read_from_one_place_and_never_shown() {
        let short = TenantSecret::from_env(
            &|name| (name == SECRET_VAR).then(|| "s".repeat(31)),
            SECRET_VAR,
            SECRET_FILE_VAR,
        );
        assert!(short.expect_err("too short").contains("at least 32"));
        let both = TenantSecret::from_env(&|_| Some("s".repeat(40)), SECRET_VAR, SECRET_FILE_VAR);
        assert!(both.expect_err("both").contains("only one"));
        let previous_alone =
            TenantSecrets::from_env(&|name| (name == PREVIOUS_SECRET_VAR).then(|| "p".repeat(32)));
        assert!(previous_alone.expect_err("alone").contains("without"));
        let path = std::env::temp_dir().join(format!("tenant-secret-{}", std::process::id()));
        std::fs::write(&path, format!("{}\n", "f".repeat(32))).expect("temp file");
        let from_file = TenantSecret::from_env(
            &|name| (name == SECRET_FILE_VAR).then(|| path.display().to_string()),
            SECRET_VAR,
            SECRET_FILE_VAR,
        );
        std::fs::remove_file(&path).expect("cleanup");
        let from_file = from_file.expect("readable").expect("set");
        assert_eq!(format!("{from_file:?}"), "TenantSecret(set (32 bytes))");
        assert!(!format!("{from_file:?}").contains("ffff"));
    }

    #[test]
    fn claims_live_at_most_an_hour_and_name_an_audience() {
        assert!(Claims::new("x", MAX_LIFETIME, vec![AUDIENCE.to_owned()], None).is_ok());
        assert!(
            Claims::new(
                "x",
                MAX_LIFETIME + Duration::from_secs(1),
                vec![AUDIENCE.to_owned()],
                None
            )
            .is_err()
        );
        assert!(Claims::new("x", Duration::ZERO, vec![AUDIENCE.to_owned()], None).is_err());
        assert!(Claims::new("x", MAX_LIFETIME, vec![], None).is_err());
        let two = Claims::new(
            "x",
            MAX_LIFETIME,
            vec!["a".to_owned(), "b".to_owned()],
            None,
        )
        .expect("valid");
        assert_eq!(
            two.aud,
            Audience::Many(vec!["a".to_owned(), "b".to_owned()])
        );
    }
}
