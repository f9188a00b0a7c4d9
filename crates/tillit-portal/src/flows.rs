//! The routines as guided flows (docs/design/portal.md §1.3, §5): a form, a review page with
//! "Signera och skicka" (a fresh passkey assertion over the API's own action text), and the
//! result; the change itself is the API handler's, called in process
//! ([`tillit_server::api::in_process`]), so the rules, the authorisation, the idempotency and
//! the audit are the API's, and an audit entry reads the same whichever way the officer acted.
//!
//! Each flow is data: its fields and the API request its form becomes ([`Flow`]). The form
//! posts to the portal, which stores the request with a single-use challenge bound to the
//! session; the review page shows what will be done and asks the officer's passkey for an
//! assertion over `SHA-256(action_text ‖ nonce)`; the signed request then goes to the handler.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use tillit_server::routines::action::{action_text, begin_for_portal, Begun, Prepared};
use tillit_server::routines::passkey::{self as webauthn, PasskeySignature};
use tillit_store::portal::{Challenge, Purpose, SignedRequest};
use tower::ServiceExt as _;

use crate::i18n::Lang;
use crate::locale;
use crate::pages::{Me, Tr};
use crate::read::Link;
use crate::session::{internal, now_us, random32, SignedIn};
use crate::web::{language, page, tr, PageQuery, Portal};

mod dk;

/// How long a review page can be signed.
const ACTION_US: i64 = 10 * 60_000_000;

/// The flows' routes.
pub fn routes() -> Router<Portal> {
    Router::new()
        .route("/people/{id}/cards/new", get(form_page).post(prepare))
        .route("/people/{id}/function-credentials/new", get(form_page).post(prepare))
        .route("/cards/{id}/credentials/new", get(form_page).post(prepare))
        .route("/cards/{id}/puk-orders/new", get(form_page).post(prepare))
        .route("/cards/{id}/{action}", get(form_page).post(prepare))
        .route("/people/{id}/roles", get(form_page).post(prepare))
        .route("/people/{id}/enrolment-links/new", get(form_page).post(prepare))
        .route("/roles/{id}/removal", get(form_page).post(prepare))
        .route("/puk-orders/{id}/{step}", get(form_page).post(prepare))
        .route("/batches/new", get(form_page).post(prepare))
        .route("/revocations/new", get(form_page).post(prepare))
        .route("/reserve/bundles/new", get(form_page).post(prepare))
        .route("/reserve/bundles/{id}/receipt", get(form_page).post(prepare))
        .route("/reserve/cards/{id}/{action}", get(form_page).post(prepare))
        .route("/dk/stock/boxes/new", get(form_page).post(prepare))
        .route("/dk/stock/boxes/{id}/receive", get(form_page).post(prepare))
        .route("/dk/stock/envelopes/discard", get(form_page).post(prepare))
        .route("/dk/registrations/new", get(form_page).post(prepare))
        .route("/dk/registrations/{id}/{step}", get(form_page).post(prepare))
        .route("/dk/accounts/{id}/{step}", get(form_page).post(prepare))
        .route("/dk/accounts/{id}/visits/new", get(form_page).post(prepare))
        .route("/dk/visits/{id}/key-cards/new", get(form_page).post(prepare))
        .route("/sign/{challenge}", get(review).post(sign))
        .route("/sign/{challenge}/second-officer", axum::routing::post(co_sign))
}

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Date,
    Check,
    /// One of the values, each with its label's message id.
    Select(&'static [(&'static str, &'static str)]),
    /// An image file read into base64 by `portal.js`.
    Image,
    /// A unit, chosen by name: the person's units (for a record that is a person), or the
    /// units where the officer holds the permission.
    Unit(Units),
}

/// Which units a unit field offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Units {
    /// The units of the person's employments that the officer may read.
    OfPerson,
    /// The units where the officer holds this permission, subtrees included.
    Where(tillit_core::ra::role::Permission),
}

/// A field of a flow's form.
#[derive(Debug, Clone, Copy)]
struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn field(name: &'static str, kind: Kind, required: bool) -> Field {
    Field { name, kind, required }
}

const DOCUMENTS: &[(&str, &str)] = &[
    ("passport", "document-passport"),
    ("national_id_card", "document-national_id_card"),
    ("driving_licence", "document-driving_licence"),
    ("sis_id_card", "document-sis_id_card"),
    ("tax_agency_id_card", "document-tax_agency_id_card"),
];

const CARD_KINDS: &[(&str, &str)] =
    &[("sis", "kind-sis"), ("osis", "kind-osis"), ("company", "kind-company")];

const DEREGISTER_REASONS: &[(&str, &str)] = &[
    ("lost", "reason-lost"),
    ("stolen", "reason-stolen"),
    ("damaged", "reason-damaged"),
    ("left_employment", "reason-left_employment"),
    ("wrong_name", "reason-wrong_name"),
    ("puk_locked", "reason-puk_locked"),
    ("misuse", "reason-misuse"),
    ("not_returned", "reason-not_returned"),
];

const RETURN_TO: &[(&str, &str)] = &[("ra", "return-to-ra"), ("manager", "return-to-manager")];

const ROLES: &[(&str, &str)] = &[
    ("ra", "role-ra"),
    ("kra", "role-kra"),
    ("lra", "role-lra"),
    ("ora", "role-ora"),
    ("kur", "role-kur"),
    ("hsa_admin", "role-hsa_admin"),
    ("manager", "role-manager"),
    ("security_officer", "role-security_officer"),
    ("card_holder", "role-card_holder"),
    ("auditor", "role-auditor"),
];

const SPECIMEN: [Field; 4] = [
    field("specimen_reference", Kind::Text, false),
    field("specimen_signed_by", Kind::Text, false),
    field("specimen_approved_by", Kind::Text, false),
    field("specimen_approved_on", Kind::Date, false),
];

/// The signature specimen a CRA/KRA grant or removal carries (R-ORG-3), when given.
fn specimen(v: &Values) -> Value {
    if one(v, "specimen_reference").is_empty() {
        return Value::Null;
    }
    json!({
        "reference": one(v, "specimen_reference"),
        "signed_by": one(v, "specimen_signed_by"),
        "approved_by": one(v, "specimen_approved_by"),
        "approved_on": one(v, "specimen_approved_on"),
    })
}

const TRUST_LEVELS: &[(&str, &str)] = &[("level2", "trust-level2"), ("level3", "trust-level3")];

const DISCARD_REASONS: &[(&str, &str)] =
    &[("pin_letter_opened", "discard-pin_letter_opened"), ("damaged", "discard-damaged")];

const ID_BASES: &[(&str, &str)] = &[("hsa_id", "basis-hsa_id"), ("national_id", "basis-national_id")];

const MAIL_TO: &[(&str, &str)] = &[("registered", "mail-to-registered"), ("delivery", "mail-to-delivery")];

const CIRCUMSTANCES: &[(&str, &str)] = &[
    ("ordinary", "circumstance-ordinary"),
    ("lost", "circumstance-lost"),
    ("stolen", "circumstance-stolen"),
];

