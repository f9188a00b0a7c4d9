//! The file keystore: private keys as encrypted PKCS#8 PEM files (scrypt + AES-256-CBC,
//! PKCS#5 v2), written with mode 0600, public halves beside them as SPKI PEM.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use rand::rngs::OsRng;
use tillit_core::audit::{AuditError, AuditPublicKey, AuditSigner};
use zeroize::Zeroizing;

/// The secret that unlocks keys in the file keystore. Wiped from memory when dropped.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps a passphrase; refuses one shorter than 12 characters.
    pub fn new(secret: String) -> Result<Self, KeystoreError> {
        let secret = Zeroizing::new(secret);
        if secret.chars().count() < 12 {
            return Err(KeystoreError::WeakPassphrase);
        }
        Ok(Passphrase(secret))
    }

    /// A fresh random passphrase (32 bytes from the OS, base64url-free hex).
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut OsRng, bytes.as_mut());
        let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Passphrase(Zeroizing::new(text))
    }

    /// Reads a passphrase from the first line of a file.
    pub fn from_file(path: &Path) -> Result<Self, KeystoreError> {
        let text = Zeroizing::new(fs::read_to_string(path).map_err(|e| KeystoreError::io(path, e))?);
        Passphrase::new(text.lines().next().unwrap_or_default().trim().to_owned())
    }

    /// Writes the passphrase to a new file readable by the owner only.
    pub fn write_new(&self, path: &Path) -> Result<(), KeystoreError> {
        write_private(path, format!("{}\n", self.0.as_str()).as_bytes())
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(…)")
    }
}

/// Errors of the keystore.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// Reading or writing a key file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The key file exists already; keys are never overwritten.
    #[error("{0}: a key exists there already; refusing to overwrite it")]
    Exists(PathBuf),
    /// The file is not an encrypted PKCS#8 key, or the passphrase is wrong.
    #[error(
        "{0}: cannot decrypt the key (wrong passphrase, or not an encrypted PKCS#8 key of the expected type)"
    )]
    Decrypt(PathBuf),
    /// The public key file does not hold an Ed25519 SPKI PEM.
    #[error("{0}: not an Ed25519 public key in PEM")]
    PublicKey(PathBuf),
    /// The public key beside a private key does not belong to it.
    #[error("{0}: the public key does not match the private key")]
    Mismatch(PathBuf),
    /// Encoding or encrypting failed.
    #[error("cannot encode the key: {0}")]
    Encode(String),
    /// The passphrase is too short to protect a key.
    #[error("the key passphrase must have at least 12 characters")]
    WeakPassphrase,
}

impl KeystoreError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        KeystoreError::Io { path: path.to_owned(), source }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeystoreError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeystoreError::Exists(path.to_owned()),
        _ => KeystoreError::io(path, e),
    })?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| KeystoreError::io(path, e))
}

/// Writes a PKCS#8 private key document encrypted under `passphrase` (PKCS#5 v2: scrypt,
/// AES-256-CBC) as PEM to a new file readable by the owner only.
pub fn write_encrypted_pkcs8(
    path: &Path,
    pkcs8_der: &[u8],
    passphrase: &Passphrase,
) -> Result<(), KeystoreError> {
    let info =
        pkcs8::PrivateKeyInfo::try_from(pkcs8_der).map_err(|e| KeystoreError::Encode(e.to_string()))?;
    let encrypted =
        info.encrypt(OsRng, passphrase.bytes()).map_err(|e| KeystoreError::Encode(e.to_string()))?;
    let pem = encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .map_err(|e| KeystoreError::Encode(e.to_string()))?;
    write_private(path, pem.as_bytes())
}

/// Reads and decrypts a key written by [`write_encrypted_pkcs8`]: the PKCS#8 document.
pub fn read_encrypted_pkcs8(
    path: &Path,
    passphrase: &Passphrase,
) -> Result<Zeroizing<Vec<u8>>, KeystoreError> {
    let pem = Zeroizing::new(fs::read_to_string(path).map_err(|e| KeystoreError::io(path, e))?);
    let decrypt = || -> Option<Zeroizing<Vec<u8>>> {
        let (label, doc) = pkcs8::SecretDocument::from_pem(&pem).ok()?;
        if label != "ENCRYPTED PRIVATE KEY" {
            return None;
        }
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).ok()?;
        let plain = info.decrypt(passphrase.bytes()).ok()?;
        Some(Zeroizing::new(plain.as_bytes().to_vec()))
    };
    decrypt().ok_or_else(|| KeystoreError::Decrypt(path.to_owned()))
}

