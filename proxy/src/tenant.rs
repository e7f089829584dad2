//! Who may act for which organization: a fixed list (`--organization`), tenant tokens minted by
//! a dashboard's backend, or neither (checkouts for anyone, no balances).

use crate::{
    AppState,
    error::{AppError, Forbidden},
    origin_guard,
};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use closient_checkout_core::{
    AmountLimits, OrganizationId,
    amount::{API_MINIMUM_CENTS, DEFAULT_MAXIMUM_CENTS},
};
use closient_checkout_server_common::tenant_token::{Claims, Refusal, Verifier};
use std::{collections::HashSet, sync::Arc};

#[derive(Debug, Clone)]
pub enum Access {
    /// Neither a tenant secret nor `--organization`: paying into any account harms no one, but
    /// a balance is nobody's business.
    Open,
    /// `--organization` only: a static page for a few organizations.
    Listed(Arc<HashSet<OrganizationId>>),
    /// A tenant secret: every request carries a token, and `--organization`, when given,
    /// narrows which organizations a token may name.
    Tokens {
        /// Boxed: far larger than the other variants.
        verifier: Box<Verifier>,
        /// What the start-up line says of the secrets.
        secrets: String,
        narrowed: Option<Arc<HashSet<OrganizationId>>>,
    },
}

/// What a request was granted by `Access::authenticate`.
#[derive(Debug)]
pub enum Grant {
    Any,
    Listed(Arc<HashSet<OrganizationId>>),
    Token {
        organization: OrganizationId,
        limits: AmountLimits,
        narrowed: Option<Arc<HashSet<OrganizationId>>>,
    },
}

/// Who is asking, as a handler's argument: the cross-site checks passed and the access
/// granted, before anything of the body is read.
#[derive(Debug)]
pub struct Caller(pub Grant);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        origin_guard::check(&parts.headers, &state.config.public_origins)?;
        state.config.access.authenticate(&parts.headers).map(Self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Checkout,
    Balance,
}

impl Access {
    /// With a tenant secret, the bearer token's grant, or 401 `UNAUTHENTICATED`.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Grant, AppError> {
        let (verifier, narrowed) = match self {
            Self::Open => return Ok(Grant::Any),
            Self::Listed(ids) => return Ok(Grant::Listed(ids.clone())),
            Self::Tokens {
                verifier, narrowed, ..
            } => (verifier, narrowed.clone()),
        };
        let Some(token) = bearer_token(headers) else {
            return Err(AppError::Unauthenticated {
                challenge: "Bearer",
            });
        };
        let claims = verifier.verify(token).map_err(|refusal| {
            // The reason only: the token is a credential.
            tracing::debug!(%refusal, "tenant token refused");
            AppError::Unauthenticated {
                challenge: r#"Bearer error="invalid_token""#,
            }
        })?;
        let (organization, limits) = tenant(&claims).map_err(|refusal| {
            tracing::debug!(%refusal, "tenant token refused");
            AppError::Unauthenticated {
                challenge: r#"Bearer error="invalid_token""#,
            }
        })?;
        Ok(Grant::Token {
            organization,
            limits,
            narrowed,
        })
    }

    pub fn summary(&self) -> String {
        match self {
            Self::Open => "organizations=any balances=off tenant_secret=none".to_owned(),
            Self::Listed(ids) => format!("organizations={} tenant_secret=none", ids.len()),
            Self::Tokens {
                secrets, narrowed, ..
            } => format!(
                "organizations={} tenant_secret={secrets}",
                narrowed
                    .as_ref()
                    .map_or("any with a token".to_owned(), |ids| ids.len().to_string())
            ),
        }
    }
}

impl Grant {
    /// The amounts this request may ask for: a token's `max_cents` lowers the maximum.
    pub fn limits(&self) -> AmountLimits {
        match self {
            Self::Token { limits, .. } => *limits,
            Self::Any | Self::Listed(_) => AmountLimits::default(),
        }
    }

    /// Whom an idempotency record belongs to: the organization, and in tenant mode the
    /// subject of the token as well, so no two callers can read each other's answers.
    pub fn scope(&self, organization: &OrganizationId) -> String {
        match self {
            Self::Token {
                organization: subject,
                ..
            } => format!("{organization} token:{subject}"),
            Self::Any | Self::Listed(_) => organization.to_string(),
        }
    }

    /// 403 `FORBIDDEN` unless the request may act for `organization` on `route`.
    pub fn authorize(&self, organization: &OrganizationId, route: Route) -> Result<(), AppError> {
        let forbidden = |reason| Err(AppError::Forbidden(reason));
        match self {
            Self::Any if route == Route::Balance => forbidden(Forbidden::NoBoundOrganization),
            Self::Any => Ok(()),
            Self::Listed(ids) if !ids.contains(organization) => forbidden(Forbidden::NotListed),
            Self::Token {
                organization: bound,
                ..
            } if bound != organization => forbidden(Forbidden::OtherOrganization),
            Self::Token {
                narrowed: Some(ids),
                ..
            } if !ids.contains(organization) => forbidden(Forbidden::NotListed),
            Self::Listed(_) | Self::Token { .. } => Ok(()),
        }
    }
}

/// `Authorization: Bearer <token>`, the scheme in any case (RFC 9110).
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The claims that the token format leaves open, read with the rules of the API.
fn tenant(claims: &Claims) -> Result<(OrganizationId, AmountLimits), Refusal> {
    let organization = OrganizationId::parse_exact(&claims.sub).map_err(|_| Refusal::Malformed)?;
    let limits = token_limits(claims.max_cents).ok_or(Refusal::Malformed)?;
    Ok((organization, limits))
}

/// The amounts a token with this `max_cents` allows: the API's, with the maximum lowered.
/// `None` for a maximum under the API's minimum, where no top-up could ever be started.
pub fn token_limits(max_cents: Option<u64>) -> Option<AmountLimits> {
    match max_cents {
        None => Some(AmountLimits::default()),
        Some(max) => AmountLimits::new(API_MINIMUM_CENTS, max.min(DEFAULT_MAXIMUM_CENTS)).ok(),
    }
}
