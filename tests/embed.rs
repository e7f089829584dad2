//! The JS embedding API as a dashboard uses it: `mount` with an options object, the handle's
//! `update` and `unmount`, option errors, the DOM events, two widgets on one page, German, and
//! nothing left behind. The real transport and navigation run; `window.fetch` is stood in for.
#![cfg(target_arch = "wasm32")]

mod support;

use closient_checkout::{Handle, embed::mount_with_options};
use js_sys::{Function, Object, Reflect};
use support::*;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

const ORGANIZATION_BALANCE: &str = r#"{"balance":"150.00","currency":"USD"}"#;

/// Stands in for `window.fetch` for one test: balances answer $150.00, checkouts answer with
/// `checkout` (a JS expression of `request`); each request is recorded in `window.__requests`.
struct FakeFetch {
    original: JsValue,
}

impl FakeFetch {
    fn install(checkout: &str) -> Self {
        let window = web_sys::window().expect("window");
        let original = Reflect::get(&window, &"fetch".into()).expect("fetch");
        let fake = Function::new_with_args(
            "request",
            &format!(
                "window.__requests = window.__requests || []; \
                 window.__requests.push({{ url: request.url, method: request.method }}); \
                 if (request.url.includes('/balance/')) \
                   return Promise.resolve(new Response('{ORGANIZATION_BALANCE}', {{ status: 200 }})); \
                 return Promise.resolve({checkout});"
            ),
        );
        Reflect::set(&window, &"fetch".into(), &fake).expect("set fetch");
        Reflect::set(&window, &"__requests".into(), &js_sys::Array::new()).expect("reset");
        Self { original }
    }

    fn checkouts(&self) -> usize {
        let window = web_sys::window().expect("window");
        let requests: js_sys::Array = Reflect::get(&window, &"__requests".into())
            .expect("requests")
            .unchecked_into();
        requests
            .iter()
            .filter(|r| {
                Reflect::get(r, &"method".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .as_deref()
                    == Some("POST")
            })
            .count()
    }
}

impl Drop for FakeFetch {
    fn drop(&mut self) {
        let window = web_sys::window().expect("window");
        let _ = Reflect::set(&window, &"fetch".into(), &self.original);
    }
}

fn checkout_answer(url: &str) -> String {
    format!("new Response('{{\"checkout_url\":\"{url}\"}}', {{ status: 200 }})")
}

/// Every event the widget dispatches on `host`, in order, as `(name, detail as JSON)`; and
/// whether to cancel redirects.
struct EventLog {
    seen: std::rc::Rc<std::cell::RefCell<Vec<(String, String)>>>,
    _listeners: Vec<Closure<dyn FnMut(web_sys::CustomEvent)>>,
}

impl EventLog {
    fn on(host: &HtmlElement, cancel_redirects: bool) -> Self {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let listeners = [
            "ready", "invalid", "submit", "redirect", "error", "credited",
        ]
        .into_iter()
        .map(|name| {
            let seen = seen.clone();
            let listener = Closure::<dyn FnMut(web_sys::CustomEvent)>::new(
                move |event: web_sys::CustomEvent| {
                    let detail = js_sys::JSON::stringify(&event.detail())
                        .ok()
                        .and_then(|d| d.as_string())
                        .unwrap_or_default();
                    if name == "redirect" && cancel_redirects {
                        event.prevent_default();
                    }
                    seen.borrow_mut().push((name.to_owned(), detail));
                },
            );
            host.add_event_listener_with_callback(
                &format!("closient-checkout:{name}"),
                listener.as_ref().unchecked_ref(),
            )
            .expect("listener");
            listener
        })
        .collect();
        Self {
            seen,
            _listeners: listeners,
        }
    }

    fn names(&self) -> Vec<String> {
        self.seen.borrow().iter().map(|(n, _)| n.clone()).collect()
    }

    fn detail(&self, name: &str) -> String {
        self.seen
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("no {name} event among {:?}", self.names()))
    }
}

fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("options JSON")
}

