//! How values look per language (dates, integers, money, UTC times, national ids), and that
//! every SPEC rule, every audit action the code writes and every status has its texts in all
//! four languages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tillit_core::id::{Country, HsaId, NationalId, ParseOptions, PersonIdKind};
use tillit_core::ra::card::CardStatus;
use tillit_core::ra::credential::CredentialPhase;
use tillit_core::ra::puk::PukStatus;
use tillit_core::ra::reserve::{BundleStatus, ReserveStatus};
use tillit_portal::i18n::{Catalog, I18nError, Lang, FILES};
use tillit_portal::locale::{
    action_label, action_message_id, bundle_status_id, card_status_id, credential_status_id, format_date,
    format_hsa_id, format_integer, format_money, format_national_id, format_timestamp, hsa_id_label,
    is_samordningsnummer, national_id_label, puk_status_id, reserve_status_id, rule_remedy, rule_remedy_id,
    rule_title, rule_title_id, Currency,
};
use time::macros::{date, datetime};

/// The languages in the order of the tables' columns.
const COLUMNS: [Lang; 4] = [Lang::Sv, Lang::Nb, Lang::Da, Lang::En];

#[test]
fn dates_per_language() {
    let cases = [
        (date!(2026 - 11 - 24), ["2026-11-24", "24.11.2026", "24.11.2026", "24 Nov 2026"]),
        (date!(2026 - 01 - 05), ["2026-01-05", "05.01.2026", "05.01.2026", "5 Jan 2026"]),
        (date!(2000 - 02 - 29), ["2000-02-29", "29.02.2000", "29.02.2000", "29 Feb 2000"]),
        (date!(1881 - 12 - 31), ["1881-12-31", "31.12.1881", "31.12.1881", "31 Dec 1881"]),
        (date!(0999 - 05 - 01), ["0999-05-01", "01.05.0999", "01.05.0999", "1 May 0999"]),
    ];
    for (d, expected) in cases {
        for (lang, want) in COLUMNS.into_iter().zip(expected) {
            assert_eq!(format_date(lang, d), want, "{lang} {d}");
        }
    }
    // Every English month.
    let months: Vec<String> = (1..=12u8)
        .map(|m| {
            format_date(Lang::En, time::Date::from_calendar_date(2026, m.try_into().unwrap(), 1).unwrap())
        })
        .collect();
    assert_eq!(
        months.join("|"),
        "1 Jan 2026|1 Feb 2026|1 Mar 2026|1 Apr 2026|1 May 2026|1 Jun 2026|1 Jul 2026|1 Aug 2026|1 Sep 2026|1 Oct 2026|1 Nov 2026|1 Dec 2026"
    );
}

#[test]
fn integers_per_language() {
    // `_` stands for the no-break space and `~` for the minus sign U+2212, to keep the table
    // readable.
    let cases: [(i64, [&str; 4]); 11] = [
        (0, ["0", "0", "0", "0"]),
        (7, ["7", "7", "7", "7"]),
        (999, ["999", "999", "999", "999"]),
        (1000, ["1_000", "1_000", "1.000", "1,000"]),
        (12_345, ["12_345", "12_345", "12.345", "12,345"]),
        (123_456, ["123_456", "123_456", "123.456", "123,456"]),
        (1_234_567, ["1_234_567", "1_234_567", "1.234.567", "1,234,567"]),
        (-5, ["~5", "~5", "-5", "-5"]),
        (-12_345, ["~12_345", "~12_345", "-12.345", "-12,345"]),
        (
            i64::MAX,
            [
                "9_223_372_036_854_775_807",
                "9_223_372_036_854_775_807",
                "9.223.372.036.854.775.807",
                "9,223,372,036,854,775,807",
            ],
        ),
        (
            i64::MIN,
            [
                "~9_223_372_036_854_775_808",
                "~9_223_372_036_854_775_808",
                "-9.223.372.036.854.775.808",
                "-9,223,372,036,854,775,808",
            ],
        ),
    ];
    for (n, expected) in cases {
        for (lang, want) in COLUMNS.into_iter().zip(expected) {
            let want = want.replace('_', "\u{a0}").replace('~', "\u{2212}");
            assert_eq!(format_integer(lang, n), want, "{lang} {n}");
        }
    }
}

