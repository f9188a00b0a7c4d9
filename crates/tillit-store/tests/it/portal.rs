//! What the officer portal keeps, on both backends: user handles made once; passkeys
//! registered once, listed without the removed ones, their counters kept; enrolment links and
//! challenges used once, by one of two racing transactions, and never after their validity;
//! sessions seen, given a language, ended and purged by the clock passed in; and a record's
//! history through the audit log's subject index, newest first, paged.

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent};
use tillit_store::portal::{
    subjects, Challenge, EnrolmentLink, NewPasskey, PortalSession, Purpose, SignedRequest,
};
use tillit_store::{Store, StoreError};

use crate::both_backends;
use crate::support::TestSigner;

const MINUTE: i64 = 60_000_000;

fn new_passkey(id: u8, person: &str) -> NewPasskey {
    NewPasskey {
        credential_id: vec![id; 16],
        person: person.into(),
        public_key: vec![0xA5, 1, 2],
        spki: vec![0x30, 3],
        alg: -7,
        sign_count: 0,
        transports: r#"["internal"]"#.into(),
        backup_eligible: true,
        backed_up: false,
        aaguid: vec![0; 16],
        attestation_fmt: "none".into(),
        name: format!("key {id}"),
        rp_id: "localhost".into(),
        enrolled_via: "link:ab".into(),
    }
}

fn link(token_hash: &str, person: &str, now: i64) -> EnrolmentLink {
    EnrolmentLink {
        token_hash: token_hash.into(),
        person: person.into(),
        created_by: "system:cli".into(),
        created_us: now,
        expires_us: now + 72 * 60 * MINUTE,
        used_us: None,
    }
}

fn challenge(id: &str, purpose: Purpose, now: i64, request: Option<SignedRequest>) -> Challenge {
    Challenge {
        id: id.into(),
        session: request.as_ref().map(|_| "s1".to_string()),
        purpose,
        nonce: vec![7; 32],
        request,
        created_us: now,
        expires_us: now + 5 * MINUTE,
    }
}

/// Uses `token_hash` from two transactions at once; returns how many got the link.
async fn race_link(store: &Store, token_hash: &str, now: i64) -> usize {
    let attempt = || async {
        let mut tx = store.begin().await.unwrap();
        let got = tx.use_enrolment_link(token_hash, now).await.unwrap();
        tx.commit().await.unwrap();
        got.is_some()
    };
    let (a, b) = tokio::join!(attempt(), attempt());
    usize::from(a) + usize::from(b)
}

both_backends! {
    async fn passkeys_and_user_handles(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let now = 1_800_000_000_000_000;

        // The user handle is made once; a second candidate does not replace it.
        let mut tx = store.begin().await.unwrap();
        let handle = tx.user_handle("p1", &[1; 16]).await.unwrap();
        assert_eq!(handle, vec![1; 16]);
        assert_eq!(tx.user_handle("p1", &[2; 16]).await.unwrap(), vec![1; 16]);
        tx.commit().await.unwrap();
        assert_eq!(store.person_of_user_handle(&[1; 16]).await.unwrap().as_deref(), Some("p1"));
        assert_eq!(store.person_of_user_handle(&[2; 16]).await.unwrap(), None);

        // A credential id is registered once, to anyone.
        let mut tx = store.begin().await.unwrap();
        tx.insert_passkey(&new_passkey(1, "p1"), now).await.unwrap();
        tx.insert_passkey(&new_passkey(2, "p1"), now + 1).await.unwrap();
        let again = tx.insert_passkey(&new_passkey(1, "p2"), now + 2).await;
        assert!(matches!(again, Err(StoreError::Duplicate { what: "passkey", .. })), "{again:?}");
        tx.commit().await.unwrap();
        let stored = store.passkey(&[1; 16]).await.unwrap().unwrap();
        assert_eq!(stored.key, new_passkey(1, "p1"));
        assert_eq!((stored.created_us, stored.last_used_us, stored.removed_us), (now, None, None));
        assert!(stored.key.backup_eligible && !stored.key.backed_up);

        // The counter and last use are kept; a removed key is not listed but still found.
        let mut tx = store.begin().await.unwrap();
        tx.passkey_used(&[1; 16], 41, now + MINUTE).await.unwrap();
        assert!(tx.remove_passkey(&[2; 16], now + MINUTE).await.unwrap());
        assert!(!tx.remove_passkey(&[2; 16], now + 2 * MINUTE).await.unwrap());
        assert!(!tx.remove_passkey(&[9; 16], now).await.unwrap());
        tx.commit().await.unwrap();
        let listed = store.passkeys_of("p1").await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].sign_count, listed[0].last_used_us), (41, Some(now + MINUTE)));
        assert_eq!(store.passkey(&[2; 16]).await.unwrap().unwrap().removed_us, Some(now + MINUTE));
        assert!(store.passkeys_of("p2").await.unwrap().is_empty());
    }
}

