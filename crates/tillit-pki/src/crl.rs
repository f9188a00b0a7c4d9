//! Certificate revocation: RFC 5280 reason codes and full CRLs (§5), signed by the CA.
//! [`CrlBuilder`] streams the entries, so CRLs of millions of entries need little memory.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use const_oid::db::rfc5280;
use der::asn1::{BitStringRef, ContextSpecific, OctetString, Uint, UintRef};
use der::{Encode as _, EncodeValue as _, Header, Length, SliceWriter, Tag, TagMode, TagNumber, Writer as _};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlReason};
use x509_cert::ext::Extensions;
use x509_cert::Version;

use crate::issue::{issuer_key_id, Issuer};
use crate::signer::SignerError;
use crate::x509::{self, enc, X509Error};

/// Why a certificate was revoked (RFC 5280 §5.3.1). `certificateHold` is not offered:
/// tillit revokes, it does not suspend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// unspecified (0): no reason code is put in the CRL entry, as RFC 5280 recommends.
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): the holder left, or moved and the content changed.
    AffiliationChanged,
    /// superseded (4): replaced by a new certificate.
    Superseded,
    /// cessationOfOperation (5): no longer needed (card returned, deregistered).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 7] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::PrivilegeWithdrawn,
    ];

    /// The RFC 5280 CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::PrivilegeWithdrawn => 9,
        }
    }

    /// The reason for a code.
    pub fn from_code(code: u8) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The RFC 5280 name (`keyCompromise`).
    pub fn name(self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// The position in [`Reason::ALL`].
    fn index(self) -> usize {
        match self {
            Reason::Unspecified => 0,
            Reason::KeyCompromise => 1,
            Reason::CaCompromise => 2,
            Reason::AffiliationChanged => 3,
            Reason::Superseded => 4,
            Reason::CessationOfOperation => 5,
            Reason::PrivilegeWithdrawn => 6,
        }
    }

    fn crl_reason(self) -> CrlReason {
        match self {
            Reason::Unspecified => CrlReason::Unspecified,
            Reason::KeyCompromise => CrlReason::KeyCompromise,
            Reason::CaCompromise => CrlReason::CaCompromise,
            Reason::AffiliationChanged => CrlReason::AffiliationChanged,
            Reason::Superseded => CrlReason::Superseded,
            Reason::CessationOfOperation => CrlReason::CessationOfOperation,
            Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown reason name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown revocation reason {0:?}: use one of unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn")]
pub struct UnknownReason(pub String);

impl FromStr for Reason {
    type Err = UnknownReason;

    /// Accepts the RFC 5280 names in any case, with or without `-`/`_`, or the code.
    fn from_str(s: &str) -> Result<Self, UnknownReason> {
        let wanted: String = s.chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_lowercase();
        if let Ok(code) = wanted.parse::<u8>() {
            return Reason::from_code(code).ok_or_else(|| UnknownReason(s.to_owned()));
        }
        Reason::ALL
            .into_iter()
            .find(|r| r.name().to_lowercase() == wanted)
            .ok_or_else(|| UnknownReason(s.chars().take(40).collect()))
    }
}

/// One revoked certificate, as the CRL lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The serial number's content octets.
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub at: SystemTime,
    /// Why.
    pub reason: Reason,
}

/// Errors in producing a CRL.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// Encoding failed.
    #[error(transparent)]
    X509(#[from] X509Error),
    /// The CA's key failed to sign.
    #[error(transparent)]
    Signer(#[from] SignerError),
}

/// The longest DER header tillit writes: one tag octet and a length of up to five octets.
const MAX_HEADER_LEN: usize = 6;

/// The most content octets a serial number may have (RFC 5280 §4.1.2.2).
const MAX_SERIAL_LEN: Length = Length::new(20);

/// Builds a full CRL (v2) one entry at a time, so that a CRL of a million entries can be
/// produced from a database cursor without holding the list.
///
/// Each entry is DER-encoded into one buffer as it is pushed (35 octets for a 16-octet
/// serial, 49 with a reason code). [`finish`](CrlBuilder::finish) writes the `TBSCertList`
/// header and fields in front of the entries (room for them is kept at the start of the
/// buffer), appends the CRL extensions, signs, and appends the signature, so the entries are
/// never copied to another buffer. Entries appear in the CRL in the order pushed; RFC 5280
/// asks for no order.
pub struct CrlBuilder<'a> {
    issuer: Issuer<'a>,
    /// `MAX_HEADER_LEN * 2 + fields.len() + MAX_HEADER_LEN` octets of room, then the entries.
    buf: Vec<u8>,
    /// Where the entries start in `buf`.
    entries_start: usize,
    /// The DER of the `TBSCertList` fields before `revokedCertificates`: version, signature,
    /// issuer, thisUpdate, nextUpdate.
    fields: Vec<u8>,
    /// The DER of `crlExtensions` (`[0] EXPLICIT Extensions`).
    crl_extensions: Vec<u8>,
    /// The DER of each reason's `crlEntryExtensions`, indexed by [`Reason::index`]; empty for
    /// unspecified.
    entry_extensions: [Vec<u8>; Reason::ALL.len()],
    count: u64,
}

impl fmt::Debug for CrlBuilder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrlBuilder")
            .field("issuer", &self.issuer.name)
            .field("entries", &self.count)
            .field("bytes", &(self.buf.len() - self.entries_start))
            .finish_non_exhaustive()
    }
}

