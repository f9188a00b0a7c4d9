//! Officers' passkeys (WebAuthn, docs/design/portal.md §1): the checks a relying party makes
//! on a registration (attestation `"none"`: no attestation statement is verified; trust in a
//! passkey comes from how it was enrolled) and on an assertion, and the passkey signature
//! stored with an audit entry ([`PasskeySignature`], format 2), which `tillit audit verify`
//! checks offline like the certificate signature of format 1 ([`ActorSignature`]).
//!
//! No WebAuthn library: `ciborium` reads the CBOR, `coset` the COSE keys, and the signatures
//! are verified by ring through [`tillit_pki::signer::verify_signature`]. The keys offered
//! are ES256 (ECDSA P-256, SHA-256), EdDSA (Ed25519) and RS256 (RSA PKCS#1 v1.5, SHA-256,
//! 2048 bits or more).
//!
//! An action is signed by asking the authenticator for an assertion over the challenge
//! `SHA-256(action_text ‖ nonce)`, where the nonce is exactly 32 bytes at the end, so the split
//! is unambiguous ([`challenge`]).

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use coset::cbor::value::Value;
use coset::iana::{self, EnumI64 as _};
use coset::{CborSerializable as _, CoseKey, KeyType, Label, RegisteredLabelWithPrivate};
use der::asn1::{BitString, UintRef};
use der::Encode as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use tillit_pki::signer::oid;

use super::action::ActorSignature;

/// The audit action that records a registered passkey (system chain).
pub const REGISTERED: &str = "passkey.registered";
/// The audit action that records a removed passkey (system chain).
pub const REMOVED: &str = "passkey.removed";

/// authenticatorData flag: the user was present.
pub const FLAG_UP: u8 = 0x01;
/// authenticatorData flag: the user was verified (PIN, biometrics).
pub const FLAG_UV: u8 = 0x04;
/// authenticatorData flag: the credential may be backed up (synced passkey).
pub const FLAG_BE: u8 = 0x08;
/// authenticatorData flag: the credential is backed up.
pub const FLAG_BS: u8 = 0x10;
/// authenticatorData flag: attested credential data follow.
pub const FLAG_AT: u8 = 0x40;
/// authenticatorData flag: extensions follow.
pub const FLAG_ED: u8 = 0x80;

/// The length of an action's nonce.
pub const NONCE_LEN: usize = 32;
/// The longest credential id accepted (WebAuthn L3 §7.1 step 23).
pub const MAX_CREDENTIAL_ID: usize = 1023;

/// COSE algorithm ES256: ECDSA on P-256 with SHA-256.
pub const ES256: i64 = -7;
/// COSE algorithm EdDSA (Ed25519 for an OKP key).
pub const EDDSA: i64 = -8;
/// COSE algorithm Ed25519 (the fully specified identifier for EdDSA on Ed25519).
pub const ED25519: i64 = -19;
/// COSE algorithm RS256: RSA PKCS#1 v1.5 with SHA-256.
pub const RS256: i64 = -257;

/// The challenge of an action: `SHA-256(action_text ‖ nonce)`.
pub fn challenge(message: &str, nonce: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(message.as_bytes());
    h.update(nonce);
    h.finalize().into()
}

/// An officer's passkey signature over an action (a WebAuthn assertion), stored as the audit
/// entry's `actor_signature`; self-contained, so it is checked offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySignature {
    /// Format version (2).
    pub v: u8,
    /// The signed text ([`super::action::action_text`]), as in format 1.
    pub message: String,
    /// The 32-byte server nonce, base64url.
    pub nonce: String,
    /// The relying party id the passkey is bound to ("localhost", "ra.example.se").
    pub rp_id: String,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The credential's public key as registered: SubjectPublicKeyInfo DER, base64.
    pub public_key: String,
    /// authenticatorData, base64url, as received.
    pub authenticator_data: String,
    /// clientDataJSON, base64url, as received (the exact bytes: they are hashed).
    pub client_data_json: String,
    /// The signature, base64url (ASN.1 DER for ES256, as WebAuthn sends it).
    pub signature: String,
}

/// What a verified passkey signature says about the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPasskey {
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The credential's key, SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
    /// The authenticator's signature counter (0: the authenticator keeps none).
    pub sign_count: u32,
    /// The authenticatorData flags.
    pub flags: u8,
}

fn b64url(field: &str, value: &str) -> Result<Vec<u8>, String> {
    B64URL.decode(value).map_err(|_| format!("{field} is not base64url"))
}

impl PasskeySignature {
    /// The format version of a passkey signature.
    pub const VERSION: u8 = 2;

    /// Checks the assertion offline: the client data (type `webauthn.get`, this action's
    /// challenge, not cross-origin, an origin on the RP id), the authenticator data (the RP
    /// id's hash, the user present and verified), and the signature over
    /// `authenticatorData ‖ SHA-256(clientDataJSON)` with the stored key. `Err` says what is
    /// wrong.
    pub fn verify(&self) -> Result<VerifiedPasskey, String> {
        if self.v != Self::VERSION {
            return Err(format!("unknown signature format {}", self.v));
        }
        let nonce = b64url("the nonce", &self.nonce)?;
        if nonce.len() != NONCE_LEN {
            return Err(format!("the nonce is {} bytes, not {NONCE_LEN}", nonce.len()));
        }
        let credential_id = b64url("the credential id", &self.credential_id)?;
        if credential_id.is_empty() || credential_id.len() > MAX_CREDENTIAL_ID {
            return Err("the credential id is empty or longer than 1023 bytes".into());
        }
        let spki = B64.decode(&self.public_key).map_err(|_| "the public key is not base64".to_string())?;
        let authenticator_data = b64url("authenticatorData", &self.authenticator_data)?;
        let client_data_json = b64url("clientDataJSON", &self.client_data_json)?;
        let signature = b64url("the signature", &self.signature)?;

        // 1. The client data: what the browser says it asked the authenticator to sign.
        let expected = B64URL.encode(challenge(&self.message, &nonce));
        let client = client_data(
            &client_data_json,
            "webauthn.get",
            &expected,
            "this action (SHA-256 of the action text and nonce)",
        )?;
        let host = origin_host(&client.origin)?;
        if !host_on_rp_id(&host, &self.rp_id) {
            return Err(format!(
                "clientDataJSON.origin {:?} is not on the RP id {:?}",
                client.origin, self.rp_id
            ));
        }
        // 2. The authenticator data.
        let data = AuthenticatorData::parse(&authenticator_data)?;
        data.check(&self.rp_id)?;
        // 3. The signature, with the key registered.
        verify_with_spki(&spki, &authenticator_data, &client_data_json, &signature)?;
        Ok(VerifiedPasskey { credential_id, spki, sign_count: data.sign_count, flags: data.flags })
    }

    /// The stored form.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the stored form.
    pub fn from_bytes(bytes: &[u8]) -> Result<PasskeySignature, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a passkey signature: {e}"))
    }
}

