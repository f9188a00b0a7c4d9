//! `tillit audit verify` with officers' passkey signatures (format 2, docs/design/portal.md
//! §1.4): a log whose signed entry carries a passkey assertion verifies when the passkey was
//! registered to the actor before the entry and not removed; otherwise it fails naming the
//! entry.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tillit_core::audit::{Actor, AuditEvent, SYSTEM_CHAIN};
use tillit_server::node::DataDir;
use tillit_server::routines::action::action_text;
use tillit_server::routines::passkey::{self, PasskeyRemoved, PasskeySignature, SoftAuthenticator};

use crate::{init, verify};

const PERSON: &str = "0193a1b2-0000-7000-8000-000000000001";
const CHAIN: &str = "0193a1b2-0000-7000-8000-0000000000aa";

fn actor() -> Actor {
    Actor::parse(&format!("officer:{PERSON}")).unwrap()
}

/// What the test appends, in this order.
enum Step<'a> {
    Registered,
    Removed,
    Signed(&'a PasskeySignature),
}

async fn log(dir: &Path, auth: &SoftAuthenticator, steps: &[Step<'_>]) -> PathBuf {
    let data = init(dir);
    let store = DataDir::open(&data).unwrap().open_store().await.unwrap();
    for step in steps {
        let event = match step {
            Step::Registered => system(passkey::REGISTERED, auth.registered(PERSON, "link:00").unwrap()),
            Step::Removed => system(
                passkey::REMOVED,
                PasskeyRemoved {
                    person: PERSON.into(),
                    credential_id: auth.registered(PERSON, "").unwrap().credential_id,
                },
            ),
            Step::Signed(signature) => AuditEvent {
                actor_signature: Some(signature.to_bytes()),
                ..AuditEvent::new(CHAIN, actor(), "card.handed_out", serde_json::json!({"card": "c1"}))
            },
        };
        store.append(event).await.unwrap();
        // Entries of different chains are ordered by the node's clock (microseconds).
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    store.close().await;
    data
}

fn system(action: &str, payload: impl Serialize) -> AuditEvent {
    AuditEvent::new(SYSTEM_CHAIN, actor(), action, serde_json::to_value(payload).unwrap())
}

fn fails(data: &Path, expected: &str) {
    let (code, out) = verify(data);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("FAILED: chain {CHAIN} entry 1 (card.handed_out, officer:{PERSON})")),
        "{out}"
    );
    assert!(out.contains(expected), "{out:?} does not say {expected:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_verify_checks_passkey_signatures_and_the_registry() {
    let mut auth = SoftAuthenticator::new(passkey::ES256, "localhost", "http://localhost:8080").unwrap();
    let message = action_text("POST", "/api/v1/cards/c1/hand-out", "key-1", br#"{"receipt":true}"#);
    let signature = auth.sign_action(&message).unwrap();

    // Registered, then signed: verifies (and a removal after the entry changes nothing).
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Registered, Step::Signed(&signature), Step::Removed]).await;
    let (code, out) = verify(&data);
    assert_eq!(code, 0, "{out}");
    assert!(out.trim_end().ends_with("entries") && out.contains("ok "), "{out}");

    // No registration.
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Signed(&signature)]).await;
    fails(&data, "was never registered (no passkey.registered entry names it)");

    // Registered only after the entry.
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Signed(&signature), Step::Registered]).await;
    fails(&data, "was registered after this entry");

    // Removed before the entry.
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Registered, Step::Removed, Step::Signed(&signature)]).await;
    fails(&data, "was removed before this entry");

    // An altered blob (another action text under the same assertion), appended as it is.
    let mut altered = signature.clone();
    altered.message = action_text("POST", "/api/v1/cards/c2/hand-out", "key-1", br#"{"receipt":true}"#);
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Registered, Step::Signed(&altered)]).await;
    fails(
        &data,
        "the officer's passkey signature: clientDataJSON.challenge is not the challenge of this action",
    );

    // The stored blob altered afterwards: the entry's hash no longer matches.
    let dir = tempfile::tempdir().unwrap();
    let data = log(dir.path(), &auth, &[Step::Registered, Step::Signed(&signature)]).await;
    // The first base64 character changed (always: a signature need not hold an 'A' or a 'B').
    let mut flipped = signature.clone();
    let first = if flipped.signature.starts_with('A') { "B" } else { "A" };
    flipped.signature.replace_range(..1, first);
    assert_ne!(flipped.signature, signature.signature);
    let blob = hex::encode(flipped.to_bytes());
    crate::tamper(
        &data,
        &format!(
            "DROP TRIGGER IF EXISTS audit_entries_append_only_update; \
             UPDATE audit_entries SET actor_signature = X'{blob}' WHERE chain = '{CHAIN}' AND seq = 1;"
        ),
    )
    .await;
    let (code, out) = verify(&data);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().last(),
        Some(format!(
            "FAILED: chain {CHAIN} entry 1: hash does not match the entry's content (the entry was altered)"
        ))
        .as_deref(),
        "{out}"
    );
}