const IDENTIFICATIONS: &[(&str, &str)] =
    &[("in_person", "identification-in_person"), ("signed_in", "identification-signed_in")];

const REVOCATION_REASONS: &[(&str, &str)] = &[
    ("key_compromise", "revocation-key_compromise"),
    ("affiliation_changed", "revocation-affiliation_changed"),
    ("superseded", "revocation-superseded"),
    ("cessation_of_operation", "revocation-cessation_of_operation"),
    ("unspecified", "revocation-unspecified"),
];

/// A flow: its id (message ids `flow-<id>` and `flow-<id>-help`), its fields, and how the form
/// becomes the API request.
struct Flow {
    id: &'static str,
    fields: &'static [Field],
    /// The API path, from the record id in the portal path (or a query value) and the form's
    /// values (checked by `body` first).
    api_path: fn(&str, &Values) -> String,
    /// The API body, from the form's values (already checked for presence).
    body: fn(&Values, &str) -> Result<Value, FieldError>,
}

/// The form's values by name (a name may repeat: checkbox lists).
type Values = BTreeMap<String, Vec<String>>;

fn one<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).and_then(|v| v.first()).map(|s| s.trim()).unwrap_or("")
}

fn opt(values: &Values, name: &str) -> Value {
    match one(values, name) {
        "" => Value::Null,
        v => Value::String(v.to_string()),
    }
}

fn checked(values: &Values, name: &str) -> bool {
    !one(values, name).is_empty()
}

/// A field the officer must correct: its name and the message id of what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldError {
    field: &'static str,
    message: &'static str,
}

fn image(values: &Values, name: &'static str) -> Result<Value, FieldError> {
    let data = one(values, name);
    if data.is_empty() {
        return Ok(Value::Null);
    }
    // `portal.js` writes `data:<media type>;base64,<content>`.
    let Some((media_type, content)) = data
        .strip_prefix("data:")
        .and_then(|d| d.split_once(";base64,"))
        .filter(|(m, _)| m.starts_with("image/"))
    else {
        return Err(FieldError { field: name, message: "field-image-invalid" });
    };
    Ok(json!({"media_type": media_type, "content": content}))
}

const NONE: &[Field] = &[];

