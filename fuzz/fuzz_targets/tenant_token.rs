//! The proxy's tenant token check (`Verifier::verify`), against arbitrary text and against
//! tokens minted from the input.
//!
//! Properties: no text the fuzzer makes is accepted, since only the secret can sign; a token
//! minted with the secret for claims naming the input verifies to exactly those claims; the
//! same claims signed with another secret are a bad signature; and changing any one character
//! of a valid token gets it refused.
#![no_main]

use closient_checkout_server_common::tenant_token::{
    Claims, Refusal, SECRET_FILE_VAR, SECRET_VAR, TenantSecret, TenantSecrets, Verifier, mint,
};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use std::time::Duration;

const AUDIENCES: [&str; 2] = ["http://127.0.0.1:8080", "https://shop.example"];
/// What a single character of a token may be changed to: its alphabet and its separator.
const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

fn secret(text: &str) -> TenantSecret {
    let read = |name: &str| (name == SECRET_VAR).then(|| text.to_owned());
    TenantSecret::from_env(&read, SECRET_VAR, SECRET_FILE_VAR)
        .expect("long enough")
        .expect("set")
}

static KEY: LazyLock<TenantSecret> = LazyLock::new(|| secret(&"k".repeat(32)));
static OTHER_KEY: LazyLock<TenantSecret> = LazyLock::new(|| secret(&"f".repeat(32)));
static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let secrets = TenantSecrets {
        current: KEY.clone(),
        previous: None,
    };
    Verifier::new(&secrets, &AUDIENCES.map(str::to_owned))
});

fuzz_target!(|input: &str| {
    assert!(VERIFIER.verify(input).is_err(), "{input:?} was accepted");

    // Everything but the organization is picked from the input, too.
    let seed = input.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u64::from(b))
    });
    let ttl = Duration::from_secs(1 + seed % 3600);
    let audience = match seed % 3 {
        0 => vec![AUDIENCES[0].to_owned()],
        1 => vec![AUDIENCES[1].to_owned()],
        _ => vec!["https://other.example".to_owned(), AUDIENCES[1].to_owned()],
    };
    let max_cents = (seed % 2 == 0).then_some(seed >> 1);
    let claims = Claims::new(input, ttl, audience, max_cents).expect("valid claims");

    let token = mint(&KEY, &claims).expect("minted");
    assert_eq!(VERIFIER.verify(&token).as_ref(), Ok(&claims), "{token}");
    let forged = mint(&OTHER_KEY, &claims).expect("minted");
    assert_eq!(VERIFIER.verify(&forged), Err(Refusal::BadSignature));

    let mut changed = token.clone().into_bytes();
    let at = usize::try_from(seed).unwrap_or(usize::MAX) % changed.len();
    let old = TOKEN_CHARS
        .iter()
        .position(|&c| c == changed[at])
        .expect("a token character");
    changed[at] = TOKEN_CHARS[(old + 1 + (seed % 7) as usize) % TOKEN_CHARS.len()];
    let changed = String::from_utf8(changed).expect("ASCII");
    assert!(
        VERIFIER.verify(&changed).is_err(),
        "{token} changed at {at} to {changed} was accepted"
    );
});
