//! What the form holds: both text fields, where a submit stands and the balance, in one
//! signal. Each signal type costs the bundle about 0.6 KB of gzip, and re-rendering this small
//! form on any change is cheap.

use crate::{messages, money_format::MoneyFormat, submit::Phase};
use closient_checkout_core::{
    AmountCents, AmountError, AmountLimits, Money, OrganizationId, OrganizationIdError,
};
use leptos::prelude::*;

#[derive(Debug, Clone)]
pub struct FormState {
    pub organization: FieldState,
    pub amount: FieldState,
    pub phase: Phase,
    /// The balance of the organization in the form, once known: shown, and saved as the baseline.
    pub balance: Option<(OrganizationId, Money)>,
}

/// One of the form's two text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Organization,
    Amount,
}

/// One text field: what is typed, whether the person has been there, and what the server said
/// about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldState {
    pub text: String,
    pub touched: bool,
    /// The server's message for this field from the last attempt, until the field is edited.
    pub server_error: Option<String>,
}

/// What a field's message depends on besides what is typed.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub limits: AmountLimits,
    /// The embedding page set the organization: it is read-only and never wrong.
    pub fixed_organization: bool,
    pub money: StoredValue<MoneyFormat, LocalStorage>,
}

impl Rules {
    /// Cents as money for display.
    pub fn format(&self, cents: i64) -> String {
        self.money.with_value(|m| m.cents(cents))
    }
}

impl FormState {
    pub fn field(&self, which: Which) -> &FieldState {
        match which {
            Which::Organization => &self.organization,
            Which::Amount => &self.amount,
        }
    }

    pub fn field_mut(&mut self, which: Which) -> &mut FieldState {
        match which {
            Which::Organization => &mut self.organization,
            Which::Amount => &mut self.amount,
        }
    }

    pub fn organization_id(&self) -> Result<OrganizationId, OrganizationIdError> {
        OrganizationId::parse(&self.organization.text)
    }

    pub fn amount_cents(&self, rules: &Rules) -> Result<AmountCents, AmountError> {
        AmountCents::parse(&self.amount.text, &rules.limits)
    }

    /// The message a field shows now: its own problem once touched, else the server's word.
    pub fn error(&self, which: Which, rules: &Rules) -> Option<String> {
        let field = self.field(which);
        let own = match which {
            Which::Organization if rules.fixed_organization => return None,
            Which::Organization => match self.organization_id() {
                // An untouched empty field is not an error yet, nor does the server's word apply.
                Err(OrganizationIdError::Empty) if !field.touched => return None,
                parsed => parsed.err().map(|e| messages::organization_error(&e)),
            },
            Which::Amount => self
                .amount_cents(rules)
                .err()
                .map(|e| messages::amount_error(&e, &|cents| rules.format(cents))),
        };
        match own {
            Some(message) if field.touched => Some(message),
            _ => field
                .server_error
                .as_deref()
                .map(messages::server_field_error),
        }
    }
}

impl FieldState {
    pub fn new(text: String) -> Self {
        Self {
            text,
            ..Self::default()
        }
    }

    /// What a person typing does: new text, touched, and the server's word no longer applies.
    pub fn edit(&mut self, text: String) {
        *self = Self {
            text,
            touched: true,
            server_error: None,
        };
    }
}