const FLOWS: &[Flow] = &[
    Flow {
        id: "order-basis",
        fields: &[
            field("kind", Kind::Select(CARD_KINDS), true),
            field("org", Kind::Unit(Units::OfPerson), true),
            field("override_reason", Kind::Text, false),
        ],
        api_path: |person, _| format!("/api/v1/persons/{person}/cards"),
        body: |v, _| {
            Ok(
                json!({"org": one(v, "org"), "kind": one(v, "kind"), "override_reason": opt(v, "override_reason")}),
            )
        },
    },
    Flow {
        id: "order",
        fields: &[
            field("holder_present", Kind::Check, true),
            field("document_kind", Kind::Select(DOCUMENTS), true),
            field("document_number", Kind::Text, true),
            field("photo", Kind::Image, false),
            field("signature_image", Kind::Image, false),
        ],
        api_path: |card, _| format!("/api/v1/cards/{card}/order"),
        body: |v, _| {
            Ok(json!({
                "holder_present": checked(v, "holder_present"),
                "document": {"kind": one(v, "document_kind"), "number": one(v, "document_number")},
                "photo": image(v, "photo")?,
                "signature_image": image(v, "signature_image")?,
            }))
        },
    },
    Flow {
        id: "batch",
        fields: &[field("cards", Kind::Text, true), field("reviewed", Kind::Check, true)],
        api_path: |_, _| "/api/v1/batches".to_string(),
        body: |v, _| {
            let cards: Vec<&str> =
                one(v, "cards").split([',', ' ', '\n']).filter(|c| !c.trim().is_empty()).collect();
            let reviewed = if checked(v, "reviewed") { cards.clone() } else { Vec::new() };
            Ok(json!({"cards": cards, "reviewed": reviewed}))
        },
    },
    Flow {
        id: "delivery",
        fields: &[field("serial", Kind::Text, true), field("valid_until", Kind::Date, false)],
        api_path: |card, _| format!("/api/v1/cards/{card}/delivery"),
        body: |v, _| Ok(json!({"serial": one(v, "serial"), "valid_until": opt(v, "valid_until")})),
    },
    Flow {
        id: "hand-out",
        fields: &[
            field("holder_present", Kind::Check, true),
            field("document_kind", Kind::Select(DOCUMENTS), true),
            field("document_number", Kind::Text, true),
            field("national_id", Kind::Text, true),
            field("given_names", Kind::Text, true),
            field("family_name", Kind::Text, true),
            field("pin_letter", Kind::Check, false),
            field("receipt", Kind::Text, true),
        ],
        api_path: |card, _| format!("/api/v1/cards/{card}/hand-out"),
        body: |v, _| {
            Ok(json!({
                "holder_present": checked(v, "holder_present"),
                "document": {"kind": one(v, "document_kind"), "number": one(v, "document_number")},
                "national_id": one(v, "national_id"),
                "given_names": one(v, "given_names"),
                "family_name": one(v, "family_name"),
                "pin_letter": checked(v, "pin_letter"),
                "receipt": one(v, "receipt"),
            }))
        },
    },
    Flow {
        id: "deregistration",
        fields: &[field("reason", Kind::Select(DEREGISTER_REASONS), true)],
        api_path: |card, _| format!("/api/v1/cards/{card}/deregistration"),
        body: |v, _| Ok(json!({"reason": one(v, "reason")})),
    },
    Flow {
        id: "claim",
        fields: &[field("form", Kind::Text, true)],
        api_path: |card, _| format!("/api/v1/cards/{card}/claim"),
        body: |v, _| Ok(json!({"form": one(v, "form")})),
    },
    Flow {
        id: "return",
        fields: &[
            field("to", Kind::Select(RETURN_TO), true),
            field("reason", Kind::Select(DEREGISTER_REASONS), true),
        ],
        api_path: |card, _| format!("/api/v1/cards/{card}/return"),
        body: |v, _| Ok(json!({"to": {"kind": one(v, "to")}, "reason": one(v, "reason")})),
    },
    Flow {
        id: "destruction",
        fields: NONE,
        api_path: |card, _| format!("/api/v1/cards/{card}/destruction"),
        body: |_, _| Ok(json!({})),
    },
    Flow {
        id: "move",
        fields: &[field("to", Kind::Unit(Units::Where(tillit_core::ra::role::Permission::ReadPeople)), true)],
        api_path: |card, _| format!("/api/v1/cards/{card}/move"),
        body: |v, _| Ok(json!({"to": one(v, "to")})),
    },
    Flow {
        id: "credential-order",
        fields: &[field("basis", Kind::Select(ID_BASES), true), field("valid_until", Kind::Date, false)],
        api_path: |card, _| format!("/api/v1/cards/{card}/credentials"),
        body: |v, _| Ok(json!({"basis": one(v, "basis"), "valid_until": opt(v, "valid_until")})),
    },
    Flow {
        id: "puk-order",
        fields: &[field("mail_to", Kind::Select(MAIL_TO), false)],
        api_path: |card, _| format!("/api/v1/cards/{card}/puk-orders"),
        body: |v, _| Ok(json!({"mail_to": opt(v, "mail_to")})),
    },
    Flow {
        id: "function-credential",
        fields: &[field("org", Kind::Unit(Units::OfPerson), true)],
        api_path: |person, _| format!("/api/v1/persons/{person}/function-credentials"),
        body: |v, _| Ok(json!({"org": one(v, "org")})),
    },
    Flow {
        id: "revocation",
        fields: &[
            field("card", Kind::Text, true),
            field("reason", Kind::Select(REVOCATION_REASONS), true),
            field("circumstance", Kind::Select(CIRCUMSTANCES), true),
            field("identification", Kind::Select(IDENTIFICATIONS), true),
            field("document_number", Kind::Text, false),
        ],
        api_path: |_, _| "/api/v1/revocations".to_string(),
        body: |v, person| {
            let identification = match one(v, "identification") {
                "in_person" => {
                    let document = one(v, "document_number");
                    if document.is_empty() {
                        return Err(FieldError { field: "document_number", message: "field-required" });
                    }
                    json!({"method": "in_person", "document": document})
                }
                other => json!({"method": other}),
            };
            Ok(json!({
                "holder": person,
                "requester": "ra",
                "requested_by": Value::Null,
                "identification": identification,
                "reason": one(v, "reason"),
                "circumstance": one(v, "circumstance"),
                "target": {"kind": "card", "card": one(v, "card")},
            }))
        },
    },
    Flow {
        id: "role-grant",
        fields: &[
            field("role", Kind::Select(ROLES), true),
            field("scope", Kind::Unit(Units::Where(tillit_core::ra::role::Permission::GrantRoles)), true),
            field("training_course", Kind::Text, false),
            field("training_completed", Kind::Date, false),
            SPECIMEN[0],
            SPECIMEN[1],
            SPECIMEN[2],
            SPECIMEN[3],
        ],
        api_path: |person, _| format!("/api/v1/persons/{person}/roles"),
        body: |v, _| {
            let training = if one(v, "training_course").is_empty() {
                Value::Null
            } else {
                json!({"course": one(v, "training_course"), "completed": one(v, "training_completed")})
            };
            Ok(
                json!({"role": one(v, "role"), "scope": one(v, "scope"), "training": training, "specimen": specimen(v)}),
            )
        },
    },
    Flow {
        id: "role-removal",
        fields: &[
            field("removal_reason", Kind::Text, true),
            SPECIMEN[0],
            SPECIMEN[1],
            SPECIMEN[2],
            SPECIMEN[3],
        ],
        api_path: |grant, _| format!("/api/v1/roles/{grant}/removal"),
        body: |v, _| Ok(json!({"reason": one(v, "removal_reason"), "specimen": specimen(v)})),
    },
    Flow {
        id: "enrolment-link",
        fields: &[field("hours", Kind::Text, false)],
        api_path: |person, _| format!("/api/v1/persons/{person}/enrolment-links"),
        body: |v, _| match one(v, "hours") {
            "" => Ok(json!({})),
            hours => match hours.parse::<u32>() {
                Ok(hours) => Ok(json!({"hours": hours})),
                Err(_) => Err(FieldError { field: "hours", message: "field-whole-number" }),
            },
        },
    },
    Flow {
        id: "puk-sent",
        fields: NONE,
        api_path: |order, _| format!("/api/v1/puk-orders/{order}/sent"),
        body: |_, _| Ok(json!({})),
    },
    Flow {
        id: "puk-delivered",
        fields: NONE,
        api_path: |order, _| format!("/api/v1/puk-orders/{order}/delivered"),
        body: |_, _| Ok(json!({})),
    },
    Flow {
        id: "puk-returned",
        fields: NONE,
        api_path: |order, _| format!("/api/v1/puk-orders/{order}/returned"),
        body: |_, _| Ok(json!({})),
    },
    Flow {
        id: "reserve-bundle",
        fields: &[
            field("org", Kind::Unit(Units::Where(tillit_core::ra::role::Permission::ReserveCards)), true),
            field("first_serial", Kind::Text, true),
            field("last_serial", Kind::Text, true),
        ],
        api_path: |_, _| "/api/v1/reserve/bundles".to_string(),
        body: |v, _| {
            Ok(
                json!({"org": one(v, "org"), "serials": {"first": number(v, "first_serial")?, "last": number(v, "last_serial")?}}),
            )
        },
    },
    Flow {
        id: "reserve-receipt",
        fields: &[field("opened_letters", Kind::Text, false)],
        api_path: |bundle, _| format!("/api/v1/reserve/bundles/{bundle}/receipt"),
        body: |v, _| {
            let mut opened = Vec::new();
            for serial in one(v, "opened_letters").split([',', ' ', '\n']).filter(|s| !s.trim().is_empty()) {
                opened.push(
                    serial
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| FieldError { field: "opened_letters", message: "field-whole-number" })?,
                );
            }
            Ok(json!({"opened_letters": opened}))
        },
    },
    Flow {
        id: "reserve-hand-out",
        fields: &[
            field("person", Kind::Text, true),
            field("unit", Kind::Unit(Units::Where(tillit_core::ra::role::Permission::ReadPeople)), true),
            field("holder_present", Kind::Check, true),
            field("document_kind", Kind::Select(DOCUMENTS), true),
            field("document_number", Kind::Text, true),
            field("pin_letter_unopened", Kind::Check, false),
            field("receipt", Kind::Text, true),
            field("credential_until", Kind::Date, false),
            field("trust_level", Kind::Select(TRUST_LEVELS), false),
            field("second_officer", Kind::Text, false),
        ],
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/hand-out"),
        body: |v, _| {
            second_officer_given(v)?;
            Ok(json!({
                "person": one(v, "person"),
                "unit": one(v, "unit"),
                "holder_present": checked(v, "holder_present"),
                "document": {"kind": one(v, "document_kind"), "number": one(v, "document_number")},
                "pin_letter_unopened": checked(v, "pin_letter_unopened"),
                "receipt": one(v, "receipt"),
                "credential_until": opt(v, "credential_until"),
                "trust_level": opt(v, "trust_level"),
            }))
        },
    },
    Flow {
        id: "reserve-reuse",
        fields: &[
            field("person", Kind::Text, true),
            field("document_kind", Kind::Select(DOCUMENTS), true),
            field("document_number", Kind::Text, true),
            field("credential_until", Kind::Date, false),
            field("trust_level", Kind::Select(TRUST_LEVELS), false),
            field("second_officer", Kind::Text, false),
        ],
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/reuse"),
        body: |v, _| {
            second_officer_given(v)?;
            Ok(json!({
                "person": one(v, "person"),
                "document": {"kind": one(v, "document_kind"), "number": one(v, "document_number")},
                "credential_until": opt(v, "credential_until"),
                "trust_level": opt(v, "trust_level"),
            }))
        },
    },
    Flow {
        id: "reserve-discard",
        fields: &[field("discard_reason", Kind::Select(DISCARD_REASONS), true)],
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/discard"),
        body: |v, _| Ok(json!({"reason": one(v, "discard_reason")})),
    },
    Flow {
        id: "reserve-return",
        fields: &[
            field("to", Kind::Select(RETURN_TO), true),
            field("reason", Kind::Select(DEREGISTER_REASONS), true),
        ],
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/return"),
        body: |v, _| Ok(json!({"to": {"kind": one(v, "to")}, "reason": one(v, "reason")})),
    },
    Flow {
        id: "reserve-deregistration",
        fields: &[field("reason", Kind::Select(DEREGISTER_REASONS), true)],
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/deregistration"),
        body: |v, _| Ok(json!({"reason": one(v, "reason")})),
    },
    Flow {
        id: "reserve-destruction",
        fields: NONE,
        api_path: |card, _| format!("/api/v1/reserve/cards/{card}/destruction"),
        body: |_, _| Ok(json!({})),
    },
];

