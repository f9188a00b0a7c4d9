//! How values look in each language of the portal (docs/design/portal.md §3): dates,
//! integers, money, UTC times, national ids, and the message ids of rules, audit actions and
//! statuses.
//!
//! | | sv | nb | da | en |
//! | --- | --- | --- | --- | --- |
//! | date | `2026-11-24` | `24.11.2026` | `24.11.2026` | `24 Nov 2026` |
//! | integer | `12 345` | `12 345` | `12.345` | `12,345` |
//! | negative | `−12 345` | `−12 345` | `-12.345` | `-12,345` |
//! | money (own currency) | `200,00 kr` | `200,00 kr` | `200,00 kr.` | `SEK 200.00` |
//! | money (other currency) | `200,00 NOK` | `200,00 SEK` | `200,00 SEK` | `NOK 200.00` |
//! | UTC time | `2026-11-24 13:05 UTC` | `24.11.2026 kl. 13:05 UTC` | `24.11.2026 kl. 13.05 UTC` | `24 Nov 2026, 13:05 UTC` |
//!
//! The spaces in Swedish and Norwegian numbers, and between an amount and its unit, are
//! no-break spaces (U+00A0); Swedish and Norwegian write a minus as U+2212, as the Unicode
//! locale data (CLDR) does. Numbers are grouped from four digits on. No locale library and
//! no time-zone database: times are stored in UTC and shown in UTC, in a `<time>` element
//! whose `datetime` attribute the browser may localise.
//!
//! National ids are shown in their own country's form whatever the page language (SE
//! `YYYYMMDD-NNNN`, DK `DDMMYY-SSSS`, NO `DDMMYY NNNNN`); only their label is translated.

use tillit_core::id::{Country, HsaId, NationalId, PersonIdKind};
use tillit_core::ra::card::CardStatus;
use tillit_core::ra::credential::CredentialPhase;
use tillit_core::ra::puk::PukStatus;
use tillit_core::ra::reserve::{BundleStatus, ReserveStatus};
use time::Date;

use crate::i18n::{Catalog, Lang};

/// A no-break space: between digit groups (sv, nb) and between an amount and its unit.
const NBSP: &str = "\u{a0}";

/// English month abbreviations, January first.
const EN_MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;

/// A calendar date, as the formatting below needs it (also outside `time`'s range).
#[derive(Debug, Clone, Copy)]
struct Ymd {
    year: i64,
    month: u8,
    day: u8,
}

fn format_ymd(lang: Lang, d: Ymd) -> String {
    match lang {
        Lang::Sv => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        Lang::Nb | Lang::Da => format!("{:02}.{:02}.{:04}", d.day, d.month, d.year),
        Lang::En => {
            let month = EN_MONTHS.get(usize::from(d.month).saturating_sub(1)).copied().unwrap_or("?");
            format!("{} {month} {:04}", d.day, d.year)
        }
    }
}

/// A date: sv `2026-11-24`, nb and da `24.11.2026`, en `24 Nov 2026`.
pub fn format_date(lang: Lang, date: Date) -> String {
    format_ymd(lang, Ymd { year: i64::from(date.year()), month: u8::from(date.month()), day: date.day() })
}

fn group_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Sv | Lang::Nb => NBSP,
        Lang::Da => ".",
        Lang::En => ",",
    }
}

fn decimal_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Sv | Lang::Nb | Lang::Da => ",",
        Lang::En => ".",
    }
}

fn minus_sign(lang: Lang) -> &'static str {
    match lang {
        Lang::Sv | Lang::Nb => "\u{2212}",
        Lang::Da | Lang::En => "-",
    }
}

/// The digits of `n` in groups of three, separated by `separator`.
fn grouped(n: u64, separator: &str) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// An integer with the language's group separator: sv and nb `12 345` (no-break space), da
/// `12.345`, en `12,345`; negative numbers with the language's minus sign.
pub fn format_integer(lang: Lang, n: i64) -> String {
    let sign = if n < 0 { minus_sign(lang) } else { "" };
    format!("{sign}{}", grouped(n.unsigned_abs(), group_separator(lang)))
}

