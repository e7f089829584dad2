//! Money and numbers for display, through the browser's `Intl.NumberFormat`.
//!
//! The amount is handed over as a decimal string ("25.50"), which `Intl` formats exactly, so no
//! floating-point number ever holds money.

use crate::language::Language;
use closient_checkout_core::{Money, Separators};
use js_sys::{Array, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

#[derive(Debug, Clone)]
pub struct MoneyFormat {
    locales: Array,
    format: Option<js_sys::Function>,
    currency: String,
}

impl MoneyFormat {
    pub fn new(locale: Option<&str>, currency: &str) -> Self {
        let locales = Array::new();
        if let Some(locale) = locale {
            locales.push(&JsValue::from_str(locale));
        }
        let options = Object::new();
        let set = |key: &str, value: &str| Reflect::set(&options, &key.into(), &value.into());
        // The locale is a well-formed tag (`language::is_locale_tag`), which `Intl` accepts.
        let format = set("style", "currency")
            .and_then(|_| set("currency", currency))
            .ok()
            .and_then(|_| {
                let format = Intl::NumberFormat::new(&locales, &options);
                (!format.is_undefined()).then(|| format.format())
            });
        Self {
            locales,
            format,
            currency: currency.to_owned(),
        }
    }

    /// "$25.50" in en-US; "USD 25.50" where `Intl` is unavailable.
    pub fn format(&self, money: Money) -> String {
        let decimal = money.to_string();
        self.format
            .as_ref()
            .and_then(|format| {
                format
                    .call1(&JsValue::NULL, &JsValue::from_str(&decimal))
                    .ok()
            })
            .and_then(|text| text.as_string())
            .unwrap_or_else(|| format!("{} {decimal}", self.currency))
    }

    /// The separators people of this locale type: English's and German's own rules for those
    /// languages, else what `Intl` writes for the locale, else English's.
    pub fn separators(&self, language: Language) -> Separators {
        if language == Language::German {
            return Separators::GERMAN;
        }
        let locale = self.locales.get(0).as_string().unwrap_or_default();
        if locale.is_empty() || locale.to_ascii_lowercase().starts_with("en") {
            return Separators::ENGLISH;
        }
        let parts = Intl::NumberFormat::new(&self.locales, &Object::new()).format_to_parts(1_234.5);
        let part = |kind: &str| {
            parts.iter().find_map(|part| {
                let is_kind = Reflect::get(&part, &"type".into()).ok()?.as_string()? == kind;
                let value = Reflect::get(&part, &"value".into()).ok()?.as_string()?;
                let mut chars = value.chars();
                match (is_kind, chars.next(), chars.next()) {
                    (true, Some(c), None) => Some(c),
                    _ => None,
                }
            })
        };
        part("decimal")
            .zip(part("group"))
            .and_then(|(decimal, group)| Separators::new(decimal, group).ok())
            .unwrap_or(Separators::ENGLISH)
    }
}
