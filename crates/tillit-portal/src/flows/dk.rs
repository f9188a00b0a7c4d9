//! The Danish public RA's routines as flows (issue 7; SPEC §10, `docs/routines.md` "The
//! Danish public RA"): stock boxes and envelopes, the registration at the desk from the rules
//! to the issue, revocation assistance, unlock, extra key cards and a forgotten passcode. The
//! same machinery as the Swedish flows: each is data, its form becomes the body of an
//! `/api/v1/dk/…` handler, which decides, authorises and audits.

use serde_json::{json, Map, Value};
use tillit_core::ra::role::Permission;

use super::{checked, field, one, opt, Field, FieldError, Flow, Kind, Units, Values};

/// Where the office fields offer units: the desk's offices.
const DESK: Kind = Kind::Unit(Units::Where(Permission::DkRegistration));

const ITEMS: &[(&str, &str)] = &[
    ("key_card", "dk-item-key_card"),
    ("large_print_key_card", "dk-item-large_print_key_card"),
    ("passcode_letter", "dk-item-passcode_letter"),
    ("medium", "dk-item-medium"),
    ("code_display", "dk-item-code_display"),
    ("audio_code_reader", "dk-item-audio_code_reader"),
];

const SIZES: &[(&str, &str)] = &[("50", "dk-size-50"), ("200", "dk-size-200"), ("500", "dk-size-500")];

const MARKS: &[(&str, &str)] = &[("opened", "dk-mark-opened"), ("damaged", "dk-mark-damaged")];

const DOCUMENTS: &[(&str, &str)] = &[
    ("driving_licence", "dk-document-driving_licence"),
    ("passport", "dk-document-passport"),
    ("defence_id", "dk-document-defence_id"),
    ("nato_passport", "dk-document-nato_passport"),
    ("police_id", "dk-document-police_id"),
    ("residence_permit", "dk-document-residence_permit"),
    ("bank_id_card", "dk-document-bank_id_card"),
    ("baptism_or_name_certificate", "dk-document-baptism_or_name_certificate"),
    ("health_insurance_card", "dk-document-health_insurance_card"),
    ("tax_assessment", "dk-document-tax_assessment"),
    ("benefit_payment_proof", "dk-document-benefit_payment_proof"),
];

const SITUATIONS: &[(&str, &str)] = &[
    ("ordinary", "dk-situation-ordinary"),
    ("protected", "dk-situation-protected"),
    ("homeless", "dk-situation-homeless"),
];

const LEVELS: &[(&str, &str)] =
    &[("low", "dk-nsis-low"), ("substantial", "dk-nsis-substantial"), ("high", "dk-nsis-high")];

const VERDICTS: &[(&str, &str)] = &[("approve", "dk-verdict-approve"), ("reject", "dk-verdict-reject")];

const REJECT_REASONS: &[(&str, &str)] = &[
    ("documents_insufficient", "dk-reject-documents_insufficient"),
    ("identity_in_doubt", "dk-reject-identity_in_doubt"),
    ("procedure_not_followed", "dk-reject-procedure_not_followed"),
    ("other", "dk-reject-other"),
];

/// What gives the citizen codes at sign-in.
const KEY_ITEMS: &[(&str, &str)] = &[
    ("key_card", "dk-item-key_card"),
    ("large_print_key_card", "dk-item-large_print_key_card"),
    ("code_display", "dk-item-code_display"),
    ("audio_code_reader", "dk-item-audio_code_reader"),
];

/// What carries the temporary passcode.
const PASSCODE_ITEMS: &[(&str, &str)] =
    &[("passcode_letter", "dk-item-passcode_letter"), ("medium", "dk-item-medium")];

const EXTRA_ITEMS: &[(&str, &str)] =
    &[("key_card", "dk-item-key_card"), ("large_print_key_card", "dk-item-large_print_key_card")];

const DELIVERIES: &[(&str, &str)] = &[("hand_out", "dk-delivery-hand_out"), ("mail", "dk-delivery-mail")];

