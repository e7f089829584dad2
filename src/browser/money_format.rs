//! Money for display, through the browser's `Intl.NumberFormat`.
//!
//! The amount is handed over as a decimal string ("25.50"), which `Intl` formats exactly, so no
//! floating-point number ever holds money.

use closient_checkout_core::Money;
use wasm_bindgen::JsValue;

#[derive(Debug, Clone)]
pub struct MoneyFormat {
    format: Option<js_sys::Function>,
    currency: String,
}

impl MoneyFormat {
    pub fn new(locale: Option<&str>, currency: &str) -> Self {
        let locales = js_sys::Array::new();
        if let Some(locale) = locale {
            locales.push(&JsValue::from_str(locale));
        }
        let options = js_sys::Object::new();
        let set =
            |key: &str, value: &str| js_sys::Reflect::set(&options, &key.into(), &value.into());
        let format = set("style", "currency")
            .and_then(|_| set("currency", currency))
            .ok()
            .map(|_| js_sys::Intl::NumberFormat::new(&locales, &options).format());
        Self {
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
}
