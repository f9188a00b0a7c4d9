//! The card side of a credential download against a real token (SoftHSM2 in CI): both key
//! pairs made on the token, their requests accepted by `verify_csr`, the certificates stored
//! beside their keys and found again, `replace` semantics, and a wrong PIN said as such.
//!
//! Same skip policy as the PKCS#11 signer tests (TEST_TILLIT_PKCS11_URI, see pkcs11.rs).

use std::time::{Duration, SystemTime};

use cryptoki::object::{Attribute, AttributeType, CertificateType, ObjectClass};
use der::{Decode as _, Encode as _};
use tillit_pki::csr::verify_csr;
use tillit_pki::issue::root_ca;
use tillit_pki::profile::SubjectField;
use tillit_pki::token::{CardToken, Enrolment, ObjectKind, TokenError, TokenKey};
use tillit_pki::{KeyAlgorithm, Pkcs11Uri};
use x509_cert::Certificate;

use crate::pkcs11::{exclusive, raw_session, token_uri, unique_label};

/// A certificate for `key` (self-signed by it: the token only cares that it is the key's).
fn certificate_for(key: &TokenKey) -> Vec<u8> {
    let now = SystemTime::now();
    let subject = [(SubjectField::CommonName, key.label().to_owned())];
    root_ca(key.signer(), &subject, now, now + Duration::from_secs(86_400)).unwrap().der
}

/// The labels of objects on the token under `label`, by kind.
fn kinds(card: &CardToken, label: &str) -> Vec<ObjectKind> {
    let mut kinds: Vec<ObjectKind> = card.objects(label).unwrap().into_iter().map(|o| o.kind).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    kinds
}

/// `openssl req -verify` accepts the request, when there is an openssl on PATH.
fn openssl_verifies(csr: &str) {
    if !std::process::Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("skipped the openssl check: no openssl on PATH");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("req.pem");
    std::fs::write(&path, csr).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["req", "-verify", "-noout", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.contains("verify OK"), "openssl refused the request: {said}");
}

