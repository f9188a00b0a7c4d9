//! The card and credential routines over HTTPS, as an officer's client drives them: an SIS
//! card from order basis to hand-out, the holder's download of the credential pair, checked
//! with `openssl verify` and `openssl ocsp`, revocation of the lost card, and the audit log
//! verified at the end with every officer action signed (R-AUD-1). Also: idempotency keys,
//! missing or foreign signatures, and a rule violation that changes nothing.

use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Value};
use tillit_core::audit::Actor;
use tillit_core::id::HsaId;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::role::{Grant, Role};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use tillit_server::routines::action::action_text;
use tillit_server::routines::passkey::OfficerSignature;
use time::macros::date;
use uuid::Uuid;

use super::tls::{start, Node};
use super::{openssl, p256_csr};

pub(crate) const HOLDER_ID: &str = "19121212-1212";

pub(crate) fn org(n: u128, parent: Option<u128>, kind: OrgKind) -> Org {
    Org {
        id: OrgId(Uuid::from_u128(n)),
        parent: parent.map(|p| OrgId(Uuid::from_u128(p))),
        kind,
        name: format!("Kommun {n}"),
        org_number: None,
        hr_code: Some(format!("U{n}")),
    }
}

pub(crate) fn person(n: u128, national: &str, family: &str, unit: u128) -> Person {
    Person {
        id: PersonId(Uuid::from_u128(n)),
        national_id: NationalId::parse(Country::Se, national, &ParseOptions::new(date!(2026 - 01 - 01)))
            .unwrap(),
        given_names: "Tolvan".into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: Some(HsaId::parse(&format!("SE2321000016-{n:04}")).unwrap()),
        email: Some(format!("p{n}@example.org")),
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(Uuid::from_u128(unit)),
            kind: EmploymentKind::Employment,
            start: date!(2020 - 01 - 01),
            end: None,
        }],
        licensed_title: None,
        protected: false,
        name_checked: Some(date!(2026 - 01 - 02)),
    }
}

/// An officer's client: their TLS identity and the key that signs their actions.
pub(crate) struct Officer {
    pub(crate) client: reqwest::Client,
    pub(crate) serial: String,
    pub(crate) dir: tempfile::TempDir,
}

impl Officer {
    /// Signs with `openssl dgst`, as the README shows for curl users.
    pub(crate) fn sign(&self, method: &str, path: &str, key: &str, body: &[u8]) -> String {
        let dir = self.dir.path();
        std::fs::write(dir.join("action.txt"), action_text(method, path, key, body)).unwrap();
        openssl(dir, &["dgst", "-sha256", "-sign", "k.pem", "-out", "action.sig", "action.txt"]);
        let sig =
            base64::engine::general_purpose::STANDARD.encode(std::fs::read(dir.join("action.sig")).unwrap());
        format!("keyid=\"{}\", signature=\"{sig}\"", self.serial)
    }

