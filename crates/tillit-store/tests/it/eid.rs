//! What the citizens' eID keeps, on both backends: secrets replaced and removed per owner
//! and purpose; user ids given once; relying parties registered once and removed; sign-in
//! requests moved step by step and used once; authorization codes exchanged once, by one of
//! two racing transactions, never after their lifetime; and both purged when they end.

use tillit_store::eid::{OidcClient, OidcCode, OidcRequest, SecretPurpose, SignInStep};
use tillit_store::{Store, StoreError};

use crate::both_backends;
use crate::support::TestSigner;

const MINUTE: i64 = 60_000_000;
const NOW: i64 = 1_800_000_000_000_000;

fn client(id: &str) -> OidcClient {
    OidcClient {
        client_id: id.into(),
        name: "Borgerservice".into(),
        org: "org-1".into(),
        redirect_uris: vec!["https://rp.example/cb".into()],
        secret_hash: None,
        sector: "sector-1".into(),
        created_us: NOW,
        removed_us: None,
    }
}

fn request(id_hash: &str) -> OidcRequest {
    OidcRequest {
        id_hash: id_hash.into(),
        client_id: "rp".into(),
        redirect_uri: "https://rp.example/cb".into(),
        state: Some("s".into()),
        nonce: Some("n".into()),
        code_challenge: "challenge".into(),
        acr_values: None,
        account: None,
        step: SignInStep::Passcode,
        created_us: NOW,
        expires_us: NOW + 10 * MINUTE,
    }
}

fn code(code_hash: &str) -> OidcCode {
    OidcCode {
        code_hash: code_hash.into(),
        client_id: "rp".into(),
        redirect_uri: "https://rp.example/cb".into(),
        account: "a1".into(),
        person: "p1".into(),
        nonce: Some("n".into()),
        code_challenge: "challenge".into(),
        acr: "https://data.gov.dk/concept/core/nsis/loa/Substantial".into(),
        amr: "pwd otp".into(),
        auth_time_us: NOW,
        expires_us: NOW + MINUTE,
    }
}

async fn race_code(store: &Store, code_hash: &str, now: i64) -> usize {
    let attempt = || async {
        let mut tx = store.begin().await.unwrap();
        let got = tx.use_oidc_code(code_hash, now).await.unwrap();
        tx.commit().await.unwrap();
        got.is_some()
    };
    let (a, b) = tokio::join!(attempt(), attempt());
    usize::from(a) + usize::from(b)
}

both_backends! {
    async fn secrets_and_user_ids(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        tx.put_secret("a1", SecretPurpose::TemporaryPasscode, "$argon2id$one", NOW).await.unwrap();
        tx.put_secret("a1", SecretPurpose::Passcode, "$argon2id$two", NOW).await.unwrap();
        tx.put_secret("a1", SecretPurpose::Passcode, "$argon2id$three", NOW + 1).await.unwrap();
        assert_eq!(tx.secret("a1", SecretPurpose::Passcode).await.unwrap().as_deref(), Some("$argon2id$three"));
        assert!(tx.delete_secret("a1", SecretPurpose::TemporaryPasscode).await.unwrap());
        assert!(!tx.delete_secret("a1", SecretPurpose::TemporaryPasscode).await.unwrap());
        tx.insert_user_id("123456789", "a1").await.unwrap();
        let taken = tx.insert_user_id("123456789", "a2").await;
        assert!(matches!(taken, Err(StoreError::Duplicate { what: "user id", .. })), "{taken:?}");
        tx.commit().await.unwrap();
        assert_eq!(store.secret("a1", SecretPurpose::Passcode).await.unwrap().as_deref(), Some("$argon2id$three"));
        assert_eq!(store.secret("a1", SecretPurpose::TemporaryPasscode).await.unwrap(), None);
        assert_eq!(store.secret("a2", SecretPurpose::Passcode).await.unwrap(), None);
        assert_eq!(store.account_of_user_id("123456789").await.unwrap().as_deref(), Some("a1"));
        assert_eq!(store.account_of_user_id("987654321").await.unwrap(), None);

        // The first of two is kept.
        let mut tx = store.begin().await.unwrap();
        assert!(tx.put_secret_if_absent("node", SecretPurpose::PseudonymKey, "first", NOW).await.unwrap());
        assert!(!tx.put_secret_if_absent("node", SecretPurpose::PseudonymKey, "second", NOW).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.secret("node", SecretPurpose::PseudonymKey).await.unwrap().as_deref(), Some("first"));

        // A rolled-back secret is not kept.
        let mut tx = store.begin().await.unwrap();
        tx.put_secret("a9", SecretPurpose::KeyCard, "sealed", NOW).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(store.secret("a9", SecretPurpose::KeyCard).await.unwrap(), None);
    }
}

