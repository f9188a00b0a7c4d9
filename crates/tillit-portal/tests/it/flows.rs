//! The routines as guided flows, driven as a browser would with a software passkey: the SIS
//! card from order basis to hand-out and the credential order in the portal, each step a form,
//! a review page and "Signera och skicka". Every change is the API handler's, so each audit
//! entry carries the officer's passkey signature (format 2), which verifies offline against the
//! registered passkey. Also: a form with errors names its fields and changes nothing; a
//! refusal shows the rule, its title and remedy; a second click gets the first answer; a
//! signature over another challenge, or another session, does nothing.

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use tillit_core::ra::role::Role;
use tillit_core::ra::OrgId;
use tillit_server::routines::passkey::SoftAuthenticator;
use tillit_server::routines::passkey::{
    check_registered, EntryPosition, OfficerSignature, RegistryEntry, REGISTERED, REMOVED,
};
use uuid::Uuid;

use crate::support::{authenticator, enrol, link, national_id, node, officer, Browser, Node, Page};

/// A tiny JPEG, as a browser's FileReader gives it.
const JPEG: &[u8] =
    &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];

/// Fills the form at `path` (with the session's CSRF token) and follows it to the review page.
pub async fn prepare(browser: &mut Browser, path: &str, fields: &[(&str, String)]) -> Page {
    let form = browser.get(path).await;
    assert_eq!(form.status, 200, "{path}: {}", form.html);
    let mut values = vec![("csrf", form.input("csrf"))];
    values.extend(fields.iter().cloned());
    let prepared = browser.post(path, &values).await;
    assert_eq!(prepared.status, 303, "{path}: {}", prepared.html);
    let review = browser.get(prepared.location()).await;
    assert_eq!(review.status, 200, "{}", review.html);
    review
}

/// Signs the review page with `auth`: the assertion over the page's challenge, posted.
pub async fn sign(browser: &mut Browser, auth: &mut SoftAuthenticator, review: &Page) -> Page {
    let assertion = auth.assert(&review.challenge()).unwrap();
    let path = sign_path(review);
    browser
        .post(
            &path,
            &[
                ("csrf", review.input("csrf")),
                ("credential_id", B64URL.encode(auth.credential_id())),
                ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
                ("client_data_json", B64URL.encode(&assertion.client_data_json)),
                ("signature", B64URL.encode(&assertion.signature)),
            ],
        )
        .await
}

/// Where the review page's "Sign and send" form posts (not the second officer's form).
fn sign_path(review: &Page) -> String {
    review
        .html
        .match_indices("action=\"/sign/")
        .map(|(start, _)| {
            let start = start + 8;
            let end = review.html[start..].find('"').unwrap() + start;
            review.html[start..end].to_string()
        })
        .find(|path| !path.ends_with("/second-officer"))
        .unwrap_or_else(|| panic!("not a review page: {}", review.html))
}

/// The value shown for `name` in a result page's facts.
fn fact(page: &Page, name: &str) -> String {
    let needle = format!("<dt>{name}</dt><dd>");
    let start =
        page.html.find(&needle).unwrap_or_else(|| panic!("no {name} in {}", page.html)) + needle.len();
    let end = page.html[start..].find("</dd>").unwrap() + start;
    page.html[start..end].to_string()
}

