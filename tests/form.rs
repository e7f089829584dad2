//! The real top-up form in a real browser: validation on each field, presets, the exact request,
//! single-flight submit, and what each kind of failure does.
#![cfg(target_arch = "wasm32")]

mod support;

use closient_checkout::{Prefill, WidgetConfig};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn blank() -> Widget {
    mount(config(), Prefill::default(), false)
}

/// A form with a valid organization and `amount` typed in.
async fn filled(amount: &str) -> Widget {
    let widget = blank();
    settle().await;
    type_into(&widget.field("Organization ID"), ORGANIZATION);
    type_into(&widget.field("Custom amount"), amount);
    settle().await;
    widget
}

#[wasm_bindgen_test]
async fn limits_are_shown_before_anyone_types() {
    let widget = blank();
    settle().await;
    let amount = widget.field("Custom amount");
    assert_eq!(
        amount.get_attribute("inputmode").as_deref(),
        Some("decimal")
    );
    assert_eq!(amount.type_(), "text");
    assert_eq!(
        amount.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
    assert!(
        widget
            .root
            .text_content()
            .unwrap_or_default()
            .contains("Between $5.00 and $999,999.99.")
    );
    assert_eq!(widget.error_of(&amount), None);
}

#[wasm_bindgen_test]
async fn every_amount_rule_shows_its_message_on_the_field_and_clears_when_fixed() {
    let widget = blank();
    settle().await;
    let amount = widget.field("Custom amount");
    for (typed, message) in [
        ("25,50", "Use a dot for cents, as in 25.50."),
        ("4.99", "The minimum is $5.00."),
        ("1000000", "The maximum is $999,999.99."),
        ("25.505", "Use at most two digits for cents."),
        ("-25", "Enter the amount without a plus or minus sign."),
        (
            "1e3",
            "Use digits only: \u{201c}e\u{201d} (character 2) is not allowed.",
        ),
        (
            "1,00,000",
            "Separate thousands only in groups of three digits, as in 1,000.00.",
        ),
        ("1.2.3", "Use a dot only once, as in 25.50."),
        ("$", "Enter the amount in digits, as in 25.00."),
        ("", "Enter an amount."),
    ] {
        type_into(&amount, typed);
        settle().await;
        assert_eq!(
            widget.error_of(&amount).as_deref(),
            Some(message),
            "typed {typed:?}"
        );
        assert_eq!(
            amount.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "typed {typed:?}"
        );
        type_into(&amount, "$1,025.50");
        settle().await;
        assert_eq!(widget.error_of(&amount), None, "fixed after {typed:?}");
        assert_eq!(
            amount.get_attribute("aria-invalid").as_deref(),
            Some("false")
        );
        assert_eq!(amount.value(), "$1,025.50", "what was typed is kept");
    }
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $1,025.50 to balance")
    );
    assert_eq!(widget.transport.count(), 0);
}

#[wasm_bindgen_test]
async fn every_organization_rule_shows_its_message_on_the_field_and_clears_when_fixed() {
    let widget = blank();
    settle().await;
    let organization = widget.field("Organization ID");
    for (typed, message) in [
        (
            "7dHk0mPqRsTuVwXyZaBcDe",
            "\u{201c}0\u{201d} (character 5) is not allowed: organization IDs use letters and digits, never 0, 1, I, O or l.",
        ),
        (
            "7dHk2mPqRsTuVwXyZaBcD",
            "An organization ID has 22 characters; this one has 21.",
        ),
        ("", "Enter the organization ID."),
    ] {
        type_into(&organization, typed);
        settle().await;
        assert_eq!(
            widget.error_of(&organization).as_deref(),
            Some(message),
            "typed {typed:?}"
        );
        assert_eq!(
            organization.get_attribute("aria-invalid").as_deref(),
            Some("true")
        );
        type_into(&organization, &format!(" {ORGANIZATION} "));
        settle().await;
        assert_eq!(
            widget.error_of(&organization),
            None,
            "fixed after {typed:?}"
        );
        assert_eq!(
            organization.get_attribute("aria-invalid").as_deref(),
            Some("false")
        );
    }
}