const TEST_CALLS: &[(&str, &str)] = &[
    ("succeeded", "dk-test-call-succeeded"),
    ("not_possible", "dk-test-call-not_possible"),
    ("failed", "dk-test-call-failed"),
];

const PASSCODE_BY: &[(&str, &str)] = &[("medium", "dk-passcode-by-medium"), ("sms", "dk-passcode-by-sms")];

const ASSIST_ACTIONS: &[(&str, &str)] = &[("suspend", "dk-assist-suspend"), ("revoke", "dk-assist-revoke")];

const REASONS: &[(&str, &str)] = &[
    ("lost", "dk-reason-lost"),
    ("stolen", "dk-reason-stolen"),
    ("suspected_misuse", "dk-reason-suspected_misuse"),
    ("citizen_request", "dk-reason-citizen_request"),
    ("deceased", "dk-reason-deceased"),
    ("other", "dk-reason-other"),
];

const REQUESTERS: &[(&str, &str)] = &[
    ("citizen_in_person", "dk-requester-citizen_in_person"),
    ("citizen_by_phone", "dk-requester-citizen_by_phone"),
    ("police", "dk-requester-police"),
    ("guardian", "dk-requester-guardian"),
    ("ra", "dk-requester-ra"),
];

/// A value of field `name` that must be one of `choices` (it goes into a path or a number).
fn chosen(v: &Values, name: &'static str, choices: &[(&str, &str)]) -> Result<String, FieldError> {
    let value = one(v, name);
    if choices.iter().any(|(c, _)| *c == value) {
        Ok(value.to_string())
    } else {
        Err(FieldError { field: name, message: "field-required" })
    }
}

/// Serial numbers of field `name`, separated by commas, spaces or lines; spaces and dashes
/// inside a number are layout, as the API reads them.
fn serials(v: &Values, name: &'static str) -> Result<Vec<u64>, FieldError> {
    one(v, name)
        .split([',', ';', '\n'])
        .map(|s| s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>().map_err(|_| FieldError { field: name, message: "field-whole-number" }))
        .collect()
}

/// An envelope number: digits, with spaces and dashes as layout.
fn serial(v: &Values, name: &'static str) -> Result<String, FieldError> {
    let digits: String = one(v, name).chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if !digits.is_empty() && digits.len() <= 19 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(FieldError { field: name, message: "field-whole-number" })
    }
}

/// The documents of an identity check: the first required, the second when a kind is chosen.
/// `numbered`: with the number (a registration); without (the routines that check and do not
/// record, R-DK-6).
fn documents(v: &Values, numbered: bool) -> Vec<Value> {
    [
        ("document_1_kind", "document_1_number", "document_1_cpr"),
        ("document_2_kind", "document_2_number", "document_2_cpr"),
    ]
    .into_iter()
    .filter(|(kind, _, _)| !one(v, kind).is_empty())
    .map(|(kind, number, cpr)| {
        let mut document = json!({"kind": one(v, kind), "carries_cpr": checked(v, cpr)});
        if numbered {
            document["number"] = opt(v, number);
        }
        document
    })
    .collect()
}

fn observations(v: &Values) -> Value {
    json!({
        "incomplete": checked(v, "seen_incomplete"),
        "mismatch": checked(v, "seen_mismatch"),
        "forgery_suspected": checked(v, "seen_forgery"),
    })
}

/// The identity as read at the desk (`DeskIdentityBody`): CPR, the name on the document for
/// the CPR lookup, the documents, the situation, what the officer saw.
fn desk_identity(v: &Values) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert(
        "cpr".into(),
        Value::String(one(v, "cpr").chars().filter(|c| *c != '-' && !c.is_whitespace()).collect()),
    );
    body.insert("given_names".into(), Value::String(one(v, "doc_given_names").to_string()));
    body.insert("family_name".into(), Value::String(one(v, "doc_family_name").to_string()));
    body.insert("documents".into(), Value::Array(documents(v, true)));
    body.insert("situation".into(), opt(v, "situation"));
    body.insert("observations".into(), observations(v));
    body
}