both_backends! {
    async fn enrolment_links_are_used_once(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let now = 1_800_000_000_000_000;
        let mut tx = store.begin().await.unwrap();
        tx.insert_enrolment_link(&link("h1", "p1", now)).await.unwrap();
        tx.insert_enrolment_link(&link("h2", "p1", now)).await.unwrap();
        tx.insert_enrolment_link(&link("h3", "p1", now)).await.unwrap();
        let again = tx.insert_enrolment_link(&link("h1", "p2", now)).await;
        assert!(matches!(again, Err(StoreError::Duplicate { .. })), "{again:?}");
        tx.commit().await.unwrap();

        // Two browsers use one link at once: exactly one wins.
        assert_eq!(race_link(&store, "h1", now + MINUTE).await, 1);
        assert_eq!(store.enrolment_link("h1").await.unwrap().unwrap().used_us, Some(now + MINUTE));

        // A rolled-back use leaves the link usable; past its validity it is refused.
        let mut tx = store.begin().await.unwrap();
        let used = tx.use_enrolment_link("h2", now).await.unwrap().unwrap();
        assert_eq!((used.person.as_str(), used.created_by.as_str()), ("p1", "system:cli"));
        tx.rollback().await.unwrap();
        let expires = store.enrolment_link("h2").await.unwrap().unwrap().expires_us;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.use_enrolment_link("h2", expires).await.unwrap(), None);
        assert!(tx.use_enrolment_link("h2", expires - 1).await.unwrap().is_some());
        assert_eq!(tx.use_enrolment_link("nope", now).await.unwrap(), None);
        tx.commit().await.unwrap();

        // Purged a week after their validity or use, not before.
        let week = 7 * 24 * 60 * MINUTE;
        let purged = store.purge_portal(now + MINUTE + week - 1, 15 * MINUTE, 600 * MINUTE).await.unwrap();
        assert_eq!(purged.links, 0);
        let purged = store.purge_portal(now + MINUTE + week, 15 * MINUTE, 600 * MINUTE).await.unwrap();
        assert_eq!(purged.links, 1, "h1, used a week ago");
        assert!(store.enrolment_link("h1").await.unwrap().is_none());
        assert!(store.enrolment_link("h3").await.unwrap().is_some());
    }
}