/// A whole number from field `name`.
fn number(v: &Values, name: &'static str) -> Result<u64, FieldError> {
    one(v, name).parse().map_err(|_| FieldError { field: name, message: "field-whole-number" })
}

/// At trust level 3 a second officer co-signs (R-RES-5): their person id is needed.
fn second_officer_given(v: &Values) -> Result<(), FieldError> {
    let second = one(v, "second_officer");
    if one(v, "trust_level") == "level3" && uuid::Uuid::parse_str(second).is_err() {
        return Err(FieldError { field: "second_officer", message: "field-second-officer" });
    }
    Ok(())
}

/// The routines the start page offers the officer, by the permissions their grants give: the
/// Danish desk's (registration, stock). The API decides each action again.
pub fn desk(t: &Tr, signed_in: &SignedIn) -> Vec<Link> {
    dk::desk_links(&signed_in.caller.principal)
        .into_iter()
        .map(|(href, flow)| Link { href: href.to_string(), text: t.msg(&format!("flow-{flow}")) })
        .collect()
}

fn flow(id: &str) -> Option<&'static Flow> {
    FLOWS.iter().chain(dk::FLOWS).find(|f| f.id == id)
}

/// The flow a portal path names, and the record it is about.
fn flow_of(path: &str, person_query: Option<&str>) -> Option<(&'static Flow, String)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (id, record) = match parts.as_slice() {
        ["people", person, "cards", "new"] => ("order-basis", *person),
        ["people", person, "function-credentials", "new"] => ("function-credential", *person),
        ["cards", card, "credentials", "new"] => ("credential-order", *card),
        ["cards", card, "puk-orders", "new"] => ("puk-order", *card),
        ["cards", card, action] => (*action, *card),
        ["people", person, "roles"] => ("role-grant", *person),
        ["people", person, "enrolment-links", "new"] => ("enrolment-link", *person),
        ["roles", grant, "removal"] => ("role-removal", *grant),
        ["puk-orders", order, "sent"] => ("puk-sent", *order),
        ["puk-orders", order, "delivered"] => ("puk-delivered", *order),
        ["puk-orders", order, "returned"] => ("puk-returned", *order),
        ["reserve", "bundles", "new"] => ("reserve-bundle", ""),
        ["reserve", "bundles", bundle, "receipt"] => ("reserve-receipt", *bundle),
        ["reserve", "cards", card, action] => match *action {
            "hand-out" => ("reserve-hand-out", *card),
            "reuse" => ("reserve-reuse", *card),
            "discard" => ("reserve-discard", *card),
            "return" => ("reserve-return", *card),
            "deregistration" => ("reserve-deregistration", *card),
            "destruction" => ("reserve-destruction", *card),
            _ => return None,
        },
        ["batches", "new"] => ("batch", ""),
        ["revocations", "new"] => ("revocation", person_query?),
        ["dk", rest @ ..] => dk::flow_of(rest)?,
        _ => return None,
    };
    // Record ids are UUIDs: nothing else reaches an API path.
    if !record.is_empty() && uuid::Uuid::parse_str(record).is_err() {
        return None;
    }
    Some((flow(id)?, record.to_string()))
}

/// The page a finished flow leads back to.
fn record_page(api_path: &str) -> String {
    let parts: Vec<&str> = api_path.trim_start_matches("/api/v1/").split('/').collect();
    match parts.as_slice() {
        ["cards", card, ..] => format!("/cards/{card}"),
        ["persons", person, ..] => format!("/people/{person}"),
        ["puk-orders", ..] | ["roles", ..] | ["reserve", ..] => "/".to_string(),
        _ => "/".to_string(),
    }
}

/// One field as the form template shows it.
#[derive(Debug, Clone)]
pub struct FieldView {
    /// Its name.
    pub name: &'static str,
    /// `text`, `date`, `checkbox`, `select` or `image`.
    pub input: &'static str,
    /// Its label.
    pub label: String,
    /// Its hint.
    pub hint: String,
    /// Whether it must be filled in.
    pub required: bool,
    /// The value the officer gave.
    pub value: String,
    /// For a select: (value, label, selected).
    pub options: Vec<(String, String, bool)>,
    /// What is wrong with it.
    pub error: Option<String>,
}

/// A flow's form.
#[derive(Debug, Template)]
#[template(path = "flow_form.html")]
pub struct FormPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The flow's title.
    pub title: String,
    /// What it does.
    pub help: String,
    /// Where the form posts.
    pub action: String,
    /// The fields.
    pub fields: Vec<FieldView>,
    /// The errors, for the summary at the top.
    pub errors: Vec<(String, String)>,
}