async fn signed_in(node: &Node, n: u128, roles: &[Role]) -> (Browser, SoftAuthenticator) {
    let me = officer(node, n, roles).await;
    let token = link(node, me, 1).await;
    let mut browser = Browser::new(node);
    let auth = authenticator(node);
    assert_eq!(enrol(&mut browser, &auth, &token).await.status, 303);
    (browser, auth)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sis_card_from_order_basis_to_hand_out_and_its_credential_order_signed_with_a_passkey() {
    let node = node().await;
    let holder = officer(&node, 30, &[]).await;
    let (mut browser, mut auth) = signed_in(&node, 20, &[Role::Kra]).await;
    let unit = OrgId(Uuid::from_u128(2)).to_string();

    // A form with a missing field: named, marked, nothing stored.
    let form = browser.get(&format!("/people/{holder}/cards/new")).await;
    let refused = browser
        .post(&format!("/people/{holder}/cards/new"), &[("csrf", form.input("csrf")), ("org", unit.clone())])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused.html.contains("aria-invalid=\"true\"") && refused.html.contains("href=\"#f-kind\""),
        "{}",
        refused.html
    );

    // Order basis: the review page shows the entries and what is signed.
    let review = prepare(
        &mut browser,
        &format!("/people/{holder}/cards/new"),
        &[("kind", "sis".into()), ("org", unit.clone())],
    )
    .await;
    assert!(
        review.html.contains("SIS card")
            && review.html.contains(&format!("POST /api/v1/persons/{holder}/cards")),
        "{}",
        review.html
    );
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Signed and recorded"), "{}", done.html);
    let card = fact(&done, "Reference");
    // A second click: the same answer, nothing done twice.
    let again = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(fact(&again, "Reference"), card);

    // A second order basis for the holder: refused with the rule, its title and remedy.
    let review = prepare(
        &mut browser,
        &format!("/people/{holder}/cards/new"),
        &[("kind", "sis".into()), ("org", unit.clone())],
    )
    .await;
    let refused = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.html.contains("R-CARD-6") && refused.html.contains("lang=\"en\""), "{}", refused.html);

    // The order, with the photo and signature image as the browser reads them.
    let image = format!("data:image/jpeg;base64,{}", B64.encode(JPEG));
    let review = prepare(
        &mut browser,
        &format!("/cards/{card}/order"),
        &[
            ("holder_present", "yes".into()),
            ("document_kind", "passport".into()),
            ("document_number", "AB1234567".into()),
            ("photo", image.clone()),
            ("signature_image", image),
        ],
    )
    .await;
    assert!(
        review.html.contains("Image attached") && !review.html.contains(&B64.encode(JPEG)),
        "{}",
        review.html
    );
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(
        browser.get(&format!("/cards/{card}")).await.html.contains("Ordered"),
        "the card page says ordered"
    );

    // Batch, delivery, hand-out.
    let review =
        prepare(&mut browser, "/batches/new", &[("cards", card.clone()), ("reviewed", "yes".into())]).await;
    assert_eq!(sign(&mut browser, &mut auth, &review).await.status, 200);
    let review =
        prepare(&mut browser, &format!("/cards/{card}/delivery"), &[("serial", "9752000001".into())]).await;
    assert_eq!(sign(&mut browser, &mut auth, &review).await.status, 200);
    let review = prepare(
        &mut browser,
        &format!("/cards/{card}/hand-out"),
        &[
            ("holder_present", "yes".into()),
            ("document_kind", "passport".into()),
            ("document_number", "AB1234567".into()),
            ("national_id", national_id(30).to_string()),
            ("given_names", "Tolvan".into()),
            ("family_name", "Officer30".into()),
            ("pin_letter", "yes".into()),
            ("receipt", "receipt-2026-0001".into()),
        ],
    )
    .await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    // The receipt to print and sign: the holder, their national id, the card, the reference.
    assert!(browser.get(&format!("/cards/{card}")).await.html.contains(&format!("/cards/{card}/receipt")));
    let receipt = browser.get(&format!("/cards/{card}/receipt")).await;
    assert_eq!(receipt.status, 200, "{}", receipt.html);
    for text in ["Tolvan Officer30", "9752000001", "receipt-2026-0001", &national_id(30).to_string()[..8]] {
        assert!(receipt.html.contains(text), "{text}: {}", receipt.html);
    }

    // The credential order: the one-time code shown once, not again on a second click.
    let review =
        prepare(&mut browser, &format!("/cards/{card}/credentials/new"), &[("basis", "hsa_id".into())]).await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert!(
        done.html.contains("One-time download code") && done.html.contains("class=\"code\""),
        "{}",
        done.html
    );
    let again = sign(&mut browser, &mut auth, &review).await;
    assert!(!again.html.contains("class=\"code\""), "the code is shown once: {}", again.html);

    // The card is stolen: its certificates revoked, and the police instruction shown (R-REV-4).
    let review = prepare(
        &mut browser,
        &format!("/revocations/new?person={holder}"),
        &[
            ("card", card.clone()),
            ("reason", "key_compromise".into()),
            ("circumstance", "stolen".into()),
            ("identification", "in_person".into()),
            ("document_number", "AB1234567".into()),
        ],
    )
    .await;
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(
        done.html.contains("What to do now") && done.html.contains("report to the police"),
        "{}",
        done.html
    );
    assert!(browser.get(&format!("/cards/{card}")).await.html.contains("Deregistered"));

    // Every change is signed with the passkey, and each signature verifies offline against
    // the registered passkey (what `tillit audit verify` checks).
    let store = &node.state.store;
    let registry: Vec<RegistryEntry> = store
        .entries_with_actions(&[REGISTERED, REMOVED])
        .await
        .unwrap()
        .into_iter()
        .map(|e| RegistryEntry {
            chain: e.chain,
            seq: e.seq,
            time_us: e.time_us,
            action: e.action,
            payload: e.payload,
        })
        .collect();
    let signed = store.signed_entries().await.unwrap();
    let card_entries: Vec<_> = signed
        .iter()
        .filter(|e| ["card.", "credential.", "revocation."].iter().any(|p| e.action.starts_with(p)))
        .collect();
    assert!(card_entries.len() >= 6, "{card_entries:?}");
    for entry in card_entries {
        let OfficerSignature::Passkey(signature) = OfficerSignature::from_bytes(&entry.signature).unwrap()
        else {
            panic!("{} is not signed with a passkey", entry.action);
        };
        signature.verify().unwrap();
        let at = EntryPosition { chain: &entry.chain, seq: entry.seq, time_us: entry.time_us };
        check_registered(&registry, at, &entry.actor, &signature).unwrap();
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signature_over_another_challenge_or_from_another_session_does_nothing() {
    let node = node().await;
    let holder = officer(&node, 31, &[]).await;
    let (mut browser, mut auth) = signed_in(&node, 21, &[Role::Kra]).await;
    let (mut other, _) = signed_in(&node, 22, &[Role::Kra]).await;
    let unit = OrgId(Uuid::from_u128(2)).to_string();
    let review = prepare(
        &mut browser,
        &format!("/people/{holder}/cards/new"),
        &[("kind", "sis".into()), ("org", unit)],
    )
    .await;
    let path = sign_path(&review);

    // Another officer's session sees nothing there.
    assert_eq!(other.get(&path).await.status, 404);

    // An assertion over another challenge: refused on the review page, nothing done.
    let assertion = auth.assert(&[7u8; 32]).unwrap();
    let refused = browser
        .post(
            &path,
            &[
                ("csrf", review.input("csrf")),
                ("credential_id", B64URL.encode(auth.credential_id())),
                ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
                ("client_data_json", B64URL.encode(&assertion.client_data_json)),
                ("signature", B64URL.encode(&assertion.signature)),
            ],
        )
        .await;
    assert_eq!(refused.status, 200, "{}", refused.html);
    assert!(
        refused.html.contains("signature was not accepted") && refused.html.contains("challenge"),
        "{}",
        refused.html
    );
    assert!(node
        .state
        .store
        .signed_entries()
        .await
        .unwrap()
        .iter()
        .all(|e| e.action != "card.order_basis_created"));
    // A form from elsewhere is refused before anything is read.
    let full = [
        ("csrf", review.input("csrf")),
        ("credential_id", B64URL.encode(auth.credential_id())),
        ("authenticator_data", B64URL.encode(&assertion.authenticator_data)),
        ("client_data_json", B64URL.encode(&assertion.client_data_json)),
        ("signature", B64URL.encode(&assertion.signature)),
    ];
    let forged = browser.post_from(&path, &full, Some("https://evil.example")).await;
    assert_eq!(forged.status, 403);
    // The right assertion still works: the refused one did not use the challenge.
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_grants_a_role_and_makes_the_officers_passkey_link() {
    let node = node().await;
    let newcomer = officer(&node, 32, &[]).await;
    let (mut browser, mut auth) = signed_in(&node, 23, &[Role::Ra]).await;
    let unit = OrgId(Uuid::from_u128(2)).to_string();

    // No role yet: no link (R-ORG-1), refused with the rule.
    let review = prepare(&mut browser, &format!("/people/{newcomer}/enrolment-links/new"), &[]).await;
    let refused = sign(&mut browser, &mut auth, &review).await;
    assert!(refused.html.contains("R-ORG-1"), "{}", refused.html);

    // A role on the unit, then the link, shown once as the address to open.
    let review = prepare(
        &mut browser,
        &format!("/people/{newcomer}/roles"),
        &[("role", "ora".into()), ("scope", unit)],
    )
    .await;
    assert!(review.html.contains("ORA (orderer)"), "{}", review.html);
    let done = sign(&mut browser, &mut auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let review =
        prepare(&mut browser, &format!("/people/{newcomer}/enrolment-links/new"), &[("hours", "2".into())])
            .await;
    let done = sign(&mut browser, &mut auth, &review).await;
    let start = done.html.find(&format!("{}/enrol/", node.base)).unwrap_or_else(|| panic!("{}", done.html));
    let link = &done.html[start..];
    let link = &link[..link.find('<').unwrap()];
    // It works for the newcomer, once.
    let mut theirs = Browser::new(&node);
    let path = &link[node.base.len()..];
    assert_eq!(theirs.get(path).await.status, 200);
    assert_eq!(enrol(&mut theirs, &authenticator(&node), &path["/enrol/".len()..]).await.status, 303);
    // A second click on the result shows the link no more.
    let again = sign(&mut browser, &mut auth, &review).await;
    assert!(!again.html.contains("/enrol/"), "{}", again.html);
    // A number that is not one is named.
    let form = browser.get(&format!("/people/{newcomer}/enrolment-links/new")).await;
    let refused = browser
        .post(
            &format!("/people/{newcomer}/enrolment-links/new"),
            &[("csrf", form.input("csrf")), ("hours", "many".into())],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("Write a whole number"), "{}", refused.html);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserve_card_at_trust_level_3_is_handed_out_by_two_officers_with_their_passkeys() {
    let node = node().await;
    let holder = officer(&node, 33, &[]).await;
    let (mut first, mut first_auth) = signed_in(&node, 24, &[Role::Kra]).await;
    let (_, mut second_auth) = signed_in(&node, 25, &[Role::Kra]).await;
    let second = uuid::Uuid::from_u128(25);
    let unit = OrgId(Uuid::from_u128(2)).to_string();

    // A bundle into the safe.
    let review = prepare(
        &mut first,
        "/reserve/bundles/new",
        &[("org", unit.clone()), ("first_serial", "5000001".into()), ("last_serial", "5000003".into())],
    )
    .await;
    let done = sign(&mut first, &mut first_auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let bundle = fact(&done, "Reference");
    let review = prepare(&mut first, &format!("/reserve/bundles/{bundle}/receipt"), &[]).await;
    let done = sign(&mut first, &mut first_auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);
    let card = fact(&done, "Cards").split(", ").next().unwrap().to_string();

    // Level 3 without naming the second officer: the field is named.
    let hand_out = |level: &str, second: String| {
        vec![
            ("person", holder.to_string()),
            ("unit", unit.clone()),
            ("holder_present", "yes".to_string()),
            ("document_kind", "passport".to_string()),
            ("document_number", "AB1234567".to_string()),
            ("pin_letter_unopened", "yes".to_string()),
            ("receipt", "reserve-receipt-1".to_string()),
            ("trust_level", level.to_string()),
            ("second_officer", second),
        ]
    };
    let path = format!("/reserve/cards/{card}/hand-out");
    let form = first.get(&path).await;
    let mut values = vec![("csrf", form.input("csrf"))];
    values.extend(hand_out("level3", String::new()));
    let refused = first.post(&path, &values).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("href=\"#f-second_officer\""), "{}", refused.html);

    // Named: the review page asks the second officer to sign first.
    let review = prepare(&mut first, &path, &hand_out("level3", second.to_string())).await;
    assert!(
        review.html.contains("Tolvan Officer25") && review.html.contains("/second-officer"),
        "{}",
        review.html
    );
    let early = sign(&mut first, &mut first_auth, &review).await;
    assert!(early.html.contains("The second officer signs first"), "{}", early.html);
    // The first officer's own passkey cannot stand in for the second.
    let co_path = format!("{}/second-officer", sign_path(&review));
    let own = first_auth.assert(&review.challenge()).unwrap();
    let co_form = |auth: &SoftAuthenticator, (data, client, signature): (Vec<u8>, Vec<u8>, Vec<u8>)| {
        vec![
            ("csrf", review.input("csrf")),
            ("credential_id", B64URL.encode(auth.credential_id())),
            ("authenticator_data", B64URL.encode(data)),
            ("client_data_json", B64URL.encode(client)),
            ("signature", B64URL.encode(signature)),
        ]
    };
    let refused = first
        .post(&co_path, &co_form(&first_auth, (own.authenticator_data, own.client_data_json, own.signature)))
        .await;
    assert!(
        refused.html.contains("not one of yours") || refused.html.contains("another person"),
        "{}",
        refused.html
    );
    // The second officer signs at the same desk, with their own passkey.
    let theirs = second_auth.assert(&review.challenge()).unwrap();
    let co = first
        .post(
            &co_path,
            &co_form(&second_auth, (theirs.authenticator_data, theirs.client_data_json, theirs.signature)),
        )
        .await;
    assert_eq!(co.status, 303, "{}", co.html);
    let review = first.get(co.location()).await;
    assert!(review.html.contains("has signed"), "{}", review.html);
    let done = sign(&mut first, &mut first_auth, &review).await;
    assert_eq!(done.status, 200, "{}", done.html);

    // Both signatures are in the audit log, each verifying against its officer's passkey.
    let store = &node.state.store;
    let registry: Vec<RegistryEntry> = store
        .entries_with_actions(&[REGISTERED, REMOVED])
        .await
        .unwrap()
        .into_iter()
        .map(|e| RegistryEntry {
            chain: e.chain,
            seq: e.seq,
            time_us: e.time_us,
            action: e.action,
            payload: e.payload,
        })
        .collect();
    let signed = store.signed_entries().await.unwrap();
    let co_signed =
        signed.iter().find(|e| e.action == "reserve.co_signed").expect("the second officer's entry");
    assert_eq!(co_signed.actor, format!("officer:{second}"));
    for entry in signed.iter().filter(|e| e.action.starts_with("reserve.")) {
        let OfficerSignature::Passkey(signature) = OfficerSignature::from_bytes(&entry.signature).unwrap()
        else {
            panic!("{} is not signed with a passkey", entry.action);
        };
        signature.verify().unwrap();
        let at = EntryPosition { chain: &entry.chain, seq: entry.seq, time_us: entry.time_us };
        check_registered(&registry, at, &entry.actor, &signature).unwrap();
    }
    node.shutdown().await;
}
