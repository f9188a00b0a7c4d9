//! What the API keeps about requests, on both backends: the answer under an idempotency
//! key (kept once, a concurrent second write refused, nothing kept when the change rolls
//! back), files by hash, one-time download codes used once, and the officer-signed entries.

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent};
use tillit_store::actions::Remembered;

use crate::both_backends;
use crate::support::TestSigner;

both_backends! {
    async fn answers_files_codes_and_signed_entries(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let answer = Remembered { request: "ab".repeat(32), status: 201, response: "{\"id\":1}".into() };

        // Kept with the change; a rolled-back change keeps no answer.
        let mut tx = store.begin().await.unwrap();
        assert!(tx.remember("person:a", "k1", &answer).await.unwrap());
        tx.rollback().await.unwrap();
        assert_eq!(store.remembered("person:a", "k1").await.unwrap(), None);
        let mut tx = store.begin().await.unwrap();
        assert!(tx.remember("person:a", "k1", &answer).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.remembered("person:a", "k1").await.unwrap(), Some(answer.clone()));
        // The same key again is not kept twice; keys are per principal.
        let mut tx = store.begin().await.unwrap();
        assert!(!tx.remember("person:a", "k1", &Remembered { status: 500, ..answer.clone() }).await.unwrap());
        assert!(tx.remember("person:b", "k1", &answer).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.remembered("person:a", "k1").await.unwrap().unwrap().status, 201);

        // Files by content hash, once.
        let mut tx = store.begin().await.unwrap();
        tx.put_file("f00d", "image/jpeg", &[0xFF, 0xD8, 0xFF]).await.unwrap();
        tx.put_file("f00d", "image/jpeg", &[0xFF, 0xD8, 0xFF]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.file("f00d").await.unwrap(), Some(("image/jpeg".into(), vec![0xFF, 0xD8, 0xFF])));
        assert_eq!(store.file("beef").await.unwrap(), None);

        // A download code works once.
        let mut tx = store.begin().await.unwrap();
        tx.insert_download_code("c0de", "cred-1", "2026-12-08").await.unwrap();
        tx.commit().await.unwrap();
        let code = store.download_code("c0de").await.unwrap().unwrap();
        assert_eq!((code.credential.as_str(), code.expires.as_str(), code.used_us), ("cred-1", "2026-12-08", None));
        let mut tx = store.begin().await.unwrap();
        assert!(tx.use_download_code("c0de").await.unwrap());
        assert!(!tx.use_download_code("c0de").await.unwrap());
        assert!(!tx.use_download_code("nope").await.unwrap());
        tx.commit().await.unwrap();
        assert!(store.download_code("c0de").await.unwrap().unwrap().used_us.is_some());

        // Only entries with an officer's signature are listed, in chain order.
        let actor = Actor::parse("officer:1").unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.append(AuditEvent::new("org-a", actor.clone(), "card.ordered", json!({}))).await.unwrap();
        let mut signed = AuditEvent::new("org-a", actor, "card.delivered", json!({}));
        signed.actor_signature = Some(b"sig".to_vec());
        tx.append(signed).await.unwrap();
        tx.commit().await.unwrap();
        // The passkey registry as `tillit audit verify` reads it: entries of chosen actions,
        // with their payloads and times, across chains.
        let mut tx = store.begin().await.unwrap();
        tx.append(AuditEvent::new("system", Actor::parse("officer:1").unwrap(), "passkey.registered", json!({"person": "1"})))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let registry = store.entries_with_actions(&["passkey.registered", "passkey.removed"]).await.unwrap();
        assert_eq!(registry.len(), 1);
        assert_eq!((registry[0].chain.as_str(), registry[0].action.as_str()), ("system", "passkey.registered"));
        assert_eq!(registry[0].payload["person"], "1");
        assert!(registry[0].time_us > 0);
        assert!(store.entries_with_actions(&[]).await.unwrap().is_empty());
        let entries = store.signed_entries().await.unwrap();
        assert_eq!(entries.len(), 1);
        assert!(entries[0].time_us <= registry[0].time_us);
        assert_eq!((entries[0].action.as_str(), entries[0].seq, entries[0].signature.as_slice()), ("card.delivered", 2, &b"sig"[..]));
    }
}
