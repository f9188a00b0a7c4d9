//! The certificate authority from the command line, checked with OpenSSL: a certificate
//! issued from an OpenSSL request verifies against the chain and CRLs, and fails once revoked.

use std::path::Path;
use std::process::Command;

use crate::{init, run, text, verify};

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed");
    assert!(out.status.success(), "openssl {args:?}: {}{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn tillit_ok(args: &[&str]) -> String {
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
    let dir = tmp.path();
    let data = init(dir);
    let data = data.to_str().unwrap();

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
        let text = openssl(dir, &["x509", "-in", "cert.pem", "-noout", "-text"]);
        assert!(text.contains("DNS:ra.emmaboda.se"), "{text}");
        assert!(text.contains("TLS Web Server Authentication"), "{text}");
        if key == "rsa" {
            assert!(text.contains("Key Encipherment"), "RSA subject keys get keyEncipherment: {text}");
        }

        tillit_ok(&["ca", "revoke", "--data", data, "--serial", &serial, "--reason", "keyCompromise"]);
        let (ok, said) = verify_with_crls(dir, data);
        assert!(
            !ok && said.contains("certificate revoked"),
            "{key}: a revoked certificate must fail: {said}"
        );

        // Revoking twice changes nothing and says so.
        let again = run(&["ca", "revoke", "--data", data, "--serial", &serial, "--reason", "superseded"]);
        assert_eq!(again.status.code(), Some(2));
        assert!(text_of(&again.stderr).contains("already revoked (keyCompromise)"));
    }
    assert_eq!(verify(Path::new(data)).0, 0);
}

fn text_of(b: &[u8]) -> String {
    text(b)
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