#[wasm_bindgen_test]
async fn submitting_an_empty_form_marks_both_fields_and_sends_nothing() {
    let widget = blank();
    settle().await;
    widget.submit_button().click();
    settle().await;
    let organization = widget.field("Organization ID");
    assert_eq!(
        widget.error_of(&organization).as_deref(),
        Some("Enter the organization ID.")
    );
    assert_eq!(
        widget.error_of(&widget.field("Custom amount")).as_deref(),
        Some("Enter an amount.")
    );
    assert_eq!(widget.status(), "Please correct the highlighted fields.");
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    assert_eq!(
        focused.map(|e| e.id()),
        Some(organization.id()),
        "focus moves to the first problem"
    );
    type_into(&organization, ORGANIZATION);
    settle().await;
    assert_eq!(
        widget.status(),
        "Please correct the highlighted fields.",
        "the amount still needs fixing"
    );
    type_into(&widget.field("Custom amount"), "25");
    settle().await;
    assert_eq!(widget.status(), "", "nothing is left to correct");
    assert_eq!(widget.transport.count(), 0);
}

#[wasm_bindgen_test]
async fn a_preset_fills_the_amount_without_submitting() {
    let widget = blank();
    settle().await;
    type_into(&widget.field("Organization ID"), ORGANIZATION);
    let preset = widget.button("$50.00");
    assert_eq!(preset.type_(), "button");
    preset.click();
    settle().await;
    assert_eq!(widget.field("Custom amount").value(), "50");
    assert_eq!(
        preset.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    assert_eq!(
        widget
            .button("$25.00")
            .get_attribute("aria-pressed")
            .as_deref(),
        Some("false")
    );
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $50.00 to balance")
    );
    sleep(50).await;
    assert_eq!(widget.transport.count(), 0, "a preset never submits");
}

#[wasm_bindgen_test]
async fn a_fixed_organization_is_read_only_and_a_link_only_prefills() {
    let fixed = WidgetConfig {
        organization: Some(
            closient_checkout_core::OrganizationId::parse(ORGANIZATION).expect("valid"),
        ),
        ..config()
    };
    let prefill = Prefill {
        organization: Some("22CharactersFromALinkX".into()),
        amount: None,
        amount_text: Some("30".into()),
    };
    let widget = mount(fixed, prefill.clone(), false);
    settle().await;
    let organization = widget.field("Organization ID");
    assert!(organization.read_only());
    assert_eq!(
        organization.value(),
        ORGANIZATION,
        "the page's organization wins over the link"
    );
    drop(widget);

    let widget = mount(config(), prefill, false);
    settle().await;
    let organization = widget.field("Organization ID");
    assert!(!organization.read_only(), "a link never locks the field");
    assert_eq!(organization.value(), "22CharactersFromALinkX");
    assert_eq!(widget.field("Custom amount").value(), "30");
    type_into(&organization, ORGANIZATION);
    settle().await;
    assert_eq!(organization.value(), ORGANIZATION);
}

#[wasm_bindgen_test]
async fn one_exact_request_even_after_double_click_and_enter() {
    let widget = filled("25.5").await;
    widget.transport.push([
        checkout_ok(STRIPE_URL),
        checkout_ok(STRIPE_URL),
        checkout_ok(STRIPE_URL),
    ]);
    let submit = widget.submit_button();
    submit.click();
    submit.click();
    widget.form().request_submit().expect("Enter submits");
    widget.form().request_submit().expect("Enter submits");
    until(2_000, "navigation", || !widget.visited().is_empty()).await;
    submit.click();
    sleep(100).await;

    let requests = widget.transport.requests.borrow().clone();
    assert_eq!(requests.len(), 1, "exactly one request: {requests:?}");
    let (url, body) = &requests[0];
    assert_eq!(url, "/api/billing/checkout");
    assert_eq!(
        body,
        &format!(
            concat!(
                r#"{{"organization_id":"{org}","amount_cents":2550,"#,
                r#""success_url":"https://dashboard.example/billing?tab=funds&checkout=success&session_id={{CHECKOUT_SESSION_ID}}","#,
                r#""cancel_url":"https://dashboard.example/billing?tab=funds&checkout=cancel&amount_cents=2550&organization_id={org}"}}"#
            ),
            org = ORGANIZATION
        )
    );
    assert_eq!(
        widget.visited(),
        [STRIPE_URL],
        "the URL is followed exactly as received, fragment included"
    );
    assert_eq!(
        submit.text_content().as_deref(),
        Some("Redirecting to secure checkout\u{2026}")
    );
}

