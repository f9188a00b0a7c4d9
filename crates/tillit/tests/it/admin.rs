//! The first RA administrator, as a newcomer meets it: `tillit init` with the administrator
//! options writes a PKCS#12 file that OpenSSL 3 reads (without `-legacy`) with the password
//! printed once, whose certificate verifies against the chain and calls the API at once;
//! `tillit admin create` does the same on an initialised node, once per person. `init` also
//! prints the administrator's first passkey enrolment link, and `tillit admin enrol-link`
//! makes one for an officer found by person id or national id: shown once, only its hash kept.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use tillit_server::routines::officers;

use crate::ca::{openssl, tillit_ok};
use crate::{run, stop, text, verify};

const ADMIN: [&str; 8] = [
    "--admin-national-id",
    "19121212-1212",
    "--admin-given-names",
    "Tolvan",
    "--admin-family-name",
    "Tolvansson",
    "--organisation",
    "Emmaboda kommun",
];

/// The one-time password from what `init` or `admin create` printed.
fn password(stdout: &str) -> String {
    let line = stdout.lines().find(|l| l.trim_start().starts_with("password:")).expect("a password line");
    let password = line.split_whitespace().nth(1).unwrap().to_owned();
    assert_eq!(password.len(), 29, "{line}");
    password
}

