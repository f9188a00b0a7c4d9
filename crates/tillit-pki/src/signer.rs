//! CA keys behind one trait: [`Signer`]. The file keystore ([`FileSigner`]) keeps keys as
//! encrypted PKCS#8 and signs with `ring`; the PKCS#11 signer keeps them in a token. The
//! certificate authority only ever sees the trait.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use der::asn1::{AnyRef, BitString, ObjectIdentifier};
use der::{Decode as _, Encode as _};
use ring::rand::SystemRandom;
use ring::signature::{self as rs, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use zeroize::Zeroizing;

use crate::keystore::{read_encrypted_pkcs8, write_encrypted_pkcs8, KeystoreError, Passphrase};

/// OIDs used by the key algorithms.
pub mod oid {
    use der::asn1::ObjectIdentifier as Oid;
    /// id-ecPublicKey.
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// secp256r1.
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// secp384r1.
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// rsaEncryption.
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// ecdsa-with-SHA256.
    pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// ecdsa-with-SHA384.
    pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// sha256WithRSAEncryption.
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// sha384WithRSAEncryption.
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// id-Ed25519 (RFC 8410): both the key's and the signature's algorithm.
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
}

/// The key types a tillit CA can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256, signing with SHA-256.
    #[serde(rename = "ecdsa-p256")]
    EcdsaP256,
    /// ECDSA on P-384, signing with SHA-384.
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    /// RSA 3072-bit, PKCS#1 v1.5 with SHA-256.
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    /// RSA 4096-bit, PKCS#1 v1.5 with SHA-384.
    #[serde(rename = "rsa-4096")]
    Rsa4096,
}

impl KeyAlgorithm {
    /// Every supported algorithm.
    pub const ALL: [KeyAlgorithm; 4] =
        [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384, KeyAlgorithm::Rsa3072, KeyAlgorithm::Rsa4096];

    /// The name used in configuration and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
            KeyAlgorithm::Rsa3072 => "rsa-3072",
            KeyAlgorithm::Rsa4096 => "rsa-4096",
        }
    }

    /// True for the RSA algorithms.
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096)
    }

    /// The RSA modulus size in bits (3072 for the ECDSA algorithms too; only RSA keys use it).
    pub fn rsa_bits(self) -> usize {
        match self {
            KeyAlgorithm::Rsa4096 => 4096,
            _ => 3072,
        }
    }

    /// The named curve of an ECDSA algorithm (P-256 for the RSA algorithms too; only EC keys
    /// use it).
    pub fn curve(self) -> ObjectIdentifier {
        match self {
            KeyAlgorithm::EcdsaP384 => oid::SECP384R1,
            _ => oid::SECP256R1,
        }
    }

    /// The signatureAlgorithm this key signs with. RFC 5758: ECDSA identifiers carry no
    /// parameters; RFC 4055: RSA PKCS#1 v1.5 identifiers carry NULL.
    pub fn signature_algorithm(self) -> AlgorithmIdentifierOwned {
        let (oid, null) = match self {
            KeyAlgorithm::EcdsaP256 => (oid::ECDSA_SHA256, false),
            KeyAlgorithm::EcdsaP384 => (oid::ECDSA_SHA384, false),
            KeyAlgorithm::Rsa3072 => (oid::SHA256_WITH_RSA, true),
            KeyAlgorithm::Rsa4096 => (oid::SHA384_WITH_RSA, true),
        };
        AlgorithmIdentifierOwned { oid, parameters: null.then(|| AnyRef::NULL.into()) }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = SignerError;

    fn from_str(s: &str) -> Result<Self, SignerError> {
        KeyAlgorithm::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| SignerError::UnknownAlgorithm(s.chars().take(40).collect()))
    }
}

