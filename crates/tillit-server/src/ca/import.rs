//! Importing an existing hierarchy (`tillit ca import`): the certificates and keys are
//! checked, then recorded as `tillit init` records a new hierarchy.

use super::*;

/// Why a hierarchy to import was refused. Each names the file (or key) and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A file cannot be read.
    #[error("{path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong (in the message, not chained: it is said once).
        error: std::io::Error,
    },
    /// The file holds no certificate tillit can read.
    #[error("{path}: not an X.509 certificate in PEM or DER ({reason})")]
    NotACertificate {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The certificate's key is of a type a tillit CA cannot have.
    #[error("{path}: the certificate's key is {found}; a tillit CA's key must be ecdsa-p256, ecdsa-p384, rsa-3072 or rsa-4096")]
    UnsupportedKey {
        /// The certificate file.
        path: PathBuf,
        /// The key type found.
        found: String,
    },
    /// The certificate is expired or not yet valid.
    #[error("{path}: {reason}")]
    Validity {
        /// The certificate file.
        path: PathBuf,
        /// When it is valid.
        reason: String,
    },
    /// The certificate cannot serve as a CA of this node (basicConstraints, keyUsage).
    #[error("{path}: not usable as the {role} CA: {reason}")]
    NotACa {
        /// The certificate file.
        path: PathBuf,
        /// `root` or `issuing`.
        role: &'static str,
        /// What is missing.
        reason: String,
    },
    /// The certificates do not form a root and an issuing CA signed by it.
    #[error("{path}: {reason}")]
    Chain {
        /// The certificate file at fault.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The key file holds no private key tillit can read.
    #[error("{path}: {reason}")]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong, and how to convert it when it can be.
        reason: String,
    },
    /// The key is not of the certificate's key type.
    #[error("{key}: not a usable {algorithm} private key, which the key of {certificate} is")]
    KeyType {
        /// The key file or PKCS#11 URI (without PIN).
        key: String,
        /// The certificate.
        certificate: PathBuf,
        /// The certificate's key type.
        algorithm: KeyAlgorithm,
    },
    /// The key is not the certificate's.
    #[error("{key}: not the key of {certificate} (its public key differs from the certificate's)")]
    KeyMismatch {
        /// The key file or PKCS#11 URI (without PIN).
        key: String,
        /// The certificate.
        certificate: PathBuf,
    },
    /// The passphrase file is unusable.
    #[error("{path}: {reason}")]
    Passphrase {
        /// The passphrase file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A key on a PKCS#11 token cannot be opened.
    #[error("{key}: {error}")]
    Token {
        /// The PKCS#11 URI (without PIN).
        key: String,
        /// What went wrong (in the message, not chained: it is said once).
        error: SignerError,
    },
    /// A PKCS#11 URI given as a key is unusable.
    #[error("{0}")]
    KeyUri(String),
}

/// Where the private key of a CA to import is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKey {
    /// A PEM private key file: PKCS#8 (encrypted or not), or traditional `EC PRIVATE KEY` /
    /// `RSA PRIVATE KEY`. It is re-encrypted into the node's keystore, so the file can be
    /// removed afterwards.
    File(PathBuf),
    /// A key on a PKCS#11 token (RFC 7512 URI; `object=` is its label). It stays there.
    Pkcs11(Box<Pkcs11Uri>),
}

impl std::str::FromStr for ImportKey {
    type Err = CaError;

    /// A PKCS#11 URI (naming the module and the key's `object=`), else a file path.
    fn from_str(s: &str) -> Result<Self, CaError> {
        if !is_pkcs11_uri(s.trim()) {
            return Ok(ImportKey::File(PathBuf::from(s)));
        }
        let uri = pkcs11_uri_with_module(s.trim()).map_err(|e| match e {
            CaError::Keystore(reason) => ImportError::KeyUri(reason),
            other => ImportError::KeyUri(other.to_string()),
        })?;
        if uri.object().is_none_or(str::is_empty) {
            let reason = "the PKCS#11 URI names no key: add ;object=<the key's label>";
            return Err(ImportError::KeyUri(reason.into()).into());
        }
        Ok(ImportKey::Pkcs11(Box::new(uri)))
    }
}

impl ImportKey {
    /// The key as named in messages: the file, or the URI without its PIN.
    fn describe(&self) -> String {
        match self {
            ImportKey::File(path) => path.display().to_string(),
            ImportKey::Pkcs11(uri) => uri.without_pin().to_string(),
        }
    }
}

