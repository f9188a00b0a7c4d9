//! PKCS#12 (RFC 7292) files as OpenSSL 3 writes them by default, so `openssl pkcs12`
//! reads them without `-legacy`: the private key in a PKCS#8 shrouded key bag and the
//! certificates in an encrypted safe, both under PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
//! and the whole authenticated with HMAC-SHA256 keyed by the PKCS#12 KDF.
//!
//! The ASN.1 types are RustCrypto's (`pkcs12`, `cms`, `pkcs8`): the same `der`, `spki` and
//! `x509-cert` the rest of the workspace uses.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::encrypted_data::EncryptedData;
use cms::enveloped_data::EncryptedContentInfo;
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{BmpString, Null, OctetString, SetOfVec};
use der::{Any, Decode as _, Encode as _};
use hmac::{Hmac, Mac as _};
use pkcs12::cert_type::CertBag;
use pkcs12::digest_info::DigestInfo;
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs12::mac_data::MacData;
use pkcs12::pfx::{Pfx, Version};
use pkcs12::safe_bag::SafeBag;
use pkcs8::pkcs5::pbes2;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};
use x509_cert::attr::Attribute;

/// PBKDF2 and MAC iterations. The one-time password has about 124 random bits, so the count
/// matters little; it is OpenSSL's order of magnitude for a password a person chose.
const ITERATIONS: u32 = 100_000;
const SALT_LEN: usize = 16;

/// PKCS#9 friendlyName.
const FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
/// PKCS#9 localKeyId: pairs the key with its certificate.
const LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

/// Why a PKCS#12 file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PfxError {
    /// An ASN.1 structure could not be encoded (or a given one decoded).
    #[error("PKCS#12 encoding: {0}")]
    Der(#[from] der::Error),
    /// The key or certificates could not be encrypted.
    #[error("PKCS#12 encryption: {0}")]
    Encrypt(String),
}

/// A PKCS#12 file holding `key` (an unencrypted PKCS#8 document) and `chain` (DER
/// certificates, the key's own first, then its issuers), protected with `password`.
/// `friendly_name` labels the key and its certificate in key stores that show one.
pub fn encode(key: &[u8], chain: &[&[u8]], friendly_name: &str, password: &str) -> Result<Vec<u8>, PfxError> {
    let leaf = chain.first().ok_or_else(|| PfxError::Encrypt("no certificate".into()))?;
    let key_id = Sha256::digest(leaf).to_vec();
    let attributes = |with_name: bool| -> Result<SetOfVec<Attribute>, PfxError> {
        let mut set = SetOfVec::new();
        set.insert(attribute(LOCAL_KEY_ID, Any::encode_from(&OctetString::new(key_id.clone())?)?)?)?;
        if with_name {
            set.insert(attribute(FRIENDLY_NAME, Any::encode_from(&BmpString::from_utf8(friendly_name)?)?)?)?;
        }
        Ok(set)
    };

    // The key: a PKCS#8 shrouded key bag in a plain data safe (the bag is encrypted).
    let (salt, iv) = (random::<SALT_LEN>(), random::<16>());
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(ITERATIONS, &salt, &iv).map_err(encrypt_err)?;
    let shrouded = pkcs8::PrivateKeyInfo::try_from(key)
        .map_err(encrypt_err)?
        .encrypt_with_params(params, password)
        .map_err(encrypt_err)?;
    let key_bag = SafeBag {
        bag_id: pkcs12::PKCS_12_PKCS8_KEY_BAG_OID,
        bag_value: shrouded.as_bytes().to_vec(),
        bag_attributes: Some(attributes(true)?),
    };
    let key_safe = ContentInfo {
        content_type: rfc5911::ID_DATA,
        content: Any::encode_from(&OctetString::new(vec![key_bag].to_der()?)?)?,
    };

    // The certificates: cert bags in an encrypted-data safe.
    let mut cert_bags = Vec::with_capacity(chain.len());
    for (i, der) in chain.iter().enumerate() {
        let bag =
            CertBag { cert_id: pkcs12::PKCS_12_X509_CERT_OID, cert_value: OctetString::new(der.to_vec())? };
        cert_bags.push(SafeBag {
            bag_id: pkcs12::PKCS_12_CERT_BAG_OID,
            bag_value: bag.to_der()?,
            bag_attributes: if i == 0 { Some(attributes(true)?) } else { None },
        });
    }
    let (salt, iv) = (random::<SALT_LEN>(), random::<16>());
    let params = pbes2::Parameters::pbkdf2_sha256_aes256cbc(ITERATIONS, &salt, &iv).map_err(encrypt_err)?;
    let encrypted = params.encrypt(password, &cert_bags.to_der()?).map_err(encrypt_err)?;
    let cert_safe = ContentInfo {
        content_type: rfc5911::ID_ENCRYPTED_DATA,
        content: Any::encode_from(&EncryptedData {
            version: CmsVersion::V0,
            enc_content_info: EncryptedContentInfo {
                content_type: rfc5911::ID_DATA,
                content_enc_alg: AlgorithmIdentifierOwned {
                    oid: pbes2::PBES2_OID,
                    parameters: Some(Any::encode_from(&params)?),
                },
                encrypted_content: Some(OctetString::new(encrypted)?),
            },
            unprotected_attrs: None,
        })?,
    };

    // The authenticated safe and its MAC.
    let auth_safe = vec![cert_safe, key_safe].to_der()?;
    let mac_salt = random::<SALT_LEN>();
    let mac_key = zeroize::Zeroizing::new(derive_key_utf8::<Sha256>(
        password,
        &mac_salt,
        Pkcs12KeyType::Mac,
        ITERATIONS as i32,
        32,
    )?);
    let mut mac = <Hmac<Sha256>>::new_from_slice(&mac_key).map_err(|e| PfxError::Encrypt(e.to_string()))?;
    mac.update(&auth_safe);
    let pfx = Pfx {
        version: Version::V3,
        auth_safe: ContentInfo {
            content_type: rfc5911::ID_DATA,
            content: Any::encode_from(&OctetString::new(auth_safe)?)?,
        },
        mac_data: Some(MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: rfc5912::ID_SHA_256,
                    parameters: Some(Any::encode_from(&Null)?),
                },
                digest: OctetString::new(mac.finalize().into_bytes().to_vec())?,
            },
            mac_salt: OctetString::new(mac_salt.to_vec())?,
            iterations: ITERATIONS as i32,
        }),
    };
    let der = pfx.to_der()?;
    // What was written reads back as a PFX (a cheap guard against an encoder mistake).
    Pfx::from_der(&der)?;
    Ok(der)
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn encrypt_err(e: impl std::fmt::Display) -> PfxError {
    PfxError::Encrypt(e.to_string())
}
