//! The PKCS#11 signer against a real token (SoftHSM2 in CI).
//!
//! These run when TEST_TILLIT_PKCS11_URI names a token with a PIN, e.g. after
//! `eval "$(bash .ci/softhsm.sh)"`. Without it they print a note and pass, unless
//! TEST_TILLIT_REQUIRE_PKCS11 is set, when they fail. Every key gets a fresh random label, so
//! the tests can run again on the same token.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::{Attribute, AttributeType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use der::pem::LineEnding;
use der::Encode as _;
use tillit_pki::pkcs11::{Pkcs11Signer, Pkcs11Uri};
use tillit_pki::signer::verify_signature;
use tillit_pki::{KeyAlgorithm, Signer, SignerError};

/// The tests take turns on the token. SoftHSM2 answers CKR_GENERAL_ERROR now and then when
/// sessions of one process create objects (key pairs, certificates) at the same time
/// (SoftHSMv2 issue 573), and one test logs the whole application out of the token. A card is
/// used by one client at a time, and the CA signer's concurrency is still tested: several
/// threads sign with one signer inside `several_threads_sign_with_one_signer`.
pub(crate) static TOKEN: Mutex<()> = Mutex::new(());

pub(crate) fn exclusive() -> MutexGuard<'static, ()> {
    TOKEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The token under test, or None (after a note) when none is configured.
pub(crate) fn token_uri() -> Option<Pkcs11Uri> {
    match std::env::var("TEST_TILLIT_PKCS11_URI") {
        Ok(uri) if !uri.is_empty() => Some(uri.parse().expect("TEST_TILLIT_PKCS11_URI is not a PKCS#11 URI")),
        _ => {
            if std::env::var_os("TEST_TILLIT_REQUIRE_PKCS11").is_some_and(|v| !v.is_empty()) {
                panic!("TEST_TILLIT_REQUIRE_PKCS11 is set but TEST_TILLIT_PKCS11_URI is not");
            }
            eprintln!(
                "skipped: set TEST_TILLIT_PKCS11_URI (eval \"$(bash .ci/softhsm.sh)\") to run the PKCS#11 tests"
            );
            None
        }
    }
}

pub(crate) fn unique_label(what: &str) -> String {
    format!("tillit-test-{what}-{:016x}", rand::random::<u64>())
}

/// A logged-in session of our own on the token, to look at objects as a token user would.
pub(crate) fn raw_session(uri: &Pkcs11Uri) -> Session {
    let pkcs11 = Pkcs11::new(uri.module_path().expect("module-path")).unwrap();
    // The signer initialised the module in this process already, or will.
    let _ = pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = pkcs11
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| pkcs11.get_token_info(*s).unwrap().label().trim_end() == uri.token().unwrap())
        .expect("the token");
    let session = pkcs11.open_rw_session(slot).unwrap();
    let pin = AuthPin::from(uri.pin().unwrap().expect("a PIN").as_str());
    match session.login(UserType::User, Some(&pin)) {
        Ok(()) | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => panic!("login: {e}"),
    }
    session
}

fn pkcs11_message(result: Result<Pkcs11Signer, SignerError>) -> String {
    match result {
        Err(SignerError::Pkcs11(message)) => message,
        Err(other) => panic!("expected a PKCS#11 error, got {other}"),
        Ok(signer) => panic!("expected an error, got {signer:?}"),
    }
}

fn other_algorithms(algorithm: KeyAlgorithm) -> impl Iterator<Item = KeyAlgorithm> {
    KeyAlgorithm::ALL.into_iter().filter(move |a| *a != algorithm)
}

