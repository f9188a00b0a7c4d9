//! OCSP requests and responses, checked against OpenSSL.
//!
//! A root, an issuing CA, its delegated responder and a leaf are made with tillit's own
//! issuance; `openssl ocsp` makes the requests, and verifies and reads our responses.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use der::pem::LineEnding;
use der::{Decode as _, Encode as _, EncodePem as _};
use proptest::prelude::*;
use tillit_pki::crl::Reason;
use tillit_pki::issue::{self, Issued, Issuer, Template, Urls};
use tillit_pki::ocsp::{
    self, parse_request, ErrorStatus, HashAlgorithm, IssuerKey, Nonce, RequestError, Responder,
    SingleResponse, Status,
};
use tillit_pki::profile::{Profiles, SubjectField};
use tillit_pki::{FileSigner, KeyAlgorithm, Passphrase, Signer as _};

/// A request `openssl ocsp -issuer ca.pem -cert leaf.pem -reqout req.der` made: SHA-1
/// CertID, 16-octet nonce.
const OPENSSL_REQUEST: &str = "307a30783051304f304d300906052b0e03021a0500041411048cd20cb3592307d019fd0889562b62d364920414e3ca9bff946a6314a2672e5f0849f97533952f6002146c87e942233998b041725746a5f4241ec2a20e0ea2233021301f06092b06010505073001020412041014a096e65c1171b529b44e87f33b4fbf";

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Root → issuing CA → (responder, leaf), written to a temporary directory as PEM.
struct Pki {
    dir: tempfile::TempDir,
    issuing: Issued,
    leaf: Issued,
    responder: Responder,
}

fn subject(cn: &str) -> Vec<(SubjectField, String)> {
    vec![(SubjectField::CommonName, cn.to_owned()), (SubjectField::CountryName, "SE".to_owned())]
}

fn template(cn: &str, key: &FileSigner, days: u64) -> Template {
    let now = SystemTime::now();
    Template {
        subject: vec![(SubjectField::CommonName, cn.to_owned())],
        emails: vec![],
        upns: vec![],
        dns_names: vec![],
        public_key: key.public_key().clone(),
        not_before: now - Duration::from_secs(60),
        not_after: now + Duration::from_secs(86_400 * days),
        policies: vec![],
    }
}

impl Pki {
    fn new(alg: KeyAlgorithm) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("correct horse battery".into()).unwrap();
        let key = |name: &str, alg| FileSigner::generate(&dir.path().join(name), alg, &pass).unwrap();
        let now = SystemTime::now();
        let urls = Urls::new("https://ca.example");
        let profiles = Profiles::defaults();

        let root_key = key("root.key", alg);
        let root = issue::root_ca(
            &root_key,
            &subject("Test Root"),
            now - Duration::from_secs(3600),
            now + Duration::from_secs(86_400 * 3650),
        )
        .unwrap();
        let issuing_key = key("issuing.key", alg);
        let root_issuer = Issuer { name: "root", certificate: &root.certificate, signer: &root_key };
        let issuing = issue::subordinate_ca(
            &root_issuer,
            &subject("Test Issuing CA"),
            issuing_key.public_key().clone(),
            now - Duration::from_secs(3600),
            now + Duration::from_secs(86_400 * 1000),
            &urls,
        )
        .unwrap();
        let issuer = Issuer { name: "issuing", certificate: &issuing.certificate, signer: &issuing_key };

        let responder_key = key("ocsp.key", alg);
        let responder_cert = issue::issue(
            &issuer,
            "ocsp-responder",
            profiles.get("ocsp-responder").unwrap(),
            &template("Test OCSP Responder", &responder_key, 30),
            &urls,
        )
        .unwrap();
        let leaf_key = key("leaf.key", KeyAlgorithm::EcdsaP256);
        let mut leaf_template = template("server.example", &leaf_key, 90);
        leaf_template.dns_names = vec!["server.example".into()];
        let leaf =
            issue::issue(&issuer, "function", profiles.get("function").unwrap(), &leaf_template, &urls)
                .unwrap();

        for (name, cert) in [
            ("root.pem", &root),
            ("issuing.pem", &issuing),
            ("leaf.pem", &leaf),
            ("ocsp.pem", &responder_cert),
        ] {
            std::fs::write(dir.path().join(name), cert.certificate.to_pem(LineEnding::LF).unwrap()).unwrap();
        }
        let responder = Responder::new(responder_cert.certificate, Box::new(responder_key)).unwrap();
        assert!(responder.is_issued_by(&issuing.certificate) && !responder.is_issued_by(&root.certificate));
        Pki { dir, issuing, leaf, responder }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `openssl ocsp` with these arguments in the directory; returns stdout + stderr.
    fn openssl_ocsp(&self, args: &[&str]) -> (bool, String) {
        openssl_ocsp(self.dir.path(), args)
    }