/// `openssl pkcs12` on `file` with `password`, extra arguments after; whether it succeeded.
fn pkcs12(dir: &Path, file: &Path, password: &str, extra: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(["pkcs12", "-in", file.to_str().unwrap(), "-passin", &format!("pass:{password}")])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn init_with_an_administrator_writes_a_credential_that_calls_the_api() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = dir.join("data");
    let data_s = data.to_str().unwrap();
    let out =
        run(&[&["init", "--data", data_s][..], &ADMIN, &["--org-number", "212000-0738", "--hr-code", "K1"]]
            .concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let pass = password(&said);
    let file = data.join("admin/tolvan-tolvansson.p12");
    assert!(said.contains(file.to_str().unwrap()), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Every step audited: the 4 entries of a bare init, then the organisation, the person
    // (registered, employment, HSA-id), the grant, the certificate and its binding, and the
    // administrator's passkey enrolment link.
    let (code, report) = verify(&data);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report.lines().last(), Some("ok 12 entries"), "{report}");
    // Printed once, stored nowhere: no file of the data directory holds it.
    for entry in walk(&data) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(pass.len()).any(|w| w == pass.as_bytes()),
            "{} holds the password",
            entry.display()
        );
    }

    // OpenSSL 3 reads it with its default (no -legacy): key, certificate, chain.
    let (ok, info) = pkcs12(dir, &file, &pass, &["-info", "-nodes", "-out", "all.pem"]);
    assert!(ok, "{info}");
    assert!(info.contains("PBES2, PBKDF2, AES-256-CBC") && info.contains("MAC: sha256"), "{info}");
    let (ok, _) = pkcs12(dir, &file, &pass, &["-clcerts", "-nodes", "-out", "me.pem"]);
    assert!(ok);
    let (ok, _) = pkcs12(dir, &file, &pass, &["-nocerts", "-nodes", "-out", "key.pem"]);
    assert!(ok);
    std::fs::write(dir.join("body.json"), "{}").unwrap();
    let (ok, _) = pkcs12(dir, &file, &pass, &["-clcerts", "-nokeys", "-out", "leaf.pem"]);
    assert!(ok);
    let (ok, _) = pkcs12(dir, &file, &pass, &["-cacerts", "-nokeys", "-out", "cas.pem"]);
    assert!(ok);
    // A wrong password opens nothing.
    let (ok, said) = pkcs12(dir, &file, "ABCDE-FGHJK-MNPQR-STUVW-XYZ23", &["-nodes", "-out", "wrong.pem"]);
    assert!(!ok && said.contains("invalid password"), "{said}");

    // The certificate verifies up to the node's root; the key is the certificate's.
    let chain = tillit_ok(&["ca", "chain", "--data", data_s]);
    let root = chain.split_inclusive("-----END CERTIFICATE-----\n").nth(1).unwrap();
    std::fs::write(dir.join("root.pem"), root).unwrap();
    let verified = openssl(dir, &["verify", "-CAfile", "root.pem", "-untrusted", "cas.pem", "leaf.pem"]);
    assert_eq!(verified.trim(), "leaf.pem: OK");
    assert_eq!(
        openssl(dir, &["pkey", "-in", "me.pem", "-pubout"]),
        openssl(dir, &["x509", "-in", "leaf.pem", "-noout", "-pubkey"])
    );
    let leaf = openssl(
        dir,
        &["x509", "-in", "leaf.pem", "-noout", "-subject", "-serial", "-ext", "extendedKeyUsage"],
    );
    assert!(leaf.contains("CN = Tolvan Tolvansson") && leaf.contains("O = Emmaboda kommun"), "{leaf}");
    assert!(leaf.contains("TLS Web Client Authentication"), "{leaf}");
    let serial = leaf.lines().find_map(|l| l.strip_prefix("serial=")).unwrap().to_ascii_lowercase();

    // `tillit serve`, and the API answers the credential at once.
    let (node, _, secure) = crate::tls::serve_both(&data);
    let port = secure.rsplit(':').next().unwrap().to_string();
    let base = format!("https://localhost:{port}");
    let mut builder = reqwest::Client::builder().use_rustls_tls().tls_built_in_root_certs(false);
    for cert in reqwest::Certificate::from_pem_bundle(chain.as_bytes()).unwrap() {
        builder = builder.add_root_certificate(cert);
    }
    let identity = reqwest::Identity::from_pem(&std::fs::read(dir.join("me.pem")).unwrap()).unwrap();
    let client = builder.identity(identity).build().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = client.get(format!("{base}/api/v1/whoami")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let me: serde_json::Value = r.json().await.unwrap();
        assert_eq!(me["serial"].as_str().unwrap().trim_start_matches('0'), serial.trim_start_matches('0'));
        let r = client.get(format!("{base}/api/v1/orgs")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let orgs: serde_json::Value = r.json().await.unwrap();
        let orgs = orgs.as_array().unwrap();
        assert_eq!(orgs.len(), 1, "{orgs:?}");
        assert_eq!(orgs[0]["name"], "Emmaboda kommun");
        assert_eq!(orgs[0]["kind"], "organisation");
        assert_eq!(orgs[0]["hr_code"], "K1");

        // The same key signs the administrator's actions: a signed POST gets past the
        // signature check to the body (empty here, so refused for it), an unsigned one not.
        let (path, key, body) = ("/api/v1/revocations", uuid::Uuid::new_v4().to_string(), "{}");
        let digest = openssl(dir, &["dgst", "-sha256", "-r", "body.json"]);
        let action = format!(
            "tillit-action-v1\nPOST {path}\nidempotency-key: {key}\ncontent-sha256: {}",
            &digest[..64]
        );
        std::fs::write(dir.join("action.txt"), action).unwrap();
        openssl(dir, &["dgst", "-sha256", "-sign", "key.pem", "-out", "action.sig", "action.txt"]);
        let sig =
            base64::engine::general_purpose::STANDARD.encode(std::fs::read(dir.join("action.sig")).unwrap());
        let post = |signature: Option<String>| {
            let mut request = client
                .post(format!("{base}{path}"))
                .header("Idempotency-Key", &key)
                .header("Content-Type", "application/json")
                .body(body);
            if let Some(s) = signature {
                request = request.header("Tillit-Signature", s);
            }
            request.send()
        };
        let r = post(None).await.unwrap();
        let (status, said) = (r.status(), r.text().await.unwrap());
        assert!(status == 401 || status == 403, "{status} {said}");
        assert!(said.contains("signature"), "{said}");
        let r = post(Some(format!("keyid=\"{serial}\", signature=\"{sig}\""))).await.unwrap();
        let (status, said) = (r.status(), r.text().await.unwrap());
        assert!(status == 400 || status == 422, "{status} {said}");
        assert!(!said.contains("signature"), "{said}");
    });
    stop(node);

    let (code, report) = verify(&data);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn admin_create_on_an_initialised_node_once_per_person() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A bad administrator stops init before anything is made.
    let refused = dir.join("refused");
    let mut bad = ADMIN;
    bad[1] = "19121212-1213";
    let out = run(&[&["init", "--data", refused.to_str().unwrap()][..], &bad].concat());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--admin-national-id: check digit"), "{}", text(&out.stderr));
    assert!(!refused.exists());

    // A bare init works as before and says how to add an administrator later.
    let data = dir.join("data");
    let data_s = data.to_str().unwrap();
    let out = run(&["init", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("tillit admin create --data"), "{}", text(&out.stdout));
    assert!(!data.join("admin").exists());
    assert_eq!(verify(&data).1.lines().last(), Some("ok 4 entries"));

    let said = tillit_ok(&[&["admin", "create", "--data", data_s, "--names-checked"][..], &ADMIN].concat());
    let pass = password(&said);
    let file = data.join("admin/tolvan-tolvansson.p12");
    let (ok, info) = pkcs12(dir, &file, &pass, &["-nodes", "-out", "me.pem"]);
    assert!(ok, "{info}");

    // The same person again: refused, saying why and what to do instead; nothing written.
    let out = run(&[&["admin", "create", "--data", data_s][..], &ADMIN].concat());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("19121212-1212") || err.contains("191212121212"), "{err}");
    assert!(err.contains("registered already") && err.contains("tillit role grant"), "{err}");
    assert_eq!(std::fs::read_dir(data.join("admin")).unwrap().count(), 1);

    // A second administrator of the same organisation joins it (no second tree).
    let said = tillit_ok(&[
        "admin",
        "create",
        "--data",
        data_s,
        "--admin-national-id",
        "19800101-0001",
        "--admin-given-names",
        "Anna",
        "--admin-family-name",
        "Svensson",
        "--organisation",
        "Emmaboda kommun",
    ]);
    assert!(!said.contains("added"), "{said}");
    assert!(data.join("admin/anna-svensson.p12").is_file());
    let tree = tillit_ok(&["org", "list", "--data", data_s]);
    assert_eq!(tree.lines().count(), 1, "{tree}");
    let (code, report) = verify(&data);
    assert_eq!(code, 0, "{report}");
}

