//! Citizens' credential secrets (tillit_pki::secret): sealing (file keystore and, when a token
//! is configured, PKCS#11 as in pkcs11.rs), key cards, argon2id passcodes, the issued codes,
//! TOTP against the RFC vectors, and the print files.
//!
//! The PDF checks run pdftotext and qpdf when they are on PATH; without them they print a
//! note and pass, unless TEST_TILLIT_REQUIRE_PDF_TOOLS is set, when they fail.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use proptest::prelude::*;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use tillit_pki::secret::keycard::{DEFAULT_POSITIONS, MAX_POSITIONS, MIN_POSITIONS};
use tillit_pki::secret::passcode::CODE_ALPHABET;
use tillit_pki::secret::totp::{base32_decode, base32_encode};
use tillit_pki::secret::{
    generate_activation_code, generate_sms_pin, generate_temporary_passcode, generate_user_id, hotp,
    key_card_pdf, normalise, passcode_letter_pdf, sealed_key_id, FileSealer, HashCost, KeyCard, KeyCardPrint,
    KeyCardSecret, KeyCardSerial, PasscodeHasher, PasscodeLetterPrint, Pkcs11Sealer, Sealer, SecretError,
    Totp, TotpAlgorithm, TotpParams, TotpSeed, UserId, Verification,
};
use tillit_pki::{FileSigner, KeyAlgorithm, Passphrase};

use crate::pkcs11::{exclusive, raw_session, token_uri, unique_label};

fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.to_owned()).unwrap()
}

/// One file sealer for the tests that only need some sealer (scrypt makes each open cost a
/// few hundred milliseconds).
fn shared_sealer() -> &'static FileSealer {
    static SEALER: OnceLock<(tempfile::TempDir, FileSealer)> = OnceLock::new();
    let (_, sealer) = SEALER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let sealer =
            FileSealer::generate(&dir.path().join("sealing-key.pem"), &pass("correct horse battery"))
                .unwrap();
        (dir, sealer)
    });
    sealer
}

/// Every single-bit flip of `sealed` is refused by `sealer`.
fn every_bit_flip_is_refused(sealer: &dyn Sealer, aad: &[u8], sealed: &[u8]) {
    for index in 0..sealed.len() {
        for bit in [0x01, 0x80] {
            let mut altered = sealed.to_vec();
            altered[index] ^= bit;
            assert!(sealer.open(aad, &altered).is_err(), "byte {index} bit {bit:#x} was not noticed");
        }
    }
}

// --- Sealing -------------------------------------------------------------------------------

#[test]
fn a_file_sealer_round_trips_and_refuses_other_records_keys_and_alterations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealing-key.pem");
    let sealer = FileSealer::generate(&path, &pass("correct horse battery")).unwrap();
    assert!(sealer.key_id().starts_with("file:") && sealer.key_id().len() == 21, "{}", sealer.key_id());
    assert!(!format!("{sealer:?}").is_empty());

    let sealed = sealer.seal(b"authenticator 17", b"the secret").unwrap();
    assert!(sealed.starts_with(b"tsl1"));
    assert_eq!(sealed_key_id(&sealed).unwrap(), sealer.key_id());
    assert_eq!(sealed.len(), 4 + 1 + 21 + 12 + b"the secret".len() + 16);
    assert!(!sealed.windows(10).any(|w| w == b"the secret"));
    assert_eq!(sealer.open(b"authenticator 17", &sealed).unwrap().as_slice(), b"the secret");
    // A fresh nonce every time.
    assert_ne!(sealer.seal(b"authenticator 17", b"the secret").unwrap(), sealed);
    // Empty secrets and empty associated data work too.
    let empty = sealer.seal(b"", b"").unwrap();
    assert!(sealer.open(b"", &empty).unwrap().is_empty());

    // Moved to another record: refused.
    assert!(matches!(sealer.open(b"authenticator 18", &sealed), Err(SecretError::Open)));
    assert!(matches!(sealer.open(b"", &sealed), Err(SecretError::Open)));
    every_bit_flip_is_refused(&sealer, b"authenticator 17", &sealed);
    // Truncated anywhere: refused.
    for len in 0..sealed.len() {
        assert!(sealer.open(b"authenticator 17", &sealed[..len]).is_err(), "{len}");
    }

    // Reopened from its file: the same key.
    let reopened = FileSealer::open(&path, &pass("correct horse battery")).unwrap();
    assert_eq!(reopened.key_id(), sealer.key_id());
    assert_eq!(reopened.open(b"authenticator 17", &sealed).unwrap().as_slice(), b"the secret");

    // Another key: named in the refusal, and a forged key id does not help.
    let other = shared_sealer();
    match other.open(b"authenticator 17", &sealed) {
        Err(SecretError::OtherKey { found, expected }) => {
            assert_eq!(found, sealer.key_id());
            assert_eq!(expected, other.key_id());
        }
        r => panic!("{r:?}"),
    }
    let mut forged = sealed.clone();
    forged[5..26].copy_from_slice(other.key_id().as_bytes());
    assert!(matches!(other.open(b"authenticator 17", &forged), Err(SecretError::Open)));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{text}");
}

