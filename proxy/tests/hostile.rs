//! The hostile-input matrix: one test per row of the table in docs/security.md, each input with
//! the answer it gets, and none of the refused ones reaching the upstream.

mod support;

use axum::{
    body::Body,
    http::{HeaderName, Request},
};
use support::*;

/// A POST as the widget's page sends it, with `headers` set on top (an empty value removes).
fn checkout_with(headers: &[(&str, &str)], body: impl Into<String>) -> Request<Body> {
    let mut request = post(body);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        if value.is_empty() {
            request.headers_mut().remove(name);
        } else {
            request
                .headers_mut()
                .insert(name, value.parse().expect("header"));
        }
    }
    request
}

fn upstream_calls(h: &Harness) -> u64 {
    let stats = h.mock.state().stats();
    stats.checkout_requests + stats.balance_requests
}

/// The `details` of a 422, as `(field, message)`.
fn details(answer: &Answer) -> Vec<(String, String)> {
    answer.assert_refused(422, "VALIDATION_ERROR");
    answer.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| {
            (
                d["field"].as_str().unwrap_or_default().to_owned(),
                d["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn origin_null_and_cross_or_same_site_fetches_are_forbidden_origins() {
    let h = harness(&[]).await;
    for headers in [
        &[("origin", "null")][..],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("sec-fetch-site", "same-site"), ("origin", "")],
    ] {
        let answer = call(&h.router, checkout_with(headers, checkout_body(2500))).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (403, "FORBIDDEN_ORIGIN"),
            "{headers:?}"
        );
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn no_origin_from_the_same_origin_or_from_no_browser_goes_on() {
    let h = harness(&[]).await;
    for headers in [
        &[("origin", ""), ("sec-fetch-site", "same-origin")][..],
        &[("origin", ""), ("sec-fetch-site", "")],
        &[("origin", ""), ("sec-fetch-site", "none")],
    ] {
        let answer = call(&h.router, checkout_with(headers, checkout_body(2500))).await;
        assert_eq!(answer.status, 200, "{headers:?}: {}", answer.body);
    }
    let invalid = call(
        &h.router,
        checkout_with(&[("origin", ""), ("sec-fetch-site", "")], checkout_body(1)),
    )
    .await;
    assert_eq!(invalid.status, 422, "and on to the next checks");
}

#[tokio::test]
async fn a_host_that_is_no_public_origins_is_refused_on_the_api_dns_rebinding() {
    let h = harness(&["--organization", ORG]).await;
    let balance = format!("/api/billing/balance/{ORG}");
    for host in [
        "rebound.evil.example:8080",
        "rebound.evil.example",
        "127.0.0.1:8081",
        "127.0.0.1",
        "127.0.0.1.:8080",
    ] {
        // A rebound page is same-origin to itself: no Origin on its GET, and the fetch
        // metadata says same-origin.
        let mut read = get(&balance);
        read.headers_mut()
            .insert("host", host.parse().expect("header"));
        let answer = call(&h.router, read).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (403, "FORBIDDEN_ORIGIN"),
            "{host}"
        );
        let pay = call(
            &h.router,
            checkout_with(&[("host", host), ("origin", "")], checkout_body(2500)),
        )
        .await;
        assert_eq!(
            (pay.status, pay.code().as_str()),
            (403, "FORBIDDEN_ORIGIN"),
            "{host}"
        );
    }
    assert_eq!(upstream_calls(&h), 0);
    for host in ["127.0.0.1:8080", "localhost:8080", "LOCALHOST:8080"] {
        let mut read = get(&balance);
        read.headers_mut()
            .insert("host", host.parse().expect("header"));
        assert_eq!(call(&h.router, read).await.status, 200, "{host}");
    }
}

#[tokio::test]
async fn json_in_any_case_with_a_charset_is_accepted() {
    let h = harness(&[]).await;
    let answer = call(
        &h.router,
        checkout_with(
            &[("content-type", "APPLICATION/JSON; charset=utf-8")],
            checkout_body(2500),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn a_missing_or_other_content_type_is_415() {
    let h = harness(&[]).await;
    for content_type in [
        "",
        "text/json",
        "application/json-patch+json",
        "multipart/form-data",
    ] {
        let answer = call(
            &h.router,
            checkout_with(&[("content-type", content_type)], checkout_body(2500)),
        )
        .await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (415, "UNSUPPORTED_MEDIA_TYPE"),
            "{content_type:?}"
        );
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn a_body_over_16_kib_is_413() {
    let h = harness(&[]).await;
    // Valid JSON, a valid request even, just too long.
    let padded =
        checkout_body(2500).replacen('{', &format!(r#"{{"pad":"{}","#, " ".repeat(16 * 1024)), 1);
    let answer = call(&h.router, post(padded)).await;
    answer.assert_refused(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn json_nested_deeper_than_the_parsers_limit_is_400() {
    let h = harness(&[]).await;
    // serde_json stops at 128 levels; 1,000 fit well within 16 KiB.
    let deep = format!(
        r#"{{"organization_id":{}{}}}"#,
        "[".repeat(1_000),
        "]".repeat(1_000)
    );
    let answer = call(&h.router, post(deep)).await;
    answer.assert_refused(400, "BAD_REQUEST");
}

#[tokio::test]
async fn the_same_key_twice_is_400_refused_not_resolved() {
    let h = harness(&[]).await;
    let body = checkout_body(2500);
    for twice in [
        body.replacen('{', r#"{"amount_cents":99999999,"#, 1),
        body.replacen('{', r#"{"organization_id":"22222222222222222222ab","#, 1),
        body.replacen('{', r#"{"amount\u005fcents":500,"#, 1),
    ] {
        let answer = call(&h.router, post(twice.clone())).await;
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "BAD_REQUEST"),
            "{twice}"
        );
        assert!(answer.body.contains("more than once"), "{}", answer.body);
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn an_amount_that_is_not_a_whole_positive_number_is_422_naming_amount_cents() {
    let h = harness(&[]).await;
    for amount in ["500.0", "5e2", "\"2500\"", "-1", "18446744073709551616"] {
        let body = checkout_body(2500).replace(
            r#""amount_cents":2500"#,
            &format!(r#""amount_cents":{amount}"#),
        );
        assert!(body.contains(amount));
        let answer = call(&h.router, post(body)).await;
        let details = details(&answer);
        assert_eq!(details.len(), 1, "{amount}: {details:?}");
        assert_eq!(details[0].0, "amount_cents", "{amount}");
        assert!(details[0].1.starts_with("amount_cents "), "{details:?}");
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn a_look_alike_or_non_ascii_character_in_the_id_is_422_naming_it_and_its_place() {
    let h = harness(&[]).await;
    for (id, character, position) in [
        ("7dHk2mPqRsTuVwXyZaBcD0", "'0'", 22),
        ("OdHk2mPqRsTuVwXyZaBcDe", "'O'", 1),
        ("7dHk2mPqRsTuVwXyZaBcDl", "'l'", 22),
        ("7dHk2mPqRsTu1wXyZaBcDe", "'1'", 13),
        // A Cyrillic capital A, which looks like the Latin one.
        ("7dHk2mPqRsTuVwXyZ\u{410}BcDe", "'\u{410}'", 18),
        ("7dHk2mPqRsTuVwXyZaBcDé", "'é'", 22),
    ] {
        let body = checkout_body(2500).replace(ORG, id);
        let details = details(&call(&h.router, post(body)).await);
        assert_eq!(details.len(), 1, "{id}: {details:?}");
        assert_eq!(details[0].0, "organization_id");
        let message = &details[0].1;
        assert!(
            message.contains(&format!("{character} at position {position}")),
            "{id}: {message}"
        );
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn a_return_url_that_hides_its_host_or_is_not_http_is_422_naming_the_field() {
    let h = harness(&[]).await;
    for url in [
        "http://user:pass@127.0.0.1:8080/",
        "http://127.0.0.1:8080@evil.example/",
        "http://%31%32%37.0.0.1:8080/",
        "http://localhost.:8080/",
        "http://127.0.0.1.:8080/",
        "javascript:alert(document.domain)//http://127.0.0.1:8080/",
        "data:text/html,<script>alert(1)</script>",
    ] {
        for field in ["success_url", "cancel_url"] {
            let mut body: serde_json::Value =
                serde_json::from_str(&checkout_body(2500)).expect("JSON");
            body[field] = url.into();
            let details = details(&call(&h.router, post(body.to_string())).await);
            let fields: Vec<&str> = details.iter().map(|(f, _)| f.as_str()).collect();
            assert_eq!(fields, [field], "{url}");
        }
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn dot_segments_and_dotfiles_are_404_and_nothing_outside_the_folder_is_read() {
    const SECRET: &str = "CANARY-outside-the-static-folder";
    let site = Site::new(
        "hostile",
        &[
            ("index.html", b"<!doctype html><p>widget</p>"),
            (".env", SECRET.as_bytes()),
        ],
    );
    let outside = std::path::Path::new(site.dir())
        .parent()
        .expect("a parent")
        .join(format!(
            "checkout-proxy-hostile-outside-{}",
            std::process::id()
        ));
    std::fs::write(&outside, SECRET).expect("a file next to the folder");
    let name = outside
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a name");
    let h = harness(&["--static-dir", site.dir()]).await;
    for path in [
        format!("/../{name}"),
        format!("/..%2f{name}"),
        format!("/%2e%2e/{name}"),
        format!("/%2E%2E%2F{name}"),
        format!("/assets/..%2f..%2f{name}"),
        "/.env".to_owned(),
        "/%2eenv".to_owned(),
        "/assets%2f.env".to_owned(),
        "/.git/config".to_owned(),
    ] {
        let answer = call(&h.router, get(&path)).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert!(!answer.body.contains(SECRET), "{path}");
    }
    assert_eq!(call(&h.router, get("/")).await.status, 200);
    std::fs::remove_file(&outside).expect("cleanup");
}

#[tokio::test]
async fn cr_or_lf_in_a_header_value_is_refused_by_the_server_or_never_reflected() {
    let mut served = serve(&[]).await;
    let body = checkout_body(2500);
    for injected in [
        "Origin: http://127.0.0.1:8080\rSet-Cookie: injected=1",
        "X-Forwarded-For: 198.51.100.1\nSet-Cookie: injected=1",
        "X-Note: a\r\n Set-Cookie: injected=1",
        "Sec-Fetch-Site: same-origin\r\rLocation: https://evil.example/injected",
    ] {
        let request = format!(
            "POST /api/billing/checkout HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n{injected}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let (answer, _) = exchange(
            served.addr,
            request.as_bytes(),
            std::time::Duration::from_secs(5),
        )
        .await;
        let status = answer.get(9..12).unwrap_or_default();
        let head = answer.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            status == "400" || !answer.contains("injected"),
            "{injected:?}: {answer}"
        );
        assert!(!head.to_ascii_lowercase().contains("set-cookie"), "{head}");
    }
    served.shutdown().await;
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_404_and_a_name_too_long_is_never_looked_up() {
    let site = Site::new("unreadable", &[("index.html", b"<!doctype html>")]);
    let looped = std::path::Path::new(site.dir()).join("loop");
    std::os::unix::fs::symlink(&looped, &looped).expect("a symbolic link to itself");
    let captured = Captured::default();
    let _guard = captured.trace();
    let h = harness(&["--static-dir", site.dir()]).await;
    let long = format!("/{}", "a".repeat(256));
    for path in ["/loop", long.as_str(), &format!("/assets{long}/x.js")] {
        let answer = call(&h.router, get(path)).await;
        assert_eq!(answer.status, 404, "{path:.60}: {}", answer.body);
    }
    let logs = captured.text();
    assert!(!logs.contains("ERROR"), "{logs}");
    let looked_up = logs.matches("static file not read").count();
    assert_eq!(
        looked_up, 1,
        "only the loop reaches the file system: {logs}"
    );
    let name = "a".repeat(255);
    assert_eq!(
        call(&h.router, get(&format!("/{name}"))).await.status,
        404,
        "255 bytes may be a name; there is none"
    );
}

#[tokio::test]
async fn a_path_is_logged_cut_to_a_few_hundred_bytes() {
    let captured = Captured::default();
    let _guard = captured.trace();
    let h = harness(&[]).await;
    let path = format!("/api/{}", "p".repeat(60_000));
    assert_eq!(call(&h.router, get(&path)).await.status, 404);
    let logs = captured.text();
    let line = logs
        .lines()
        .find(|line| line.contains("request") && line.contains("/api/ppp"))
        .unwrap_or_else(|| panic!("the request is logged: {logs:.500}"));
    assert!(line.len() < 600, "{} bytes: {line:.300}", line.len());
}

#[tokio::test]
async fn a_path_that_starts_with_two_slashes_is_404_never_a_redirect_to_another_host() {
    let site = Site::new("slashes", &[("index.html", b"<!doctype html>")]);
    let sub = std::path::Path::new(site.dir()).join("sub");
    std::fs::create_dir_all(&sub).expect("a folder");
    std::fs::write(sub.join("index.html"), "<p>sub</p>").expect("a page");
    let h = harness(&["--static-dir", site.dir()]).await;
    for path in ["//sub", "//sub/", "//sub/index.html", "///sub"] {
        let answer = call(&h.router, get(path)).await;
        assert_eq!(
            answer.status,
            404,
            "{path}: {:?}",
            answer.header("location")
        );
        assert_eq!(answer.header("location"), None, "{path}");
    }
    let folder = call(&h.router, get("/sub")).await;
    assert_eq!(
        (folder.status, folder.header("location").as_deref()),
        (307, Some("/sub/")),
        "a folder's own redirect stays on this host"
    );
}

#[tokio::test]
async fn a_precompressed_twin_without_its_original_is_404() {
    let site = Site::new(
        "twins",
        &[
            ("index.html", b"<!doctype html>"),
            ("only.js.gz", b"not really gzip"),
            ("only.css.br", b"not really brotli"),
        ],
    );
    let h = harness(&["--static-dir", site.dir()]).await;
    for path in ["/only.js", "/only.css"] {
        let mut request = get(path);
        request
            .headers_mut()
            .insert("accept-encoding", "br, gzip".parse().expect("header"));
        let answer = call(&h.router, request).await;
        assert_eq!(answer.status, 404, "{path}: {:?}", answer.headers);
    }
}

#[tokio::test]
async fn host_origin_or_sec_fetch_site_given_twice_is_400_whichever_comes_first() {
    let h = harness(&["--organization", ORG]).await;
    for (name, good, evil) in [
        ("host", "127.0.0.1:8080", "evil.example"),
        ("origin", PAGE, "https://evil.example"),
        ("sec-fetch-site", "same-origin", "cross-site"),
        ("origin", PAGE, PAGE),
    ] {
        for (first, second) in [(good, evil), (evil, good)] {
            for mut request in [
                post(checkout_body(2500)),
                get(&format!("/api/billing/balance/{ORG}")),
            ] {
                request.headers_mut().remove(name);
                for value in [first, second] {
                    request
                        .headers_mut()
                        .append(name, value.parse().expect("header"));
                }
                let path = request.uri().path().to_owned();
                let answer = call(&h.router, request).await;
                assert_eq!(
                    (answer.status, answer.code().as_str()),
                    (400, "BAD_REQUEST"),
                    "{path} {name}: {first}, {second}"
                );
            }
        }
    }
    assert_eq!(upstream_calls(&h), 0);
}

#[tokio::test]
async fn a_refusal_is_logged_with_its_code() {
    let captured = Captured::default();
    let _guard = captured.trace();
    let h = harness(&[]).await;
    let answer = call(
        &h.router,
        checkout_with(&[("origin", "https://evil.example")], checkout_body(2500)),
    )
    .await;
    answer.assert_refused(403, "FORBIDDEN_ORIGIN");
    assert_eq!(call(&h.router, get("/healthz")).await.status, 200);
    let logs = captured.text();
    let line = |path: &str| {
        logs.lines()
            .find(|line| line.contains("request") && line.contains(path))
            .unwrap_or_else(|| panic!("{path} is logged: {logs:.800}"))
            .to_owned()
    };
    let refused = line("/api/billing/checkout");
    assert!(refused.contains(" INFO "), "{refused}");
    assert!(refused.contains(r#"code="FORBIDDEN_ORIGIN""#), "{refused}");
    assert!(
        !line("/healthz").contains("code="),
        "an answer that is not a refusal has no code"
    );
}