/// Verifies a WebAuthn signature over `authenticatorData ‖ SHA-256(clientDataJSON)` with a key
/// given as SubjectPublicKeyInfo DER: ES256 for a P-256 key, RS256 for an RSA key, EdDSA for an
/// Ed25519 key.
pub fn verify_with_spki(
    spki: &[u8],
    authenticator_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let spki = tillit_pki::signer::spki_from_der(spki)
        .map_err(|_| "the public key is not a SubjectPublicKeyInfo".to_string())?;
    let alg = |oid| AlgorithmIdentifierOwned { oid, parameters: None };
    let curve =
        spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok());
    let algorithm = match (spki.algorithm.oid, curve) {
        (oid::EC_PUBLIC_KEY, Some(oid::SECP256R1)) => alg(oid::ECDSA_SHA256),
        (oid::RSA_ENCRYPTION, _) => alg(oid::SHA256_WITH_RSA),
        (oid::ED25519, _) => alg(oid::ED25519),
        _ => return Err("the credential's key is not ES256, EdDSA or RS256".into()),
    };
    let mut signed = authenticator_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    if tillit_pki::signer::verify_signature(&spki, &algorithm, &signed, signature) {
        Ok(())
    } else {
        Err("the signature does not verify with the credential's key".into())
    }
}

/// Checks an assertion (`navigator.credentials.get`) made for `challenge`, as at sign-in
/// (WebAuthn L3 §7.2, the checks that need no stored state): clientDataJSON (type
/// `webauthn.get`, the challenge, an allowed origin, not cross-origin), authenticatorData (the
/// RP id's hash, UP and UV) and the signature with the registered key `spki`. The caller checks
/// that the credential is registered, not removed, and its counter.
pub fn verify_assertion(
    spki: &[u8],
    authenticator_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
    challenge: &[u8],
    rp_id: &str,
    origins: &[String],
) -> Result<AuthenticatorData, String> {
    let client = client_data(client_data_json, "webauthn.get", &B64URL.encode(challenge), "this sign-in")?;
    if !origins.contains(&client.origin) {
        return Err(format!("clientDataJSON.origin {:?} is not an allowed origin", client.origin));
    }
    let data = AuthenticatorData::parse(authenticator_data)?;
    data.check(rp_id)?;
    verify_with_spki(spki, authenticator_data, client_data_json, signature)?;
    Ok(data)
}

/// The origin named in clientDataJSON, for a check against the allowed origins beside
/// [`PasskeySignature::verify`] (which, offline, knows only the RP id).
pub fn client_origin(client_data_json: &[u8]) -> Result<String, String> {
    #[derive(Deserialize)]
    struct Origin {
        origin: String,
    }
    serde_json::from_slice::<Origin>(client_data_json)
        .map(|o| o.origin)
        .map_err(|e| format!("clientDataJSON is not as WebAuthn writes it: {e}"))
}

/// An officer's signature as stored with an audit entry, of either format: read by its `v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficerSignature {
    /// Format 1: a signature with a key whose certificate this node issued.
    Certificate(ActorSignature),
    /// Format 2: a passkey (WebAuthn) assertion.
    Passkey(PasskeySignature),
}

impl OfficerSignature {
    /// Reads the stored form, choosing the format by its `v`.
    pub fn from_bytes(bytes: &[u8]) -> Result<OfficerSignature, String> {
        #[derive(Deserialize)]
        struct Version {
            v: u8,
        }
        let version: Version =
            serde_json::from_slice(bytes).map_err(|e| format!("not an officer signature: {e}"))?;
        match version.v {
            1 => ActorSignature::from_bytes(bytes).map(OfficerSignature::Certificate),
            PasskeySignature::VERSION => PasskeySignature::from_bytes(bytes).map(OfficerSignature::Passkey),
            v => Err(format!("unknown signature format {v}")),
        }
    }

    /// Checks the signature itself, offline (format 1: with the certificate stored beside it;
    /// format 2: the WebAuthn assertion). Whether the certificate is one this node issued, or
    /// the passkey one registered to the actor, is the caller's check (`tillit audit verify`).
    pub fn verify(&self) -> Result<(), String> {
        match self {
            OfficerSignature::Certificate(s) => s.verify().map(|_| ()),
            OfficerSignature::Passkey(s) => s.verify().map(|_| ()),
        }
    }

    /// The signed action text.
    pub fn message(&self) -> &str {
        match self {
            OfficerSignature::Certificate(s) => &s.message,
            OfficerSignature::Passkey(s) => &s.message,
        }
    }

    /// The stored form.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            OfficerSignature::Certificate(s) => s.to_bytes(),
            OfficerSignature::Passkey(s) => s.to_bytes(),
        }
    }
}

/// clientDataJSON's members that the checks read.
#[derive(Debug, Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
}

/// Parses clientDataJSON and checks its type, challenge (base64url, no padding) and that it
/// was not made in a cross-origin frame.
fn client_data(bytes: &[u8], kind: &str, challenge: &str, whose: &str) -> Result<ClientData, String> {
    let data: ClientData = serde_json::from_slice(bytes)
        .map_err(|e| format!("clientDataJSON is not as WebAuthn writes it: {e}"))?;
    if data.kind != kind {
        return Err(format!("clientDataJSON.type is {:?}, not {kind:?}", data.kind));
    }
    if data.challenge != challenge {
        return Err(format!("clientDataJSON.challenge is not the challenge of {whose}"));
    }
    if data.cross_origin == Some(true) {
        return Err("clientDataJSON.crossOrigin is true: the ceremony ran in a cross-origin frame".into());
    }
    Ok(data)
}

/// The host of a serialised origin (`https://ra.example.se`, `http://localhost:8080`),
/// lowercase. Plain `http` only for `localhost` (the one non-HTTPS secure context WebAuthn
/// allows); IP literals are not valid RP ids.
fn origin_host(origin: &str) -> Result<String, String> {
    let bad = || format!("clientDataJSON.origin {origin:?} is not an https origin");
    let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', '[', ']']) {
        return Err(bad());
    }
    let host = match rest.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return Err(bad()),
        None => rest,
    }
    .to_ascii_lowercase();
    match scheme {
        "https" => Ok(host),
        "http" if host == "localhost" => Ok(host),
        _ => Err(bad()),
    }
}

/// True when `host` is the RP id or a subdomain of it (WebAuthn L3 §5.1.4.1).
fn host_on_rp_id(host: &str, rp_id: &str) -> bool {
    let rp_id = rp_id.to_ascii_lowercase();
    !rp_id.is_empty()
        && (host == rp_id || host.strip_suffix(rp_id.as_str()).is_some_and(|p| p.ends_with('.')))
}

/// authenticatorData (WebAuthn L3 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorData {
    /// SHA-256 of the RP id.
    pub rp_id_hash: [u8; 32],
    /// The flags ([`FLAG_UP`], [`FLAG_UV`], …).
    pub flags: u8,
    /// The signature counter.
    pub sign_count: u32,
    /// The attested credential, when [`FLAG_AT`] is set (registration).
    pub attested: Option<AttestedCredential>,
}

/// The credential in a registration's authenticatorData.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredential {
    /// The authenticator model's AAGUID (zeros for most synced passkeys).
    pub aaguid: [u8; 16],
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The credential's public key, COSE_Key CBOR, exactly the bytes the authenticator sent.
    pub cose_key: Vec<u8>,
}

