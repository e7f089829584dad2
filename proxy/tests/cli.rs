//! `checkout-proxy --print-csp`: the policy for serving `dist/` with another server, the same
//! one the proxy sends, printed without a key.

use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_checkout-proxy");

#[test]
fn prints_the_policy_with_the_loader_hash_and_needs_no_key() {
    let dir = std::env::temp_dir().join(format!("checkout-proxy-csp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let html = "<!doctype html><script type=\"module\">alert(1)</script>";
    std::fs::write(dir.join("index.html"), html).expect("index");
    let output = Command::new(BINARY)
        .args([
            "--print-csp",
            "--static-dir",
            dir.to_str().expect("utf-8"),
            "--frame-ancestors",
            "https://shop.example",
        ])
        .env_remove("CLOSIENT_API_KEY")
        .env_remove("CLOSIENT_API_KEY_FILE")
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).expect("cleanup");
    let policy = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(policy.lines().count(), 1, "{policy}");
    // `printf 'alert(1)' | openssl dgst -sha256 -binary | base64`
    assert!(
        policy.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"),
        "{policy}"
    );
    assert!(
        policy.contains("frame-ancestors https://shop.example"),
        "{policy}"
    );
}

#[test]
fn without_an_index_it_fails_with_one_line() {
    for args in [
        &["--print-csp", "--static-dir", "/nonexistent"][..],
        // No page, no loader hash: a policy printed now would block the widget.
        &["--print-csp"][..],
    ] {
        let output = Command::new(BINARY)
            .args(args)
            .env_remove("CHECKOUT_STATIC_DIR")
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: printed a policy");
    }
}