/// The identity checked and not recorded (`DeskCheckBody`): document kinds and CPR flags, the
/// name on the document when typed (for the CPR lookup).
fn desk_check(v: &Values) -> Value {
    let name = if one(v, "doc_given_names").is_empty() && one(v, "doc_family_name").is_empty() {
        Value::Null
    } else {
        json!({"given_names": one(v, "doc_given_names"), "family_name": one(v, "doc_family_name")})
    };
    json!({
        "documents": documents(v, false),
        "name_on_document": name,
        "homeless": checked(v, "homeless"),
        "observations": observations(v),
    })
}

const fn text(name: &'static str, required: bool) -> Field {
    field(name, Kind::Text, required)
}

const fn check(name: &'static str) -> Field {
    field(name, Kind::Check, false)
}

/// The identity fields of a registration and an unlock.
const IDENTITY: [Field; 13] = [
    text("cpr", true),
    text("doc_given_names", true),
    text("doc_family_name", true),
    field("document_1_kind", Kind::Select(DOCUMENTS), true),
    text("document_1_number", false),
    check("document_1_cpr"),
    field("document_2_kind", Kind::Select(DOCUMENTS), false),
    text("document_2_number", false),
    check("document_2_cpr"),
    field("situation", Kind::Select(SITUATIONS), false),
    check("seen_incomplete"),
    check("seen_mismatch"),
    check("seen_forgery"),
];

/// The identity fields of the routines that check and do not record (extra key cards, a
/// forgotten passcode: R-DK-6).
const CHECK: [Field; 10] = [
    field("document_1_kind", Kind::Select(DOCUMENTS), true),
    check("document_1_cpr"),
    field("document_2_kind", Kind::Select(DOCUMENTS), false),
    check("document_2_cpr"),
    text("doc_given_names", false),
    text("doc_family_name", false),
    check("homeless"),
    check("seen_incomplete"),
    check("seen_mismatch"),
    check("seen_forgery"),
];

