//! Test doubles at the widget's two edges (the HTTP call and navigation) and small helpers to
//! find things on the page the way a person would: by label and by button text.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use closient_checkout::{
    CheckoutForm, Platform, Prefill, WidgetConfig,
    browser::{
        events::Events,
        navigation::{NavigationBlocked, Navigator},
        transport::{HttpReply, LocalFuture, Transport, TransportError},
    },
};
use closient_checkout_core::RetryPolicy;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyView;
use std::{cell::RefCell, collections::VecDeque, rc::Rc};
use wasm_bindgen::JsCast;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement};

pub const ORGANIZATION: &str = "7dHk2mPqRsTuVwXyZaBcDe";
pub const STRIPE_URL: &str = "https://checkout.stripe.com/c/pay/cs_test_a1B2c3#fidkdWxOYHwnPyd1";

/// One scripted answer of the proxy.
#[derive(Debug, Clone)]
pub enum Scripted {
    Answer {
        status: u16,
        retry_after: Option<&'static str>,
        body: String,
    },
    NetworkDown,
}

pub fn checkout_ok(url: &str) -> Scripted {
    Scripted::Answer {
        status: 200,
        retry_after: None,
        body: format!(r#"{{"checkout_url":"{url}"}}"#),
    }
}

pub fn error(status: u16, code: &str, retry_after: Option<&'static str>) -> Scripted {
    let body = format!(
        r#"{{"error":{{"code":"{code}","message":"m","status":{status},"details":null}}}}"#
    );
    Scripted::Answer {
        status,
        retry_after,
        body,
    }
}

/// Answers from a script and records every request, body verbatim. The body text goes through
/// the widget's real readers, so parsing is exercised too. Balance reads answer from their own
/// script, and `$150.00` when it is empty.
#[derive(Debug, Default)]
pub struct ScriptedTransport {
    script: RefCell<VecDeque<Scripted>>,
    balances: RefCell<VecDeque<Scripted>>,
    pub requests: RefCell<Vec<(String, String)>>,
    /// Each request's `Idempotency-Key`.
    pub keys: RefCell<Vec<Option<String>>>,
    pub balance_reads: RefCell<Vec<String>>,
}

impl Transport for ScriptedTransport {
    fn post_json(
        &self,
        url: &str,
        body: String,
        key: Option<&str>,
    ) -> LocalFuture<Result<HttpReply, TransportError>> {
        self.requests.borrow_mut().push((url.to_owned(), body));
        self.keys.borrow_mut().push(key.map(str::to_owned));
        let next = self.script.borrow_mut().pop_front();
        Box::pin(async move {
            answer(next.expect("the test scripted fewer answers than requests were made"))
        })
    }

    fn get_json(&self, url: &str) -> LocalFuture<Result<HttpReply, TransportError>> {
        self.balance_reads.borrow_mut().push(url.to_owned());
        let next = self
            .balances
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| balance("150.00"));
        Box::pin(async move { answer(next) })
    }
}

fn answer(scripted: Scripted) -> Result<HttpReply, TransportError> {
    match scripted {
        Scripted::NetworkDown => Err(TransportError::Network),
        Scripted::Answer {
            status,
            retry_after,
            body,
        } => Ok(HttpReply {
            status,
            retry_after: retry_after.map(str::to_owned),
            text: body,
        }),
    }
}

pub fn balance(amount: &str) -> Scripted {
    Scripted::Answer {
        status: 200,
        retry_after: None,
        body: format!(r#"{{"balance":"{amount}","currency":"USD"}}"#),
    }
}

impl ScriptedTransport {
    pub fn push(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.script.borrow_mut().extend(answers);
    }

    pub fn push_balances(&self, answers: impl IntoIterator<Item = Scripted>) {
        self.balances.borrow_mut().extend(answers);
    }

    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }
}

/// Records where the widget tried to go instead of going there.
#[derive(Debug, Default)]
pub struct RecordingNavigator {
    pub visited: RefCell<Vec<String>>,
    pub blocked: bool,
    /// In a frame whose top navigation is dropped without an error.
    pub framed: std::cell::Cell<bool>,
}

impl Navigator for RecordingNavigator {
    fn navigate(&self, url: &str) -> Result<(), NavigationBlocked> {
        self.visited.borrow_mut().push(url.to_owned());
        if self.blocked {
            Err(NavigationBlocked)
        } else {
            Ok(())
        }
    }

    fn is_framed(&self) -> bool {
        self.blocked || self.framed.get()
    }
}

/// What a person sees of one rendered widget, found by label and by button text.
pub struct Screen {
    pub root: HtmlElement,
}

/// A view mounted with the test doubles.
pub struct Widget {
    pub screen: Screen,
    pub transport: Rc<ScriptedTransport>,
    pub navigator: Rc<RecordingNavigator>,
    _handle: Box<dyn std::any::Any>,
}

impl std::ops::Deref for Widget {
    type Target = Screen;

    fn deref(&self) -> &Screen {
        &self.screen
    }
}

/// Mounts the real form into a fresh element, with fast backoff so retries finish quickly.
pub fn mount(config: WidgetConfig, prefill: Prefill, blocked: bool) -> Widget {
    mount_view(blocked, Vec::new(), move |platform| {
        view! { <CheckoutForm config platform prefill /> }.into_any()
    })
}

