//! The certificate authority's tables on both backends: unique serials, revocation once,
//! what OCSP and CRL publication read.

use tillit_store::ca::{CaRecord, CertificateRecord, CertificateStatus, RevokeOutcome};
use tillit_store::StoreError;

use crate::both_backends;
use crate::support::TestSigner;

fn ca(name: &str) -> CaRecord {
    CaRecord {
        name: name.into(),
        role: "issuing".into(),
        parent: None,
        key_algorithm: "ecdsa-p256".into(),
        key_ref: format!("keys/ca-{name}.pem"),
        certificate: vec![0x30, 0x00],
    }
}

fn cert(serial: &str, profile: &str, not_after_us: i64) -> CertificateRecord {
    CertificateRecord {
        serial: serial.into(),
        issuer: "issuing".into(),
        profile: profile.into(),
        subject: "CN=x".into(),
        not_before_us: 0,
        not_after_us,
        der: vec![1, 2, 3],
        revoked_us: None,
        reason: None,
    }
}

both_backends! {
    async fn serials_are_unique_and_revocation_happens_once(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_ca(&ca("issuing")).await.unwrap();
        tx.insert_certificate(&cert("0a", "function", 100)).await.unwrap();
        tx.insert_certificate(&cert("0b", "ocsp-responder", 200)).await.unwrap();
        tx.insert_certificate(&cert("0c", "ocsp-responder", 300)).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let err = tx.insert_certificate(&cert("0a", "function", 100)).await.unwrap_err();
        assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.revoke_certificate("0a", 1, 50).await.unwrap(), RevokeOutcome::Revoked { at_us: 50 });
        assert_eq!(
            tx.revoke_certificate("0a", 4, 60).await.unwrap(),
            RevokeOutcome::AlreadyRevoked { at_us: 50, reason: 1 }
        );
        assert_eq!(tx.revoke_certificate("ff", 1, 60).await.unwrap(), RevokeOutcome::NotFound);
        tx.revoke_certificate("0c", 0, 70).await.unwrap();
        tx.commit().await.unwrap();

        assert_eq!(
            store.certificate_status("0a").await.unwrap(),
            Some(CertificateStatus { issuer: "issuing".into(), not_after_us: 100, revoked_us: Some(50), reason: Some(1) })
        );
        assert_eq!(store.certificate_status("0b").await.unwrap().unwrap().revoked_us, None);
        assert_eq!(store.certificate_status("ff").await.unwrap(), None);

        let since: Vec<_> = store.revoked_since("issuing", 55).await.unwrap().into_iter().map(|r| r.serial).collect();
        assert_eq!(since, ["0c"]);
        assert_eq!(store.revoked("issuing").await.unwrap().len(), 2);
        assert_eq!(store.revoked_count("issuing").await.unwrap(), 2);

        // Current responder certificates: not revoked (0c is), not expired.
        let current = store.current_certificates("issuing", "ocsp-responder", 150).await.unwrap();
        assert_eq!(current.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(), ["0b"]);
        assert!(store.current_certificates("issuing", "ocsp-responder", 250).await.unwrap().is_empty());

        let listed = store.certificates().await.unwrap();
        assert_eq!(listed.iter().map(|c| c.serial.as_str()).collect::<Vec<_>>(), ["0a", "0b", "0c"]);
        assert!(listed.iter().all(|c| c.der.is_empty()));
        assert_eq!(listed[0].reason, Some(1));

        let mut tx = store.begin().await.unwrap();
        let mut streamed = Vec::new();
        tx.for_each_revoked("issuing", |r| {
            streamed.push((r.serial, r.revoked_us, r.reason));
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        assert_eq!(streamed, [("0a".to_owned(), 50, 1), ("0c".to_owned(), 70, 0)]);
        assert_eq!(tx.next_crl_number("issuing").await.unwrap(), 1);
        tx.commit().await.unwrap();
    }
}
