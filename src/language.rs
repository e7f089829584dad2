//! Every visible string, in English and German, by key. An embedder may override any of them
//! through the `messages` option; `{name}` in a string is filled in where it is used.

/// The languages the widget speaks; any other locale gets English words (and its own number
/// format, see `browser::money_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    German,
}

impl Language {
    /// German for `de` and its regional forms (`de-AT`), English otherwise.
    pub fn for_locale(locale: &str) -> Self {
        let primary = locale.split('-').next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("de") {
            Self::German
        } else {
            Self::English
        }
    }
}

/// A BCP 47 language tag in the form `Intl` accepts without throwing: a 2 or 3 letter language,
/// then subtags of 2 to 8 letters or digits ("de", "en-GB", "zh-Hant-TW").
pub fn is_locale_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language = subtags.next().unwrap_or_default();
    (2..=3).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags
            .all(|s| (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `(key, English, German)`.
const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "form.title",
        "Add funds to your ad balance",
        "Anzeigenguthaben aufladen",
    ),
    (
        "form.cancelled.title",
        "No charge was made",
        "Es wurde nichts berechnet",
    ),
    (
        "form.cancelled.body",
        "The payment was cancelled. Your details are kept below; try again when you are ready.",
        "Die Zahlung wurde abgebrochen. Ihre Angaben stehen unten bereit; versuchen Sie es erneut, wenn Sie so weit sind.",
    ),
    (
        "form.organization.label",
        "Organization ID",
        "Organisations-ID",
    ),
    (
        "form.organization.hint",
        "22 letters and digits, from your organization settings.",
        "22 Buchstaben und Ziffern, aus den Einstellungen Ihrer Organisation.",
    ),
    (
        "form.organization.hint_fixed",
        "Set by this page.",
        "Von dieser Seite festgelegt.",
    ),
    ("form.balance", "Current balance:", "Aktuelles Guthaben:"),
    ("form.amount.legend", "Amount", "Betrag"),
    (
        "form.amount.label",
        "Custom amount ({currency})",
        "Eigener Betrag ({currency})",
    ),
    (
        "form.amount.hint",
        "Between {min} and {max}.",
        "Zwischen {min} und {max}.",
    ),
    (
        "form.correct_fields",
        "Please correct the highlighted fields.",
        "Bitte korrigieren Sie die markierten Felder.",
    ),
    (
        "submit.starting",
        "Getting ready\u{2026}",
        "Wird vorbereitet\u{2026}",
    ),
    ("submit.add", "Add funds", "Guthaben aufladen"),
    (
        "submit.add_amount",
        "Add {amount} to balance",
        "{amount} aufladen",
    ),
    ("submit.retry", "Try again", "Erneut versuchen"),
    (
        "submit.retry_amount",
        "Try again: add {amount} to balance",
        "Erneut versuchen: {amount} aufladen",
    ),
    (
        "submit.connecting",
        "Connecting\u{2026}",
        "Verbindung wird aufgebaut\u{2026}",
    ),
    (
        "submit.trying_again",
        "Trying again\u{2026}",
        "Neuer Versuch\u{2026}",
    ),
    (
        "submit.retry_now",
        "Retry now ({seconds})",
        "Jetzt erneut versuchen ({seconds})",
    ),
    (
        "submit.redirecting",
        "Redirecting to secure checkout\u{2026}",
        "Weiter zur sicheren Bezahlseite\u{2026}",
    ),
    (
        "status.sending",
        "Starting a secure checkout\u{2026}",
        "Sichere Bezahlung wird gestartet\u{2026}",
    ),
    (
        "status.retrying",
        "The payment service did not answer; trying again\u{2026}",
        "Der Zahlungsdienst hat nicht geantwortet; neuer Versuch\u{2026}",
    ),
    (
        "status.countdown",
        "Too many requests just now. Trying again in {seconds}\u{2026}",
        "Gerade zu viele Anfragen. Neuer Versuch in {seconds}\u{2026}",
    ),
    (
        "status.redirecting",
        "Redirecting to secure checkout\u{2026}",
        "Weiter zur sicheren Bezahlseite\u{2026}",
    ),
    (
        "status.blocked",
        "This page is shown inside another site, which stopped the move to the checkout page. Use the link below to continue.",
        "Diese Seite wird in einer anderen Website angezeigt, die den Wechsel zur Bezahlseite verhindert hat. Fahren Sie über den Link unten fort.",
    ),
    (
        "framed.continue",
        "Continue to secure checkout",
        "Weiter zur sicheren Bezahlseite",
    ),
    ("framed.or", "or", "oder"),
    (
        "framed.new_tab",
        "open it in a new tab",
        "in einem neuen Tab öffnen",
    ),
    ("seconds.one", "1 second", "1 Sekunde"),
    ("seconds.many", "{count} seconds", "{count} Sekunden"),
    (
        "amount.empty",
        "Enter an amount.",
        "Geben Sie einen Betrag ein.",
    ),
    (
        "amount.decimal_mark",
        "Use {mark} for cents, as in {example}.",
        "Verwenden Sie für Cent {mark}, wie in {example}.",
    ),
    (
        "amount.grouping",
        "Separate thousands only in groups of three digits, as in {example}.",
        "Tausender nur in Dreiergruppen trennen, wie in {example}.",
    ),
    (
        "amount.decimal_marks",
        "Use {mark} only once, as in {example}.",
        "Verwenden Sie {mark} nur einmal, wie in {example}.",
    ),
    (
        "amount.decimals",
        "Use at most two digits for cents.",
        "Verwenden Sie höchstens zwei Stellen für Cent.",
    ),
    (
        "amount.sign",
        "Enter the amount without a plus or minus sign.",
        "Geben Sie den Betrag ohne Plus- oder Minuszeichen ein.",
    ),
    (
        "amount.character",
        "Use digits only: \u{201c}{character}\u{201d} (character {position}) is not allowed.",
        "Nur Ziffern: \u{201e}{character}\u{201c} (Zeichen {position}) ist nicht erlaubt.",
    ),
    (
        "amount.no_digits",
        "Enter the amount in digits, as in {example}.",
        "Geben Sie den Betrag in Ziffern ein, wie in {example}.",
    ),
    (
        "amount.minimum",
        "The minimum is {amount}.",
        "Der Mindestbetrag ist {amount}.",
    ),
    (
        "amount.maximum",
        "The maximum is {amount}.",
        "Der Höchstbetrag ist {amount}.",
    ),
    ("mark.dot", "a dot", "einen Punkt"),
    ("mark.comma", "a comma", "ein Komma"),
    (
        "organization.empty",
        "Enter the organization ID.",
        "Geben Sie die Organisations-ID ein.",
    ),
    (
        "organization.character",
        "\u{201c}{character}\u{201d} (character {position}) is not allowed: organization IDs use letters and digits, never 0, 1, I, O or l.",
        "\u{201e}{character}\u{201c} (Zeichen {position}) ist nicht erlaubt: Organisations-IDs bestehen aus Buchstaben und Ziffern, nie 0, 1, I, O oder l.",
    ),
    (
        "organization.length",
        "An organization ID has {expected} characters; this one has {found}.",
        "Eine Organisations-ID hat {expected} Zeichen; diese hat {found}.",
    ),
    (
        "server.field",
        "The server did not accept this: {message}",
        "Der Server hat dies nicht angenommen: {message}",
    ),
    (
        "problem.forbidden",
        "This account may not add funds to this organization. Check the organization ID, or ask an owner for billing access.",
        "Dieses Konto darf dieser Organisation kein Guthaben hinzufügen. Prüfen Sie die Organisations-ID oder bitten Sie einen Inhaber um Abrechnungszugriff.",
    ),
    (
        "problem.forbidden_origin",
        "This page is not allowed to start a checkout. Please tell the site's owner.",
        "Diese Seite darf keine Bezahlung starten. Bitte informieren Sie den Betreiber der Website.",
    ),
    (
        "problem.unauthenticated",
        "This page's session has expired; reload it to continue.",
        "Die Sitzung dieser Seite ist abgelaufen; laden Sie sie neu, um fortzufahren.",
    ),
    (
        "problem.rate_limited_for",
        "Too many requests just now. You can try again in {seconds}.",
        "Gerade zu viele Anfragen. Sie können es in {seconds} erneut versuchen.",
    ),
    (
        "problem.rate_limited",
        "Too many requests just now. Please try again in a moment.",
        "Gerade zu viele Anfragen. Bitte versuchen Sie es gleich noch einmal.",
    ),
    (
        "problem.unavailable",
        "The payment service is not responding right now. Nothing was charged and your details are kept, so you can try again.",
        "Der Zahlungsdienst antwortet gerade nicht. Es wurde nichts berechnet und Ihre Angaben bleiben erhalten, Sie können es also erneut versuchen.",
    ),
    (
        "problem.network",
        "We could not reach the server. Check your connection, then try again. Nothing was charged.",
        "Der Server war nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut. Es wurde nichts berechnet.",
    ),
    (
        "problem.timeout",
        "The server took too long to answer. Nothing was charged; you can try again.",
        "Der Server hat zu lange nicht geantwortet. Es wurde nichts berechnet; Sie können es erneut versuchen.",
    ),
    (
        "problem.untrusted_url",
        "The payment link we received does not lead to a trusted checkout page, so it was not opened. Nothing was charged.",
        "Der erhaltene Zahlungslink führt nicht zu einer vertrauenswürdigen Bezahlseite und wurde nicht geöffnet. Es wurde nichts berechnet.",
    ),
    (
        "problem.rejected",
        "The checkout could not be started (status {status}).",
        "Die Bezahlung konnte nicht gestartet werden (Status {status}).",
    ),
    (
        "problem.reference",
        "{message} Reference: {code}.",
        "{message} Referenz: {code}.",
    ),
    ("success.title", "Payment received", "Zahlung eingegangen"),
    (
        "success.session",
        "Thank you. You are back from checkout session {session}.",
        "Vielen Dank. Sie kommen von der Bezahlsitzung {session} zurück.",
    ),
    (
        "success.credited",
        "Your balance has been credited. New balance: {balance}.",
        "Ihr Guthaben wurde aufgeladen. Neues Guthaben: {balance}.",
    ),
    (
        "success.crediting",
        "Crediting {amount} to your balance\u{2026}",
        "{amount} wird Ihrem Guthaben gutgeschrieben\u{2026}",
    ),
    (
        "success.current",
        "Current balance: {balance}.",
        "Aktuelles Guthaben: {balance}.",
    ),
    (
        "success.not_yet",
        "Your payment went through, but the new balance has not shown up yet (current balance: {balance}). It usually takes a few seconds; check again in a moment.",
        "Ihre Zahlung ist eingegangen, das neue Guthaben wird aber noch nicht angezeigt (aktuelles Guthaben: {balance}). Das dauert meist nur Sekunden; sehen Sie gleich noch einmal nach.",
    ),
    (
        "success.takes_a_moment",
        "Current balance: {balance}. Crediting can take a moment.",
        "Aktuelles Guthaben: {balance}. Die Gutschrift kann einen Moment dauern.",
    ),
    (
        "success.checking",
        "Checking your balance\u{2026}",
        "Guthaben wird abgefragt\u{2026}",
    ),
    (
        "success.unreadable",
        "Your balance could not be read just now. It will show the payment within a minute.",
        "Ihr Guthaben konnte gerade nicht gelesen werden. Die Zahlung erscheint darin innerhalb einer Minute.",
    ),
    (
        "success.not_served",
        "The payment was received. Your balance will update shortly.",
        "Die Zahlung ist eingegangen. Ihr Guthaben wird in Kürze aktualisiert.",
    ),
    (
        "success.later",
        "Your balance will show the payment within a minute.",
        "Die Zahlung erscheint innerhalb einer Minute in Ihrem Guthaben.",
    ),
    (
        "success.refresh",
        "Refresh balance",
        "Guthaben aktualisieren",
    ),
    (
        "success.unconfirmed.title",
        "We could not confirm a payment",
        "Wir konnten keine Zahlung bestätigen",
    ),
    (
        "success.unconfirmed.body",
        "This page expects a link back from the checkout page, and this one is incomplete. If you did pay, your balance will show it within a minute.",
        "Diese Seite erwartet einen Rücklink von der Bezahlseite, und dieser ist unvollständig. Falls Sie bezahlt haben, erscheint die Zahlung innerhalb einer Minute in Ihrem Guthaben.",
    ),
    ("links.more", "Add more funds", "Weiteres Guthaben aufladen"),
    ("links.back", "Back to dashboard", "Zurück zum Dashboard"),
];