impl AuthenticatorData {
    /// Parses authenticatorData: the fixed 37 bytes, then, per the flags, the attested
    /// credential and the extensions (a CBOR map); nothing may follow.
    pub fn parse(bytes: &[u8]) -> Result<AuthenticatorData, String> {
        if bytes.len() < 37 {
            return Err(format!("authenticatorData is {} bytes, fewer than 37", bytes.len()));
        }
        let mut rp_id_hash = [0; 32];
        rp_id_hash.copy_from_slice(&bytes[..32]);
        let flags = bytes[32];
        let sign_count = u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]);
        let mut rest = &bytes[37..];
        let attested = if flags & FLAG_AT != 0 {
            let short = || "authenticatorData: the attested credential data are cut short".to_string();
            if rest.len() < 18 {
                return Err(short());
            }
            let mut aaguid = [0; 16];
            aaguid.copy_from_slice(&rest[..16]);
            let id_len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
            rest = &rest[18..];
            if id_len == 0 || id_len > MAX_CREDENTIAL_ID {
                return Err(format!("the credential id is {id_len} bytes: 1 to {MAX_CREDENTIAL_ID} allowed"));
            }
            if rest.len() < id_len {
                return Err(short());
            }
            let credential_id = rest[..id_len].to_vec();
            rest = &rest[id_len..];
            // The COSE key is one CBOR item; extensions may follow it, so its length is what
            // the CBOR reader consumed.
            let before = rest;
            let _: Value = ciborium::de::from_reader(&mut rest)
                .map_err(|_| "authenticatorData: the credential public key is not CBOR".to_string())?;
            let cose_key = before[..before.len() - rest.len()].to_vec();
            Some(AttestedCredential { aaguid, credential_id, cose_key })
        } else {
            None
        };
        if flags & FLAG_ED != 0 {
            let extensions: Value = ciborium::de::from_reader(&mut rest)
                .map_err(|_| "authenticatorData: the extensions are not CBOR".to_string())?;
            if !extensions.is_map() {
                return Err("authenticatorData: the extensions are not a CBOR map".into());
            }
        }
        if !rest.is_empty() {
            return Err(format!("authenticatorData: {} bytes more than its flags announce", rest.len()));
        }
        Ok(AuthenticatorData { rp_id_hash, flags, sign_count, attested })
    }

    /// Checks the RP id's hash and that the user was present (UP) and verified (UV).
    pub fn check(&self, rp_id: &str) -> Result<(), String> {
        if self.rp_id_hash[..] != Sha256::digest(rp_id.as_bytes())[..] {
            return Err(format!("authenticatorData.rpIdHash is not SHA-256 of the RP id {rp_id:?}"));
        }
        if self.flags & FLAG_UP == 0 {
            return Err("authenticatorData: the user was not present (flag UP clear)".into());
        }
        if self.flags & FLAG_UV == 0 {
            return Err("authenticatorData: the user was not verified (flag UV clear)".into());
        }
        Ok(())
    }
}

/// A credential's public key, read from its COSE_Key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialKey {
    /// The COSE algorithm ([`ES256`], [`EDDSA`], [`ED25519`], [`RS256`]).
    pub alg: i64,
    /// The key as SubjectPublicKeyInfo DER.
    pub spki: Vec<u8>,
}

fn param(key: &CoseKey, label: i64) -> Option<&[u8]> {
    key.params
        .iter()
        .find(|(l, _)| *l == Label::Int(label))
        .and_then(|(_, v)| v.as_bytes())
        .map(Vec::as_slice)
}

fn param_int(key: &CoseKey, label: i64) -> Option<i128> {
    key.params.iter().find(|(l, _)| *l == Label::Int(label)).and_then(|(_, v)| v.as_integer()).map(i128::from)
}