fn field_views(
    t: &Tr,
    flow: &Flow,
    values: &Values,
    errors: &[FieldError],
    units: &[(String, String)],
) -> Vec<FieldView> {
    flow.fields
        .iter()
        .map(|f| {
            let value = one(values, f.name).to_string();
            let (input, options) = match f.kind {
                Kind::Text => ("text", Vec::new()),
                Kind::Date => ("date", Vec::new()),
                Kind::Check => ("checkbox", Vec::new()),
                Kind::Image => ("image", Vec::new()),
                Kind::Select(choices) => (
                    "select",
                    choices.iter().map(|(v, label)| (v.to_string(), t.msg(label), *v == value)).collect(),
                ),
                Kind::Unit(_) => (
                    "select",
                    units.iter().map(|(id, name)| (id.clone(), name.clone(), *id == value)).collect(),
                ),
            };
            FieldView {
                name: f.name,
                input,
                label: t.msg(&format!("field-{}", f.name)),
                hint: t.msg(&format!("hint-{}", f.name)),
                required: f.required,
                value: if f.kind == Kind::Image { String::new() } else { value },
                options,
                error: errors.iter().find(|e| e.field == f.name).map(|e| t.msg(e.message)),
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn form_response(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    signed_in: &SignedIn,
    flow: &Flow,
    record: &str,
    action: &str,
    values: &Values,
    errors: &[FieldError],
) -> Response {
    let t = tr(portal, lang);
    let units = match unit_choices(portal, signed_in, flow, record).await {
        Ok(units) => units,
        Err(e) => return internal(e),
    };
    let fields = field_views(&t, flow, values, errors, &units);
    let summary = fields
        .iter()
        .filter_map(|f| f.error.clone().map(|e| (f.name.to_string(), format!("{}: {e}", f.label))))
        .collect();
    let view = FormPage {
        title: t.msg(&format!("flow-{}", flow.id)),
        help: t.msg(&format!("flow-{}-help", flow.id)),
        action: action.to_string(),
        fields,
        errors: summary,
        me: Some(Me::of(&t, signed_in)),
        t,
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(status, view.render(), lang, keep)
}

/// The units a flow's unit field offers, by name, sorted: the person's (when the record is a
/// person) or where the officer holds the field's permission.
async fn unit_choices(
    portal: &Portal,
    signed_in: &SignedIn,
    flow: &Flow,
    record: &str,
) -> Result<Vec<(String, String)>, String> {
    let Some(units) = flow.fields.iter().find_map(|f| match f.kind {
        Kind::Unit(units) => Some(units),
        _ => None,
    }) else {
        return Ok(Vec::new());
    };
    let caller = &signed_in.caller;
    let ids: Vec<tillit_core::ra::OrgId> = match units {
        Units::OfPerson => {
            let Ok(person) = record.parse() else { return Ok(Vec::new()) };
            match portal.app.store.person(person).await.map_err(|e| e.to_string())? {
                Some(r) => r
                    .person
                    .employments
                    .iter()
                    .map(|e| e.org)
                    .filter(|org| {
                        caller.principal.can(
                            &caller.tree,
                            tillit_core::ra::role::Permission::ReadPeople,
                            *org,
                        )
                    })
                    .collect(),
                None => Vec::new(),
            }
        }
        Units::Where(permission) => caller
            .principal
            .scopes(permission)
            .into_iter()
            .flat_map(|scope| caller.tree.subtree(scope))
            .collect(),
    };
    let mut named: Vec<(String, String)> = ids
        .into_iter()
        .filter_map(|id| caller.tree.get(id).map(|org| (id.to_string(), org.name.clone())))
        .collect();
    named.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    named.dedup();
    Ok(named)
}

/// The query of a flow's form (`?person=` for a revocation, `?lang=`).
#[derive(Debug, Deserialize)]
pub struct FlowQuery {
    lang: Option<String>,
    person: Option<String>,
}

fn not_found(portal: &Portal, lang: Lang, signed_in: &SignedIn) -> Response {
    let me = crate::web::me(portal, lang, signed_in);
    crate::web::message(portal, lang, Some(me), StatusCode::NOT_FOUND, "not-found-title", "not-found-text")
}

/// `GET` a flow's form.
async fn form_page(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Query(query): Query<FlowQuery>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    let Some((flow, record)) = flow_of(uri.path(), query.person.as_deref()) else {
        return not_found(&portal, lang, &signed_in);
    };
    let action = match &query.person {
        Some(p) => format!("{}?person={}", uri.path(), crate::session::urlencoding(p)),
        None => uri.path().to_string(),
    };
    form_response(&portal, lang, keep, &signed_in, flow, &record, &action, &Values::new(), &[]).await
}

/// `POST` a flow's form: checked, stored with a challenge for this session, and the officer
/// sent to the review page.
async fn prepare(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Query(query): Query<FlowQuery>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    let mut values = Values::new();
    for (k, v) in pairs {
        values.entry(k).or_default().push(v);
    }
    if let Err(refused) = signed_in.check_post(&portal, &headers, one(&values, "csrf")) {
        return refused.into_response();
    }
    let Some((flow, record)) = flow_of(uri.path(), query.person.as_deref()) else {
        return not_found(&portal, lang, &signed_in);
    };
    let action = match &query.person {
        Some(p) => format!("{}?person={}", uri.path(), crate::session::urlencoding(p)),
        None => uri.path().to_string(),
    };
    let mut errors: Vec<FieldError> = flow
        .fields
        .iter()
        .filter(|f| f.required && one(&values, f.name).is_empty())
        .map(|f| FieldError {
            field: f.name,
            message: if f.kind == Kind::Check { "field-must-confirm" } else { "field-required" },
        })
        .collect();
    let body = match (flow.body)(&values, &record) {
        // A revocation the RA asks for is asked by the officer at the desk (R-REV-1).
        Ok(mut body) if flow.id == "revocation" => {
            body["requested_by"] = Value::String(signed_in.person.to_string());
            Some(body)
        }
        Ok(body) => Some(body),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let (Some(body), true) = (body, errors.is_empty()) else {
        return form_response(&portal, lang, false, &signed_in, flow, &record, &action, &values, &errors)
            .await;
    };
    let t = tr(&portal, lang);
    // What the review page lists: the officer's own entries, by label.
    let summary: Vec<(String, String)> = flow
        .fields
        .iter()
        .filter(|f| !one(&values, f.name).is_empty())
        .map(|f| {
            let shown = match f.kind {
                Kind::Check => t.msg("answer-yes"),
                Kind::Image => t.msg("image-attached"),
                Kind::Select(choices) => choices
                    .iter()
                    .find(|(v, _)| *v == one(&values, f.name))
                    .map(|(_, label)| t.msg(label))
                    .unwrap_or_else(|| one(&values, f.name).to_string()),
                Kind::Unit(_) => one(&values, f.name)
                    .parse()
                    .ok()
                    .and_then(|id| signed_in.caller.tree.get(id))
                    .map(|org| org.name.clone())
                    .unwrap_or_else(|| one(&values, f.name).to_string()),
                _ => one(&values, f.name).to_string(),
            };
            (t.msg(&format!("field-{}", f.name)), shown)
        })
        .collect();
    // At trust level 3 the second officer named in the form signs the same action first.
    let co_signer = match (one(&values, "trust_level"), one(&values, "second_officer")) {
        ("level3", second) if !second.is_empty() => Value::String(second.to_string()),
        _ => Value::Null,
    };
    let summary =
        json!({"flow": flow.id, "back": action, "lines": summary, "co_signer": co_signer}).to_string();
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let now = now_us();
    let challenge = Challenge {
        id: uuid::Uuid::now_v7().to_string(),
        session: Some(signed_in.session.id_hash.clone()),
        purpose: Purpose::Action,
        nonce: random32().to_vec(),
        request: Some(SignedRequest {
            method: "POST".into(),
            path: (flow.api_path)(&record, &values),
            idem_key: uuid::Uuid::now_v7().to_string(),
            body,
            summary,
        }),
        created_us: now,
        expires_us: now + ACTION_US,
    };
    let stored = async {
        let mut tx = portal.app.store.begin().await?;
        tx.insert_challenge(&challenge).await?;
        tx.commit().await
    };
    if let Err(e) = stored.await {
        return internal(e);
    }
    Redirect::to(&format!("/sign/{}", challenge.id)).into_response()
}

/// The review page ("Signera och skicka").
#[derive(Debug, Template)]
#[template(path = "flow_review.html")]
pub struct ReviewPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The flow's title.
    pub title: String,
    /// What the officer entered, by label.
    pub lines: Vec<(String, String)>,
    /// Where the form was.
    pub back: String,
    /// The challenge's id.
    pub challenge_id: String,
    /// The WebAuthn challenge, base64url: SHA-256 of the action text and the nonce.
    pub challenge: String,
    /// The RP id.
    pub rp_id: String,
    /// The officer's passkeys, base64url ids, comma-separated.
    pub allow: String,
    /// The signed text, for the details.
    pub action_text: String,
    /// The body, pretty-printed, for the details.
    pub body: String,
    /// A notice (a ceremony refused).
    pub notice: Option<String>,
    /// The second officer of a trust level 3 action (R-RES-5).
    pub second: Option<SecondOfficer>,
}

/// The second officer who signs the same action first, at the same desk (R-RES-5).
#[derive(Debug, Clone)]
pub struct SecondOfficer {
    /// Their name.
    pub name: String,
    /// Their passkeys, base64url ids, comma-separated.
    pub allow: String,
    /// Whether they have signed.
    pub signed: bool,
}

/// A stored action and what its summary says.
struct Stored {
    challenge: Challenge,
    used_us: Option<i64>,
    request: SignedRequest,
    flow: &'static str,
    back: String,
    lines: Vec<(String, String)>,
    /// The second officer who must co-sign (trust level 3, R-RES-5).
    co_signer: Option<tillit_core::ra::PersonId>,
    /// Their signature, once given (a `PasskeySignature`, stored form, base64).
    co_signature: Option<String>,
    /// The summary as stored.
    summary: Value,
}

async fn stored(portal: &Portal, signed_in: &SignedIn, id: &str) -> Result<Option<Stored>, String> {
    let Some((challenge, used_us)) =
        portal.app.store.portal_challenge(id).await.map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    // Only the session that prepared it sees it.
    if challenge.purpose != Purpose::Action
        || challenge.session.as_deref() != Some(&signed_in.session.id_hash)
    {
        return Ok(None);
    }
    let Some(request) = challenge.request.clone() else { return Ok(None) };
    let summary: Value = serde_json::from_str(&request.summary).unwrap_or(Value::Null);
    let flow = summary["flow"].as_str().and_then(flow).map(|f| f.id).unwrap_or("order");
    let back = summary["back"].as_str().unwrap_or("/").to_string();
    let lines = summary["lines"]
        .as_array()
        .map(|a| {
            a.iter().filter_map(|l| Some((l[0].as_str()?.to_string(), l[1].as_str()?.to_string()))).collect()
        })
        .unwrap_or_default();
    let co_signer = summary["co_signer"].as_str().and_then(|p| p.parse().ok());
    let co_signature = summary["co_signature"].as_str().map(str::to_string);
    Ok(Some(Stored { challenge, used_us, request, flow, back, lines, co_signer, co_signature, summary }))
}

fn text_of(request: &SignedRequest) -> String {
    action_text(&request.method, &request.path, &request.idem_key, &request.body)
}

async fn review_response(
    portal: &Portal,
    lang: Lang,
    keep: bool,
    signed_in: &SignedIn,
    s: &Stored,
    notice: Option<String>,
) -> Response {
    let keys = match portal.app.store.passkeys_of(&signed_in.person.to_string()).await {
        Ok(keys) => keys,
        Err(e) => return internal(e),
    };
    let second = match s.co_signer {
        Some(person) => {
            let store = &portal.app.store;
            let name = match store.person(person).await {
                Ok(Some(r)) => format!("{} {}", r.person.given_names, r.person.family_name),
                Ok(None) => person.to_string(),
                Err(e) => return internal(e),
            };
            let allow = match store.passkeys_of(&person.to_string()).await {
                Ok(keys) => {
                    keys.iter().map(|k| B64URL.encode(&k.key.credential_id)).collect::<Vec<_>>().join(",")
                }
                Err(e) => return internal(e),
            };
            Some(SecondOfficer { name, allow, signed: s.co_signature.is_some() })
        }
        None => None,
    };
    let t = tr(portal, lang);
    let text = text_of(&s.request);
    let body: Value = serde_json::from_slice(&s.request.body).unwrap_or(Value::Null);
    let view = ReviewPage {
        title: t.msg(&format!("flow-{}", s.flow)),
        lines: s.lines.clone(),
        back: s.back.clone(),
        challenge_id: s.challenge.id.clone(),
        challenge: B64URL.encode(webauthn::challenge(&text, &s.challenge.nonce)),
        rp_id: portal.settings.rp_id.clone(),
        allow: keys.iter().map(|k| B64URL.encode(&k.key.credential_id)).collect::<Vec<_>>().join(","),
        action_text: text,
        body: serde_json::to_string_pretty(&redacted(body)).unwrap_or_default(),
        notice,
        second,
        me: Some(Me::of(&t, signed_in)),
        t,
    };
    page(StatusCode::OK, view.render(), lang, keep)
}

/// Image contents are not repeated on the review page: their size and SHA-256 are.
fn redacted(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        for (_, v) in map.iter_mut() {
            if let Some(content) = v.get("content").and_then(Value::as_str) {
                let digest = hex::encode(Sha256::digest(content.as_bytes()));
                v["content"] =
                    Value::String(format!("({} base64 characters, SHA-256 {digest})", content.len()));
            }
        }
    }
    body
}

/// `GET /sign/{id}`: the review page of a prepared action.
async fn review(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, keep) = language(&portal, query.lang.as_deref(), &headers);
    match stored(&portal, &signed_in, &id).await {
        Ok(Some(s)) if s.used_us.is_some() => kept(&portal, lang, &signed_in, &s).await,
        Ok(Some(s)) if s.challenge.expires_us <= now_us() => {
            let me = crate::web::me(&portal, lang, &signed_in);
            crate::web::message(
                &portal,
                lang,
                Some(me),
                StatusCode::GONE,
                "action-expired-title",
                "action-expired-text",
            )
        }
        Ok(Some(s)) => review_response(&portal, lang, keep, &signed_in, &s, None).await,
        Ok(None) => not_found(&portal, lang, &signed_in),
        Err(e) => internal(e),
    }
}

/// What the review page posts: the assertion.
#[derive(Debug, Deserialize)]
pub struct SignForm {
    csrf: String,
    credential_id: String,
    authenticator_data: String,
    client_data_json: String,
    signature: String,
}

/// A prepared action a signing POST names, unused; or the answer already given.
enum Opened {
    Fresh(Box<Stored>),
    Answered(Response),
}

/// The checks every signing POST starts with: the session's CSRF token and Origin, the
/// prepared action this session made, and, when it was used already (a second click), the
/// answer the first one got.
async fn open_for_signing(
    portal: &Portal,
    signed_in: &SignedIn,
    id: &str,
    headers: &HeaderMap,
    csrf: &str,
    lang: Lang,
) -> Opened {
    if let Err(refused) = signed_in.check_post(portal, headers, csrf) {
        return Opened::Answered(refused.into_response());
    }
    match stored(portal, signed_in, id).await {
        Ok(Some(s)) if s.used_us.is_some() => Opened::Answered(kept(portal, lang, signed_in, &s).await),
        Ok(Some(s)) => Opened::Fresh(Box::new(s)),
        Ok(None) => Opened::Answered(not_found(portal, lang, signed_in)),
        Err(e) => Opened::Answered(internal(e)),
    }
}

/// `POST /sign/{id}`: the assertion checked as the audit log will check it offline, the
/// challenge used, and the API handler called with the officer's passkey signature.
async fn sign(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    let s = match open_for_signing(&portal, &signed_in, &id, &headers, &form.csrf, lang).await {
        Opened::Fresh(s) => s,
        Opened::Answered(response) => return response,
    };
    if s.co_signer.is_some() && s.co_signature.is_none() {
        let notice = tr(&portal, lang).msg("second-officer-first");
        return review_response(&portal, lang, false, &signed_in, &s, Some(notice)).await;
    }
    let signature = match check_assertion(&portal, signed_in.person, &s, &form).await {
        Ok(signature) => signature,
        Err(Check::Refused(reason)) => {
            tracing::info!(reason = %reason, "a passkey signature over an action was refused");
            let notice = tr(&portal, lang).with("sign-refused", "reason", &reason);
            return review_response(&portal, lang, false, &signed_in, &s, Some(notice)).await;
        }
        Err(Check::Internal(e)) => return internal(e),
    };
    // Used once: of two submissions, one goes on.
    let used = async {
        let mut tx = portal.app.store.begin().await?;
        let used = tx.use_challenge(&id, Purpose::Action, now_us()).await?;
        tx.commit().await?;
        Ok::<_, tillit_store::StoreError>(used)
    };
    match used.await {
        Ok(Some(_)) => {}
        Ok(None) => return kept(&portal, lang, &signed_in, &s).await,
        Err(e) => return internal(e),
    }
    let answer = call(&portal, &signed_in, &s.request, signature.to_bytes(), s.co_signature.as_deref()).await;
    let origin = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok());
    outcome(&portal, lang, &signed_in, &s, answer, origin, true).await
}

/// `POST /sign/{id}/second-officer`: the second officer of a trust level 3 action signs the
/// same action with their own passkey, at the same desk (R-RES-5); kept with the prepared action
/// until the first officer signs and sends it.
async fn co_sign(
    State(portal): State<Portal>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<SignForm>,
) -> Response {
    let (lang, _) = language(&portal, None, &headers);
    let s = match open_for_signing(&portal, &signed_in, &id, &headers, &form.csrf, lang).await {
        Opened::Fresh(s) => s,
        Opened::Answered(response) => return response,
    };
    let Some(second) = s.co_signer else {
        return not_found(&portal, lang, &signed_in);
    };
    let signature = if second == signed_in.person {
        Err(Check::Refused("the second officer must be another person than you (R-RES-5)".into()))
    } else {
        check_assertion(&portal, second, &s, &form).await
    };
    let signature = match signature {
        Ok(signature) => signature,
        Err(Check::Refused(reason)) => {
            let notice = tr(&portal, lang).with("sign-refused", "reason", &reason);
            return review_response(&portal, lang, false, &signed_in, &s, Some(notice)).await;
        }
        Err(Check::Internal(e)) => return internal(e),
    };
    let mut summary = s.summary.clone();
    summary["co_signature"] = Value::String(B64.encode(signature.to_bytes()));
    let saved = async {
        let mut tx = portal.app.store.begin().await?;
        let saved = tx.set_challenge_summary(&id, &summary.to_string()).await?;
        tx.commit().await?;
        Ok::<_, tillit_store::StoreError>(saved)
    };
    match saved.await {
        Ok(_) => Redirect::to(&format!("/sign/{id}")).into_response(),
        Err(e) => internal(e),
    }
}

enum Check {
    Refused(String),
    Internal(String),
}

async fn check_assertion(
    portal: &Portal,
    owner: tillit_core::ra::PersonId,
    s: &Stored,
    form: &SignForm,
) -> Result<PasskeySignature, Check> {
    let refuse = |e: &str| Check::Refused(e.to_string());
    let credential_id =
        B64URL.decode(form.credential_id.trim()).map_err(|_| refuse("credential_id is not base64url"))?;
    let passkey = portal
        .app
        .store
        .passkey(&credential_id)
        .await
        .map_err(|e| Check::Internal(e.to_string()))?
        .filter(|p| p.removed_us.is_none() && p.key.person == owner.to_string())
        .ok_or_else(|| refuse("this passkey is not one of yours, or was removed"))?;
    let signature = PasskeySignature {
        v: PasskeySignature::VERSION,
        message: text_of(&s.request),
        nonce: B64URL.encode(&s.challenge.nonce),
        rp_id: portal.settings.rp_id.clone(),
        credential_id: B64URL.encode(&credential_id),
        public_key: B64.encode(&passkey.key.spki),
        authenticator_data: form.authenticator_data.trim().to_string(),
        client_data_json: form.client_data_json.trim().to_string(),
        signature: form.signature.trim().to_string(),
    };
    // The checks `tillit audit verify` makes offline, and the origin, which only the node knows.
    let verified = signature.verify().map_err(Check::Refused)?;
    let client_data =
        B64URL.decode(&signature.client_data_json).map_err(|_| refuse("clientDataJSON is not base64url"))?;
    let origin = webauthn::client_origin(&client_data).map_err(Check::Refused)?;
    if !portal.settings.origins.contains(&origin) {
        return Err(Check::Refused(format!("clientDataJSON.origin {origin:?} is not an allowed origin")));
    }
    if verified.sign_count != 0 && passkey.sign_count != 0 && verified.sign_count <= passkey.sign_count {
        return Err(refuse("the passkey's signature counter went backwards; it may have been copied"));
    }
    let kept = async {
        let mut tx = portal.app.store.begin().await?;
        tx.passkey_used(&credential_id, verified.sign_count, now_us()).await?;
        tx.commit().await
    };
    kept.await.map_err(|e| Check::Internal(e.to_string()))?;
    Ok(signature)
}

/// The API's answer: status and JSON.
struct Answer {
    status: StatusCode,
    body: Value,
}

async fn call(
    portal: &Portal,
    signed_in: &SignedIn,
    request: &SignedRequest,
    signature: Vec<u8>,
    co_signature: Option<&str>,
) -> Result<Answer, String> {
    let state = &portal.app;
    let mut headers = HeaderMap::new();
    if let Some(co) = co_signature {
        let value =
            axum::http::HeaderValue::from_str(&format!("passkey=\"{co}\"")).map_err(|e| e.to_string())?;
        headers.insert(tillit_server::routines::reserve::CO_SIGNATURE, value);
    }
    let begun = begin_for_portal(
        state,
        signed_in.person,
        signature,
        &Method::POST,
        &request.path,
        &request.idem_key,
        &headers,
        axum::body::Bytes::from(request.body.clone()),
    )
    .await;
    let response = match begun {
        Ok(Begun::Fresh(acting)) => {
            let mut http = axum::http::Request::builder()
                .method(Method::POST)
                .uri(&request.path)
                .header("content-type", "application/json")
                .body(axum::body::Body::empty())
                .map_err(|e| e.to_string())?;
            http.extensions_mut().insert(Prepared::new(acting));
            portal.api.clone().oneshot(http).await.map_err(|e| e.to_string())?
        }
        Ok(Begun::Replay(response)) => response,
        Err(problem) => problem.into_response(),
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.map_err(|e| e.to_string())?;
    Ok(Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) })
}

/// The answer the action got the first time (the challenge was used).
async fn kept(portal: &Portal, lang: Lang, signed_in: &SignedIn, s: &Stored) -> Response {
    let principal = format!("person:{}", signed_in.person);
    match portal.app.store.remembered(&principal, &s.request.idem_key).await {
        Ok(Some(kept)) => {
            let answer = Answer {
                status: StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK),
                body: serde_json::from_str(&kept.response).unwrap_or(Value::Null),
            };
            outcome(portal, lang, signed_in, s, Ok(answer), None, false).await
        }
        Ok(None) => {
            let me = crate::web::me(portal, lang, signed_in);
            crate::web::message(
                portal,
                lang,
                Some(me),
                StatusCode::GONE,
                "action-expired-title",
                "action-expired-text",
            )
        }
        Err(e) => internal(e),
    }
}

