//! `tillit demo`: the fictional municipality made and the routines walked through the API;
//! the summary names the steps and every officer; the audit log verifies with the officers'
//! signatures; the protected person's name is never printed (R-PER-3); each officer has a
//! passkey enrolment link, stored by its hash and unused; `--json` writes the summary for the
//! browser tests (mode 0600); and `tillit serve` on the same data answers an officer's
//! credential.

use std::path::Path;

use serde_json::Value;
use tillit_server::routines::officers;

use crate::{run, text};

/// The family name of the demo's person with a protected identity (`demo/people.rs`).
const PROTECTED: &str = "Silvergran";

#[test]
fn the_demo_walks_the_routines_and_leaves_a_node_that_serves_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = dir.join("demo");
    let data_s = data.to_str().unwrap();
    let json = dir.join("demo.json");
    let out = run(&["demo", "--data", data_s, "--json", json.to_str().unwrap()]);
    let (said, err) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{said}{err}");

    // The steps, in order, and the card keys said to be made in software without --token.
    let mut at = 0;
    for step in [
        "50 people registered",
        "SIS card order basis for",
        "batch",
        "handed out to",
        "delivered for Agnes Forsberg, waiting for hand-out",
        "credential ordered for",
        "downloads the credential (no --token: the card's keys were made in software",
        "PUK ordered",
        "reserve bundle",
        "bundle received into the safe",
        "at level 3, co-signed by a second KRA officer",
        "with a signed receipt",
        "revoked for keyCompromise",
        "(left_employment)",
        "ok ",
        "tillit serve --data",
        "the portal (passkeys):        http://localhost:8080/",
        "passkey: http://localhost:8080/enrol/",
        "The summary as JSON, with the passwords:",
    ] {
        let found = said[at..].find(step).unwrap_or_else(|| panic!("{step:?} not (in order) in\n{said}"));
        at += found;
    }
    // The demo verified the audit log itself, the officers' signatures with it.
    assert!(err.contains("officer signatures verified"), "{err}");
    // Every officer: role, credential file and password.
    let officer = |role: &str| {
        let line = said
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{role} ")) && l.contains(".p12"))
            .unwrap_or_else(|| panic!("no {role} officer in\n{said}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        let file = words.iter().find(|w| w.ends_with(".p12")).unwrap().to_string();
        let password = words.last().unwrap().to_string();
        (file, password)
    };
    for role in ["ra", "kra", "lra", "ora", "kur", "hsa_admin", "manager", "security_officer", "auditor"] {
        let (file, password) = officer(role);
        assert!(Path::new(&file).exists(), "{file}");
        assert_eq!(password.len(), 29, "{password}");
    }
    // R-PER-3: the protected person is never named.
    assert!(!said.contains(PROTECTED) && !err.contains(PROTECTED), "{said}{err}");

    // The summary as JSON, readable by its owner only: the officers as printed, each with a
    // link stored by its hash and unused; the people the browser tests use, each found.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&json).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let summary: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(summary["portal"]["enrol_base"], "http://localhost:8080", "{summary}");
    let officers = summary["officers"].as_array().unwrap();
    assert_eq!(officers.len(), 10, "{summary}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store =
        rt.block_on(async { tillit_server::node::DataDir::open(&data).unwrap().open_store().await.unwrap() });
    for o in officers {
        let field = |k: &str| o[k].as_str().unwrap_or_else(|| panic!("no {k} in {o}")).to_owned();
        let (person, role, path, p12, password) =
            (field("person"), field("role"), field("enrol_path"), field("p12"), field("p12_password"));
        assert!(!field("name").is_empty() && !field("unit").is_empty(), "{o}");
        assert_eq!(officer(&role).1.len(), 29);
        assert!(Path::new(&p12).is_absolute() && Path::new(&p12).is_file(), "{o}");
        assert!(
            said.contains(&password) && said.contains(&format!("passkey: http://localhost:8080{path}")),
            "{o}"
        );
        let token = path.strip_prefix("/enrol/").unwrap_or_else(|| panic!("{o}"));
        let link = rt
            .block_on(store.enrolment_link(&officers::token_hash(token)))
            .unwrap()
            .unwrap_or_else(|| panic!("no stored link for {o}"));
        assert_eq!((link.person.as_str(), link.used_us), (person.as_str(), None), "{o}");
        assert_eq!(link.created_by, "system:cli");
        assert_eq!(
            (link.expires_us - link.created_us) / 3_600_000_000,
            i64::from(officers::DEFAULT_LINK_HOURS)
        );
        let grants = rt.block_on(store.grants_of(person.parse().unwrap())).unwrap();
        assert!(!grants.is_empty(), "{o}");
    }
    let people = &summary["people"];
    let person = |v: &Value| {
        let id = v.as_str().unwrap_or_else(|| panic!("{people}"));
        let record =
            rt.block_on(store.person(id.parse().unwrap())).unwrap().unwrap_or_else(|| panic!("{id}"));
        record.person
    };
    assert!(person(&people["protected"]).protected);
    assert_eq!(person(&people["coordination_number"]).national_id.kind().name(), "samordningsnummer");
    assert!(person(&people["leaving"]).employments.iter().any(|e| e.end.is_some()));
    let card = |key: &str, kind: &'static str| {
        let entry = &people[key];
        let holder = person(&entry["person"]);
        let id = entry["card"].as_str().unwrap_or_else(|| panic!("{people}"));
        let card =
            rt.block_on(store.record::<Value>(kind, id)).unwrap().unwrap_or_else(|| panic!("{key}: {id}"));
        assert_eq!(card.person, Some(holder.id), "{key}");
        (holder, card.status)
    };
    assert_eq!(card("card_awaiting_hand_out", "card").1, "delivered");
    assert_eq!(card("card_lost", "card").1, "deregistered");
    assert_eq!(card("reserve_card", "reserve_card").1, "handed_out");
    let no_card = person(&people["no_card"]);
    assert!(!no_card.protected);
    for kind in ["card", "reserve_card"] {
        let cards = rt.block_on(store.records_of_person::<Value>(kind, no_card.id)).unwrap();
        assert!(cards.is_empty(), "{kind}: {}", cards.len());
    }
    rt.block_on(store.close());

    // `tillit audit verify` passes, with the officers' signatures.
    let out = run(&["audit", "verify", "--data", data_s]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let verified = text(&out.stderr);
    let signed: u64 = verified
        .lines()
        .find_map(|l| l.strip_suffix(" officer signatures verified"))
        .unwrap()
        .parse()
        .unwrap();
    assert!(signed >= 15, "{verified}");

    // A second demo into the same directory is refused, and changes nothing; so is one into
    // a new directory whose --json file exists.
    let again = run(&["demo", "--data", data_s]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("not empty"), "{}", text(&again.stderr));
    let other = dir.join("other");
    let again = run(&["demo", "--data", other.to_str().unwrap(), "--json", json.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("--json: ") && text(&again.stderr).contains("exists"));
    assert!(!other.exists());

    // `tillit serve` on the data answers the RA officer's credential, converted as the
    // summary says.
    let (file, password) = officer("ra");
    let pem = dir.join("officer.pem");
    let converted = std::process::Command::new("openssl")
        .args(["pkcs12", "-in", &file, "-nodes", "-out", pem.to_str().unwrap()])
        .args(["-passin", &format!("pass:{password}")])
        .output()
        .unwrap();
    assert!(converted.status.success(), "{}", text(&converted.stderr));
    let (mut node, _, secure) = crate::tls::serve_both(&data);
    let port = secure.rsplit(':').next().unwrap().to_string();
    let base = format!("https://localhost:{port}");
    let chain = std::fs::read(data.join("tls/chain.pem")).unwrap();
    let mut builder = reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false);
    for cert in reqwest::Certificate::from_pem_bundle(&chain).unwrap() {
        builder = builder.add_root_certificate(cert);
    }
    let identity = reqwest::Identity::from_pem(&std::fs::read(&pem).unwrap()).unwrap();
    let client = builder.identity(identity).build().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = client.get(format!("{base}/api/v1/orgs")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let orgs: serde_json::Value = r.json().await.unwrap();
        let names: Vec<&str> = orgs.as_array().unwrap().iter().filter_map(|o| o["name"].as_str()).collect();
        assert!(names.contains(&"Tolvköping kommun") && names.contains(&"Skolförvaltningen"), "{orgs}");
        assert_eq!(names.len(), 5, "{orgs}");
        // The RA officer holds no KUR: the protected person is not found by name (R-PER-3).
        let r =
            client.get(format!("{base}/api/v1/persons?q={}", PROTECTED.to_lowercase())).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let found = r.text().await.unwrap();
        assert!(!found.contains(PROTECTED), "{found}");
        let r = client.get(format!("{base}/api/v1/persons?q=strand")).send().await.unwrap();
        let found: serde_json::Value = r.json().await.unwrap();
        assert!(found.to_string().contains("Elin"), "{found}");
    });
    node.kill().unwrap();
    node.wait().unwrap();
}

/// With `--token` the holder's keys are made on the card by the card client, and both
/// credentials are stored there (a SoftHSM2 token: runs when TEST_TILLIT_PKCS11_URI names one).
#[test]
fn with_a_token_the_card_client_makes_the_keys_on_it() {
    let Some((uri, _turn)) = crate::card::card() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("demo");
    let out = run(&["demo", "--data", data.to_str().unwrap(), "--token", &uri]);
    let (said, err) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{said}{err}");
    assert_eq!(said.matches("with the card client onto the token (keys made on it").count(), 2, "{said}");
    assert!(!said.contains("made in software"), "{said}");
    assert!(!said.contains(PROTECTED) && !err.contains(PROTECTED), "{said}{err}");
    // The PIN stays out of what the demo says.
    if let Some(pin) = uri.split("pin-value=").nth(1).map(|p| p.split('&').next().unwrap_or(p)) {
        assert!(!said.contains(pin) && !err.contains(pin));
    }
}
