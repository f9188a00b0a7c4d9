//! The reserve-card and PUK routines over HTTPS (R-RES-1..3, R-RES-5, R-CARD-9, R-CRED-2,
//! R-CRED-4): a bundle ordered and received into the safe with the low-stock warning, a
//! level-3 hand-out co-signed by a second KRA officer, the credential on the reserve card
//! (at most 180 days, checked with `openssl x509 -enddate`) downloaded with the holder's
//! signed receipt, reuse by the same person only, deregistration revoking the credentials;
//! a PUK order charged to the holder's unit and its letter sent and delivered. Every rule
//! violation answers its rule id and changes nothing; and the authorisation matrix over
//! these endpoints × every role × inside/outside has 0 wrong answers (R-ORG-1).

use serde_json::{json, Value};
use tillit_core::ra::org::OrgKind;
use tillit_core::ra::person::{Address, Person};
use tillit_core::ra::role::Role;
use tillit_core::ra::OrgId;
use tillit_server::routines::passkey::OfficerSignature;
use time::{Date, Duration};
use uuid::Uuid;

use super::openssl;
use super::routines::{csr_pem, key, officer, officer_national_id, org, person, Officer, HOLDER_ID, JPEG};
use super::tls::{start, Node};

fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

fn unit(n: u128) -> String {
    OrgId(Uuid::from_u128(n)).to_string()
}

fn address() -> Address {
    Address {
        lines: vec!["Storgatan 1".into()],
        postal_code: "111 22".into(),
        town: "Stockholm".into(),
        country: "SE".into(),
    }
}

/// The tree (organisation 1, units 2 and 3) and the people of the tests: the holder and
/// another person in unit 2, both with a registered address.
async fn directory(node: &Node) -> (Person, Person) {
    let mut tx = node.state.store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    let holder = Person { address: Some(address()), ..person(10, HOLDER_ID, "Tolvansson", 2) };
    let other = Person {
        national_id: officer_national_id(11),
        address: Some(address()),
        ..person(11, HOLDER_ID, "Elvasson", 2)
    };
    tx.insert_person(&holder).await.unwrap();
    tx.insert_person(&other).await.unwrap();
    tx.commit().await.unwrap();
    (holder, other)
}

/// A POST signed by `first` and co-signed by `second` over the same action (R-RES-5); with
/// `co_body` the second signature is made over another body.
async fn post_co_signed(
    node: &Node,
    first: &Officer,
    second: &Officer,
    path: &str,
    body: &Value,
    co_body: Option<&[u8]>,
) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let k = key();
    let r = first
        .client
        .post(node.url("localhost", path))
        .header("idempotency-key", &k)
        .header("tillit-signature", first.sign("POST", path, &k, &bytes))
        .header("tillit-co-signature", second.sign("POST", path, &k, co_body.unwrap_or(&bytes)))
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Asserts a refusal naming `rule` and `field`.
fn refused(answer: (u16, Value), rule: &str, field: Option<&str>) {
    let (status, p) = answer;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["rule"].as_str(), Some(rule), "{p}");
    if let Some(field) = field {
        assert_eq!(p["field"].as_str(), Some(field), "{p}");
    }
}

/// The last day of a PEM certificate, as `openssl x509 -enddate` says it.
fn end_date(dir: &std::path::Path, pem: &str) -> Date {
    std::fs::write(dir.join("end.pem"), pem).unwrap();
    let out = openssl(dir, &["x509", "-in", "end.pem", "-noout", "-enddate"]);
    // notAfter=May 23 23:59:59 2027 GMT
    let words: Vec<&str> = out.trim().trim_start_matches("notAfter=").split_whitespace().collect();
    let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        .iter()
        .position(|m| *m == words[0])
        .unwrap();
    Date::from_calendar_date(
        words[3].parse().unwrap(),
        time::Month::try_from(month as u8 + 1).unwrap(),
        words[1].parse().unwrap(),
    )
    .unwrap()
}

