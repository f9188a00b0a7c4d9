//! The RA API's authorisation matrix: every endpoint × every role × (inside / outside the
//! role's subtree) → the expected answer, with 0 wrong answers; protected identities never
//! shown without the right (R-PER-3); a certificate bound to no one is refused.

use serde_json::Value;
use tillit_core::audit::Actor;
use tillit_core::id::{Country, NationalId, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind};
use tillit_core::ra::person::{Employment, EmploymentKind, Person, PROTECTED};
use tillit_core::ra::role::{Grant, Permission, ROLES};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use time::macros::date;
use uuid::Uuid;

use super::p256_csr;
use super::tls::start;

fn org(n: u128, parent: Option<u128>, kind: OrgKind) -> Org {
    Org {
        id: OrgId(Uuid::from_u128(n)),
        parent: parent.map(|p| OrgId(Uuid::from_u128(p))),
        kind,
        name: format!("org {n}"),
        org_number: None,
        hr_code: Some(format!("U{n}")),
    }
}

fn person(n: u128, national: &str, family: &str, unit: u128, protected: bool) -> Person {
    Person {
        id: PersonId(Uuid::from_u128(n)),
        national_id: NationalId::parse(Country::Se, national, &ParseOptions::new(date!(2026 - 01 - 01)))
            .unwrap(),
        given_names: "Anna".into(),
        family_name: family.into(),
        preferred_name: None,
        hsa_id: None,
        email: Some(format!("{n}@example.org")),
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(Uuid::from_u128(unit)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end: None,
        }],
        licensed_title: None,
        protected,
        name_checked: None,
    }
}

