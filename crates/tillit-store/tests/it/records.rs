//! Routine records on both backends: insert once, versioned updates refuse a stale write,
//! lookups by person and by due date for timed jobs.

use serde::{Deserialize, Serialize};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::records::Record;
use tillit_store::StoreError;
use time::macros::date;
use uuid::Uuid;

use crate::both_backends;
use crate::support::TestSigner;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CardState {
    steps: Vec<String>,
}

fn record(id: &str, status: &str, due: Option<time::Date>) -> Record<CardState> {
    Record {
        kind: "card",
        id: id.into(),
        person: None,
        org: Some(OrgId(Uuid::from_u128(1))),
        status: status.into(),
        due,
        state: CardState { steps: vec!["ordered".into()] },
        version: 0,
    }
}

both_backends! {
    async fn records_are_versioned_and_found_by_due_date(db: TestDb) {
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
        tx.insert_record(&record("c1", "delivered", Some(date!(2026 - 01 - 10)))).await.unwrap();
        tx.insert_record(&record("c2", "delivered", Some(date!(2026 - 03 - 10)))).await.unwrap();
        tx.insert_record(&record("c3", "handed_out", Some(date!(2026 - 01 - 01)))).await.unwrap();
        assert!(matches!(
            tx.insert_record(&record("c1", "ordered", None)).await,
            Err(StoreError::Duplicate { .. })
        ));
        tx.commit().await.unwrap();

        let read: Record<CardState> = store.record("card", "c1").await.unwrap().unwrap();
        assert_eq!((read.version, read.status.as_str()), (1, "delivered"));
        assert_eq!(read.state.steps, ["ordered"]);

        // Two officers read version 1; the first write wins, the second is refused.
        let mut first = read.clone();
        first.state.steps.push("handed_out".into());
        first.status = "handed_out".into();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.update_record(&first).await.unwrap(), 2);
        tx.commit().await.unwrap();
        let mut second = read.clone();
        second.status = "destroyed".into();
        let mut tx = store.begin().await.unwrap();
        assert!(matches!(tx.update_record(&second).await, Err(StoreError::Conflict { .. })));
        drop(tx);
        let now: Record<CardState> = store.record("card", "c1").await.unwrap().unwrap();
        assert_eq!((now.version, now.status.as_str(), now.state.steps.len()), (2, "handed_out", 2));

        // Timed jobs: delivered cards due by a day, oldest first.
        let due: Vec<Record<CardState>> =
            store.records_due("card", "delivered", date!(2026 - 03 - 31), 10).await.unwrap();
        assert_eq!(due.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["c2"]);
        let none: Vec<Record<CardState>> = store.records_of_person("card", PersonId(Uuid::from_u128(5))).await.unwrap();
        assert!(none.is_empty());
        assert!(store.record::<CardState>("card", "nope").await.unwrap().is_none());
    }
}

both_backends! {
    async fn a_units_records_come_a_page_at_a_time(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        for n in [1u128, 2] {
            tx.insert_org(&Org {
                id: OrgId(Uuid::from_u128(n)),
                parent: None,
                kind: OrgKind::Organisation,
                name: format!("K{n}"),
                org_number: None,
                hr_code: None,
            })
            .await
            .unwrap();
        }
        for i in 0..7 {
            let status = if i % 2 == 0 { "in_stock" } else { "discarded" };
            tx.insert_record(&record(&format!("e{i}"), status, None)).await.unwrap();
        }
        // Another unit's record and another kind are never listed.
        tx.insert_record(&Record { org: Some(OrgId(Uuid::from_u128(2))), ..record("e9", "in_stock", None) })
            .await
            .unwrap();
        tx.insert_record(&Record { kind: "other", ..record("e8", "in_stock", None) }).await.unwrap();
        tx.commit().await.unwrap();

        let unit = OrgId(Uuid::from_u128(1));
        let ids = |page: &[Record<CardState>]| page.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        let first: Vec<Record<CardState>> = store.records_of_org("card", unit, &[], None, 3).await.unwrap();
        assert_eq!(ids(&first), ["e0", "e1", "e2"]);
        let second: Vec<Record<CardState>> =
            store.records_of_org("card", unit, &[], Some("e2"), 3).await.unwrap();
        assert_eq!(ids(&second), ["e3", "e4", "e5"]);
        let last: Vec<Record<CardState>> = store.records_of_org("card", unit, &[], Some("e5"), 3).await.unwrap();
        assert_eq!(ids(&last), ["e6"]);
        let in_stock: Vec<Record<CardState>> =
            store.records_of_org("card", unit, &["in_stock"], None, 1000).await.unwrap();
        assert_eq!(ids(&in_stock), ["e0", "e2", "e4", "e6"]);
        let both: Vec<Record<CardState>> =
            store.records_of_org("card", unit, &["in_stock", "discarded"], Some("e4"), 0).await.unwrap();
        assert_eq!(ids(&both), ["e5"], "a limit under 1 reads one");
        let other: Vec<Record<CardState>> =
            store.records_of_org("card", OrgId(Uuid::from_u128(2)), &[], None, 10).await.unwrap();
        assert_eq!(ids(&other), ["e9"]);
    }
}