/// Verifies with the openssl command line, when there is one: proves the signature and the
/// SubjectPublicKeyInfo are what other software expects.
fn openssl_verifies(signer: &dyn Signer, message: &[u8], signature: &[u8]) {
    let found = Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped the openssl check: no openssl on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let spki = signer.public_key().to_der().unwrap();
    let pem = der::pem::encode_string("PUBLIC KEY", LineEnding::LF, &spki).unwrap();
    std::fs::write(file("pub.pem"), pem).unwrap();
    std::fs::write(file("msg.bin"), message).unwrap();
    std::fs::write(file("sig.bin"), signature).unwrap();
    let digest = match signer.algorithm() {
        KeyAlgorithm::EcdsaP256 | KeyAlgorithm::Rsa3072 => "-sha256",
        KeyAlgorithm::EcdsaP384 | KeyAlgorithm::Rsa4096 => "-sha384",
    };
    let verify = |msg: &Path| {
        Command::new("openssl")
            .args(["dgst", digest, "-verify"])
            .arg(file("pub.pem"))
            .arg("-signature")
            .arg(file("sig.bin"))
            .arg(msg)
            .output()
            .unwrap()
    };
    let out = verify(&file("msg.bin"));
    assert!(
        out.status.success(),
        "openssl refused the {} signature: {}{}",
        signer.algorithm(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(file("other.bin"), b"another message").unwrap();
    assert!(!verify(&file("other.bin")).status.success(), "{}", signer.algorithm());
}

/// Generate, sign, verify, check the key's attributes on the token, reopen, refuse a
/// duplicate label and a wrong algorithm.
fn exercise(algorithm: KeyAlgorithm) {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let label = unique_label(algorithm.name());
    let signer = Pkcs11Signer::generate(&uri, &label, algorithm).unwrap();
    assert_eq!(signer.algorithm(), algorithm);
    assert_eq!(signer.label(), label);
    let debug = format!("{signer:?}");
    assert!(debug.contains(&label) && !debug.contains(uri.pin().unwrap().unwrap().as_str()), "{debug}");

    let sig_alg = algorithm.signature_algorithm();
    let message = format!("to be signed with {label}").into_bytes();
    let signature = signer.sign(&message).unwrap();
    assert!(verify_signature(signer.public_key(), &sig_alg, &message, &signature), "{algorithm}");
    assert!(!verify_signature(signer.public_key(), &sig_alg, b"something else", &signature), "{algorithm}");
    if algorithm.is_rsa() {
        let bits = if algorithm == KeyAlgorithm::Rsa4096 { 4096 } else { 3072 };
        assert_eq!(signature.len() * 8, bits);
    }

    // The private key stays on the token: a token object, sensitive, never extractable.
    let session = raw_session(&uri);
    let private = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(label.clone().into_bytes()),
        ])
        .unwrap();
    assert_eq!(private.len(), 1);
    let attrs = session
        .get_attributes(
            private[0],
            &[
                AttributeType::Token,
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::Sign,
                AttributeType::NeverExtractable,
                AttributeType::Private,
            ],
        )
        .unwrap();
    for attr in &attrs {
        match attr {
            Attribute::Token(v) | Attribute::Sensitive(v) | Attribute::Sign(v) | Attribute::Private(v) => {
                assert!(*v, "{attr:?}")
            }
            Attribute::NeverExtractable(v) => assert!(*v, "{attr:?}"),
            Attribute::Extractable(v) => assert!(!*v, "{attr:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(attrs.len(), 6);
    let value = session.get_attributes(private[0], &[AttributeType::Value]);
    assert!(value.is_err() || value.unwrap().is_empty(), "{algorithm}: the private value is readable");
    let public = session
        .find_objects(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::Label(label.clone().into_bytes()),
        ])
        .unwrap();
    assert_eq!(public.len(), 1);
    drop(session);

    // Reopened by label: the same public key, and its signatures verify too.
    let reopened = Pkcs11Signer::open(&uri, &label, algorithm).unwrap();
    assert_eq!(reopened.public_key(), signer.public_key(), "{algorithm}");
    let again = reopened.sign(&message).unwrap();
    assert!(verify_signature(signer.public_key(), &sig_alg, &message, &again), "{algorithm}");

    openssl_verifies(&reopened, &message, &again);

    // A second key with the same label is refused, and nothing was added to the token.
    let e = pkcs11_message(Pkcs11Signer::generate(&uri, &label, algorithm));
    assert!(e.contains("exists already") && e.contains(&label) && e.contains("tillit"), "{e}");
    for other in other_algorithms(algorithm) {
        let e = pkcs11_message(Pkcs11Signer::generate(&uri, &label, other));
        assert!(e.contains("exists already"), "{e}");
    }
    let session = raw_session(&uri);
    let all = session.find_objects(&[Attribute::Label(label.clone().into_bytes())]).unwrap();
    assert_eq!(all.len(), 2, "{algorithm}");
    drop(session);

    // Opening it as another algorithm is refused, naming what the key is.
    for other in other_algorithms(algorithm) {
        let e = pkcs11_message(Pkcs11Signer::open(&uri, &label, other));
        assert!(e.contains(&label) && e.contains(&format!("not {other}")), "{e}");
    }
}

#[test]
fn ecdsa_p256_on_the_token() {
    exercise(KeyAlgorithm::EcdsaP256);
}

#[test]
fn ecdsa_p384_on_the_token() {
    exercise(KeyAlgorithm::EcdsaP384);
}

#[test]
fn rsa_3072_on_the_token() {
    exercise(KeyAlgorithm::Rsa3072);
}

#[test]
fn rsa_4096_on_the_token() {
    exercise(KeyAlgorithm::Rsa4096);
}

#[test]
fn several_threads_sign_with_one_signer() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let algorithm = KeyAlgorithm::EcdsaP256;
    let signer: Arc<dyn Signer> =
        Arc::new(Pkcs11Signer::generate(&uri, &unique_label("threads"), algorithm).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let signer = Arc::clone(&signer);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let message = format!("thread {t} message {i}").into_bytes();
                        let signature = signer.sign(&message).unwrap();
                        (message, signature)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut count = 0;
    for thread in threads {
        for (message, signature) in thread.join().unwrap() {
            assert!(verify_signature(
                signer.public_key(),
                &algorithm.signature_algorithm(),
                &message,
                &signature
            ));
            count += 1;
        }
    }
    assert_eq!(count, 200);
}

#[test]
fn a_signer_logs_in_again_after_the_token_logged_it_out() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let algorithm = KeyAlgorithm::EcdsaP384;
    let signer = Pkcs11Signer::generate(&uri, &unique_label("relogin"), algorithm).unwrap();
    assert!(verify_signature(
        signer.public_key(),
        &algorithm.signature_algorithm(),
        b"1",
        &signer.sign(b"1").unwrap()
    ));
    // Logging out ends the login of every session of this process on the token.
    let session = raw_session(&uri);
    session.logout().unwrap();
    drop(session);
    let signature = signer.sign(b"2").unwrap();
    assert!(verify_signature(signer.public_key(), &algorithm.signature_algorithm(), b"2", &signature));
}

#[test]
fn missing_keys_and_tokens_are_named_in_the_error() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let label = unique_label("absent");
    let e = pkcs11_message(Pkcs11Signer::open(&uri, &label, KeyAlgorithm::EcdsaP256));
    assert!(e.contains("no private key labelled") && e.contains(&label) && e.contains("token \""), "{e}");

    let elsewhere: Pkcs11Uri = uri.to_string().replacen("token=", "token=no-such-", 1).parse().unwrap();
    // Display redacts the PIN, so the copy has the placeholder; the token is looked up first.
    let e = pkcs11_message(Pkcs11Signer::open(&elsewhere, &label, KeyAlgorithm::EcdsaP256));
    assert!(e.contains("no such token"), "{e}");
    let pin = uri.pin().unwrap().unwrap();
    assert!(!e.contains(pin.as_str()), "{e}");
}
