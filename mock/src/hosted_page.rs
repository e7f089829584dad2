//! The fake Stripe hosted checkout page: plain HTML forms, no JavaScript. Paying or canceling
//! redirects the way Stripe does and uses the session up.

use crate::state::{MockState, SessionEnd, SessionInfo, SessionProblem};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub(crate) fn routes(state: MockState) -> Router {
    Router::new()
        .route("/pay/{session_id}", get(show))
        .route("/pay/{session_id}/pay", post(pay))
        .route("/pay/{session_id}/cancel", post(cancel))
        .with_state(state)
}

async fn show(State(state): State<MockState>, Path(id): Path<String>) -> Response {
    match state.open_session_info(&id) {
        Ok(session) => html(StatusCode::OK, "Test checkout", &checkout_body(&session)),
        Err(problem) => problem_page(problem),
    }
}

async fn pay(State(state): State<MockState>, Path(id): Path<String>) -> Response {
    finish(&state, &id, SessionEnd::Paid)
}

async fn cancel(State(state): State<MockState>, Path(id): Path<String>) -> Response {
    finish(&state, &id, SessionEnd::Canceled)
}

fn finish(state: &MockState, id: &str, end: SessionEnd) -> Response {
    match state.finish_session(id, end) {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(problem) => problem_page(problem),
    }
}

// Everything interpolated below was validated to letters and digits when the session was
// opened, and the request's own id is never echoed, so nothing needs HTML escaping.
fn checkout_body(session: &SessionInfo) -> String {
    let id = session.id.as_str();
    let amount = dollars(session.amount_cents);
    format!(
        r#"<h1>Test checkout</h1>
<p>A fake payment page: no money moves.</p>
<dl>
<dt>Amount</dt><dd data-amount>{amount}</dd>
<dt>Organization</dt><dd><code data-organization-id>{organization}</code></dd>
<dt>Session</dt><dd><code data-session-id>{id}</code></dd>
</dl>
<form method="post" action="/pay/{id}/pay"><button type="submit">Pay {amount}</button></form>
<form method="post" action="/pay/{id}/cancel"><button type="submit">Cancel</button></form>"#,
        organization = session.organization_id,
    )
}

fn problem_page(problem: SessionProblem) -> Response {
    match problem {
        SessionProblem::Unknown => html(
            StatusCode::NOT_FOUND,
            "Checkout session not found",
            "<h1>Checkout session not found</h1>\n<p>No checkout session has this id.</p>",
        ),
        SessionProblem::Finished => html(
            StatusCode::GONE,
            "Checkout session no longer valid",
            "<h1>Checkout session no longer valid</h1>\n\
             <p>This checkout session is no longer valid: it was already paid or canceled. \
             Start a new top-up to pay again.</p>",
        ),
    }
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}}
dt{{font-weight:bold}}form{{display:inline-block;margin-right:.5rem}}
button{{font-size:1rem;padding:.5rem 1rem}}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"#
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        page,
    )
        .into_response()
}

/// `$25.00`, `$1,234.50`.
fn dollars(cents: u64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::dollars;

    #[test]
    fn formats_dollars_with_grouping() {
        assert_eq!(dollars(2500), "$25.00");
        assert_eq!(dollars(500), "$5.00");
        assert_eq!(dollars(123_450), "$1,234.50");
        assert_eq!(dollars(99_999_999), "$999,999.99");
        assert_eq!(dollars(100_000_005), "$1,000,000.05");
    }
}
