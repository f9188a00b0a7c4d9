//! PKCS#10 parsing: the fuzz seeds (including inputs that once hung the parser) are answered
//! promptly, PEM labels are checked, and DER and PEM forms of one request agree.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use tillit_pki::csr::{verify_csr, CsrError};

fn seeds() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/csr")
}

/// Runs `verify_csr` on another thread and fails the test if it has not answered in 5 s.
fn answered(input: Vec<u8>) -> Result<String, CsrError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(verify_csr(&input).map(|csr| format!("{:?}", csr.subject)));
    });
    rx.recv_timeout(Duration::from_secs(5)).expect("verify_csr did not answer within 5 s")
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap().into_bytes()
}

#[test]
fn every_fuzz_seed_is_answered_promptly() {
    for entry in std::fs::read_dir(seeds()).unwrap() {
        let path = entry.unwrap().path();
        let result = answered(std::fs::read(&path).unwrap());
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("hang") {
            assert!(matches!(result, Err(CsrError::Malformed(_))), "{name}: {result:?}");
        } else {
            assert!(result.is_ok(), "{name}: {result:?}");
        }
    }
}

#[test]
fn truncated_pem_is_refused_as_malformed() {
    let input = b"-----BEGIN CERTIFICATE REQUEST-----\nMIIC\n-----END CERTIFICATE REQUEST-----\n";
    let err = answered(input.to_vec()).unwrap_err();
    assert!(matches!(err, CsrError::Malformed(_)), "{err:?}");
}

#[test]
fn pem_label_must_be_a_certificate_request() {
    let der = std::fs::read(seeds().join("ec-p256.der")).unwrap();
    let err = answered(pem("CERTIFICATE", &der)).unwrap_err();
    assert!(err.to_string().contains("CERTIFICATE REQUEST"), "{err}");

    let from_der = answered(der.clone()).unwrap();
    assert_eq!(answered(pem("CERTIFICATE REQUEST", &der)).unwrap(), from_der);
    // Microsoft certreq writes this label.
    assert_eq!(answered(pem("NEW CERTIFICATE REQUEST", &der)).unwrap(), from_der);
}
