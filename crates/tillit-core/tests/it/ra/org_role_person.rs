//! Organisation tree (R-ORG-1), roles and grants (R-ORG-2..4), persons (R-PER-1..3) and the
//! HR import (parse, merge) as tables.

use tillit_core::id::{Country, OrgNumber, ParseOptions};
use tillit_core::ra::hr::{self, Header, Merge, RowContext};
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person::{self, Employment, EmploymentKind, PersonEvent, PROTECTED};
use tillit_core::ra::role::{
    self, Grant, GrantRole, Permission, Principal, RemoveRole, Role, RoleEvent, Specimen, Training, ROLES,
};
use tillit_core::ra::{GrantId, OrgId, PersonId};
use time::macros::date;

use super::support::{person, tree, uuid, TODAY};

fn grant(n: u128, person: u128, role: Role, scope: OrgId) -> Grant {
    Grant { id: GrantId(uuid(n)), person: PersonId(uuid(person)), role, scope }
}

#[test]
fn tree_placement_is_checked() {
    let t = tree();
    let node = |n: u128, parent: Option<OrgId>, kind: OrgKind| Org {
        id: OrgId(uuid(n)),
        parent,
        kind,
        name: "x".into(),
        org_number: None,
        hr_code: None,
    };
    let cases: [(Org, Option<&str>); 6] = [
        (node(20, Some(t.school), OrgKind::Unit), None),
        (node(21, Some(t.municipality), OrgKind::GroupCompany), None),
        (node(22, Some(t.school), OrgKind::GroupCompany), Some("R-ORG-1")),
        (node(23, None, OrgKind::Unit), Some("R-ORG-1")),
        (node(24, Some(t.school), OrgKind::Organisation), Some("R-ORG-1")),
        (node(25, Some(OrgId(uuid(77))), OrgKind::Unit), Some("R-ORG-1")),
    ];
    for (org, refused) in cases {
        let got = t.tree.check_placement(&org).err().map(|r| r.rule);
        assert_eq!(got, refused, "{org:?}");
    }
    // A cycle is refused when the tree is built.
    let a = node(30, Some(OrgId(uuid(31))), OrgKind::Unit);
    let b = node(31, Some(OrgId(uuid(30))), OrgKind::Unit);
    let top = node(32, None, OrgKind::Organisation);
    assert_eq!(OrgTree::new([a, b, top]).unwrap_err().rule, "R-ORG-1");
}

#[test]
fn scope_is_the_subtree() {
    let t = tree();
    let cases = [
        (t.kitchen, t.school, true),
        (t.school, t.school, true),
        (t.school, t.kitchen, false),
        (t.company_unit, t.municipality, true),
        (t.other, t.municipality, false),
        (t.municipality, t.other, false),
    ];
    for (node, root, within) in cases {
        assert_eq!(t.tree.within(node, root), within, "{node} within {root}");
    }
    assert_eq!(t.tree.legal_entity_of(t.company_unit).unwrap().id, t.company);
    assert_eq!(t.tree.organisation_of(t.kitchen), Some(t.municipality));
    assert_eq!(t.tree.subtree(t.school).len(), 2);
}

#[test]
fn authorisation_is_role_times_subtree() {
    let t = tree();
    let officer = Principal { person: PersonId(uuid(1)), grants: vec![grant(1, 1, Role::Kra, t.school)] };
    let cases = [
        (Permission::OrderCards, t.kitchen, true),
        (Permission::OrderCards, t.school, true),
        (Permission::OrderCards, t.municipality, false),
        (Permission::OrderCards, t.other, false),
        (Permission::GrantRoles, t.school, false),
        (Permission::ProtectedIdentity, t.school, false),
    ];
    for (permission, target, allowed) in cases {
        assert_eq!(officer.can(&t.tree, permission, target), allowed, "{permission:?} on {target}");
        let refusal = officer.authorise(&t.tree, permission, target).err();
        assert_eq!(refusal.map(|r| r.rule), (!allowed).then_some("R-ORG-1"));
    }
    assert_eq!(officer.scopes(Permission::ReadPeople), [t.school]);
    assert!(officer.has_anywhere(Permission::HandleCards));
    // Every role grants something, and only KUR grants the protected-identity right.
    for r in ROLES {
        assert!(!r.permissions().is_empty(), "{r:?}");
        assert_eq!(r.permissions().contains(&Permission::ProtectedIdentity), r == Role::Kur, "{r:?}");
        assert_eq!(Role::parse(r.as_str()), Some(r));
    }
}

