//! The audit log on both backends: appends, transactions, tampering (SPEC R-AUD-2).

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent, Fault, KeyRing, Located, SYSTEM_CHAIN};
use tillit_store::{StoreOptions, VerifyOptions, VerifyReport};

use crate::both_backends;
use crate::support::{TestDb, TestSigner};

fn event(chain: &str, n: u64) -> AuditEvent {
    AuditEvent::new(chain, Actor::parse("officer:o-1").unwrap(), "test.appended", json!({ "n": n }))
}

/// A store with `n` entries in chain `org-a`, checkpoints every 4.
async fn filled(db: &TestDb, n: u64) -> tillit_store::Store {
    let store = db
        .store_with(TestSigner::new(1), StoreOptions { checkpoint_interval: 4, ..Default::default() })
        .await;
    for i in 1..=n {
        store.append(event("org-a", i)).await.unwrap();
    }
    store
}

async fn verify(db: &TestDb) -> VerifyReport {
    let store = tillit_store::Store::open(&db.url, StoreOptions::default()).await.unwrap();
    let report = store.verify_audit(&VerifyOptions::default()).await.unwrap();
    store.close().await;
    report
}

fn fault(report: &VerifyReport) -> (String, u64, Fault) {
    let Located { chain, seq, fault } = report.fault.clone().expect("tampering must be detected");
    (chain, seq, fault)
}

both_backends! {
    async fn appends_chain_and_verify(db: TestDb) {
        let store = filled(&db, 10).await;
        let mut tx = store.begin().await.unwrap();
        let a = tx.append(event("org-b", 1)).await.unwrap();
        let b = tx.append(event("org-b", 2)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        let report = verify(&db).await;
        assert_eq!(report.fault, None);
        // 10 + 2 entries, plus the key registration in the system chain.
        assert_eq!((report.chains, report.entries, report.checkpoints, report.keys), (3, 13, 2, 1));
        let heads = store.audit_heads().await.unwrap();
        assert_eq!(heads, vec![("org-a".into(), 10), ("org-b".into(), 2), (SYSTEM_CHAIN.into(), 1)]);
    }
}

both_backends! {
    async fn a_rolled_back_transaction_leaves_no_trace(db: TestDb) {
        let store = filled(&db, 2).await;
        let mut tx = store.begin().await.unwrap();
        tx.append(event("org-a", 3)).await.unwrap();
        tx.append(event("org-new", 1)).await.unwrap();
        drop(tx);
        let next = store.append(event("org-a", 3)).await.unwrap();
        assert_eq!(next.seq, 3);
        let report = verify(&db).await;
        assert_eq!((report.fault, report.entries), (None, 4));
    }
}

both_backends! {
    async fn a_bad_event_is_refused_and_changes_nothing(db: TestDb) {
        let store = filled(&db, 1).await;
        let bad = AuditEvent::new("org a", Actor::system("t"), "test.appended", json!({}));
        assert!(store.append(bad).await.unwrap_err().to_string().contains("chain"));
        let bad = AuditEvent::new("org-a", Actor::system("t"), "Not An Action", json!({}));
        assert!(store.append(bad).await.unwrap_err().to_string().contains("action"));
        assert_eq!(verify(&db).await.entries, 2);
    }
}

both_backends! {
    async fn the_log_refuses_update_and_delete(db: TestDb) {
        let store = filled(&db, 2).await;
        store.close().await;
        for sql in ["UPDATE audit_entries SET payload = '{}' WHERE seq = 1", "DELETE FROM audit_entries WHERE seq = 1"] {
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(db.url.as_str()).await.unwrap();
            let err = sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert_eq!(verify(&db).await.fault, None);
    }
}

both_backends! {
    async fn an_altered_entry_is_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        db.tamper("UPDATE audit_entries SET payload = '{\"n\":99}' WHERE chain = 'org-a' AND seq = 3").await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 3, Fault::Content));
    }
}

both_backends! {
    async fn an_altered_actor_or_time_is_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        db.tamper("UPDATE audit_entries SET actor = 'officer:o-2' WHERE chain = 'org-a' AND seq = 5").await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 5, Fault::Content));
    }
}

both_backends! {
    async fn a_deleted_entry_is_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        db.tamper("DELETE FROM audit_entries WHERE chain = 'org-a' AND seq = 3").await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 4, Fault::Sequence { expected: 3, found: 4 }));
    }
}

both_backends! {
    async fn a_deleted_last_entry_is_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        db.tamper("DELETE FROM audit_entries WHERE chain = 'org-a' AND seq = 6").await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 6, Fault::Head { head: 6, last: 5 }));
    }
}

both_backends! {
    async fn reordered_entries_are_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        db.tamper(
            "UPDATE audit_entries SET seq = 1000 WHERE chain = 'org-a' AND seq = 2; \
             UPDATE audit_entries SET seq = 2 WHERE chain = 'org-a' AND seq = 3; \
             UPDATE audit_entries SET seq = 3 WHERE chain = 'org-a' AND seq = 1000;",
        )
        .await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 2, Fault::Link));
    }
}