/// The shadow root the widget attached to a `<div>` in `host`.
fn shadow_of(host: &HtmlElement) -> web_sys::ShadowRoot {
    host.first_element_child()
        .and_then(|shadow_host| shadow_host.shadow_root())
        .expect("a shadow root")
}

/// The widget's screen inside its shadow root in `host`.
fn screen(host: &HtmlElement) -> Screen {
    let root = shadow_of(host)
        .query_selector(".cc-root")
        .ok()
        .flatten()
        .expect("the widget's root in its shadow root");
    Screen {
        root: root.unchecked_into(),
    }
}

/// The name and caret of the field that has the focus in the widget in `host`.
fn focus_in(host: &HtmlElement) -> (String, Option<u32>) {
    let focused = shadow_of(host)
        .active_element()
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .expect("a field has the focus");
    (focused.name(), focused.selection_start().ok().flatten())
}

fn mount(host: &HtmlElement, json: &str) -> Handle {
    mount_with_options(host.clone().into(), options(json)).expect("valid options")
}

fn type_error(result: Result<Handle, JsValue>) -> String {
    let error = result.expect_err("refused");
    assert!(error.is_instance_of::<js_sys::TypeError>(), "{error:?}");
    error
        .unchecked_into::<js_sys::Error>()
        .message()
        .as_string()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn mount_renders_into_a_shadow_root_and_unmount_removes_everything() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let host = attached_div();
    let handle = mount(&host, r#"{"presets":[1000,2000],"minCents":1000}"#);
    settle().await;
    let widget = screen(&host);
    assert!(widget.text().contains("Add funds to your ad balance"));
    assert_eq!(widget.button_texts()[..2], ["$10.00", "$20.00"]);
    assert!(
        host.query_selector("form").expect("query").is_none(),
        "nothing of the widget in the page's own tree"
    );
    handle.unmount();
    assert_eq!(host.child_element_count(), 0);
    let again = mount(&host, "{}");
    settle().await;
    assert!(screen(&host).text().contains("Add funds"));
    again.unmount();
}

#[wasm_bindgen_test]
fn bad_options_are_a_type_error_that_names_them() {
    let host = attached_div();
    let mount = |json: &str| mount_with_options(host.clone().into(), options(json));
    let unknown = type_error(mount(r#"{"minimumCents":1000}"#));
    assert!(unknown.contains("minimumCents"), "{unknown}");
    assert!(
        unknown.contains("minCents"),
        "lists the real options: {unknown}"
    );
    assert_eq!(
        type_error(mount(r#"{"minCents":"1000"}"#)),
        "minCents must be a whole number of cents"
    );
    assert_eq!(
        type_error(mount(r#"{"minCents":100}"#)),
        "minCents must be at least 500 cents and no more than the maximum"
    );
    assert!(type_error(mount(r#"{"currency":"EUR"}"#)).starts_with("currency must be USD"));
    assert!(type_error(mount(r#"{"messages":{"nope":"x"}}"#)).starts_with("messages "));
    assert!(
        type_error(mount_with_options(host.clone().into(), JsValue::from(5))).contains("object")
    );
    assert_eq!(
        host.child_element_count(),
        0,
        "no form that would fail later"
    );
}

/// The submit button's background, as computed: the accent of the scheme in use.
fn accent(host: &HtmlElement) -> String {
    let button = screen(host).submit_button();
    web_sys::window()
        .and_then(|w| w.get_computed_style(&button).ok().flatten())
        .and_then(|style| style.get_property_value("background-color").ok())
        .expect("a computed style")
}

const LIGHT_ACCENT: &str = "rgb(10, 88, 202)";
const DARK_ACCENT: &str = "rgb(68, 147, 248)";

#[wasm_bindgen_test]
async fn the_colours_follow_the_hosts_color_scheme_unless_the_theme_forces_one() {
    let host = attached_div();
    let handle = mount(&host, "{}");
    settle().await;
    assert_eq!(accent(&host), LIGHT_ACCENT, "no color-scheme: light");
    host.style()
        .set_property("color-scheme", "dark")
        .expect("style");
    assert_eq!(accent(&host), DARK_ACCENT, "auto follows the host");
    handle
        .update(options(r#"{"theme":"light"}"#))
        .expect("valid");
    settle().await;
    assert_eq!(accent(&host), LIGHT_ACCENT, "forced light on a dark host");
    host.style()
        .set_property("color-scheme", "light")
        .expect("style");
    handle
        .update(options(r#"{"theme":"dark"}"#))
        .expect("valid");
    settle().await;
    assert_eq!(accent(&host), DARK_ACCENT, "forced dark on a light host");
    handle
        .update(options(r#"{"theme":"auto"}"#))
        .expect("valid");
    settle().await;
    assert_eq!(accent(&host), LIGHT_ACCENT, "auto again");
    assert_eq!(
        handle
            .update(options(r#"{"theme":"night"}"#))
            .map_err(|e| e.unchecked_into::<js_sys::Error>().message())
            .expect_err("refused"),
        "theme must be auto, light or dark"
    );
    handle.unmount();
}

#[wasm_bindgen_test]
async fn update_applies_new_options_and_keeps_what_was_typed() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let host = attached_div();
    let handle = mount(&host, r#"{"minCents":1000}"#);
    settle().await;
    type_into(&screen(&host).field("Organization ID"), ORGANIZATION);
    type_into(&screen(&host).field("Custom amount"), "25");
    handle
        .update(options(
            r#"{"messages":{"submit.add_amount":"Top up {amount}"}}"#,
        ))
        .expect("valid update");
    settle().await;
    let widget = screen(&host);
    assert_eq!(widget.field("Organization ID").value(), ORGANIZATION);
    assert_eq!(widget.field("Custom amount").value(), "25");
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Top up $25.00")
    );
    assert!(
        widget.text().contains("Between $10.00"),
        "earlier options stay"
    );
    assert!(handle.update(options(r#"{"minCents":"x"}"#)).is_err());
    assert_eq!(
        screen(&host).field("Custom amount").value(),
        "25",
        "a refused update changes nothing"
    );
    handle.unmount();
}

#[wasm_bindgen_test]
async fn update_renders_in_place_from_what_was_typed_not_from_the_dom() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let host = attached_div();
    let handle = mount(&host, "{}");
    settle().await;
    let amount = screen(&host).field("Custom amount");
    type_into(&amount, "25");
    amount.focus().expect("focus");
    amount.set_selection_range(1, 1).expect("caret");
    // A value the page wrote into the field, which the widget never saw typed: a render that
    // read the fields back out of the DOM would keep it.
    screen(&host)
        .field("Organization ID")
        .set_value("written-by-the-page");
    handle
        .update(options(r#"{"presets":[1500]}"#))
        .expect("valid update");
    settle().await;
    let widget = screen(&host);
    assert_eq!(widget.button_texts()[0], "$15.00", "the new options show");
    assert_eq!(widget.field("Custom amount").value(), "25");
    assert_eq!(
        widget.field("Organization ID").value(),
        "",
        "only what was typed"
    );
    assert_eq!(
        focus_in(&host),
        ("amount".to_owned(), Some(1)),
        "a field keeps the focus and its caret"
    );
    handle.unmount();
}

#[wasm_bindgen_test]
async fn a_pre_rendered_form_is_taken_over_with_what_was_typed_and_the_caret() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    // The markup a page gets from the build: a first widget's shadow root, as the build
    // serializes it before the widget is ready.
    let source = attached_div();
    let first = mount(&source, "{}");
    let markup = shadow_of(&source).inner_html();
    first.unmount();
    assert!(
        markup.contains("Getting ready"),
        "the button says it is getting ready: {markup}"
    );

    let host = attached_div();
    let shadow_host: HtmlElement = web_sys::window()
        .and_then(|w| w.document())
        .expect("document")
        .create_element("div")
        .expect("div")
        .unchecked_into();
    host.append_child(&shadow_host).expect("attached");
    let shadow = shadow_host
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .expect("shadow");
    shadow.set_inner_html(&markup);
    let early = screen(&host);
    type_into(&early.field("Organization ID"), ORGANIZATION);
    let amount = early.field("Custom amount");
    type_into(&amount, "42");
    amount.focus().expect("focus");
    amount.set_selection_range(1, 1).expect("caret");

    let log = EventLog::on(&host, false);
    let handle = mount(&host, "{}");
    settle().await;
    let widget = screen(&host);
    assert_eq!(host.child_element_count(), 1, "the same shadow host");
    assert_eq!(
        widget.root.query_selector_all("form").expect("q").length(),
        1
    );
    assert_eq!(widget.field("Organization ID").value(), ORGANIZATION);
    assert_eq!(widget.field("Custom amount").value(), "42");
    assert_eq!(
        focus_in(&host),
        ("amount".to_owned(), Some(1)),
        "the field keeps the focus and its caret"
    );
    until(1_000, "ready", || log.names() == ["ready"]).await;
    assert_eq!(
        widget.submit_button().text_content().as_deref(),
        Some("Add $42.00 to balance"),
        "ready, the button offers what was typed"
    );
    handle.unmount();
}

#[wasm_bindgen_test]
async fn events_follow_a_top_up_and_a_cancelled_redirect_leaves_the_form_usable() {
    let fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let host = attached_div();
    let log = EventLog::on(&host, true);
    let handle = mount(&host, "{}");
    until(1_000, "ready", || log.names() == ["ready"]).await;
    let widget = screen(&host);

    widget.submit_button().click();
    settle().await;
    assert_eq!(
        log.detail("invalid"),
        r#"{"field":"organizationId","code":"EMPTY"}"#
    );

    type_into(&widget.field("Organization ID"), ORGANIZATION);
    type_into(&widget.field("Custom amount"), "25");
    widget.submit_button().click();
    until(1_000, "the redirect event", || {
        log.names().contains(&"redirect".to_owned())
    })
    .await;
    assert_eq!(
        log.names(),
        ["ready", "invalid", "submit", "redirect"],
        "in order"
    );
    assert_eq!(
        log.detail("submit"),
        format!(r#"{{"organizationId":"{ORGANIZATION}","amountCents":2500}}"#)
    );
    assert_eq!(
        log.detail("redirect"),
        format!(r#"{{"url":"{STRIPE_URL}"}}"#)
    );
    settle().await;
    assert_eq!(
        widget
            .submit_button()
            .get_attribute("aria-disabled")
            .as_deref(),
        Some("false"),
        "the page took the URL over; the form is usable"
    );
    widget.submit_button().click();
    until(1_000, "a second redirect", || {
        log.names().iter().filter(|n| *n == "redirect").count() == 2
    })
    .await;
    assert_eq!(fetch.checkouts(), 2);
    handle.unmount();
}

#[wasm_bindgen_test]
async fn a_refused_checkout_is_an_error_event_with_code_status_and_retryable() {
    let _fetch = FakeFetch::install(
        "new Response('{\"error\":{\"code\":\"FORBIDDEN\",\"message\":\"m\",\"status\":403}}', { status: 403 })",
    );
    let host = attached_div();
    let log = EventLog::on(&host, true);
    let handle = mount(&host, &format!(r#"{{"organizationId":"{ORGANIZATION}"}}"#));
    settle().await;
    type_into(&screen(&host).field("Custom amount"), "25");
    screen(&host).submit_button().click();
    until(1_000, "the error event", || {
        log.names().contains(&"error".to_owned())
    })
    .await;
    assert_eq!(
        log.detail("error"),
        r#"{"code":"FORBIDDEN","status":403,"retryable":false}"#
    );
    handle.unmount();
}

/// An expired tenant token: the person is told, keeps what they typed, the page hears
/// `UNAUTHENTICATED`, and after `update({ token })` the same click goes through.
#[wasm_bindgen_test]
async fn an_expired_token_can_be_replaced_without_a_reload() {
    let _fetch = FakeFetch::install(&format!(
        "request.headers.get('authorization') === 'Bearer fresh' ? {} : \
         new Response('{{\"error\":{{\"code\":\"UNAUTHENTICATED\",\"message\":\"m\",\"status\":401}}}}', {{ status: 401 }})",
        checkout_answer(STRIPE_URL)
    ));
    let host = attached_div();
    let log = EventLog::on(&host, true);
    let handle = mount(
        &host,
        &format!(r#"{{"organizationId":"{ORGANIZATION}","token":"stale"}}"#),
    );
    settle().await;
    type_into(&screen(&host).field("Custom amount"), "25");
    screen(&host).submit_button().click();
    until(1_000, "the error event", || {
        log.names().contains(&"error".to_owned())
    })
    .await;
    assert_eq!(
        log.detail("error"),
        r#"{"code":"UNAUTHENTICATED","status":401,"retryable":false}"#
    );
    settle().await;
    assert!(
        screen(&host)
            .status()
            .contains("This page's session has expired; reload it to continue."),
        "{}",
        screen(&host).status()
    );
    handle
        .update(options(r#"{"token":"fresh"}"#))
        .expect("valid update");
    settle().await;
    assert_eq!(screen(&host).field("Custom amount").value(), "25");
    screen(&host).submit_button().click();
    until(1_000, "the redirect", || {
        log.names().contains(&"redirect".to_owned())
    })
    .await;
    handle.unmount();
}

#[wasm_bindgen_test]
async fn two_widgets_on_one_page_do_not_interfere() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let (first_host, second_host) = (attached_div(), attached_div());
    let first_log = EventLog::on(&first_host, true);
    let second_log = EventLog::on(&second_host, true);
    let first = mount(&first_host, r#"{"name":"first"}"#);
    let second = mount(&second_host, r#"{"name":"second"}"#);
    settle().await;
    let (one, two) = (screen(&first_host), screen(&second_host));
    assert_ne!(
        one.field("Organization ID").id(),
        two.field("Organization ID").id(),
        "ids are unique per instance"
    );
    one.submit_button().click();
    settle().await;
    assert!(one.error_of(&one.field("Organization ID")).is_some());
    assert_eq!(two.error_of(&two.field("Organization ID")), None);
    assert!(first_log.names().contains(&"invalid".to_owned()));
    assert!(!second_log.names().contains(&"invalid".to_owned()));
    first.unmount();
    assert!(two.text().contains("Add funds"), "the other widget stays");
    second.unmount();
}

#[wasm_bindgen_test]
async fn only_the_named_widget_shows_its_return_from_checkout() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let history = web_sys::window()
        .expect("window")
        .history()
        .expect("history");
    let back_to = web_sys::window()
        .expect("window")
        .location()
        .href()
        .expect("href");
    history
        .replace_state_with_url(
            &JsValue::NULL,
            "",
            Some("?checkout=cancel&amount_cents=2500&checkout_name=billing"),
        )
        .expect("query");
    let (billing, other) = (attached_div(), attached_div());
    let billing_handle = mount(&billing, r#"{"name":"billing"}"#);
    let other_handle = mount(&other, r#"{"name":"other"}"#);
    settle().await;
    assert!(screen(&billing).text().contains("No charge was made"));
    assert_eq!(screen(&billing).field("Custom amount").value(), "25");
    assert!(!screen(&other).text().contains("No charge was made"));
    assert_eq!(screen(&other).field("Custom amount").value(), "");
    billing_handle.unmount();
    other_handle.unmount();
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&back_to))
        .expect("restored");
}

#[wasm_bindgen_test]
async fn a_return_leaves_the_address_bar_once_read_and_an_update_keeps_its_view() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let window = web_sys::window().expect("window");
    let (history, location) = (window.history().expect("history"), window.location());
    let back_to = location.href().expect("href");
    history
        .replace_state_with_url(
            &JsValue::from_str("router state"),
            "",
            Some("?tab=billing&checkout=cancel&amount_cents=2500&checkout_name=billing#top"),
        )
        .expect("query");
    let host = attached_div();
    let handle = mount(&host, r#"{"name":"billing"}"#);
    settle().await;
    assert!(screen(&host).text().contains("No charge was made"));
    assert_eq!(location.search().expect("search"), "?tab=billing");
    assert_eq!(location.hash().expect("hash"), "#top");
    assert_eq!(history.state().expect("state"), "router state");
    handle
        .update(options(r#"{"minCents":600}"#))
        .expect("valid options");
    settle().await;
    assert!(
        screen(&host).text().contains("No charge was made"),
        "the view read from the return stays"
    );
    assert_eq!(screen(&host).field("Custom amount").value(), "25");
    handle.unmount();
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&back_to))
        .expect("restored");
}

#[wasm_bindgen_test]
async fn a_credit_shows_in_every_form_of_that_organization() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let (same, other) = (attached_div(), attached_div());
    let same_handle = mount(&same, &format!(r#"{{"organizationId":"{ORGANIZATION}"}}"#));
    let other_handle = mount(&other, r#"{"organizationId":"2222222222222222222222"}"#);
    settle().await;
    until(2_000, "the balances", || {
        screen(&same).text().contains("$150.00") && screen(&other).text().contains("$150.00")
    })
    .await;
    // What a widget back from checkout dispatches, from elsewhere on the page.
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&options(&format!(
        r#"{{"organizationId":"{ORGANIZATION}","amountCents":2500,"balanceCents":17500}}"#
    )));
    let credited =
        web_sys::CustomEvent::new_with_event_init_dict("closient-checkout:credited", &init)
            .expect("event");
    attached_div()
        .dispatch_event(&credited)
        .expect("dispatched");
    settle().await;
    assert!(
        screen(&same).text().contains("$175.00"),
        "{}",
        screen(&same).text()
    );
    assert!(
        screen(&other).text().contains("$150.00"),
        "another organization keeps its own"
    );
    same_handle.unmount();
    other_handle.unmount();
}

#[wasm_bindgen_test]
async fn german_reads_a_comma_for_cents_and_speaks_german() {
    let _fetch = FakeFetch::install(&checkout_answer(STRIPE_URL));
    let host = attached_div();
    let handle = mount(&host, r#"{"locale":"de-DE","presets":[2500]}"#);
    settle().await;
    let widget = screen(&host);
    assert!(
        widget.text().contains("Anzeigenguthaben aufladen"),
        "{}",
        widget.text()
    );
    let amount = widget.field("Eigener Betrag");
    type_into(&amount, "25.50");
    settle().await;
    assert_eq!(
        widget.error_of(&amount).as_deref(),
        Some("Verwenden Sie für Cent ein Komma, wie in 25,50.")
    );
    type_into(&amount, "1.025,50");
    settle().await;
    assert_eq!(widget.error_of(&amount), None);
    let label = widget.submit_button().text_content().unwrap_or_default();
    assert!(
        label.contains("1.025,50") && label.ends_with("aufladen"),
        "{label}"
    );
    widget.button(&widget.button_texts()[0]).click();
    settle().await;
    assert_eq!(
        amount.value(),
        "25",
        "a preset fills in the locale's own form"
    );
    handle.unmount();
}

#[wasm_bindgen_test]
async fn a_limit_the_server_holds_is_worded_in_the_pages_language() {
    // A tenant's token allows at most $100.00: the proxy refuses more with core's code and
    // limit, and only an English message.
    let _fetch = FakeFetch::install(
        "new Response(JSON.stringify({ error: { code: 'VALIDATION_ERROR', \
           message: 'The request has invalid fields.', status: 422, details: [{ \
             field: 'amount_cents', code: 'ABOVE_MAXIMUM', limit: 10000, \
             message: 'amount_cents must be at most 10000 cents' }] } }), { status: 422 })",
    );
    let host = attached_div();
    let handle = mount(
        &host,
        &format!(r#"{{"locale":"de-DE","organizationId":"{ORGANIZATION}"}}"#),
    );
    settle().await;
    let widget = screen(&host);
    let amount = widget.field("Eigener Betrag");
    type_into(&amount, "200");
    widget.submit_button().click();
    until(2_000, "the server's field error", || {
        widget.error_of(&amount).is_some()
    })
    .await;
    assert_eq!(
        widget.error_of(&amount).as_deref(),
        Some("Der Höchstbetrag ist 100,00\u{a0}$."),
        "worded as the widget's own check of the maximum would be"
    );
    assert_eq!(amount.value(), "200", "what was typed stays");
    handle.unmount();
}

/// Counts the window listeners and pending timers the page has, by wrapping the browser's
/// functions, so a test can see that nothing of an unmounted widget is left running.
struct Leaks {
    saved: Vec<(&'static str, JsValue)>,
}

impl Leaks {
    fn watch() -> Self {
        let window = web_sys::window().expect("window");
        let names = [
            "addEventListener",
            "removeEventListener",
            "setTimeout",
            "clearTimeout",
        ];
        let saved = names
            .iter()
            .map(|name| (*name, Reflect::get(&window, &(*name).into()).expect("fn")))
            .collect();
        let wrap = Function::new_no_args(
            "const w = window; w.__listeners = 0; w.__timers = new Set();
             const add = w.addEventListener, remove = w.removeEventListener;
             const set = w.setTimeout, clear = w.clearTimeout;
             w.addEventListener = function (...a) { w.__listeners++; return add.apply(this, a); };
             w.removeEventListener = function (...a) { w.__listeners--; return remove.apply(this, a); };
             w.setTimeout = function (f, ms, ...rest) {
               const id = set.call(w, (...x) => { w.__timers.delete(id); f(...x); }, ms, ...rest);
               w.__timers.add(id); return id; };
             w.clearTimeout = function (id) { w.__timers.delete(id); return clear.call(w, id); };",
        );
        wrap.call0(&JsValue::NULL).expect("wrapped");
        Self { saved }
    }

    fn counts(&self) -> (f64, f64) {
        let window = web_sys::window().expect("window");
        let listeners = Reflect::get(&window, &"__listeners".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or_default();
        let timers = Reflect::get(&window, &"__timers".into())
            .ok()
            .and_then(|t| Reflect::get(&t, &"size".into()).ok())
            .and_then(|v| v.as_f64())
            .unwrap_or_default();
        (listeners, timers)
    }
}

impl Drop for Leaks {
    fn drop(&mut self) {
        let window: Object = web_sys::window().expect("window").into();
        for (name, original) in &self.saved {
            let _ = Reflect::set(&window, &(*name).into(), original);
        }
    }
}

#[wasm_bindgen_test]
async fn a_widget_unmounted_at_once_is_never_ready_and_leaves_no_timer() {
    let _fetch = FakeFetch::install("new Promise(() => {})");
    let host = attached_div();
    let log = EventLog::on(&host, false);
    let leaks = Leaks::watch();
    let handle = mount(&host, &format!(r#"{{"organizationId":"{ORGANIZATION}"}}"#));
    handle.unmount();
    sleep(50).await;
    assert_eq!(
        log.names(),
        Vec::<String>::new(),
        "no event from a widget that is gone"
    );
    assert_eq!(leaks.counts().1, 0.0, "no timer pending");
}

#[wasm_bindgen_test]
async fn unmount_leaves_no_listener_or_timer_behind() {
    let _fetch = FakeFetch::install("new Promise(() => {})");
    // The view library adds one window listener per event type for the page's life, the first
    // time a view handles it: one widget before counting takes those out of the count.
    let warm_up = attached_div();
    let first = mount(
        &warm_up,
        &format!(r#"{{"organizationId":"{ORGANIZATION}"}}"#),
    );
    settle().await;
    screen(&warm_up).submit_button().click();
    type_into(&screen(&warm_up).field("Custom amount"), "2");
    settle().await;
    first.unmount();
    settle().await;
    let leaks = Leaks::watch();
    let host = attached_div();
    let handle = mount(&host, &format!(r#"{{"organizationId":"{ORGANIZATION}"}}"#));
    settle().await;
    type_into(&screen(&host).field("Custom amount"), "25");
    // A request that never answers: its timeout timer is pending when the widget goes.
    screen(&host).submit_button().click();
    settle().await;
    let (listeners, timers) = leaks.counts();
    assert!(
        listeners >= 1.0 && timers >= 1.0,
        "the widget listens and waits: {listeners}, {timers}"
    );
    handle.unmount();
    settle().await;
    assert_eq!(leaks.counts(), (0.0, 0.0));
}