/// Errors of CA keys.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// Not one of ecdsa-p256, ecdsa-p384, rsa-3072, rsa-4096.
    #[error("unknown key algorithm {0:?}: use ecdsa-p256, ecdsa-p384, rsa-3072 or rsa-4096")]
    UnknownAlgorithm(String),
    /// The key file or token could not be used.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// The stored key is not of the algorithm it claims, or is malformed.
    #[error("{path}: not a usable {algorithm} private key")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// The algorithm expected.
        algorithm: KeyAlgorithm,
    },
    /// Key generation failed.
    #[error("cannot generate a {0} key")]
    Generate(KeyAlgorithm),
    /// Signing failed (a token error, or the library refused).
    #[error("signing failed: {0}")]
    Sign(String),
    /// A PKCS#11 operation failed.
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
}

/// A CA key: signs with its algorithm, and knows its public key.
pub trait Signer: Send + Sync + fmt::Debug {
    /// The key's algorithm, which fixes the signature algorithm.
    fn algorithm(&self) -> KeyAlgorithm;
    /// The public key as SubjectPublicKeyInfo.
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned;
    /// Signs `message` (hashing it as the algorithm says). ECDSA signatures are the DER
    /// `Ecdsa-Sig-Value`; RSA signatures are the PKCS#1 v1.5 block.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// A shared key signs as the key itself.
impl<S: Signer + ?Sized> Signer for std::sync::Arc<S> {
    fn algorithm(&self) -> KeyAlgorithm {
        (**self).algorithm()
    }
    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        (**self).public_key()
    }
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        (**self).sign(message)
    }
}

enum RingKey {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A CA key in the file keystore: an encrypted PKCS#8 file, decrypted into memory when
/// opened. Signing uses `ring`.
pub struct FileSigner {
    algorithm: KeyAlgorithm,
    key: RingKey,
    public: SubjectPublicKeyInfoOwned,
    rng: SystemRandom,
}

impl fmt::Debug for FileSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileSigner").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl FileSigner {
    /// Generates a key of `algorithm` and writes it encrypted to `path` (which must not
    /// exist).
    pub fn generate(
        path: &Path,
        algorithm: KeyAlgorithm,
        passphrase: &Passphrase,
    ) -> Result<Self, SignerError> {
        let pkcs8 = generate_pkcs8(algorithm)?;
        write_encrypted_pkcs8(path, &pkcs8, passphrase)?;
        Self::from_pkcs8(path, algorithm, &pkcs8)
    }

    /// Opens a key from the keystore.
    pub fn open(path: &Path, algorithm: KeyAlgorithm, passphrase: &Passphrase) -> Result<Self, SignerError> {
        let pkcs8 = read_encrypted_pkcs8(path, passphrase)?;
        Self::from_pkcs8(path, algorithm, &pkcs8)
    }

    /// Wraps an unencrypted PKCS#8 document (e.g. an imported key before it is stored).
    pub fn from_pkcs8(path: &Path, algorithm: KeyAlgorithm, pkcs8: &[u8]) -> Result<Self, SignerError> {
        let bad = || SignerError::BadKey { path: path.to_owned(), algorithm };
        let rng = SystemRandom::new();
        let (key, public) = match algorithm {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
                let (alg, curve) = ecdsa_params(algorithm);
                let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8, &rng).map_err(|_| bad())?;
                let spki = ec_spki(curve, pair.public_key().as_ref()).map_err(|_| bad())?;
                (RingKey::Ecdsa(pair), spki)
            }
            KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => {
                let pair = RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| bad())?;
                let bits = pair.public().modulus_len() * 8;
                if bits != algorithm.rsa_bits() {
                    return Err(bad());
                }
                let spki = rsa_spki(pair.public().as_ref()).map_err(|_| bad())?;
                (RingKey::Rsa(pair), spki)
            }
        };
        Ok(FileSigner { algorithm, key, public, rng })
    }
}

impl Signer for FileSigner {
    fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    fn public_key(&self) -> &SubjectPublicKeyInfoOwned {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        match &self.key {
            RingKey::Ecdsa(pair) => pair
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignerError::Sign("ECDSA signing failed".into())),
            RingKey::Rsa(pair) => {
                let padding: &'static dyn rs::RsaEncoding = match self.algorithm {
                    KeyAlgorithm::Rsa4096 => &rs::RSA_PKCS1_SHA384,
                    _ => &rs::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &self.rng, message, &mut out)
                    .map_err(|_| SignerError::Sign("RSA signing failed".into()))?;
                Ok(out)
            }
        }
    }
}

