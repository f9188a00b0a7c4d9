//! The certificate authority from the command line, checked with OpenSSL: a certificate
//! issued from an OpenSSL request verifies against the chain and CRLs, and fails once revoked.

use std::path::Path;
use std::process::Command;

use crate::{init, run, serve, stop, text, verify};

pub(crate) fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed");
    assert!(out.status.success(), "openssl {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

pub(crate) fn tillit_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "tillit {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// `openssl verify -crl_check_all` with the chain and both CRLs fetched fresh; its output.
fn verify_with_crls(dir: &Path, data: &str) -> (bool, String) {
    for (ca, file) in [("issuing", "issuing.crl"), ("root", "root.crl")] {
        let _ = std::fs::remove_file(dir.join(file));
        tillit_ok(&["ca", "crl", "--data", data, "--ca", ca, "--out", dir.join(file).to_str().unwrap()]);
        openssl(dir, &["crl", "-inform", "DER", "-in", file, "-out", &format!("{file}.pem")]);
    }
    let crls = format!(
        "{}{}",
        std::fs::read_to_string(dir.join("issuing.crl.pem")).unwrap(),
        std::fs::read_to_string(dir.join("root.crl.pem")).unwrap()
    );
    std::fs::write(dir.join("crls.pem"), crls).unwrap();
    let out = Command::new("openssl")
        .args([
            "verify",
            "-crl_check_all",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "issuing.pem",
            "-CRLfile",
            "crls.pem",
            "cert.pem",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

#[test]
fn issue_verify_revoke_with_openssl() {
    let tmp = tempfile::tempdir().unwrap();
    let data = init(tmp.path());
    issue_verify_revoke(tmp.path(), data.to_str().unwrap());
}

/// The same with the CA keys on a PKCS#11 token (SoftHSM2 in CI): runs when
/// TEST_TILLIT_PKCS11_URI names a token with its PIN (`eval "$(bash .ci/softhsm.sh)"`); fails
/// without it when TEST_TILLIT_REQUIRE_PKCS11 is set.
#[test]
fn issue_verify_revoke_with_the_ca_keys_on_a_pkcs11_token() {
    let Some((uri, _turn)) = crate::card::card() else { return };
    // A fresh label prefix, so the test can run again on the same token.
    let prefix =
        format!("t{}", std::process::id() ^ (std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos() as u32));
    let uri = match uri.split_once('?') {
        Some((path, query)) => format!("{path};object={prefix}?{query}"),
        None => format!("{uri};object={prefix}"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = run(&["init", "--data", data.to_str().unwrap(), "--keystore", &uri]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // No CA private key exists outside the token; the URI kept in the store has no PIN.
    assert!(!data.join("keys/ca-root.pem").exists() && !data.join("keys/ca-issuing.pem").exists());
    let config = std::fs::read_to_string(data.join("tillit.toml")).unwrap();
    assert!(config.contains("pkcs11_pin_file = \"secrets/pkcs11-pin\""), "{config}");
    assert!(!text(&out.stdout).contains("pin-value"), "{}", text(&out.stdout));
    // A second init with the same labels is refused: the keys exist on the token.
    let again = run(&["init", "--data", tmp.path().join("other").to_str().unwrap(), "--keystore", &uri]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("exists already"), "{}", text(&again.stderr));
    assert!(!tmp.path().join("other").exists());

    issue_verify_revoke(tmp.path(), data.to_str().unwrap());
}

/// `--keystore` names `file` or a PKCS#11 URI; anything else is refused before anything is made.
#[test]
fn a_bad_keystore_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    for (keystore, said) in [
        ("hsm", "use `file` or a PKCS#11 URI"),
        ("pkcs11:token=x", "names no module"),
        ("pkcs11:token=x?module-path=/nonexistent/module.so", "no PIN is configured"),
        ("pkcs11:token=x?module-path=/nonexistent/module.so&pin-value=1234", "module.so"),
    ] {
        let out = run(&["init", "--data", data.to_str().unwrap(), "--keystore", keystore]);
        assert_eq!(out.status.code(), Some(2), "{keystore}");
        assert!(text(&out.stderr).contains(said), "{keystore}: {}", text(&out.stderr));
        assert!(!data.exists(), "{keystore}: nothing is left behind");
    }
}

/// `openssl ocsp` against the node's responder about `cert.pem`, verifying the response up
/// to the root; its report (stdout and stderr).
fn openssl_ocsp(dir: &Path, url: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "ocsp",
        "-issuer",
        "issuing.pem",
        "-url",
        url,
        "-CAfile",
        "root.pem",
        "-verify_other",
        "issuing.pem",
    ];
    args.extend_from_slice(extra);
    let out = Command::new("openssl").args(&args).current_dir(dir).output().unwrap();
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

fn issue_verify_revoke(dir: &Path, data: &str) {
    let (node, address) = serve(Path::new(data));
    let ocsp_url = format!("{address}/ocsp");
    let chain = tillit_ok(&["ca", "chain", "--data", data]);
    let pems: Vec<String> = chain.split_inclusive("-----END CERTIFICATE-----\n").map(str::to_owned).collect();
    assert_eq!(pems.len(), 2, "{chain}");
    std::fs::write(dir.join("issuing.pem"), &pems[0]).unwrap();
    std::fs::write(dir.join("root.pem"), &pems[1]).unwrap();
    assert!(openssl(dir, &["x509", "-in", "issuing.pem", "-noout", "-subject"]).contains("tillit Issuing CA"));

    for (key, args) in [
        ("ec", vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]),
        ("rsa", vec!["-newkey", "rsa:3072"]),
    ] {
        let csr = format!("{key}.csr");
        let mut req = vec![
            "req",
            "-new",
            "-nodes",
            "-keyout",
            "key.pem",
            "-subj",
            "/C=SE/O=Emmaboda kommun/CN=ra.emmaboda.se",
            "-out",
            &csr,
        ];
        req.extend(args.iter().copied());
        openssl(dir, &req);
        let _ = std::fs::remove_file(dir.join("cert.pem"));
        let out = tillit_ok(&[
            "ca",
            "issue",
            "--data",
            data,
            "--profile",
            "function",
            "--csr",
            dir.join(&csr).to_str().unwrap(),
            "--days",
            "30",
            "--out",
            dir.join("cert.pem").to_str().unwrap(),
        ]);
        let serial = out.split_whitespace().nth(2).unwrap().to_owned();

        let (ok, said) = verify_with_crls(dir, data);
        assert!(ok, "{key}: a fresh certificate must verify: {said}");
        let shown = openssl(dir, &["x509", "-in", "cert.pem", "-noout", "-text"]);
        assert!(shown.contains("DNS:ra.emmaboda.se"), "{shown}");
        assert!(shown.contains("TLS Web Server Authentication"), "{shown}");
        if key == "rsa" {
            assert!(shown.contains("Key Encipherment"), "RSA subject keys get keyEncipherment: {shown}");
        }

        // OCSP: good, with a nonce (signed for the request) and without (the kept response).
        for extra in [&[][..], &["-no_nonce"][..]] {
            let mut args = vec!["-cert", "cert.pem"];
            args.extend_from_slice(extra);
            let said = openssl_ocsp(dir, &ocsp_url, &args);
            assert!(said.contains("Response verify OK") && said.contains("cert.pem: good"), "{key}: {said}");
        }
        let said = openssl_ocsp(dir, &ocsp_url, &["-serial", "0x0123456789abcdef", "-no_nonce"]);
        assert!(said.contains("Response verify OK") && said.contains(": unknown"), "{said}");

        // Revoked by another process (the CLI): the responder sees it within ten seconds.
        tillit_ok(&["ca", "revoke", "--data", data, "--serial", &serial, "--reason", "keyCompromise"]);
        let revoked_at = std::time::Instant::now();
        loop {
            let said = openssl_ocsp(dir, &ocsp_url, &["-cert", "cert.pem", "-no_nonce"]);
            assert!(said.contains("Response verify OK"), "{said}");
            if said.contains("cert.pem: revoked") {
                assert!(said.contains("Reason: keyCompromise"), "{said}");
                break;
            }
            assert!(said.contains("cert.pem: good"), "{said}");
            assert!(revoked_at.elapsed().as_secs() < 10, "{key}: OCSP still says good 10 s after revocation");
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        let (ok, said) = verify_with_crls(dir, data);
        assert!(
            !ok && said.contains("certificate revoked"),
            "{key}: a revoked certificate must fail: {said}"
        );

        // Revoking twice changes nothing and says so.
        let again = run(&["ca", "revoke", "--data", data, "--serial", &serial, "--reason", "superseded"]);
        assert_eq!(again.status.code(), Some(2));
        assert!(text(&again.stderr).contains("already revoked (keyCompromise)"));
    }
    stop(node);
    assert_eq!(verify(Path::new(data)).0, 0);
}

#[test]
fn bad_requests_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = init(dir);
    let data = data.to_str().unwrap();
    let issue = |csr: &str, profile: &str| {
        let out = run(&[
            "ca",
            "issue",
            "--data",
            data,
            "--profile",
            profile,
            "--csr",
            dir.join(csr).to_str().unwrap(),
            "--out",
            dir.join("never.pem").to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2));
        text(&out.stderr)
    };

    std::fs::write(dir.join("junk.csr"), "not a request").unwrap();
    assert!(issue("junk.csr", "function").contains("not a PKCS#10 certification request"));

    openssl(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "rsa:1024",
            "-keyout",
            "k.pem",
            "-subj",
            "/CN=weak.example.org",
            "-out",
            "weak.csr",
        ],
    );
    assert!(issue("weak.csr", "function").contains("RSA key of 1024 bits is not accepted"));

    openssl(
        dir,
        &[
            "req",
            "-new",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "k2.pem",
            "-subj",
            "/CN=ok.example.org",
            "-out",
            "ok.csr",
        ],
    );
    assert!(issue("ok.csr", "nonexistent").contains("no profile named"));
    assert!(issue("ok.csr", "se-signature").contains("serialNumber is required"));

    // A request whose signature was tampered with: no proof of possession.
    let mut der = Vec::new();
    openssl(dir, &["req", "-in", "ok.csr", "-outform", "DER", "-out", "ok.der"]);
    der.extend(std::fs::read(dir.join("ok.der")).unwrap());
    let last = der.len() - 1;
    der[last] ^= 0x01;
    std::fs::write(dir.join("bad-pop.csr"), der).unwrap();
    let said = issue("bad-pop.csr", "function");
    assert!(said.contains("proof of possession") || said.contains("not a PKCS#10"), "{said}");

    assert!(!dir.join("never.pem").exists());
    // Nothing was issued: only the init entries are in the log.
    let (code, out) = verify(Path::new(data));
    assert_eq!((code, out.lines().last()), (0, Some("ok 4 entries")));
}