/// A currency the portal shows amounts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// Swedish krona (öre).
    Sek,
    /// Norwegian krone (øre).
    Nok,
    /// Danish krone (øre).
    Dkk,
}

impl Currency {
    /// Every currency.
    pub const ALL: [Currency; 3] = [Currency::Sek, Currency::Nok, Currency::Dkk];

    /// The ISO 4217 code: `SEK`, `NOK` or `DKK`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Sek => "SEK",
            Currency::Nok => "NOK",
            Currency::Dkk => "DKK",
        }
    }

    /// The currency of an ISO 4217 code, in any letter case.
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// An amount given in öre, øre or cents (hundredths) of `currency`, with two decimals and
/// grouped thousands: sv `200,00 kr`, nb `200,00 kr`, da `200,00 kr.`, en `SEK 200.00`. In
/// a currency that is not the language's own the unit is the ISO code (sv `200,00 NOK`), so
/// "kr" never stands for a foreign krona.
pub fn format_money(lang: Lang, minor: i64, currency: Currency) -> String {
    let sign = if minor < 0 { minus_sign(lang) } else { "" };
    let abs = minor.unsigned_abs();
    let amount =
        format!("{}{}{:02}", grouped(abs / 100, group_separator(lang)), decimal_separator(lang), abs % 100);
    let own = matches!(
        (lang, currency),
        (Lang::Sv, Currency::Sek) | (Lang::Nb, Currency::Nok) | (Lang::Da, Currency::Dkk)
    );
    match lang {
        Lang::En => format!("{sign}{}{NBSP}{amount}", currency.code()),
        Lang::Da if own => format!("{sign}{amount}{NBSP}kr."),
        _ if own => format!("{sign}{amount}{NBSP}kr"),
        _ => format!("{sign}{amount}{NBSP}{}", currency.code()),
    }
}

/// A UTC moment as a `<time>` element shows it: `<time datetime="{datetime}">{text}</time>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// The `datetime` attribute: ISO 8601 in UTC to the second, `2026-11-24T13:05:00Z`.
    pub datetime: String,
    /// The text shown until (or unless) the browser puts it in local time: sv
    /// `2026-11-24 13:05 UTC`, nb `24.11.2026 kl. 13:05 UTC`, da `24.11.2026 kl. 13.05 UTC`,
    /// en `24 Nov 2026, 13:05 UTC`.
    pub text: String,
}

/// The civil date `days` after 1970-01-01 (proleptic Gregorian; H. Hinnant's
/// `civil_from_days`). Defined for every `i64` day count the portal can meet.
fn civil_from_days(days: i64) -> Ymd {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    Ymd { year, month: u8::try_from(month).unwrap_or(1), day: u8::try_from(day).unwrap_or(1) }
}

/// A time stored as microseconds since 1970-01-01T00:00:00Z (how tillit stores times), for a
/// `<time>` element: the `datetime` attribute and the language's UTC text (to the minute;
/// fractions of a second are dropped, not rounded).
pub fn format_timestamp(lang: Lang, micros: i64) -> Timestamp {
    let date = civil_from_days(micros.div_euclid(DAY_US));
    let seconds = micros.rem_euclid(DAY_US) / 1_000_000;
    let (hour, minute, second) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let datetime =
        format!("{:04}-{:02}-{:02}T{hour:02}:{minute:02}:{second:02}Z", date.year, date.month, date.day);
    let day = format_ymd(lang, date);
    let text = match lang {
        Lang::Sv => format!("{day} {hour:02}:{minute:02} UTC"),
        Lang::Nb => format!("{day} kl. {hour:02}:{minute:02} UTC"),
        Lang::Da => format!("{day} kl. {hour:02}.{minute:02} UTC"),
        Lang::En => format!("{day}, {hour:02}:{minute:02} UTC"),
    };
    Timestamp { datetime, text }
}