/// What a return from a cancelled or blocked $25.00 checkout fills in: `ORGANIZATION`, "25".
pub fn prefill_25() -> Prefill {
    Prefill {
        organization: Some(ORGANIZATION.into()),
        amount: None,
        amount_text: Some("25".into()),
    }
}

/// Mounts whatever `build` makes from the test platform into a fresh element, with fast
/// backoff and polls so retries finish quickly; `balances` scripts the balance reads.
pub fn mount_view(
    blocked: bool,
    balances: Vec<Scripted>,
    build: impl FnOnce(Platform) -> AnyView + 'static,
) -> Widget {
    let root = attached_div();
    let transport = Rc::new(ScriptedTransport::default());
    transport.push_balances(balances);
    let navigator = Rc::new(RecordingNavigator {
        blocked,
        ..RecordingNavigator::default()
    });
    let platform = Platform {
        transport: transport.clone(),
        navigator: navigator.clone(),
        policy: RetryPolicy {
            base_delay_ms: 20,
            max_delay_ms: 100,
            ..RetryPolicy::default()
        },
        random: || 1.0,
        page_url,
        poll_delays_ms: vec![0, 20, 20, 20, 20, 20, 20, 20],
        events: Events::none(),
    };
    let handle = leptos::mount::mount_to(root.clone(), move || build(platform));
    Widget {
        screen: Screen { root },
        transport,
        navigator,
        _handle: Box::new(handle),
    }
}

/// A fresh `<div>` in the test page's body.
pub fn attached_div() -> HtmlElement {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .expect("a document");
    let div: HtmlElement = document
        .create_element("div")
        .expect("div")
        .unchecked_into();
    document
        .body()
        .expect("body")
        .append_child(&div)
        .expect("attached");
    div
}

pub fn page_url() -> String {
    "https://dashboard.example/billing?tab=funds&checkout=cancel".to_owned()
}

impl Screen {
    /// The form control whose `<label>` text starts with `label`.
    pub fn field(&self, label: &str) -> HtmlInputElement {
        let labels = self.root.query_selector_all("label").expect("query");
        let label = (0..labels.length())
            .filter_map(|i| labels.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
            .find(|l| l.text_content().unwrap_or_default().starts_with(label))
            .unwrap_or_else(|| panic!("no label {label:?}"));
        let id = label.get_attribute("for").expect("label has a for");
        self.root
            .query_selector(&format!("#{id}"))
            .ok()
            .flatten()
            .expect("labelled control")
            .unchecked_into()
    }

    pub fn button(&self, text: &str) -> HtmlButtonElement {
        self.buttons()
            .into_iter()
            .find(|b| b.text_content().unwrap_or_default().starts_with(text))
            .unwrap_or_else(|| panic!("no button {text:?} among {:?}", self.button_texts()))
    }

    pub fn submit_button(&self) -> HtmlButtonElement {
        self.root
            .query_selector("button[type=submit]")
            .ok()
            .flatten()
            .expect("a submit button")
            .unchecked_into()
    }

    fn buttons(&self) -> Vec<HtmlButtonElement> {
        let list = self.root.query_selector_all("button").expect("query");
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into())
            .collect()
    }

    pub fn button_texts(&self) -> Vec<String> {
        self.buttons()
            .iter()
            .map(|b| b.text_content().unwrap_or_default())
            .collect()
    }

    /// The text of the error message that `input` points to through `aria-describedby`.
    pub fn error_of(&self, input: &HtmlInputElement) -> Option<String> {
        let described = input.get_attribute("aria-describedby").unwrap_or_default();
        described
            .split_whitespace()
            .filter(|id| id.ends_with("-error"))
            .filter_map(|id| self.root.query_selector(&format!("#{id}")).ok().flatten())
            .map(|e| e.text_content().unwrap_or_default())
            .find(|text| !text.is_empty())
    }

    /// The link that sends the top window to checkout, when the form offers one.
    pub fn top_link(&self) -> Option<web_sys::Element> {
        self.root.query_selector("a[target=_top]").ok().flatten()
    }

    pub fn status(&self) -> String {
        self.root
            .query_selector("[role=status]")
            .ok()
            .flatten()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    pub fn form(&self) -> web_sys::HtmlFormElement {
        self.root
            .query_selector("form")
            .ok()
            .flatten()
            .expect("a form")
            .unchecked_into()
    }

    pub fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }
}

impl Widget {
    pub fn visited(&self) -> Vec<String> {
        self.navigator.visited.borrow().clone()
    }
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.root.remove();
    }
}

/// Types `text` as a person would: the value changes and an `input` event fires.
pub fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("event");
    input.dispatch_event(&event).expect("dispatched");
}

/// Lets the reactive system and pending futures run.
pub async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
    sleep(0).await;
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("timer");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("timer resolves");
}

/// Waits until `done` holds, failing the test after `limit_ms`.
pub async fn until(limit_ms: i32, what: &str, done: impl Fn() -> bool) {
    let mut waited = 0;
    while !done() {
        assert!(
            waited < limit_ms,
            "timed out after {limit_ms} ms waiting for: {what}"
        );
        sleep(20).await;
        waited += 20;
    }
}

pub fn config() -> WidgetConfig {
    WidgetConfig::default()
}