both_backends! {
    async fn clients_requests_and_codes(db: TestDb) {
        let store = db.store(TestSigner::new(1)).await;
        let mut tx = store.begin().await.unwrap();
        tx.insert_oidc_client(&client("rp")).await.unwrap();
        let again = tx.insert_oidc_client(&client("rp")).await;
        assert!(matches!(again, Err(StoreError::Duplicate { what: "client", .. })), "{again:?}");
        tx.commit().await.unwrap();
        assert_eq!(store.oidc_client("rp").await.unwrap().unwrap(), client("rp"));
        assert_eq!(store.oidc_clients().await.unwrap().len(), 1);

        // A sign-in moves passcode -> code once, and is used once, within its lifetime.
        store.insert_oidc_request(&request("r1")).await.unwrap();
        store.insert_oidc_request(&request("r2")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(tx.advance_oidc_request("r1", SignInStep::Passcode, SignInStep::Code, Some("a1"), NOW).await.unwrap());
        assert!(!tx.advance_oidc_request("r1", SignInStep::Passcode, SignInStep::Code, Some("a2"), NOW).await.unwrap());
        tx.commit().await.unwrap();
        let r1 = store.oidc_request("r1", NOW).await.unwrap().unwrap();
        assert_eq!((r1.step, r1.account.as_deref()), (SignInStep::Code, Some("a1")));
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.use_oidc_request("r1", NOW).await.unwrap().unwrap().account.as_deref(), Some("a1"));
        assert_eq!(tx.use_oidc_request("r1", NOW).await.unwrap(), None);
        assert_eq!(tx.use_oidc_request("r2", NOW + 10 * MINUTE).await.unwrap(), None, "expired");
        tx.commit().await.unwrap();
        assert_eq!(store.oidc_request("r1", NOW).await.unwrap(), None);

        // A code is exchanged once: of two racing exchanges one wins; never after it ends.
        let mut tx = store.begin().await.unwrap();
        tx.insert_oidc_code(&code("c1")).await.unwrap();
        tx.insert_oidc_code(&code("c2")).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(race_code(&store, "c1", NOW).await, 1);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.use_oidc_code("c2", NOW + MINUTE).await.unwrap(), None, "expired");
        assert_eq!(tx.use_oidc_code("c2", NOW + MINUTE - 1).await.unwrap(), Some(code("c2")));
        tx.commit().await.unwrap();

        // Purged when they end; a removed client is kept, marked.
        store.insert_oidc_request(&request("r3")).await.unwrap();
        assert_eq!(store.purge_oidc(NOW + MINUTE).await.unwrap(), 2, "two codes");
        assert_eq!(store.purge_oidc(NOW + 10 * MINUTE).await.unwrap(), 3, "three requests");
        let mut tx = store.begin().await.unwrap();
        assert!(tx.remove_oidc_client("rp", NOW).await.unwrap());
        assert!(!tx.remove_oidc_client("rp", NOW).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(store.oidc_client("rp").await.unwrap().unwrap().removed_us, Some(NOW));
    }
}