/// A valid personnummer for the n-th officer.
fn officer_id(n: u32) -> String {
    let nine = format!("7501{:02}{:03}", 1 + n % 28, 100 + n);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(k, b)| {
            let d = u32::from(b - b'0') * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    format!("19{nine}{}", (10 - sum % 10) % 10)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_times_every_role_inside_and_outside_its_subtree() {
    let node = start().await;
    let root = node.root_pem();
    let store = &node.state.store;
    // K (1) with units A (2) and B (3). Target persons: Tolvansson in A, Tolvberg in B,
    // protected Tolvgren in A.
    let mut tx = store.begin().await.unwrap();
    for o in
        [org(1, None, OrgKind::Organisation), org(2, Some(1), OrgKind::Unit), org(3, Some(1), OrgKind::Unit)]
    {
        tx.insert_org(&o).await.unwrap();
    }
    let inside = person(100, "19121212-1212", "Tolvansson", 2, false);
    let outside = person(101, "19800101-0001", "Tolvberg", 3, false);
    let hidden = person(102, "19700101-0003", "Tolvgren", 2, true);
    for p in [&inside, &outside, &hidden] {
        tx.insert_person(p).await.unwrap();
    }
    tx.commit().await.unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for (i, role) in ROLES.into_iter().enumerate() {
        // An officer holding `role` on unit A only, with a client certificate bound to them.
        let officer = person(200 + i as u128, &officer_id(i as u32), "Officer", 2, false);
        let csr = p256_csr(tmp.path(), &format!("officer-{i}"));
        let issued = node
            .state
            .ca
            .issue_from_csr(&Actor::system("test"), "ca", "function", &csr, Some(1))
            .await
            .unwrap();
        let key = std::fs::read_to_string(tmp.path().join("k.pem")).unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.insert_person(&officer).await.unwrap();
        let grant = Grant {
            id: GrantId(Uuid::from_u128(300 + i as u128)),
            person: officer.id,
            role,
            scope: OrgId(Uuid::from_u128(2)),
        };
        tx.insert_grant(&grant, &serde_json::json!({})).await.unwrap();
        tx.bind_principal(&issued.serial, officer.id).await.unwrap();
        tx.commit().await.unwrap();
        let client = node.client(&root, "localhost", Some(&format!("{}{key}", issued.pem)));
        let get = |path: String| {
            let client = client.clone();
            let url = node.url("localhost", &path);
            async move {
                let r = client.get(url).send().await.unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let reads = role.permissions().contains(&Permission::ReadPeople);
        let kur = role.permissions().contains(&Permission::ProtectedIdentity);
        let check = |wrong: &mut Vec<String>, what: &str, got: u16, want: u16| {
            if got != want {
                wrong.push(format!("{role:?}: {what}: got {got}, want {want}"));
            }
        };

        let (status, body) = get(format!("/api/v1/persons/{}", inside.id)).await;
        check(&mut wrong, "person inside", status, if reads { 200 } else { 404 });
        if status == 200 && body["name"] != "Anna Tolvansson" {
            wrong.push(format!("{role:?}: inside name {}", body["name"]));
        }
        let (status, _) = get(format!("/api/v1/persons/{}", outside.id)).await;
        check(&mut wrong, "person outside", status, 404);
        // The officer's own role table (R-ORG-4), and the outside person's.
        let (status, body) = get(format!("/api/v1/persons/{}/roles", officer.id)).await;
        check(&mut wrong, "roles inside", status, if reads { 200 } else { 404 });
        if status == 200 && body[0]["role"] != role.as_str() {
            wrong.push(format!("{role:?}: role table {body}"));
        }
        let (status, _) = get(format!("/api/v1/persons/{}/roles", outside.id)).await;
        check(&mut wrong, "roles outside", status, 404);
        let (status, body) = get(format!("/api/v1/persons/{}", hidden.id)).await;
        check(&mut wrong, "protected person inside", status, if reads { 200 } else { 404 });
        if status == 200 {
            let want = if kur { "Anna Tolvgren" } else { PROTECTED };
            if body["name"] != want || (!kur && body["email"] != Value::Null) {
                wrong.push(format!("{role:?}: protected person shown as {body}"));
            }
        }
        let (status, body) = get("/api/v1/persons?q=tolv".into()).await;
        check(&mut wrong, "search", status, if reads { 200 } else { 403 });
        if status == 200 {
            let mut names: Vec<String> = body["persons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            let want: Vec<&str> =
                if kur { vec!["Anna Tolvansson", "Anna Tolvgren"] } else { vec!["Anna Tolvansson"] };
            if names != want {
                wrong.push(format!("{role:?}: search found {names:?}"));
            }
        } else if body["rule"] != "R-ORG-1" {
            wrong.push(format!("{role:?}: search refusal {body}"));
        }
        // Found by number, a protected person's name appears nowhere in the answer, the
        // paging cursor included (R-PER-3).
        let (status, body) = get("/api/v1/persons?q=19700101-0003&limit=1".into()).await;
        if reads && (status != 200 || (!kur && body.to_string().to_lowercase().contains("tolvgren"))) {
            wrong.push(format!("{role:?}: search by number gave {status} {body}"));
        }
        let (status, body) = get("/api/v1/orgs".into()).await;
        check(&mut wrong, "orgs", status, 200);
        let ids: Vec<&str> = body
            .as_array()
            .map(|a| a.iter().map(|o| o["id"].as_str().unwrap()).collect())
            .unwrap_or_default();
        if ids != [OrgId(Uuid::from_u128(2)).to_string()] {
            wrong.push(format!("{role:?}: orgs {ids:?}"));
        }
        // Bad input: a clear problem naming the field, nothing else.
        let (status, body) = get("/api/v1/persons?q=%20".into()).await;
        if reads && (status != 422 || body["field"] != "q") {
            wrong.push(format!("{role:?}: empty q gave {status} {body}"));
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));

    // A certificate of this node bound to no one: refused, naming the rule.
    let csr = p256_csr(tmp.path(), "nobody");
    let issued =
        node.state.ca.issue_from_csr(&Actor::system("test"), "ca", "function", &csr, Some(1)).await.unwrap();
    let key = std::fs::read_to_string(tmp.path().join("k.pem")).unwrap();
    let nobody = node.client(&root, "localhost", Some(&format!("{}{key}", issued.pem)));
    let r = nobody.get(node.url("localhost", "/api/v1/orgs")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["rule"].as_str(), body["type"].as_str()),
        (Some("R-ORG-1"), Some("urn:tillit:problem:forbidden"))
    );
    node.shutdown().await;
}