/// Reads a COSE_Key (exactly these bytes) and converts it to a SubjectPublicKeyInfo: EC2 P-256
/// with ES256, OKP Ed25519 with EdDSA, RSA (2048 bits or more) with RS256; anything else is
/// refused.
pub fn cose_key_to_spki(cose: &[u8]) -> Result<CredentialKey, String> {
    let key =
        CoseKey::from_slice(cose).map_err(|_| "the credential public key is not a COSE_Key".to_string())?;
    let alg = match &key.alg {
        Some(RegisteredLabelWithPrivate::Assigned(a)) => a.to_i64(),
        Some(RegisteredLabelWithPrivate::PrivateUse(a)) => *a,
        _ => return Err("the COSE key names no algorithm".into()),
    };
    let refuse = || {
        format!("COSE key type and algorithm {alg} not offered: use ES256 (-7), EdDSA (-8) or RS256 (-257)")
    };
    // The key parameters: crv = -1, x = -2, y = -3 (EC2, OKP); n = -1, e = -2 (RSA).
    let spki = match (&key.kty, alg) {
        (KeyType::Assigned(iana::KeyType::EC2), ES256) => {
            if param_int(&key, -1) != Some(i128::from(iana::EllipticCurve::P_256.to_i64())) {
                return Err("the ES256 key is not on P-256".into());
            }
            let (Some(x), Some(y)) = (param(&key, -2), param(&key, -3)) else {
                return Err("the P-256 key lacks x or y".into());
            };
            if x.len() != 32 || y.len() != 32 {
                return Err("the P-256 key's x and y are not 32 bytes each".into());
            }
            let point = [&[0x04][..], x, y].concat();
            tillit_pki::signer::ec_spki(oid::SECP256R1, &point).map_err(|e| e.to_string())?
        }
        (KeyType::Assigned(iana::KeyType::OKP), EDDSA | ED25519) => {
            if param_int(&key, -1) != Some(i128::from(iana::EllipticCurve::Ed25519.to_i64())) {
                return Err("the EdDSA key is not Ed25519".into());
            }
            let x = param(&key, -2).filter(|x| x.len() == 32).ok_or("the Ed25519 key's x is not 32 bytes")?;
            SubjectPublicKeyInfoOwned {
                algorithm: AlgorithmIdentifierOwned { oid: oid::ED25519, parameters: None },
                subject_public_key: BitString::from_bytes(x).map_err(|e| e.to_string())?,
            }
        }
        (KeyType::Assigned(iana::KeyType::RSA), RS256) => {
            let (Some(n), Some(e)) = (param(&key, -1), param(&key, -2)) else {
                return Err("the RSA key lacks n or e".into());
            };
            let n = UintRef::new(n).map_err(|e| e.to_string())?;
            let e = UintRef::new(e).map_err(|e| e.to_string())?;
            if n.as_bytes().len() * 8 < 2048 {
                return Err("the RSA key is shorter than 2048 bits".into());
            }
            tillit_pki::signer::rsa_spki(&rsa_public_key_der(n, e).map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?
        }
        _ => return Err(refuse()),
    };
    let spki = spki.to_der().map_err(|e| e.to_string())?;
    Ok(CredentialKey { alg, spki })
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`, DER.
fn rsa_public_key_der(n: UintRef<'_>, e: UintRef<'_>) -> der::Result<Vec<u8>> {
    let body = [n.to_der()?, e.to_der()?].concat();
    let mut out = der::Header::new(der::Tag::Sequence, der::Length::try_from(body.len())?)?.to_der()?;
    out.extend_from_slice(&body);
    Ok(out)
}

/// A passkey as registration gave it, checked (WebAuthn L3 §7.1, attestation not verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The credential id.
    pub credential_id: Vec<u8>,
    /// The COSE_Key as the authenticator sent it.
    pub cose_key: Vec<u8>,
    /// The key, COSE algorithm and SubjectPublicKeyInfo DER.
    pub key: CredentialKey,
    /// The signature counter at registration.
    pub sign_count: u32,
    /// The authenticator model's AAGUID.
    pub aaguid: [u8; 16],
    /// The attestation statement format (`"none"` as asked; others are accepted, not verified).
    pub attestation_fmt: String,
    /// The credential may be backed up (a synced passkey).
    pub backup_eligible: bool,
    /// The credential is backed up.
    pub backed_up: bool,
}

/// The parts of an attestation object (`{fmt, attStmt, authData}`, CBOR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationObject {
    /// The attestation statement format.
    pub fmt: String,
    /// The authenticator data, raw.
    pub auth_data: Vec<u8>,
}

impl AttestationObject {
    /// Parses the CBOR attestation object; nothing may follow it.
    pub fn parse(bytes: &[u8]) -> Result<AttestationObject, String> {
        let mut rest = bytes;
        let value: Value = ciborium::de::from_reader(&mut rest)
            .map_err(|_| "the attestation object is not CBOR".to_string())?;
        if !rest.is_empty() {
            return Err("the attestation object has bytes after its CBOR map".into());
        }
        let map = value.into_map().map_err(|_| "the attestation object is not a CBOR map".to_string())?;
        let mut fmt = None;
        let mut auth_data = None;
        let mut att_stmt = false;
        for (k, v) in map {
            match k.as_text() {
                Some("fmt") => fmt = v.into_text().ok(),
                Some("authData") => auth_data = v.into_bytes().ok(),
                Some("attStmt") => att_stmt = v.is_map(),
                _ => {}
            }
        }
        match (fmt, auth_data, att_stmt) {
            (Some(fmt), Some(auth_data), true) => Ok(AttestationObject { fmt, auth_data }),
            _ => Err("the attestation object lacks fmt (text), attStmt (map) or authData (bytes)".into()),
        }
    }
}

/// Checks a registration (`navigator.credentials.create`): clientDataJSON (type
/// `webauthn.create`, `challenge`, an allowed origin, not cross-origin), the attestation
/// object, the RP id's hash, the flags UP, UV and AT, the credential id and its key (one of the
/// three offered). The attestation statement is not verified: we asked for `"none"`, and a
/// passkey is trusted for how it was enrolled, not for its maker (docs/design/portal.md §1.1).
pub fn verify_registration(
    attestation_object: &[u8],
    client_data_json: &[u8],
    challenge: &[u8],
    rp_id: &str,
    origins: &[String],
) -> Result<Registration, String> {
    let client =
        client_data(client_data_json, "webauthn.create", &B64URL.encode(challenge), "this registration")?;
    if !origins.contains(&client.origin) {
        return Err(format!("clientDataJSON.origin {:?} is not an allowed origin", client.origin));
    }
    let object = AttestationObject::parse(attestation_object)?;
    let data = AuthenticatorData::parse(&object.auth_data)?;
    data.check(rp_id)?;
    let Some(attested) = data.attested else {
        return Err("authenticatorData: no attested credential (flag AT clear)".into());
    };
    let key = cose_key_to_spki(&attested.cose_key)?;
    Ok(Registration {
        credential_id: attested.credential_id,
        cose_key: attested.cose_key,
        key,
        sign_count: data.sign_count,
        aaguid: attested.aaguid,
        attestation_fmt: object.fmt,
        backup_eligible: data.flags & FLAG_BE != 0,
        backed_up: data.flags & FLAG_BS != 0,
    })
}

/// The payload of a `passkey.registered` audit entry (system chain; actor
/// `officer:<person>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRegistered {
    /// The person whose passkey it is.
    pub person: String,
    /// The credential id, base64url.
    pub credential_id: String,
    /// The key, SubjectPublicKeyInfo DER, base64.
    pub spki: String,
    /// The COSE algorithm.
    pub alg: i64,
    /// The RP id it is bound to.
    pub rp_id: String,
    /// How it was enrolled: `link:<sha256 of the token>` or `certificate:<serial>`.
    pub enrolled_via: String,
}

/// The payload of a `passkey.removed` audit entry (system chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRemoved {
    /// The person whose passkey it was.
    pub person: String,
    /// The credential id, base64url.
    pub credential_id: String,
}

/// An audit entry of the passkey registry as the offline check reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryEntry {
    /// The chain.
    pub chain: String,
    /// Its position.
    pub seq: i64,
    /// When it was recorded, microseconds since the Unix epoch.
    pub time_us: i64,
    /// [`REGISTERED`] or [`REMOVED`].
    pub action: String,
    /// Its payload ([`PasskeyRegistered`], [`PasskeyRemoved`]).
    pub payload: serde_json::Value,
}

/// Where a signed entry stands in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryPosition<'a> {
    /// The chain.
    pub chain: &'a str,
    /// Its position.
    pub seq: i64,
    /// When it was recorded, microseconds since the Unix epoch.
    pub time_us: i64,
}

impl EntryPosition<'_> {
    /// True when `entry` was appended before this position: by sequence number in the same
    /// chain, otherwise by the node's recording time (the registry lives in the system chain,
    /// signed actions in the organisations' chains, and chains share no sequence).
    fn after(&self, entry: &RegistryEntry) -> bool {
        if entry.chain == self.chain {
            entry.seq < self.seq
        } else {
            entry.time_us < self.time_us
        }
    }
}

/// Checks, for a passkey signature in the entry at `at` by `actor`, what format 1 checks with
/// "a certificate this node issued": a `passkey.registered` entry for this credential, for the
/// actor's person, with the same key and RP id, appended before the entry, and no
/// `passkey.removed` of it between the two. `registry` holds the registry's entries (any
/// order). `Err` says what is wrong.
pub fn check_registered(
    registry: &[RegistryEntry],
    at: EntryPosition<'_>,
    actor: &str,
    signature: &PasskeySignature,
) -> Result<(), String> {
    let person = actor
        .strip_prefix("officer:")
        .ok_or_else(|| format!("a passkey signature by {actor:?}, who is not an officer"))?;
    let credential = &signature.credential_id;
    let mut registrations: Vec<(&RegistryEntry, PasskeyRegistered)> = registry
        .iter()
        .filter(|e| e.action == REGISTERED)
        .filter_map(|e| serde_json::from_value::<PasskeyRegistered>(e.payload.clone()).ok().map(|p| (e, p)))
        .filter(|(_, p)| p.credential_id == *credential)
        .collect();
    if registrations.is_empty() {
        return Err(format!(
            "the passkey {credential} was never registered (no {REGISTERED} entry names it)"
        ));
    }
    registrations.retain(|(e, _)| at.after(e));
    // The latest registration before the entry is the one in force.
    registrations.sort_by_key(|(e, _)| (e.time_us, e.seq));
    let Some((registered, payload)) = registrations.pop() else {
        return Err(format!("the passkey {credential} was registered after this entry"));
    };
    if payload.person != person {
        return Err(format!(
            "the passkey {credential} is registered to person {}, not to the actor",
            payload.person
        ));
    }
    if payload.spki != signature.public_key {
        return Err(format!("the passkey {credential} was registered with another public key"));
    }
    if payload.rp_id != signature.rp_id {
        return Err(format!("the passkey {credential} was registered for the RP id {:?}", payload.rp_id));
    }
    let removed = registry
        .iter()
        .filter(|e| e.action == REMOVED && at.after(e))
        .filter(|e| registered.chain != e.chain || registered.seq < e.seq)
        .filter(|e| registered.chain == e.chain || registered.time_us <= e.time_us)
        .filter_map(|e| serde_json::from_value::<PasskeyRemoved>(e.payload.clone()).ok().map(|p| (e, p)))
        .find(|(_, p)| p.credential_id == *credential);
    if let Some((e, _)) = removed {
        return Err(format!(
            "the passkey {credential} was removed before this entry (chain {} entry {})",
            e.chain, e.seq
        ));
    }
    Ok(())
}