/// The Danish flows.
pub(super) const FLOWS: &[Flow] = &[
    Flow {
        id: "dk-box-order",
        fields: &[
            field("item", Kind::Select(ITEMS), true),
            field("size", Kind::Select(SIZES), true),
            field("office", Kind::Unit(Units::Where(Permission::DkStock)), true),
        ],
        api_path: |_, _| "/api/v1/dk/stock/boxes".to_string(),
        body: |v, _| {
            let size: u32 = chosen(v, "size", SIZES)?
                .parse()
                .map_err(|_| FieldError { field: "size", message: "field-required" })?;
            Ok(json!({"item": one(v, "item"), "size": size, "office": one(v, "office")}))
        },
    },
    Flow {
        id: "dk-box-receive",
        fields: &[text("opened", false), text("damaged", false)],
        api_path: |stock_box, _| format!("/api/v1/dk/stock/boxes/{stock_box}/receive"),
        body: |v, _| Ok(json!({"opened": serials(v, "opened")?, "damaged": serials(v, "damaged")?})),
    },
    Flow {
        id: "dk-envelope-discard",
        fields: &[
            field("item", Kind::Select(ITEMS), true),
            text("envelope_serial", true),
            field("mark", Kind::Select(MARKS), true),
        ],
        // Checked by `body` first: a listed item and digits only.
        api_path: |_, v| {
            format!(
                "/api/v1/dk/stock/envelopes/{}/{}/discard",
                one(v, "item"),
                serial(v, "envelope_serial").unwrap_or_default()
            )
        },
        body: |v, _| {
            chosen(v, "item", ITEMS)?;
            serial(v, "envelope_serial")?;
            Ok(json!({"mark": one(v, "mark")}))
        },
    },
    Flow {
        id: "dk-registration",
        fields: &[
            text("citizen", true),
            field("office", DESK, true),
            field("rules_accepted", Kind::Check, true),
            check("read_aloud"),
            check("blind"),
        ],
        api_path: |_, _| "/api/v1/dk/registrations".to_string(),
        body: |v, _| {
            if uuid::Uuid::parse_str(one(v, "citizen")).is_err() {
                return Err(FieldError { field: "citizen", message: "dk-field-person-id" });
            }
            Ok(json!({
                "person": one(v, "citizen"),
                "office": one(v, "office"),
                "rules_accepted": checked(v, "rules_accepted"),
                "read_aloud": checked(v, "read_aloud"),
                "blind": checked(v, "blind"),
            }))
        },
    },
    Flow {
        id: "dk-identity",
        fields: &[
            IDENTITY[0],
            IDENTITY[1],
            IDENTITY[2],
            IDENTITY[3],
            IDENTITY[4],
            IDENTITY[5],
            IDENTITY[6],
            IDENTITY[7],
            IDENTITY[8],
            IDENTITY[9],
            field("assurance", Kind::Select(LEVELS), true),
            IDENTITY[10],
            IDENTITY[11],
            IDENTITY[12],
        ],
        api_path: |registration, _| format!("/api/v1/dk/registrations/{registration}/identity"),
        body: |v, _| {
            let mut body = desk_identity(v);
            body.insert("assurance".into(), Value::String(one(v, "assurance").to_string()));
            Ok(Value::Object(body))
        },
    },
    Flow {
        id: "dk-approval",
        fields: &[
            field("verdict", Kind::Select(VERDICTS), true),
            field("reject_reason", Kind::Select(REJECT_REASONS), false),
        ],
        api_path: |registration, _| format!("/api/v1/dk/registrations/{registration}/approval"),
        body: |v, _| {
            if one(v, "verdict") == "reject" && one(v, "reject_reason").is_empty() {
                return Err(FieldError { field: "reject_reason", message: "field-required" });
            }
            Ok(json!({"verdict": one(v, "verdict"), "reason": opt(v, "reject_reason")}))
        },
    },
    Flow {
        id: "dk-issue",
        fields: &[
            field("key_item", Kind::Select(KEY_ITEMS), false),
            text("key_serial", false),
            field("passcode_item", Kind::Select(PASSCODE_ITEMS), false),
            text("passcode_serial", false),
            check("activation_code"),
            field("key_card_delivery", Kind::Select(DELIVERIES), false),
            check("large_print"),
            text("key_phone", false),
            field("test_call", Kind::Select(TEST_CALLS), false),
            field("passcode_by", Kind::Select(PASSCODE_BY), false),
        ],
        api_path: |registration, _| format!("/api/v1/dk/registrations/{registration}/issue"),
        body: |v, _| {
            let mut envelopes = Vec::new();
            if !one(v, "key_serial").is_empty() {
                let item = if one(v, "key_item").is_empty() { "key_card" } else { one(v, "key_item") };
                envelopes.push(json!({"item": item, "serial": one(v, "key_serial")}));
            }
            if !one(v, "passcode_serial").is_empty() {
                let item = if one(v, "passcode_item").is_empty() {
                    "passcode_letter"
                } else {
                    one(v, "passcode_item")
                };
                envelopes.push(json!({"item": item, "serial": one(v, "passcode_serial")}));
            }
            let enrol: Vec<Value> = if checked(v, "activation_code") {
                vec![json!({"kind": "activation_code"})]
            } else {
                Vec::new()
            };
            let blind = match one(v, "key_phone") {
                "" => Value::Null,
                phone => json!({
                    "key_phone": phone,
                    "test_call": if one(v, "test_call").is_empty() { "not_possible" } else { one(v, "test_call") },
                    "passcode_by": if one(v, "passcode_by").is_empty() { "medium" } else { one(v, "passcode_by") },
                }),
            };
            Ok(json!({
                "envelopes": envelopes,
                "enrol": enrol,
                "key_card_delivery": opt(v, "key_card_delivery"),
                "large_print": checked(v, "large_print"),
                "blind": blind,
            }))
        },
    },
    Flow {
        id: "dk-revocation",
        fields: &[
            field("office", DESK, true),
            field("assist_action", Kind::Select(ASSIST_ACTIONS), true),
            field("dk_reason", Kind::Select(REASONS), true),
            field("requester", Kind::Select(REQUESTERS), true),
            check("requester_checked"),
        ],
        api_path: |account, _| format!("/api/v1/dk/accounts/{account}/revocation"),
        body: |v, _| {
            let identified = checked(v, "requester_checked");
            let requester = match chosen(v, "requester", REQUESTERS)?.as_str() {
                "citizen_in_person" => {
                    json!({"requester": "citizen_in_person", "document_checked": identified})
                }
                "citizen_by_phone" => json!({"requester": "citizen_by_phone", "verified": identified}),
                "guardian" => json!({"requester": "guardian", "authority_checked": identified}),
                other => json!({"requester": other}),
            };
            Ok(json!({
                "office": one(v, "office"),
                "action": one(v, "assist_action"),
                "reason": one(v, "dk_reason"),
                "requester": requester,
                "passcode": true,
                "authenticators": "all",
                "certificates": "all",
            }))
        },
    },
    Flow {
        id: "dk-unlock",
        fields: &IDENTITY,
        api_path: |account, _| format!("/api/v1/dk/accounts/{account}/unlock"),
        body: |v, _| Ok(Value::Object(desk_identity(v))),
    },
    Flow {
        id: "dk-visit",
        fields: &[
            field("office", DESK, true),
            CHECK[0],
            CHECK[1],
            CHECK[2],
            CHECK[3],
            CHECK[4],
            CHECK[5],
            CHECK[6],
            CHECK[7],
            CHECK[8],
            CHECK[9],
        ],
        api_path: |account, _| format!("/api/v1/dk/accounts/{account}/visits"),
        body: |v, _| Ok(json!({"office": one(v, "office"), "identity": desk_check(v)})),
    },
    Flow {
        id: "dk-key-card",
        fields: &[text("extra_serial", true), field("extra_item", Kind::Select(EXTRA_ITEMS), false)],
        api_path: |visit, _| format!("/api/v1/dk/visits/{visit}/key-cards"),
        body: |v, _| Ok(json!({"serial": one(v, "extra_serial"), "item": opt(v, "extra_item")})),
    },
    Flow {
        id: "dk-forgotten",
        fields: &[
            field("office", DESK, true),
            field("consequence_accepted", Kind::Check, true),
            CHECK[0],
            CHECK[1],
            CHECK[2],
            CHECK[3],
            CHECK[4],
            CHECK[5],
            CHECK[6],
            CHECK[7],
            CHECK[8],
            CHECK[9],
            field("passcode_item", Kind::Select(PASSCODE_ITEMS), false),
            text("passcode_serial", true),
        ],
        api_path: |account, _| format!("/api/v1/dk/accounts/{account}/forgotten-passcode"),
        body: |v, _| {
            let by =
                if one(v, "passcode_item").is_empty() { "passcode_letter" } else { one(v, "passcode_item") };
            Ok(json!({
                "office": one(v, "office"),
                "consequence_accepted": checked(v, "consequence_accepted"),
                "identity": desk_check(v),
                "new_passcode": {"by": by, "serial": one(v, "passcode_serial")},
            }))
        },
    },
];