async fn enrol(node: &Node, code: &str, receipt: Option<&str>) -> (u16, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let mut body = json!({
        "code": code,
        "authentication_csr": csr_pem(tmp.path(), "auth"),
        "signing_csr": csr_pem(tmp.path(), "sign"),
    });
    if let Some(receipt) = receipt {
        body["receipt"] = json!(receipt);
    }
    let anonymous = node.client(&node.root_pem(), "localhost", None);
    let r = anonymous
        .post(node.url("localhost", "/api/v1/enrolment"))
        .header("idempotency-key", key())
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserve_card_from_bundle_to_deregistration() {
    let node = start().await;
    let (holder, other) = directory(&node).await;
    let kra = officer(&node, 20, &[Role::Kra], 2).await;
    let second_kra = officer(&node, 21, &[Role::Kra], 2).await;
    let lra = officer(&node, 22, &[Role::Lra], 2).await;
    let elsewhere = officer(&node, 23, &[Role::Kra], 3).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let stock_path = format!("/api/v1/reserve/stock?org={}", unit(2));

    // R-RES-1: a bundle of five, ordered for unit 2's safe; a retry answers the same bundle.
    let order = json!({ "org": unit(2), "serials": { "first": 5_000_001u64, "last": 5_000_005u64 } });
    let k = key();
    let (status, bundle) = kra.post(&node, "/api/v1/reserve/bundles", &k, &order).await;
    assert_eq!(status, 201, "{bundle}");
    assert_eq!(bundle["status"], "ordered");
    assert_eq!(kra.post(&node, "/api/v1/reserve/bundles", &k, &order).await, (201, bundle.clone()));
    // Overlapping serial numbers: refused, nothing ordered.
    let overlap = json!({ "org": unit(2), "serials": { "first": 5_000_005u64, "last": 5_000_009u64 } });
    refused(kra.post(&node, "/api/v1/reserve/bundles", &key(), &overlap).await, "R-RES-1", Some("serials"));
    // Another unit's safe is not the officer's (R-ORG-1).
    let (status, p) = kra
        .post(
            &node,
            "/api/v1/reserve/bundles",
            &key(),
            &json!({ "org": unit(3), "serials": { "first": 1, "last": 2 } }),
        )
        .await;
    assert_eq!(status, 403, "{p}");
    let (status, stock) = kra.get(&node, &stock_path).await;
    assert_eq!(status, 200, "{stock}");
    assert_eq!((stock["in_stock"].as_u64(), stock["on_order"].as_u64()), (Some(0), Some(5)), "{stock}");
    assert_eq!(stock["low"], true);
    let (status, _) = elsewhere.get(&node, &stock_path).await;
    assert_eq!(status, 403);

    // Received: five cards stocked, the one whose PIN letter shows signs of opening
    // discarded at once (R-RES-2); four left, below the threshold of 10: the warning.
    let bundle_id = bundle["id"].as_str().unwrap();
    let receipt_path = format!("/api/v1/reserve/bundles/{bundle_id}/receipt");
    let (status, p) = elsewhere.post(&node, &receipt_path, &key(), &json!({})).await;
    assert_eq!(status, 404, "{p}");
    refused(
        kra.post(&node, &receipt_path, &key(), &json!({ "opened_letters": [4_000_000u64] })).await,
        "R-RES-1",
        Some("opened_letters"),
    );
    let (status, received) =
        kra.post(&node, &receipt_path, &key(), &json!({ "opened_letters": [5_000_005u64] })).await;
    assert_eq!(status, 200, "{received}");
    let cards: Vec<String> =
        received["cards"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    assert_eq!(cards.len(), 5);
    assert_eq!(received["stock"]["in_stock"], 4, "{received}");
    assert_eq!(received["stock"]["on_order"], 0, "{received}");
    assert!(received["stock"]["warning"].as_str().unwrap().contains("R-RES-1"), "{received}");
    let (_, discarded) = kra.get(&node, &format!("/api/v1/reserve/cards/{}", cards[4])).await;
    assert_eq!(discarded["status"], "discarded", "{discarded}");
    // A second receipt of the same bundle changes nothing.
    let (status, p) = kra.post(&node, &receipt_path, &key(), &json!({})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (_, stock) = kra.get(&node, &stock_path).await;
    assert_eq!((stock["in_stock"].as_u64(), stock["low"].as_bool()), (Some(4), Some(true)), "{stock}");
    assert!(stock["warning"].as_str().unwrap().contains("fewer than the threshold of 10"), "{stock}");

    // A damaged card is discarded (R-RES-2): the stock it left is in the answer.
    let (status, d) = kra
        .post(
            &node,
            &format!("/api/v1/reserve/cards/{}/discard", cards[3]),
            &key(),
            &json!({ "reason": "damaged" }),
        )
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!((d["status"].as_str(), d["stock"]["in_stock"].as_u64()), (Some("discarded"), Some(3)), "{d}");

    // The hand-out, in the same visit as the credential order (R-RES-2, R-RES-5).
    let card = &cards[0];
    let card_path = format!("/api/v1/reserve/cards/{card}");
    let hand_out_path = format!("{card_path}/hand-out");
    let hand_out = |patch: Value| {
        let mut body = json!({
            "person": holder.id.to_string(),
            "unit": unit(2),
            "holder_present": true,
            "document": { "kind": "passport", "number": "AB1234567" },
            "pin_letter_unopened": true,
            "receipt": "paper-receipt-2026-0007",
            "trust_level": "level3",
        });
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    refused(
        post_co_signed(
            &node,
            &kra,
            &second_kra,
            &hand_out_path,
            &hand_out(json!({"pin_letter_unopened": false})),
            None,
        )
        .await,
        "R-RES-2",
        Some("pin_letter_unopened"),
    );
    refused(
        post_co_signed(
            &node,
            &kra,
            &second_kra,
            &hand_out_path,
            &hand_out(json!({"credential_until": (today() + Duration::days(181)).to_string()})),
            None,
        )
        .await,
        "R-RES-2",
        Some("credential_until"),
    );
    // Level 3 with one officer, or with a second officer who is not KRA: R-RES-5.
    refused(kra.post(&node, &hand_out_path, &key(), &hand_out(json!({}))).await, "R-RES-5", Some("officers"));
    refused(
        post_co_signed(&node, &kra, &lra, &hand_out_path, &hand_out(json!({})), None).await,
        "R-RES-5",
        Some("officers"),
    );
    // A co-signature over another body does not verify.
    let (status, p) =
        post_co_signed(&node, &kra, &second_kra, &hand_out_path, &hand_out(json!({})), Some(b"{}")).await;
    assert_eq!((status, p["field"].as_str()), (403, Some("Tillit-Co-Signature")), "{p}");
    let (_, unchanged) = kra.get(&node, &card_path).await;
    assert_eq!((unchanged["status"].as_str(), unchanged["version"].as_i64()), (Some("in_stock"), Some(1)));
    let (status, handed) =
        post_co_signed(&node, &kra, &second_kra, &hand_out_path, &hand_out(json!({})), None).await;
    assert_eq!(status, 200, "{handed}");
    assert_eq!(handed["status"], "handed_out");
    assert_eq!(handed["holder"], holder.id.to_string());
    assert_eq!(handed["trust_level"], "level3");
    assert_eq!(handed["stock"]["in_stock"], 2, "{handed}");
    assert_eq!(handed["stock"]["low"], true, "{handed}");
    let until = handed["credential_until"].as_str().unwrap().to_string();
    assert!(until <= (today() + Duration::days(180)).to_string(), "{handed}");
    // Another unit's officer does not see it (R-ORG-1).
    assert_eq!(elsewhere.get(&node, &card_path).await.0, 404);

    // A protected person is handed a card only by officers with KUR (R-PER-3, R-RES-5): 403
    // for the officer without it; the refusal names no one and the card stays in the safe.
    let protected = Person {
        national_id: officer_national_id(12),
        family_name: "Skyddadsson".into(),
        protected: true,
        ..person(12, HOLDER_ID, "Skyddadsson", 2)
    };
    let mut tx = node.state.store.begin().await.unwrap();
    tx.insert_person(&protected).await.unwrap();
    tx.commit().await.unwrap();
    let third = format!("/api/v1/reserve/cards/{}", cards[2]);
    let (status, p) = kra
        .post(
            &node,
            &format!("{third}/hand-out"),
            &key(),
            &hand_out(json!({"person": protected.id.to_string(), "trust_level": "level2"})),
        )
        .await;
    assert_eq!((status, p["rule"].as_str()), (403, Some("R-PER-3")), "{p}");
    assert!(!p.to_string().contains("Skyddadsson"), "{p}");
    assert_eq!(kra.get(&node, &third).await.1["status"], "in_stock");

    // The credential order on the reserve card (R-CRED-2: at most 180 days, within what the
    // hand-out recorded).
    let credentials_path = format!("/api/v1/cards/{card}/credentials");
    refused(
        kra.post(
            &node,
            &credentials_path,
            &key(),
            &json!({ "basis": "hsa_id", "valid_until": (today() + Duration::days(200)).to_string() }),
        )
        .await,
        "R-CRED-2",
        Some("valid_until"),
    );
    let (status, ordered) = kra.post(&node, &credentials_path, &key(), &json!({ "basis": "hsa_id" })).await;
    assert_eq!(status, 201, "{ordered}");
    assert_eq!(ordered["valid_until"].as_str(), Some(until.as_str()), "{ordered}");
    let code = ordered["download_code"].as_str().unwrap().to_string();

    // The download needs the holder's signed receipt on a reserve card (R-CRED-4); without
    // it nothing is issued and the code still works.
    let (status, p) = enrol(&node, &code, None).await;
    assert_eq!(
        (status, p["rule"].as_str(), p["field"].as_str()),
        (422, Some("R-CRED-4"), Some("receipt")),
        "{p}"
    );
    let (status, enrolled) = enrol(&node, &code, Some("e-receipt:signed-by-holder-0001")).await;
    assert_eq!(status, 201, "{enrolled}");
    let last = today() + Duration::days(180);
    for which in ["authentication", "signing"] {
        let end = end_date(dir, enrolled[which]["certificate"].as_str().unwrap());
        assert!(end <= last && end > today(), "{which} ends {end}, after {last}");
        assert_eq!(end.to_string(), until, "{which}");
    }
    let first_serials: Vec<String> = ["authentication", "signing"]
        .iter()
        .map(|w| enrolled[w]["serial"].as_str().unwrap().to_string())
        .collect();

    // R-RES-3: reused by the same person only.
    let reuse_path = format!("{card_path}/reuse");
    let reuse = |person: &Person| json!({ "person": person.id.to_string(), "document": { "kind": "passport", "number": "AB1234567" } });
    refused(kra.post(&node, &reuse_path, &key(), &reuse(&other)).await, "R-RES-3", Some("person"));
    let (_, unchanged) = kra.get(&node, &card_path).await;
    assert_eq!(unchanged["version"], handed["version"], "{unchanged}");
    let (status, reused) = kra.post(&node, &reuse_path, &key(), &reuse(&holder)).await;
    assert_eq!(status, 200, "{reused}");
    assert_eq!(reused["trust_level"], "level2", "{reused}");
    let (status, ordered) = kra.post(&node, &credentials_path, &key(), &json!({ "basis": "hsa_id" })).await;
    assert_eq!(status, 201, "{ordered}");
    let (status, again) =
        enrol(&node, ordered["download_code"].as_str().unwrap(), Some("e-receipt:signed-by-holder-0002"))
            .await;
    assert_eq!(status, 201, "{again}");
    // The first credential was superseded at the download (R-CRED-3).
    for serial in &first_serials {
        let cert = node.state.store.certificate(serial).await.unwrap().unwrap();
        assert!(cert.revoked_us.is_some(), "{serial} not revoked");
    }

    // Lost: deregistered, every credential on it revoked (R-REV-3).
    let (status, dereg) =
        kra.post(&node, &format!("{card_path}/deregistration"), &key(), &json!({ "reason": "lost" })).await;
    assert_eq!(status, 200, "{dereg}");
    assert_eq!(dereg["status"], "deregistered");
    for which in ["authentication", "signing"] {
        let serial = again[which]["serial"].as_str().unwrap();
        let cert = node.state.store.certificate(serial).await.unwrap().unwrap();
        assert!(cert.revoked_us.is_some(), "{serial} not revoked");
    }
    let (_, credentials) = kra.get(&node, &format!("/api/v1/persons/{}/credentials", holder.id)).await;
    let states: Vec<&str> =
        credentials.as_array().unwrap().iter().map(|c| c["state"]["state"].as_str().unwrap_or("?")).collect();
    assert!(states.iter().all(|s| *s == "revoked"), "{credentials}");
    // A deregistered card cannot be reused, nor ordered for; it is cut.
    let (status, p) = kra.post(&node, &reuse_path, &key(), &reuse(&holder)).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (status, p) = kra.post(&node, &credentials_path, &key(), &json!({ "basis": "hsa_id" })).await;
    assert_eq!(status, 422, "{p}");
    let (status, cut) = kra.post(&node, &format!("{card_path}/destruction"), &key(), &json!({})).await;
    assert_eq!((status, cut["status"].as_str()), (200, Some("destroyed")), "{cut}");

    // Another card handed out at level 2 and returned to the RA: returned, then cut.
    let second_card = format!("/api/v1/reserve/cards/{}", cards[1]);
    let (status, h) = kra
        .post(
            &node,
            &format!("{second_card}/hand-out"),
            &key(),
            &hand_out(json!({"person": other.id.to_string(), "trust_level": "level2"})),
        )
        .await;
    assert_eq!(status, 200, "{h}");
    let (status, r) = kra
        .post(
            &node,
            &format!("{second_card}/return"),
            &key(),
            &json!({ "to": { "kind": "ra" }, "reason": "left_employment" }),
        )
        .await;
    assert_eq!((status, r["status"].as_str()), (200, Some("returned")), "{r}");
    let (status, cut) = kra.post(&node, &format!("{second_card}/destruction"), &key(), &json!({})).await;
    assert_eq!((status, cut["status"].as_str()), (200, Some("destroyed")), "{cut}");

    // The audit log verifies; the warning, the second officer's own entry and every officer
    // signature are there (R-AUD-1, R-RES-1, R-RES-5).
    let store = &node.state.store;
    let report = store.verify_audit(&Default::default()).await.unwrap();
    assert!(report.fault.is_none(), "{report:?}");
    let signed = store.signed_entries().await.unwrap();
    assert!(signed.iter().any(|e| e.action == "reserve.low_stock"));
    let second_id = officer_person(21);
    assert!(
        signed.iter().any(|e| e.action == "reserve.co_signed" && e.actor == format!("officer:{second_id}")),
        "no co-signature entry"
    );
    for entry in signed {
        OfficerSignature::from_bytes(&entry.signature)
            .and_then(|s| s.verify())
            .unwrap_or_else(|e| panic!("{}: {e}", entry.action));
    }
    node.shutdown().await;
}

/// The person id of test officer `n` (see `routines::officer`).
fn officer_person(n: u128) -> String {
    Uuid::from_u128(n).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_puk_order_charged_to_the_holders_unit() {
    let node = start().await;
    let (holder, _) = directory(&node).await;
    let kra = officer(&node, 20, &[Role::Kra], 2).await;
    let elsewhere = officer(&node, 23, &[Role::Kra], 3).await;
    let h = holder.id;

    // A SIS card to the holder's hands: order basis, order, batch, delivery, hand-out.
    let (status, card) = kra
        .post(&node, &format!("/api/v1/persons/{h}/cards"), &key(), &json!({ "org": unit(2), "kind": "sis" }))
        .await;
    assert_eq!(status, 201, "{card}");
    let card_id = card["id"].as_str().unwrap().to_string();
    let puk_path = format!("/api/v1/cards/{card_id}/puk-orders");
    // R-CARD-9: not before the card is in its holder's hands; nothing is ordered.
    refused(kra.post(&node, &puk_path, &key(), &json!({})).await, "R-CARD-9", Some("card"));
    let jpeg = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, JPEG);
    let image = json!({ "media_type": "image/jpeg", "content": jpeg });
    let steps = [
        (
            format!("/api/v1/cards/{card_id}/order"),
            json!({ "holder_present": true, "document": { "kind": "passport", "number": "AB1234567" }, "photo": image, "signature_image": image }),
        ),
        ("/api/v1/batches".to_string(), json!({ "cards": [card_id], "reviewed": [card_id] })),
        (format!("/api/v1/cards/{card_id}/delivery"), json!({ "serial": "9752000001" })),
        (
            format!("/api/v1/cards/{card_id}/hand-out"),
            json!({
                "holder_present": true,
                "document": { "kind": "passport", "number": "AB1234567" },
                "national_id": HOLDER_ID,
                "given_names": "Tolvan",
                "family_name": "Tolvansson",
                "pin_letter": true,
                "receipt": "receipt-2026-0001",
            }),
        ),
    ];
    for (path, body) in steps {
        let (status, answer) = kra.post(&node, &path, &key(), &body).await;
        assert!(status == 200 || status == 201, "{path}: {status} {answer}");
    }

    // The holder has no delivery address: refused naming the field, nothing ordered.
    refused(
        kra.post(&node, &puk_path, &key(), &json!({ "mail_to": "delivery" })).await,
        "R-CARD-9",
        Some("mail_to"),
    );
    let orders_path = format!("/api/v1/persons/{h}/puk-orders");
    let (_, orders) = kra.get(&node, &orders_path).await;
    assert_eq!(orders, json!([]));
    // Another unit's officer does not see the card.
    assert_eq!(elsewhere.post(&node, &puk_path, &key(), &json!({})).await.0, 404);

    // Ordered: 200 SEK charged to the holder's unit, the letter expected two days later.
    let k = key();
    let (status, order) = kra.post(&node, &puk_path, &k, &json!({ "mail_to": "registered" })).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(
        kra.post(&node, &puk_path, &k, &json!({ "mail_to": "registered" })).await,
        (201, order.clone())
    );
    assert_eq!(order["cost_ore"], 20_000, "{order}");
    assert_eq!(order["unit"], unit(2), "{order}");
    assert_eq!(order["status"], "ordered");
    assert_eq!(order["expected"], (today() + Duration::days(2)).to_string(), "{order}");
    assert!(!order.to_string().contains("Storgatan") && !order.to_string().contains("Tolvansson"), "{order}");
    let id = order["id"].as_str().unwrap();

    // Delivered before sent: refused, unchanged.
    let step = |s: &str| format!("/api/v1/puk-orders/{id}/{s}");
    let (status, p) = kra.post(&node, &step("delivered"), &key(), &json!({})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    assert_eq!(elsewhere.post(&node, &step("sent"), &key(), &json!({})).await.0, 404);
    let (status, sent) = kra.post(&node, &step("sent"), &key(), &json!({})).await;
    assert_eq!((status, sent["status"].as_str()), (200, Some("sent")), "{sent}");
    let (status, delivered) = kra.post(&node, &step("delivered"), &key(), &json!({})).await;
    assert_eq!((status, delivered["status"].as_str()), (200, Some("delivered")), "{delivered}");
    let (status, p) = kra.post(&node, &step("returned"), &key(), &json!({})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("R-STATE")), "{p}");
    let (_, orders) = kra.get(&node, &orders_path).await;
    assert_eq!(orders.as_array().unwrap().len(), 1, "{orders}");
    assert_eq!(orders[0]["status"], "delivered");
    assert_eq!(elsewhere.get(&node, &orders_path).await.0, 404);

    // The unit's PUK costs (R-CARD-9): one order, 200 SEK.
    let (status, costs) = kra.get(&node, "/api/v1/reports/puk-costs?format=json").await;
    assert_eq!(status, 200, "{costs}");
    let row = &costs["rows"][0];
    assert_eq!((row["unit"].as_str(), row["orders"].as_u64()), (Some(unit(2).as_str()), Some(1)), "{costs}");
    assert_eq!(row["total_sek"], "200.00", "{costs}");
    node.shutdown().await;
}

/// Every reserve-card and PUK endpoint × every role × (inside / outside the role's
/// subtree): allowed (any answer but 401, 403 or 404) exactly when the role grants the
/// endpoint's permissions on the record's unit (R-ORG-1). 0 wrong answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reserve_and_puk_endpoint_times_every_role_inside_and_outside() {
    use tillit_core::ra::card::{Card, CardEvent, CardKind};
    use tillit_core::ra::proofing::SeDocument;
    use tillit_core::ra::puk::{MailTo, PukEvent, PukOrder};
    use tillit_core::ra::reserve::{
        Bundle, BundleId, BundleStatus, ReserveCard, ReserveEvent, SerialRange, TrustLevel,
    };
    use tillit_core::ra::role::{Permission, ROLES};
    use tillit_core::ra::{CardId, PukOrderId};
    use tillit_server::routines::kinds::Kept as _;

    let node = start().await;
    let store = &node.state.store;
    let policy = Default::default();
    let mut tx = store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    struct Side {
        person: Person,
        unit: OrgId,
        bundle: BundleId,
        stocked: CardId,
        handed: CardId,
        card: CardId,
        order: PukOrderId,
    }
    let mut sides = Vec::new();
    for (n, u) in [(1u128, 2u128), (2, 3)] {
        let p = Person {
            national_id: officer_national_id(10 + n),
            address: Some(address()),
            ..person(10 + n, HOLDER_ID, "Tolvansson", u)
        };
        tx.insert_person(&p).await.unwrap();
        let org_id = OrgId(Uuid::from_u128(u));
        let bundle = Bundle {
            id: BundleId(Uuid::from_u128(800 + n)),
            serials: SerialRange { first: 1_000 * n as u64, last: 1_000 * n as u64 + 9 },
            status: BundleStatus::Ordered,
            ordered_on: today(),
            received_on: None,
        };
        tx.insert_record(&bundle.clone().new_record(Some(org_id), &policy)).await.unwrap();
        let stocked =
            ReserveCard::stocked(CardId(Uuid::from_u128(700 + n)), BundleId(Uuid::from_u128(799)), n as u64);
        tx.insert_record(&stocked.clone().new_record(Some(org_id), &policy)).await.unwrap();
        let mut handed = ReserveCard::stocked(
            CardId(Uuid::from_u128(710 + n)),
            BundleId(Uuid::from_u128(799)),
            10 + n as u64,
        );
        handed.apply(&ReserveEvent::HandedOut {
            card: handed.id,
            person: p.id,
            unit: org_id,
            officers: vec![],
            trust_level: TrustLevel::Level2,
            credential_until: today() + Duration::days(90),
            document: SeDocument::Passport,
            document_number: "X1".into(),
            receipt: "r".into(),
            on: today(),
        });
        tx.insert_record(&handed.clone().new_record(Some(org_id), &policy)).await.unwrap();
        let event = CardEvent::OrderBasisCreated {
            card: CardId(Uuid::from_u128(900 + n)),
            person: p.id,
            org: org_id,
            kind: CardKind::Sis,
            override_reason: None,
            replaces: vec![],
            on: today(),
        };
        let card = Card::created(&event).unwrap();
        tx.insert_record(&card.clone().new_record(Some(org_id), &policy)).await.unwrap();
        let ordered = PukEvent::Ordered {
            order: PukOrderId(Uuid::from_u128(600 + n)),
            card: card.id,
            person: p.id,
            unit: org_id,
            cost_ore: 20_000,
            mail_to: MailTo::Registered,
            expected: today() + Duration::days(2),
            officer: p.id,
            on: today(),
        };
        let order = PukOrder::created(&ordered).unwrap();
        tx.insert_record(&order.clone().new_record(Some(org_id), &policy)).await.unwrap();
        sides.push(Side {
            person: p,
            unit: org_id,
            bundle: bundle.id,
            stocked: stocked.id,
            handed: handed.id,
            card: card.id,
            order: order.id,
        });
    }
    tx.commit().await.unwrap();

    type Case = (&'static str, String, Option<Value>, &'static [Permission]);
    use Permission::{OrderCredentials, OrderPuk, ReadPeople, ReserveCards};
    let cases = |s: &Side| -> Vec<Case> {
        let (pid, u) = (s.person.id, s.unit);
        let (b, st, hd, c, o) = (s.bundle, s.stocked, s.handed, s.card, s.order);
        let document = json!({ "kind": "passport", "number": "X1" });
        vec![
            (
                "POST",
                "/api/v1/reserve/bundles".into(),
                Some(json!({ "org": u.to_string(), "serials": { "first": 90_000, "last": 90_001 } })),
                &[ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/reserve/bundles/{b}/receipt"),
                Some(json!({})),
                &[ReadPeople, ReserveCards],
            ),
            ("GET", format!("/api/v1/reserve/stock?org={u}"), None, &[ReserveCards]),
            ("GET", format!("/api/v1/reserve/cards/{st}"), None, &[ReadPeople]),
            (
                "POST",
                format!("/api/v1/reserve/cards/{st}/discard"),
                Some(json!({ "reason": "damaged" })),
                &[ReadPeople, ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/reserve/cards/{st}/hand-out"),
                Some(json!({
                    "person": pid.to_string(), "unit": u.to_string(), "holder_present": true,
                    "document": document, "pin_letter_unopened": true, "receipt": "r",
                })),
                &[ReadPeople, ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/reserve/cards/{hd}/reuse"),
                Some(json!({ "person": pid.to_string(), "document": document })),
                &[ReadPeople, ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/cards/{hd}/credentials"),
                Some(json!({ "basis": "hsa_id" })),
                &[ReadPeople, OrderCredentials],
            ),
            (
                "POST",
                format!("/api/v1/reserve/cards/{hd}/return"),
                Some(json!({ "to": { "kind": "ra" }, "reason": "left_employment" })),
                &[ReadPeople, ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/reserve/cards/{hd}/deregistration"),
                Some(json!({ "reason": "lost" })),
                &[ReadPeople, ReserveCards],
            ),
            (
                "POST",
                format!("/api/v1/reserve/cards/{hd}/destruction"),
                Some(json!({})),
                &[ReadPeople, ReserveCards],
            ),
            ("POST", format!("/api/v1/cards/{c}/puk-orders"), Some(json!({})), &[ReadPeople, OrderPuk]),
            ("POST", format!("/api/v1/puk-orders/{o}/sent"), Some(json!({})), &[ReadPeople, OrderPuk]),
            ("POST", format!("/api/v1/puk-orders/{o}/delivered"), Some(json!({})), &[ReadPeople, OrderPuk]),
            ("POST", format!("/api/v1/puk-orders/{o}/returned"), Some(json!({})), &[ReadPeople, OrderPuk]),
            ("GET", format!("/api/v1/persons/{pid}/puk-orders"), None, &[ReadPeople]),
        ]
    };
    let mut wrong = Vec::new();
    let mut asked = 0;
    let mut done = Vec::new();
    for (i, role) in ROLES.into_iter().enumerate() {
        let o = officer(&node, 100 + i as u128, &[role], 2).await;
        for (side, s) in [("inside", &sides[0]), ("outside", &sides[1])] {
            for (method, path, body, needs) in cases(s) {
                let (status, answer) = match &body {
                    Some(b) => o.post(&node, &path, &key(), b).await,
                    None => o.get(&node, &path).await,
                };
                asked += 1;
                let granted = needs.iter().all(|n| role.permissions().contains(n));
                let expected = side == "inside" && granted;
                let allowed = !matches!(status, 401 | 403 | 404);
                if allowed != expected {
                    wrong.push(format!("{} {method} {path} ({side}): {status} {answer}", role.as_str()));
                }
                if (200..300).contains(&status) {
                    done.push(path.rsplit('/').next().unwrap_or_default().to_string());
                }
            }
        }
    }
    assert!(asked >= 12 * 2 * 16, "{asked}");
    // The allowed requests did act, not merely pass the checks.
    for step in ["bundles", "receipt", "discard", "reuse", "return", "destruction", "puk-orders", "sent"] {
        assert!(done.iter().any(|d| d == step), "no {step} succeeded: {done:?}");
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));

    // Every endpoint is in the OpenAPI document.
    let doc: Value =
        reqwest::get(format!("{}/api/openapi.json", node.plain_url())).await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/api/v1/reserve/bundles", "post"),
        ("/api/v1/reserve/bundles/{id}/receipt", "post"),
        ("/api/v1/reserve/stock", "get"),
        ("/api/v1/reserve/cards/{id}", "get"),
        ("/api/v1/reserve/cards/{id}/discard", "post"),
        ("/api/v1/reserve/cards/{id}/hand-out", "post"),
        ("/api/v1/reserve/cards/{id}/reuse", "post"),
        ("/api/v1/reserve/cards/{id}/return", "post"),
        ("/api/v1/reserve/cards/{id}/deregistration", "post"),
        ("/api/v1/reserve/cards/{id}/destruction", "post"),
        ("/api/v1/cards/{id}/puk-orders", "post"),
        ("/api/v1/puk-orders/{id}/sent", "post"),
        ("/api/v1/puk-orders/{id}/delivered", "post"),
        ("/api/v1/puk-orders/{id}/returned", "post"),
        ("/api/v1/persons/{id}/puk-orders", "get"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from the OpenAPI document");
    }
    node.shutdown().await;
}
