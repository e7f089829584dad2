//! How a page gets the widget: `mount(element, options)` from JS, the `<closient-checkout>`
//! element (whose small JS class calls `mountElement`), and the Trunk page's mount element
//! with `data-` attributes. All three end in one `Instance`: an open shadow root inside the
//! element, with the widget's stylesheet adopted, rendered from `Options` through `views::root`.

use crate::{
    browser::{events::ErrorDetail, events::Events},
    config::{OptionError, Options, Theme, WidgetConfig},
    views::{self, Configured, Misconfigured, form::Prefill},
};
use closient_checkout_core::{PageView, page_view, strip_widget_params};
use leptos::prelude::*;
use std::{any::Any, cell::RefCell, rc::Rc};
use wasm_bindgen::{JsCast, prelude::*};

/// The widget's styles, inside the wasm so the page needs no stylesheet of its own; one
/// constructed sheet serves every instance (`adoptedStyleSheets` takes no `style-src`). Its
/// comments are blanked at compile time: a run of spaces costs the served wasm almost nothing.
const STYLES: &str = match std::str::from_utf8(&STYLE_BYTES) {
    Ok(styles) => styles,
    Err(_) => panic!("www/checkout.css must be UTF-8"),
};
const STYLE_SOURCE: &[u8] = include_bytes!("../www/checkout.css");
const STYLE_BYTES: [u8; STYLE_SOURCE.len()] = blank_comments(STYLE_SOURCE);

/// `css` with each `/* ... */` replaced by as many spaces.
const fn blank_comments<const N: usize>(css: &[u8]) -> [u8; N] {
    let mut out = [b' '; N];
    let mut at = 0;
    while at < N {
        if css[at] == b'/' && at + 1 < N && css[at + 1] == b'*' {
            let mut end = at + 2;
            while end + 1 < N && !(css[end] == b'*' && css[end + 1] == b'/') {
                end += 1;
            }
            at = end + 2;
        } else {
            out[at] = css[at];
            at += 1;
        }
    }
    out
}

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
    /// The `<div>` inside the element that holds the shadow root.
    shadow_host: web_sys::HtmlElement,
    source: Source,
    options: Options,
    /// What the views render from: `update` sets it, and they change in place.
    config: ArcRwSignal<Configured>,
    events: Events,
    /// Leptos's unmount handle; dropping it unmounts.
    _rendered: Box<dyn Any>,
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
        if let Some(instance) = instance {
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
        instance.show(Ok(config));
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
        instance.show(config);
    }
}

impl Handle {
    fn start(
        element: web_sys::Element,
        source: Source,
        options: Options,
        config: Configured,
    ) -> Self {
        let events = Events::on(element.clone().into());
        report(&events, &config);
        let instance = shadow(&element).map(|(shadow_host, shadow, root)| {
            // A pre-rendered form is replaced by the same form, carrying over what was typed
            // into it before the wasm arrived, and where the caret was.
            let (typed, caret) = (typed(&root), Caret::of(&shadow));
            root.set_text_content(None);
            set_theme(&root, &config);
            let config = ArcRwSignal::new(config);
            let rendered = {
                let (config, events) = (config.clone(), events.clone());
                leptos::mount::mount_to(root.clone(), move || {
                    views::root(config, events, current_view, typed)
                })
            };
            if let Some(caret) = caret {
                caret.restore_after_render(root.into());
            }
            Instance {
                element,
                shadow_host,
                source,
                options,
                config,
                events,
                _rendered: Box::new(rendered),
            }
        });
        let instance = Rc::new(RefCell::new(instance));
        MOUNTED.with(|mounted| mounted.borrow_mut().push(instance.clone()));
        Self { instance }
    }
}

impl Instance {
    /// Shows `config`: the views change in place and keep what was typed, and where the caret
    /// was once they have.
    fn show(&self, config: Configured) {
        report(&self.events, &config);
        let caret = self
            .shadow_host
            .shadow_root()
            .and_then(|shadow| Caret::of(&shadow));
        let root = self.root();
        if let Some(root) = &root {
            set_theme(root, &config);
        }
        self.config.set(config);
        if let (Some(caret), Some(root)) = (caret, root) {
            caret.restore_after_render(root);
        }
    }

    fn root(&self) -> Option<web_sys::Element> {
        self.shadow_host
            .shadow_root()?
            .query_selector(".cc-root")
            .ok()?
    }
}

/// The root's `data-theme`, which the stylesheet's colours follow; a widget whose options are
/// wrong follows the page.
fn set_theme(root: &web_sys::Element, config: &Configured) {
    let theme = config.as_ref().map_or(Theme::Auto, |config| config.theme);
    let _ = root.set_attribute("data-theme", theme.name());
}

/// Tells the page that an option cannot be used.
fn report(events: &Events, config: &Configured) {
    if let Err(error) = config {
        events.error(&ErrorDetail {
            code: "INVALID_OPTION",
            status: 0,
            retryable: false,
            option: Some(error.option),
        });
    }
}