both_backends! {
    async fn an_inserted_entry_is_detected(db: TestDb) {
        filled(&db, 6).await.close().await;
        db.drop_append_only_guard().await;
        // A copy of entry 6 appended as entry 7, with the head moved along.
        db.tamper(
            "INSERT INTO audit_entries (chain, seq, prev_hash, time_us, actor, action, payload, actor_signature, \
             key_id, node_signature, hash) SELECT chain, 7, prev_hash, time_us, actor, action, payload, \
             actor_signature, key_id, node_signature, hash FROM audit_entries WHERE chain = 'org-a' AND seq = 6; \
             UPDATE audit_heads SET seq = 7 WHERE chain = 'org-a';",
        )
        .await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 7, Fault::Link));
    }
}

both_backends! {
    async fn an_entry_in_a_chain_without_head_is_detected(db: TestDb) {
        filled(&db, 2).await.close().await;
        db.tamper(
            "INSERT INTO audit_entries (chain, seq, prev_hash, time_us, actor, action, payload, actor_signature, \
             key_id, node_signature, hash) SELECT 'org-z', seq, prev_hash, time_us, actor, action, payload, \
             actor_signature, key_id, node_signature, hash FROM audit_entries WHERE chain = 'org-a' AND seq = 1",
        )
        .await;
        let (chain, _, fault) = fault(&verify(&db).await);
        assert_eq!(chain, "org-z");
        assert!(matches!(fault, Fault::Content | Fault::Head { .. }), "{fault:?}");
    }
}

both_backends! {
    async fn a_forged_signature_or_checkpoint_is_detected(db: TestDb) {
        filled(&db, 8).await.close().await;
        db.tamper("UPDATE audit_checkpoints SET time_us = time_us + 1 WHERE chain = 'org-a' AND seq = 8").await;
        assert_eq!(fault(&verify(&db).await), ("org-a".into(), 8, Fault::CheckpointSignature));
    }
}

both_backends! {
    async fn pinned_keys_reject_a_key_planted_in_the_database(db: TestDb) {
        filled(&db, 3).await.close().await;
        // Someone with database access re-signs the log with their own key and registers it.
        let forger = TestSigner::new(2);
        let store = db.store(forger.clone()).await;
        store.append(event("org-a", 4)).await.unwrap();
        store.close().await;
        assert_eq!(verify(&db).await.fault, None, "the database's own keys are consistent");
        let mut pinned = KeyRing::default();
        pinned.insert(tillit_core::audit::AuditSigner::public_key(&*TestSigner::new(1)).clone());
        let store = tillit_store::Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let report = store.verify_audit(&VerifyOptions { trusted: Some(pinned), ..Default::default() }).await.unwrap();
        let (chain, _, fault) = fault(&report);
        assert!(matches!(fault, Fault::UnknownKey(_)), "{chain} {fault:?}");
    }
}

both_backends! {
    async fn concurrent_writers_never_fork_a_chain(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tasks = Vec::new();
        for w in 0..4u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let mut tx = store.begin().await.unwrap();
                    tx.append(event("org-a", w * 100 + i)).await.unwrap();
                    tx.append(event("org-b", w * 100 + i)).await.unwrap();
                    tx.commit().await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = verify(&db).await;
        assert_eq!((report.fault, report.entries), (None, 201));
    }
}

both_backends! {
    async fn a_range_verifies_from_a_signed_checkpoint(db: TestDb) {
        filled(&db, 10).await.close().await;
        let store = tillit_store::Store::open(&db.url, StoreOptions::default()).await.unwrap();
        let from = |seq: u64| VerifyOptions { from_checkpoint: Some(("org-a".into(), seq)), ..Default::default() };

        let report = store.verify_audit(&from(4)).await.unwrap();
        assert_eq!((report.fault, report.chains, report.entries, report.checkpoints), (None, 1, 6, 2));

        let report = store.verify_audit(&from(0)).await.unwrap();
        assert_eq!((report.fault, report.chains, report.entries), (None, 1, 10));
        let report = store.verify_audit(&from(5)).await.unwrap();
        assert_eq!(fault(&report), ("org-a".into(), 5, Fault::NoCheckpoint));
        let report = store.verify_audit(&VerifyOptions { from_checkpoint: Some(("org-x".into(), 4)), ..Default::default() }).await.unwrap();
        assert_eq!(fault(&report), ("org-x".into(), 4, Fault::NoCheckpoint));
        store.close().await;

        // Damage before the checkpoint is outside the range; damage after it is found.
        db.drop_append_only_guard().await;
        db.tamper("UPDATE audit_entries SET payload = '{}' WHERE chain = 'org-a' AND seq = 2").await;
        let store = tillit_store::Store::open(&db.url, StoreOptions::default()).await.unwrap();
        assert_eq!(store.verify_audit(&from(4)).await.unwrap().fault, None);
        assert_eq!(fault(&store.verify_audit(&VerifyOptions::default()).await.unwrap()).1, 2);
        db.tamper("UPDATE audit_entries SET payload = '{}' WHERE chain = 'org-a' AND seq = 6").await;
        assert_eq!(fault(&store.verify_audit(&from(4)).await.unwrap()), ("org-a".into(), 6, Fault::Content));
        // A forged checkpoint is no starting point.
        db.tamper("UPDATE audit_checkpoints SET time_us = time_us + 1 WHERE chain = 'org-a' AND seq = 4").await;
        assert_eq!(fault(&store.verify_audit(&from(4)).await.unwrap()), ("org-a".into(), 4, Fault::CheckpointSignature));
        store.close().await;
    }
}
