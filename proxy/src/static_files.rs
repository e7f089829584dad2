//! The built widget (`dist/`), served with the right types, compression and cache headers, and
//! the Content-Security-Policy that lets exactly its own scripts run.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use closient_checkout_core::OriginAllowlist;
use sha2::{Digest, Sha256};
use std::{convert::Infallible, path::Path, sync::Arc};
use tower::Service;
use tower_http::services::ServeDir;

/// The longest file name the usual file systems take (ext4, XFS, btrfs, APFS, NTFS): a longer
/// segment names nothing, and is refused before the file system is asked.
const MAX_SEGMENT_BYTES: usize = 255;

/// The files of `dir`, each as its `.br` or `.gz` twin when one exists beside the original and
/// the request accepts it (by q-value; on a tie br, then gzip), else as itself. The type and the
/// cache rules follow the requested name, and a served twin is never compressed again by the
/// global compression. Any file may have a twin, so every answer varies by `Accept-Encoding`:
/// ServeDir says so for none of them, and the compression layer only for those it compresses
/// itself.
///
/// Whatever cannot be served is 404: a path refused by `is_servable`, a file that cannot be
/// read (ServeDir would answer 500 and log an error for a name too long or a symbolic link
/// loop, which anyone can ask for), a redirect to a protocol-relative `Location`, and a twin
/// without its original.
pub fn service(
    dir: &Path,
) -> impl Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone
+ Send
+ Sync
+ 'static {
    let dir: Arc<Path> = Arc::from(dir);
    let files = ServeDir::new(&*dir).precompressed_br().precompressed_gzip();
    tower::service_fn(move |request: Request| {
        let (dir, files) = (dir.clone(), files.clone());
        async move { Ok(serve(&dir, files, request).await) }
    })
}

async fn serve(dir: &Path, mut files: ServeDir, request: Request) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    let raw = request.uri().path();
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    if !is_servable(raw, &decoded) {
        return not_found();
    }
    let mut response = match files.try_call(request).await {
        Ok(response) => response.map(Body::new),
        Err(error) => {
            tracing::debug!(kind = %error.kind(), "static file not read; answered 404");
            return not_found();
        }
    };
    let headers = response.headers();
    if headers
        .get(header::LOCATION)
        .is_some_and(is_protocol_relative)
    {
        return not_found();
    }
    if headers.contains_key(header::CONTENT_ENCODING) && !original_exists(dir, &decoded).await {
        return not_found();
    }
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// A path may reach the file system unless it starts with `//` (ServeDir would redirect a
/// folder to `//name/`, which a browser reads as another host), or one of its segments,
/// decoded as ServeDir decodes it (`%2e`, and `%2f` as a separator), starts with a dot or is
/// longer than a file name can be. The dot keeps out dotfiles such as a stray `.env` copied
/// next to dist/, and any `..`, which ServeDir refuses as well.
fn is_servable(raw: &str, decoded: &str) -> bool {
    !raw.starts_with("//")
        && decoded
            .split('/')
            .all(|segment| !segment.starts_with('.') && segment.len() <= MAX_SEGMENT_BYTES)
}

/// `//host/...`, or `/\host/...`, which browsers read the same way.
fn is_protocol_relative(location: &HeaderValue) -> bool {
    let bytes = location.as_bytes();
    bytes.len() >= 2 && matches!(bytes[0], b'/' | b'\\') && matches!(bytes[1], b'/' | b'\\')
}

/// Whether the file a twin stands for is there: ServeDir serves `app.js.gz` for `app.js`
/// whether or not `app.js` exists. `decoded` has passed `is_servable`, so it stays in `dir`.
async fn original_exists(dir: &Path, decoded: &str) -> bool {
    let mut path = dir.to_path_buf();
    path.extend(decoded.split('/').filter(|segment| !segment.is_empty()));
    if decoded.ends_with('/') {
        path.push("index.html");
    }
    tokio::fs::metadata(&path)
        .await
        .is_ok_and(|metadata| metadata.is_file())
}

/// The policy for every response. Trunk writes its loader inline into `index.html`, so each
/// inline script's hash is read from the file actually served rather than written down here.
/// `connect_origins` (`--connect-origin`'s values) join `'self'` in `connect-src`.
pub fn content_security_policy(
    static_dir: Option<&Path>,
    frame_ancestors: &str,
    connect_origins: &[OriginAllowlist],
) -> std::io::Result<String> {
    let hashes = match static_dir {
        Some(dir) => inline_script_hashes(&std::fs::read_to_string(dir.join("index.html"))?),
        None => Vec::new(),
    };
    let scripts: String = hashes.iter().map(|h| format!(" '{h}'")).collect();
    let connect: String = connect_origins
        .iter()
        .flat_map(OriginAllowlist::origins)
        .map(|origin| format!(" {origin}"))
        .collect();
    Ok(format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{connect}; base-uri 'none'; form-action 'self'; \
         frame-ancestors {frame_ancestors}"
    ))
}

/// `sha256-...` of every `<script>` without a `src`, over its exact text.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let Some(close) = after.find("</script>") else {
            break;
        };
        let tag = &after[..open_end];
        if !tag.contains("src=") && open_end < close {
            let digest = Sha256::digest(&after.as_bytes()[open_end + 1..close]);
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[close + "</script>".len()..];
    }
    hashes
}

/// Middleware: `index.html` is always revalidated; Trunk's hashed assets never change; `/api/`
/// answers are never stored.
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if path.starts_with("/api/") {
        // Checkout links and balances are one visitor's, and only for now.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return response;
    }
    if path == "/healthz" || !response.status().is_success() {
        return response;
    }
    let value = if path.ends_with('/') || path.ends_with(".html") {
        "no-cache"
    } else if is_hashed(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// Trunk names assets `name-<hash>.ext` (or `_bg.wasm` after the hash), the hash a 64-bit
/// number in hex without leading zeros: up to 16 digits, occasionally fewer.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches("_bg");
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (1..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only() {
        let html = "<script type=\"module\">alert(1)</script><script src=\"./a.js\"></script>";
        // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            inline_script_hashes(html),
            ["sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="]
        );
        assert!(inline_script_hashes("<p>no scripts</p>").is_empty());
    }

    #[test]
    fn a_location_for_another_host_is_recognised() {
        for location in ["//evil.example/", "/\\evil.example/", "\\\\evil", "\\/evil"] {
            assert!(
                is_protocol_relative(&HeaderValue::from_str(location).expect("a value")),
                "{location}"
            );
        }
        for location in ["/sub/", "/", "sub/", "/%2Fsub/"] {
            assert!(
                !is_protocol_relative(&HeaderValue::from_static(location)),
                "{location}"
            );
        }
    }

    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(is_hashed("/closient-checkout-app-a04af61d37ff3f12_bg.wasm"));
        assert!(is_hashed("/prefix/checkout-af390ef97a6061c3.css"));
        assert!(
            is_hashed("/closient-checkout-app-b36882e84fdf36e.js"),
            "a hash with a leading zero dropped"
        );
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/embed-example.html"));
    }
}