/// An Ed25519 key held in the file keystore: the node's audit key.
pub struct Ed25519FileKey {
    signing: SigningKey,
    public: AuditPublicKey,
}

impl std::fmt::Debug for Ed25519FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519FileKey").field("key_id", &self.public.id()).finish_non_exhaustive()
    }
}

impl Ed25519FileKey {
    /// The public key file that goes with a private key file (`….pub.pem`).
    pub fn public_path(private: &Path) -> PathBuf {
        private.with_extension("pub.pem")
    }

    /// Generates a key, writes it encrypted to `path` (which must not exist) and its public
    /// half to [`Ed25519FileKey::public_path`].
    pub fn generate(path: &Path, passphrase: &Passphrase) -> Result<Self, KeystoreError> {
        let signing = SigningKey::generate(&mut OsRng);
        let pem = signing
            .to_pkcs8_encrypted_pem(OsRng, passphrase.bytes(), LineEnding::LF)
            .map_err(|e| KeystoreError::Encode(e.to_string()))?;
        let public_pem = signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeystoreError::Encode(e.to_string()))?;
        let public_path = Self::public_path(path);
        if public_path.exists() {
            return Err(KeystoreError::Exists(public_path));
        }
        write_private(path, pem.as_bytes())?;
        fs::write(&public_path, public_pem).map_err(|e| KeystoreError::io(&public_path, e))?;
        let public = AuditPublicKey::ed25519(signing.verifying_key());
        Ok(Ed25519FileKey { signing, public })
    }

    /// Opens a key from the keystore and checks it against its public half when present.
    pub fn open(path: &Path, passphrase: &Passphrase) -> Result<Self, KeystoreError> {
        let pem = Zeroizing::new(fs::read_to_string(path).map_err(|e| KeystoreError::io(path, e))?);
        let signing = SigningKey::from_pkcs8_encrypted_pem(&pem, passphrase.bytes())
            .map_err(|_| KeystoreError::Decrypt(path.to_owned()))?;
        let public_path = Self::public_path(path);
        if public_path.exists() && read_public_key(&public_path)? != signing.verifying_key() {
            return Err(KeystoreError::Mismatch(public_path));
        }
        let public = AuditPublicKey::ed25519(signing.verifying_key());
        Ok(Ed25519FileKey { signing, public })
    }
}

/// Reads an Ed25519 public key (SPKI PEM), e.g. a node's published audit key.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey, KeystoreError> {
    let pem = fs::read_to_string(path).map_err(|e| KeystoreError::io(path, e))?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|_| KeystoreError::PublicKey(path.to_owned()))
}

impl AuditSigner for Ed25519FileKey {
    fn public_key(&self) -> &AuditPublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuditError> {
        Ok(self.signing.sign(message).to_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(s: &str) -> Passphrase {
        Passphrase::new(s.to_owned()).unwrap()
    }

    #[test]
    fn a_generated_key_opens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit-key.pem");
        let key = Ed25519FileKey::generate(&path, &pass("correct horse battery")).unwrap();
        let opened = Ed25519FileKey::open(&path, &pass("correct horse battery")).unwrap();
        assert_eq!(key.public_key(), opened.public_key());
        let msg = b"entry";
        assert!(key.public_key().verify(msg, &opened.sign(msg).unwrap()));
        assert!(matches!(
            Ed25519FileKey::open(&path, &pass("wrong horse battery")),
            Err(KeystoreError::Decrypt(_))
        ));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn keys_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit-key.pem");
        Ed25519FileKey::generate(&path, &pass("correct horse battery")).unwrap();
        assert!(matches!(
            Ed25519FileKey::generate(&path, &pass("correct horse battery")),
            Err(KeystoreError::Exists(_))
        ));
    }

    #[test]
    fn a_swapped_public_key_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pem");
        let b = dir.path().join("b.pem");
        Ed25519FileKey::generate(&a, &pass("correct horse battery")).unwrap();
        Ed25519FileKey::generate(&b, &pass("correct horse battery")).unwrap();
        fs::copy(Ed25519FileKey::public_path(&b), Ed25519FileKey::public_path(&a)).unwrap();
        assert!(matches!(
            Ed25519FileKey::open(&a, &pass("correct horse battery")),
            Err(KeystoreError::Mismatch(_))
        ));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert!(matches!(Passphrase::new("short".into()), Err(KeystoreError::WeakPassphrase)));
        assert_eq!(Passphrase::generate().bytes().len(), 64);
    }
}
