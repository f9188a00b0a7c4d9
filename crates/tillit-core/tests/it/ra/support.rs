//! Fixtures shared by the routine tables: a small organisation tree, people and dates.
#![allow(dead_code)]

use tillit_core::id::{Country, HsaId, NationalId, OrgNumber, ParseOptions};
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person::{Employment, EmploymentKind, Person};
use tillit_core::ra::{OrgId, PersonId};
use time::macros::date;
use time::Date;
use uuid::Uuid;

/// Today in the tables.
pub const TODAY: Date = date!(2026 - 03 - 02);

/// A deterministic id from a small number.
pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

/// The municipality (1), its group company (2), units under the municipality (3: school,
/// 4: school's kitchen) and under the company (5), and another municipality (9).
pub struct Tree {
    pub tree: OrgTree,
    pub municipality: OrgId,
    pub company: OrgId,
    pub school: OrgId,
    pub kitchen: OrgId,
    pub company_unit: OrgId,
    pub other: OrgId,
}

pub fn tree() -> Tree {
    let org = |n: u128, parent: Option<u128>, kind: OrgKind, name: &str, number: Option<&str>| Org {
        id: OrgId(uuid(n)),
        parent: parent.map(|p| OrgId(uuid(p))),
        kind,
        name: name.into(),
        org_number: number.map(|n| OrgNumber::parse(Country::Se, n).unwrap()),
        hr_code: Some(format!("U{n}")),
    };
    let tree = OrgTree::new([
        org(1, None, OrgKind::Organisation, "Emmaboda kommun", Some("212000-0738")),
        org(2, Some(1), OrgKind::GroupCompany, "Emmabodabostäder AB", Some("556459-6103")),
        org(3, Some(1), OrgKind::Unit, "Skola", None),
        org(4, Some(3), OrgKind::Unit, "Skolkök", None),
        org(5, Some(2), OrgKind::Unit, "Fastighet", None),
        org(9, None, OrgKind::Organisation, "Annan kommun", Some("212000-0746")),
    ])
    .unwrap();
    Tree {
        tree,
        municipality: OrgId(uuid(1)),
        company: OrgId(uuid(2)),
        school: OrgId(uuid(3)),
        kitchen: OrgId(uuid(4)),
        company_unit: OrgId(uuid(5)),
        other: OrgId(uuid(9)),
    }
}

/// A secured person (R-PER-2) employed in the school from 2024-01-01 until `end`.
pub fn person(n: u128, end: Option<Date>) -> Person {
    let opts = ParseOptions::new(TODAY);
    Person {
        id: PersonId(uuid(1000 + n)),
        national_id: NationalId::parse(Country::Se, "19121212-1212", &opts).unwrap(),
        given_names: "Tolvan Anna".into(),
        family_name: "Tolvansson".into(),
        preferred_name: Some("Anna".into()),
        hsa_id: Some(HsaId::parse("SE2120000738-000a").unwrap()),
        email: Some("anna.tolvansson@emmaboda.example".into()),
        mobile: Some("+46701234567".into()),
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: OrgId(uuid(3)),
            kind: EmploymentKind::Employment,
            start: date!(2024 - 01 - 01),
            end,
        }],
        licensed_title: None,
        protected: false,
        name_checked: Some(date!(2025 - 12 - 01)),
    }
}
