//! `tillit ca import`: an existing hierarchy made with OpenSSL becomes the node's CA, with
//! and without the root's key; bad hierarchies are refused with the reason and leave nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::ca::{openssl, tillit_ok};
use crate::{run, serve, stop, text, verify};

/// `openssl req -newkey` arguments for a key type.
fn newkey(kind: &str) -> Vec<&'static str> {
    match kind {
        "p256" => vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "rsa3072" => vec!["-newkey", "rsa:3072"],
        "rsa2048" => vec!["-newkey", "rsa:2048"],
        "ed25519" => vec!["-newkey", "ed25519"],
        other => panic!("no key type {other}"),
    }
}

const CA_EXT: &str = "basicConstraints=critical,CA:TRUE,pathlen:0\n\
                      keyUsage=critical,keyCertSign,cRLSign\n\
                      subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n";

/// A new key `<base>.key` of `kind`, and `openssl req` with `args` for it (CN `<base>`).
fn req(dir: &Path, kind: &str, base: &str, args: &[&str]) {
    let (key, subject) = (format!("{base}.key"), format!("/C=SE/O=Import Test/CN={base}"));
    let mut all = vec!["req", "-nodes", "-keyout", &key, "-subj", &subject];
    all.extend(newkey(kind));
    all.extend(args);
    openssl(dir, &all);
}

/// A root `<prefix>root.pem`/`.key` and an issuing CA `<prefix>issuing.pem`/`.key` it
/// signed, keys of `kind`, made by OpenSSL in `dir`.
fn hierarchy(dir: &Path, prefix: &str, kind: &str) {
    let (root, pem) = (format!("{prefix}root"), format!("{prefix}root.pem"));
    let ca =
        ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
    req(dir, kind, &root, &[&["-x509", "-days", "3650", "-out", &pem][..], &ca].concat());
    signed(dir, prefix, "issuing", kind, CA_EXT, "1800");
}

/// `<prefix><name>.pem`/`.key`, signed by `<prefix>root` with the extensions `ext` for `days`.
fn signed(dir: &Path, prefix: &str, name: &str, kind: &str, ext: &str, days: &str) {
    let base = format!("{prefix}{name}");
    let (csr, pem, extfile) = (format!("{base}.csr"), format!("{base}.pem"), format!("{base}.ext"));
    std::fs::write(dir.join(&extfile), ext).unwrap();
    req(dir, kind, &base, &["-new", "-out", &csr]);
    let (ca, ca_key) = (format!("{prefix}root.pem"), format!("{prefix}root.key"));
    let sign = ["x509", "-req", "-in", &csr, "-CA", &ca, "-CAkey", &ca_key, "-CAcreateserial"];
    openssl(dir, &[&sign[..], &["-out", &pem, "-days", days, "-extfile", &extfile]].concat());
}

/// `tillit ca import --data DIR/data` of the issuing CA `issuing` under the root `root` with
/// the key `key` and `extra` arguments (files relative to `dir`; URIs and flags as they are).
fn import(dir: &Path, issuing: &str, root: &str, key: &str, extra: &[&str]) -> (Output, PathBuf) {
    let data = dir.join("data");
    let mut args = vec!["ca".to_owned(), "import".into(), "--data".into(), data.display().to_string()];
    let named = ["--issuing-certificate", issuing, "--root-certificate", root, "--issuing-key", key];
    for arg in named.iter().chain(extra) {
        let as_is = arg.starts_with("--") || arg.starts_with("pkcs11:");
        args.push(if as_is { (*arg).to_owned() } else { dir.join(arg).display().to_string() });
    }
    (run(&args.iter().map(String::as_str).collect::<Vec<_>>()), data)
}