/// An existing hierarchy to import instead of creating one (`tillit ca import`): the
/// certificates of a root and of the issuing CA it signed, and their keys. The root's key is
/// optional: a root kept offline by its operator stays there, and this node then neither
/// publishes the root's CRL nor answers OCSP for it.
#[derive(Debug, Clone)]
pub struct ImportedCa {
    /// The issuing CA's certificate (PEM or DER).
    pub issuing_certificate: PathBuf,
    /// The root CA's certificate (PEM or DER).
    pub root_certificate: PathBuf,
    /// The issuing CA's key.
    pub issuing_key: ImportKey,
    /// The root CA's key, when it is to be on this node.
    pub root_key: Option<ImportKey>,
    /// The passphrase of encrypted PKCS#8 key files (first line).
    pub key_passphrase_file: Option<PathBuf>,
}

/// A hierarchy read and checked by [`ImportedCa::check`], for [`Authority::import`].
#[derive(Debug)]
pub struct CheckedImport {
    root: CheckedCa,
    issuing: CheckedCa,
}

#[derive(Debug)]
struct CheckedCa {
    certificate: Certificate,
    der: Vec<u8>,
    algorithm: KeyAlgorithm,
    key: Option<CheckedKey>,
}

/// A checked key: the PKCS#8 document of a key file, or the URI (without PIN) of a token key.
enum CheckedKey {
    File(Zeroizing<Vec<u8>>),
    Token(String),
}

impl std::fmt::Debug for CheckedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckedKey::File(_) => f.write_str("File(…)"),
            CheckedKey::Token(uri) => write!(f, "Token({uri})"),
        }
    }
}

/// A certificate file, parsed.
struct CertFile {
    path: PathBuf,
    certificate: Certificate,
    der: Vec<u8>,
    algorithm: KeyAlgorithm,
}

impl ImportedCa {
    /// The PKCS#11 URIs of the keys, as given (a `pin-value` in one is the token's PIN).
    pub fn pkcs11_uris(&self) -> Vec<&Pkcs11Uri> {
        [Some(&self.issuing_key), self.root_key.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|k| match k {
                ImportKey::Pkcs11(uri) => Some(uri.as_ref()),
                ImportKey::File(_) => None,
            })
            .collect()
    }

    /// Reads and checks the hierarchy, writing nothing: both certificates parse; each is a
    /// CA with a key type tillit supports and is valid now; the root is self-signed and its
    /// signature verifies; the issuing CA's issuer is the root's subject and its signature
    /// verifies with the root's key; each key given is its certificate's (a test signature
    /// verifies with the certificate's key).
    pub fn check(&self, keys: &KeyAccess<'_>) -> Result<CheckedImport, CaError> {
        let root = read_certificate(&self.root_certificate)?;
        let issuing = read_certificate(&self.issuing_certificate)?;
        let now = SystemTime::now();
        for cert in [&root, &issuing] {
            check_validity(cert, now)?;
        }
        check_ca(&root, ROOT, self.root_key.is_some())?;
        check_ca(&issuing, ISSUING, true)?;
        check_chain(&root, &issuing)?;
        let issuing_key = self.check_key(&self.issuing_key, &issuing, keys)?;
        let root_key = match &self.root_key {
            Some(key) => Some(self.check_key(key, &root, keys)?),
            None => None,
        };
        let checked = |cert: CertFile, key| CheckedCa {
            certificate: cert.certificate,
            der: cert.der,
            algorithm: cert.algorithm,
            key,
        };
        Ok(CheckedImport { root: checked(root, root_key), issuing: checked(issuing, Some(issuing_key)) })
    }

