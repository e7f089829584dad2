use jsonwebtoken::{EncodingKey, Header, encode};
use serde::Serialize;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
    max_cents: u64,
}

/// A token for the organization on the proxy at `proxy_origin`: 15 minutes, USD 500.00 at most.
pub fn mint(
    organization_id: &str,
    proxy_origin: &str,
    secret: &[u8],
) -> Result<String, Box<dyn std::error::Error>> {
    let iat = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let claims = Claims {
        sub: organization_id,
        aud: proxy_origin,
        iat,
        exp: iat + 15 * 60,
        max_cents: 50_000,
    };
    let key = EncodingKey::from_secret(secret);
    // `Header::default()` is HS256.
    Ok(encode(&Header::default(), &claims, &key)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [organization_id, proxy_origin] = args.as_slice() else {
        return Err("usage: mint-token ORGANIZATION_ID PROXY_ORIGIN".into());
    };
    let secret = std::env::var("CHECKOUT_TENANT_SECRET")?;
    let token = mint(organization_id, proxy_origin, secret.as_bytes())?;
    writeln!(std::io::stdout(), "{token}")?;
    Ok(())
}