/// The element's shadow host, its open shadow root with the widget's stylesheet, and the
/// root the views render into: those of a form pre-rendered into the page (declarative shadow
/// DOM, see docs/embedding.md), or new ones.
fn shadow(
    element: &web_sys::Element,
) -> Option<(
    web_sys::HtmlElement,
    web_sys::ShadowRoot,
    web_sys::HtmlElement,
)> {
    let prerendered = element.first_element_child().and_then(|host| {
        let shadow = host.shadow_root()?;
        let root = shadow.query_selector(".cc-root").ok()??;
        Some((host, shadow, root))
    });
    let (host, shadow, root) = match prerendered {
        Some(found) => found,
        None => {
            let document = element
                .owner_document()
                .or_else(|| web_sys::window()?.document())?;
            let host = document.create_element("div").ok()?;
            let root = document.create_element("div").ok()?;
            root.set_class_name("cc-root");
            let shadow = host
                .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
                .ok()?;
            shadow.append_child(&root).ok()?;
            element.append_child(&host).ok()?;
            (host, shadow, root)
        }
    };
    shadow.set_adopted_style_sheets(&js_sys::Array::of1(&stylesheet()?.into()));
    // The pre-rendered form's stylesheet link has the same rules as the adopted sheet: one
    // source of styles is enough, and a page's tools then meet the same shadow root as ever.
    if let Ok(Some(link)) = shadow.query_selector("link[rel=stylesheet]") {
        link.remove();
    }
    Some((host.dyn_into().ok()?, shadow, root.dyn_into().ok()?))
}

/// What was typed into a pre-rendered form's editable fields.
fn typed(root: &web_sys::Element) -> Prefill {
    let value = |name: &str| {
        root.query_selector(&format!("input[name={name}]:not([readonly])"))
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

/// The text field that has the focus, and its selection, to give back to the field of the same
/// name once the form is rendered again.
struct Caret {
    name: String,
    start: Option<u32>,
    end: Option<u32>,
    direction: Option<String>,
}

impl Caret {
    fn of(shadow: &web_sys::ShadowRoot) -> Option<Self> {
        let input = shadow
            .active_element()?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()?;
        Some(Self {
            name: input.name(),
            start: input.selection_start().ok()?,
            end: input.selection_end().ok()?,
            direction: input.selection_direction().ok()?,
        })
    }

    /// Once the views have rendered (their fields' values are set in a task of their own,
    /// and setting a value moves the caret), focuses the field of the same name in `root`.
    fn restore_after_render(self, root: web_sys::Element) {
        leptos::task::spawn_local(async move {
            leptos::task::tick().await;
            self.restore(&root);
        });
    }

    fn restore(self, root: &web_sys::Element) {
        let input = root
            .query_selector(&format!("input[name={}]", self.name))
            .ok()
            .flatten()
            .and_then(|input| input.dyn_into::<web_sys::HtmlInputElement>().ok());
        let Some(input) = input else {
            return;
        };
        let _ = input.focus();
        if let (Some(start), Some(end)) = (self.start, self.end) {
            let direction = self.direction.as_deref().unwrap_or("none");
            let _ = input.set_selection_range_with_direction(start, end, direction);
        }
    }
}

/// The view the page's query string asks of the instance `name`. A return from checkout is
/// read once: its parameters then leave the address bar, so that a reload, Back or a shared
/// link shows the form rather than a second "payment received".
fn current_view(name: &str) -> PageView {
    let Some(window) = web_sys::window() else {
        return page_view(|_| None, name);
    };
    let params = window
        .location()
        .search()
        .ok()
        .and_then(|search| web_sys::UrlSearchParams::new_with_str(&search).ok());
    let view = page_view(|key| params.as_ref().and_then(|p| p.get(key)), name);
    if !matches!(view, PageView::Form { .. }) {
        forget_return(&window);
    }
    view
}

/// Replaces the address with itself minus the widget's parameters, keeping the page's own,
/// its fragment, and the history state a router may keep there.
fn forget_return(window: &web_sys::Window) {
    let location = window.location();
    let (Ok(href), Ok(hash), Ok(history)) = (location.href(), location.hash(), window.history())
    else {
        return;
    };
    let url = format!("{}{hash}", strip_widget_params(&href));
    let state = history.state().unwrap_or(JsValue::NULL);
    let _ = history.replace_state_with_url(&state, "", Some(&url));
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

fn read_attributes(element: &web_sys::Element, prefix: &'static str) -> (Options, Configured) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_keeps_its_rules_and_loses_its_comments() {
        assert_eq!(
            &blank_comments::<20>(b"a { } /* b */ c /**/"),
            b"a { }         c     "
        );
        assert!(!STYLES.contains("/*") && !STYLES.contains("*/"));
        assert_eq!(STYLES.len(), STYLE_SOURCE.len());
        let rules = |css: &str| css.matches('{').count();
        assert_eq!(rules(STYLES), rules(include_str!("../www/checkout.css")));
    }
}
