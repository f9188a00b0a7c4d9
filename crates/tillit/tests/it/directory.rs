//! `tillit org` and `tillit import hr` end to end: a bad file changes nothing and names every
//! bad row; a good file registers, a second run changes nothing, a shorter file ends the
//! employments of persons it no longer lists; the audit log verifies.

use std::path::Path;

use crate::{init, run, text, verify};

fn tillit_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn import(data: &str, file: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["import", "hr", "--data", data, file.to_str().unwrap(), "--org", "K1"];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code().unwrap(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn hr_import_checks_every_row_is_idempotent_and_ends_employments() {
    let dir = tempfile::tempdir().unwrap();
    let data = init(dir.path());
    let data = data.to_str().unwrap();
    tillit_ok(&[
        "org",
        "add",
        "--data",
        data,
        "--name",
        "Emmaboda kommun",
        "--kind",
        "organisation",
        "--org-number",
        "212000-0738",
        "--hr-code",
        "K1",
    ]);
    tillit_ok(&["org", "add", "--data", data, "--name", "Skola", "--parent", "K1", "--hr-code", "U3"]);
    // A unit cannot be the top of a tree, and HR codes are unique (R-ORG-1).
    assert!(!run(&["org", "add", "--data", data, "--name", "X", "--hr-code", "U4"]).status.success());
    let dup = run(&["org", "add", "--data", data, "--name", "Y", "--parent", "K1", "--hr-code", "U3"]);
    assert!(text(&dup.stderr).contains("HR code \"U3\" is in use"), "{}", text(&dup.stderr));
    assert!(tillit_ok(&["org", "list", "--data", data]).contains("  Skola"));

    let header = "national_id,given_names,family_name,unit,start,end,protected\n";
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "{header}19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n19121212-1213,Bad,Row,U3,2024-01-01,,no\n\
             19800101-0001,Anna,Svensson,U9,2024-01-01,,no\n19800101-0001,Anna,Svensson,U3,2024-01-01\n\
             19800101-0001,Anna,Svensson,U3,2024-01-01,,yes\n"
        ),
    )
    .unwrap();
    let (code, _, err) = import(data, &bad, &[]);
    assert_eq!(code, 1, "{err}");
    for want in [
        "line 3: R-ID-6: national_id: check digit is 3",
        "line 4: R-ORG-1: unit: no unit has HR code \"U9\"",
        "line 5: R-PER-1: row: has 5 fields, the header has 7",
        "line 6: R-PER-3: protected:",
        "4 of 5 rows are bad; nothing was imported",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // R-PER-3: no name in any refusal.
    assert!(!err.contains("Svensson") && !err.contains("Tolvansson"), "{err}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!("{header}19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n19800101-0001,Anna,Svensson,U3,2024-01-01,,no\n"),
    )
    .unwrap();
    let (code, out, err) = import(data, &good, &["--dry-run"]);
    assert_eq!((code, out.trim()), (0, "dry run (nothing written): 2 rows, 2 persons: 2 registered, 0 updated, 0 unchanged, 0 no longer listed (employments ended)"), "{err}");
    let (_, out, _) = import(data, &good, &[]);
    assert!(out.contains("2 registered, 0 updated, 0 unchanged"), "{out}");
    let (_, out, _) = import(data, &good, &[]);
    assert!(out.contains("0 registered, 0 updated, 2 unchanged, 0 no longer listed"), "{out}");
    let shorter = dir.path().join("shorter.csv");
    std::fs::write(&shorter, format!("{header}19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n")).unwrap();
    let (_, out, _) = import(data, &shorter, &[]);
    assert!(out.contains("0 registered, 0 updated, 1 unchanged, 1 no longer listed"), "{out}");
    let (_, out, _) = import(data, &shorter, &[]);
    assert!(out.contains("1 unchanged, 0 no longer listed"), "a second run ends nothing again: {out}");

    // An empty register is refused: it would end every employment.
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, header).unwrap();
    let (code, _, err) = import(data, &empty, &[]);
    assert!(code != 0 && err.contains("has no rows"), "{err}");

    // A protected person (R-PER-3): imported with the right; without it, a file that drops
    // the flag or the person changes nothing about them.
    let protected = dir.path().join("protected.csv");
    std::fs::write(&protected, format!("{header}19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n19700101-0003,Hemlig,Person,U3,2024-01-01,,yes\n")).unwrap();
    let (code, out, err) = import(data, &protected, &["--protected-identities"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 registered"), "{out}");
    let unflagged = dir.path().join("unflagged.csv");
    std::fs::write(&unflagged, format!("{header}19121212-1212,Tolvan,Tolvansson,U3,2024-01-01,,no\n19700101-0003,Hemlig,Annan,U3,2024-01-01,,no\n")).unwrap();
    let (code, out, _) = import(data, &unflagged, &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 updated")
            && out.contains("1 persons with a protected identity were left as they were"),
        "{out}"
    );
    let (_, out, _) = import(data, &shorter, &[]);
    assert!(
        out.contains("0 no longer listed") && !out.contains("1 persons with a protected identity"),
        "{out}"
    );

    // Roles (R-ORG-2, R-ORG-3) and an API principal for the RA administrator.
    tillit_ok(&["role", "grant", "--data", data, "--person", "19121212-1212", "--role", "ra", "--org", "K1"]);
    let twice =
        run(&["role", "grant", "--data", data, "--person", "19121212-1212", "--role", "ra", "--org", "U3"]);
    assert!(text(&twice.stderr).contains("R-ORG-2"), "{}", text(&twice.stderr));
    let kra =
        run(&["role", "grant", "--data", data, "--person", "19800101-0001", "--role", "kra", "--org", "U3"]);
    assert!(!kra.status.success());
    assert!(text(&kra.stderr).contains("R-ORG-3: training"), "{}", text(&kra.stderr));
    let nobody =
        run(&["role", "grant", "--data", data, "--person", "19650101-0000", "--role", "ra", "--org", "K1"]);
    assert!(text(&nobody.stderr).contains("no person with national id"), "{}", text(&nobody.stderr));
    crate::ca::openssl(
        dir.path(),
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "admin.key",
        ]
        .into_iter()
        .chain(["-subj", "/CN=ra-admin.example.org", "-out", "admin.csr"])
        .collect::<Vec<_>>(),
    );
    let csr = dir.path().join("admin.csr");
    let cert = dir.path().join("admin.pem");
    let issued = tillit_ok(&[
        "ca",
        "issue",
        "--data",
        data,
        "--profile",
        "function",
        "--csr",
        csr.to_str().unwrap(),
        "--out",
        cert.to_str().unwrap(),
    ]);
    let serial = issued.split_whitespace().nth(2).unwrap().to_string();
    let bound =
        tillit_ok(&["principal", "bind", "--data", data, "--serial", &serial, "--person", "19121212-1212"]);
    assert!(bound.contains(&format!("certificate {serial} now speaks for person")), "{bound}");
    let again = run(&["principal", "bind", "--data", data, "--serial", &serial, "--person", "19121212-1212"]);
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));
    let unknown =
        run(&["principal", "bind", "--data", data, "--serial", "0badc0de", "--person", "19121212-1212"]);
    assert!(text(&unknown.stderr).contains("no certificate with this serial"), "{}", text(&unknown.stderr));

    let (code, report) = verify(Path::new(data));
    assert_eq!(code, 0, "{report}");
}
