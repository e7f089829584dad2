//! The words, money format and number separators of one widget, as one `Copy` handle that
//! every closure of its views can hold.

use crate::{browser::money_format::MoneyFormat, config::WidgetConfig, language::Messages};
use closient_checkout_core::{Money, Separators};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy)]
pub struct Text(StoredValue<Localized, LocalStorage>);

#[derive(Debug)]
struct Localized {
    messages: Messages,
    money: MoneyFormat,
    separators: Separators,
}

impl Text {
    pub fn new(config: &WidgetConfig) -> Self {
        let money = MoneyFormat::new(config.locale.as_deref(), &config.currency);
        Self(StoredValue::new_local(Localized {
            separators: money.separators(config.messages.language()),
            messages: config.messages.clone(),
            money,
        }))
    }

    pub fn get(&self, key: &str) -> String {
        self.0.with_value(|text| text.messages.get(key))
    }

    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        self.0.with_value(|text| text.messages.fill(key, values))
    }

    /// Money for display, in the configured locale and currency.
    pub fn money(&self, money: Money) -> String {
        self.0.with_value(|text| text.money.format(money))
    }

    /// How people of this locale write numbers, for reading what they type.
    pub fn separators(&self) -> Separators {
        self.0.with_value(|text| text.separators)
    }
}