    /// Opens `key` and checks that it is `cert`'s: same public key, and a test signature
    /// verifies with the certificate's key.
    fn check_key(
        &self,
        key: &ImportKey,
        cert: &CertFile,
        keys: &KeyAccess<'_>,
    ) -> Result<CheckedKey, CaError> {
        let name = key.describe();
        let wrong_type = || ImportError::KeyType {
            key: name.clone(),
            certificate: cert.path.clone(),
            algorithm: cert.algorithm,
        };
        let (signer, checked): (Box<dyn Signer>, CheckedKey) = match key {
            ImportKey::File(path) => {
                let pkcs8 = read_key_file(path, cert.algorithm, self.key_passphrase_file.as_deref())?;
                let signer =
                    FileSigner::from_pkcs8(path, cert.algorithm, &pkcs8).map_err(|_| wrong_type())?;
                (Box::new(signer), CheckedKey::File(pkcs8))
            }
            ImportKey::Pkcs11(uri) => {
                let label = uri.object().unwrap_or_default();
                let signer = Pkcs11Signer::open(&keys.with_pin(uri)?, label, cert.algorithm)
                    .map_err(|error| ImportError::Token { key: name.clone(), error })?;
                (Box::new(signer), CheckedKey::Token(uri.without_pin().to_string()))
            }
        };
        let spki = &cert.certificate.tbs_certificate.subject_public_key_info;
        let message = b"tillit ca import: does this key sign for its certificate?";
        let signature = signer.sign(message)?;
        if !same_key(spki, signer.public_key())
            || !tillit_pki::signer::verify_signature(
                spki,
                &cert.algorithm.signature_algorithm(),
                message,
                &signature,
            )
        {
            return Err(ImportError::KeyMismatch { key: name, certificate: cert.path.clone() }.into());
        }
        Ok(checked)
    }
}

/// Whether two public keys are the same key (algorithm and key bits; an RSA key's absent
/// NULL parameters do not make it another key).
pub(super) fn same_key(a: &spki::SubjectPublicKeyInfoOwned, b: &spki::SubjectPublicKeyInfoOwned) -> bool {
    a.algorithm.oid == b.algorithm.oid && a.subject_public_key == b.subject_public_key
}

/// The PEM blocks of a text: label and the block's text, BEGIN to END line.
fn pem_blocks(text: &str) -> Vec<(&str, &str)> {
    const BEGIN: &str = "-----BEGIN ";
    let mut blocks = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(BEGIN) {
        let begin = from + found;
        let after = begin + BEGIN.len();
        let Some(label_len) = text[after..].find("-----") else { break };
        let label = &text[after..after + label_len];
        let end_line = format!("-----END {label}-----");
        let Some(end) = text[after..].find(&end_line) else { break };
        let end = after + end + end_line.len();
        blocks.push((label, &text[begin..end]));
        from = end;
    }
    blocks
}

/// A certificate file: PEM (one `CERTIFICATE` block; text around it is ignored) or DER.
fn read_certificate(path: &Path) -> Result<CertFile, ImportError> {
    let bytes = std::fs::read(path).map_err(|error| ImportError::Read { path: path.to_owned(), error })?;
    let not_a_cert = |reason: String| ImportError::NotACertificate { path: path.to_owned(), reason };
    let der = match std::str::from_utf8(&bytes).ok().map(pem_blocks).filter(|b| !b.is_empty()) {
        None => bytes.clone(),
        Some(blocks) => {
            let certs: Vec<&str> =
                blocks.iter().filter(|(label, _)| *label == "CERTIFICATE").map(|(_, b)| *b).collect();
            match certs.as_slice() {
                [one] => der::pem::decode_vec(one.as_bytes()).map_err(|e| not_a_cert(e.to_string()))?.1,
                [] => return Err(not_a_cert("no CERTIFICATE block in the PEM".into())),
                more => {
                    return Err(not_a_cert(format!(
                        "{} certificates; give one certificate per file",
                        more.len()
                    )))
                }
            }
        }
    };
    let certificate = Certificate::from_der(&der).map_err(|e| not_a_cert(e.to_string()))?;
    let algorithm = key_algorithm_of(&certificate.tbs_certificate.subject_public_key_info)
        .map_err(|found| ImportError::UnsupportedKey { path: path.to_owned(), found })?;
    Ok(CertFile { path: path.to_owned(), certificate, der, algorithm })
}