#[test]
fn money_per_language() {
    // `_` is the no-break space, `~` the minus sign U+2212.
    let cases: [(i64, Currency, [&str; 4]); 10] = [
        (20_000, Currency::Sek, ["200,00_kr", "200,00_SEK", "200,00_SEK", "SEK_200.00"]),
        (20_000, Currency::Nok, ["200,00_NOK", "200,00_kr", "200,00_NOK", "NOK_200.00"]),
        (20_000, Currency::Dkk, ["200,00_DKK", "200,00_DKK", "200,00_kr.", "DKK_200.00"]),
        (0, Currency::Sek, ["0,00_kr", "0,00_SEK", "0,00_SEK", "SEK_0.00"]),
        (5, Currency::Nok, ["0,05_NOK", "0,05_kr", "0,05_NOK", "NOK_0.05"]),
        (
            123_456_789,
            Currency::Sek,
            ["1_234_567,89_kr", "1_234_567,89_SEK", "1.234.567,89_SEK", "SEK_1,234,567.89"],
        ),
        (2_500, Currency::Dkk, ["25,00_DKK", "25,00_DKK", "25,00_kr.", "DKK_25.00"]),
        (-20_050, Currency::Sek, ["~200,50_kr", "~200,50_SEK", "-200,50_SEK", "-SEK_200.50"]),
        (-100_000, Currency::Dkk, ["~1_000,00_DKK", "~1_000,00_DKK", "-1.000,00_kr.", "-DKK_1,000.00"]),
        (
            i64::MIN,
            Currency::Nok,
            [
                "~92_233_720_368_547_758,08_NOK",
                "~92_233_720_368_547_758,08_kr",
                "-92.233.720.368.547.758,08_NOK",
                "-NOK_92,233,720,368,547,758.08",
            ],
        ),
    ];
    for (minor, currency, expected) in cases {
        for (lang, want) in COLUMNS.into_iter().zip(expected) {
            let want = want.replace('_', "\u{a0}").replace('~', "\u{2212}");
            assert_eq!(format_money(lang, minor, currency), want, "{lang} {minor} {currency:?}");
        }
    }
    assert_eq!(Currency::from_code("sek"), Some(Currency::Sek));
    assert_eq!(Currency::from_code(" NOK "), Some(Currency::Nok));
    assert_eq!(Currency::from_code("DKK"), Some(Currency::Dkk));
    assert_eq!(Currency::from_code("EUR"), None);
    for c in Currency::ALL {
        assert_eq!(Currency::from_code(c.code()), Some(c));
    }
}

fn micros(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap()
}

#[test]
fn utc_times_per_language() {
    let cases = [
        (
            micros(datetime!(2026-11-24 13:05:00 UTC)),
            "2026-11-24T13:05:00Z",
            [
                "2026-11-24 13:05 UTC",
                "24.11.2026 kl. 13:05 UTC",
                "24.11.2026 kl. 13.05 UTC",
                "24 Nov 2026, 13:05 UTC",
            ],
        ),
        (
            0,
            "1970-01-01T00:00:00Z",
            [
                "1970-01-01 00:00 UTC",
                "01.01.1970 kl. 00:00 UTC",
                "01.01.1970 kl. 00.00 UTC",
                "1 Jan 1970, 00:00 UTC",
            ],
        ),
        // Fractions of a second are dropped, never rounded up into the next minute.
        (
            micros(datetime!(2024-02-29 23:59:59.999999 UTC)),
            "2024-02-29T23:59:59Z",
            [
                "2024-02-29 23:59 UTC",
                "29.02.2024 kl. 23:59 UTC",
                "29.02.2024 kl. 23.59 UTC",
                "29 Feb 2024, 23:59 UTC",
            ],
        ),
        // Before 1970: the day and time still count forward from midnight.
        (
            -1,
            "1969-12-31T23:59:59Z",
            [
                "1969-12-31 23:59 UTC",
                "31.12.1969 kl. 23:59 UTC",
                "31.12.1969 kl. 23.59 UTC",
                "31 Dec 1969, 23:59 UTC",
            ],
        ),
        (
            micros(datetime!(1900-03-01 07:08:09 UTC)),
            "1900-03-01T07:08:09Z",
            [
                "1900-03-01 07:08 UTC",
                "01.03.1900 kl. 07:08 UTC",
                "01.03.1900 kl. 07.08 UTC",
                "1 Mar 1900, 07:08 UTC",
            ],
        ),
    ];
    for (us, datetime, texts) in cases {
        for (lang, text) in COLUMNS.into_iter().zip(texts) {
            let shown = format_timestamp(lang, us);
            assert_eq!(shown.datetime, datetime, "{lang} {us}");
            assert_eq!(shown.text, text, "{lang} {us}");
        }
    }
}