impl<'a> CrlBuilder<'a> {
    /// Starts a full CRL (v2) of `issuer`, numbered `number`, valid from `this_update` to
    /// `next_update`. The CRL will carry the authority key identifier and CRL number
    /// extensions.
    pub fn new(
        issuer: &Issuer<'a>,
        number: u64,
        this_update: SystemTime,
        next_update: SystemTime,
    ) -> Result<Self, CrlError> {
        let mut fields = Vec::with_capacity(256);
        Version::V2.encode(&mut fields).map_err(enc("the CRL version"))?;
        issuer.signer.algorithm().signature_algorithm().encode(&mut fields).map_err(enc("the CRL"))?;
        issuer.certificate.tbs_certificate.subject.encode(&mut fields).map_err(enc("the CRL issuer"))?;
        x509::time(this_update)?.encode(&mut fields).map_err(enc("thisUpdate"))?;
        x509::time(next_update)?.encode(&mut fields).map_err(enc("nextUpdate"))?;

        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(issuer_key_id(issuer.certificate)).map_err(enc("the key identifier"))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let number = CrlNumber(Uint::new(&number.to_be_bytes()).map_err(enc("the CRL number"))?);
        let extensions: Extensions = vec![
            x509::extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?,
            x509::extension(rfc5280::ID_CE_CRL_NUMBER, false, &number)?,
        ];
        let crl_extensions =
            ContextSpecific { tag_number: TagNumber::N0, tag_mode: TagMode::Explicit, value: extensions }
                .to_der()
                .map_err(enc("the CRL extensions"))?;

        let mut entry_extensions: [Vec<u8>; Reason::ALL.len()] = Default::default();
        for reason in Reason::ALL {
            // RFC 5280 §5.3.1: use no reason code rather than unspecified.
            if reason != Reason::Unspecified {
                let exts: Extensions =
                    vec![x509::extension(rfc5280::ID_CE_CRL_REASONS, false, &reason.crl_reason())?];
                entry_extensions[reason.index()] = exts.to_der().map_err(enc("a reason code"))?;
            }
        }

        let entries_start = 2 * MAX_HEADER_LEN + fields.len() + MAX_HEADER_LEN;
        let mut buf = Vec::with_capacity(entries_start + 4096);
        buf.resize(entries_start, 0);
        Ok(CrlBuilder {
            issuer: *issuer,
            buf,
            entries_start,
            fields,
            crl_extensions,
            entry_extensions,
            count: 0,
        })
    }