/// The tillit key type of a certificate's key, or what the key is when it is none.
fn key_algorithm_of(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<KeyAlgorithm, String> {
    use tillit_pki::signer::oid;
    const SECP521R1: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.35");
    const ED25519: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.101.112");
    const ED448: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.101.113");
    const RSASSA_PSS: der::asn1::ObjectIdentifier =
        der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
    match spki.algorithm.oid {
        oid::EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
            match curve {
                Some(oid::SECP256R1) => Ok(KeyAlgorithm::EcdsaP256),
                Some(oid::SECP384R1) => Ok(KeyAlgorithm::EcdsaP384),
                Some(SECP521R1) => Err("an ECDSA key on P-521".into()),
                Some(other) => Err(format!("an EC key on curve {other}")),
                None => Err("an EC key without a named curve".into()),
            }
        }
        oid::RSA_ENCRYPTION => {
            #[derive(der::Sequence)]
            struct RsaPublicKey<'a> {
                modulus: der::asn1::UintRef<'a>,
                public_exponent: der::asn1::UintRef<'a>,
            }
            let key = RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
                .map_err(|_| "an RSA key that cannot be read".to_owned())?;
            let modulus = key.modulus.as_bytes();
            let bits =
                (modulus.len() * 8).saturating_sub(modulus.first().map_or(0, |b| b.leading_zeros() as usize));
            match bits {
                3072 => Ok(KeyAlgorithm::Rsa3072),
                4096 => Ok(KeyAlgorithm::Rsa4096),
                _ => Err(format!("an RSA {bits}-bit key")),
            }
        }
        ED25519 => Err("an Ed25519 key".into()),
        ED448 => Err("an Ed448 key".into()),
        RSASSA_PSS => Err("an RSASSA-PSS key".into()),
        other => Err(format!("a key of type {other}")),
    }
}

fn rfc3339(at: SystemTime) -> String {
    time::OffsetDateTime::from(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{at:?}"))
}

/// The certificate is valid now.
fn check_validity(cert: &CertFile, now: SystemTime) -> Result<(), ImportError> {
    let validity = &cert.certificate.tbs_certificate.validity;
    let (from, until) = (validity.not_before.to_system_time(), validity.not_after.to_system_time());
    let reason = if until <= now {
        format!("the certificate expired at {}", rfc3339(until))
    } else if from > now {
        format!("the certificate is not valid before {}", rfc3339(from))
    } else {
        return Ok(());
    };
    Err(ImportError::Validity { path: cert.path.clone(), reason })
}

/// The certificate is a CA's: basicConstraints CA:TRUE, and keyUsage keyCertSign (and
/// cRLSign when this node is to sign CRLs with its key). A root without keyUsage is taken:
/// it is a trust anchor, and some old roots have none.
fn check_ca(cert: &CertFile, role: &'static str, signs_crls: bool) -> Result<(), ImportError> {
    use der::oid::AssociatedOid as _;
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
    let refuse =
        |reason: &str| ImportError::NotACa { path: cert.path.clone(), role, reason: reason.to_owned() };
    let extension =
        |oid| cert.certificate.tbs_certificate.extensions.iter().flatten().find(|e| e.extn_id == oid);
    let constraints = extension(BasicConstraints::OID)
        .map(|e| BasicConstraints::from_der(e.extn_value.as_bytes()))
        .transpose()
        .map_err(|_| refuse("its basicConstraints extension cannot be read"))?;
    if !constraints.is_some_and(|c| c.ca) {
        return Err(refuse("it is not a CA certificate (no basicConstraints CA:TRUE)"));
    }
    let usage = extension(KeyUsage::OID)
        .map(|e| KeyUsage::from_der(e.extn_value.as_bytes()))
        .transpose()
        .map_err(|_| refuse("its keyUsage extension cannot be read"))?;
    match usage {
        None if role == ROOT => Ok(()),
        None => Err(refuse("it has no keyUsage extension; a CA certificate needs keyCertSign and cRLSign")),
        Some(usage) if !usage.key_cert_sign() => Err(refuse("its keyUsage lacks keyCertSign")),
        Some(usage) if signs_crls && !usage.crl_sign() => {
            Err(refuse("its keyUsage lacks cRLSign, which this node needs to sign the CA's CRLs"))
        }
        Some(_) => Ok(()),
    }
}

/// Whether `cert`'s signature verifies with `issuer`'s key.
fn signed_by(cert: &CertFile, issuer: &CertFile) -> bool {
    let Ok(tbs) = cert.certificate.tbs_certificate.to_der() else { return false };
    tillit_pki::signer::verify_signature(
        &issuer.certificate.tbs_certificate.subject_public_key_info,
        &cert.certificate.signature_algorithm,
        &tbs,
        cert.certificate.signature.raw_bytes(),
    )
}

/// The root is self-signed, and the issuing CA is directly below it.
fn check_chain(root: &CertFile, issuing: &CertFile) -> Result<(), ImportError> {
    use der::oid::AssociatedOid as _;
    use x509_cert::ext::pkix::BasicConstraints;
    let chain = |cert: &CertFile, reason: String| ImportError::Chain { path: cert.path.clone(), reason };
    let (root_tbs, issuing_tbs) = (&root.certificate.tbs_certificate, &issuing.certificate.tbs_certificate);
    if root.der == issuing.der {
        return Err(chain(
            issuing,
            format!(
                "the root certificate itself (as {}); give the issuing CA's certificate",
                root.path.display()
            ),
        ));
    }
    if root_tbs.issuer != root_tbs.subject {
        return Err(chain(
            root,
            format!("not a root: it is not self-signed but issued by \"{}\"; tillit imports a root and the issuing CA it signed", root_tbs.issuer),
        ));
    }
    if !signed_by(root, root) {
        return Err(chain(
            root,
            format!(
                "its self-signature does not verify (signature algorithm {})",
                root.certificate.signature_algorithm.oid
            ),
        ));
    }
    if issuing_tbs.issuer != root_tbs.subject {
        return Err(chain(
            issuing,
            format!(
                "issued by \"{}\", not by the root {} (\"{}\"); tillit imports a root and the issuing CA it signed",
                issuing_tbs.issuer,
                root.path.display(),
                root_tbs.subject
            ),
        ));
    }
    if !signed_by(issuing, root) {
        return Err(chain(
            issuing,
            format!(
                "its signature (algorithm {}) does not verify with the key of the root {}",
                issuing.certificate.signature_algorithm.oid,
                root.path.display()
            ),
        ));
    }
    let root_path_len = root_tbs
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == BasicConstraints::OID)
        .and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok())
        .and_then(|c| c.path_len_constraint);
    if root_path_len == Some(0) {
        return Err(chain(root, "its basicConstraints pathLenConstraint 0 allows no CA below it".into()));
    }
    Ok(())
}