#[wasm_bindgen_test]
async fn a_checkout_url_off_the_allowlist_is_never_followed() {
    let widget = filled("25").await;
    widget.transport.push([checkout_ok(
        "https://checkout.stripe.com.evil.example/c/pay/cs_test_1",
    )]);
    widget.submit_button().click();
    until(2_000, "the failure", || {
        !widget.status().is_empty() && widget.transport.count() == 1
    })
    .await;
    until(2_000, "the message", || {
        widget
            .status()
            .contains("not lead to a trusted checkout page")
    })
    .await;
    sleep(100).await;
    assert!(widget.visited().is_empty());
    assert_eq!(widget.transport.count(), 1, "never retried");
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $25.00 to balance")
    );
}

#[wasm_bindgen_test]
async fn validation_details_go_to_their_fields() {
    let widget = filled("25").await;
    widget.transport.push([Scripted::Answer {
        status: 422,
        retry_after: None,
        body: r#"{"error":{"code":"VALIDATION_ERROR","message":"Invalid","status":422,
            "details":[{"field":"amount_cents","message":"exceeds this account's limit"}]}}"#
            .to_owned(),
    }]);
    widget.submit_button().click();
    let amount = widget.field("Custom amount");
    until(2_000, "the field error", || {
        widget.error_of(&amount).is_some()
    })
    .await;
    assert_eq!(
        widget.error_of(&amount).as_deref(),
        Some("The server did not accept this: exceeds this account's limit")
    );
    assert_eq!(
        amount.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert_eq!(widget.error_of(&widget.field("Organization ID")), None);
    assert_eq!(widget.status(), "Please correct the highlighted fields.");
    type_into(&amount, "20");
    settle().await;
    assert_eq!(
        widget.error_of(&amount),
        None,
        "editing the field clears the server's message"
    );
    assert_eq!(widget.transport.count(), 1);
}

#[wasm_bindgen_test]
async fn the_two_kinds_of_403_say_different_things_and_never_retry() {
    for (code, says) in [
        (
            "FORBIDDEN",
            "This account may not add funds to this organization.",
        ),
        (
            "FORBIDDEN_ORIGIN",
            "This page is not allowed to start a checkout.",
        ),
    ] {
        let widget = filled("25").await;
        widget.transport.push([error(403, code, None)]);
        widget.submit_button().click();
        until(2_000, code, || widget.status().contains(says)).await;
        assert!(widget.status().ends_with(&format!("Reference: {code}.")));
        sleep(100).await;
        assert_eq!(widget.transport.count(), 1);
        assert_eq!(widget.field("Custom amount").value(), "25");
    }
}

#[wasm_bindgen_test]
async fn a_short_rate_limit_counts_down_then_retries_by_itself() {
    let widget = filled("25").await;
    widget.transport.push([
        error(429, "RATE_LIMITED", Some("2")),
        checkout_ok(STRIPE_URL),
    ]);
    widget.submit_button().click();
    until(1_000, "the countdown", || {
        widget.status().contains("Trying again in 2 seconds")
    })
    .await;
    assert_eq!(widget.transport.count(), 1);
    until(1_500, "the countdown to tick", || {
        widget.status().contains("Trying again in 1 second")
    })
    .await;
    until(2_500, "the automatic retry", || {
        !widget.visited().is_empty()
    })
    .await;
    assert_eq!(widget.transport.count(), 2);
    assert_eq!(widget.visited(), [STRIPE_URL]);
}

/// The click's first attempt is still upstream: the proxy's 409 is waited out like a 429, and
/// the retry, with the same key, gets the one answer.
#[wasm_bindgen_test]
async fn a_key_in_use_counts_down_then_retries_with_the_same_key() {
    let widget = filled("25").await;
    widget.transport.push([
        error(409, "IDEMPOTENCY_KEY_IN_USE", Some("1")),
        checkout_ok(STRIPE_URL),
    ]);
    widget.submit_button().click();
    until(2_500, "the automatic retry", || {
        !widget.visited().is_empty()
    })
    .await;
    assert_eq!(widget.transport.count(), 2);
    let keys = widget.transport.keys.borrow();
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
}

