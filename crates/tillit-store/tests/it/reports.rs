//! What the reports read, on both backends: records of a kind a page at a time, scoped to a
//! set of units (also more units than one statement takes), by status, due date and
//! "holder removed" (R-PER-5); persons by id with their employments, removed ones included.

use serde::{Deserialize, Serialize};
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::records::Record;
use tillit_store::reports::{Cursor, RecordFilter};
use tillit_store::Store;
use time::macros::date;
use uuid::Uuid;

use crate::both_backends;
use crate::support::TestSigner;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    n: u32,
}

fn org(n: u128, parent: Option<u128>) -> Org {
    Org {
        id: OrgId(Uuid::from_u128(n)),
        parent: parent.map(|p| OrgId(Uuid::from_u128(p))),
        kind: if parent.is_none() { OrgKind::Organisation } else { OrgKind::Unit },
        name: format!("org {n}"),
        org_number: None,
        hr_code: None,
    }
}

fn person(n: u128, national: &str) -> Person {
    Person {
        id: PersonId(Uuid::from_u128(n)),
        national_id: NationalId::parse(Country::Se, national, &ParseOptions::new(date!(2026 - 01 - 01)))
            .unwrap(),
        given_names: "Anna".into(),
        family_name: format!("Person{n}"),
        preferred_name: None,
        hsa_id: None,
        email: None,
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(Uuid::from_u128(2)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end: Some(date!(2025 - 12 - 31)),
        }],
        licensed_title: None,
        protected: false,
        name_checked: None,
    }
}

fn record(n: u32, unit: u128, status: &str, due: Option<time::Date>, person: Option<u128>) -> Record<State> {
    Record {
        kind: "card",
        id: format!("c{n:04}"),
        person: person.map(|p| PersonId(Uuid::from_u128(p))),
        org: Some(OrgId(Uuid::from_u128(unit))),
        status: status.into(),
        due,
        state: State { n },
        version: 0,
    }
}

/// Every record of `filter`, read `limit` at a time; the numbers in reading order.
async fn scan(store: &Store, filter: &RecordFilter, limit: u32) -> (Vec<u32>, usize) {
    let mut cursor: Option<Cursor> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = store.records_page::<State>(filter, cursor.as_ref(), limit).await.unwrap();
        pages += 1;
        assert!(page.records.len() <= limit as usize);
        seen.extend(page.records.iter().map(|r| r.state.n));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return (seen, pages),
        }
    }
}

both_backends! {
    async fn records_are_read_a_page_at_a_time_within_the_scope(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        // An organisation (1) with 600 units (2..=601): more than one statement's worth.
        tx.insert_org(&org(1, None)).await.unwrap();
        for n in 2..=601 {
            tx.insert_org(&org(n, Some(1))).await.unwrap();
        }
        tx.insert_person(&person(10, "19121212-1212")).await.unwrap();
        tx.insert_person(&person(11, "19800101-0001")).await.unwrap();
        tx.remove_person(PersonId(Uuid::from_u128(11))).await.unwrap();
        // Ten records in unit 2, ten in unit 601, five in unit 3.
        for n in 0..25u32 {
            let unit = match n { 0..=9 => 2, 10..=19 => 601, _ => 3 };
            let status = if n % 2 == 0 { "in_use" } else { "returned" };
            let due = Some(date!(2026 - 01 - 01) + time::Duration::days(i64::from(n)));
            let holder = if n % 5 == 0 { Some(11) } else { Some(10) };
            tx.insert_record(&record(n, unit, status, due, holder)).await.unwrap();
        }
        tx.commit().await.unwrap();

        // Everything, 4 at a time.
        let all = RecordFilter::of_kind("card");
        let (seen, pages) = scan(&store, &all, 4).await;
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
        assert_eq!(pages, 7);
        assert!(scan(&store, &RecordFilter::of_kind("credential"), 4).await.0.is_empty());

        // Scoped to every unit: the same records, in two batches of units.
        let units: Vec<OrgId> = (2..=601).map(|n| OrgId(Uuid::from_u128(n))).collect();
        let (mut seen, _) = scan(&store, &all.clone().orgs(Some(units.clone())), 3).await;
        seen.sort();
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
        // Units 2 and 601 only (in different batches), by status.
        let two = vec![OrgId(Uuid::from_u128(601)), OrgId(Uuid::from_u128(2))];
        let filter = all.clone().orgs(Some(two)).statuses(&["in_use"]);
        let (mut seen, _) = scan(&store, &filter, 2).await;
        seen.sort();
        assert_eq!(seen, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
        // No units: nothing (R-ORG-1).
        assert!(scan(&store, &all.clone().orgs(Some(Vec::new())), 2).await.0.is_empty());
        // Due on or before the 5th.
        let (seen, _) = scan(&store, &all.clone().due_until(date!(2026 - 01 - 05)), 10).await;
        assert_eq!(seen, [0, 1, 2, 3, 4]);
        // Holder removed from the directory (R-PER-5).
        let (seen, _) = scan(&store, &all.clone().holder_removed(), 10).await;
        assert_eq!(seen, [0, 5, 10, 15, 20]);

        // Persons by id, removed ones included, with their employments; unknown ids left out.
        let found = store
            .persons_by_ids(&[PersonId(Uuid::from_u128(11)), PersonId(Uuid::from_u128(10)), PersonId(Uuid::from_u128(99))])
            .await
            .unwrap();
        let mut got: Vec<(u128, bool, usize)> =
            found.iter().map(|p| (p.person.id.0.as_u128(), p.removed_us.is_some(), p.person.employments.len())).collect();
        got.sort();
        assert_eq!(got, [(10, false, 1), (11, true, 1)]);
        let present = store
            .present_persons(&[PersonId(Uuid::from_u128(11)), PersonId(Uuid::from_u128(10))])
            .await
            .unwrap();
        assert_eq!(present, [PersonId(Uuid::from_u128(10))]);
        assert!(store.certificate_subjects(&["0badc0de".into()]).await.unwrap().is_empty());
    }
}