    pub(crate) async fn post(&self, node: &Node, path: &str, key: &str, body: &Value) -> (u16, Value) {
        let bytes = serde_json::to_vec(body).unwrap();
        let r = self
            .client
            .post(node.url("localhost", path))
            .header("idempotency-key", key)
            .header("tillit-signature", self.sign("POST", path, key, &bytes))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    pub(crate) async fn get(&self, node: &Node, path: &str) -> (u16, Value) {
        let r = self.client.get(node.url("localhost", path)).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

pub(crate) async fn officer(node: &Node, n: u128, roles: &[Role], unit: u128) -> Officer {
    let dir = tempfile::tempdir().unwrap();
    let csr = p256_csr(dir.path(), &format!("officer-{n}"));
    let issued =
        node.state.ca.issue_from_csr(&Actor::system("test"), "ca", "function", &csr, Some(1)).await.unwrap();
    let key = std::fs::read_to_string(dir.path().join("k.pem")).unwrap();
    let me = Person { national_id: officer_national_id(n), ..person(n, HOLDER_ID, "Officer", unit) };
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_person(&me).await.unwrap();
    for (i, role) in roles.iter().enumerate() {
        let grant = Grant {
            id: GrantId(Uuid::from_u128(n * 100 + i as u128)),
            person: me.id,
            role: *role,
            scope: OrgId(Uuid::from_u128(unit)),
        };
        tx.insert_grant(&grant, &json!({})).await.unwrap();
    }
    tx.bind_principal(&issued.serial, me.id).await.unwrap();
    tx.commit().await.unwrap();
    let root = node.root_pem();
    Officer {
        client: node.client(&root, "localhost", Some(&format!("{}{key}", issued.pem))),
        serial: issued.serial,
        dir,
    }
}

/// A valid personnummer for officer `n`.
pub(crate) fn officer_national_id(n: u128) -> NationalId {
    let nine = format!("7502{:02}{:03}", 1 + n % 28, 100 + n % 900);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0') * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    NationalId::parse(
        Country::Se,
        &format!("19{nine}{}", (10 - sum % 10) % 10),
        &ParseOptions::new(date!(2026 - 01 - 01)),
    )
    .unwrap()
}

/// A tiny JPEG header: what the order checks is the media type's signature.
pub(crate) const JPEG: &[u8] =
    &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

pub(crate) fn key() -> String {
    Uuid::new_v4().to_string()
}

pub(crate) fn csr_pem(dir: &Path, name: &str) -> String {
    openssl(
        dir,
        &["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout"]
            .into_iter()
            .chain([
                format!("{name}.key").as_str(),
                "-subj",
                "/CN=card",
                "-out",
                format!("{name}.csr").as_str(),
            ])
            .collect::<Vec<_>>(),
    );
    std::fs::read_to_string(dir.join(format!("{name}.csr"))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sis_card_from_order_basis_to_revocation_with_signed_actions() {
    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    let holder = person(10, HOLDER_ID, "Tolvansson", 2);
    tx.insert_person(&holder).await.unwrap();
    tx.commit().await.unwrap();
    let kra = officer(&node, 20, &[Role::Kra], 2).await;
    let elsewhere = officer(&node, 21, &[Role::Kra], 3).await;
    let h = holder.id;

    // The choice and its reason (R-CARD-2).
    let (status, choice) =
        kra.get(&node, &format!("/api/v1/persons/{h}/card-choice?org={}", OrgId(Uuid::from_u128(2)))).await;
    assert_eq!(status, 200, "{choice}");
    assert_eq!(choice["kind"], "sis", "{choice}");
    assert!(choice["rule"].as_str().unwrap().starts_with("R-CARD-2"), "{choice}");

    // A missing query parameter is problem+json too, naming it.
    let r = kra
        .client
        .get(node.url("localhost", &format!("/api/v1/persons/{h}/card-choice")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.text().await.unwrap().contains("org"));

    // Order basis; a retry with the same key answers the same card, never a second one.
    let path = format!("/api/v1/persons/{h}/cards");
    let body = json!({ "org": OrgId(Uuid::from_u128(2)).to_string(), "kind": "sis" });
    let k = key();
    let (status, card) = kra.post(&node, &path, &k, &body).await;
    assert_eq!(status, 201, "{card}");
    let (again_status, again) = kra.post(&node, &path, &k, &body).await;
    assert_eq!((again_status, &again), (201, &card));
    let (_, cards) = kra.get(&node, &path).await;
    assert_eq!(cards.as_array().unwrap().len(), 1, "{cards}");
    // The same key for another request is refused.
    let (status, p) = kra
        .post(&node, &path, &k, &json!({ "org": OrgId(Uuid::from_u128(2)).to_string(), "kind": "osis" }))
        .await;
    assert_eq!(status, 409, "{p}");
    assert_eq!(p["field"], "Idempotency-Key");
    let card_id = card["id"].as_str().unwrap().to_string();

    // No signature, or a signature by someone else's key: refused, nothing changes.
    let order_path = format!("/api/v1/cards/{card_id}/order");
    let order = json!({
        "holder_present": true,
        "document": { "kind": "passport", "number": "AB1234567" },
        "photo": { "media_type": "image/jpeg", "content": base64::engine::general_purpose::STANDARD.encode(JPEG) },
        "signature_image": { "media_type": "image/jpeg", "content": base64::engine::general_purpose::STANDARD.encode(JPEG) },
    });
    let bytes = serde_json::to_vec(&order).unwrap();
    let r = kra
        .client
        .post(node.url("localhost", &order_path))
        .header("idempotency-key", key())
        .header("content-type", "application/json")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["field"], "Tillit-Signature");
    let k = key();
    let r = kra
        .client
        .post(node.url("localhost", &order_path))
        .header("idempotency-key", &k)
        .header("tillit-signature", elsewhere.sign("POST", &order_path, &k, &bytes))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    let p: Value = r.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("not the caller's own"), "{p}");
    // A signature over another body does not verify.
    let r = kra
        .client
        .post(node.url("localhost", &order_path))
        .header("idempotency-key", &k)
        .header("tillit-signature", kra.sign("POST", &order_path, &k, b"{}"))
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, unchanged) = kra.get(&node, &format!("/api/v1/cards/{card_id}")).await;
    assert_eq!(unchanged["status"], "order_basis");
    assert_eq!(unchanged["version"], 1);
    // The officer of another unit does not see the card at all (R-ORG-1).
    let (status, _) = elsewhere.get(&node, &format!("/api/v1/cards/{card_id}")).await;
    assert_eq!(status, 404);

    let (status, ordered) = kra.post(&node, &order_path, &key(), &order).await;
    assert_eq!(status, 200, "{ordered}");
    assert_eq!(ordered["status"], "ordered");
    assert!(ordered["photo"].as_str().unwrap().starts_with("sha256:"), "{ordered}");

    // The batch and the supplier's file.
    let (status, batch) = kra
        .post(&node, "/api/v1/batches", &key(), &json!({ "cards": [card_id], "reviewed": [card_id] }))
        .await;
    assert_eq!(status, 201, "{batch}");
    let r = kra
        .client
        .get(node.url("localhost", &format!("/api/v1/batches/{}/export", batch["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[0], card_id.as_str());
    assert_eq!(&row[4], "Tolvansson");

    let (status, delivered) = kra
        .post(&node, &format!("/api/v1/cards/{card_id}/delivery"), &key(), &json!({ "serial": "9752000001" }))
        .await;
    assert_eq!(status, 200, "{delivered}");

    // A rule violation answers the rule and changes nothing (R-CARD-3: the PIN letter).
    let hand_out = |pin_letter: bool| {
        json!({
            "holder_present": true,
            "document": { "kind": "passport", "number": "AB1234567" },
            "national_id": HOLDER_ID,
            "given_names": "Tolvan",
            "family_name": "Tolvansson",
            "pin_letter": pin_letter,
            "receipt": "receipt-2026-0001",
        })
    };
    let hand_out_path = format!("/api/v1/cards/{card_id}/hand-out");
    let (status, p) = kra.post(&node, &hand_out_path, &key(), &hand_out(false)).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!((p["rule"].as_str(), p["field"].as_str()), (Some("R-CARD-3"), Some("pin_letter")));
    let (_, unchanged) = kra.get(&node, &format!("/api/v1/cards/{card_id}")).await;
    assert_eq!(unchanged["status"], "delivered");
    let (status, handed) = kra.post(&node, &hand_out_path, &key(), &hand_out(true)).await;
    assert_eq!(status, 200, "{handed}");

    // The credential order and the holder's download (no client certificate: the code).
    let order_key = key();
    let credentials_path = format!("/api/v1/cards/{card_id}/credentials");
    let (status, ordered) =
        kra.post(&node, &credentials_path, &order_key, &json!({ "basis": "hsa_id" })).await;
    assert_eq!(status, 201, "{ordered}");
    let code = ordered["download_code"].as_str().unwrap().to_lowercase();
    // A retry gets the same order, but the code is shown once and never stored.
    let (status, again) = kra.post(&node, &credentials_path, &order_key, &json!({ "basis": "hsa_id" })).await;
    assert_eq!(
        (status, &again["credential"], &again["download_code"]),
        (201, &ordered["credential"], &Value::Null)
    );
    let kept = store
        .remembered(&format!("person:{}", PersonId(Uuid::from_u128(20))), &order_key)
        .await
        .unwrap()
        .unwrap();
    assert!(!kept.response.to_uppercase().contains(&code.to_uppercase()), "{}", kept.response);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let anonymous = node.client(&node.root_pem(), "localhost", None);
    let enrol = json!({
        "code": code,
        "authentication_csr": csr_pem(dir, "auth"),
        "signing_csr": csr_pem(dir, "sign"),
    });
    let enrol_key = key();
    let post_enrol = |body: Value, k: String| {
        let anonymous = anonymous.clone();
        let url = node.url("localhost", "/api/v1/enrolment");
        async move {
            let r = anonymous.post(url).header("idempotency-key", k).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, enrolled) = post_enrol(enrol.clone(), enrol_key.clone()).await;
    assert_eq!(status, 201, "{enrolled}");
    // A retry gets the same certificates; the code does not work a second time.
    let (status, again) = post_enrol(enrol.clone(), enrol_key).await;
    assert_eq!((status, &again), (201, &enrolled));
    let (status, p) = post_enrol(enrol.clone(), key()).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-CRED-4")), "{p}");

    // openssl verifies both certificates to the node's root, and the subject is the
    // directory's, not the request's (R-CRED-5).
    std::fs::write(dir.join("root.pem"), node.root_pem()).unwrap();
    std::fs::write(dir.join("chain.pem"), enrolled["chain"].as_str().unwrap()).unwrap();
    for which in ["authentication", "signing"] {
        std::fs::write(dir.join(format!("{which}.pem")), enrolled[which]["certificate"].as_str().unwrap())
            .unwrap();
        let out = openssl(
            dir,
            &["verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", &format!("{which}.pem")],
        );
        assert!(out.contains(": OK"), "{out}");
        let text = openssl(dir, &["x509", "-in", &format!("{which}.pem"), "-noout", "-subject"]);
        assert!(
            text.contains("Tolvansson") && text.contains("SE2321000016-0010") && !text.contains("CN=card"),
            "{text}"
        );
    }
    let (_, card_now) = kra.get(&node, &format!("/api/v1/cards/{card_id}")).await;
    assert_eq!(card_now["status"], "in_use");

    // OCSP, asked by openssl over HTTP: good.
    let issuing_pem = enrolled["chain"]
        .as_str()
        .unwrap()
        .split_inclusive("-----END CERTIFICATE-----\n")
        .next()
        .unwrap()
        .to_string();
    std::fs::write(dir.join("issuing.pem"), issuing_pem).unwrap();
    let ocsp = |cert: &str| {
        openssl(
            dir,
            &[
                "ocsp",
                "-issuer",
                "issuing.pem",
                "-cert",
                cert,
                "-url",
                &format!("{}/ocsp", node.plain_url()),
                "-CAfile",
                "root.pem",
                "-no_nonce",
            ],
        )
    };
    let said = ocsp("authentication.pem");
    assert!(said.contains("authentication.pem: good"), "{said}");

    // The holder lost the card: the RA revokes (R-REV-1..3), both certificates at once.
    let (status, revoked) = kra
        .post(
            &node,
            "/api/v1/revocations",
            &key(),
            &json!({
                "holder": h.to_string(),
                "requester": "holder",
                "requested_by": h.to_string(),
                "identification": { "method": "in_person", "document": "passport" },
                "reason": "key_compromise",
                "circumstance": "lost",
                "target": { "kind": "card", "card": card_id },
            }),
        )
        .await;
    assert_eq!(status, 201, "{revoked}");
    assert_eq!(revoked["serials"].as_array().unwrap().len(), 2, "{revoked}");
    assert!(revoked["instructions"].to_string().contains("police"), "{revoked}");
    for which in ["authentication.pem", "signing.pem"] {
        let said = ocsp(which);
        assert!(said.contains(": revoked") && said.contains("keyCompromise"), "{said}");
    }
    let (_, card_now) = kra.get(&node, &format!("/api/v1/cards/{card_id}")).await;
    assert_eq!(card_now["status"], "deregistered");

    // The audit log verifies; every officer entry carries a signature that verifies.
    let report = store.verify_audit(&Default::default()).await.unwrap();
    assert!(report.fault.is_none(), "{report:?}");
    let signed = store.signed_entries().await.unwrap();
    assert!(signed.len() >= 8, "{}", signed.len());
    for entry in signed {
        OfficerSignature::from_bytes(&entry.signature)
            .and_then(|s| s.verify())
            .unwrap_or_else(|e| panic!("{}: {e}", entry.action));
    }
    node.shutdown().await;
}

/// Every routine endpoint × every role × (inside / outside the role's subtree): allowed
/// (any answer but 401, 403 or 404) exactly when the role grants the endpoint's permission
/// on the card's unit (R-ORG-1). 0 wrong answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_routine_endpoint_times_every_role_inside_and_outside() {
    use tillit_core::ra::card::{Card, CardEvent, CardKind};
    use tillit_core::ra::role::{Permission, ROLES};
    use tillit_core::ra::CardId;
    use tillit_server::routines::kinds::Kept as _;

    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    let inside = person(10, HOLDER_ID, "Tolvansson", 2);
    let outside = person(11, "19800101-0001", "Tolvberg", 3);
    let mut cards = Vec::new();
    for (n, p) in [(1u128, &inside), (2, &outside)] {
        tx.insert_person(p).await.unwrap();
        let event = CardEvent::OrderBasisCreated {
            card: CardId(Uuid::from_u128(900 + n)),
            person: p.id,
            org: p.employments[0].org,
            kind: CardKind::Sis,
            override_reason: None,
            replaces: vec![],
            on: date!(2026 - 01 - 05),
        };
        let card = Card::created(&event).unwrap();
        let mut record = card.clone().new_record(Some(p.employments[0].org), &Default::default());
        tx.insert_record(&record).await.unwrap();
        record.version = 1;
        // A credential order on it, for the credential endpoints.
        let credential = tillit_core::ra::credential::Credential::created(
            &tillit_core::ra::credential::CredentialEvent::OrderBasisCreated {
                credential: tillit_core::ra::CredentialId(Uuid::from_u128(800 + n)),
                person: p.id,
                card: Some(card.id),
                kind: tillit_core::ra::credential::CredentialKind::CardPair,
                basis: tillit_core::ra::credential::IdBasis::HsaId,
                valid_until: date!(2029 - 01 - 01),
                code_expires: date!(2029 - 01 - 01),
                download_code_ref: "x".into(),
            },
        )
        .unwrap();
        tx.insert_record(&credential.new_record(Some(p.employments[0].org), &Default::default()))
            .await
            .unwrap();
        cards.push(card);
    }
    tx.commit().await.unwrap();

    type Case = (&'static str, String, Option<Value>, &'static [Permission]);
    let cases = |p: &Person, card: &Card| -> Vec<Case> {
        let (pid, cid, unit) = (p.id, card.id, p.employments[0].org);
        vec![
            ("GET", format!("/api/v1/cards/{cid}"), None, &[Permission::ReadPeople]),
            (
                "POST",
                format!("/api/v1/cards/{cid}/move"),
                Some(json!({"to": unit.to_string()})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/credentials/{}/name-mismatch", Uuid::from_u128(800 + cid.0.as_u128() - 900)),
                Some(json!({"resolution": "correct_directory"})),
                &[Permission::ReadPeople, Permission::OrderCredentials],
            ),
            ("GET", format!("/api/v1/persons/{pid}/cards"), None, &[Permission::ReadPeople]),
            ("GET", format!("/api/v1/persons/{pid}/credentials"), None, &[Permission::ReadPeople]),
            (
                "GET",
                format!("/api/v1/persons/{pid}/card-choice?org={unit}"),
                None,
                &[Permission::ReadPeople, Permission::OrderCards],
            ),
            (
                "POST",
                format!("/api/v1/persons/{pid}/cards"),
                Some(json!({"org": unit.to_string(), "kind": "sis"})),
                &[Permission::ReadPeople, Permission::OrderCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/order"),
                Some(json!({"holder_present": true, "document": {"kind": "passport", "number": "X1"}})),
                &[Permission::ReadPeople, Permission::OrderCards],
            ),
            (
                "POST",
                "/api/v1/batches".to_string(),
                Some(json!({"cards": [cid.to_string()], "reviewed": []})),
                &[Permission::ReadPeople, Permission::OrderCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/delivery"),
                Some(json!({"serial": "1"})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/hand-out"),
                Some(
                    json!({"holder_present": true, "document": {"kind": "passport", "number": "X1"}, "national_id": HOLDER_ID, "given_names": "T", "family_name": "T", "pin_letter": true, "receipt": "r"}),
                ),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/deregistration"),
                Some(json!({"reason": "damaged"})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                "/api/v1/persons".to_string(),
                Some(
                    json!({"national_id": officer_national_id(999).to_string(), "given_names": "Ny", "family_name": "Person", "unit": unit.to_string(), "start": "2026-01-01"}),
                ),
                &[Permission::ManagePeople],
            ),
            (
                "POST",
                format!("/api/v1/persons/{pid}/function-credentials"),
                Some(json!({"org": unit.to_string()})),
                &[Permission::ReadPeople, Permission::OrderCredentials],
            ),
            (
                "POST",
                format!("/api/v1/persons/{pid}/roles"),
                Some(json!({"role": "ora", "scope": unit.to_string()})),
                &[Permission::ReadPeople, Permission::GrantRoles],
            ),
            (
                "POST",
                format!("/api/v1/persons/{pid}/enrolment-links"),
                Some(json!({})),
                &[Permission::ReadPeople, Permission::GrantRoles],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/claim"),
                Some(json!({"form": "claim-1"})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/return"),
                Some(json!({"to": {"kind": "ra"}, "reason": "left_employment"})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/destruction"),
                Some(json!({})),
                &[Permission::ReadPeople, Permission::HandleCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{cid}/credentials"),
                Some(json!({"basis": "hsa_id"})),
                &[Permission::ReadPeople, Permission::OrderCredentials],
            ),
            (
                "POST",
                "/api/v1/revocations".to_string(),
                Some(
                    json!({"holder": pid.to_string(), "requester": "ra", "requested_by": pid.to_string(), "identification": {"method": "signed_in"}, "reason": "unspecified", "circumstance": "ordinary", "target": {"kind": "credentials", "ids": []}}),
                ),
                &[Permission::ReadPeople, Permission::Revoke],
            ),
        ]
    };
    let mut wrong = Vec::new();
    let mut asked = 0;
    for (i, role) in ROLES.into_iter().enumerate() {
        let o = officer(&node, 100 + i as u128, &[role], 2).await;
        for (side, p, card) in [("inside", &inside, &cards[0]), ("outside", &outside, &cards[1])] {
            for (method, path, body, needs) in cases(p, card) {
                let (status, answer) = match &body {
                    Some(b) => o.post(&node, &path, &key(), b).await,
                    None => o.get(&node, &path).await,
                };
                asked += 1;
                let granted = needs.iter().all(|n| role.permissions().contains(n))
                    || (path.ends_with("/revocations")
                        && role.permissions().contains(&Permission::ReadPeople)
                        && role.permissions().contains(&Permission::RequestRevocation));
                let expected = side == "inside" && granted;
                let allowed = !matches!(status, 401 | 403 | 404);
                if allowed != expected {
                    wrong.push(format!("{} {method} {path} ({side}): {status} {answer}", role.as_str()));
                }
            }
        }
    }
    assert!(asked >= 12 * 2 * 20, "{asked}");
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    node.shutdown().await;
}

/// Protected identities (R-PER-3) in the card routines: an officer without KUR cannot order
/// for, or export the card file of, a protected person, and no answer to them holds the
/// person's name or address; an officer with KUR in the same unit can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_person_is_never_shown_to_an_officer_without_kur() {
    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&o).await.unwrap();
    }
    let mut hidden = person(10, HOLDER_ID, "Hemligsson", 2);
    hidden.given_names = "Skyddad".into();
    hidden.protected = true;
    tx.insert_person(&hidden).await.unwrap();
    tx.commit().await.unwrap();
    let plain = officer(&node, 20, &[Role::Kra], 2).await;
    let kur = officer(&node, 21, &[Role::Kra, Role::Kur], 2).await;
    let h = hidden.id;
    let unit = OrgId(Uuid::from_u128(2)).to_string();
    let mut seen = Vec::new();

    let (status, p) = plain.get(&node, &format!("/api/v1/persons/{h}/card-choice?org={unit}")).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    seen.push(p);
    let (status, p) = plain
        .post(&node, &format!("/api/v1/persons/{h}/cards"), &key(), &json!({"org": unit, "kind": "sis"}))
        .await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    seen.push(p);

    let (status, card) = kur
        .post(&node, &format!("/api/v1/persons/{h}/cards"), &key(), &json!({"org": unit, "kind": "sis"}))
        .await;
    assert_eq!(status, 201, "{card}");
    let c = card["id"].as_str().unwrap().to_string();
    let jpeg = base64::engine::general_purpose::STANDARD.encode(JPEG);
    let order = json!({"holder_present": true, "document": {"kind": "passport", "number": "AB1"},
        "photo": {"media_type": "image/jpeg", "content": jpeg}, "signature_image": {"media_type": "image/jpeg", "content": jpeg}});
    let (status, p) = plain.post(&node, &format!("/api/v1/cards/{c}/order"), &key(), &order).await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    seen.push(p);
    let (status, _) = kur.post(&node, &format!("/api/v1/cards/{c}/order"), &key(), &order).await;
    assert_eq!(status, 200);
    let (status, batch) =
        kur.post(&node, "/api/v1/batches", &key(), &json!({"cards": [c], "reviewed": [c]})).await;
    assert_eq!(status, 201, "{batch}");
    let export = format!("/api/v1/batches/{}/export", batch["id"].as_str().unwrap());
    let r = plain.client.get(node.url("localhost", &export)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    seen.push(Value::String(r.text().await.unwrap()));
    let r = kur.client.get(node.url("localhost", &export)).send().await.unwrap();
    assert!(
        r.text().await.unwrap().contains("Hemligsson"),
        "the KUR officer exports the name the supplier prints"
    );
    for path in
        [format!("/api/v1/cards/{c}"), format!("/api/v1/persons/{h}/cards"), format!("/api/v1/persons/{h}")]
    {
        let (status, p) = plain.get(&node, &path).await;
        assert_eq!(status, 200, "{path}: {p}");
        seen.push(p);
    }
    for answer in seen {
        let text = answer.to_string();
        assert!(!text.contains("Hemligsson") && !text.contains("Skyddad"), "{text}");
    }
    node.shutdown().await;
}

/// Role administration over the API (R-ORG-2..4): an RA administrator grants CRA/KRA with
/// the training and a specimen approved by the security officer, the grant takes effect at
/// the next request, nobody approves their own specimen, and removal needs the specimen too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_granted_and_removed_over_the_api() {
    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&o).await.unwrap();
    }
    tx.commit().await.unwrap();
    let admin = officer(&node, 30, &[Role::Ra], 1).await;
    let security = officer(&node, 31, &[Role::SecurityOfficer], 1).await;
    let candidate = officer(&node, 32, &[], 2).await;
    let (sec, cand) = (PersonId(Uuid::from_u128(31)), PersonId(Uuid::from_u128(32)));
    let unit = OrgId(Uuid::from_u128(2)).to_string();
    let kra = |approved_by: PersonId| {
        json!({"role": "kra", "scope": unit,
               "training": {"course": "KRA-grund", "completed": "2026-01-05"},
               "specimen": {"reference": "ARK-7", "signed_by": "Kommundirektören",
                            "approved_by": approved_by.to_string(), "approved_on": "2026-01-06"}})
    };
    let choice = format!("/api/v1/persons/{cand}/card-choice?org={unit}");
    let roles = format!("/api/v1/persons/{cand}/roles");
    // Before: the candidate may not order cards (no role at all: not even read).
    let (status, _) = candidate.get(&node, &choice).await;
    assert!(matches!(status, 403 | 404), "{status}");
    // Without a specimen, or one approved by someone who is not a security officer: refused.
    let (status, p) = admin.post(&node, &roles, &key(), &json!({"role": "kra", "scope": unit})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-ORG-3")), "{p}");
    let (status, p) = admin.post(&node, &roles, &key(), &kra(cand)).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("specimen.approved_by")), "{p}");
    // The security officer cannot grant (no grant_roles), nor approve their own specimen.
    let (status, _) = security.post(&node, &roles, &key(), &kra(sec)).await;
    assert_eq!(status, 403);
    let (status, p) = admin.post(&node, &format!("/api/v1/persons/{sec}/roles"), &key(), &kra(sec)).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("specimen.approved_by")), "{p}");
    let (status, granted) = admin.post(&node, &roles, &key(), &kra(sec)).await;
    assert_eq!(status, 201, "{granted}");
    // In force at the next request (R-ORG-4).
    let (status, p) = candidate.get(&node, &choice).await;
    assert_eq!(status, 200, "{p}");
    let removal = format!("/api/v1/roles/{}/removal", granted["id"].as_str().unwrap());
    let (status, p) = admin.post(&node, &removal, &key(), &json!({"reason": "slutar"})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-ORG-3")), "{p}");
    let specimen = kra(sec)["specimen"].clone();
    let (status, p) =
        admin.post(&node, &removal, &key(), &json!({"reason": "slutar", "specimen": specimen})).await;
    assert_eq!(status, 200, "{p}");
    let (status, _) = candidate.get(&node, &choice).await;
    assert!(matches!(status, 403 | 404), "{status}");
    node.shutdown().await;
}

/// Passkey enrolment links for the portal: made by an administrator of the officer's unit for
/// a person who holds a role; the token is in the first answer only (a retry gets the answer
/// without it), only its hash is stored, and the making is in the audit log with the
/// administrator's signature; a lifetime outside 1..168 hours is refused naming the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolment_link_is_made_for_an_officer_and_its_token_shown_once() {
    use tillit_server::routines::officers::{token_hash, LINK_CREATED};

    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&o).await.unwrap();
    }
    tx.commit().await.unwrap();
    let admin = officer(&node, 40, &[Role::Ra], 1).await;
    let _lra = officer(&node, 41, &[Role::Lra], 2).await;
    let _nobody = officer(&node, 42, &[], 2).await;
    let lra = PersonId(Uuid::from_u128(41));
    let path = format!("/api/v1/persons/{lra}/enrolment-links");

    let (status, p) = admin.post(&node, &path, &key(), &json!({"hours": 0})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("hours")), "{p}");
    let (status, p) = admin.post(&node, &path, &key(), &json!({"hours": 169})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("hours")), "{p}");
    let (status, p) = admin
        .post(&node, &format!("/api/v1/persons/{}/enrolment-links", Uuid::from_u128(42)), &key(), &json!({}))
        .await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-ORG-1")), "{p}");

    let k = key();
    let (status, made) = admin.post(&node, &path, &k, &json!({"hours": 2})).await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);
    assert_eq!(made["path"].as_str().unwrap(), format!("/enrol/{token}"));
    assert_eq!(made["person"].as_str().unwrap(), lra.to_string());
    // A retry: the same link, without its token.
    let (status, again) = admin.post(&node, &path, &k, &json!({"hours": 2})).await;
    assert_eq!(status, 201, "{again}");
    assert!(again.get("token").is_none() && again.get("path").is_none(), "{again}");
    assert_eq!(again["expires"], made["expires"]);

    let link = store.enrolment_link(&token_hash(&token)).await.unwrap().unwrap();
    assert_eq!(link.person, lra.to_string());
    assert_eq!(link.created_by, format!("officer:{}", Uuid::from_u128(40)));
    let hours = (link.expires_us - link.created_us) / 3_600_000_000;
    assert_eq!(hours, 2);
    let entries = store.entries_with_actions(&[LINK_CREATED]).await.unwrap();
    assert_eq!(entries.len(), 1, "one link made, the retry recorded nothing");
    assert_eq!(entries[0].payload["token_sha256"].as_str().unwrap(), token_hash(&token));
    assert!(!entries[0].payload.to_string().contains(&token));
    let signed = store.signed_entries().await.unwrap();
    assert!(signed.iter().any(|e| e.action == LINK_CREATED), "signed by the administrator");
    node.shutdown().await;
}

/// Registering a person by hand (R-PER-1..3): an HSA-id from the organisation's sequence, a
/// second registration of the national id refused, a protected identity only with KUR.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_is_registered_by_hand() {
    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    let mut top = org(1, None, OrgKind::Organisation);
    top.org_number = Some(tillit_core::id::OrgNumber::parse(Country::Se, "212000-0142").unwrap());
    for o in [top, org(2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&o).await.unwrap();
    }
    tx.commit().await.unwrap();
    let hsa = officer(&node, 40, &[Role::HsaAdmin], 2).await;
    let unit = OrgId(Uuid::from_u128(2)).to_string();
    let body = |protected: bool| {
        json!({"national_id": "19121212-1212", "given_names": "Tolvan", "family_name": "Tolvansson",
               "unit": unit, "kind": "assignment", "start": "2026-01-01", "protected": protected,
               "name_checked": "2026-01-02"})
    };
    let (status, p) = hsa.post(&node, "/api/v1/persons", &key(), &body(true)).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-PER-3")), "{p}");
    assert!(!p.to_string().contains("Tolv"), "{p}");
    let (status, registered) = hsa.post(&node, "/api/v1/persons", &key(), &body(false)).await;
    assert_eq!(status, 201, "{registered}");
    assert!(registered["hsa_id"].as_str().unwrap().starts_with("SE2120000142-"), "{registered}");
    let (status, p) = hsa.post(&node, "/api/v1/persons", &key(), &body(false)).await;
    assert_eq!((status, p["field"].as_str()), (409, Some("national_id")), "{p}");
    let bad = json!({"national_id": "19121212-1213", "given_names": "T", "family_name": "T", "unit": unit, "start": "2026-01-01"});
    let (status, p) = hsa.post(&node, "/api/v1/persons", &key(), &bad).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("national_id")), "{p}");
    let (_, view) = hsa.get(&node, &format!("/api/v1/persons/{}", registered["id"].as_str().unwrap())).await;
    assert_eq!(view["secured"], true, "{view}");
    node.shutdown().await;
}