/// A national id in its own country's form, whatever the page language: SE personnummer
/// and samordningsnummer `YYYYMMDD-NNNN` (a samordningsnummer keeps its day + 60), DK CPR
/// `DDMMYY-SSSS`, NO fødselsnummer, D- and H-nummer `DDMMYY NNNNN` (an ordinary space, so
/// that a copied number pastes back into a search).
pub fn format_national_id(id: &NationalId) -> String {
    let normalised = id.normalised();
    let (at, separator) = match id.country() {
        Country::Se => (8, "-"),
        Country::Dk => (6, "-"),
        Country::No => (6, " "),
    };
    match normalised.split_at_checked(at) {
        Some((head, tail)) => format!("{head}{separator}{tail}"),
        None => normalised.to_string(),
    }
}

/// Whether `id` is a Swedish samordningsnummer (coordination number: birth day + 60) rather
/// than a personnummer. Its label says so ([`national_id_label`]); R-CARD-2 gives such a
/// person a reserve card.
pub fn is_samordningsnummer(id: &NationalId) -> bool {
    id.kind() == PersonIdKind::Samordningsnummer
}

/// The label of a national id of `kind` in `lang`: the page language's own name for it, with
/// the issuing country when that is not the language's own ("Personnummer", sv; "Svensk
/// personnummer", nb; "Swedish personal identity number", en).
pub fn national_id_label(lang: Lang, kind: PersonIdKind) -> &'static str {
    use PersonIdKind as K;
    match (lang, kind) {
        (Lang::Sv, K::Personnummer) => "Personnummer",
        (Lang::Sv, K::Samordningsnummer) => "Samordningsnummer",
        (Lang::Sv, K::Cpr) => "Danskt CPR-nummer",
        (Lang::Sv, K::Fodselsnummer) => "Norskt fødselsnummer",
        (Lang::Sv, K::DNummer) => "Norskt D-nummer",
        (Lang::Sv, K::HNummer) => "Norskt H-nummer",
        (Lang::Nb, K::Personnummer) => "Svensk personnummer",
        (Lang::Nb, K::Samordningsnummer) => "Svensk samordningsnummer",
        (Lang::Nb, K::Cpr) => "Dansk CPR-nummer",
        (Lang::Nb, K::Fodselsnummer) => "Fødselsnummer",
        (Lang::Nb, K::DNummer) => "D-nummer",
        (Lang::Nb, K::HNummer) => "H-nummer",
        (Lang::Da, K::Personnummer) => "Svensk personnummer",
        (Lang::Da, K::Samordningsnummer) => "Svensk samordningsnummer",
        (Lang::Da, K::Cpr) => "CPR-nummer",
        (Lang::Da, K::Fodselsnummer) => "Norsk fødselsnummer",
        (Lang::Da, K::DNummer) => "Norsk D-nummer",
        (Lang::Da, K::HNummer) => "Norsk H-nummer",
        (Lang::En, K::Personnummer) => "Swedish personal identity number",
        (Lang::En, K::Samordningsnummer) => "Swedish coordination number",
        (Lang::En, K::Cpr) => "Danish CPR number",
        (Lang::En, K::Fodselsnummer) => "Norwegian national identity number",
        (Lang::En, K::DNummer) => "Norwegian D number",
        (Lang::En, K::HNummer) => "Norwegian H number",
    }
}

/// An HSA-id as it is written everywhere: its normalised form (`SE2120000738-abcd`).
pub fn format_hsa_id(id: &HsaId) -> &str {
    id.normalised()
}

/// The label of an HSA-id in `lang`: "HSA-id" in all four, the name of the directory's id.
pub fn hsa_id_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Sv | Lang::Nb | Lang::Da | Lang::En => "HSA-id",
    }
}

/// The message id of the title of rule `rule` (`R-CARD-4` → `rule-R-CARD-4`; also `R-STATE`).
pub fn rule_title_id(rule: &str) -> String {
    format!("rule-{rule}")
}