#[cfg(any(test, feature = "soft-authenticator"))]
pub use soft::SoftAuthenticator;

/// A software WebAuthn authenticator for tests.
#[cfg(any(test, feature = "soft-authenticator"))]
mod soft {
    use ring::rand::{SecureRandom as _, SystemRandom};
    use ring::signature::{self as rs, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};

    use super::*;

    enum SoftKey {
        Ecdsa(EcdsaKeyPair),
        Ed25519(Ed25519KeyPair),
        Rsa(RsaKeyPair),
    }

    /// A software WebAuthn authenticator (tests only, feature `soft-authenticator`): one
    /// credential of ES256, EdDSA or RS256, made with ring; it registers with attestation
    /// `"none"`, answers assertions, and signs actions as the portal will.
    pub struct SoftAuthenticator {
        key: SoftKey,
        alg: i64,
        credential_id: Vec<u8>,
        rng: SystemRandom,
        /// The RP id its credential is bound to.
        pub rp_id: String,
        /// The origin the "browser" writes into clientDataJSON.
        pub origin: String,
        /// The flags of the next authenticatorData (UP and UV by default).
        pub flags: u8,
        /// The signature counter (incremented per assertion; 0 stays 0, as synced passkeys do).
        pub sign_count: u32,
    }

    impl std::fmt::Debug for SoftAuthenticator {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("SoftAuthenticator").field("alg", &self.alg).field("rp_id", &self.rp_id).finish()
        }
    }

    /// What the browser hands back from `navigator.credentials.get`.
    #[derive(Debug, Clone)]
    pub struct Assertion {
        /// authenticatorData.
        pub authenticator_data: Vec<u8>,
        /// clientDataJSON.
        pub client_data_json: Vec<u8>,
        /// The signature.
        pub signature: Vec<u8>,
    }

    impl SoftAuthenticator {
        /// A new credential of COSE algorithm `alg` ([`ES256`], [`EDDSA`], [`RS256`]) for
        /// `rp_id`, used from `origin`.
        pub fn new(alg: i64, rp_id: &str, origin: &str) -> Result<SoftAuthenticator, String> {
            let rng = SystemRandom::new();
            fn failed<E>(_: E) -> String {
                "the software authenticator cannot make a key".to_string()
            }
            let key = match alg {
                ES256 => {
                    let alg = &rs::ECDSA_P256_SHA256_ASN1_SIGNING;
                    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(failed)?;
                    SoftKey::Ecdsa(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).map_err(failed)?)
                }
                EDDSA | ED25519 => {
                    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(failed)?;
                    SoftKey::Ed25519(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(failed)?)
                }
                RS256 => {
                    // ring cannot make RSA keys: tillit-pki's generator (the `rsa` crate) does.
                    let pkcs8 = tillit_pki::signer::generate_pkcs8(tillit_pki::signer::KeyAlgorithm::Rsa3072)
                        .map_err(|e| e.to_string())?;
                    SoftKey::Rsa(RsaKeyPair::from_pkcs8(&pkcs8).map_err(failed)?)
                }
                _ => return Err(format!("the software authenticator has no algorithm {alg}")),
            };
            let mut credential_id = vec![0; 16];
            rng.fill(&mut credential_id).map_err(failed)?;
            Ok(SoftAuthenticator {
                key,
                alg,
                credential_id,
                rng,
                rp_id: rp_id.to_string(),
                origin: origin.to_string(),
                flags: FLAG_UP | FLAG_UV,
                sign_count: 0,
            })
        }

        /// The credential id.
        pub fn credential_id(&self) -> &[u8] {
            &self.credential_id
        }

        /// The credential's public key as a COSE_Key (CBOR).
        pub fn cose_key(&self) -> Result<Vec<u8>, String> {
            let key = match &self.key {
                SoftKey::Ecdsa(pair) => {
                    let point = pair.public_key().as_ref();
                    coset::CoseKeyBuilder::new_ec2_pub_key(
                        iana::EllipticCurve::P_256,
                        point[1..33].to_vec(),
                        point[33..].to_vec(),
                    )
                    .algorithm(iana::Algorithm::ES256)
                    .build()
                }
                SoftKey::Ed25519(pair) => coset::CoseKeyBuilder::new_okp_key()
                    .param(-1, Value::from(iana::EllipticCurve::Ed25519.to_i64()))
                    .param(-2, Value::Bytes(pair.public_key().as_ref().to_vec()))
                    .algorithm(iana::Algorithm::EdDSA)
                    .build(),
                SoftKey::Rsa(pair) => {
                    let public = rs::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                    coset::CoseKeyBuilder::new()
                        .key_type(iana::KeyType::RSA)
                        .param(-1, Value::Bytes(public.n))
                        .param(-2, Value::Bytes(public.e))
                        .algorithm(iana::Algorithm::RS256)
                        .build()
                }
            };
            key.to_vec().map_err(|e| e.to_string())
        }

        /// The credential's key as SubjectPublicKeyInfo DER (as registration stores it).
        pub fn spki(&self) -> Result<Vec<u8>, String> {
            Ok(cose_key_to_spki(&self.cose_key()?)?.spki)
        }

        fn auth_data(&self, attested: Option<&[u8]>, extensions: Option<&Value>) -> Result<Vec<u8>, String> {
            let mut flags = self.flags;
            if attested.is_some() {
                flags |= FLAG_AT;
            }
            if extensions.is_some() {
                flags |= FLAG_ED;
            }
            let mut out = Sha256::digest(self.rp_id.as_bytes()).to_vec();
            out.push(flags);
            out.extend_from_slice(&self.sign_count.to_be_bytes());
            if let Some(cose) = attested {
                out.extend_from_slice(&[0; 16]);
                let len = u16::try_from(self.credential_id.len()).map_err(|e| e.to_string())?;
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(&self.credential_id);
                out.extend_from_slice(cose);
            }
            if let Some(ext) = extensions {
                ciborium::ser::into_writer(ext, &mut out).map_err(|e| e.to_string())?;
            }
            Ok(out)
        }

        fn client_data(&self, kind: &str, challenge: &[u8]) -> Vec<u8> {
            // Members in the order browsers write them.
            format!(
                r#"{{"type":"{kind}","challenge":"{}","origin":"{}","crossOrigin":false}}"#,
                B64URL.encode(challenge),
                self.origin
            )
            .into_bytes()
        }

        /// `navigator.credentials.create` with attestation `"none"`: the attestation object
        /// and clientDataJSON.
        pub fn register(&self, challenge: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
            self.register_with_extensions(challenge, None)
        }

        /// As [`SoftAuthenticator::register`], with authenticator extensions after the key
        /// (flag ED).
        pub fn register_with_extensions(
            &self,
            challenge: &[u8],
            extensions: Option<&Value>,
        ) -> Result<(Vec<u8>, Vec<u8>), String> {
            let auth_data = self.auth_data(Some(&self.cose_key()?), extensions)?;
            let object = Value::Map(vec![
                (Value::from("fmt"), Value::from("none")),
                (Value::from("attStmt"), Value::Map(Vec::new())),
                (Value::from("authData"), Value::Bytes(auth_data)),
            ]);
            let mut out = Vec::new();
            ciborium::ser::into_writer(&object, &mut out).map_err(|e| e.to_string())?;
            Ok((out, self.client_data("webauthn.create", challenge)))
        }

        /// Signs `message` with the credential's key as WebAuthn does (ES256 DER, EdDSA, RS256).
        pub fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>, String> {
            fn failed<E>(_: E) -> String {
                "the software authenticator cannot sign".to_string()
            }
            match &self.key {
                SoftKey::Ecdsa(pair) => Ok(pair.sign(&self.rng, message).map_err(failed)?.as_ref().to_vec()),
                SoftKey::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
                SoftKey::Rsa(pair) => {
                    let mut out = vec![0; pair.public().modulus_len()];
                    pair.sign(&rs::RSA_PKCS1_SHA256, &self.rng, message, &mut out).map_err(failed)?;
                    Ok(out)
                }
            }
        }

        /// `navigator.credentials.get`: an assertion over `challenge`.
        pub fn assert(&mut self, challenge: &[u8]) -> Result<Assertion, String> {
            if self.sign_count != 0 {
                self.sign_count += 1;
            }
            let authenticator_data = self.auth_data(None, None)?;
            let client_data_json = self.client_data("webauthn.get", challenge);
            let mut signed = authenticator_data.clone();
            signed.extend_from_slice(&Sha256::digest(&client_data_json));
            let signature = self.sign_raw(&signed)?;
            Ok(Assertion { authenticator_data, client_data_json, signature })
        }

        /// Signs an action ("Signera och skicka"): a fresh nonce, an assertion over
        /// `SHA-256(message ‖ nonce)`, and the blob stored with the audit entry.
        pub fn sign_action(&mut self, message: &str) -> Result<PasskeySignature, String> {
            let mut nonce = [0; NONCE_LEN];
            self.rng.fill(&mut nonce).map_err(|_| "no randomness".to_string())?;
            let assertion = self.assert(&challenge(message, &nonce))?;
            Ok(PasskeySignature {
                v: PasskeySignature::VERSION,
                message: message.to_string(),
                nonce: B64URL.encode(nonce),
                rp_id: self.rp_id.clone(),
                credential_id: B64URL.encode(&self.credential_id),
                public_key: B64.encode(self.spki()?),
                authenticator_data: B64URL.encode(&assertion.authenticator_data),
                client_data_json: B64URL.encode(&assertion.client_data_json),
                signature: B64URL.encode(&assertion.signature),
            })
        }

        /// The payload of the `passkey.registered` entry for this credential.
        pub fn registered(&self, person: &str, enrolled_via: &str) -> Result<PasskeyRegistered, String> {
            Ok(PasskeyRegistered {
                person: person.to_string(),
                credential_id: B64URL.encode(&self.credential_id),
                spki: B64.encode(self.spki()?),
                alg: self.alg,
                rp_id: self.rp_id.clone(),
                enrolled_via: enrolled_via.to_string(),
            })
        }
    }
}