/// The calendar arithmetic agrees with the `time` crate over ±400 years, and the text's date
/// is [`format_date`]'s.
#[test]
fn utc_times_agree_with_the_time_crate() {
    let iso = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    let span: i64 = 400 * 366 * 86_400_000_000;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        // xorshift: reproducible, no extra crate.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let us = i64::try_from(x % (2 * span as u64)).unwrap() - span;
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap();
        let shown = format_timestamp(Lang::Sv, us);
        assert_eq!(shown.datetime, t.format(&iso).unwrap(), "{us}");
        for lang in Lang::ALL {
            let text = format_timestamp(lang, us).text;
            assert!(text.starts_with(&format_date(lang, t.date())), "{lang} {us}: {text}");
        }
    }
}

fn id(country: Country, input: &str) -> NationalId {
    let opts = ParseOptions::new(date!(2026 - 11 - 24));
    NationalId::parse(country, input, &opts).unwrap()
}

#[test]
fn national_ids_in_their_own_form_with_translated_labels() {
    // (country, input, shown, kind, labels sv/nb/da/en)
    let cases = [
        (
            Country::Se,
            "811218-9876",
            "19811218-9876",
            PersonIdKind::Personnummer,
            [
                "Personnummer",
                "Svensk personnummer",
                "Svensk personnummer",
                "Swedish personal identity number",
            ],
        ),
        (
            Country::Se,
            "811218+9876",
            "18811218-9876",
            PersonIdKind::Personnummer,
            [
                "Personnummer",
                "Svensk personnummer",
                "Svensk personnummer",
                "Swedish personal identity number",
            ],
        ),
        (
            Country::Se,
            "701063-2391",
            "19701063-2391",
            PersonIdKind::Samordningsnummer,
            [
                "Samordningsnummer",
                "Svensk samordningsnummer",
                "Svensk samordningsnummer",
                "Swedish coordination number",
            ],
        ),
        (
            Country::Dk,
            "2110625629",
            "211062-5629",
            PersonIdKind::Cpr,
            ["Danskt CPR-nummer", "Dansk CPR-nummer", "CPR-nummer", "Danish CPR number"],
        ),
        (
            Country::No,
            "01019000083",
            "010190 00083",
            PersonIdKind::Fodselsnummer,
            [
                "Norskt fødselsnummer",
                "Fødselsnummer",
                "Norsk fødselsnummer",
                "Norwegian national identity number",
            ],
        ),
        (
            Country::No,
            "41019000077",
            "410190 00077",
            PersonIdKind::DNummer,
            ["Norskt D-nummer", "D-nummer", "Norsk D-nummer", "Norwegian D number"],
        ),
        (
            Country::No,
            "01419000066",
            "014190 00066",
            PersonIdKind::HNummer,
            ["Norskt H-nummer", "H-nummer", "Norsk H-nummer", "Norwegian H number"],
        ),
    ];
    let opts = ParseOptions::new(date!(2026 - 11 - 24));
    for (country, input, shown, kind, labels) in cases {
        let parsed = id(country, input);
        assert_eq!(parsed.kind(), kind, "{input}");
        // The same form whatever the page language: the function takes no language.
        assert_eq!(format_national_id(&parsed), shown, "{input}");
        // What is shown can be pasted back: it parses to the same number.
        assert_eq!(NationalId::parse(country, shown, &opts).unwrap(), parsed, "{shown}");
        assert_eq!(is_samordningsnummer(&parsed), kind == PersonIdKind::Samordningsnummer, "{input}");
        for (lang, label) in COLUMNS.into_iter().zip(labels) {
            assert_eq!(national_id_label(lang, kind), label, "{lang} {kind}");
        }
    }
    let hsa = HsaId::parse(" se2120000738-abcd ").unwrap();
    assert_eq!(format_hsa_id(&hsa), "SE2120000738-abcd");
    for lang in Lang::ALL {
        assert_eq!(hsa_id_label(lang), "HSA-id");
    }
}