#[test]
fn a_file_sealer_refuses_a_wrong_passphrase_an_existing_file_and_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sealing-key.pem");
    FileSealer::generate(&path, &pass("correct horse battery")).unwrap();
    let e = FileSealer::open(&path, &pass("wrong horse battery")).unwrap_err();
    assert!(matches!(e, SecretError::WrongPassphrase(_)), "{e:?}");
    let message = e.to_string();
    assert!(message.contains("wrong passphrase") && message.contains("sealing-key.pem"), "{message}");

    let e = FileSealer::generate(&path, &pass("correct horse battery")).unwrap_err();
    assert!(e.to_string().contains("exists there already"), "{e}");

    // A CA key in the same keystore format is not a sealing key.
    let ca = dir.path().join("ca-key.pem");
    FileSigner::generate(&ca, KeyAlgorithm::EcdsaP256, &pass("correct horse battery")).unwrap();
    let e = FileSealer::open(&ca, &pass("correct horse battery")).unwrap_err();
    assert!(matches!(e, SecretError::NotASealingKey(_)), "{e:?}");

    let e = FileSealer::open(&dir.path().join("absent.pem"), &pass("correct horse battery")).unwrap_err();
    assert!(matches!(e, SecretError::Keystore(_)), "{e:?}");
}

#[test]
fn foreign_bytes_are_not_sealed_secrets() {
    let sealer = shared_sealer();
    for blob in [&b""[..], b"tsl1", b"tsl2\x01kxxxxxxxxxxxxxxxxxxxxxxxxxxxx", b"-----BEGIN"] {
        assert!(matches!(sealer.open(b"", blob), Err(SecretError::Malformed(_))), "{blob:?}");
        assert!(sealed_key_id(blob).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn opening_random_bytes_never_panics_and_never_succeeds(bytes in proptest::collection::vec(any::<u8>(), 0..200), tsl1 in any::<bool>()) {
        let sealer = shared_sealer();
        let mut blob = bytes;
        if tsl1 {
            let mut with_header = b"tsl1".to_vec();
            with_header.push(sealer.key_id().len() as u8);
            with_header.extend_from_slice(sealer.key_id().as_bytes());
            with_header.extend(blob);
            blob = with_header;
        }
        prop_assert!(sealer.open(b"aad", &blob).is_err());
    }

    #[test]
    fn any_secret_round_trips(secret in proptest::collection::vec(any::<u8>(), 0..100), aad in proptest::collection::vec(any::<u8>(), 0..40)) {
        let sealer = shared_sealer();
        let sealed = sealer.seal(&aad, &secret).unwrap();
        let opened = sealer.open(&aad, &sealed).unwrap();
        prop_assert_eq!(opened.as_slice(), secret.as_slice());
    }
}

/// The token's AES-GCM against ring's: a known key created on the token (extractable, for this
/// test only) seals what ring opens and opens what ring seals, in the tsl1 format.
fn token_gcm_agrees_with_ring(uri: &tillit_pki::Pkcs11Uri) {
    let label = unique_label("known-aes");
    let key_bytes: [u8; 32] = std::array::from_fn(|i| i as u8 ^ 0x5a);
    let session = raw_session(uri);
    session
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Value(key_bytes.to_vec()),
            Attribute::Label(label.clone().into_bytes()),
        ])
        .unwrap();
    drop(session);
    let sealer = Pkcs11Sealer::open(uri, &label).unwrap();
    let ring_key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key_bytes).unwrap());
    let header_len = 5 + sealer.key_id().len();

    let sealed = sealer.seal(b"record 1", b"seed from the token").unwrap();
    let (header, rest) = sealed.split_at(header_len);
    let (nonce, ciphertext) = rest.split_at(12);
    let mut in_out = ciphertext.to_vec();
    let aad = [header, b"record 1"].concat();
    let plain = ring_key
        .open_in_place(Nonce::try_assume_unique_for_key(nonce).unwrap(), Aad::from(&aad), &mut in_out)
        .expect("ring opens what the token sealed");
    assert_eq!(plain, b"seed from the token");

    let mut ours = header.to_vec();
    let nonce = [9u8; 12];
    ours.extend_from_slice(&nonce);
    let mut in_out = b"sealed by ring".to_vec();
    let aad = [header, b"record 2"].concat();
    ring_key
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(&aad), &mut in_out)
        .unwrap();
    ours.extend_from_slice(&in_out);
    assert_eq!(sealer.open(b"record 2", &ours).unwrap().as_slice(), b"sealed by ring");
    assert!(matches!(sealer.open(b"record 3", &ours), Err(SecretError::Open)));
}