/// The token of the one link in what a command printed (`…/enrol/<token>`), and the line.
fn link_token(stdout: &str) -> (String, String) {
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains("/enrol/")).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let token = lines[0].rsplit("/enrol/").next().unwrap().trim().to_owned();
    assert_eq!(token.len(), 43, "{stdout}");
    (token, lines[0].to_owned())
}

/// The stored link of `token` (by its hash), as the portal will look it up.
fn stored_link(data: &Path, token: &str) -> Option<tillit_store::portal::EnrolmentLink> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = tillit_server::node::DataDir::open(data).unwrap().open_store().await.unwrap();
        let link = store.enrolment_link(&officers::token_hash(token)).await.unwrap();
        store.close().await;
        link
    })
}

/// The number of audit entries `tillit audit verify` counts.
fn entries(data: &Path) -> u64 {
    let (code, report) = verify(data);
    assert_eq!(code, 0, "{report}");
    let last = report.lines().last().unwrap();
    last.strip_prefix("ok ").and_then(|l| l.strip_suffix(" entries")).unwrap().parse().unwrap()
}

#[test]
fn enrolment_links_from_init_and_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_s = data.to_str().unwrap();
    let out = run(&[&["init", "--data", data_s][..], &ADMIN, &["--hr-code", "K1"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);

    // `init` prints the administrator's first link, on the loopback portal of the default
    // configuration, with its expiry and that it works once.
    let (token, line) = link_token(&said);
    assert!(line.contains(&format!("http://localhost:8080/enrol/{token}")), "{said}");
    assert!(said.contains("works once, until "), "{said}");
    let link = stored_link(&data, &token).expect("the link init printed is stored");
    let admin = link.person.clone();
    assert_eq!((link.created_by.as_str(), link.used_us), ("system:init", None));
    let hours = (link.expires_us - link.created_us) / 3_600_000_000;
    assert_eq!(hours, i64::from(officers::DEFAULT_LINK_HOURS));
    assert!(said.contains(&officers::rfc3339(link.expires_us)), "{said}");
    // Only the hash is kept: no file of the data directory holds the token.
    for entry in walk(&data) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "{} holds the token",
            entry.display()
        );
    }

    // By person id, and by national id with a lifetime of its own; each a new link (the
    // earlier ones keep working), by `system:cli`, one audit entry each.
    let before = entries(&data);
    let said = tillit_ok(&["admin", "enrol-link", "--data", data_s, "--person", &admin]);
    let (by_id, line) = link_token(&said);
    assert!(line.trim() == format!("http://localhost:8080/enrol/{by_id}"), "{said}");
    assert!(
        said.contains(&admin) && said.contains("Tolvan Tolvansson") && said.contains("works once"),
        "{said}"
    );
    let said =
        tillit_ok(&["admin", "enrol-link", "--data", data_s, "--person", "191212121212", "--hours", "1"]);
    let (by_national_id, _) = link_token(&said);
    for (token, hours) in [(&by_id, officers::DEFAULT_LINK_HOURS), (&by_national_id, 1)] {
        let link = stored_link(&data, token).expect("the link printed is stored");
        assert_eq!(
            (link.person.as_str(), link.created_by.as_str(), link.used_us),
            (admin.as_str(), "system:cli", None)
        );
        assert_eq!((link.expires_us - link.created_us) / 3_600_000_000, i64::from(hours));
    }
    assert!(stored_link(&data, &token).is_some());
    assert_eq!(entries(&data), before + 2);

    // A node not on loopback: the link is on the public base URL, else on the HTTPS host.
    let elsewhere = |env: &[(&str, &str)]| {
        let mut cmd = crate::tillit();
        cmd.args(["admin", "enrol-link", "--data", data_s, "--person", &admin])
            .env("TILLIT_LISTEN", "0.0.0.0:8080");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        link_token(&text(&out.stdout)).1
    };
    let line = elsewhere(&[("TILLIT_PUBLIC_BASE_URL", "https://ra.example.org")]);
    assert!(line.trim().starts_with("https://ra.example.org/enrol/"), "{line}");
    let line = elsewhere(&[("TILLIT_TLS_HOSTS", "[\"ra.example.org\"]")]);
    assert!(line.trim().starts_with("https://ra.example.org:8443/enrol/"), "{line}");
    let before = entries(&data);

    // Refusals name the argument and make nothing.
    std::fs::write(
        tmp.path().join("hr.csv"),
        "national_id,given_names,family_name,email,unit,start,end,protected,name_checked\n\
         19800101-0001,Anna,Svensson,,K1,2020-01-01,,no,\n",
    )
    .unwrap();
    tillit_ok(&[
        "import",
        "hr",
        "--data",
        data_s,
        tmp.path().join("hr.csv").to_str().unwrap(),
        "--org",
        "K1",
    ]);
    let before_refusals = entries(&data);
    assert!(before_refusals > before);
    for (args, said) in [
        (&["--person", "0193a1b2-0000-7000-8000-000000000001"][..], "--person: no person with id 0193a1b2-"),
        (&["--person", "19800202-0009"][..], "--person: no person with national id"),
        (&["--person", "nobody"][..], "--person: neither a person id nor a national id"),
        (&["--person", "19800101-0001"][..], "holds no role"),
        (&["--person", &admin, "--hours", "0"][..], "--hours: a link works 1 to 168 hours, not 0"),
        (&["--person", &admin, "--hours", "169"][..], "--hours: a link works 1 to 168 hours, not 169"),
    ] {
        let out = run(&[&["admin", "enrol-link", "--data", data_s][..], args].concat());
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!text(&out.stdout).contains("/enrol/"), "{args:?}");
    }
    let err = text(&run(&["admin", "enrol-link", "--data", data_s, "--person", "19800101-0001"]).stderr);
    assert!(err.contains("R-ORG-1") && err.contains("--person") && !err.contains("Svensson"), "{err}");
    assert_eq!(entries(&data), before_refusals);
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