fn enrol_and_check(uri: &Pkcs11Uri, algorithm: KeyAlgorithm) {
    let prefix = unique_label(&format!("card-{}", algorithm.name()));
    let enrolment = Enrolment::begin(uri, &prefix, algorithm, false).unwrap();
    let labels = enrolment.labels().clone();
    assert_eq!(labels.authentication, format!("{prefix}-authentication"));
    assert_eq!(labels.signing, format!("{prefix}-signing"));

    // Both requests verify (proof of possession by the token key), with the key's SPKI and
    // the minimal subject.
    for (csr, key) in [
        (enrolment.authentication_csr(), enrolment.authentication_key()),
        (enrolment.signing_csr(), enrolment.signing_key()),
    ] {
        assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"), "{csr}");
        let verified = verify_csr(csr.as_bytes()).unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(&verified.public_key, key.public_key());
        assert_eq!(verified.subject, vec![(SubjectField::CommonName, key.label().to_owned())]);
        assert_eq!(key.algorithm(), algorithm);
    }
    openssl_verifies(enrolment.authentication_csr());
    openssl_verifies(enrolment.signing_csr());
    let auth_id = enrolment.authentication_key().id().to_vec();
    let sign_id = enrolment.signing_key().id().to_vec();
    assert_ne!(auth_id, sign_id);

    // The private keys stay on the token: sensitive, never extractable, both halves with the
    // same CKA_ID.
    let session = raw_session(uri);
    for (label, id) in [(&labels.authentication, &auth_id), (&labels.signing, &sign_id)] {
        let private = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Label(label.clone().into_bytes()),
                Attribute::Id(id.clone()),
            ])
            .unwrap();
        assert_eq!(private.len(), 1, "{label}");
        let attrs = session
            .get_attributes(
                private[0],
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::NeverExtractable,
                    AttributeType::Private,
                    AttributeType::Token,
                ],
            )
            .unwrap();
        assert_eq!(attrs.len(), 5);
        for attr in &attrs {
            match attr {
                Attribute::Extractable(v) => assert!(!*v, "{label}: {attr:?}"),
                Attribute::Sensitive(v)
                | Attribute::NeverExtractable(v)
                | Attribute::Private(v)
                | Attribute::Token(v) => assert!(*v, "{label}: {attr:?}"),
                other => panic!("{other:?}"),
            }
        }
        let public = session
            .find_objects(&[
                Attribute::Class(ObjectClass::PUBLIC_KEY),
                Attribute::Label(label.clone().into_bytes()),
                Attribute::Id(id.clone()),
            ])
            .unwrap();
        assert_eq!(public.len(), 1, "{label}");
    }

    // A certificate for the wrong key is refused before anything is stored.
    let auth_cert = certificate_for(enrolment.authentication_key());
    let sign_cert = certificate_for(enrolment.signing_key());
    let card = CardToken::open(uri).unwrap();
    let e = match enrolment.card().store_certificate(enrolment.signing_key(), &auth_cert) {
        Err(TokenError::Certificate(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(e.contains("not for the key") && e.contains(&labels.signing), "{e}");
    assert!(card.certificate(&labels.signing, &sign_id).unwrap().is_none());

    // Storing a certificate twice stores it once (complete stores it again below).
    enrolment.card().store_certificate(enrolment.authentication_key(), &auth_cert).unwrap();
    enrolment.card().store_certificate(enrolment.authentication_key(), &auth_cert).unwrap();
    let stored = enrolment.complete(&auth_cert, &sign_cert).unwrap();
    assert_eq!(
        (stored.authentication_id.clone(), stored.signing_id.clone(), stored.deleted),
        (auth_id.clone(), sign_id.clone(), 0)
    );

    // The certificates are found again beside their keys, with the attributes middleware
    // reads.
    for (label, id, der) in
        [(&labels.authentication, &auth_id, &auth_cert), (&labels.signing, &sign_id, &sign_cert)]
    {
        assert_eq!(card.certificate(label, id).unwrap().as_ref(), Some(der));
        let certificate = Certificate::from_der(der).unwrap();
        let handles = session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Label(label.clone().into_bytes()),
                Attribute::Id(id.clone()),
            ])
            .unwrap();
        assert_eq!(handles.len(), 1);
        let attrs = session
            .get_attributes(
                handles[0],
                &[
                    AttributeType::CertificateType,
                    AttributeType::Subject,
                    AttributeType::Issuer,
                    AttributeType::SerialNumber,
                    AttributeType::Private,
                ],
            )
            .unwrap();
        let tbs = &certificate.tbs_certificate;
        for attr in attrs {
            match attr {
                Attribute::CertificateType(t) => assert_eq!(t, CertificateType::X_509),
                Attribute::Subject(v) => assert_eq!(v, tbs.subject.to_der().unwrap()),
                Attribute::Issuer(v) => assert_eq!(v, tbs.issuer.to_der().unwrap()),
                Attribute::SerialNumber(v) => assert_eq!(v, tbs.serial_number.to_der().unwrap()),
                Attribute::Private(v) => assert!(!v),
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(
        kinds(&card, &labels.authentication),
        vec![ObjectKind::Certificate, ObjectKind::PrivateKey, ObjectKind::PublicKey]
    );
    drop(session);
}

#[test]
fn a_p256_credential_is_made_on_the_card_and_stored_beside_its_keys() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    enrol_and_check(&uri, KeyAlgorithm::EcdsaP256);
}

#[test]
fn p384_and_rsa_3072_credentials_too() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    enrol_and_check(&uri, KeyAlgorithm::EcdsaP384);
    enrol_and_check(&uri, KeyAlgorithm::Rsa3072);
}

#[test]
fn a_credential_is_replaced_only_when_asked_and_only_after_the_new_one_is_stored() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let prefix = unique_label("replace");
    let first = Enrolment::begin(&uri, &prefix, KeyAlgorithm::EcdsaP256, false).unwrap();
    let labels = first.labels().clone();
    let (a, s) = (certificate_for(first.authentication_key()), certificate_for(first.signing_key()));
    let old = first.complete(&a, &s).unwrap();

    // Without replace: refused, naming the label and what is there; nothing added.
    let card = CardToken::open(&uri).unwrap();
    let before =
        card.objects(&labels.authentication).unwrap().len() + card.objects(&labels.signing).unwrap().len();
    assert_eq!(before, 6);
    let e = Enrolment::begin(&uri, &prefix, KeyAlgorithm::EcdsaP256, false).unwrap_err();
    assert!(matches!(e, TokenError::Exists { .. }), "{e:?}");
    let e = e.to_string();
    assert!(
        e.contains(&labels.authentication) && e.contains("--replace") && e.contains("a private key"),
        "{e}"
    );
    let after =
        card.objects(&labels.authentication).unwrap().len() + card.objects(&labels.signing).unwrap().len();
    assert_eq!(after, 6);

    // A replacement the server refused: abandoned, the old credential is whole.
    let refused = Enrolment::begin(&uri, &prefix, KeyAlgorithm::EcdsaP256, true).unwrap();
    assert_eq!(card.objects(&labels.authentication).unwrap().len(), 5, "old three plus the new pair");
    refused.abandon().unwrap();
    assert_eq!(card.certificate(&labels.authentication, &old.authentication_id).unwrap(), Some(a.clone()));
    assert_eq!(card.objects(&labels.authentication).unwrap().len(), 3);

    // A replacement whose certificate does not fit its key: nothing stored, nothing deleted.
    let wrong = Enrolment::begin(&uri, &prefix, KeyAlgorithm::EcdsaP256, true).unwrap();
    let new_s = certificate_for(wrong.signing_key());
    let (wrong_auth, wrong_sign) =
        (wrong.authentication_key().id().to_vec(), wrong.signing_key().id().to_vec());
    assert!(matches!(wrong.complete(&a, &new_s), Err(TokenError::Certificate(_))));
    assert_eq!(card.certificate(&labels.authentication, &old.authentication_id).unwrap(), Some(a.clone()));
    assert_eq!(card.certificate(&labels.signing, &old.signing_id).unwrap(), Some(s.clone()));
    assert!(card.certificate(&labels.signing, &wrong_sign).unwrap().is_none());
    card.delete_id(&labels.authentication, &wrong_auth).unwrap();
    card.delete_id(&labels.signing, &wrong_sign).unwrap();

    // With replace: the new credential is stored, then the old objects go.
    let second = Enrolment::begin(&uri, &prefix, KeyAlgorithm::EcdsaP384, true).unwrap();
    let (a2, s2) = (certificate_for(second.authentication_key()), certificate_for(second.signing_key()));
    let new = second.complete(&a2, &s2).unwrap();
    assert_eq!(new.deleted, 6);
    assert_ne!(new.authentication_id, old.authentication_id);
    assert_eq!(card.certificate(&labels.authentication, &new.authentication_id).unwrap(), Some(a2));
    assert_eq!(card.certificate(&labels.signing, &new.signing_id).unwrap(), Some(s2));
    assert!(card.certificate(&labels.authentication, &old.authentication_id).unwrap().is_none());
    for label in [&labels.authentication, &labels.signing] {
        let objects = card.objects(label).unwrap();
        assert_eq!(objects.len(), 3, "{label}");
        assert!(objects.iter().all(|o| o.id != old.authentication_id && o.id != old.signing_id));
    }
}

#[test]
fn a_wrong_pin_is_said_as_such_and_a_bad_prefix_is_refused() {
    let Some(uri) = token_uri() else { return };
    // Exclusive: a wrong PIN is only checked when no session of this process is logged in.
    let _token = exclusive();
    let wrong = uri.with_pin(zeroize::Zeroizing::new("not-the-pin".to_owned()));
    let e = CardToken::open(&wrong).unwrap_err().to_string();
    assert!(e.contains("the PIN is wrong") && e.contains("tillit-ci"), "{e}");
    assert!(!e.contains("not-the-pin"), "{e}");
    let e = Enrolment::begin(&wrong, "x", KeyAlgorithm::EcdsaP256, false).unwrap_err().to_string();
    assert!(e.contains("the PIN is wrong"), "{e}");

    for prefix in ["", "a\nb", &"x".repeat(65)] {
        let e = Enrolment::begin(&uri, prefix, KeyAlgorithm::EcdsaP256, false).unwrap_err();
        assert!(matches!(e, TokenError::Label(_)), "{e:?}");
    }
}