#[wasm_bindgen_test]
async fn a_click_during_the_countdown_retries_at_once() {
    let widget = filled("25").await;
    widget.transport.push([
        error(429, "RATE_LIMITED", Some("20")),
        checkout_ok(STRIPE_URL),
    ]);
    widget.submit_button().click();
    until(1_000, "the countdown", || {
        widget.status().contains("Trying again in 20 seconds")
    })
    .await;
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Retry now (20 seconds)")
    );
    widget.submit_button().click();
    widget.submit_button().click();
    until(1_000, "the retry", || !widget.visited().is_empty()).await;
    assert_eq!(
        widget.transport.count(),
        2,
        "the second click did not add a request"
    );
}

#[wasm_bindgen_test]
async fn a_long_rate_limit_is_shown_and_left_to_the_person() {
    let widget = filled("25").await;
    widget
        .transport
        .push([error(429, "RATE_LIMITED", Some("120"))]);
    widget.submit_button().click();
    until(1_000, "the message", || {
        widget
            .status()
            .contains("You can try again in 120 seconds.")
    })
    .await;
    sleep(200).await;
    assert_eq!(widget.transport.count(), 1);
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $25.00 to balance")
    );
}

#[wasm_bindgen_test]
async fn a_server_error_then_success_needs_nothing_from_the_person() {
    let widget = filled("25").await;
    widget.transport.push([
        error(500, "INTERNAL_ERROR", None),
        error(503, "SERVICE_UNAVAILABLE", None),
        checkout_ok(STRIPE_URL),
    ]);
    widget.submit_button().click();
    until(2_000, "navigation", || !widget.visited().is_empty()).await;
    assert_eq!(widget.transport.count(), 3);
}

#[wasm_bindgen_test]
async fn network_failures_stop_after_three_attempts_keep_the_input_and_allow_a_retry() {
    let widget = filled("$1,000").await;
    widget.transport.push([
        Scripted::NetworkDown,
        Scripted::NetworkDown,
        Scripted::NetworkDown,
    ]);
    widget.submit_button().click();
    until(2_000, "the message", || {
        widget.status().contains("We could not reach the server.")
    })
    .await;
    sleep(200).await;
    assert_eq!(widget.transport.count(), 3, "at most three attempts");
    assert_eq!(widget.field("Custom amount").value(), "$1,000");
    assert_eq!(widget.field("Organization ID").value(), ORGANIZATION);
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $1,000.00 to balance")
    );

    widget.transport.push([checkout_ok(STRIPE_URL)]);
    widget.submit_button().click();
    until(2_000, "navigation", || !widget.visited().is_empty()).await;
    assert_eq!(widget.transport.count(), 4);
    let keys = widget.transport.keys.borrow();
    let first = keys[0].as_deref().expect("the click's Idempotency-Key");
    assert!(first.len() == 36, "a UUID: {first}");
    assert_eq!(keys[1].as_deref(), Some(first), "a retry reuses the key");
    assert_eq!(keys[2].as_deref(), Some(first), "a retry reuses the key");
    let second = keys[3].as_deref().expect("the next click's key");
    assert_ne!(second, first, "a new click has a new key");
}

#[wasm_bindgen_test]
async fn a_blocked_navigation_offers_a_link_to_the_top_window() {
    let widget = mount(config(), prefill_25(), true);
    settle().await;
    widget.transport.push([checkout_ok(STRIPE_URL)]);
    widget.submit_button().click();
    until(2_000, "the link", || widget.top_link().is_some()).await;
    let link = widget.top_link().expect("link");
    assert_eq!(link.get_attribute("href").as_deref(), Some(STRIPE_URL));
    assert_eq!(
        link.text_content().as_deref(),
        Some("Continue to secure checkout")
    );
    assert!(widget.status().contains("Use the link below to continue."));
}

#[wasm_bindgen_test]
async fn a_frame_whose_top_navigation_is_dropped_offers_the_link_after_its_grace() {
    let widget = filled("25").await;
    widget.navigator.framed.set(true);
    widget.transport.push([checkout_ok(STRIPE_URL)]);
    widget.submit_button().click();
    until(1_000, "the navigation", || widget.visited() == [STRIPE_URL]).await;
    assert!(
        widget.top_link().is_none(),
        "no link while the top window may still be leaving"
    );
    until(3_000, "the link", || {
        widget.status().contains("Use the link below to continue.")
    })
    .await;
    let link = widget.top_link().expect("link");
    assert_eq!(link.get_attribute("href").as_deref(), Some(STRIPE_URL));
}