/// The Danish flow a portal path (its parts after `dk`) names, and the record it is about.
pub(super) fn flow_of<'a>(parts: &[&'a str]) -> Option<(&'static str, &'a str)> {
    Some(match parts {
        ["stock", "boxes", "new"] => ("dk-box-order", ""),
        ["stock", "boxes", stock_box, "receive"] => ("dk-box-receive", *stock_box),
        ["stock", "envelopes", "discard"] => ("dk-envelope-discard", ""),
        ["registrations", "new"] => ("dk-registration", ""),
        ["registrations", registration, step] => match *step {
            "identity" => ("dk-identity", *registration),
            "approval" => ("dk-approval", *registration),
            "issue" => ("dk-issue", *registration),
            _ => return None,
        },
        ["accounts", account, "visits", "new"] => ("dk-visit", *account),
        ["accounts", account, step] => match *step {
            "revocation" => ("dk-revocation", *account),
            "unlock" => ("dk-unlock", *account),
            "forgotten-passcode" => ("dk-forgotten", *account),
            _ => return None,
        },
        ["visits", visit, "key-cards", "new"] => ("dk-key-card", *visit),
        _ => return None,
    })
}

/// The desk's routines for an eID account (on the result).
const ACCOUNT_FLOWS: [(&str, &str); 4] = [
    ("visits/new", "dk-visit"),
    ("forgotten-passcode", "dk-forgotten"),
    ("unlock", "dk-unlock"),
    ("revocation", "dk-revocation"),
];