#[test]
fn pkcs11_sealer_on_the_token() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let label = unique_label("sealer");
    let sealer = Pkcs11Sealer::generate(&uri, &label).unwrap();
    assert_eq!(sealer.label(), label);
    assert_eq!(sealer.key_id(), format!("pkcs11:{label}"));
    let debug = format!("{sealer:?}");
    assert!(debug.contains(&label) && !debug.contains(uri.pin().unwrap().unwrap().as_str()), "{debug}");

    let sealed = sealer.seal(b"card 0001", b"key card secret").unwrap();
    assert!(sealed.starts_with(b"tsl1"));
    assert_eq!(sealer.open(b"card 0001", &sealed).unwrap().as_slice(), b"key card secret");
    assert!(matches!(sealer.open(b"card 0002", &sealed), Err(SecretError::Open)));
    let mut altered = sealed.clone();
    *altered.last_mut().unwrap() ^= 1;
    assert!(matches!(sealer.open(b"card 0001", &altered), Err(SecretError::Open)));
    let mut altered = sealed.clone();
    let body = 5 + sealer.key_id().len() + 12;
    altered[body] ^= 0x80;
    assert!(matches!(sealer.open(b"card 0001", &altered), Err(SecretError::Open)));
    assert!(matches!(
        sealer.open(b"card 0001", &shared_sealer().seal(b"card 0001", b"x").unwrap()),
        Err(SecretError::OtherKey { .. })
    ));
    assert!(matches!(shared_sealer().open(b"card 0001", &sealed), Err(SecretError::OtherKey { .. })));

    // The key is a token object, sensitive and never extractable, for encryption only.
    let session = raw_session(&uri);
    let found = session
        .find_objects(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Label(label.clone().into_bytes()),
        ])
        .unwrap();
    assert_eq!(found.len(), 1);
    let attributes = session
        .get_attributes(
            found[0],
            &[
                AttributeType::Token,
                AttributeType::Private,
                AttributeType::Sensitive,
                AttributeType::Extractable,
                AttributeType::NeverExtractable,
                AttributeType::Encrypt,
                AttributeType::Decrypt,
                AttributeType::Wrap,
                AttributeType::Unwrap,
                AttributeType::Sign,
                AttributeType::ValueLen,
            ],
        )
        .unwrap();
    assert_eq!(attributes.len(), 11);
    for attribute in &attributes {
        match attribute {
            Attribute::Token(v)
            | Attribute::Private(v)
            | Attribute::Sensitive(v)
            | Attribute::NeverExtractable(v)
            | Attribute::Encrypt(v)
            | Attribute::Decrypt(v) => assert!(*v, "{attribute:?}"),
            Attribute::Extractable(v) | Attribute::Wrap(v) | Attribute::Unwrap(v) | Attribute::Sign(v) => {
                assert!(!*v, "{attribute:?}")
            }
            Attribute::ValueLen(len) => assert_eq!(usize::from(*len), 32),
            other => panic!("{other:?}"),
        }
    }
    let value = session.get_attributes(found[0], &[AttributeType::Value]);
    assert!(value.is_err() || value.unwrap().is_empty(), "the sealing key's value is readable");
    drop(session);

    // Reopened by label, it opens what it sealed; after the token logged the application out
    // it logs in again.
    let reopened = Pkcs11Sealer::open(&uri, &label).unwrap();
    assert_eq!(reopened.open(b"card 0001", &sealed).unwrap().as_slice(), b"key card secret");
    let session = raw_session(&uri);
    session.logout().unwrap();
    drop(session);
    assert_eq!(reopened.open(b"card 0001", &sealed).unwrap().as_slice(), b"key card secret");
    let again = reopened.seal(b"card 0001", b"after the logout").unwrap();
    assert_eq!(sealer.open(b"card 0001", &again).unwrap().as_slice(), b"after the logout");

    // A second key with the label is refused; a missing label and a signing key are named.
    let e = Pkcs11Sealer::generate(&uri, &label).unwrap_err().to_string();
    assert!(e.contains("exists already") && e.contains(&label), "{e}");
    let absent = unique_label("absent-sealer");
    let e = Pkcs11Sealer::open(&uri, &absent).unwrap_err().to_string();
    assert!(e.contains("no secret key labelled") && e.contains(&absent), "{e}");
    let signing = unique_label("not-a-sealer");
    tillit_pki::Pkcs11Signer::generate(&uri, &signing, KeyAlgorithm::EcdsaP256).unwrap();
    let e = Pkcs11Sealer::open(&uri, &signing).unwrap_err().to_string();
    assert!(e.contains("no secret key labelled"), "{e}");
    assert!(!e.contains(uri.pin().unwrap().unwrap().as_str()), "{e}");

    // A key card's secret sealed on the token.
    let card = KeyCard::generate(KeyCardSerial::new("HSM-0001").unwrap(), DEFAULT_POSITIONS).unwrap();
    let sealed = card.secret().seal(&sealer, b"HSM0001").unwrap();
    let secret = KeyCardSecret::unseal(&sealer, b"HSM0001", &sealed).unwrap();
    assert_eq!(secret.as_bytes(), card.secret().as_bytes());

    token_gcm_agrees_with_ring(&uri);
}

#[test]
fn pkcs11_sealer_refuses_aes_keys_of_other_sizes_or_uses() {
    let Some(uri) = token_uri() else { return };
    let _token = exclusive();
    let session = raw_session(&uri);
    let make = |label: &str, len: usize, decrypt: bool| {
        session
            .create_object(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Encrypt(true),
                Attribute::Decrypt(decrypt),
                Attribute::Value(vec![7; len]),
                Attribute::Label(label.as_bytes().to_vec()),
            ])
            .unwrap();
    };
    let short = unique_label("aes128");
    make(&short, 16, true);
    let encrypt_only = unique_label("aes-encrypt-only");
    make(&encrypt_only, 32, false);
    drop(session);
    let e = Pkcs11Sealer::open(&uri, &short).unwrap_err().to_string();
    assert!(e.contains("128 bits, not AES-256"), "{e}");
    let e = Pkcs11Sealer::open(&uri, &encrypt_only).unwrap_err().to_string();
    assert!(e.contains("not allowed to encrypt and decrypt"), "{e}");
}

// --- Key cards -------------------------------------------------------------------------------

fn known_card(serial: &str) -> KeyCard {
    let secret = KeyCardSecret::from_bytes(&(0u8..32).collect::<Vec<_>>()).unwrap();
    KeyCard::new(KeyCardSerial::new(serial).unwrap(), secret, DEFAULT_POSITIONS).unwrap()
}

