//! The directory on both backends: the tree round-trips, a person round-trips with their
//! employments, national ids are unique, searches are scoped and redacted (R-PER-3),
//! grants take effect and end at once (R-ORG-4).

use tillit_core::id::{Country, HsaId, NationalId, OrgNumber, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person::{Address, Employment, EmploymentKind, Person, PROTECTED};
use tillit_core::ra::role::{Grant, Role};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use tillit_store::people::PersonQuery;
use tillit_store::StoreError;
use time::macros::date;
use uuid::Uuid;

use crate::both_backends;
use crate::support::TestSigner;

fn org(n: u128, parent: Option<u128>, kind: OrgKind) -> Org {
    Org {
        id: OrgId(Uuid::from_u128(n)),
        parent: parent.map(|p| OrgId(Uuid::from_u128(p))),
        kind,
        name: format!("org {n}"),
        org_number: (kind == OrgKind::Organisation)
            .then(|| OrgNumber::parse(Country::Se, "2120000738").unwrap()),
        hr_code: Some(format!("U{n}")),
    }
}

fn person(n: u128, national: &str, family: &str, org: u128, protected: bool) -> Person {
    let opts = ParseOptions::new(date!(2026 - 01 - 01));
    Person {
        id: PersonId(Uuid::from_u128(100 + n)),
        national_id: NationalId::parse(Country::Se, national, &opts).unwrap(),
        given_names: "Anna Maria".into(),
        family_name: family.into(),
        preferred_name: Some("Maria".into()),
        hsa_id: Some(HsaId::parse(&format!("SE2120000738-p{n}")).unwrap()),
        email: Some("a@example.org".into()),
        mobile: None,
        address: Some(Address {
            lines: vec!["Storgatan 1".into()],
            postal_code: "36131".into(),
            town: "Emmaboda".into(),
            country: "SE".into(),
        }),
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(Uuid::from_u128(org)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end: Some(date!(2027 - 12 - 31)),
        }],
        licensed_title: None,
        protected,
        name_checked: Some(date!(2025 - 06 - 01)),
    }
}

fn query(text: &str, orgs: Option<Vec<u128>>, may_see_protected: bool) -> PersonQuery {
    PersonQuery {
        text: text.into(),
        orgs: orgs.map(|o| o.into_iter().map(|n| OrgId(Uuid::from_u128(n))).collect()),
        may_see_protected,
        limit: 50,
        after: None,
    }
}

both_backends! {
    async fn directory_round_trips_and_searches_are_scoped_and_redacted(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        for o in [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)] {
            tx.insert_org(&o).await.unwrap();
        }
        let anna = person(1, "19121212-1212", "Tolvansson", 2, false);
        let hidden = person(2, "19800101-0001", "Tolvberg", 3, true);
        tx.insert_person(&anna).await.unwrap();
        tx.insert_person(&hidden).await.unwrap();
        tx.commit().await.unwrap();

        let tree = OrgTree::new(store.orgs().await.unwrap()).unwrap();
        assert_eq!(tree.len(), 3);
        assert!(tree.within(OrgId(Uuid::from_u128(2)), OrgId(Uuid::from_u128(1))));
        assert_eq!(store.person(anna.id).await.unwrap().unwrap().person, anna);
        assert_eq!(store.person_by_national_id(&hidden.national_id).await.unwrap().unwrap().person, hidden);

        // The same national id twice is refused and changes nothing.
        let mut tx = store.begin().await.unwrap();
        let twin = Person { id: PersonId(Uuid::from_u128(999)), ..anna.clone() };
        assert!(matches!(tx.insert_person(&twin).await, Err(StoreError::Duplicate { .. })));
        drop(tx);
        assert!(store.person(twin.id).await.unwrap().is_none());

        // Name search: the protected person is not matched without the right (R-PER-3).
        let names = |rows: Vec<tillit_store::people::PersonSummary>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(names(store.search_persons(&query("tolv", None, false)).await.unwrap()), ["Maria Tolvansson"]);
        assert_eq!(
            names(store.search_persons(&query("TOLV", None, true)).await.unwrap()),
            ["Maria Tolvansson", "Maria Tolvberg"]
        );
        // By national id the row is found, but its name stays hidden.
        assert_eq!(names(store.search_persons(&query("198001010001", None, false)).await.unwrap()), [PROTECTED]);
        // Scope: only persons employed in the given nodes.
        assert_eq!(names(store.search_persons(&query("tolv", Some(vec![3]), true)).await.unwrap()), ["Maria Tolvberg"]);
        assert!(store.search_persons(&query("tolv", Some(vec![]), true)).await.unwrap().is_empty());
        // Pagination continues after the last key.
        let first = store.search_persons(&PersonQuery { limit: 1, ..query("tolv", None, true) }).await.unwrap();
        let next = store
            .search_persons(&PersonQuery { after: Some(first[0].id), ..query("tolv", None, true) })
            .await
            .unwrap();
        assert_eq!(names(next), ["Maria Tolvberg"]);
        // A protected person's id is no cursor for a viewer without the right: it would
        // show where the hidden name sorts (R-PER-3). Nor is any cursor on an exact search.
        let probe = PersonQuery { after: Some(hidden.id), ..query("a", None, false) };
        assert!(store.search_persons(&probe).await.unwrap().is_empty());
        let exact = PersonQuery { after: Some(first[0].id), ..query("198001010001", None, true) };
        assert!(store.search_persons(&exact).await.unwrap().is_empty());
        // Rows carry no name-derived key: the only text is the (redacted) name.
        let found = store.search_persons(&query("198001010001", None, false)).await.unwrap();
        assert!(!format!("{found:?}").to_lowercase().contains("tolvberg"), "{found:?}");

        // Update replaces fields and employments.
        let mut changed = anna.clone();
        changed.family_name = "Svensson".into();
        changed.employments[0].end = Some(date!(2026 - 06 - 30));
        let mut tx = store.begin().await.unwrap();
        tx.update_person(&changed).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.person(anna.id).await.unwrap().unwrap().person, changed);
        assert_eq!(names(store.search_persons(&query("svens", None, false)).await.unwrap()), ["Maria Svensson"]);

        // Grants take effect and end at once.
        let grant = Grant { id: GrantId(Uuid::from_u128(7)), person: anna.id, role: Role::Kra, scope: OrgId(Uuid::from_u128(1)) };
        let mut tx = store.begin().await.unwrap();
        tx.insert_grant(&grant, &serde_json::json!({})).await.unwrap();
        assert_eq!(tx.next_counter("org-1", "hsa").await.unwrap(), 1);
        assert_eq!(tx.next_counter("org-1", "hsa").await.unwrap(), 2);
        tx.commit().await.unwrap();
        assert_eq!(store.grants_of(anna.id).await.unwrap(), std::slice::from_ref(&grant));
        let mut tx = store.begin().await.unwrap();
        tx.remove_grant(grant.id).await.unwrap();
        tx.commit().await.unwrap();
        assert!(store.grants_of(anna.id).await.unwrap().is_empty());
        assert!(store.grants().await.unwrap().is_empty());
    }
}