    /// Reserves room for about `entries` more entries (a hint, e.g. the revoked count).
    pub fn reserve(&mut self, entries: usize) {
        // An entry with a 16-octet serial and a reason code takes 49 octets.
        self.buf.reserve(entries.saturating_mul(50));
    }

    /// Adds the certificate with serial number `serial` (content octets, as in
    /// [`Revoked::serial`]), revoked at `at` (whole seconds) for `reason`. Refuses an empty
    /// serial or one longer than 20 octets as encoded.
    pub fn push(&mut self, serial: &[u8], at: SystemTime, reason: Reason) -> Result<(), CrlError> {
        let what = "a revoked certificate";
        if serial.is_empty() {
            return Err(enc(what)(der::ErrorKind::Length { tag: Tag::Integer }.into()).into());
        }
        let serial = UintRef::new(serial).map_err(enc(what))?;
        if serial.value_len().map_err(enc(what))? > MAX_SERIAL_LEN {
            return Err(enc(what)(der::ErrorKind::Overlength.into()).into());
        }
        let date = x509::time(at)?;
        let extensions = &self.entry_extensions[reason.index()];
        let len = (serial.encoded_len().map_err(enc(what))? + date.encoded_len().map_err(enc(what))?)
            .and_then(|l| l + Length::try_from(extensions.len())?)
            .map_err(enc(what))?;
        let header = Header::new(Tag::Sequence, len).map_err(enc(what))?;
        // DER lengths here stop at 256 MiB (about five million entries): refuse the entry
        // that would pass the limit rather than fail in `finish`.
        Length::try_from(self.buf.len() - self.entries_start)
            .and_then(|so_far| so_far + header.encoded_len()? + len)
            .map_err(enc("the revoked certificates (256 MiB at most)"))?;
        header.encode(&mut self.buf).map_err(enc(what))?;
        serial.encode(&mut self.buf).map_err(enc(what))?;
        date.encode(&mut self.buf).map_err(enc(what))?;
        self.buf.extend_from_slice(extensions);
        self.count += 1;
        Ok(())
    }

    /// How many entries have been pushed.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// True when no entry has been pushed (the CRL will have no `revokedCertificates`).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Signs the CRL with the issuer's key and returns its DER.
    pub fn finish(self) -> Result<Vec<u8>, CrlError> {
        let CrlBuilder { issuer, mut buf, entries_start, fields, crl_extensions, .. } = self;
        let what = "the CRL";
        let entries_len = buf.len() - entries_start;
        // RFC 5280 §5.1.2.6: with no revoked certificates, the field is absent.
        let revoked_header = match entries_len {
            0 => None,
            n => Some(Header::new(Tag::Sequence, n).map_err(enc(what))?),
        };
        let revoked_header_len = match &revoked_header {
            Some(h) => usize::try_from(h.encoded_len().map_err(enc(what))?).map_err(enc(what))?,
            None => 0,
        };
        buf.extend_from_slice(&crl_extensions);
        let tbs_header = Header::new(
            Tag::Sequence,
            fields.len() + revoked_header_len + entries_len + crl_extensions.len(),
        )
        .map_err(enc(what))?;
        let tbs_header_len =
            usize::try_from(tbs_header.encoded_len().map_err(enc(what))?).map_err(enc(what))?;

        // TBSCertList header, fields and the revokedCertificates header go right before the
        // entries, into the room kept for them.
        let tbs_start = entries_start - revoked_header_len - fields.len() - tbs_header_len;
        let mut writer = SliceWriter::new(&mut buf[tbs_start..entries_start]);
        writer.encode(&tbs_header).map_err(enc(what))?;
        writer.write(&fields).map_err(enc(what))?;
        if let Some(header) = &revoked_header {
            writer.encode(header).map_err(enc(what))?;
        }
        writer.finish().map_err(enc(what))?;

        let signature = issuer.signer.sign(&buf[tbs_start..])?;
        issuer.signer.algorithm().signature_algorithm().encode(&mut buf).map_err(enc(what))?;
        BitStringRef::from_bytes(&signature)
            .and_then(|s| s.encode(&mut buf))
            .map_err(enc("the signature"))?;

        let outer = Header::new(Tag::Sequence, buf.len() - tbs_start).map_err(enc(what))?;
        let outer_len = usize::try_from(outer.encoded_len().map_err(enc(what))?).map_err(enc(what))?;
        let start = tbs_start - outer_len;
        outer.encode_to_slice(&mut buf[start..tbs_start]).map_err(enc(what))?;
        // Moves the CRL to the front of the buffer in place: no second copy of it is held.
        buf.drain(..start);
        Ok(buf)
    }
}