/// A function certificate (R-CRED-7): ordered with a responsible person, downloaded once by
/// the system with one request, verified by openssl, a client and server certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_certificate_is_ordered_and_downloaded() {
    let node = start().await;
    let store = &node.state.store;
    let mut tx = store.begin().await.unwrap();
    for o in [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit)] {
        tx.insert_org(&o).await.unwrap();
    }
    let responsible = person(10, HOLDER_ID, "Tolvansson", 2);
    tx.insert_person(&responsible).await.unwrap();
    tx.commit().await.unwrap();
    let lra = officer(&node, 20, &[Role::Lra], 2).await;
    let unit = OrgId(Uuid::from_u128(2)).to_string();
    let (status, ordered) = lra
        .post(
            &node,
            &format!("/api/v1/persons/{}/function-credentials", responsible.id),
            &key(),
            &json!({"org": unit}),
        )
        .await;
    assert_eq!(status, 201, "{ordered}");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "s.key",
        ]
        .into_iter()
        .chain(["-subj", "/CN=lonesystem.example.org", "-out", "s.csr"])
        .collect::<Vec<_>>(),
    );
    let body =
        json!({"code": ordered["download_code"], "csr": std::fs::read_to_string(dir.join("s.csr")).unwrap()});
    let anonymous = node.client(&node.root_pem(), "localhost", None);
    let post = |k: String| {
        let (anonymous, body, url) =
            (anonymous.clone(), body.clone(), node.url("localhost", "/api/v1/enrolment/function"));
        async move {
            let r = anonymous.post(url).header("idempotency-key", k).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, issued) = post(key()).await;
    assert_eq!(status, 201, "{issued}");
    std::fs::write(dir.join("root.pem"), node.root_pem()).unwrap();
    std::fs::write(dir.join("chain.pem"), issued["chain"].as_str().unwrap()).unwrap();
    std::fs::write(dir.join("f.pem"), issued["certificate"]["certificate"].as_str().unwrap()).unwrap();
    let out = openssl(
        dir,
        &["verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", "-purpose", "sslclient", "f.pem"],
    );
    assert!(out.contains(": OK"), "{out}");
    let text = openssl(dir, &["x509", "-in", "f.pem", "-noout", "-subject", "-ext", "subjectAltName"]);
    assert!(text.contains("lonesystem.example.org"), "{text}");
    let (status, p) = post(key()).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-CRED-4")), "{p}");
    let (_, creds) = lra.get(&node, &format!("/api/v1/persons/{}/credentials", responsible.id)).await;
    assert_eq!(creds[0]["state"]["state"], "issued", "{creds}");
    assert_eq!(creds[0]["kind"], "function", "{creds}");
    node.shutdown().await;
}