    /// A request from `openssl ocsp` for the leaf (and `extra` args before `-cert`).
    fn openssl_request(&self, name: &str, extra: &[&str]) -> Vec<u8> {
        let mut args = vec!["-issuer", "issuing.pem"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-cert", "leaf.pem", "-reqout", name]);
        let (ok, out) = self.openssl_ocsp(&args);
        assert!(ok, "openssl ocsp {args:?}: {out}");
        std::fs::read(self.path(name)).unwrap()
    }

    /// Has `openssl ocsp` verify `response` and print it. With `reqin`, a run against that
    /// request checks the signature and the nonce; OpenSSL ignores `-reqin` when certificates
    /// are named, so a second run names them (`ids`, e.g. `-cert leaf.pem`) without a nonce
    /// of its own, and prints one status line per certificate after checking the
    /// thisUpdate/nextUpdate window. Returns whether both succeeded and what they printed.
    fn openssl_verify(&self, response: &[u8], reqin: Option<&str>, ids: &[&str]) -> (bool, String) {
        std::fs::write(self.path("resp.der"), response).unwrap();
        let trust = ["-respin", "resp.der", "-CAfile", "root.pem", "-verify_other", "issuing.pem"];
        let (mut ok, mut out) = (true, String::new());
        if let Some(req) = reqin {
            let mut args = trust.to_vec();
            args.extend_from_slice(&["-reqin", req, "-resp_text"]);
            (ok, out) = self.openssl_ocsp(&args);
        }
        let mut args = trust.to_vec();
        args.extend_from_slice(&["-issuer", "issuing.pem", "-no_nonce"]);
        args.extend_from_slice(ids);
        let (ok2, out2) = self.openssl_ocsp(&args);
        (ok && ok2, out + &out2)
    }

    fn single(&self, id: &ocsp::CertId, status: Status) -> SingleResponse {
        let now = SystemTime::now();
        SingleResponse {
            cert_id: id.clone(),
            status,
            this_update: now - Duration::from_secs(60),
            next_update: now + Duration::from_secs(86_400 * 4),
        }
    }
}

fn openssl_ocsp(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").arg("ocsp").args(args).current_dir(dir).output().expect("run openssl");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn check_against_openssl(alg: KeyAlgorithm) {
    let pki = Pki::new(alg);
    let issuer = IssuerKey::new(&pki.issuing.certificate).unwrap();
    let revoked_at = SystemTime::now() - Duration::from_secs(3600);
    let statuses = [
        (Status::Good, vec!["leaf.pem: good"]),
        (
            Status::Revoked { at: revoked_at, reason: Some(Reason::KeyCompromise) },
            vec!["leaf.pem: revoked", "Reason: keyCompromise"],
        ),
        (Status::Revoked { at: revoked_at, reason: None }, vec!["leaf.pem: revoked"]),
        (Status::Unknown, vec!["leaf.pem: unknown"]),
    ];
    for with_nonce in [true, false] {
        let name = if with_nonce { "req-nonce.der" } else { "req.der" };
        let request_der = pki.openssl_request(name, if with_nonce { &[] } else { &["-no_nonce"] });
        let request = parse_request(&request_der).unwrap();
        assert_eq!(request.nonce().is_some(), with_nonce);
        assert_eq!(request.cert_ids().len(), 1);
        let id = &request.cert_ids()[0];
        assert_eq!(id.hash_algorithm(), HashAlgorithm::Sha1);
        assert!(issuer.matches(id));
        assert_eq!(id.serial(), pki.leaf.serial.as_slice());
        // What we would produce ahead of time is the very CertId OpenSSL asks about.
        assert_eq!(id, &issuer.cert_id(HashAlgorithm::Sha1, &pki.leaf.serial).unwrap());

        for (status, expected) in &statuses {
            let response = pki
                .responder
                .respond(&[pki.single(id, *status)], request.nonce(), SystemTime::now())
                .unwrap();
            let (ok, out) = pki.openssl_verify(&response, Some(name), &["-cert", "leaf.pem"]);
            assert!(ok, "{alg} {status:?}: {out}");
            assert!(out.contains("Response verify OK"), "{alg} {status:?}: {out}");
            for line in expected {
                assert!(out.contains(line), "{alg} {status:?}: expected {line:?} in {out}");
            }
            if matches!(status, Status::Revoked { reason: None, .. }) {
                assert!(!out.contains("Reason:"), "{alg}: a reason where none was given: {out}");
            }
            assert!(!out.contains("WARNING") && !out.contains("Nonce Verify error"), "{alg}: {out}");
            if with_nonce {
                assert!(out.contains("OCSP Nonce"), "{alg}: the nonce is not echoed: {out}");
            }
        }
    }

    // OpenSSL notices a spoilt signature...
    let request = parse_request(&std::fs::read(pki.path("req.der")).unwrap()).unwrap();
    let response = pki
        .responder
        .respond(&[pki.single(&request.cert_ids()[0], Status::Good)], None, SystemTime::now())
        .unwrap();
    let response = flip_signature_bit(&response);
    let (ok, out) = pki.openssl_verify(&response, Some("req.der"), &["-cert", "leaf.pem"]);
    assert!(
        !ok && out.contains("Response Verify Failure"),
        "{alg}: a spoilt signature went unnoticed: {out}"
    );

    // ... a nonce that is not the one it sent...
    let request = parse_request(&std::fs::read(pki.path("req-nonce.der")).unwrap()).unwrap();
    let wrong = Nonce::new(&[0x5a; 16]).unwrap();
    let response = pki
        .responder
        .respond(&[pki.single(&request.cert_ids()[0], Status::Good)], Some(&wrong), SystemTime::now())
        .unwrap();
    let (_, out) = pki.openssl_verify(&response, Some("req-nonce.der"), &["-cert", "leaf.pem"]);
    assert!(out.contains("Nonce Verify error"), "{alg}: a wrong nonce went unnoticed: {out}");
    // ... and one that is missing.
    let response = pki
        .responder
        .respond(&[pki.single(&request.cert_ids()[0], Status::Good)], None, SystemTime::now())
        .unwrap();
    let (_, out) = pki.openssl_verify(&response, Some("req-nonce.der"), &["-cert", "leaf.pem"]);
    assert!(out.contains("WARNING: no nonce in response"), "{alg}: {out}");
}

/// The response with one bit of its signature changed.
fn flip_signature_bit(der: &[u8]) -> Vec<u8> {
    let mut response = x509_ocsp::OcspResponse::from_der(der).unwrap();
    let bytes = response.response_bytes.as_mut().unwrap();
    let mut basic = x509_ocsp::BasicOcspResponse::from_der(bytes.response.as_bytes()).unwrap();
    let mut signature = basic.signature.raw_bytes().to_vec();
    signature[10] ^= 0x01;
    basic.signature = der::asn1::BitString::from_bytes(&signature).unwrap();
    bytes.response = der::asn1::OctetString::new(basic.to_der().unwrap()).unwrap();
    response.to_der().unwrap()
}

#[test]
fn openssl_verifies_good_revoked_and_unknown_from_an_ecdsa_p256_responder() {
    check_against_openssl(KeyAlgorithm::EcdsaP256);
}

#[test]
fn openssl_verifies_good_revoked_and_unknown_from_an_rsa_3072_responder() {
    check_against_openssl(KeyAlgorithm::Rsa3072);
}

#[test]
fn openssl_sha256_signed_and_multi_certificate_requests() {
    let pki = Pki::new(KeyAlgorithm::EcdsaP256);
    let issuer = IssuerKey::new(&pki.issuing.certificate).unwrap();

    // SHA-256 CertID: the response echoes it, and OpenSSL finds its answer.
    let der = pki.openssl_request("req256.der", &["-sha256"]);
    let request = parse_request(&der).unwrap();
    let id = &request.cert_ids()[0];
    assert_eq!(id.hash_algorithm(), HashAlgorithm::Sha256);
    assert!(issuer.matches(id));
    let response =
        pki.responder.respond(&[pki.single(id, Status::Good)], request.nonce(), SystemTime::now()).unwrap();
    let (ok, out) = pki.openssl_verify(&response, Some("req256.der"), &["-sha256", "-cert", "leaf.pem"]);
    assert!(ok && out.contains("Response verify OK") && out.contains("leaf.pem: good"), "{out}");
    assert!(!out.contains("WARNING") && !out.contains("Nonce Verify error"), "{out}");

    // Two certificates, the leaf and a serial number never issued: one answer each, in
    // order.
    let (ok, out) = pki.openssl_ocsp(&[
        "-issuer",
        "issuing.pem",
        "-cert",
        "leaf.pem",
        "-serial",
        "0x1234",
        "-reqout",
        "multi.der",
    ]);
    assert!(ok, "{out}");
    let request = parse_request(&std::fs::read(pki.path("multi.der")).unwrap()).unwrap();
    assert_eq!(request.cert_ids().len(), 2);
    assert_eq!(request.cert_ids()[1].serial(), &[0x12, 0x34]);
    let singles = [
        pki.single(&request.cert_ids()[0], Status::Good),
        pki.single(&request.cert_ids()[1], Status::Unknown),
    ];
    let response = pki.responder.respond(&singles, request.nonce(), SystemTime::now()).unwrap();
    let (ok, out) =
        pki.openssl_verify(&response, Some("multi.der"), &["-cert", "leaf.pem", "-serial", "0x1234"]);
    assert!(ok && out.contains("leaf.pem: good") && out.contains("0x1234: unknown"), "{out}");

    // A signed request (with a throwaway self-signed requestor: only the form matters, the
    // signature is not checked).
    let (ok, out) = {
        let key = pki.path("signer.key");
        let status = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"])
            .args(["-subj", "/CN=requestor", "-days", "1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(pki.path("signer.pem"))
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        pki.openssl_ocsp(&[
            "-issuer",
            "issuing.pem",
            "-cert",
            "leaf.pem",
            "-signer",
            "signer.pem",
            "-signkey",
            "signer.key",
            "-reqout",
            "signed.der",
        ])
    };
    assert!(ok, "{out}");
    let request = parse_request(&std::fs::read(pki.path("signed.der")).unwrap()).unwrap();
    assert!(request.is_signed());
    assert!(request.nonce().is_some());
    assert_eq!(request.cert_ids()[0].serial(), pki.leaf.serial.as_slice());
}

#[test]
fn pre_produced_responses_serve_any_request_without_a_nonce() {
    let pki = Pki::new(KeyAlgorithm::EcdsaP256);
    let issuer = IssuerKey::new(&pki.issuing.certificate).unwrap();
    // Produced before any request, from the serial number alone.
    let id = issuer.cert_id(HashAlgorithm::Sha1, &pki.leaf.serial).unwrap();
    let cached = pki.responder.respond(&[pki.single(&id, Status::Good)], None, SystemTime::now()).unwrap();

    let request = parse_request(&pki.openssl_request("req.der", &["-no_nonce"])).unwrap();
    assert_eq!(request.cert_ids(), &[id]);
    let (ok, out) = pki.openssl_verify(&cached, Some("req.der"), &["-cert", "leaf.pem"]);
    assert!(ok && out.contains("leaf.pem: good") && !out.contains("WARNING"), "{out}");
}

#[test]
fn error_responses_are_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    for (status, text) in [
        (ErrorStatus::MalformedRequest, "malformedrequest (1)"),
        (ErrorStatus::InternalError, "internalerror (2)"),
        (ErrorStatus::TryLater, "trylater (3)"),
        (ErrorStatus::Unauthorized, "unauthorized (6)"),
    ] {
        std::fs::write(dir.path().join("err.der"), ocsp::error_response(status)).unwrap();
        let (_, out) = openssl_ocsp(dir.path(), &["-respin", "err.der", "-resp_text", "-noverify"]);
        assert!(out.to_lowercase().contains(text), "{status:?}: {out}");
    }
}

#[test]
fn the_recorded_openssl_request_parses() {
    let request = parse_request(&unhex(OPENSSL_REQUEST)).unwrap();
    assert_eq!(request.cert_ids().len(), 1);
    assert_eq!(request.nonce().map(|n| n.value().len()), Some(16));
}

/// One way of spoiling a valid request.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_request(&bytes);
    }

    #[test]
    fn mutated_requests_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        let mut bytes = unhex(OPENSSL_REQUEST);
        for m in mutations {
            let len = bytes.len().max(1);
            match m {
                Mutation::Set(i, b) => { if !bytes.is_empty() { bytes[i % len] = b } }
                Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
                Mutation::Remove(i) => { if !bytes.is_empty() { bytes.remove(i % len); } }
                Mutation::Truncate(i) => bytes.truncate(i % len),
            }
        }
        if let Ok(request) = parse_request(&bytes) {
            // Whatever is accepted is within the limits.
            prop_assert!((1..=ocsp::MAX_CERT_IDS).contains(&request.cert_ids().len()));
            prop_assert!(request.nonce().is_none_or(|n| (1..=ocsp::MAX_NONCE_LEN).contains(&n.value().len())));
        }
    }
}

#[test]
fn oversized_requests_are_refused_before_parsing() {
    let big = vec![0x30; ocsp::MAX_REQUEST_LEN + 1];
    assert_eq!(parse_request(&big), Err(RequestError::TooLarge(ocsp::MAX_REQUEST_LEN + 1)));
}