#[test]
fn key_card_codes_match_an_independent_hmac() {
    // Computed with Python's hmac and hashlib over the documented derivation
    // ("tillit-keycard-v1" | len | serial | position | "code" / "key" | try).
    let card = known_card("1234567890");
    assert_eq!(card.code(1).unwrap().as_str(), "078681");
    assert_eq!(card.code(2).unwrap().as_str(), "150292");
    assert_eq!(card.code(90).unwrap().as_str(), "599159");
    assert_eq!(card.key(1).unwrap().to_string(), "1067");
    assert_eq!(card.key(2).unwrap().to_string(), "7734");
    assert_eq!(card.key(90).unwrap().to_string(), "5281");
}

#[test]
fn key_card_codes_are_deterministic_and_differ_across_serials_and_positions() {
    let card = known_card("1234567890");
    let again = known_card("1234-5678 90");
    let other_serial = known_card("1234567891");
    let layout = card.layout().unwrap();
    assert_eq!(layout.len(), usize::from(DEFAULT_POSITIONS));
    let again_layout = again.layout().unwrap();
    let other_layout = other_serial.layout().unwrap();
    let mut keys = HashSet::new();
    let mut codes = HashSet::new();
    let mut same_as_other = 0;
    for ((pair, same), other) in layout.iter().zip(&again_layout).zip(&other_layout) {
        assert_eq!(pair.code.as_str(), same.code.as_str());
        assert_eq!(pair.key, same.key);
        assert_eq!(pair.code.as_str().len(), 6);
        assert!(pair.code.as_str().bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(pair.key.to_string().len(), 4);
        assert_eq!(card.key(pair.position).unwrap(), pair.key);
        assert_eq!(card.code(pair.position).unwrap().as_str(), pair.code.as_str());
        assert!(keys.insert(pair.key), "key {} twice on the card", pair.key);
        codes.insert(pair.code.as_str().to_owned());
        same_as_other += usize::from(pair.code.as_str() == other.code.as_str());
    }
    // 90 random 6-digit codes: a repeat is possible but rare; a serial's codes are its own.
    assert!(codes.len() >= 88, "{}", codes.len());
    assert!(same_as_other <= 1, "{same_as_other}");
    // Another secret, same serial: other codes.
    let fresh = KeyCard::generate(card.serial().clone(), DEFAULT_POSITIONS).unwrap();
    let differ = (1..=DEFAULT_POSITIONS)
        .filter(|p| fresh.code(*p).unwrap().as_str() != card.code(*p).unwrap().as_str());
    assert!(differ.count() >= 88);
    assert_eq!(format!("{:?}", card.code(1).unwrap()), "KeyCardCode(…)");
    assert!(!format!("{card:?}").contains(card.code(1).unwrap().as_str()));
}

#[test]
fn key_card_codes_are_spread_evenly() {
    // 20 cards of 300 positions with fixed secrets: each digit of each place about 600 times.
    let mut counts = [[0u32; 10]; 6];
    for n in 0u8..20 {
        let card = KeyCard::new(
            KeyCardSerial::new("SPREAD01").unwrap(),
            KeyCardSecret::from_bytes(&[n; 32]).unwrap(),
            MAX_POSITIONS,
        )
        .unwrap();
        for pair in card.layout().unwrap() {
            for (place, digit) in pair.code.as_str().bytes().enumerate() {
                counts[place][usize::from(digit - b'0')] += 1;
            }
        }
    }
    for place in counts {
        for count in place {
            assert!((480..=720).contains(&count), "{place:?}");
        }
    }
}

#[test]
fn key_card_verification_accepts_spacing_and_refuses_everything_else() {
    let card = known_card("1234567890");
    let code = card.code(5).unwrap();
    let digits = code.as_str();
    for typed in [
        digits.to_owned(),
        format!("{} {}", &digits[..3], &digits[3..]),
        format!("{}-{}", &digits[..3], &digits[3..]),
        format!("  {}\t", digits),
        format!("{} {} {}", &digits[..2], &digits[2..4], &digits[4..]),
    ] {
        assert!(card.verify(5, &typed), "{typed:?}");
    }
    let wrong = format!("{:06}", (digits.parse::<u32>().unwrap() + 1) % 1_000_000);
    for typed in [
        wrong.as_str(),
        &digits[..5],
        &format!("{digits}0"),
        &format!("{}x", &digits[..5]),
        "",
        "------",
        "１２３４５６",
        &format!("{}.{}", &digits[..3], &digits[3..]),
    ] {
        assert!(!card.verify(5, typed), "{typed:?}");
    }
    assert!(!card.verify(4, digits) || card.code(4).unwrap().as_str() == digits);
    assert!(!card.verify(0, digits));
    assert!(!card.verify(DEFAULT_POSITIONS + 1, digits));
    assert!(card.code(0).is_err() && card.code(DEFAULT_POSITIONS + 1).is_err() && card.key(0).is_err());
}

#[test]
fn key_card_sizes_serials_and_secrets_are_checked() {
    let secret = || KeyCardSecret::generate().unwrap();
    let serial = KeyCardSerial::new("ab12-cd34").unwrap();
    assert_eq!(serial.as_str(), "AB12CD34");
    assert_eq!(serial.grouped(), "AB12-CD34");
    assert!(KeyCard::new(serial.clone(), secret(), MIN_POSITIONS - 1).is_err());
    assert!(KeyCard::new(serial.clone(), secret(), MAX_POSITIONS + 1).is_err());
    assert!(KeyCard::new(serial.clone(), secret(), MIN_POSITIONS).is_ok());
    let big = KeyCard::new(serial.clone(), secret(), MAX_POSITIONS).unwrap();
    let keys: HashSet<_> = big.layout().unwrap().into_iter().map(|p| p.key).collect();
    assert_eq!(keys.len(), usize::from(MAX_POSITIONS));
    for bad in ["123", "", "12 3", "ÆØÅ12345", "1234_5678", &"1".repeat(25)] {
        assert!(KeyCardSerial::new(bad).is_err(), "{bad:?}");
    }
    let generated = KeyCardSerial::generate().unwrap();
    assert_eq!(generated.as_str().len(), 10);
    assert!(generated.as_str().bytes().all(|b| b.is_ascii_digit()) && !generated.as_str().starts_with('0'));
    assert!(KeyCardSecret::from_bytes(&[0; 31]).is_err());
    assert_eq!(format!("{:?}", secret()), "KeyCardSecret(…)");
}

#[test]
fn a_key_card_secret_seals_to_its_card() {
    let sealer = shared_sealer();
    let card = KeyCard::generate(KeyCardSerial::generate().unwrap(), DEFAULT_POSITIONS).unwrap();
    let aad = card.serial().as_str().as_bytes();
    let sealed = card.secret().seal(sealer, aad).unwrap();
    let secret = KeyCardSecret::unseal(sealer, aad, &sealed).unwrap();
    let reopened = KeyCard::new(card.serial().clone(), secret, DEFAULT_POSITIONS).unwrap();
    assert!(reopened.verify(17, card.code(17).unwrap().as_str()));
    assert!(matches!(KeyCardSecret::unseal(sealer, b"another card", &sealed), Err(SecretError::Open)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn key_card_verification_never_panics(typed in "\\PC{0,20}", position in any::<u16>()) {
        let card = known_card("1234567890");
        let accepted = card.verify(position, &typed);
        if accepted {
            let digits: String = typed.chars().filter(|c| c.is_ascii_digit()).collect();
            let code = card.code(position).unwrap();
            prop_assert_eq!(digits.as_str(), code.as_str());
        }
    }
}

// --- Passcodes -------------------------------------------------------------------------------

/// Cheap enough for tests in a debug build; the default cost is tested once below.
fn cheap() -> PasscodeHasher {
    PasscodeHasher::new(HashCost { memory_kib: 1024, iterations: 1, parallelism: 1 }).unwrap()
}

#[test]
fn passcodes_hash_to_argon2id_phc_strings_and_verify() {
    let hasher = cheap();
    let phc = hasher.hash("Mit eget kodeord æøå").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts.len(), 6, "{phc}");
    assert_eq!(parts[4].len(), 22, "16-byte salt: {phc}");
    assert_eq!(parts[5].len(), 43, "32-byte hash: {phc}");
    assert_eq!(
        hasher.verify("Mit eget kodeord æøå", &phc).unwrap(),
        Verification::Match { needs_rehash: false }
    );
    assert_eq!(hasher.verify("mit eget kodeord æøå", &phc).unwrap(), Verification::Mismatch);
    assert_eq!(hasher.verify("", &phc).unwrap(), Verification::Mismatch);
    // A fresh salt every time.
    assert_ne!(hasher.hash("Mit eget kodeord æøå").unwrap(), phc);
}

#[test]
fn the_default_cost_is_owasps_and_weaker_hashes_need_rehashing() {
    let strong = PasscodeHasher::default();
    assert_eq!(strong.cost(), HashCost { memory_kib: 19_456, iterations: 2, parallelism: 1 });
    let phc = strong.hash("kodeord").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert_eq!(strong.verify("kodeord", &phc).unwrap(), Verification::Match { needs_rehash: false });

    let weak = cheap().hash("kodeord").unwrap();
    let verdict = strong.verify("kodeord", &weak).unwrap();
    assert!(verdict.is_match() && verdict.needs_rehash(), "{verdict:?}");
    assert_eq!(strong.verify("kodeord2", &weak).unwrap(), Verification::Mismatch);
    // A stronger stored hash needs nothing.
    assert_eq!(cheap().verify("kodeord", &phc).unwrap(), Verification::Match { needs_rehash: false });
}

#[test]
fn hashes_from_other_implementations_verify() {
    // The Argon2 reference implementation's README example (argon2i, so: rehash).
    let reference = "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
    let hasher = cheap();
    assert_eq!(hasher.verify("password", reference).unwrap(), Verification::Match { needs_rehash: true });
    assert_eq!(hasher.verify("Password", reference).unwrap(), Verification::Mismatch);
}

#[test]
fn unusable_hashes_and_costs_are_errors() {
    let hasher = cheap();
    for phc in [
        "",
        "not a hash",
        "$pbkdf2-sha256$i=1000$c29tZXNhbHQ$aGFzaA",
        "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2id$v=19$m=1024,t=1000,p=1$c29tZXNhbHRzYWx0$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzYWx0",
    ] {
        assert!(matches!(hasher.verify("x", phc), Err(SecretError::PasscodeHash(_))), "{phc}");
    }
    for cost in [
        HashCost { memory_kib: 0, iterations: 1, parallelism: 1 },
        HashCost { memory_kib: 1024, iterations: 0, parallelism: 1 },
        HashCost { memory_kib: 1024, iterations: 1, parallelism: 0 },
        HashCost { memory_kib: 8 << 20, iterations: 1, parallelism: 1 },
    ] {
        assert!(matches!(PasscodeHasher::new(cost), Err(SecretError::HashCost(_))), "{cost:?}");
    }
    let long = "x".repeat(2000);
    assert!(hasher.hash(&long).is_err());
    let phc = hasher.hash("short").unwrap();
    assert_eq!(hasher.verify(&long, &phc).unwrap(), Verification::Mismatch);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn passcode_verification_never_panics(typed in "\\PC{0,40}", phc in "\\$?[a-z0-9=,$+/]{0,60}") {
        let hasher = cheap();
        let _ = hasher.verify(&typed, &phc);
    }
}

// --- Issued codes ----------------------------------------------------------------------------

#[test]
fn issued_codes_have_their_alphabets_lengths_and_groups() {
    let alphabet: HashSet<char> = CODE_ALPHABET.iter().map(|b| char::from(*b)).collect();
    assert_eq!(alphabet.len(), 31);
    for c in ['0', '1', 'O', 'I', 'L'] {
        assert!(!alphabet.contains(&c), "{c}");
    }
    let mut seen = HashSet::new();
    let mut counts = std::collections::HashMap::new();
    for _ in 0..2000 {
        let code = generate_temporary_passcode().unwrap();
        assert_eq!(code.as_str().len(), 10);
        assert!(code.as_str().chars().all(|c| alphabet.contains(&c)), "{}", code.as_str());
        let printed = code.printed();
        assert_eq!(printed.len(), 11);
        assert_eq!(&printed[5..6], "-");
        assert_eq!(normalise(&printed.to_lowercase().replace('-', " - ")).as_str(), code.as_str());
        assert!(seen.insert(code.as_str().to_owned()));
        for c in code.as_str().chars() {
            *counts.entry(c).or_insert(0u32) += 1;
        }
    }
    // 20,000 characters over 31: each about 645 times.
    assert_eq!(counts.len(), 31);
    for (c, count) in counts {
        assert!((480..=810).contains(&count), "{c}: {count}");
    }

    let activation = generate_activation_code().unwrap();
    assert_eq!(activation.as_str().len(), 16);
    assert!(activation.as_str().chars().all(|c| alphabet.contains(&c)));
    let printed = activation.printed();
    assert_eq!(printed.split('-').map(str::len).collect::<Vec<_>>(), [4, 4, 4, 4]);

    let pin = generate_sms_pin().unwrap();
    assert_eq!(pin.as_str().len(), 6);
    assert!(pin.as_str().bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(pin.printed().as_str(), pin.as_str());
    assert_eq!(format!("{pin:?}"), "IssuedCode(…)");

    for _ in 0..200 {
        let id = generate_user_id().unwrap();
        assert_eq!(id.as_str().len(), 9);
        assert!(id.as_str().bytes().all(|b| b.is_ascii_digit()) && !id.as_str().starts_with('0'));
        assert_eq!(UserId::new(&id.to_string()).unwrap(), id);
    }
    assert_eq!(UserId::new("123 456-789").unwrap().as_str(), "123456789");
    for bad in ["012345678", "12345678", "1234567890", "12345678a", ""] {
        assert!(UserId::new(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn an_issued_code_is_checked_through_its_hash() {
    let hasher = cheap();
    let code = generate_temporary_passcode().unwrap();
    let phc = hasher.hash(code.as_str()).unwrap();
    let typed = code.printed().to_lowercase();
    assert!(hasher.verify(&normalise(&typed), &phc).unwrap().is_match());
    assert!(!hasher.verify(&typed, &phc).unwrap().is_match());
}

// --- TOTP ------------------------------------------------------------------------------------

fn rfc_seed(algorithm: TotpAlgorithm) -> TotpSeed {
    let text = match algorithm {
        TotpAlgorithm::Sha1 => "12345678901234567890".to_owned(),
        TotpAlgorithm::Sha256 => "12345678901234567890123456789012".to_owned(),
        TotpAlgorithm::Sha512 => format!("{}1234", "1234567890".repeat(6)),
    };
    TotpSeed::from_bytes(text.as_bytes()).unwrap()
}

#[test]
fn totp_matches_rfc_6238_appendix_b() {
    let vectors: [(u64, &str, &str, &str); 6] = [
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (time, sha1, sha256, sha512) in vectors {
        for (algorithm, expected) in
            [(TotpAlgorithm::Sha1, sha1), (TotpAlgorithm::Sha256, sha256), (TotpAlgorithm::Sha512, sha512)]
        {
            let totp = Totp::new(rfc_seed(algorithm), TotpParams::new(algorithm, 8, 30).unwrap());
            assert_eq!(totp.code(time).unwrap().as_str(), expected, "{algorithm:?} at {time}");
            assert_eq!(totp.verify(expected, time, 0, None), Some(time / 30), "{algorithm:?} at {time}");
        }
    }
}

#[test]
fn hotp_matches_rfc_4226_appendix_d() {
    let expected = [755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489];
    for (counter, code) in expected.into_iter().enumerate() {
        assert_eq!(hotp(b"12345678901234567890", counter as u64, 6, TotpAlgorithm::Sha1).unwrap(), code);
    }
}

#[test]
fn totp_accepts_the_window_and_refuses_replays() {
    let totp = Totp::new(rfc_seed(TotpAlgorithm::Sha1), TotpParams::default());
    let now = 1_700_000_015;
    let step = now / 30;
    let code = |s: u64| totp.code_at_step(s).unwrap().to_string();
    assert_eq!(code(step).len(), 6);
    assert_eq!(totp.verify(&code(step), now, 1, None), Some(step));
    assert_eq!(totp.verify(&code(step - 1), now, 1, None), Some(step - 1));
    assert_eq!(totp.verify(&code(step + 1), now, 1, None), Some(step + 1));
    assert_eq!(totp.verify(&code(step - 2), now, 1, None), None);
    assert_eq!(totp.verify(&code(step - 2), now, 2, None), Some(step - 2));
    assert_eq!(totp.verify(&code(step - 1), now, 0, None), None);
    // Used once: never again, nor any earlier step.
    assert_eq!(totp.verify(&code(step), now, 1, Some(step)), None);
    assert_eq!(totp.verify(&code(step - 1), now, 1, Some(step)), None);
    assert_eq!(totp.verify(&code(step + 1), now, 1, Some(step)), Some(step + 1));
    // Typing aids and typos.
    let c = code(step);
    assert_eq!(totp.verify(&format!("{} {}", &c[..3], &c[3..]), now, 1, None), Some(step));
    assert_eq!(totp.verify(&c[..5], now, 1, None), None);
    assert_eq!(totp.verify(&format!("{c}1"), now, 1, None), None);
    assert_eq!(totp.verify("abcdef", now, 1, None), None);
    // Windows are capped, and time 0 does not underflow.
    assert_eq!(totp.verify(&code(step - 20), now, 255, None), None);
    assert_eq!(totp.verify(&code(0), 0, 1, None), Some(0));
}

#[test]
fn totp_seeds_parameters_and_uris() {
    assert!(TotpParams::new(TotpAlgorithm::Sha1, 7, 30).is_err());
    assert!(TotpParams::new(TotpAlgorithm::Sha1, 6, 0).is_err());
    assert_eq!(TotpParams::default(), TotpParams::new(TotpAlgorithm::Sha1, 6, 30).unwrap());
    let seed = TotpSeed::generate().unwrap();
    assert_eq!(seed.as_bytes().len(), 20);
    assert_eq!(seed.to_base32().len(), 32);
    assert_eq!(TotpSeed::from_base32(&seed.to_base32()).unwrap().as_bytes(), seed.as_bytes());
    assert!(TotpSeed::from_bytes(&[0; 15]).is_err() && TotpSeed::from_bytes(&[0; 65]).is_err());
    assert!(TotpSeed::from_base32("not base32!").is_err());
    assert_eq!(format!("{seed:?}"), "TotpSeed(…)");

    let rfc = rfc_seed(TotpAlgorithm::Sha1);
    assert_eq!(rfc.to_base32().as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert_eq!(
        TotpSeed::from_base32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap().as_bytes(),
        rfc.as_bytes()
    );
    let uri = Totp::new(rfc, TotpParams::default()).otpauth_uri("Aarhus Kommune", "borger 123456789");
    assert_eq!(
        uri.as_str(),
        "otpauth://totp/Aarhus%20Kommune:borger%20123456789?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
         &issuer=Aarhus%20Kommune&algorithm=SHA1&digits=6&period=30"
    );

    let sealer = shared_sealer();
    let sealed = seed.seal(sealer, b"code display SN 4711").unwrap();
    assert_eq!(
        TotpSeed::unseal(sealer, b"code display SN 4711", &sealed).unwrap().as_bytes(),
        seed.as_bytes()
    );
    assert!(TotpSeed::unseal(sealer, b"code display SN 4712", &sealed).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn totp_verification_never_panics_and_never_replays(
        typed in "\\PC{0,12}",
        time in any::<u64>(),
        window in any::<u8>(),
        last in proptest::option::of(any::<u64>()),
    ) {
        let totp = Totp::new(rfc_seed(TotpAlgorithm::Sha1), TotpParams::default());
        if let Some(step) = totp.verify(&typed, time, window, last) {
            prop_assert!(last.is_none_or(|l| step > l));
        }
        let step = time / 30;
        let code = totp.code_at_step(step).unwrap();
        let matched = totp.verify(&code, time, window, last);
        prop_assert!(matched.is_some() || last.is_some_and(|l| l >= step));
    }

    #[test]
    fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..70)) {
        let decoded = base32_decode(&base32_encode(&bytes)).unwrap();
        prop_assert_eq!(decoded.as_slice(), bytes.as_slice());
    }
}

// --- Print files ------------------------------------------------------------------------------

/// Whether `tool` runs; when it does not, prints why the check is skipped (or fails when
/// TEST_TILLIT_REQUIRE_PDF_TOOLS is set).
fn pdf_tool(tool: &str) -> bool {
    let found =
        Command::new(tool).arg("-v").output().is_ok() || Command::new(tool).arg("--version").output().is_ok();
    if !found {
        if std::env::var_os("TEST_TILLIT_REQUIRE_PDF_TOOLS").is_some_and(|v| !v.is_empty()) {
            panic!("TEST_TILLIT_REQUIRE_PDF_TOOLS is set but {tool} is not on PATH (apt-get install qpdf poppler-utils)");
        }
        eprintln!("skipped the {tool} check: no {tool} on PATH (apt-get install qpdf poppler-utils)");
    }
    found
}

/// Checks the file's structure (header, xref, trailer) and the page count.
fn well_formed(pdf: &[u8], pages: usize) {
    assert!(pdf.starts_with(b"%PDF-1."), "{:?}", &pdf[..8]);
    let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(64)..]).into_owned();
    assert!(tail.contains("startxref") && tail.trim_end().ends_with("%%EOF"), "{tail}");
    let text = String::from_utf8_lossy(pdf);
    assert!(text.contains("trailer") && text.contains("/WinAnsiEncoding") && text.contains("/Helvetica"));
    assert!(text.contains(&format!("/Count {pages}")), "expected {pages} pages");
}

/// The text of the PDF as pdftotext reads it (None when pdftotext is absent), after qpdf
/// checked the file (when present).
fn extracted_text(pdf: &[u8], dir: &Path) -> Option<String> {
    let path = dir.join("print.pdf");
    std::fs::write(&path, pdf).unwrap();
    if pdf_tool("qpdf") {
        let out = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "qpdf --check refused the file: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if !pdf_tool("pdftotext") {
        return None;
    }
    let out =
        Command::new("pdftotext").args(["-enc", "UTF-8", "-layout"]).arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn key_card_print_files_hold_the_serials_and_codes() {
    let dir = tempfile::tempdir().unwrap();
    let first = KeyCard::generate(KeyCardSerial::new("1234567890").unwrap(), DEFAULT_POSITIONS).unwrap();
    let second = KeyCard::generate(KeyCardSerial::new("2345678901").unwrap(), 148).unwrap();
    let prints = [KeyCardPrint::new(&first).unwrap(), KeyCardPrint::new(&second).unwrap()];
    assert_eq!(prints[0].pairs().len(), 90);

    // Standard print: 90 fit one page, 148 take two.
    let standard = key_card_pdf(&prints, false).unwrap();
    well_formed(&standard, 3);
    // Large print (R-DK-2): bigger type, more pages.
    let large = key_card_pdf(&prints, true).unwrap();
    well_formed(&large, 3 + 5);
    assert!(key_card_pdf(&[], false).is_ok());

    for (pdf, pages) in [(&standard, "Side 1 af 1"), (&large, "Side 3 af 3")] {
        let Some(text) = extracted_text(pdf, dir.path()) else { return };
        assert!(text.contains("Nøglekort"), "{text}");
        assert!(text.contains(pages), "{text}");
        assert!(text.contains("1234-5678-90") && text.contains("2345-6789-01"), "{text}");
        for position in [1, 45, 90] {
            let key = first.key(position).unwrap().to_string();
            let code = first.code(position).unwrap();
            // The key and, next to it, its code.
            let printed = text.lines().any(|line| {
                let words: Vec<&str> = line.split_whitespace().collect();
                words.windows(2).any(|pair| pair[0] == key && pair[1] == code.as_str())
            });
            assert!(printed, "key {key} with code {} not in {text}", code.as_str());
        }
        let last = second.code(148).unwrap();
        assert!(text.contains(last.as_str()));
    }
}

#[test]
fn passcode_letter_print_files_hold_the_number_and_the_passcode() {
    let dir = tempfile::tempdir().unwrap();
    let mut letters = Vec::new();
    let mut printed = Vec::new();
    for n in 0..3 {
        let passcode = generate_temporary_passcode().unwrap();
        printed.push(passcode.printed().to_string());
        letters.push(PasscodeLetterPrint::new(&format!("MA-2024-{n:05}"), passcode).unwrap());
    }
    assert_eq!(letters[0].number(), "MA-2024-00000");
    let pdf = passcode_letter_pdf(&letters).unwrap();
    well_formed(&pdf, 3);
    if let Some(text) = extracted_text(&pdf, dir.path()) {
        for (n, code) in printed.iter().enumerate() {
            assert!(text.contains(&format!("MA-2024-{n:05}")), "{text}");
            assert!(text.contains(code.as_str()), "{code} in {text}");
        }
        assert!(text.contains("Midlertidig adgangskode") && text.contains("Temporary passcode"), "{text}");
        assert!(text.contains("Sådan aktiverer du dit NemID") && text.contains("nøglekort"), "{text}");
        assert!(text.contains("Makulér"), "{text}");
    }

    let refuse = |number: &str| PasscodeLetterPrint::new(number, generate_temporary_passcode().unwrap());
    assert!(matches!(refuse("Łódź-1"), Err(SecretError::Print(_))));
    assert!(matches!(refuse("   "), Err(SecretError::Print(_))));
    assert!(matches!(refuse(&"9".repeat(41)), Err(SecretError::Print(_))));
    assert!(refuse("Brev 7 – Århus").is_ok());
}

#[test]
fn a_stored_temporary_passcode_reads_back_for_the_print_file() {
    let code = tillit_pki::secret::generate_temporary_passcode().unwrap();
    let back = tillit_pki::secret::IssuedCode::temporary_passcode(&code.printed()).unwrap();
    assert_eq!(back.as_str(), code.as_str());
    assert_eq!(back.printed().as_str(), code.printed().as_str());
    for bad in ["ABCDE", "ABCDE-FGHI1", "ABCDE-FGHJKL", ""] {
        assert!(tillit_pki::secret::IssuedCode::temporary_passcode(bad).is_err(), "{bad}");
    }
}