/// [`import`], which succeeds and says `says`; the data directory.
fn import_ok(dir: &Path, issuing: &str, root: &str, key: &str, extra: &[&str], says: &str) -> PathBuf {
    let (out, data) = import(dir, issuing, root, key, extra);
    assert!(out.status.success(), "{key} {extra:?}: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains(says), "{}", text(&out.stdout));
    data
}

/// Issues a function certificate from an OpenSSL request and verifies it with OpenSSL
/// against the imported chain.
fn issue_and_verify(dir: &Path, data: &str) {
    req(dir, "p256", "svc.example.se", &["-new", "-out", "svc.csr"]);
    let _ = std::fs::remove_file(dir.join("cert.pem"));
    let (csr, cert) = (dir.join("svc.csr").display().to_string(), dir.join("cert.pem").display().to_string());
    tillit_ok(&["ca", "issue", "--data", data, "--profile", "function", "--csr", &csr, "--out", &cert]);
    let out = openssl(dir, &["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "cert.pem"]);
    assert!(out.contains("cert.pem: OK"), "{out}");
}

fn crl(dir: &Path, data: &str, ca: &str) -> Output {
    let out = dir.join(format!("{ca}.crl"));
    let _ = std::fs::remove_file(&out);
    run(&["ca", "crl", "--data", data, "--ca", ca, "--out", out.to_str().unwrap()])
}

#[test]
fn a_p256_hierarchy_with_its_root_key_signs_and_publishes_both_crls() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "", "p256");
    let root_key = ["--root-key", "root.key"];
    let data = import_ok(dir, "issuing.pem", "root.pem", "issuing.key", &root_key, "key keys/ca-root.pem");
    // Re-encrypted into the keystore: the source files are no longer needed.
    for key in ["keys/ca-root.pem", "keys/ca-issuing.pem"] {
        let pem = std::fs::read_to_string(data.join(key)).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{key}");
    }
    std::fs::remove_file(dir.join("root.key")).unwrap();
    std::fs::remove_file(dir.join("issuing.key")).unwrap();
    let data = data.to_str().unwrap();
    // The chain is the imported one, byte for byte.
    let chain = tillit_ok(&["ca", "chain", "--data", data]);
    let certs = |file: &str| openssl(dir, &["x509", "-in", file]);
    assert_eq!(chain, format!("{}{}", certs("issuing.pem"), certs("root.pem")));
    issue_and_verify(dir, data);
    let mut crls = String::new();
    for ca in ["issuing", "root"] {
        let out = crl(dir, data, ca);
        assert!(out.status.success(), "{ca}: {}", text(&out.stderr));
        crls += &openssl(dir, &["crl", "-inform", "DER", "-in", &format!("{ca}.crl")]);
    }
    std::fs::write(dir.join("crls.pem"), crls).unwrap();
    let checked =
        ["-crl_check_all", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "-CRLfile", "crls.pem"];
    let out = openssl(dir, &[&["verify"], &checked[..], &["cert.pem"]].concat());
    assert!(out.contains("cert.pem: OK"), "{out}");
    let (code, report) = verify(Path::new(data));
    assert_eq!(code, 0, "{report}");
    let list = tillit_ok(&["ca", "list", "--data", data]);
    assert!(list.lines().any(|l| l.contains("\troot\tsubordinate-ca\t")), "{list}");
}

#[test]
fn an_rsa_hierarchy_without_its_root_key_serves_without_the_roots_crl() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "", "rsa3072");
    let data = import_ok(dir, "issuing.pem", "root.pem", "issuing.key", &[], "key not on this node");
    assert!(!data.join("keys/ca-root.pem").exists());
    let data_str = data.to_str().unwrap();
    issue_and_verify(dir, data_str);
    let out = crl(dir, data_str, "issuing");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = crl(dir, data_str, "root");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("the root CA's key is not on this node; its CRL is published by its operator"),
        "{err}"
    );
    // The node serves: no OCSP responder or CRL schedule for the root.
    let (child, address) = serve(&data);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for (path, status) in [("/readyz", 200), ("/crl/issuing.crl", 200), ("/ca/root.crt", 200)] {
            let r = reqwest::get(format!("{address}{path}")).await.unwrap();
            assert_eq!(r.status(), status, "{path}");
        }
        // The root's CRL is not this node's to publish: a 404 that says so, not a 500.
        let r = reqwest::get(format!("{address}/crl/root.crl")).await.unwrap();
        assert_eq!(r.status(), 404);
        let problem: serde_json::Value = r.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("published by its operator"), "{problem}");
    });
    stop(child);
    let (code, report) = verify(&data);
    assert_eq!(code, 0, "{report}");
}