/// A name mismatch (R-PER-4): after the holder's name changes in the directory, the officer
/// orders a new credential to the same card; the old pair is revoked as superseded in the
/// same transaction. Names that agree are not a mismatch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_mismatch_is_resolved_by_a_new_credential_on_the_same_card() {
    use tillit_core::ra::card::{BatchId, Card, CardEvent, CardKind};
    use tillit_core::ra::proofing::SeDocument;
    use tillit_core::ra::CardId;
    use tillit_server::routines::kinds::Kept as _;

    let node = start().await;
    let store = &node.state.store;
    let today = time::OffsetDateTime::now_utc().date();
    let mut tx = store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    let holder = person(10, HOLDER_ID, "Tolvansson", 2);
    tx.insert_person(&holder).await.unwrap();
    let card_id = CardId(Uuid::from_u128(77));
    let unit = OrgId(Uuid::from_u128(2));
    let mut card = Card::created(&CardEvent::OrderBasisCreated {
        card: card_id,
        person: holder.id,
        org: unit,
        kind: CardKind::Sis,
        override_reason: None,
        replaces: vec![],
        on: today,
    })
    .unwrap();
    for e in [
        CardEvent::Ordered {
            card: card_id,
            officer: holder.id,
            document: SeDocument::Passport,
            document_number: "X".into(),
            photo: None,
            signature_image: None,
            on: today,
        },
        CardEvent::Sent { card: card_id, batch: BatchId(Uuid::from_u128(5)), on: today },
        CardEvent::Delivered {
            card: card_id,
            serial: "1".into(),
            valid_until: date!(2030 - 01 - 01),
            pin_letter_expected: today,
            collect_by: today,
            on: today,
        },
        CardEvent::HandedOut {
            card: card_id,
            officer: holder.id,
            document: SeDocument::Passport,
            document_number: "X".into(),
            receipt: "r".into(),
            on: today,
        },
    ] {
        card.apply(&e);
    }
    tx.insert_record(&card.new_record(Some(unit), &Default::default())).await.unwrap();
    tx.commit().await.unwrap();
    let kra = officer(&node, 20, &[Role::Kra], 1).await;

    let (status, ordered) = kra
        .post(&node, &format!("/api/v1/cards/{card_id}/credentials"), &key(), &json!({"basis": "hsa_id"}))
        .await;
    assert_eq!(status, 201, "{ordered}");
    let tmp = tempfile::tempdir().unwrap();
    let body = json!({"code": ordered["download_code"], "authentication_csr": csr_pem(tmp.path(), "a"),
                      "signing_csr": csr_pem(tmp.path(), "s")});
    let anonymous = node.client(&node.root_pem(), "localhost", None);
    let r = anonymous
        .post(node.url("localhost", "/api/v1/enrolment"))
        .header("idempotency-key", key())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let enrolled: Value = r.json().await.unwrap();
    let old = enrolled["credential"].as_str().unwrap().to_string();
    let path = format!("/api/v1/credentials/{old}/name-mismatch");

    // A move (R-CARD-7): only to a unit the holder works in; within the organisation and
    // with the same name, the credentials still hold.
    let move_to = |n: u128| json!({"to": OrgId(Uuid::from_u128(n)).to_string()});
    let (status, p) = kra.post(&node, &format!("/api/v1/cards/{card_id}/move"), &key(), &move_to(3)).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("to")), "{p}");
    let mut moved_holder = holder.clone();
    moved_holder.employments.push(tillit_core::ra::person::Employment {
        org: OrgId(Uuid::from_u128(3)),
        kind: EmploymentKind::Employment,
        start: date!(2026 - 01 - 01),
        end: None,
    });
    let mut tx = store.begin().await.unwrap();
    tx.update_person(&moved_holder).await.unwrap();
    tx.commit().await.unwrap();
    let (status, moved) =
        kra.post(&node, &format!("/api/v1/cards/{card_id}/move"), &key(), &move_to(3)).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["card"]["org"], OrgId(Uuid::from_u128(3)).to_string(), "{moved}");
    assert_eq!(moved["content_changed"], json!([]), "{moved}");
    let holder = moved_holder;

    // The names agree: nothing to resolve.
    let (status, p) = kra.post(&node, &path, &key(), &json!({"resolution": "correct_directory"})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-PER-4")), "{p}");
    // The holder marries: the directory says Tolvberg now.
    let mut renamed = holder.clone();
    renamed.family_name = "Tolvberg".into();
    let mut tx = store.begin().await.unwrap();
    tx.update_person(&renamed).await.unwrap();
    tx.commit().await.unwrap();
    let (status, resolved) =
        kra.post(&node, &path, &key(), &json!({"resolution": "reissue_to_same_card"})).await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["revoked"].as_array().unwrap().len(), 2, "{resolved}");
    for which in ["authentication", "signing"] {
        let serial = enrolled[which]["serial"].as_str().unwrap();
        assert!(store.certificate_status(serial).await.unwrap().unwrap().revoked_us.is_some());
    }
    assert!(resolved["download_code"].as_str().is_some());
    // The old credential is revoked: nothing more to resolve on it.
    let (status, _) = kra.post(&node, &path, &key(), &json!({"resolution": "replace_card"})).await;
    assert_eq!(status, 422);
    node.shutdown().await;
}