fn specimen(approver: u128) -> Specimen {
    Specimen {
        reference: "RA-2026-17".into(),
        signed_by: "Kommunchef".into(),
        approved_by: PersonId(uuid(approver)),
        approved_on: date!(2026 - 02 - 20),
    }
}

#[test]
fn granting_kra_needs_training_and_an_approved_specimen() {
    let t = tree();
    let security = Principal {
        person: PersonId(uuid(50)),
        grants: vec![grant(50, 50, Role::SecurityOfficer, t.municipality)],
    };
    let not_security =
        Principal { person: PersonId(uuid(51)), grants: vec![grant(51, 51, Role::Kra, t.municipality)] };
    let training = Some(Training { course: "SITHS RA".into(), completed: date!(2026 - 01 - 15) });
    let cmd = |role: Role, training: Option<Training>, specimen: Option<Specimen>| GrantRole {
        id: GrantId(uuid(9)),
        person: PersonId(uuid(2)),
        role,
        scope: t.school,
        training,
        specimen,
    };
    let future = Some(Training { course: "SITHS RA".into(), completed: date!(2026 - 04 - 01) });
    type Case<'a> = (GrantRole, Option<&'a Principal>, Option<(&'static str, Option<&'static str>)>);
    let cases: Vec<Case<'_>> = vec![
        (cmd(Role::Lra, None, None), None, None),
        (cmd(Role::Kra, training.clone(), Some(specimen(50))), Some(&security), None),
        (cmd(Role::Kra, None, Some(specimen(50))), Some(&security), Some(("R-ORG-3", Some("training")))),
        (
            cmd(Role::Kra, future, Some(specimen(50))),
            Some(&security),
            Some(("R-ORG-3", Some("training.completed"))),
        ),
        (cmd(Role::Kra, training.clone(), None), Some(&security), Some(("R-ORG-3", Some("specimen")))),
        (
            cmd(Role::Kra, training.clone(), Some(specimen(51))),
            Some(&not_security),
            Some(("R-ORG-3", Some("specimen.approved_by"))),
        ),
        (
            cmd(Role::Kra, training.clone(), Some(specimen(51))),
            Some(&security),
            Some(("R-ORG-3", Some("specimen.approved_by"))),
        ),
        // A security officer does not approve their own specimen.
        (
            GrantRole { person: PersonId(uuid(50)), ..cmd(Role::Kra, training.clone(), Some(specimen(50))) },
            Some(&security),
            Some(("R-ORG-3", Some("specimen.approved_by"))),
        ),
    ];
    for (c, approver, refused) in cases {
        let got = role::grant(&t.tree, &[], approver, c.clone(), TODAY);
        match refused {
            None => assert_eq!(got.unwrap().len(), 1, "{c:?}"),
            Some((rule, field)) => {
                let r = got.unwrap_err();
                assert_eq!((r.rule, r.field), (rule, field), "{c:?}");
            }
        }
    }
    // Holding the role on the subtree already: refused (R-ORG-2).
    let existing = [grant(3, 2, Role::Lra, t.municipality)];
    assert_eq!(
        role::grant(&t.tree, &existing, None, cmd(Role::Lra, None, None), TODAY).unwrap_err().rule,
        "R-ORG-2"
    );

    // Removing KRA is recorded the same way (R-ORG-3); other roles need a reason only.
    let kra = grant(4, 2, Role::Kra, t.school);
    let remove = |specimen| RemoveRole { grant: kra.id, reason: "slutar".into(), specimen };
    assert_eq!(
        role::remove(&t.tree, &kra, Some(&security), remove(None), TODAY).unwrap_err().rule,
        "R-ORG-3"
    );
    let events = role::remove(&t.tree, &kra, Some(&security), remove(Some(specimen(50))), TODAY).unwrap();
    assert!(matches!(&events[..], [RoleEvent::Removed { role: Role::Kra, .. }]));
    let lra = grant(5, 2, Role::Lra, t.school);
    let no_reason = RemoveRole { grant: lra.id, reason: " ".into(), specimen: None };
    assert_eq!(role::remove(&t.tree, &lra, None, no_reason, TODAY).unwrap_err().rule, "R-ORG-4");
}