/// The members of an API answer the result page shows, in this order (label `answer-<name>`).
const ANSWER_FACTS: [&str; 11] = [
    "id",
    "serial",
    "credential",
    "cards",
    "valid_until",
    "code_expires",
    "expires",
    "account",
    "serials",
    "registered",
    "discarded",
];

/// The one-time values an answer may carry, shown on the fresh result only, each with its
/// label and what the officer does with it: (member, label, instruction).
const SECRETS: [(&str, &str, &str); 3] = [
    ("download_code", "download-code", "download-code-warning"),
    ("user_id", "dk-user-id", "dk-user-id-warning"),
    ("activation_code", "dk-activation-code", "dk-activation-code-warning"),
];

/// The result page: done, or refused with the rule and what to do.
#[derive(Debug, Template)]
#[template(path = "flow_result.html")]
pub struct ResultPage {
    /// The translator.
    pub t: Tr,
    /// The officer.
    pub me: Option<Me>,
    /// The flow's title.
    pub title: String,
    /// Whether it was done.
    pub done: bool,
    /// One-time values shown once (a download code, a citizen's user id and activation
    /// code): label, value, what to do with it.
    pub secrets: Vec<(String, String, String)>,
    /// The citizen was turned away (recorded, nothing issued): the rule, its title and remedy.
    pub turned_away: Option<(String, String, String)>,
    /// What the officer may do next (the routine's next step).
    pub next: Vec<Link>,
    /// The answer's facts, by name.
    pub facts: Vec<(String, String)>,
    /// The rule that refused it, its title and remedy.
    pub rule: Option<(String, String, String)>,
    /// The refusal's reason, as the API said it (English).
    pub reason: Option<String>,
    /// The field it names.
    pub field: Option<String>,
    /// The record's page.
    pub record: String,
    /// The form, to try again.
    pub back: String,
    /// What the officer must do now (a revocation's police report and notices, R-REV-4/5).
    pub instructions: Vec<String>,
}

