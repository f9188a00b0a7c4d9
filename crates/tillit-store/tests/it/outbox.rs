//! The notification outbox on both backends: a message exists iff its transaction
//! committed; claiming hides a message from other senders and counts an attempt; failures
//! are retried with back-off until the limit, then kept as failed; and the timed jobs' walk
//! over due records in (due, id) pages.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::OrgId;
use tillit_store::jobs::DueKey;
use tillit_store::outbox::{MessageStatus, NewMessage, RetryPolicy};
use tillit_store::records::Record;
use time::macros::date;
use uuid::Uuid;

use crate::both_backends;
use crate::support::TestSigner;

fn notice(n: u32) -> NewMessage {
    NewMessage {
        topic: "credential.renewal_notice".into(),
        record_kind: Some("credential".into()),
        record_id: Some(format!("c{n}")),
        recipient: format!("holder{n}@example.org"),
        subject: "Your e-service credential expires soon".into(),
        body: "Åtgärd: kontakta RA.\n".into(),
    }
}

both_backends! {
    async fn a_message_exists_iff_its_transaction_committed(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        let kept = tx.enqueue_message(&notice(1)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let lost = tx.enqueue_message(&notice(2)).await.unwrap();
        tx.rollback().await.unwrap();

        assert!(store.message(&lost).await.unwrap().is_none());
        let m = store.message(&kept).await.unwrap().unwrap();
        assert_eq!((m.status, m.attempts, m.sent_us), (MessageStatus::Pending, 0, None));
        assert_eq!(m.body, "Åtgärd: kontakta RA.\n");
        assert_eq!(store.messages_about("credential", "c1").await.unwrap().len(), 1);
        // R-PER-3: the recipient and the text never show in a Debug rendering (logs).
        let debug = format!("{m:?}");
        assert!(!debug.contains("holder1") && !debug.contains("expires"), "{debug}");

        // Claimed: one attempt, hidden from a second sender until the claim runs out.
        let claimed = store.claim_messages(10, 3_600_000_000).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!((claimed[0].id.as_str(), claimed[0].attempts), (kept.as_str(), 1));
        assert!(store.claim_messages(10, 3_600_000_000).await.unwrap().is_empty());
        assert!(store.mark_sent(&kept).await.unwrap());
        assert!(!store.mark_sent(&kept).await.unwrap(), "sent once");
        let m = store.message(&kept).await.unwrap().unwrap();
        assert_eq!(m.status, MessageStatus::Sent);
        assert!(m.sent_us.is_some());
        assert_eq!(store.messages(Some(MessageStatus::Sent), 10).await.unwrap().len(), 1);
    }
}

both_backends! {
    async fn failures_back_off_then_stay_visible_as_failed(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        let transient = tx.enqueue_message(&notice(1)).await.unwrap();
        let refused = tx.enqueue_message(&notice(2)).await.unwrap();
        tx.commit().await.unwrap();

        // A long back-off: after a transient failure the message is not due.
        let slow = RetryPolicy { max_attempts: 3, first_delay_us: 3_600_000_000, max_delay_us: 3_600_000_000 };
        let claimed = store.claim_messages(10, 1).await.unwrap();
        assert_eq!(claimed.len(), 2);
        for m in &claimed {
            let permanent = m.id == refused;
            let status = store.mark_failed(m, "550 5.1.1 mailbox unavailable", permanent, &slow).await.unwrap();
            assert_eq!(status, if permanent { MessageStatus::Failed } else { MessageStatus::Pending });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(store.claim_messages(10, 1).await.unwrap().is_empty(), "backing off");
        let failed = store.messages(Some(MessageStatus::Failed), 10).await.unwrap();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].last_error.as_deref(), Some("550 5.1.1 mailbox unavailable"));

        // A short back-off: retried until the limit, then failed for good and still there.
        let fast = RetryPolicy { max_attempts: 3, first_delay_us: 1, max_delay_us: 1 };
        let m = store.message(&transient).await.unwrap().unwrap();
        assert_eq!(m.attempts, 1);
        // Make it due now: the slow policy's delay is replaced by a retry with the fast one.
        sqlx_due_now(&store, &transient).await;
        for attempt in 2..=3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let claimed = store.claim_messages(10, 1).await.unwrap();
            assert_eq!(claimed.len(), 1, "attempt {attempt}");
            assert_eq!(claimed[0].attempts, attempt);
            let status = store.mark_failed(&claimed[0], "connection refused", false, &fast).await.unwrap();
            let expected = if attempt == 3 { MessageStatus::Failed } else { MessageStatus::Pending };
            assert_eq!(status, expected);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(store.claim_messages(10, 1).await.unwrap().is_empty());
        assert_eq!(store.messages(Some(MessageStatus::Failed), 10).await.unwrap().len(), 2);
    }
}

/// Moves a backing-off message's next attempt to the past, as time passing would.
async fn sqlx_due_now(store: &tillit_store::Store, id: &str) {
    let fast =
        RetryPolicy { max_attempts: 100, first_delay_us: -3_600_000_000, max_delay_us: -3_600_000_000 };
    // mark_failed needs a pending message it can see: reuse it with a negative delay.
    let m = store.message(id).await.unwrap().unwrap();
    assert_eq!(
        store.mark_failed(&m, "connection refused", false, &fast).await.unwrap(),
        MessageStatus::Pending
    );
}

#[test]
fn back_off_doubles_up_to_the_cap() {
    let retry = RetryPolicy::default();
    let minute = 60_000_000;
    assert_eq!(retry.delay_us(1), minute);
    assert_eq!(retry.delay_us(2), 2 * minute);
    assert_eq!(retry.delay_us(4), 8 * minute);
    assert_eq!(retry.delay_us(30), 6 * 60 * minute);
    assert_eq!(retry.max_attempts, 8);
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Nothing {}

both_backends! {
    async fn due_records_are_walked_in_pages(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_org(&Org {
            id: OrgId(Uuid::from_u128(1)),
            parent: None,
            kind: OrgKind::Organisation,
            name: "K".into(),
            org_number: None,
            hr_code: None,
        })
        .await
        .unwrap();
        for (id, status, due) in [
            ("a", "delivered", date!(2026 - 01 - 02)),
            ("b", "delivered", date!(2026 - 01 - 01)),
            ("c", "delivered", date!(2026 - 01 - 02)),
            ("d", "delivered", date!(2026 - 02 - 01)),
            ("e", "destroyed", date!(2026 - 01 - 01)),
        ] {
            let record = Record {
                kind: "card",
                id: id.into(),
                person: None,
                org: Some(OrgId(Uuid::from_u128(1))),
                status: status.into(),
                due: Some(due),
                state: Nothing {},
                version: 0,
            };
            tx.insert_record(&record).await.unwrap();
        }
        tx.commit().await.unwrap();

        let day = date!(2026 - 01 - 31);
        let first = store.due_record_keys("card", "delivered", day, None, 2).await.unwrap();
        assert_eq!(
            first,
            [DueKey { due: date!(2026 - 01 - 01), id: "b".into() }, DueKey { due: date!(2026 - 01 - 02), id: "a".into() }]
        );
        let second = store.due_record_keys("card", "delivered", day, first.last(), 2).await.unwrap();
        assert_eq!(second, [DueKey { due: date!(2026 - 01 - 02), id: "c".into() }]);
        assert!(store.due_record_keys("card", "delivered", day, second.last(), 2).await.unwrap().is_empty());
    }
}