/// The private key in a PEM key file as a PKCS#8 document (the traditional SEC1 and PKCS#1
/// forms rewrapped, RFC 5208), for a key of `algorithm`.
fn read_key_file(
    path: &Path,
    algorithm: KeyAlgorithm,
    passphrase_file: Option<&Path>,
) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let refuse = |reason: String| ImportError::KeyFile { path: path.to_owned(), reason };
    let text = Zeroizing::new(
        std::fs::read(path).map_err(|error| ImportError::Read { path: path.to_owned(), error })?,
    );
    let text = std::str::from_utf8(&text).map_err(|_| refuse("not a PEM private key file".into()))?;
    let convert = format!(
        "convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in {} -out key.p8.pem` and import that with --key-passphrase-file",
        path.display()
    );
    let (label, block) = pem_blocks(text)
        .into_iter()
        .find(|(label, _)| label.ends_with("PRIVATE KEY"))
        .ok_or_else(|| refuse("no private key in it (a PEM block such as BEGIN PRIVATE KEY)".into()))?;
    if block.contains("Proc-Type:") {
        return Err(refuse(format!("an encrypted traditional {label}, which tillit cannot read: {convert}")));
    }
    let decoded = || {
        der::pem::decode_vec(block.as_bytes())
            .map(|(_, der)| Zeroizing::new(der))
            .map_err(|e| refuse(format!("its {label} block cannot be read: {e}")))
    };
    let wrap = |key_algorithm: AlgorithmIdentifierOwned| -> Result<Zeroizing<Vec<u8>>, ImportError> {
        #[derive(der::Sequence)]
        struct PrivateKeyInfo<'a> {
            version: u8,
            algorithm: AlgorithmIdentifierOwned,
            private_key: der::asn1::OctetStringRef<'a>,
        }
        let inner = decoded()?;
        let info = PrivateKeyInfo {
            version: 0,
            algorithm: key_algorithm,
            private_key: der::asn1::OctetStringRef::new(&inner)
                .map_err(|e| refuse(format!("its {label} block cannot be read: {e}")))?,
        };
        Ok(Zeroizing::new(info.to_der().map_err(|e| refuse(format!("cannot rewrap its {label}: {e}")))?))
    };
    use tillit_pki::signer::oid;
    match label {
        "PRIVATE KEY" => decoded(),
        "ENCRYPTED PRIVATE KEY" => {
            let Some(file) = passphrase_file else {
                return Err(refuse(
                    "the key is encrypted: give its passphrase with --key-passphrase-file".into(),
                ));
            };
            let passphrase = Passphrase::from_file(file).map_err(|e| match e {
                tillit_pki::KeystoreError::WeakPassphrase => ImportError::Passphrase {
                    path: file.to_owned(),
                    reason: format!(
                        "the passphrase is shorter than 12 characters, which tillit cannot take: re-encrypt the key with a longer one (`openssl pkcs8 -topk8 -v2 aes-256-cbc -in {} -out key.p8.pem`)",
                        path.display()
                    ),
                },
                other => ImportError::Passphrase { path: file.to_owned(), reason: other.to_string() },
            })?;
            tillit_pki::keystore::read_encrypted_pkcs8(path, &passphrase).map_err(|_| {
                refuse(format!(
                    "cannot decrypt the key with the passphrase in {} (a wrong passphrase, or an encryption tillit cannot read: re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`)",
                    file.display()
                ))
            })
        }
        "EC PRIVATE KEY" if !algorithm.is_rsa() => wrap(AlgorithmIdentifierOwned {
            oid: oid::EC_PUBLIC_KEY,
            parameters: Some(algorithm.curve().into()),
        }),
        "RSA PRIVATE KEY" if algorithm.is_rsa() => wrap(AlgorithmIdentifierOwned {
            oid: oid::RSA_ENCRYPTION,
            parameters: Some(der::asn1::AnyRef::NULL.into()),
        }),
        // A traditional key of the other family: the certificate's key is not this one.
        "EC PRIVATE KEY" | "RSA PRIVATE KEY" => {
            Err(refuse(format!("an {label}, but the certificate's key is {algorithm}")))
        }
        _ => Err(refuse(format!("a {label}, which tillit cannot read: {convert}"))),
    }
}