fn ecdsa_params(algorithm: KeyAlgorithm) -> (&'static rs::EcdsaSigningAlgorithm, ObjectIdentifier) {
    match algorithm {
        KeyAlgorithm::EcdsaP384 => (&rs::ECDSA_P384_SHA384_ASN1_SIGNING, algorithm.curve()),
        _ => (&rs::ECDSA_P256_SHA256_ASN1_SIGNING, algorithm.curve()),
    }
}

/// A new private key of `algorithm` as an unencrypted PKCS#8 document.
pub fn generate_pkcs8(algorithm: KeyAlgorithm) -> Result<Zeroizing<Vec<u8>>, SignerError> {
    match algorithm {
        KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
            let (alg, _) = ecdsa_params(algorithm);
            let doc = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new())
                .map_err(|_| SignerError::Generate(algorithm))?;
            Ok(Zeroizing::new(doc.as_ref().to_vec()))
        }
        KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096 => {
            use rsa::pkcs8::EncodePrivateKey as _;
            // ring cannot generate RSA keys; the `rsa` crate generates, ring signs.
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, algorithm.rsa_bits())
                .map_err(|_| SignerError::Generate(algorithm))?;
            let doc = key.to_pkcs8_der().map_err(|_| SignerError::Generate(algorithm))?;
            Ok(Zeroizing::new(doc.as_bytes().to_vec()))
        }
    }
}

/// The SubjectPublicKeyInfo of an EC point on `curve`.
pub fn ec_spki(curve: ObjectIdentifier, point: &[u8]) -> Result<SubjectPublicKeyInfoOwned, der::Error> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned { oid: oid::EC_PUBLIC_KEY, parameters: Some(curve.into()) },
        subject_public_key: BitString::from_bytes(point)?,
    })
}

/// The SubjectPublicKeyInfo of a PKCS#1 RSAPublicKey.
pub fn rsa_spki(rsa_public_key_der: &[u8]) -> Result<SubjectPublicKeyInfoOwned, der::Error> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL.into()),
        },
        subject_public_key: BitString::from_bytes(rsa_public_key_der)?,
    })
}

/// Verifies a signature made by a key with this SubjectPublicKeyInfo, for the signature
/// algorithm `signature_algorithm` (used for PKCS#10 proof of possession and for checking our
/// own certificates, and for officers' passkey signatures). Accepts RSA 2048-8192 bits
/// (PKCS#1 v1.5, SHA-256/384/512), ECDSA P-256/P-384 (SHA-256/384) and Ed25519 (RFC 8410:
/// `id-Ed25519` as both the key's and the signature's algorithm, no parameters).
pub fn verify_signature(
    spki: &SubjectPublicKeyInfoOwned,
    signature_algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let key = spki.subject_public_key.raw_bytes();
    let alg: &dyn rs::VerificationAlgorithm = match (spki.algorithm.oid, signature_algorithm.oid) {
        (oid::RSA_ENCRYPTION, oid::SHA256_WITH_RSA) => &rs::RSA_PKCS1_2048_8192_SHA256,
        (oid::RSA_ENCRYPTION, oid::SHA384_WITH_RSA) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (oid::RSA_ENCRYPTION, o) if o == ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13") => {
            &rs::RSA_PKCS1_2048_8192_SHA512
        }
        (oid::EC_PUBLIC_KEY, sig) => {
            let curve =
                spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            match (curve, sig) {
                (Some(oid::SECP256R1), oid::ECDSA_SHA256) => &rs::ECDSA_P256_SHA256_ASN1,
                (Some(oid::SECP256R1), oid::ECDSA_SHA384) => &rs::ECDSA_P256_SHA384_ASN1,
                (Some(oid::SECP384R1), oid::ECDSA_SHA384) => &rs::ECDSA_P384_SHA384_ASN1,
                (Some(oid::SECP384R1), oid::ECDSA_SHA256) => &rs::ECDSA_P384_SHA256_ASN1,
                _ => return false,
            }
        }
        (oid::ED25519, oid::ED25519) if spki.algorithm.parameters.is_none() => &rs::ED25519,
        _ => return false,
    };
    rs::UnparsedPublicKey::new(alg, key).verify(message, signature).is_ok()
}