/// Every rule id of SPEC.md, and `R-STATE` (refused for the record's current state).
const RULES: [&str; 80] = [
    "R-ID-1", "R-ID-2", "R-ID-3", "R-ID-3a", "R-ID-4", "R-ID-5", "R-ID-6", //
    "R-PER-1", "R-PER-2", "R-PER-3", "R-PER-4", "R-PER-5", //
    "R-ORG-1", "R-ORG-2", "R-ORG-3", "R-ORG-4", //
    "R-AUD-1", "R-AUD-2", "R-AUD-3", "R-AUD-4", //
    "R-IDP-1", "R-IDP-2", "R-IDP-3", "R-IDP-4", "R-IDP-5", "R-IDP-6", //
    "R-CARD-1", "R-CARD-2", "R-CARD-3", "R-CARD-4", "R-CARD-5", "R-CARD-6", "R-CARD-7", "R-CARD-8",
    "R-CARD-9", //
    "R-RES-1", "R-RES-2", "R-RES-3", "R-RES-4", "R-RES-5", //
    "R-CRED-1", "R-CRED-2", "R-CRED-3", "R-CRED-4", "R-CRED-5", "R-CRED-6", "R-CRED-7", //
    "R-REV-1", "R-REV-2", "R-REV-3", "R-REV-4", "R-REV-5", "R-REV-6", //
    "R-DK-1", "R-DK-2", "R-DK-3", "R-DK-4", "R-DK-5", "R-DK-6", "R-DK-7", "R-DK-8", //
    "R-KRR-1", "R-KRR-2", "R-KRR-3", "R-KRR-4", "R-KRR-5", //
    "R-POST-1", "R-POST-2", "R-POST-3", "R-POST-4", "R-POST-5", "R-POST-6", "R-POST-7", //
    "R-SIG-1", "R-SIG-2", "R-SIG-3", "R-SIG-4", "R-SIG-5", "R-SIG-6", //
    "R-STATE",
];

/// The message ids a resource of English defines (first word of each message line).
fn english_ids(file: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en").join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.to_string()))
        .collect()
}

#[test]
fn every_rule_has_a_title_and_a_remedy_in_every_language() {
    let catalog = Catalog::load().unwrap();
    for rule in RULES {
        let mut remedies = BTreeSet::new();
        for lang in Lang::ALL {
            for id in [rule_title_id(rule), rule_remedy_id(rule)] {
                assert!(catalog.has_message(lang, &id), "{lang}: {id} is missing");
                let text = catalog.text(lang, &id, None);
                assert!(text.len() > 3 && !text.contains(rule), "{lang} {id}: {text:?}");
            }
            assert_ne!(rule_title(&catalog, lang, rule), rule, "{lang}");
            remedies.insert(rule_remedy(&catalog, lang, rule).unwrap());
        }
        // Translated, not copied: the four remedies differ (a title may be a name, "HSA-id").
        assert_eq!(remedies.len(), 4, "{rule}: {remedies:?}");
    }
    assert_eq!(rule_title_id("R-CARD-4"), "rule-R-CARD-4");
    assert_eq!(rule_remedy_id("R-CARD-4"), "remedy-R-CARD-4");
    assert_eq!(rule_title(&catalog, Lang::Sv, "R-CARD-4"), "Kortet har inte hämtats ut inom 3 månader");
    assert_eq!(rule_title(&catalog, Lang::En, "R-STATE"), "Not possible in the current state");
    // An unknown rule falls back to its id, without a remedy.
    assert_eq!(rule_title(&catalog, Lang::Da, "R-XYZ-1"), "R-XYZ-1");
    assert_eq!(rule_remedy(&catalog, Lang::Da, "R-XYZ-1"), None);
    // rules.ftl holds exactly these rules: a title and a remedy each, nothing else.
    let expected: BTreeSet<String> =
        RULES.iter().flat_map(|r| [rule_title_id(r), rule_remedy_id(r)]).collect();
    assert_eq!(english_ids("rules.ftl"), expected);
}

/// Every `.rs` file under the workspace's `crates/*/src`, with its text up to its unit tests.
fn workspace_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
                out.push((path, code));
            }
        }
    }
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut out = Vec::new();
    for krate in std::fs::read_dir(crates).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut out);
        }
    }
    assert!(out.len() > 20, "{} source files", out.len());
    out
}