/// Traditional PEM keys are read as they are; encrypted PKCS#8 with --key-passphrase-file;
/// encrypted traditional PEM is refused with the command that converts it.
#[test]
fn key_files_in_the_forms_openssl_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "", "p256");
    hierarchy(dir, "r-", "rsa3072");
    std::fs::write(dir.join("pass"), "a passphrase of some length\n").unwrap();
    std::fs::write(dir.join("short"), "short\n").unwrap();
    openssl(dir, &["ec", "-in", "issuing.key", "-out", "ec-trad.key"]);
    openssl(dir, &["rsa", "-traditional", "-in", "r-issuing.key", "-out", "rsa-trad.key"]);
    for (pass, out) in [("file:pass", "enc.key"), ("file:short", "enc-short.key")] {
        openssl(
            dir,
            &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", "issuing.key", "-passout", pass, "-out", out],
        );
    }
    openssl(
        dir,
        &["ec", "-aes256", "-in", "issuing.key", "-passout", "file:pass", "-out", "ec-trad-enc.key"],
    );
    assert!(std::fs::read_to_string(dir.join("ec-trad.key")).unwrap().contains("BEGIN EC PRIVATE KEY"));
    assert!(std::fs::read_to_string(dir.join("rsa-trad.key")).unwrap().contains("BEGIN RSA PRIVATE KEY"));

    let with_pass: &[&str] = &["--key-passphrase-file", "pass"];
    for (prefix, key, extra) in
        [("", "ec-trad.key", &[][..]), ("r-", "rsa-trad.key", &[]), ("", "enc.key", with_pass)]
    {
        let (issuing, root) = (format!("{prefix}issuing.pem"), format!("{prefix}root.pem"));
        let data = import_ok(dir, &issuing, &root, key, extra, "key keys/ca-issuing.pem");
        assert!(crl(dir, data.to_str().unwrap(), "issuing").status.success(), "{key}");
        std::fs::remove_dir_all(&data).unwrap();
    }
    for (key, pass, said) in [
        ("enc.key", None, "the key is encrypted: give its passphrase with --key-passphrase-file"),
        ("enc.key", Some("root.pem"), "cannot decrypt the key with the passphrase in"),
        ("enc-short.key", Some("short"), "shorter than 12 characters"),
        ("ec-trad-enc.key", Some("pass"), "openssl pkcs8 -topk8"),
        ("root.pem", None, "no private key in it"),
    ] {
        let extra: Vec<&str> = pass.map(|p| vec!["--key-passphrase-file", p]).unwrap_or_default();
        refused(dir, ("issuing.pem", "root.pem", key, &extra), &[key, said]);
    }
}

/// The import is refused with a message naming `said`, and nothing is left behind.
fn refused(dir: &Path, (issuing, root, key, extra): (&str, &str, &str, &[&str]), said: &[&str]) {
    let (out, data) = import(dir, issuing, root, key, extra);
    let case = format!("{issuing} {root} {key} {extra:?}");
    assert_eq!(out.status.code(), Some(2), "{case}: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{case}: {err}");
    for s in said {
        assert!(err.contains(s), "{case}: {err} does not say {s:?}");
    }
    assert!(!data.exists(), "{case}: the data directory was left behind");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(".tillit-init-"))
        .collect();
    assert!(leftovers.is_empty(), "{case}: staging left behind: {leftovers:?}");
}