impl Authority {
    /// Records an imported hierarchy in a new data directory `dir`: file keys re-encrypted
    /// into the keystore (`keys/ca-root.pem`, `keys/ca-issuing.pem`) under the node's
    /// passphrase, token keys by their URI (without PIN), a root without key with
    /// [`NO_KEY`]; the CAs, the issuing CA's certificate (as one the root issued) and a
    /// `ca.imported` audit entry per CA in one transaction.
    pub async fn import(
        store: &Store,
        dir: &Path,
        keys: &KeyAccess<'_>,
        checked: CheckedImport,
    ) -> Result<(), CaError> {
        let mut cas = Vec::with_capacity(2);
        for (name, parent, ca) in [(ROOT, None, &checked.root), (ISSUING, Some(ROOT), &checked.issuing)] {
            let key_ref = match &ca.key {
                None => NO_KEY.to_owned(),
                Some(CheckedKey::File(pkcs8)) => {
                    tillit_pki::keystore::write_encrypted_pkcs8(
                        &dir.join(key_file(name)),
                        pkcs8,
                        keys.passphrase,
                    )
                    .map_err(SignerError::from)?;
                    key_file(name)
                }
                Some(CheckedKey::Token(uri)) => uri.clone(),
            };
            cas.push(NewCa {
                name,
                parent,
                certificate: &ca.certificate,
                der: &ca.der,
                algorithm: ca.algorithm,
                key_ref,
            });
        }
        record_hierarchy(store, &cas, &Actor::system("import"), "ca.imported").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_type_of_every_supported_key_is_read_from_its_public_key() {
        for alg in KeyAlgorithm::ALL {
            let pkcs8 = tillit_pki::signer::generate_pkcs8(alg).unwrap();
            let signer = FileSigner::from_pkcs8(Path::new("test"), alg, &pkcs8).unwrap();
            assert_eq!(key_algorithm_of(signer.public_key()), Ok(alg));
        }
    }

    #[test]
    fn pem_blocks_are_found_among_other_text() {
        let text = "Certificate:\n  text\n-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n\
                    -----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\ntrailing\n";
        let blocks = pem_blocks(text);
        let labels: Vec<&str> = blocks.iter().map(|(label, _)| *label).collect();
        assert_eq!(labels, ["EC PARAMETERS", "EC PRIVATE KEY"]);
        assert!(blocks[1].1.starts_with("-----BEGIN EC PRIVATE KEY") && blocks[1].1.ends_with("KEY-----"));
        assert!(pem_blocks("-----BEGIN X-----\nno end\n").is_empty());
    }
}
