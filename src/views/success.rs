//! The view Stripe returns to after payment: it confirms the payment, then polls the balance
//! until it shows the credit. It never creates a checkout, so a reload is always safe.

use crate::{
    browser::{
        platform::{Balance, Platform},
        timer::{Wake, wait},
    },
    config::WidgetConfig,
    flow::attempt::SavedAttempt,
    views::{ViewTasks, text::Text},
};
use closient_checkout_core::{
    AmountCents, CheckoutSessionId, CreditWatch, Money, OrganizationId, SessionIdError,
    strip_widget_params,
};
use leptos::{either::Either, prelude::*};

/// What the balance shows so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Credit {
    Waiting {
        current: Option<i64>,
    },
    Credited {
        balance: i64,
    },
    /// The polls ended without evidence; a refresh starts them again.
    NotYet {
        current: Option<i64>,
    },
    /// The proxy serves this page no balances, so there will be no evidence to show.
    NotServed,
}

/// The payment this page is about, as far as this browser knows it.
#[derive(Debug, Clone)]
struct Payment {
    organization: OrganizationId,
    /// Known only from the attempt this browser saved for this session.
    amount: Option<AmountCents>,
    baseline: Option<i64>,
}

impl Payment {
    /// The saved attempt counts only if it went to this session (another tab's does not).
    fn find(
        config: &WidgetConfig,
        session: &CheckoutSessionId,
        attempt: Option<SavedAttempt>,
    ) -> Option<Self> {
        let attempt = attempt.filter(|a| {
            a.session_id
                .as_deref()
                .is_none_or(|id| id == session.as_str())
        });
        let from_attempt = attempt
            .as_ref()
            .and_then(|a| OrganizationId::parse(&a.organization_id).ok());
        let organization = config.organization.clone().or(from_attempt)?;
        let attempt = attempt.filter(|a| a.organization_id == organization.as_str());
        Some(Self {
            organization,
            amount: attempt
                .as_ref()
                .and_then(|a| config.limits.check(a.amount_cents).ok()),
            baseline: attempt.and_then(|a| a.baseline_cents),
        })
    }
}

#[component]
pub fn SuccessView(
    config: WidgetConfig,
    platform: Platform,
    session: Result<CheckoutSessionId, SessionIdError>,
    attempt: Option<SavedAttempt>,
) -> impl IntoView {
    let text = Text::new(&config);
    let format = move |cents: i64| text.money(Money::from_cents(cents));
    let form_url = strip_widget_params(&(platform.page_url)());
    let links = view! {
        <p class="cc-links">
            <a href=form_url>{text.get("links.more")}</a>
            {config.return_url.clone().map(|url| view! { " " <a href=url>{text.get("links.back")}</a> })}
        </p>
    };
    // `Either` rather than `into_any()`: the type-erased view costs the wasm several KB.
    let Ok(session) = session else {
        return Either::Left(view! {
            <section class="cc-result" part="result" aria-labelledby="cc-result-title">
                <h2 id="cc-result-title">{text.get("success.unconfirmed.title")}</h2>
                <p>{text.get("success.unconfirmed.body")}</p>
                {links}
            </section>
        });
    };
    let payment = Payment::find(&config, &session, attempt);
    let credit = RwSignal::new(Credit::Waiting { current: None });

    let tasks = ViewTasks::current();
    let poll = {
        let payment = payment.clone();
        move || {
            let Some(payment) = payment.clone() else {
                return;
            };
            let (config, platform) = (config.clone(), platform.clone());
            tasks.spawn(async move {
                let mut watch = payment
                    .amount
                    .map(|amount| CreditWatch::new(payment.baseline, amount));
                let mut current = None;
                for &delay in &platform.poll_delays_ms {
                    wait(delay, &Wake::default()).await;
                    let balance = match platform.balance(&config, &payment.organization).await {
                        Balance::Known(balance) => balance,
                        Balance::NotServed => {
                            credit.set(Credit::NotServed);
                            return;
                        }
                        Balance::Unavailable => continue,
                    };
                    current = Some(balance.cents());
                    if watch.as_mut().is_some_and(|w| w.observe(balance.cents())) {
                        credit.set(Credit::Credited {
                            balance: balance.cents(),
                        });
                        if let Some(amount) = payment.amount {
                            platform.events.credited(
                                payment.organization.as_str(),
                                amount.cents(),
                                balance.cents(),
                            );
                        }
                        return;
                    }
                    credit.set(Credit::Waiting { current });
                }
                credit.set(Credit::NotYet { current });
            });
        }
    };
    poll();
    let poll = StoredValue::new_local(poll);

    let amount_text = payment
        .as_ref()
        .and_then(|p| p.amount)
        .map(|a| format(a.money().cents()));
    let has_evidence = payment
        .as_ref()
        .is_some_and(|p| p.baseline.is_some() && p.amount.is_some());
    let status = move || match credit.get() {
        Credit::Credited { balance } => {
            text.fill("success.credited", &[("balance", &format(balance))])
        }
        Credit::Waiting { current } if has_evidence => {
            let crediting = text.fill(
                "success.crediting",
                &[("amount", amount_text.as_deref().unwrap_or_default())],
            );
            match current {
                Some(cents) => {
                    let current = text.fill("success.current", &[("balance", &format(cents))]);
                    format!("{crediting} {current}")
                }
                None => crediting,
            }
        }
        Credit::NotYet {
            current: Some(cents),
        } if has_evidence => text.fill("success.not_yet", &[("balance", &format(cents))]),
        Credit::Waiting {
            current: Some(cents),
        }
        | Credit::NotYet {
            current: Some(cents),
        } => text.fill("success.takes_a_moment", &[("balance", &format(cents))]),
        Credit::Waiting { current: None } => text.get("success.checking"),
        Credit::NotServed => text.get("success.not_served"),
        Credit::NotYet { current: None } => text.get("success.unreadable"),
    };
    let can_refresh = payment.is_some();
    // One round of polls at a time: a refresh is offered only once a round has ended, and it
    // leaves that state before the next round starts.
    let refresh = move |_| {
        if matches!(credit.get_untracked(), Credit::NotYet { .. }) {
            credit.set(Credit::Waiting { current: None });
            poll.with_value(|poll| poll());
        }
    };
    // The session id sits in its own element inside the sentence, wherever a language puts it.
    let thanks = text.get("success.session");
    let (before, after) = thanks.split_once("{session}").unwrap_or((&thanks, ""));
    let (before, after) = (before.to_owned(), after.to_owned());
    Either::Right(view! {
        <section class="cc-result" part="result" aria-labelledby="cc-result-title">
            <h2 id="cc-result-title">{text.get("success.title")}</h2>
            <p>{before} <code>{session.to_string()}</code> {after}</p>
            <p class="cc-status" part="status" role="status" aria-live="polite">
                {move || can_refresh.then(&status)}
                {(!can_refresh).then(|| text.get("success.later"))}
            </p>
            {move || (can_refresh && matches!(credit.get(), Credit::NotYet { .. })).then(|| view! {
                <button type="button" class="cc-submit" part="submit" on:click=refresh>
                    {text.get("success.refresh")}
                </button>
            })}
            {links}
        </section>
    })
}
