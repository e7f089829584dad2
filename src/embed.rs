//! How a page gets the widget: `mount(element, options)` from JS, the `<closient-checkout>`
//! element (whose small JS class calls `mountElement`), and the Trunk page's mount element
//! with `data-` attributes. All three end in one `Instance`: an open shadow root inside the
//! element, with the widget's stylesheet adopted, rendered from `Options` through `views::root`.

use crate::{
    browser::{events::ErrorDetail, events::Events},
    config::{OptionError, Options, WidgetConfig},
    views::{self, Misconfigured, form::Prefill},
};
use closient_checkout_core::page_view;
use std::{any::Any, cell::RefCell, rc::Rc};
use wasm_bindgen::{JsCast, prelude::*};

/// The widget's styles, inside the wasm so the page needs no stylesheet of its own; one
/// constructed sheet serves every instance (`adoptedStyleSheets` takes no `style-src`).
const STYLES: &str = include_str!("../www/checkout.css");

/// Where an instance's options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A JS object, which `update` merges into.
    Script,
    /// The element's attributes, each name after this prefix; re-read whole on update.
    Attributes { prefix: &'static str },
}

/// One mounted widget.
struct Instance {
    element: web_sys::Element,
    /// The `<div>` the widget adds to the element, which holds the shadow root.
    shadow_host: web_sys::HtmlElement,
    /// Where the views render, inside the shadow root.
    root: web_sys::HtmlElement,
    source: Source,
    options: Options,
    /// Leptos's unmount handle for what is rendered now; dropping it unmounts.
    rendered: Option<Box<dyn Any>>,
}

type Slot = Rc<RefCell<Option<Instance>>>;

thread_local! {
    /// Every mounted widget, so that it lives until `unmount` whether or not the page keeps its
    /// handle (a handle the page lets go of is collected, and must not take the widget along).
    static MOUNTED: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// What `mount` and `mountElement` give back: the handle of one mounted widget.
#[wasm_bindgen]
pub struct Handle {
    instance: Slot,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").finish_non_exhaustive()
    }
}

/// Renders the widget into `element` with `options`; throws a `TypeError` naming an option
/// that is unknown or cannot be used.
#[wasm_bindgen(js_name = mount)]
pub fn mount_with_options(element: web_sys::Element, options: JsValue) -> Result<Handle, JsValue> {
    let options = Options::from_js(&options).map_err(|message| type_error(&message))?;
    let config = configure(&element, &options, Source::Script)
        .map_err(|e| type_error(&script_message(e)))?;
    Ok(Handle::start(element, Source::Script, options, Ok(config)))
}

/// Renders the widget into the `<closient-checkout>` element, configured by its attributes.
/// Never throws: a bad attribute is shown in place of the form and reported as an `error`
/// event with the code `INVALID_OPTION`.
#[wasm_bindgen(js_name = mountElement)]
pub fn mount_element(element: web_sys::Element) -> Handle {
    mount_attributes(element, "")
}

/// Renders the widget into `element`, configured by its attributes after `prefix` (`data-` on
/// the Trunk page).
pub fn mount_attributes(element: web_sys::Element, prefix: &'static str) -> Handle {
    let source = Source::Attributes { prefix };
    let (options, config) = read_attributes(&element, prefix);
    Handle::start(element, source, options, config)
}

#[wasm_bindgen]
impl Handle {
    /// Removes the widget and everything it added: its elements, listeners and timers.
    pub fn unmount(&self) {
        let instance = self.instance.borrow_mut().take();
        if let Some(mut instance) = instance {
            instance.rendered.take();
            instance.shadow_host.remove();
        }
        MOUNTED.with(|mounted| {
            mounted
                .borrow_mut()
                .retain(|slot| !Rc::ptr_eq(slot, &self.instance));
        });
    }

    /// Replaces the options given and keeps the rest, and what the person typed; throws a
    /// `TypeError` like `mount` and then changes nothing.
    pub fn update(&self, options: JsValue) -> Result<(), JsValue> {
        let newer = Options::from_js(&options).map_err(|message| type_error(&message))?;
        let mut slot = self.instance.borrow_mut();
        let Some(instance) = slot.as_mut() else {
            return Ok(());
        };
        let options = instance.options.clone().merged(newer);
        let config = configure(&instance.element, &options, Source::Script)
            .map_err(|e| type_error(&script_message(e)))?;
        instance.options = options;
        instance.render(Ok(config));
        Ok(())
    }

    /// Reads the element's attributes again, after one of them changed.
    #[wasm_bindgen(js_name = updateFromAttributes)]
    pub fn update_from_attributes(&self) {
        let mut slot = self.instance.borrow_mut();
        let Some(instance) = slot.as_mut() else {
            return;
        };
        let prefix = match instance.source {
            Source::Attributes { prefix } => prefix,
            Source::Script => return,
        };
        let (options, config) = read_attributes(&instance.element, prefix);
        instance.options = options;
        instance.render(config);
    }
}