async fn outcome(
    portal: &Portal,
    lang: Lang,
    signed_in: &SignedIn,
    s: &Stored,
    answer: Result<Answer, String>,
    origin: Option<&str>,
    fresh: bool,
) -> Response {
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => return internal(e),
    };
    if matches!(answer.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) {
        // Out of scope or not allowed: said as the API says it, without the record's details
        // (R-ORG-1, R-PER-3).
        let me = crate::web::me(portal, lang, signed_in);
        return crate::web::message(
            portal,
            lang,
            Some(me),
            StatusCode::NOT_FOUND,
            "not-found-title",
            "not-found-text",
        );
    }
    let t = tr(portal, lang);
    let done = answer.status.is_success();
    let obj: Map<String, Value> = answer.body.as_object().cloned().unwrap_or_default();
    let mut secrets: Vec<(String, String, String)> = if fresh {
        SECRETS
            .iter()
            .filter_map(|(name, label, warning)| {
                let value = obj.get(*name).and_then(Value::as_str)?;
                Some((t.msg(label), value.to_string(), t.msg(warning)))
            })
            .collect()
    } else {
        Vec::new()
    };
    // An enrolment link: shown once, as the address the officer opens.
    if let Some(path) = obj.get("path").and_then(Value::as_str).filter(|p| p.starts_with("/enrol/")) {
        let base = origin.or_else(|| portal.settings.origins.first().map(String::as_str)).unwrap_or("");
        secrets.push((t.msg("enrolment-link"), format!("{base}{path}"), t.msg("download-code-warning")));
    }
    // The answer's references worth noting down, labelled in the officer's language; the
    // record's page shows the rest.
    let facts = if done {
        ANSWER_FACTS
            .iter()
            .filter_map(|key| {
                let mut label = format!("answer-{key}");
                let value = match obj.get(*key)? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
                        items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
                    }
                    // A range of serial numbers (a stock box).
                    Value::Object(range) => match (range.get("first")?, range.get("last")?) {
                        (Value::Number(first), Value::Number(last)) => {
                            label = "answer-serial-range".to_string();
                            format!("{first}–{last}")
                        }
                        _ => return None,
                    },
                    _ => return None,
                };
                Some((t.msg(&label), value))
            })
            .collect()
    } else {
        Vec::new()
    };
    let instructions = obj
        .get("instructions")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("event").and_then(Value::as_str))
                .map(|event| locale::action_label(&portal.catalog, lang, &format!("revocation.{event}")))
                .collect()
        })
        .unwrap_or_default();
    let rule = obj.get("rule").and_then(Value::as_str).map(|rule| {
        let catalog = &portal.catalog;
        (
            rule.to_string(),
            locale::rule_title(catalog, lang, rule),
            locale::rule_remedy(catalog, lang, rule).unwrap_or_default(),
        )
    });
    let turned_away = if done { dk::turned_away(&obj) } else { None }.map(|rule| {
        let catalog = &portal.catalog;
        let title = locale::rule_title(catalog, lang, &rule);
        let remedy = locale::rule_remedy(catalog, lang, &rule).unwrap_or_default();
        (rule, title, remedy)
    });
    let next = if done && turned_away.is_none() {
        dk::next_steps(s.flow, &obj)
            .into_iter()
            .map(|(href, flow)| Link { href, text: t.msg(&format!("flow-{flow}")) })
            .collect()
    } else {
        Vec::new()
    };
    let view = ResultPage {
        title: t.msg(&format!("flow-{}", s.flow)),
        done,
        secrets,
        turned_away,
        next,
        facts,
        rule,
        reason: if done { None } else { obj.get("detail").and_then(Value::as_str).map(str::to_string) },
        field: obj.get("field").and_then(Value::as_str).map(str::to_string),
        record: record_page(&s.request.path),
        back: s.back.clone(),
        instructions,
        me: Some(Me::of(&t, signed_in)),
        t,
    };
    let status = if done { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    page(status, view.render(), lang, false)
}