/// Produces a full CRL (v2) of `issuer` listing `revoked`, numbered `number`, valid from
/// `this_update` to `next_update`, with the authority key identifier and CRL number
/// extensions. Returns the DER. See [`CrlBuilder`] to stream the entries instead.
pub fn full_crl(
    issuer: &Issuer<'_>,
    number: u64,
    this_update: SystemTime,
    next_update: SystemTime,
    revoked: &[Revoked],
) -> Result<Vec<u8>, CrlError> {
    let mut builder = CrlBuilder::new(issuer, number, this_update, next_update)?;
    builder.reserve(revoked.len());
    for r in revoked {
        builder.push(&r.serial, r.at, r.reason)?;
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::{Duration, UNIX_EPOCH};

    use der::asn1::BitString;
    use der::{Decode as _, EncodePem as _};
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::serial_number::SerialNumber;

    use super::*;
    use crate::profile::SubjectField;
    use crate::signer::{generate_pkcs8, verify_signature, FileSigner, KeyAlgorithm, Signer};

    /// The encoding `full_crl` had before the builder: x509-cert structures for every entry,
    /// encoded at the end. The builder must produce the same DER.
    fn reference_crl(
        issuer: &Issuer<'_>,
        number: u64,
        this_update: SystemTime,
        next_update: SystemTime,
        revoked: &[Revoked],
    ) -> Result<Vec<u8>, CrlError> {
        let mut entries = Vec::with_capacity(revoked.len());
        for r in revoked {
            let reason_ext = match r.reason {
                Reason::Unspecified => None,
                other => Some(vec![x509::extension(rfc5280::ID_CE_CRL_REASONS, false, &other.crl_reason())?]),
            };
            entries.push(RevokedCert {
                serial_number: SerialNumber::new(&r.serial).map_err(enc("a serial number"))?,
                revocation_date: x509::time(r.at)?,
                crl_entry_extensions: reason_ext,
            });
        }
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(
                OctetString::new(issuer_key_id(issuer.certificate)).map_err(enc("the key identifier"))?,
            ),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        let number = CrlNumber(Uint::new(&number.to_be_bytes()).map_err(enc("the CRL number"))?);
        let tbs = TbsCertList {
            version: Version::V2,
            signature: issuer.signer.algorithm().signature_algorithm(),
            issuer: issuer.certificate.tbs_certificate.subject.clone(),
            this_update: x509::time(this_update)?,
            next_update: Some(x509::time(next_update)?),
            revoked_certificates: if entries.is_empty() { None } else { Some(entries) },
            crl_extensions: Some(vec![
                x509::extension(rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, false, &aki)?,
                x509::extension(rfc5280::ID_CE_CRL_NUMBER, false, &number)?,
            ]),
        };
        let tbs_der = tbs.to_der().map_err(enc("the CRL"))?;
        let signature = issuer.signer.sign(&tbs_der)?;
        let crl = CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: issuer.signer.algorithm().signature_algorithm(),
            signature: BitString::from_bytes(&signature).map_err(enc("the signature"))?,
        };
        Ok(crl.to_der().map_err(enc("the CRL"))?)
    }

    /// A P-256 key whose "signature" is a function of the message only, so that two encodings
    /// of the same TBSCertList give byte-identical CRLs (ECDSA signatures are randomised).
    #[derive(Debug)]
    struct DeterministicSigner(FileSigner);

    impl Signer for DeterministicSigner {
        fn algorithm(&self) -> KeyAlgorithm {
            self.0.algorithm()
        }
        fn public_key(&self) -> &spki::SubjectPublicKeyInfoOwned {
            self.0.public_key()
        }
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
            use sha2::Digest as _;
            Ok(sha2::Sha256::digest(message).to_vec())
        }
    }

    struct Ca {
        signer: FileSigner,
        certificate: x509_cert::Certificate,
    }

    impl Ca {
        fn new() -> Ca {
            let pkcs8 = generate_pkcs8(KeyAlgorithm::EcdsaP256).unwrap();
            let signer =
                FileSigner::from_pkcs8(std::path::Path::new("ca.key"), KeyAlgorithm::EcdsaP256, &pkcs8)
                    .unwrap();
            let now = SystemTime::now();
            let subject = vec![
                (SubjectField::CountryName, "SE".to_owned()),
                (SubjectField::OrganizationName, "Tillit Test".to_owned()),
                (SubjectField::CommonName, "Tillit Test Root CA".to_owned()),
            ];
            let issued =
                crate::issue::root_ca(&signer, &subject, now, now + Duration::from_secs(86_400 * 365))
                    .unwrap();
            Ca { signer, certificate: issued.certificate }
        }

        fn issuer(&self) -> Issuer<'_> {
            Issuer { name: "root", certificate: &self.certificate, signer: &self.signer }
        }
    }

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    fn sample() -> Vec<Revoked> {
        let mut twenty = vec![0x7f; 20];
        twenty[19] = 0x01;
        vec![
            Revoked { serial: vec![0x05], at: at(1_700_000_000), reason: Reason::Unspecified },
            Revoked { serial: vec![0x85], at: at(1_700_000_001), reason: Reason::KeyCompromise },
            Revoked { serial: twenty, at: at(1_750_000_000), reason: Reason::CaCompromise },
            Revoked {
                serial: (1..=16).collect(),
                at: at(1_760_000_000) + Duration::from_millis(999),
                reason: Reason::AffiliationChanged,
            },
            // After 2049: GeneralizedTime.
            Revoked { serial: vec![0x00, 0x00, 0x42], at: at(2_600_000_000), reason: Reason::Superseded },
            Revoked { serial: vec![0x11; 19], at: at(2_524_607_999), reason: Reason::CessationOfOperation },
            Revoked {
                serial: vec![0x80, 0, 0, 0, 0],
                at: at(2_524_608_000),
                reason: Reason::PrivilegeWithdrawn,
            },
        ]
    }

    const THIS_UPDATE: u64 = 1_764_000_000;
    const NEXT_UPDATE: u64 = 1_764_086_400;

    #[test]
    fn builder_matches_the_struct_encoding_byte_for_byte() {
        let ca = Ca::new();
        let signer = DeterministicSigner(ca.signer);
        let issuer = Issuer { name: "root", certificate: &ca.certificate, signer: &signer };
        let (this_update, next_update) = (at(THIS_UPDATE), at(NEXT_UPDATE));
        for revoked in [sample(), vec![], sample()[..1].to_vec()] {
            for number in [0, 1, 0x80, u64::MAX] {
                let expected = reference_crl(&issuer, number, this_update, next_update, &revoked).unwrap();
                let got = full_crl(&issuer, number, this_update, next_update, &revoked).unwrap();
                assert_eq!(got, expected, "{} entries, number {number}", revoked.len());

                let mut builder = CrlBuilder::new(&issuer, number, this_update, next_update).unwrap();
                for r in &revoked {
                    builder.push(&r.serial, r.at, r.reason).unwrap();
                }
                assert_eq!(builder.len(), revoked.len() as u64);
                assert_eq!(builder.finish().unwrap(), expected);
            }
        }
    }

    #[test]
    fn crl_decodes_to_the_entries_and_its_signature_verifies() {
        let ca = Ca::new();
        let issuer = ca.issuer();
        let revoked = sample();
        let der = full_crl(&issuer, 7, at(THIS_UPDATE), at(NEXT_UPDATE), &revoked).unwrap();
        let crl = CertificateList::from_der(&der).unwrap();
        assert_eq!(crl.to_der().unwrap(), der, "canonical DER");
        let tbs = &crl.tbs_cert_list;
        assert_eq!(tbs.version, Version::V2);
        assert_eq!(tbs.issuer, ca.certificate.tbs_certificate.subject);
        assert_eq!(tbs.this_update.to_unix_duration().as_secs(), THIS_UPDATE);
        assert_eq!(tbs.next_update.unwrap().to_unix_duration().as_secs(), NEXT_UPDATE);
        let entries = tbs.revoked_certificates.as_ref().unwrap();
        assert_eq!(entries.len(), revoked.len());
        for (entry, r) in entries.iter().zip(&revoked) {
            // The INTEGER's content: no leading zeros, but one before a high bit.
            let mut serial = r.serial[r.serial.iter().take_while(|b| **b == 0).count()..].to_vec();
            if serial[0] >= 0x80 {
                serial.insert(0, 0);
            }
            assert_eq!(entry.serial_number.as_bytes(), serial);
            let secs = r.at.duration_since(UNIX_EPOCH).unwrap().as_secs();
            assert_eq!(entry.revocation_date.to_unix_duration().as_secs(), secs);
            let utc = matches!(entry.revocation_date, x509_cert::time::Time::UtcTime(_));
            assert_eq!(utc, secs < 2_524_608_000, "UTCTime through 2049, GeneralizedTime after");
            match r.reason {
                Reason::Unspecified => assert!(entry.crl_entry_extensions.is_none()),
                reason => {
                    let exts = entry.crl_entry_extensions.as_ref().unwrap();
                    assert_eq!(exts.len(), 1);
                    assert_eq!(exts[0].extn_id, rfc5280::ID_CE_CRL_REASONS);
                    assert!(!exts[0].critical);
                    let code = CrlReason::from_der(exts[0].extn_value.as_bytes()).unwrap();
                    assert_eq!(code, reason.crl_reason());
                }
            }
        }
        let exts = tbs.crl_extensions.as_ref().unwrap();
        assert_eq!(exts[0].extn_id, rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER);
        assert_eq!(exts[1].extn_id, rfc5280::ID_CE_CRL_NUMBER);
        assert_eq!(CrlNumber::from_der(exts[1].extn_value.as_bytes()).unwrap().0.as_bytes(), [7]);

        let tbs_der = tbs.to_der().unwrap();
        let signature = crl.signature.as_bytes().unwrap();
        assert!(verify_signature(ca.signer.public_key(), &crl.signature_algorithm, &tbs_der, signature));
        assert!(!verify_signature(
            ca.signer.public_key(),
            &crl.signature_algorithm,
            &tbs_der[1..],
            signature
        ));
    }

    #[test]
    fn empty_crl_has_no_revoked_certificates_field() {
        let ca = Ca::new();
        let issuer = ca.issuer();
        let builder = CrlBuilder::new(&issuer, 1, at(THIS_UPDATE), at(NEXT_UPDATE)).unwrap();
        assert!(builder.is_empty());
        let der = builder.finish().unwrap();
        let crl = CertificateList::from_der(&der).unwrap();
        assert!(crl.tbs_cert_list.revoked_certificates.is_none());
        assert_eq!(crl.tbs_cert_list.crl_extensions.as_ref().map(Vec::len), Some(2));
        let tbs_der = crl.tbs_cert_list.to_der().unwrap();
        let signature = crl.signature.as_bytes().unwrap();
        assert!(verify_signature(ca.signer.public_key(), &crl.signature_algorithm, &tbs_der, signature));
    }

    #[test]
    fn bad_serials_are_refused() {
        let ca = Ca::new();
        let issuer = ca.issuer();
        let mut builder = CrlBuilder::new(&issuer, 1, at(THIS_UPDATE), at(NEXT_UPDATE)).unwrap();
        let now = at(THIS_UPDATE);
        assert!(builder.push(&[], now, Reason::Unspecified).is_err());
        // 20 octets with the high bit set encode as 21.
        assert!(builder.push(&[0x80; 20], now, Reason::Unspecified).is_err());
        assert!(builder.push(&[0x01; 21], now, Reason::Unspecified).is_err());
        // Leading zeros are not content.
        builder
            .push(
                &[
                    0x00, 0x00, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                    0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
                ],
                now,
                Reason::Unspecified,
            )
            .unwrap();
        assert!(builder.push(&[0x01], UNIX_EPOCH - Duration::from_secs(1), Reason::Unspecified).is_err());
        assert_eq!(builder.len(), 1);
        let crl = CertificateList::from_der(&builder.finish().unwrap()).unwrap();
        assert_eq!(crl.tbs_cert_list.revoked_certificates.unwrap().len(), 1);
    }

    #[test]
    fn openssl_reads_and_verifies_the_crl() {
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("openssl is not installed; skipped");
            return;
        }
        let ca = Ca::new();
        let issuer = ca.issuer();
        let der = full_crl(&issuer, 42, at(THIS_UPDATE), at(NEXT_UPDATE), &sample()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let crl_path = dir.path().join("ca.crl");
        let ca_path = dir.path().join("ca.pem");
        std::fs::write(&crl_path, &der).unwrap();
        std::fs::write(&ca_path, ca.certificate.to_pem(der::pem::LineEnding::LF).unwrap()).unwrap();
        let out = Command::new("openssl")
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&crl_path)
            .arg("-CAfile")
            .arg(&ca_path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("verify OK"), "{stderr}");
        for expected in [
            "Version 2 (0x1)",
            "X509v3 CRL Number: \n                42",
            "Serial Number: 05",
            "Serial Number: 85",
            "Serial Number: 0102030405060708090A0B0C0D0E0F10",
            "Serial Number: 42",
            "Key Compromise",
            "CA Compromise",
            "Affiliation Changed",
            "Superseded",
            "Cessation Of Operation",
            "Privilege Withdrawn",
            "Revocation Date: Jan  1 00:00:00 2050 GMT",
            "Revocation Date: May 22 14:13:20 2052 GMT",
        ] {
            assert!(stdout.contains(expected), "{expected:?} not in\n{stdout}");
        }
        assert_eq!(stdout.matches("Serial Number:").count(), sample().len(), "{stdout}");
    }

    #[test]
    fn reasons_parse_by_name_and_code() {
        assert_eq!("keyCompromise".parse::<Reason>().unwrap(), Reason::KeyCompromise);
        assert_eq!("key-compromise".parse::<Reason>().unwrap(), Reason::KeyCompromise);
        assert_eq!("9".parse::<Reason>().unwrap(), Reason::PrivilegeWithdrawn);
        assert!("certificateHold".parse::<Reason>().is_err());
        assert!("7".parse::<Reason>().is_err());
        for r in Reason::ALL {
            assert_eq!(r.name().parse::<Reason>().unwrap(), r);
            assert_eq!(Reason::from_code(r.code()), Some(r));
        }
    }
}