impl Handle {
    fn start(
        element: web_sys::Element,
        source: Source,
        options: Options,
        config: Result<WidgetConfig, Misconfigured>,
    ) -> Self {
        let document = element
            .owner_document()
            .or_else(|| web_sys::window()?.document());
        let created = document.and_then(|document| {
            let shadow_host = document.create_element("div").ok()?;
            let root = document.create_element("div").ok()?;
            root.set_class_name("cc-root");
            let shadow = shadow_host
                .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
                .ok()?;
            shadow.set_adopted_style_sheets(&js_sys::Array::of1(&stylesheet()?.into()));
            shadow.append_child(&root).ok()?;
            element.append_child(&shadow_host).ok()?;
            Some((shadow_host.dyn_into().ok()?, root.dyn_into().ok()?))
        });
        let instance = created.map(|(shadow_host, root)| {
            let mut instance = Instance {
                element,
                shadow_host,
                root,
                source,
                options,
                rendered: None,
            };
            instance.render(config);
            instance
        });
        let instance = Rc::new(RefCell::new(instance));
        MOUNTED.with(|mounted| mounted.borrow_mut().push(instance.clone()));
        Self { instance }
    }
}

impl Instance {
    /// Renders `config` in place of what is there, keeping what the person typed.
    fn render(&mut self, config: Result<WidgetConfig, Misconfigured>) {
        let typed = self.typed();
        self.rendered.take();
        let events = Events::on(self.element.clone().into());
        if let Err(error) = &config {
            events.error(&ErrorDetail {
                code: "INVALID_OPTION",
                status: 0,
                retryable: false,
                option: Some(error.option),
            });
        }
        let handle = leptos::mount::mount_to(self.root.clone(), move || {
            if config.is_ok() {
                // Later, so a listener added right after `mount` returns still hears it; and
                // not at all from a widget unmounted before then.
                let ready = events.clone();
                views::ViewTasks::current().after(0, Box::new(move || ready.ready()));
            }
            views::root(config, events, current_view, typed)
        });
        self.rendered = Some(Box::new(handle));
    }

    /// What the person has typed into the editable fields, to carry across a re-render.
    fn typed(&self) -> Prefill {
        let value = |name: &str| {
            self.root
                .query_selector(&format!("input[name={name}]:not([readonly])"))
                .ok()
                .flatten()
                .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value())
                .filter(|value| !value.is_empty())
        };
        Prefill {
            organization: value("organization_id"),
            amount: None,
            amount_text: value("amount"),
        }
    }
}

/// The view the page's query string asks of the instance `name`.
fn current_view(name: &str) -> closient_checkout_core::PageView {
    let params = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    page_view(|key| params.as_ref().and_then(|p| p.get(key)), name)
}

/// The hosted page's one widget (`data-` attributes) keeps the name `default`, and so return
/// URLs without a name; elsewhere an unnamed widget takes its element's id.
fn configure(
    element: &web_sys::Element,
    options: &Options,
    source: Source,
) -> Result<WidgetConfig, OptionError> {
    let id = element.id();
    let named_by_id = source != (Source::Attributes { prefix: "data-" });
    WidgetConfig::from_options(
        options,
        Some(id.as_str()).filter(|id| named_by_id && !id.is_empty()),
        page_locale().as_deref(),
    )
}

fn read_attributes(
    element: &web_sys::Element,
    prefix: &'static str,
) -> (Options, Result<WidgetConfig, Misconfigured>) {
    let misconfigured = |error: OptionError| Misconfigured {
        attribute: format!("{prefix}{}", error.option.attribute()),
        option: error.option.js_name(),
        expected: error.expected,
    };
    match Options::from_attributes(prefix, |name| element.get_attribute(name)) {
        Ok(options) => {
            let config =
                configure(element, &options, Source::Attributes { prefix }).map_err(misconfigured);
            (options, config)
        }
        Err(error) => (Options::default(), Err(misconfigured(error))),
    }
}

/// The page's `lang`, else the browser's language.
fn page_locale() -> Option<String> {
    let window = web_sys::window()?;
    window
        .document()
        .and_then(|document| document.document_element())
        .and_then(|root| root.get_attribute("lang"))
        .filter(|lang| !lang.is_empty())
        .or_else(|| window.navigator().language())
}

fn script_message(error: OptionError) -> String {
    format!("{} {}", error.option.js_name(), error.expected)
}

fn type_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

fn stylesheet() -> Option<web_sys::CssStyleSheet> {
    thread_local!(static SHEET: Option<web_sys::CssStyleSheet> = {
        let sheet = web_sys::CssStyleSheet::new().ok()?;
        sheet.replace_sync(STYLES).ok()?;
        Some(sheet)
    });
    SHEET.with(Clone::clone)
}