#[test]
fn moving_a_unit_asks_for_a_review_of_grants_there() {
    let t = tree();
    let mut moved: Vec<Org> = t.tree.iter().cloned().collect();
    for o in &mut moved {
        if o.id == t.school {
            o.parent = Some(t.company);
        }
    }
    let after = OrgTree::new(moved).unwrap();
    let grants = [
        grant(1, 1, Role::Kra, t.kitchen),     // inside the moved subtree
        grant(2, 1, Role::Ra, t.municipality), // still covers it
        grant(3, 1, Role::Lra, t.company),     // newly covers it
        grant(4, 1, Role::Lra, t.other),       // unrelated
    ];
    let events = role::review_after_move(&t.tree, &after, t.school, &grants);
    let reviewed: Vec<GrantId> = events
        .iter()
        .map(|e| match e {
            RoleEvent::ReviewRequired { grant, .. } => *grant,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(reviewed, [GrantId(uuid(1)), GrantId(uuid(3))]);
}

#[test]
fn secured_hr_record() {
    let t = tree();
    let ok = person(1, None);
    assert!(ok.secured(&t.tree, t.municipality, TODAY).is_ok());
    let mut unchecked = ok.clone();
    unchecked.name_checked = None;
    let mut no_hsa = ok.clone();
    no_hsa.hsa_id = None;
    let ended = person(1, Some(date!(2026 - 02 - 28)));
    let mut company = ok.clone();
    company.employments[0].org = t.company_unit;
    let mut elsewhere = ok.clone();
    elsewhere.employments[0].org = t.other;
    let cases = [
        (unchecked, Some("name_checked")),
        (no_hsa, Some("hsa_id")),
        (ended, Some("employments")),
        (company, None),
        (elsewhere, Some("employments")),
    ];
    for (p, refused) in cases {
        let got = p.secured(&t.tree, t.municipality, TODAY).err();
        assert_eq!(got.as_ref().map(|r| r.rule), refused.map(|_| "R-PER-2"));
        assert_eq!(got.and_then(|r| r.field), refused);
    }
}

#[test]
fn person_fields_and_protected_identity() {
    let p = person(1, None);
    assert_eq!(p.display_name(false), "Anna Tolvansson");
    let mut hidden = p.clone();
    hidden.protected = true;
    assert_eq!(hidden.display_name(false), PROTECTED);
    assert_eq!(hidden.display_name(true), "Anna Tolvansson");

    // Registering a protected person needs the right (R-PER-3); the events hold no name.
    assert_eq!(person::register(&hidden, false).unwrap_err().rule, "R-PER-3");
    let events = person::register(&hidden, true).unwrap();
    assert!(matches!(events[0], PersonEvent::Registered { protected: true, .. }));
    for e in &events {
        let text = serde_json::to_string(e).unwrap();
        assert!(!text.contains("Tolvansson") && !text.contains("Anna"), "{text}");
    }

    let bad = |f: &dyn Fn(&mut person::Person)| {
        let mut q = p.clone();
        f(&mut q);
        person::check_person(&q).unwrap_err().field
    };
    assert_eq!(bad(&|q| q.given_names = " ".into()), Some("given_names"));
    assert_eq!(bad(&|q| q.family_name = "a\u{7}b".into()), Some("family_name"));
    assert_eq!(bad(&|q| q.preferred_name = Some("Eva".into())), Some("preferred_name"));
    assert_eq!(bad(&|q| q.email = Some("anna@localhost".into())), Some("email"));
    assert_eq!(bad(&|q| q.mobile = Some("0701234567".into())), Some("mobile"));
    assert_eq!(bad(&|q| q.employments[0].end = Some(date!(2023 - 01 - 01))), Some("employments"));

    // Update: field names only, and an HSA-id never changes once allocated (R-ID-5).
    let mut renamed = p.clone();
    renamed.family_name = "Svensson".into();
    let events = person::update(&p, &renamed, false).unwrap();
    assert_eq!(events, [PersonEvent::Updated { person: p.id, fields: vec!["family_name".into()] }]);
    let mut rehsa = p.clone();
    rehsa.hsa_id = Some(tillit_core::id::HsaId::parse("SE2120000738-zzzz").unwrap());
    assert_eq!(person::update(&p, &rehsa, false).unwrap_err().rule, "R-ID-5");
    assert_eq!(person::update(&hidden, &hidden, false).unwrap_err().rule, "R-PER-3");
}

#[test]
fn hsa_ids_are_allocated_in_sequence() {
    let org = OrgNumber::parse(Country::Se, "212000-0738").unwrap();
    let cases = [(1, "SE2120000738-0001"), (36, "SE2120000738-0010"), (1_679_616, "SE2120000738-10000")];
    for (seq, want) in cases {
        assert_eq!(person::allocate_hsa_id(&org, seq).unwrap().normalised(), want);
    }
}

fn context(t: &super::support::Tree, may_see_protected: bool) -> RowContext<'_> {
    RowContext {
        tree: &t.tree,
        scope: t.municipality,
        country: Country::Se,
        id_options: ParseOptions::new(TODAY),
        may_see_protected,
    }
}

#[test]
fn hr_rows_are_checked_with_line_column_and_reason() {
    let t = tree();
    let header =
        Header::new("national_id,given_names,family_name,unit,start,end,protected".split(',')).unwrap();
    let good = "19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no";
    let cases = [
        (good, None),
        ("19121212-1213,Tolvan,Tolvansson,U3,2024-01-01,,no", Some(("R-ID-6", "national_id"))),
        ("19121212-1212,,Tolvansson,U3,2024-01-01,,no", Some(("R-PER-1", "given_names"))),
        ("19121212-1212,Tolvan,Tolvansson,U77,2024-01-01,,no", Some(("R-ORG-1", "unit"))),
        ("19121212-1212,Tolvan,Tolvansson,U9,2024-01-01,,no", Some(("R-ORG-1", "unit"))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-13-01,,no", Some(("R-PER-1", "start"))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,2023-01-01,no", Some(("R-PER-1", "end"))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,maybe", Some(("R-PER-3", "protected"))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,yes", Some(("R-PER-3", "protected"))),
    ];
    for (line, refused) in cases {
        let record: Vec<&str> = line.split(',').collect();
        let got = hr::parse_row(&header, 7, &record, &context(&t, false));
        match refused {
            None => assert_eq!(got.unwrap().unit, t.school),
            Some((rule, field)) => {
                let e = got.unwrap_err();
                assert_eq!((e.line, e.refusal.rule, e.refusal.field), (7, rule, Some(field)), "{line}");
                assert!(!e.to_string().contains("Tolv"), "a reason never holds a name: {e}");
            }
        }
    }
    assert!(hr::parse_row(
        &header,
        2,
        &good.replace(",no", ",yes").split(',').collect::<Vec<_>>(),
        &context(&t, true)
    )
    .is_ok());
    for bad in [
        "national_id,given_names,family_name,unit",
        "national_id,given_names,family_name,unit,start,colour",
        "national_id,national_id,given_names,family_name,unit,start",
    ] {
        assert_eq!(Header::new(bad.split(',')).unwrap_err().field, Some("header"), "{bad}");
    }
}

#[test]
fn hr_merge_is_idempotent_updates_and_ends_employments() {
    let t = tree();
    let header = Header::new("national_id,given_names,family_name,unit,start,end".split(',')).unwrap();
    let row = |line: u64, text: &str| {
        hr::parse_row(&header, line, &text.split(',').collect::<Vec<_>>(), &context(&t, false)).unwrap()
    };
    let rows = [
        row(2, "19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,"),
        row(3, "19121212-1212,Tolvan,Tolvansson,U4,2025-01-01,2026-12-31"),
    ];
    let id = PersonId(uuid(5));
    let Merge::New(created) = hr::merge(None, &rows, id, &t.tree, t.municipality, TODAY) else { panic!() };
    assert_eq!((created.id, created.employments.len(), created.name_checked), (id, 2, None));
    // The same rows again: nothing changes.
    assert_eq!(
        hr::merge(Some(&created), &rows, PersonId(uuid(6)), &t.tree, t.municipality, TODAY),
        Merge::Unchanged
    );
    // A renamed person loses the population-register check; a missing row ends the employment.
    let mut checked = created.clone();
    checked.name_checked = Some(date!(2026 - 01 - 01));
    let renamed = [row(2, "19121212-1212,Tolvan,Svensson,U3,2024-01-01,")];
    let Merge::Updated(after) = hr::merge(Some(&checked), &renamed, id, &t.tree, t.municipality, TODAY)
    else {
        panic!()
    };
    assert_eq!((after.family_name.as_str(), after.name_checked), ("Svensson", None));
    let kitchen: Vec<&Employment> = after.employments.iter().filter(|e| e.org == t.kitchen).collect();
    assert_eq!(kitchen[0].end, Some(TODAY));
    // The register's own population-register check secures the names it checked (R-PER-2):
    // a later check moves the date on, an earlier or absent one keeps it, a rename takes
    // only a check of the new names; a check dated in the future is refused.
    let checked_header =
        Header::new("national_id,given_names,family_name,unit,start,name_checked".split(',')).unwrap();
    let checked_row = |text: &str| {
        hr::parse_row(&checked_header, 2, &text.split(',').collect::<Vec<_>>(), &context(&t, false))
    };
    let Merge::New(fresh) = hr::merge(
        None,
        &[checked_row("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,2026-01-10").unwrap()],
        id,
        &t.tree,
        t.municipality,
        TODAY,
    ) else {
        panic!()
    };
    assert_eq!(fresh.name_checked, Some(date!(2026 - 01 - 10)));
    for (text, expected) in [
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,2026-01-11", Some(date!(2026 - 01 - 11))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,2025-01-01", Some(date!(2026 - 01 - 10))),
        ("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,", Some(date!(2026 - 01 - 10))),
        ("19121212-1212,Tolvan,Svensson,U3,2024-01-01,", None),
        ("19121212-1212,Tolvan,Svensson,U3,2024-01-01,2026-01-12", Some(date!(2026 - 01 - 12))),
    ] {
        let merged = match hr::merge(
            Some(&fresh),
            &[checked_row(text).unwrap()],
            id,
            &t.tree,
            t.municipality,
            TODAY,
        ) {
            Merge::Updated(p) => p,
            Merge::Unchanged => fresh.clone(),
            Merge::New(_) => panic!(),
        };
        assert_eq!(merged.name_checked, expected, "{text}");
    }
    let future = checked_row("19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,2099-01-01").unwrap_err();
    assert_eq!((future.refusal.rule, future.refusal.field), ("R-PER-2", Some("name_checked")));
    // Employments outside the imported subtree are kept as they were.
    let mut outside = created.clone();
    outside.employments.push(Employment {
        org: t.other,
        kind: EmploymentKind::Assignment,
        start: date!(2025 - 05 - 01),
        end: None,
    });
    let Merge::Updated(kept) = hr::merge(Some(&outside), &renamed, id, &t.tree, t.municipality, TODAY) else {
        panic!()
    };
    assert!(kept.employments.iter().any(|e| e.org == t.other && e.end.is_none()));
}