/// The contents of string literals in `code` that satisfy `accept` (escaped quotes and the
/// character literal `'"'` set aside; enough for the literals looked for here).
fn literals(code: &str, accept: impl Fn(&str) -> bool) -> Vec<String> {
    let code = code.replace("\\\\", "").replace("\\\"", "").replace("'\"'", "");
    code.split('"').skip(1).step_by(2).filter(|s| accept(s)).map(str::to_string).collect()
}

/// Every rule id the code refuses with (`Refusal::new("R-CARD-4", …)`, `"R-STATE"`) has a
/// title and a remedy: a refusal page never shows a bare id.
#[test]
fn every_rule_the_code_refuses_with_has_a_title() {
    let catalog = Catalog::load().unwrap();
    let is_rule = |s: &str| {
        let Some(rest) = s.strip_prefix("R-") else { return false };
        rest == "STATE"
            || rest.split_once('-').is_some_and(|(area, n)| {
                !area.is_empty()
                    && area.bytes().all(|b| b.is_ascii_uppercase())
                    && n.trim_end_matches(|c: char| c.is_ascii_lowercase()).parse::<u32>().is_ok()
            })
    };
    let mut used = BTreeSet::new();
    for (_, code) in workspace_sources() {
        used.extend(literals(&code, is_rule));
    }
    assert!(used.len() >= 20 && used.contains("R-CARD-4") && used.contains("R-STATE"), "{used:?}");
    for rule in &used {
        assert!(RULES.contains(&rule.as_str()), "{rule} is refused with but is not a SPEC rule");
        for lang in Lang::ALL {
            assert!(catalog.has_message(lang, &rule_title_id(rule)), "{lang} {rule}");
            assert!(catalog.has_message(lang, &rule_remedy_id(rule)), "{lang} {rule}");
        }
    }
}

/// Every audit action tillit writes, by crate: the routines' events (tillit-core), the server,
/// the store and the command line.
const ACTIONS: [&str; 128] = [
    "card.order_basis_created",
    "card.ordered",
    "card.added_to_batch",
    "card.sent",
    "card.batch_sent",
    "card.delivered",
    "card.handed_out",
    "card.in_use",
    "card.claimed",
    "card.replacement_ordered",
    "card.returned",
    "card.deregistered",
    "card.destroyed",
    "card.moved",
    "credential.order_basis_created",
    "credential.issued",
    "credential.revoked",
    "credential.receipt_signed",
    "credential.expired",
    "credential.renewal_notice_requested",
    "credential.name_mismatch_resolved",
    "credential.card_replacement_requested",
    "person.registered",
    "person.updated",
    "person.employment_recorded",
    "person.employment_ended",
    "person.name_checked",
    "person.hsa_id_allocated",
    "person.removed",
    "proofing.accepted",
    "proofing.rejected",
    "puk.ordered",
    "puk.sent",
    "puk.delivered",
    "puk.returned",
    "puk.wrong_entry",
    "puk.card_locked",
    "puk.entries_reset",
    "reserve.bundle_ordered",
    "reserve.bundle_received",
    "reserve.stocked",
    "reserve.low_stock",
    "reserve.handed_out",
    "reserve.reused",
    "reserve.discarded",
    "reserve.returned",
    "reserve.deregistered",
    "reserve.destroyed",
    "reserve.co_signed",
    "oidc.client_registered",
    "dk.account.opened",
    "dk.account.activated",
    "dk.account.signed_in",
    "dk.account.attempt_failed",
    "dk.account.locked",
    "dk.account.unlocked",
    "dk.account.suspended",
    "dk.account.reactivated",
    "dk.account.revoked",
    "dk.account.passcode_reset",
    "dk.account.large_print_remembered",
    "dk.authenticator.received",
    "dk.authenticator.handed_out",
    "dk.authenticator.mailed",
    "dk.authenticator.enrolled",
    "dk.authenticator.activated",
    "dk.authenticator.suspended",
    "dk.authenticator.reactivated",
    "dk.authenticator.blocked",
    "dk.authenticator.discarded",
    "dk.authenticator.activation_code_used",
    "dk.authenticator.activation_code_wrong_try",
    "dk.authenticator.activation_code_blocked",
    "dk.authenticator.activation_code_expired",
    "dk.extra.visit_opened",
    "dk.extra.rejected",
    "dk.forgotten.passcode_reissued",
    "dk.forgotten.rejected",
    "dk.pickup.ordered",
    "dk.pickup.dispatched",
    "dk.pickup.arrived",
    "dk.pickup.collected",
    "dk.pickup.destroyed",
    "dk.registration.rules_accepted",
    "dk.registration.identity_checked",
    "dk.registration.approval_requested",
    "dk.registration.approved",
    "dk.registration.approval_rejected",
    "dk.registration.rejected",
    "dk.registration.issued",
    "dk.registration.cancelled",
    "dk.revocation.assisted",
    "dk.stock.box_ordered",
    "dk.stock.box_received",
    "dk.stock.envelope_registered",
    "dk.stock.envelope_discarded",
    "dk.stock.low_stock",
    "dk.stock.campaign_shortfall",
    "dk.stock.printed",
    "dk.pickup.expired",
    "revocation.requested",
    "revocation.credential_requested",
    "revocation.card_deregistration_requested",
    "revocation.police_report_instructed",
    "revocation.notification_requested",
    "revocation.rights_revocation_requested",
    "revocation.checked",
    "role.granted",
    "role.removed",
    "role.review_required",
    "audit.key_registered",
    "ca.created",
    "ca.imported",
    "certificate.issued",
    "certificate.revoked",
    "crl.published",
    "hr.imported",
    "hr.employments_ended",
    "node.initialised",
    "notice.queued",
    "notice.not_sent",
    "org.added",
    "principal.bound",
    "report.protected_identities_shown",
    "passkey.registered",
    "passkey.removed",
    "passkey.link_created",
    "passkey.sign_count_regressed",
];

