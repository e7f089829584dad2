//! The views around the form, in a real browser: the balance it shows, what it saves before
//! leaving, the success view's crediting, the cancel view, and Back through the page cache.
#![cfg(target_arch = "wasm32")]

mod support;

use closient_checkout::{CheckoutForm, Prefill, SuccessView, flow::attempt::SavedAttempt};
use closient_checkout_core::{CheckoutSessionId, DEFAULT_NAME};
use leptos::prelude::*;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SESSION: &str = "cs_test_a1B2c3";

fn attempt(baseline: Option<i64>) -> SavedAttempt {
    SavedAttempt {
        organization_id: ORGANIZATION.into(),
        amount_cents: 2_500,
        saved_at_ms: 0,
        baseline_cents: baseline,
        session_id: Some(SESSION.into()),
    }
}

fn success(attempt: Option<SavedAttempt>, session: &str, balances: Vec<Scripted>) -> Widget {
    let session = CheckoutSessionId::parse(session);
    mount_view(false, balances, move |platform| {
        view! { <SuccessView config=config() platform session attempt /> }.into_any()
    })
}

fn text(widget: &Widget) -> String {
    widget.root.text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_form_shows_the_balance_and_saves_it_as_the_baseline() {
    let widget = mount(config(), Prefill::default(), false);
    settle().await;
    type_into(&widget.field("Organization ID"), ORGANIZATION);
    until(1_000, "the balance", || {
        text(&widget).contains("Current balance: $150.00")
    })
    .await;
    assert_eq!(
        *widget.transport.balance_reads.borrow(),
        [format!("/api/billing/balance/{ORGANIZATION}")]
    );
    type_into(&widget.field("Custom amount"), "25");
    widget.transport.push([checkout_ok(STRIPE_URL)]);
    widget.submit_button().click();
    until(1_000, "navigation", || !widget.visited().is_empty()).await;
    let saved = SavedAttempt::load(DEFAULT_NAME).expect("saved before leaving");
    assert_eq!(saved.baseline_cents, Some(15_000));
    assert_eq!(saved.amount_cents, 2_500);
    assert_eq!(saved.session_id.as_deref(), Some("cs_test_a1B2c3"));
}

#[wasm_bindgen_test]
fn the_saved_attempt_round_trips_with_or_without_its_optional_parts() {
    for saved in [
        attempt(Some(-310)),
        SavedAttempt {
            baseline_cents: None,
            session_id: None,
            ..attempt(None)
        },
    ] {
        saved.save(DEFAULT_NAME);
        assert_eq!(SavedAttempt::load(DEFAULT_NAME), Some(saved));
    }
    let storage = web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .expect("sessionStorage");
    for (stored, readable) in [
        (
            r#"{"organization_id":"x","amount_cents":2500,"saved_at_ms":1,"baseline_cents":null}"#,
            true,
        ),
        (
            r#"{"organization_id":"x","amount_cents":25.5,"saved_at_ms":1}"#,
            false,
        ),
        (
            r#"{"organization_id":"x","amount_cents":2500,"saved_at_ms":1,"session_id":5}"#,
            false,
        ),
        ("not json", false),
    ] {
        storage
            .set_item("closient-checkout:attempt:default", stored)
            .expect("stored");
        assert_eq!(
            SavedAttempt::load(DEFAULT_NAME).is_some(),
            readable,
            "{stored}"
        );
    }
    storage
        .remove_item("closient-checkout:attempt:default")
        .expect("removed");
}

#[wasm_bindgen_test]
async fn success_polls_until_the_balance_shows_the_credit() {
    let widget = success(
        Some(attempt(Some(15_000))),
        SESSION,
        vec![balance("150.00"), balance("150.00"), balance("175.00")],
    );
    assert!(text(&widget).contains("Payment received"));
    until(1_000, "crediting", || {
        widget.status().contains("Crediting $25.00 to your balance")
    })
    .await;
    until(1_000, "credited", || {
        widget
            .status()
            .contains("Your balance has been credited. New balance: $175.00.")
    })
    .await;
    let reads = widget.transport.balance_reads.borrow().len();
    sleep(100).await;
    assert_eq!(
        widget.transport.balance_reads.borrow().len(),
        reads,
        "polling stops once credited"
    );
    assert_eq!(
        widget.transport.count(),
        0,
        "the success view never creates a checkout"
    );
}

#[wasm_bindgen_test]
async fn success_counts_a_rise_by_the_amount_while_campaigns_spend() {
    let widget = success(
        Some(attempt(Some(15_000))),
        SESSION,
        vec![balance("140.00"), balance("138.00"), balance("163.00")],
    );
    until(1_000, "credited", || {
        widget.status().contains("New balance: $163.00.")
    })
    .await;
}

/// A proxy with no tenant binding serves no balances (403): the view says the payment came in
/// and the balance follows, asks once, and never claims a credit it cannot see.
#[wasm_bindgen_test]
async fn where_balances_are_not_served_it_says_the_balance_will_follow() {
    let widget = success(
        Some(attempt(Some(15_000))),
        SESSION,
        vec![error(403, "FORBIDDEN", None), balance("175.00")],
    );
    until(1_000, "the answer", || {
        widget
            .status()
            .contains("Your balance will update shortly.")
    })
    .await;
    sleep(100).await;
    assert_eq!(
        widget.status(),
        "The payment was received. Your balance will update shortly."
    );
    assert!(!text(&widget).contains("credited"));
    assert!(
        !widget.button_texts().iter().any(|b| b == "Refresh balance"),
        "asking again is no use"
    );
}

#[wasm_bindgen_test]
async fn without_a_baseline_it_never_says_credited() {
    let fixed = closient_checkout_core::OrganizationId::parse(ORGANIZATION).ok();
    let session = CheckoutSessionId::parse(SESSION);
    let rising = std::iter::once(balance("150.00"))
        .chain(std::iter::repeat_with(|| balance("900.00")).take(7));
    let widget = mount_view(false, rising.collect(), move |platform| {
        let config = closient_checkout::WidgetConfig {
            organization: fixed,
            ..config()
        };
        view! { <SuccessView config platform session attempt=None /> }.into_any()
    });
    until(1_000, "the polls to end", || {
        widget.button_texts().iter().any(|b| b == "Refresh balance")
    })
    .await;
    assert!(
        widget
            .status()
            .contains("Current balance: $900.00. Crediting can take a moment."),
        "{}",
        widget.status()
    );
    assert!(!text(&widget).contains("credited"));
}

#[wasm_bindgen_test]
async fn when_the_credit_does_not_show_it_says_so_and_offers_a_refresh() {
    let widget = success(Some(attempt(Some(15_000))), SESSION, vec![]);
    until(1_000, "the polls to end", || {
        widget.status().contains("has not shown up yet")
    })
    .await;
    assert_eq!(
        widget.transport.balance_reads.borrow().len(),
        8,
        "at most 8 polls"
    );
    widget.transport.push_balances([balance("175.00")]);
    widget.button("Refresh balance").click();
    until(1_000, "credited", || {
        widget.status().contains("New balance: $175.00.")
    })
    .await;
    assert_eq!(widget.transport.count(), 0);
}

#[wasm_bindgen_test]
async fn a_malformed_session_id_gets_a_calm_message_not_a_receipt() {
    for session in ["", "{CHECKOUT_SESSION_ID}", "cs_test_<b>"] {
        let widget = success(Some(attempt(Some(15_000))), session, vec![]);
        settle().await;
        assert!(
            text(&widget).contains("We could not confirm a payment"),
            "{session:?}"
        );
        assert!(!text(&widget).contains("Payment received"));
        sleep(50).await;
        assert!(widget.transport.balance_reads.borrow().is_empty());
        assert!(
            widget.root.query_selector("a").ok().flatten().is_some(),
            "a way back to the form"
        );
    }
}

#[wasm_bindgen_test]
async fn another_sessions_attempt_is_not_used_as_evidence() {
    let widget = success(
        Some(attempt(Some(15_000))),
        "cs_test_OtherTab",
        vec![balance("175.00")],
    );
    settle().await;
    sleep(100).await;
    assert!(!text(&widget).contains("credited"), "{}", text(&widget));
}

#[wasm_bindgen_test]
async fn the_cancel_view_refills_the_form_and_tries_again_with_a_fresh_request() {
    let prefill = prefill_25();
    let widget = mount_view(false, vec![], move |platform| {
        view! { <CheckoutForm config=config() platform prefill cancelled=true /> }.into_any()
    });
    settle().await;
    assert!(text(&widget).contains("No charge was made"));
    assert_eq!(widget.field("Custom amount").value(), "25");
    let again = widget.button("Try again: add $25.00 to balance");
    widget.transport.push([checkout_ok(STRIPE_URL)]);
    again.click();
    until(1_000, "navigation", || !widget.visited().is_empty()).await;
    assert_eq!(widget.transport.count(), 1);
}

#[wasm_bindgen_test]
async fn back_through_the_page_cache_leaves_nothing_pending() {
    let widget = mount(config(), prefill_25(), false);
    settle().await;
    widget
        .transport
        .push([checkout_ok(STRIPE_URL), checkout_ok(STRIPE_URL)]);
    widget.submit_button().click();
    until(1_000, "navigation", || !widget.visited().is_empty()).await;
    assert_eq!(
        widget
            .submit_button()
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("true")
    );

    let init = web_sys::PageTransitionEventInit::new();
    init.set_persisted(true);
    let event =
        web_sys::PageTransitionEvent::new_with_event_init_dict("pageshow", &init).expect("event");
    web_sys::window()
        .expect("window")
        .dispatch_event(&event)
        .expect("dispatched");
    settle().await;
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $25.00 to balance")
    );
    assert_eq!(
        widget
            .submit_button()
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("false")
    );
    widget.submit_button().click();
    until(1_000, "a second navigation", || widget.visited().len() == 2).await;
    assert_eq!(widget.transport.count(), 2, "one click, one new session");
}

#[wasm_bindgen_test]
fn a_misconfigured_attribute_is_named_in_place_of_the_form() {
    let element = attached_div();
    element
        .set_attribute("data-checkout-origins", "http://evil.example")
        .expect("attribute");
    let _handle = closient_checkout::mount_attributes(element.clone().into(), "data-");

    let shadow = element
        .first_element_child()
        .and_then(|host| host.shadow_root())
        .expect("the widget's shadow root");
    let alert = shadow
        .query_selector("[role=alert]")
        .expect("query")
        .expect("an alert");
    assert_eq!(
        alert.text_content().unwrap_or_default(),
        "This checkout is not set up correctly: data-checkout-origins must list origins such as \
         https://checkout.stripe.com, separated by spaces or commas; http only on loopback."
    );
    assert!(
        shadow.query_selector("form").expect("query").is_none(),
        "no form that would fail later"
    );
}