/// Whether `key` names a string an embedder may override.
pub fn is_message_key(key: &str) -> bool {
    CATALOGUE.iter().any(|(known, ..)| *known == key)
}

/// The strings in one language, with the embedder's overrides.
#[derive(Debug, Clone)]
pub struct Messages {
    language: Language,
    overrides: Vec<(String, String)>,
}

impl Messages {
    pub fn new(language: Language, overrides: Vec<(String, String)>) -> Self {
        Self {
            language,
            overrides,
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The string for `key`; an unknown key reads as itself, which a test would notice.
    pub fn get(&self, key: &str) -> String {
        if let Some((_, text)) = self.overrides.iter().find(|(known, _)| known == key) {
            return text.clone();
        }
        CATALOGUE
            .iter()
            .find(|(known, ..)| *known == key)
            .map_or(key, |(_, english, german)| match self.language {
                Language::English => english,
                Language::German => german,
            })
            .to_owned()
    }

    /// The string for `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        values.iter().fold(self.get(key), |text, (name, value)| {
            replace(&text, name, value)
        })
    }
}

/// `text.replace("{name}", value)` for a name without braces, found from each `{` rather than
/// by a substring search, whose code (and its panic messages) would cost the wasm KB.
fn replace(text: &str, name: &str, value: &str) -> String {
    let mut filled = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, after)) = rest.split_once('{') {
        filled.push_str(before);
        match after
            .strip_prefix(name)
            .and_then(|tail| tail.strip_prefix('}'))
        {
            Some(tail) => {
                filled.push_str(value);
                rest = tail;
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_once_and_both_languages_fill_the_same_names() {
        for (index, (key, english, german)) in CATALOGUE.iter().enumerate() {
            assert!(
                CATALOGUE[index + 1..]
                    .iter()
                    .all(|(other, ..)| other != key),
                "{key} twice"
            );
            let names = |text: &str| -> Vec<String> {
                let mut names: Vec<String> = text
                    .split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                    .collect();
                names.sort();
                names
            };
            assert_eq!(names(english), names(german), "{key}");
            assert_ne!(english, german, "{key} is not translated");
        }
    }

    #[test]
    fn a_name_is_replaced_as_str_replace_replaces_it() {
        for text in [
            "", "{a}", "x{a}y{a}", "{{a}}", "{a", "{ab}{a}", "a}{", "{b}{a}{", "ä{a}ü",
        ] {
            assert_eq!(
                replace(text, "a", "V{a}"),
                text.replace("{a}", "V{a}"),
                "{text}"
            );
        }
    }

    #[test]
    fn the_locale_picks_the_language_and_overrides_win() {
        assert_eq!(Language::for_locale("de-AT"), Language::German);
        assert_eq!(Language::for_locale("DE"), Language::German);
        assert_eq!(Language::for_locale("en-GB"), Language::English);
        assert_eq!(Language::for_locale("fr"), Language::English);
        let german = Messages::new(Language::German, Vec::new());
        assert_eq!(german.get("submit.add"), "Guthaben aufladen");
        assert_eq!(
            german.fill("amount.minimum", &[("amount", "5,00 $")]),
            "Der Mindestbetrag ist 5,00 $."
        );
        let custom = Messages::new(
            Language::English,
            vec![("submit.add".to_owned(), "Top up".to_owned())],
        );
        assert_eq!(custom.get("submit.add"), "Top up");
        assert!(is_message_key("submit.add") && !is_message_key("submit.nope"));
        for tag in ["de", "en-GB", "zh-Hant-TW", "de-CH"] {
            assert!(is_locale_tag(tag), "{tag}");
        }
        for tag in ["", "e", "english", "en-x", "de-", "d3", "de_CH"] {
            assert!(!is_locale_tag(tag), "{tag}");
        }
    }
}