/// Whether `s` is spelled like an audit action: dotted lowercase (`card.handed_out`).
fn is_action(s: &str) -> bool {
    s.split_once('.').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b))
}

/// The top-level arguments of the call whose argument list starts at `rest` (after the `(`).
fn arguments(rest: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0usize, 0usize, Vec::new());
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ',' if depth == 0 => {
                out.push(rest[start..i].trim());
                start = i + 1;
            }
            ')' | ']' | '}' if depth == 0 => {
                out.push(rest[start..i].trim());
                return out;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// The actions the code writes, read from its source: each arm of a `routine_events!` (the
/// routines' events), the action argument of `AuditEvent::new(…)` and of the CA's
/// `record_hierarchy(…)` when it is a literal.
fn actions_in_code() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (path, code) in workspace_sources() {
        for block in code.split("routine_events!(").skip(1) {
            let body = block.split("\n});").next().unwrap_or_default();
            for arm in body.split("=> \"").skip(1) {
                let action = arm.split('"').next().unwrap_or_default();
                assert!(is_action(action), "{}: {action:?}", path.display());
                found.insert(action.to_string());
            }
        }
        for (call, index) in [("AuditEvent::new(", 2), ("record_hierarchy(", 3)] {
            for rest in code.split(call).skip(1) {
                if let Some(arg) = arguments(rest).get(index) {
                    if let Some(action) = arg.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
                        assert!(is_action(action), "{}: {action:?}", path.display());
                        found.insert(action.to_string());
                    }
                }
            }
        }
    }
    found
}

#[test]
fn every_action_the_code_writes_has_a_label_in_every_language() {
    let catalog = Catalog::load().unwrap();
    let in_code = actions_in_code();
    // The routines' events and the literal actions of server, store and command line.
    assert!(in_code.len() >= 60, "{in_code:?}");
    for action in
        ["card.handed_out", "reserve.co_signed", "crl.published", "ca.created", "audit.key_registered"]
    {
        assert!(in_code.contains(action), "{action} not found in the code: {in_code:?}");
    }
    let listed: BTreeSet<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
    let missing: Vec<&String> = in_code.difference(&listed).collect();
    assert!(missing.is_empty(), "written by the code but not in this test's list: {missing:?}");
    for action in ACTIONS {
        let id = action_message_id(action);
        let mut labels = BTreeSet::new();
        for lang in Lang::ALL {
            assert!(catalog.has_message(lang, &id), "{lang}: {id} ({action}) is missing");
            let label = action_label(&catalog, lang, action);
            assert!(label != action && !label.is_empty(), "{lang} {action}");
            labels.insert(label);
        }
        assert!(labels.len() >= 2, "{action}: {labels:?}");
    }
    // actions.ftl labels exactly these actions.
    let expected: BTreeSet<String> = ACTIONS.iter().map(|a| action_message_id(a)).collect();
    let defined: BTreeSet<String> =
        english_ids("actions.ftl").into_iter().filter(|id| id.starts_with("action-")).collect();
    assert_eq!(defined, expected);
}

