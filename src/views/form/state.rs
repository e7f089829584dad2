//! What the form holds: both text fields and where a submit stands, in one signal that
//! outlives the form's view, so that what was typed survives an `update()` that renders the
//! form again. Each signal type costs the bundle about 0.6 KB of gzip, and re-rendering this
//! small form on any change is cheap. What is derived from it (the parsed amount, the valid
//! organization id, its balance) lives in the form as memos and a resource.

use crate::{
    flow::submit::Phase,
    views::{messages, text::Text},
};
use closient_checkout_core::{
    AmountCents, AmountError, AmountLimits, FieldError, OrganizationId, OrganizationIdError,
};

#[derive(Debug, Clone)]
pub struct FormState {
    pub organization: FieldState,
    pub amount: FieldState,
    pub phase: Phase,
}

impl Default for FormState {
    fn default() -> Self {
        Self {
            organization: FieldState::default(),
            amount: FieldState::default(),
            phase: Phase::Idle { notice: None },
        }
    }
}

/// One of the form's two text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Organization,
    Amount,
}

/// One text field: what is typed, whether the person has been there, and what the server said
/// about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldState {
    pub text: String,
    pub touched: bool,
    /// What the server said of this field in the last attempt, until the field is edited.
    pub server_error: Option<FieldError>,
}

/// The embedder's settings that the fields' checks and messages depend on besides what is
/// typed. `Copy`, so every closure of the view can hold it.
#[derive(Debug, Clone, Copy)]
pub struct FormSettings {
    pub limits: AmountLimits,
    /// The embedding page set the organization: it is read-only and never wrong.
    pub fixed_organization: bool,
    pub text: Text,
}

impl FormState {
    pub fn field(&self, which: FormField) -> &FieldState {
        match which {
            FormField::Organization => &self.organization,
            FormField::Amount => &self.amount,
        }
    }

    pub fn field_mut(&mut self, which: FormField) -> &mut FieldState {
        match which {
            FormField::Organization => &mut self.organization,
            FormField::Amount => &mut self.amount,
        }
    }

    pub fn organization_id(&self) -> Result<OrganizationId, OrganizationIdError> {
        OrganizationId::parse(&self.organization.text)
    }

    pub fn amount_cents(&self, settings: &FormSettings) -> Result<AmountCents, AmountError> {
        AmountCents::parse_with(
            &self.amount.text,
            &settings.limits,
            settings.text.separators(),
        )
    }

    /// The message a field shows now: its own problem once touched, else the server's word.
    /// `amount` is the amount field's text as parsed (the form's memo of it).
    pub fn error(
        &self,
        which: FormField,
        settings: &FormSettings,
        amount: &Result<AmountCents, AmountError>,
    ) -> Option<String> {
        let field = self.field(which);
        let own = match which {
            FormField::Organization if settings.fixed_organization => return None,
            FormField::Organization => match self.organization_id() {
                // An untouched empty field is not an error yet, nor does the server's word apply.
                Err(OrganizationIdError::Empty) if !field.touched => return None,
                parsed => parsed
                    .err()
                    .map(|e| messages::organization_error(&e, settings.text)),
            },
            FormField::Amount => amount
                .as_ref()
                .err()
                .map(|e| messages::amount_error(e, settings.text)),
        };
        match own {
            Some(message) if field.touched => Some(message),
            _ => field.server_error.as_ref().map(|error| {
                // A limit the server holds (a tenant's maximum, say) is worded as the
                // widget's own check of it would be; anything else in the server's words.
                match error.amount_error() {
                    Some(rule) if which == FormField::Amount => {
                        messages::amount_error(&rule, settings.text)
                    }
                    _ => messages::server_field_error(&error.message, settings.text),
                }
            }),
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
