//! The tenant-token snippets of `docs/security.md`, run as written: Node with `jose` and Python
//! with `PyJWT` (installed from their registries into a scratch folder under `target/`, once),
//! and Rust as `examples/mint-token.rs`, which must be that page's block character for character
//! and whose `mint` is compiled in here. The proxy must accept every token they mint,
//! `max_cents` included.

mod support;

// Its `main` is the example's.
#[allow(dead_code)]
#[path = "../examples/mint-token.rs"]
mod readme_rust_snippet;

use closient_checkout_server_common::tenant_token::{SECRET_FILE_VAR, SECRET_VAR};
use std::{path::Path, process::Command};
use support::*;

const JOSE: &str = "6.2.18";
const PYJWT: &str = "2.15.1";
const SECRET: &str = "tenant-secret-of-the-readme-0123456789";

/// The fenced block after `<!-- tenant-token-snippet: NAME -->`.
fn snippet(readme: &str, name: &str) -> String {
    let marker = format!("<!-- tenant-token-snippet: {name} -->\n");
    let after = readme
        .split_once(&marker)
        .unwrap_or_else(|| panic!("docs/security.md has no {marker:?}"))
        .1;
    let (fence, body) = after.split_once('\n').expect("a fenced block");
    assert!(
        fence.starts_with("```"),
        "{name}: no fence after the marker"
    );
    body.split_once("\n```\n")
        .map(|(code, _)| format!("{code}\n"))
        .expect("a closing fence")
}

/// Runs `program` and gives its stdout; fails with everything it said otherwise.
fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// `npm install jose@JOSE` into `dir`, unless that version is there already.
fn install_jose(dir: &Path) {
    let installed = std::fs::read_to_string(dir.join("node_modules/jose/package.json"))
        .is_ok_and(|package| package.contains(&format!("\"version\": \"{JOSE}\"")));
    if !installed {
        std::fs::write(
            dir.join("package.json"),
            r#"{ "private": true, "type": "module" }"#,
        )
        .expect("package.json");
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--save-exact"])
            .arg(format!("jose@{JOSE}"))
            .current_dir(dir));
    }
}

/// `pip install --target DIR PyJWT==PYJWT`, unless that version is there already.
fn install_pyjwt(dir: &Path) {
    if !dir.join(format!("pyjwt-{PYJWT}.dist-info")).is_dir() {
        run(Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(["--upgrade", "--target"])
            .arg(dir)
            .arg(format!("PyJWT=={PYJWT}")));
    }
}

#[tokio::test]
async fn every_minting_snippet_of_the_readme_mints_a_token_the_proxy_accepts() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme =
        std::fs::read_to_string(manifest.join("../docs/security.md")).expect("docs/security.md");
    let example = std::fs::read_to_string(manifest.join("examples/mint-token.rs"))
        .expect("examples/mint-token.rs");
    assert_eq!(
        snippet(&readme, "rust"),
        example,
        "the Rust snippet of docs/security.md is examples/mint-token.rs"
    );

    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-tokens");
    let (node, python) = (scratch.join("node"), scratch.join("python"));
    for dir in [&node, &python] {
        std::fs::create_dir_all(dir).expect("scratch folder");
    }
    install_jose(&node);
    install_pyjwt(&python);
    std::fs::write(node.join("mint-token.mjs"), snippet(&readme, "node")).expect("node snippet");
    let python_snippet = scratch.join("mint_token.py");
    std::fs::write(&python_snippet, snippet(&readme, "python")).expect("python snippet");

    let mut node_command = Command::new("node");
    node_command.arg("mint-token.mjs").current_dir(&node);
    let mut python_command = Command::new("python3");
    python_command
        .arg(&python_snippet)
        .env("PYTHONPATH", &python);
    let mut tokens = Vec::new();
    for (name, command) in [("node", node_command), ("python", python_command)] {
        let mut command = command;
        let printed = run(command
            .args([ORG, PAGE])
            .env(SECRET_VAR, SECRET)
            .env_remove(SECRET_FILE_VAR));
        tokens.push((name, printed.trim().to_owned()));
    }
    let rust = readme_rust_snippet::mint(ORG, PAGE, SECRET.as_bytes()).expect("minted");
    tokens.push(("rust", rust));

    let h = harness_env(&[], &[(SECRET_VAR, SECRET)]).await;
    for (name, token) in &tokens {
        assert_eq!(token.split('.').count(), 3, "{name}: {token}");
        for (amount, status) in [(2500, 200), (50_000, 200), (50_001, 422)] {
            let mut request = post(checkout_body(amount));
            request.headers_mut().insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
            let answer = call(&h.router, request).await;
            assert_eq!(
                answer.status, status,
                "{name}, {amount} cents: {}",
                answer.body
            );
        }
    }
    assert_eq!(h.mock.state().stats().checkout_requests, 6);
}