#[test]
fn action_names_map_to_fluent_ids() {
    assert_eq!(action_message_id("card.handed_out"), "action-card-handed_out");
    assert_eq!(
        action_message_id("report.protected_identities_shown"),
        "action-report-protected_identities_shown"
    );
    let catalog = Catalog::load().unwrap();
    assert_eq!(action_label(&catalog, Lang::Sv, "card.handed_out"), "Kort utlämnat");
    assert_eq!(action_label(&catalog, Lang::Nb, "card.handed_out"), "Kort utlevert");
    assert_eq!(action_label(&catalog, Lang::Da, "card.handed_out"), "Kort udleveret");
    assert_eq!(action_label(&catalog, Lang::En, "card.handed_out"), "Card handed out");
    // An action newer than the portal is shown by its name.
    assert_eq!(action_label(&catalog, Lang::Sv, "card.teleported"), "card.teleported");
    // No two actions share an id.
    let ids: BTreeSet<String> = ACTIONS.iter().map(|a| action_message_id(a)).collect();
    assert_eq!(ids.len(), ACTIONS.len());
}

#[test]
fn every_status_has_a_label_in_every_language() {
    let catalog = Catalog::load().unwrap();
    let ids: Vec<&str> = [
        CardStatus::OrderBasis,
        CardStatus::Ordered,
        CardStatus::Sent,
        CardStatus::Delivered,
        CardStatus::HandedOut,
        CardStatus::InUse,
        CardStatus::Claimed,
        CardStatus::Returned,
        CardStatus::Deregistered,
        CardStatus::Destroyed,
    ]
    .into_iter()
    .map(|s| {
        // The id carries the status's own text form.
        assert!(card_status_id(s).ends_with(s.as_str()), "{s:?}");
        card_status_id(s)
    })
    .chain(
        [
            CredentialPhase::OrderBasis,
            CredentialPhase::Issued,
            CredentialPhase::Revoked,
            CredentialPhase::Expired,
        ]
        .map(credential_status_id),
    )
    .chain(
        [
            ReserveStatus::InStock,
            ReserveStatus::HandedOut,
            ReserveStatus::Returned,
            ReserveStatus::Deregistered,
            ReserveStatus::Discarded,
            ReserveStatus::Destroyed,
        ]
        .map(reserve_status_id),
    )
    .chain([BundleStatus::Ordered, BundleStatus::Received].map(bundle_status_id))
    .chain(
        [PukStatus::Ordered, PukStatus::Sent, PukStatus::Delivered, PukStatus::Returned].map(puk_status_id),
    )
    .collect();
    assert_eq!(ids.len(), 26);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "two statuses share an id");
    for id in &ids {
        for lang in Lang::ALL {
            assert!(catalog.has_message(lang, id), "{lang}: {id} is missing");
        }
    }
    assert_eq!(catalog.text(Lang::Sv, card_status_id(CardStatus::HandedOut), None), "Utlämnat");
    assert_eq!(catalog.text(Lang::Da, reserve_status_id(ReserveStatus::InStock), None), "På lager");
    // actions.ftl labels exactly these statuses besides the actions.
    let defined: BTreeSet<String> =
        english_ids("actions.ftl").into_iter().filter(|id| !id.starts_with("action-")).collect();
    assert_eq!(defined, ids.iter().map(|id| id.to_string()).collect());
}

#[test]
fn errors_name_the_file() {
    assert_eq!(FILES, ["portal.ftl", "rules.ftl", "actions.ftl", "read.ftl", "flows.ftl", "eid.ftl"]);
    let parse = I18nError::Parse { lang: Lang::Nb, file: "rules.ftl", errors: "E0003".into() };
    assert_eq!(parse.to_string(), "locales/nb/rules.ftl: E0003");
    let mismatch = I18nError::Mismatch {
        lang: Lang::Da,
        file: "actions.ftl",
        missing: vec!["action-card-ordered".into()],
        extra: vec![],
    };
    assert_eq!(
        mismatch.to_string(),
        "locales/da/actions.ftl lacks [\"action-card-ordered\"] and has [] compared with English"
    );
}