#[cfg(any(test, feature = "soft-authenticator"))]
pub use soft::Assertion;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routines::action::action_text;

    const RP: &str = "ra.example.se";
    const ORIGIN: &str = "https://ra.example.se";

    fn message() -> String {
        action_text("POST", "/api/v1/cards/0b6f/hand-out", "key-1", br#"{"receipt":true}"#)
    }

    fn authenticators() -> Vec<SoftAuthenticator> {
        [ES256, EDDSA, RS256]
            .into_iter()
            .map(|alg| SoftAuthenticator::new(alg, RP, ORIGIN).unwrap())
            .collect()
    }

    /// A signature re-signed after `edit` changed what the authenticator or the browser saw.
    fn signed_with(
        auth: &mut SoftAuthenticator,
        edit: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>),
    ) -> PasskeySignature {
        let mut sig = auth.sign_action(&message()).unwrap();
        let mut data = B64URL.decode(&sig.authenticator_data).unwrap();
        let mut client = B64URL.decode(&sig.client_data_json).unwrap();
        edit(&mut data, &mut client);
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(&client));
        sig.authenticator_data = B64URL.encode(&data);
        sig.client_data_json = B64URL.encode(&client);
        sig.signature = B64URL.encode(auth.sign_raw(&signed).unwrap());
        sig
    }

    fn fails(sig: &PasskeySignature, expected: &str) {
        let err = sig.verify().unwrap_err();
        assert!(err.contains(expected), "{err:?} does not say {expected:?}");
    }

    fn replace(client: &mut Vec<u8>, from: &str, to: &str) {
        let text = String::from_utf8(client.clone()).unwrap();
        assert!(text.contains(from), "{text}");
        *client = text.replace(from, to).into_bytes();
    }

    #[test]
    fn the_soft_authenticators_signatures_verify_for_every_algorithm() {
        for mut auth in authenticators() {
            let sig = auth.sign_action(&message()).unwrap();
            let verified = sig.verify().unwrap();
            assert_eq!(verified.credential_id, auth.credential_id());
            assert_eq!(verified.spki, auth.spki().unwrap());
            assert_eq!(verified.flags & (FLAG_UP | FLAG_UV), FLAG_UP | FLAG_UV);
            // The stored form reads back, and the dispatch reads it by its `v`.
            let bytes = sig.to_bytes();
            assert_eq!(OfficerSignature::from_bytes(&bytes).unwrap(), OfficerSignature::Passkey(sig.clone()));
            assert_eq!(OfficerSignature::from_bytes(&bytes).unwrap().message(), message());
            OfficerSignature::from_bytes(&bytes).unwrap().verify().unwrap();
            // A subdomain of the RP id and plain http on localhost are origins on the RP id.
            auth.origin = "https://portal.ra.example.se:8443".into();
            auth.sign_action(&message()).unwrap().verify().unwrap();
        }
        let mut local = SoftAuthenticator::new(ES256, "localhost", "http://localhost:8080").unwrap();
        local.sign_action(&message()).unwrap().verify().unwrap();
    }

    #[test]
    fn each_tampering_fails_with_its_own_message() {
        for mut auth in authenticators() {
            let good = auth.sign_action(&message()).unwrap();

            let mut s = good.clone();
            s.message = action_text("POST", "/api/v1/cards/0b6f/hand-out", "key-2", br#"{"receipt":true}"#);
            fails(&s, "clientDataJSON.challenge is not the challenge of this action");

            let mut s = good.clone();
            s.nonce = B64URL.encode([7; 32]);
            fails(&s, "clientDataJSON.challenge is not the challenge of this action");
            s.nonce = B64URL.encode([7; 31]);
            fails(&s, "the nonce is 31 bytes, not 32");

            let s = signed_with(&mut auth, |_, c| replace(c, ORIGIN, "https://ra.example.se.evil.test"));
            fails(&s, "is not on the RP id");
            let s = signed_with(&mut auth, |_, c| replace(c, ORIGIN, "https://evilra.example.se"));
            fails(&s, "is not on the RP id");
            let s = signed_with(&mut auth, |_, c| replace(c, ORIGIN, "http://ra.example.se"));
            fails(&s, "is not an https origin");

            let s = signed_with(&mut auth, |_, c| replace(c, "webauthn.get", "webauthn.create"));
            fails(&s, "clientDataJSON.type is \"webauthn.create\", not \"webauthn.get\"");
            let s =
                signed_with(&mut auth, |_, c| replace(c, "\"crossOrigin\":false", "\"crossOrigin\":true"));
            fails(&s, "cross-origin");

            let s = signed_with(&mut auth, |d, _| d[0] ^= 1);
            fails(&s, "authenticatorData.rpIdHash is not SHA-256 of the RP id");
            let mut s = good.clone();
            s.rp_id = "example.se".into();
            fails(&s, "authenticatorData.rpIdHash is not SHA-256 of the RP id \"example.se\"");

            let s = signed_with(&mut auth, |d, _| d[32] &= !FLAG_UP);
            fails(&s, "the user was not present (flag UP clear)");
            let s = signed_with(&mut auth, |d, _| d[32] &= !FLAG_UV);
            fails(&s, "the user was not verified (flag UV clear)");

            let mut s = good.clone();
            let mut bytes = B64URL.decode(&s.signature).unwrap();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            s.signature = B64URL.encode(bytes);
            fails(&s, "the signature does not verify with the credential's key");

            let other = SoftAuthenticator::new(auth_alg(&auth), RP, ORIGIN).unwrap();
            let mut s = good.clone();
            s.public_key = B64.encode(other.spki().unwrap());
            fails(&s, "the signature does not verify with the credential's key");

            let mut s = good.clone();
            s.v = 3;
            fails(&s, "unknown signature format 3");
            assert_eq!(
                OfficerSignature::from_bytes(&s.to_bytes()).unwrap_err(),
                "unknown signature format 3"
            );
        }
    }

    fn auth_alg(auth: &SoftAuthenticator) -> i64 {
        cose_key_to_spki(&auth.cose_key().unwrap()).unwrap().alg
    }

    #[test]
    fn origins_and_rp_ids() {
        assert_eq!(origin_host("https://RA.example.se:443").unwrap(), "ra.example.se");
        assert!(origin_host("https://ra.example.se/path").is_err());
        assert!(origin_host("https://user@ra.example.se").is_err());
        assert!(origin_host("https://[::1]:8443").is_err());
        assert!(origin_host("http://127.0.0.1").is_err());
        assert!(origin_host("ra.example.se").is_err());
        assert!(host_on_rp_id("a.b.example.se", "example.se"));
        assert!(!host_on_rp_id("notexample.se", "example.se"));
        assert!(!host_on_rp_id("example.se", ""));
    }

    #[test]
    fn registration_gives_the_credential_and_its_key() {
        let origins = vec![ORIGIN.to_string()];
        for auth in authenticators() {
            let challenge = [9; 32];
            let (object, client) = auth.register(&challenge).unwrap();
            let reg = verify_registration(&object, &client, &challenge, RP, &origins).unwrap();
            assert_eq!(reg.credential_id, auth.credential_id());
            assert_eq!(reg.key.spki, auth.spki().unwrap());
            assert_eq!(reg.cose_key, auth.cose_key().unwrap());
            assert_eq!(reg.attestation_fmt, "none");

            // With extensions after the key (flag ED), the key is exactly its own bytes.
            let ext = Value::Map(vec![(Value::from("credProtect"), Value::from(2))]);
            let (object, client) = auth.register_with_extensions(&challenge, Some(&ext)).unwrap();
            let with_ext = verify_registration(&object, &client, &challenge, RP, &origins).unwrap();
            assert_eq!(with_ext.cose_key, reg.cose_key);

            let err = verify_registration(&object, &client, &[8; 32], RP, &origins).unwrap_err();
            assert!(err.contains("challenge"), "{err}");
            let err = verify_registration(&object, &client, &challenge, "example.se", &origins).unwrap_err();
            assert!(err.contains("rpIdHash"), "{err}");
            let err =
                verify_registration(&object, &client, &challenge, RP, &["https://other".into()]).unwrap_err();
            assert!(err.contains("not an allowed origin"), "{err}");
            let (_, get) = {
                let mut a = SoftAuthenticator::new(ES256, RP, ORIGIN).unwrap();
                let assertion = a.assert(&challenge).unwrap();
                (assertion.authenticator_data, assertion.client_data_json)
            };
            let err = verify_registration(&object, &get, &challenge, RP, &origins).unwrap_err();
            assert!(err.contains("not \"webauthn.create\""), "{err}");
        }
    }

    #[test]
    fn registration_refuses_missing_flags_and_bad_data() {
        let origins = vec![ORIGIN.to_string()];
        let challenge = [1; 32];
        let mut auth = SoftAuthenticator::new(ES256, RP, ORIGIN).unwrap();
        auth.flags = FLAG_UP;
        let (object, client) = auth.register(&challenge).unwrap();
        let err = verify_registration(&object, &client, &challenge, RP, &origins).unwrap_err();
        assert!(err.contains("flag UV clear"), "{err}");
        auth.flags = FLAG_UV;
        let (object, client) = auth.register(&challenge).unwrap();
        let err = verify_registration(&object, &client, &challenge, RP, &origins).unwrap_err();
        assert!(err.contains("flag UP clear"), "{err}");

        // No attested credential: an assertion's authenticatorData in an attestation object.
        auth.flags = FLAG_UP | FLAG_UV;
        let assertion = auth.assert(&challenge).unwrap();
        let object = Value::Map(vec![
            (Value::from("fmt"), Value::from("none")),
            (Value::from("attStmt"), Value::Map(Vec::new())),
            (Value::from("authData"), Value::Bytes(assertion.authenticator_data.clone())),
        ]);
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&object, &mut bytes).unwrap();
        let (_, client) = auth.register(&challenge).unwrap();
        let err = verify_registration(&bytes, &client, &challenge, RP, &origins).unwrap_err();
        assert!(err.contains("flag AT clear"), "{err}");

        // Trailing bytes, cut data, not CBOR.
        let (object, _) = auth.register(&challenge).unwrap();
        let parsed = AttestationObject::parse(&object).unwrap();
        let mut long = parsed.auth_data.clone();
        long.push(0);
        assert!(AuthenticatorData::parse(&long).unwrap_err().contains("more than its flags announce"));
        let cut = &parsed.auth_data[..parsed.auth_data.len() - 3];
        assert!(AuthenticatorData::parse(cut).is_err());
        assert!(AuthenticatorData::parse(&[0; 36]).unwrap_err().contains("fewer than 37"));
        assert!(AttestationObject::parse(b"\xff").is_err());
        assert!(AttestationObject::parse(&[object.clone(), vec![0]].concat()).is_err());

        // A key not offered: ES256 on P-384, and a short RSA key.
        let p384 =
            coset::CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_384, vec![1; 48], vec![2; 48])
                .algorithm(iana::Algorithm::ES256)
                .build()
                .to_vec()
                .unwrap();
        assert!(cose_key_to_spki(&p384).unwrap_err().contains("not on P-256"));
        let short_rsa = coset::CoseKeyBuilder::new()
            .key_type(iana::KeyType::RSA)
            .param(-1, Value::Bytes(vec![0xc1; 128]))
            .param(-2, Value::Bytes(vec![1, 0, 1]))
            .algorithm(iana::Algorithm::RS256)
            .build()
            .to_vec()
            .unwrap();
        assert!(cose_key_to_spki(&short_rsa).unwrap_err().contains("shorter than 2048 bits"));
        let es384 =
            coset::CoseKeyBuilder::new_ec2_pub_key(iana::EllipticCurve::P_256, vec![1; 32], vec![2; 32])
                .algorithm(iana::Algorithm::ES384)
                .build()
                .to_vec()
                .unwrap();
        assert!(cose_key_to_spki(&es384).unwrap_err().contains("not offered"));
    }

    fn entry(chain: &str, seq: i64, time_us: i64, action: &str, payload: impl Serialize) -> RegistryEntry {
        RegistryEntry {
            chain: chain.into(),
            seq,
            time_us,
            action: action.into(),
            payload: serde_json::to_value(payload).unwrap(),
        }
    }

    #[test]
    fn the_registry_check() {
        let mut auth = SoftAuthenticator::new(EDDSA, RP, ORIGIN).unwrap();
        let sig = auth.sign_action(&message()).unwrap();
        let person = "0193a1b2-0000-7000-8000-000000000001";
        let actor = format!("officer:{person}");
        let registered = auth.registered(person, "link:ab").unwrap();
        let removed =
            PasskeyRemoved { person: person.into(), credential_id: registered.credential_id.clone() };
        let at = EntryPosition { chain: "org-1", seq: 5, time_us: 1_000 };

        let ok = vec![entry("system", 3, 500, REGISTERED, &registered)];
        check_registered(&ok, at, &actor, &sig).unwrap();
        // Removed after the entry: still fine.
        let later = [ok.clone(), vec![entry("system", 4, 2_000, REMOVED, &removed)]].concat();
        check_registered(&later, at, &actor, &sig).unwrap();

        let err = check_registered(&[], at, &actor, &sig).unwrap_err();
        assert!(err.contains("was never registered"), "{err}");
        let after = vec![entry("system", 3, 1_500, REGISTERED, &registered)];
        let err = check_registered(&after, at, &actor, &sig).unwrap_err();
        assert!(err.contains("registered after this entry"), "{err}");
        // In the same chain, the sequence decides.
        let same = vec![entry("org-1", 6, 1, REGISTERED, &registered)];
        let err = check_registered(&same, at, &actor, &sig).unwrap_err();
        assert!(err.contains("registered after this entry"), "{err}");
        let gone = [ok.clone(), vec![entry("system", 4, 800, REMOVED, &removed)]].concat();
        let err = check_registered(&gone, at, &actor, &sig).unwrap_err();
        assert!(err.contains("was removed before this entry (chain system entry 4)"), "{err}");
        // Removed and registered again before the entry: the new registration stands.
        let again = [gone.clone(), vec![entry("system", 5, 900, REGISTERED, &registered)]].concat();
        check_registered(&again, at, &actor, &sig).unwrap();

        let err = check_registered(&ok, at, "officer:someone-else", &sig).unwrap_err();
        assert!(err.contains("is registered to person"), "{err}");
        let err = check_registered(&ok, at, &format!("system:{person}"), &sig).unwrap_err();
        assert!(err.contains("who is not an officer"), "{err}");
        let other = SoftAuthenticator::new(EDDSA, RP, ORIGIN).unwrap();
        let swapped = PasskeyRegistered { spki: B64.encode(other.spki().unwrap()), ..registered.clone() };
        let err =
            check_registered(&[entry("system", 3, 500, REGISTERED, &swapped)], at, &actor, &sig).unwrap_err();
        assert!(err.contains("registered with another public key"), "{err}");
        let elsewhere = PasskeyRegistered { rp_id: "other.se".into(), ..registered };
        let err = check_registered(&[entry("system", 3, 500, REGISTERED, &elsewhere)], at, &actor, &sig)
            .unwrap_err();
        assert!(err.contains("registered for the RP id"), "{err}");
    }

    // The parsers of what a browser sends (the attestation object, authenticatorData, the
    // COSE key, clientDataJSON) on arbitrary bytes and on mutations of a real registration and
    // assertion: each refuses or accepts, never panics. (A property test in the unit suite;
    // libFuzzer runs the PKI parsers, .ci/fuzz.sh.)
    mod arbitrary_input {
        use proptest::prelude::*;

        use super::*;

        fn mutated(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
            if !bytes.is_empty() {
                for (at, value) in flips {
                    let i = at % bytes.len();
                    bytes[i] = *value;
                }
            }
            bytes.truncate(bytes.len().saturating_sub(cut % 8));
            bytes
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
                let _ = AttestationObject::parse(&bytes);
                let _ = AuthenticatorData::parse(&bytes);
                let _ = cose_key_to_spki(&bytes);
                let _ = verify_registration(&bytes, &bytes, &[0; 32], RP, &[ORIGIN.to_string()]);
                let _ = verify_assertion(&bytes, &bytes, &bytes, &bytes, &[0; 32], RP, &[ORIGIN.to_string()]);
                let _ = client_origin(&bytes);
                let _ = OfficerSignature::from_bytes(&bytes);
            }

            #[test]
            fn mutated_registrations_and_assertions(
                flips in proptest::collection::vec((0usize..2048, any::<u8>()), 1..6),
                cut in 0usize..64,
            ) {
                let mut auth = SoftAuthenticator::new(ES256, RP, ORIGIN).unwrap();
                let challenge = [7u8; 32];
                let (object, client) = auth.register(&challenge).unwrap();
                let object = mutated(object, &flips, cut);
                let _ = verify_registration(&object, &client, &challenge, RP, &[ORIGIN.to_string()]);
                let client = mutated(client, &flips, cut);
                let _ = verify_registration(&object, &client, &challenge, RP, &[ORIGIN.to_string()]);
                let spki = auth.spki().unwrap();
                let assertion = auth.assert(&challenge).unwrap();
                let data = mutated(assertion.authenticator_data, &flips, cut);
                let signature = mutated(assertion.signature, &flips, cut);
                let _ = verify_assertion(&spki, &data, &assertion.client_data_json, &signature, &challenge, RP, &[ORIGIN.to_string()]);
                let _ = cose_key_to_spki(&mutated(auth.cose_key().unwrap(), &flips, cut));
            }
        }
    }
}