#[test]
fn bad_hierarchies_are_refused_with_the_reason_and_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "", "p256");
    hierarchy(dir, "other-", "p256");
    hierarchy(dir, "rsa2048-", "rsa2048");
    hierarchy(dir, "ed-", "ed25519");
    signed(dir, "", "leaf", "p256", LEAF_EXT, "365");
    signed(dir, "", "expired", "p256", CA_EXT, "-1");
    let no_crl_sign = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";
    signed(dir, "", "nocrlsign", "p256", no_crl_sign, "365");
    let other_root_key: &[&str] = &["--root-key", "other-root.key"];
    type Case<'a> = ((&'a str, &'a str, &'a str, &'a [&'a str]), &'a [&'a str]);
    let cases: &[Case] = &[
        // The key is not the certificate's (the root's key, same type).
        (("issuing.pem", "root.pem", "root.key", &[]), &["root.key", "not the key of", "issuing.pem"]),
        // A key of another type.
        (
            ("issuing.pem", "root.pem", "rsa2048-issuing.key", &[]),
            &["rsa2048-issuing.key", "not a usable ecdsa-p256 private key"],
        ),
        // The root key given is not the root's.
        (
            ("issuing.pem", "root.pem", "issuing.key", other_root_key),
            &["other-root.key", "not the key of", "root.pem"],
        ),
        // The issuing CA was signed by another root.
        (
            ("other-issuing.pem", "root.pem", "other-issuing.key", &[]),
            &["other-issuing.pem", "not by the root"],
        ),
        // An end-entity certificate as the issuing CA.
        (("leaf.pem", "root.pem", "leaf.key", &[]), &["leaf.pem", "not usable as the issuing CA", "CA:TRUE"]),
        // A CA that cannot sign CRLs.
        (("nocrlsign.pem", "root.pem", "nocrlsign.key", &[]), &["nocrlsign.pem", "cRLSign"]),
        // Root and issuing swapped.
        (("root.pem", "issuing.pem", "root.key", &[]), &["issuing.pem", "not a root"]),
        // Key types tillit CAs cannot have.
        (
            ("rsa2048-issuing.pem", "rsa2048-root.pem", "rsa2048-issuing.key", &[]),
            &["rsa2048-root.pem", "an RSA 2048-bit key", "rsa-3072"],
        ),
        (("ed-issuing.pem", "ed-root.pem", "ed-issuing.key", &[]), &["ed-root.pem", "an Ed25519 key"]),
        // Expired.
        (("expired.pem", "root.pem", "expired.key", &[]), &["expired.pem", "expired at"]),
        // Missing files.
        (("missing.pem", "root.pem", "issuing.key", &[]), &["missing.pem", "No such file"]),
        (("issuing.pem", "root.pem", "missing.key", &[]), &["missing.key", "No such file"]),
        // Not a certificate.
        (("issuing.key", "root.pem", "issuing.key", &[]), &["issuing.key", "not an X.509 certificate"]),
    ];
    for (case, said) in cases {
        refused(dir, *case, said);
    }
}

/// The issuing CA's key on a PKCS#11 token: made there by `tillit init --keystore`, then
/// imported by a second node by its URI. Runs when TEST_TILLIT_PKCS11_URI names a token
/// with its PIN (`eval "$(bash .ci/softhsm.sh)"`).
#[test]
fn an_issuing_key_on_a_pkcs11_token_is_imported_by_its_uri() {
    let Some((uri, _turn)) = crate::card::card() else { return };
    let prefix =
        format!("i{}", std::process::id() ^ (std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos() as u32));
    let with_object = |object: &str| match uri.split_once('?') {
        Some((path, query)) => format!("{path};object={object}?{query}"),
        None => format!("{uri};object={object}"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let first = dir.join("first");
    tillit_ok(&["init", "--data", first.to_str().unwrap(), "--keystore", &with_object(&prefix)]);
    let chain = tillit_ok(&["ca", "chain", "--data", first.to_str().unwrap()]);
    let end = "-----END CERTIFICATE-----\n";
    let (issuing, root) = chain.split_once(end).unwrap();
    std::fs::write(dir.join("issuing.pem"), format!("{issuing}{end}")).unwrap();
    std::fs::write(dir.join("root.pem"), root).unwrap();

    let issuing_key = with_object(&format!("{prefix}-issuing"));
    let data = import_ok(dir, "issuing.pem", "root.pem", &issuing_key, &[], "key on the PKCS#11 token");
    assert!(!data.join("keys/ca-issuing.pem").exists());
    issue_and_verify(dir, data.to_str().unwrap());
    // The root's token key is not the issuing CA's.
    std::fs::remove_dir_all(&data).unwrap();
    let root_key = with_object(&format!("{prefix}-root"));
    refused(dir, ("issuing.pem", "root.pem", &root_key, &[]), &["not the key of", "issuing.pem"]);
}