/// The SubjectPublicKeyInfo as DER.
pub fn spki_der(spki: &SubjectPublicKeyInfoOwned) -> Result<Vec<u8>, der::Error> {
    spki.to_der()
}

/// Parses a SubjectPublicKeyInfo from DER.
pub fn spki_from_der(der: &[u8]) -> Result<SubjectPublicKeyInfoOwned, der::Error> {
    SubjectPublicKeyInfoOwned::from_der(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_generates_signs_and_verifies_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let pass = Passphrase::new("correct horse battery".into()).unwrap();
        for alg in KeyAlgorithm::ALL {
            let path = dir.path().join(format!("{alg}.pem"));
            let key = FileSigner::generate(&path, alg, &pass).unwrap();
            let reopened = FileSigner::open(&path, alg, &pass).unwrap();
            assert_eq!(key.public_key(), reopened.public_key(), "{alg}");
            let sig = reopened.sign(b"tbs").unwrap();
            let sig_alg = alg.signature_algorithm();
            assert!(verify_signature(key.public_key(), &sig_alg, b"tbs", &sig), "{alg}");
            assert!(!verify_signature(key.public_key(), &sig_alg, b"tbS", &sig), "{alg}");
            // A key opened as another algorithm is refused.
            let other = if alg.is_rsa() { KeyAlgorithm::EcdsaP256 } else { KeyAlgorithm::Rsa3072 };
            assert!(
                matches!(FileSigner::open(&path, other, &pass), Err(SignerError::BadKey { .. })),
                "{alg}"
            );
        }
    }

    #[test]
    fn ed25519_signatures_verify() {
        let rng = SystemRandom::new();
        let pkcs8 = rs::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = rs::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned { oid: oid::ED25519, parameters: None },
            subject_public_key: BitString::from_bytes(pair.public_key().as_ref()).unwrap(),
        };
        // Through DER and back, as a stored key is read.
        let spki = spki_from_der(&spki_der(&spki).unwrap()).unwrap();
        let ed25519 = AlgorithmIdentifierOwned { oid: oid::ED25519, parameters: None };
        let sig = pair.sign(b"tbs");
        assert!(verify_signature(&spki, &ed25519, b"tbs", sig.as_ref()));
        assert!(!verify_signature(&spki, &ed25519, b"tbS", sig.as_ref()));
        let mut bad = sig.as_ref().to_vec();
        bad[10] ^= 1;
        assert!(!verify_signature(&spki, &ed25519, b"tbs", &bad));
        // Only with the Ed25519 signature algorithm, and only an Ed25519 key.
        let ecdsa = KeyAlgorithm::EcdsaP256.signature_algorithm();
        assert!(!verify_signature(&spki, &ecdsa, b"tbs", sig.as_ref()));
        let p256 = FileSigner::from_pkcs8(
            Path::new("mem"),
            KeyAlgorithm::EcdsaP256,
            &generate_pkcs8(KeyAlgorithm::EcdsaP256).unwrap(),
        )
        .unwrap();
        let ec_sig = p256.sign(b"tbs").unwrap();
        assert!(!verify_signature(p256.public_key(), &ed25519, b"tbs", &ec_sig));
        // An Ed25519 key with parameters is not RFC 8410's.
        let mut with_params = spki.clone();
        with_params.algorithm.parameters = Some(AnyRef::NULL.into());
        assert!(!verify_signature(&with_params, &ed25519, b"tbs", sig.as_ref()));
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in KeyAlgorithm::ALL {
            assert_eq!(alg.name().parse::<KeyAlgorithm>().unwrap(), alg);
        }
        let err = "rsa-1024".parse::<KeyAlgorithm>().unwrap_err().to_string();
        assert!(err.contains("rsa-1024") && err.contains("ecdsa-p256"), "{err}");
    }
}