/// What the officer does next after a Danish flow, from the API's answer: (portal path, flow
/// id whose title names it).
pub(super) fn next_steps(flow: &str, answer: &Map<String, Value>) -> Vec<(String, &'static str)> {
    let id = |v: Option<&Value>| {
        v.and_then(Value::as_str).filter(|s| uuid::Uuid::parse_str(s).is_ok()).map(str::to_string)
    };
    let registration = answer.get("registration").unwrap_or(&Value::Null);
    match flow {
        "dk-box-order" => {
            id(answer.get("id")).map(|b| vec![(format!("/dk/stock/boxes/{b}/receive"), "dk-box-receive")])
        }
        "dk-registration" => {
            id(answer.get("id")).map(|r| vec![(format!("/dk/registrations/{r}/identity"), "dk-identity")])
        }
        "dk-identity" | "dk-approval" => {
            let (record, status) = if flow == "dk-identity" {
                (id(registration.get("id")), registration.get("status"))
            } else {
                (id(answer.get("id")), answer.get("status"))
            };
            match (record, status.and_then(Value::as_str)) {
                (Some(r), Some("awaiting_approval")) => {
                    Some(vec![(format!("/dk/registrations/{r}/approval"), "dk-approval")])
                }
                (Some(r), Some("identity_checked" | "approved")) => {
                    Some(vec![(format!("/dk/registrations/{r}/issue"), "dk-issue")])
                }
                _ => None,
            }
        }
        "dk-issue" => id(answer.get("account")).map(|a| {
            ACCOUNT_FLOWS.iter().map(|(step, flow)| (format!("/dk/accounts/{a}/{step}"), *flow)).collect()
        }),
        "dk-visit" | "dk-key-card" => {
            let visit = answer.get("visit").unwrap_or(&Value::Null);
            let more = visit.get("remaining").and_then(Value::as_u64).unwrap_or(0) > 0;
            id(visit.get("id"))
                .filter(|_| more)
                .map(|v| vec![(format!("/dk/visits/{v}/key-cards/new"), "dk-key-card")])
        }
        _ => None,
    }
    .unwrap_or_default()
}

/// The rule under which the citizen was turned away, when the answer says so (R-IDP-5: the
/// check is signed and recorded, nothing is issued; R-DK-8: the second officer rejected).
pub(super) fn turned_away(answer: &Map<String, Value>) -> Option<String> {
    let registration = answer.get("registration").filter(|r| r.is_object());
    let status =
        |v: Option<&Value>| v.and_then(|v| v.get("status")).and_then(Value::as_str) == Some("rejected");
    let rejected = answer.get("outcome").and_then(Value::as_str) == Some("rejected")
        || status(registration)
        || answer.get("status").and_then(Value::as_str) == Some("rejected");
    if !rejected {
        return None;
    }
    let rejection = answer
        .get("rejection")
        .filter(|r| r.is_object())
        .or_else(|| registration.and_then(|r| r.get("rejection")).filter(|r| r.is_object()));
    Some(rejection.and_then(|r| r.get("rule")).and_then(Value::as_str).unwrap_or("R-DK-8").to_string())
}

/// Which Danish routines the start page offers the officer: by the permissions their grants
/// give (the API decides each action again).
pub(super) fn desk_links(principal: &tillit_core::ra::role::Principal) -> Vec<(&'static str, &'static str)> {
    let mut links = Vec::new();
    if principal.has_anywhere(Permission::DkRegistration) {
        links.push(("/dk/registrations/new", "dk-registration"));
    }
    if principal.has_anywhere(Permission::DkStock) {
        links.push(("/dk/stock/boxes/new", "dk-box-order"));
        links.push(("/dk/stock/envelopes/discard", "dk-envelope-discard"));
    }
    links
}