both_backends! {
    async fn challenges_are_used_once_for_their_purpose(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let now = 1_800_000_000_000_000;
        let request = SignedRequest {
            method: "POST".into(),
            path: "/api/v1/cards/c1/hand-out".into(),
            idem_key: "k1".into(),
            body: br#"{"document":"passport"}"#.to_vec(),
            summary: "Hand out card c1".into(),
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_challenge(&challenge("c-sign-in", Purpose::SignIn, now, None)).await.unwrap();
        tx.insert_challenge(&challenge("c-action", Purpose::Action, now, Some(request.clone()))).await.unwrap();
        tx.insert_challenge(&challenge("c-late", Purpose::Enrol, now, None)).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        // Not for another purpose.
        assert_eq!(tx.use_challenge("c-sign-in", Purpose::Action, now).await.unwrap(), None);
        let used = tx.use_challenge("c-action", Purpose::Action, now + 1).await.unwrap().unwrap();
        assert_eq!(used, challenge("c-action", Purpose::Action, now, Some(request.clone())));
        assert_eq!(tx.use_challenge("c-action", Purpose::Action, now + 2).await.unwrap(), None);
        // Not at or after its validity.
        assert_eq!(tx.use_challenge("c-late", Purpose::Enrol, now + 5 * MINUTE).await.unwrap(), None);
        tx.commit().await.unwrap();

        // A used challenge's summary stays as it was; an unused one's can be replaced.
        let mut tx = store.begin().await.unwrap();
        assert!(!tx.set_challenge_summary("c-action", "changed").await.unwrap());
        assert!(tx.set_challenge_summary("c-sign-in", "{}").await.unwrap());
        tx.commit().await.unwrap();
        // Read back, used or not.
        let (read, used_us) = store.portal_challenge("c-action").await.unwrap().unwrap();
        assert_eq!((read, used_us), (challenge("c-action", Purpose::Action, now, Some(request)), Some(now + 1)));
        let (_, used_us) = store.portal_challenge("c-sign-in").await.unwrap().unwrap();
        assert_eq!(used_us, None);
        assert!(store.portal_challenge("nope").await.unwrap().is_none());

        // Two requests with one challenge: one wins.
        let attempt = || async {
            let mut tx = store.begin().await.unwrap();
            let got = tx.use_challenge("c-sign-in", Purpose::SignIn, now + 3).await.unwrap();
            tx.commit().await.unwrap();
            got.is_some()
        };
        let (a, b) = tokio::join!(attempt(), attempt());
        assert_eq!(usize::from(a) + usize::from(b), 1);

        let purged = store.purge_portal(now + 5 * MINUTE, 15 * MINUTE, 600 * MINUTE).await.unwrap();
        assert_eq!(purged.challenges, 3);
    }
}

both_backends! {
    async fn sessions_by_the_clock_passed_in(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let now = 1_800_000_000_000_000;
        let session = |id: &str, person: &str, at: i64| PortalSession {
            id_hash: id.into(),
            person: person.into(),
            auth: "passkey:AQID".into(),
            csrf: vec![3; 32],
            locale: None,
            created_us: at,
            last_seen_us: at,
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_session(&session("s1", "p1", now)).await.unwrap();
        tx.insert_session(&session("s2", "p1", now)).await.unwrap();
        tx.insert_session(&session("s3", "p2", now - 9 * 60 * MINUTE)).await.unwrap();
        tx.commit().await.unwrap();

        store.session_seen("s1", now + MINUTE).await.unwrap();
        // Never backwards.
        store.session_seen("s1", now).await.unwrap();
        store.set_session_locale("s1", "sv").await.unwrap();
        let s1 = store.portal_session("s1").await.unwrap().unwrap();
        assert_eq!((s1.last_seen_us, s1.locale.as_deref()), (now + MINUTE, Some("sv")));
        assert_eq!(s1.csrf, vec![3; 32]);

        // s2 idle 15 minutes, s3 seen a minute ago but 10 hours old: both purged; s1 stays.
        store.session_seen("s3", now + 14 * MINUTE).await.unwrap();
        let purged = store.purge_portal(now + 15 * MINUTE, 15 * MINUTE, 600 * MINUTE).await.unwrap();
        assert_eq!(purged.sessions, 1, "s2 idle");
        let purged = store.purge_portal(now + 60 * MINUTE, 60 * MINUTE, 600 * MINUTE).await.unwrap();
        assert_eq!(purged.sessions, 1, "s3 at its absolute limit");
        assert!(store.portal_session("s1").await.unwrap().is_some());
        assert!(store.portal_session("s3").await.unwrap().is_none());

        assert!(store.end_session("s1").await.unwrap());
        assert!(!store.end_session("s1").await.unwrap());
        let mut tx = store.begin().await.unwrap();
        tx.insert_session(&session("s4", "p3", now)).await.unwrap();
        tx.insert_session(&session("s5", "p3", now)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.end_sessions_of("p3").await.unwrap(), 2);
    }
}

both_backends! {
    async fn history_through_the_subject_index(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let actor = Actor::parse("officer:o1").unwrap();
        let events = [
            ("org-a", "person.registered", json!({"person": "P", "org": "U"})),
            ("org-a", "card.order_basis_created", json!({"card": "C", "person": "P"})),
            ("org-b", "card.ordered", json!({"card": "C", "officer": "P"})),
            ("org-a", "card.ordered", json!({"card": "D"})),
            ("org-a", "credential.ordered", json!({"credential": "K", "card": "C"})),
            ("org-a", "puk.ordered", json!({"order": "O", "person": "P", "card": {"nested": "C"}})),
        ];
        for (chain, action, payload) in &events {
            let mut tx = store.begin().await.unwrap();
            let mut event = AuditEvent::new(*chain, actor.clone(), *action, payload.clone());
            if *action == "card.ordered" {
                event.actor_signature = Some(b"sig".to_vec());
            }
            tx.append(event).await.unwrap();
            tx.commit().await.unwrap();
        }
        let of = |subjects: &[&str]| subjects.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let actions = |entries: &[tillit_store::portal::HistoryEntry]| {
            entries.iter().map(|e| e.action.clone()).collect::<Vec<_>>()
        };

        // The person and their card: every entry about either, newest first, once each;
        // "officer" is not a subject, nor is a nested value.
        let all = store.history(&of(&["P", "C", "K", "O"]), 50, None).await.unwrap();
        assert_eq!(
            actions(&all),
            ["puk.ordered", "credential.ordered", "card.ordered", "card.order_basis_created", "person.registered"]
        );
        assert_eq!(all[2].chain, "org-b");
        assert_eq!(all[2].actor_signature.as_deref(), Some(&b"sig"[..]));
        assert_eq!(all[0].payload["order"], "O");
        assert_eq!(store.history(&of(&["D"]), 50, None).await.unwrap().len(), 1);
        assert!(store.history(&of(&["nobody"]), 50, None).await.unwrap().is_empty());
        assert!(store.history(&[], 50, None).await.unwrap().is_empty());

        // Paged: two at a time, continuing after the last one seen.
        let subjects = of(&["P", "C", "K", "O"]);
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .history(&subjects, 2, before.as_ref().map(|(t, c, s): &(i64, String, i64)| (*t, c.as_str(), *s)))
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap();
            before = Some((last.time_us, last.chain.clone(), last.seq));
            seen.extend(actions(&page));
        }
        assert_eq!(seen, actions(&all));
    }
}

#[test]
fn subjects_of_a_payload() {
    assert_eq!(subjects(&json!({"person": "P", "card": "C", "officer": "X", "org": "U"})), ["C", "P"]);
    assert_eq!(subjects(&json!({"card": {"id": "C"}, "order": 3})), Vec::<&str>::new());
    assert_eq!(subjects(&json!({"person": "P", "credential": "P"})), ["P"]);
    assert_eq!(subjects(&json!(null)), Vec::<&str>::new());
}