/// The message id of the remedy of rule `rule`, what the officer does next (`R-CARD-4` →
/// `remedy-R-CARD-4`).
pub fn rule_remedy_id(rule: &str) -> String {
    format!("remedy-{rule}")
}

/// The message id of the label of an audit action: the dots of the action's name become
/// hyphens (`card.handed_out` → `action-card-handed_out`), as Fluent ids cannot hold a dot.
/// Action names are dotted lowercase with underscores, so no two map to the same id.
pub fn action_message_id(action: &str) -> String {
    format!("action-{}", action.replace('.', "-"))
}

/// The label of audit action `action` in `lang` (`card.handed_out` → "Kort utlämnat"), or
/// the action's own name when there is no label for it (an action newer than the portal).
pub fn action_label(catalog: &Catalog, lang: Lang, action: &str) -> String {
    let id = action_message_id(action);
    let text = catalog.text(lang, &id, None);
    if text == id {
        action.to_string()
    } else {
        text
    }
}

/// The title of rule `rule` in `lang`, or the rule id itself when it has none.
pub fn rule_title(catalog: &Catalog, lang: Lang, rule: &str) -> String {
    let id = rule_title_id(rule);
    let text = catalog.text(lang, &id, None);
    if text == id {
        rule.to_string()
    } else {
        text
    }
}

/// The remedy of rule `rule` in `lang`, when it has one.
pub fn rule_remedy(catalog: &Catalog, lang: Lang, rule: &str) -> Option<String> {
    let id = rule_remedy_id(rule);
    let text = catalog.text(lang, &id, None);
    (text != id).then_some(text)
}

/// The message id of a card status (`card-status-handed_out`).
pub fn card_status_id(status: CardStatus) -> &'static str {
    match status {
        CardStatus::OrderBasis => "card-status-order_basis",
        CardStatus::Ordered => "card-status-ordered",
        CardStatus::Sent => "card-status-sent",
        CardStatus::Delivered => "card-status-delivered",
        CardStatus::HandedOut => "card-status-handed_out",
        CardStatus::InUse => "card-status-in_use",
        CardStatus::Claimed => "card-status-claimed",
        CardStatus::Returned => "card-status-returned",
        CardStatus::Deregistered => "card-status-deregistered",
        CardStatus::Destroyed => "card-status-destroyed",
    }
}

/// The message id of a credential's state (`credential-status-issued`).
pub fn credential_status_id(phase: CredentialPhase) -> &'static str {
    match phase {
        CredentialPhase::OrderBasis => "credential-status-order_basis",
        CredentialPhase::Issued => "credential-status-issued",
        CredentialPhase::Revoked => "credential-status-revoked",
        CredentialPhase::Expired => "credential-status-expired",
    }
}

/// The message id of a reserve card's status (`reserve-status-in_stock`).
pub fn reserve_status_id(status: ReserveStatus) -> &'static str {
    match status {
        ReserveStatus::InStock => "reserve-status-in_stock",
        ReserveStatus::HandedOut => "reserve-status-handed_out",
        ReserveStatus::Returned => "reserve-status-returned",
        ReserveStatus::Deregistered => "reserve-status-deregistered",
        ReserveStatus::Discarded => "reserve-status-discarded",
        ReserveStatus::Destroyed => "reserve-status-destroyed",
    }
}

/// The message id of a reserve card bundle's status (`bundle-status-received`).
pub fn bundle_status_id(status: BundleStatus) -> &'static str {
    match status {
        BundleStatus::Ordered => "bundle-status-ordered",
        BundleStatus::Received => "bundle-status-received",
    }
}

/// The message id of a PUK order's status (`puk-status-sent`).
pub fn puk_status_id(status: PukStatus) -> &'static str {
    match status {
        PukStatus::Ordered => "puk-status-ordered",
        PukStatus::Sent => "puk-status-sent",
        PukStatus::Delivered => "puk-status-delivered",
        PukStatus::Returned => "puk-status-returned",
    }
}
