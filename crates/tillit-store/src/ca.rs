//! What the certificate authority remembers: its CAs, the certificates it issued (serials
//! unique across all CAs, enforced by the primary key), revocations, published CRLs.
//! Writes go through a [`Tx`], with their audit entries.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row as _};

use crate::ledger::now_us;
use crate::{Store, StoreError, Tx};

/// A CA of this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    /// Its name in URLs and configuration (`root`, `issuing`).
    pub name: String,
    /// `root`, `issuing` or `ocsp-responder`.
    pub role: String,
    /// The CA that certified it (none for a root).
    pub parent: Option<String>,
    /// Its key algorithm name.
    pub key_algorithm: String,
    /// Where its key is: a keystore file (relative to the data directory) or a PKCS#11 URI
    /// without PIN.
    pub key_ref: String,
    /// Its certificate, DER.
    pub certificate: Vec<u8>,
}

/// A certificate issued by this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    /// Lower-case hex of the serial number's content octets.
    pub serial: String,
    /// The issuing CA's name.
    pub issuer: String,
    /// The profile it was issued under.
    pub profile: String,
    /// The subject, as text (for officers' lists; never logged).
    pub subject: String,
    /// Validity start, microseconds since the epoch.
    pub not_before_us: i64,
    /// Validity end.
    pub not_after_us: i64,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// When it was revoked, if it was.
    pub revoked_us: Option<i64>,
    /// The RFC 5280 reason code, if revoked.
    pub reason: Option<u8>,
}

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// Revoked now.
    Revoked {
        /// When.
        at_us: i64,
    },
    /// It was revoked before; nothing changed.
    AlreadyRevoked {
        /// When.
        at_us: i64,
        /// With which reason code.
        reason: u8,
    },
    /// No certificate with that serial.
    NotFound,
}

/// A revoked certificate, for CRLs and OCSP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Lower-case hex serial.
    pub serial: String,
    /// When.
    pub revoked_us: i64,
    /// RFC 5280 reason code.
    pub reason: u8,
}

/// What OCSP needs to know of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateStatus {
    /// The issuing CA's name.
    pub issuer: String,
    /// Validity end.
    pub not_after_us: i64,
    /// When it was revoked, if it was.
    pub revoked_us: Option<i64>,
    /// The RFC 5280 reason code, if revoked.
    pub reason: Option<u8>,
}

/// A published CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlRecord {
    /// The CA.
    pub issuer: String,
    /// CRL number.
    pub number: u64,
    /// thisUpdate.
    pub this_update_us: i64,
    /// nextUpdate.
    pub next_update_us: i64,
    /// How many revoked certificates it lists.
    pub entries: u64,
    /// DER.
    pub der: Vec<u8>,
}

const CERT_COLUMNS: &str =
    "serial, issuer, profile, subject, not_before_us, not_after_us, revoked_us, reason, der";
/// The columns of a listing: all but the DER.
const LIST_COLUMNS: &str =
    "serial, issuer, profile, subject, not_before_us, not_after_us, revoked_us, reason";

/// A certificate from a row of [`CERT_COLUMNS`], or of [`LIST_COLUMNS`] (then `der` is empty).
fn cert_row(row: &AnyRow) -> Result<CertificateRecord, StoreError> {
    let reason: Option<i32> = row.try_get(7)?;
    Ok(CertificateRecord {
        serial: row.try_get(0)?,
        issuer: row.try_get(1)?,
        profile: row.try_get(2)?,
        subject: row.try_get(3)?,
        not_before_us: row.try_get(4)?,
        not_after_us: row.try_get(5)?,
        revoked_us: row.try_get(6)?,
        reason: reason.and_then(|r| u8::try_from(r).ok()),
        der: if row.len() > 8 { row.try_get(8)? } else { Vec::new() },
    })
}

fn revoked_row(row: &AnyRow) -> Result<RevokedEntry, StoreError> {
    let reason: i32 = row.try_get(2)?;
    Ok(RevokedEntry {
        serial: row.try_get(0)?,
        revoked_us: row.try_get(1)?,
        reason: u8::try_from(reason).unwrap_or_default(),
    })
}

impl Tx<'_> {
    /// Records a CA of this node.
    pub async fn insert_ca(&mut self, ca: &CaRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ca_authorities (name, role, parent, key_algorithm, key_ref, certificate, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&ca.name)
        .bind(&ca.role)
        .bind(ca.parent.clone())
        .bind(&ca.key_algorithm)
        .bind(&ca.key_ref)
        .bind(ca.certificate.clone())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records an issued certificate. A serial that exists already is refused with
    /// [`StoreError::Duplicate`] and changes nothing.
    pub async fn insert_certificate(&mut self, c: &CertificateRecord) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO certificates (serial, issuer, profile, subject, not_before_us, not_after_us, der, issued_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (serial) DO NOTHING",
        )
        .bind(&c.serial)
        .bind(&c.issuer)
        .bind(&c.profile)
        .bind(&c.subject)
        .bind(c.not_before_us)
        .bind(c.not_after_us)
        .bind(c.der.clone())
        .bind(now_us())
        .execute(self.conn())
        .await?;
        if result.rows_affected() == 0 {
            return Err(StoreError::Duplicate { what: "certificate serial", value: c.serial.clone() });
        }
        Ok(())
    }

    /// Revokes a certificate, once: a second revocation changes nothing and says when the
    /// first was.
    pub async fn revoke_certificate(
        &mut self,
        serial: &str,
        reason: u8,
        at_us: i64,
    ) -> Result<RevokeOutcome, StoreError> {
        let updated = sqlx::query(
            "UPDATE certificates SET revoked_us = $1, reason = $2 WHERE serial = $3 AND revoked_us IS NULL",
        )
        .bind(at_us)
        .bind(i32::from(reason))
        .bind(serial)
        .execute(self.conn())
        .await?
        .rows_affected();
        if updated == 1 {
            return Ok(RevokeOutcome::Revoked { at_us });
        }
        let row = sqlx::query("SELECT revoked_us, reason FROM certificates WHERE serial = $1")
            .bind(serial)
            .fetch_optional(self.conn())
            .await?;
        Ok(match row {
            None => RevokeOutcome::NotFound,
            Some(row) => {
                let at_us: Option<i64> = row.try_get(0)?;
                let reason: Option<i32> = row.try_get(1)?;
                RevokeOutcome::AlreadyRevoked {
                    at_us: at_us.unwrap_or_default(),
                    reason: reason.and_then(|r| u8::try_from(r).ok()).unwrap_or_default(),
                }
            }
        })
    }

    /// Records a published CRL.
    pub async fn insert_crl(&mut self, crl: &CrlRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO ca_crls (issuer, number, this_update_us, next_update_us, entries, der) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&crl.issuer)
        .bind(crate::ledger::to_i64(crl.number))
        .bind(crl.this_update_us)
        .bind(crl.next_update_us)
        .bind(crate::ledger::to_i64(crl.entries))
        .bind(crl.der.clone())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Every revoked certificate of a CA, as this transaction sees them.
    pub async fn revoked(&mut self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        revoked(self.conn(), issuer).await
    }

    /// Calls `each` with every revoked certificate of a CA, oldest revocation first, as the
    /// rows arrive from the database: a CRL of a million entries is built without holding
    /// them all in memory.
    pub async fn for_each_revoked<E: From<StoreError>>(
        &mut self,
        issuer: &str,
        mut each: impl FnMut(RevokedEntry) -> Result<(), E>,
    ) -> Result<(), E> {
        use futures_util::TryStreamExt as _;
        let mut rows = sqlx::query(
            "SELECT serial, revoked_us, reason FROM certificates \
             WHERE issuer = $1 AND revoked_us IS NOT NULL ORDER BY revoked_us, serial",
        )
        .bind(issuer)
        .fetch(self.conn());
        while let Some(row) = rows.try_next().await.map_err(StoreError::from)? {
            each(revoked_row(&row)?)?;
        }
        Ok(())
    }

    /// How many certificates of a CA are revoked, as this transaction sees them.
    pub async fn revoked_count(&mut self, issuer: &str) -> Result<u64, StoreError> {
        revoked_count(self.conn(), issuer).await
    }

    /// The newest published CRL of a CA, as this transaction sees it.
    pub async fn latest_crl(&mut self, issuer: &str) -> Result<Option<CrlRecord>, StoreError> {
        latest_crl(self.conn(), issuer).await
    }

    /// The next CRL number of a CA, under the CA row's lock so two nodes never publish the
    /// same number.
    pub async fn next_crl_number(&mut self, issuer: &str) -> Result<u64, StoreError> {
        let sql = format!("SELECT name FROM ca_authorities WHERE name = $1{}", self.backend().for_update());
        sqlx::query(&sql).bind(issuer).fetch_optional(self.conn()).await?;
        let row = sqlx::query("SELECT MAX(number) FROM ca_crls WHERE issuer = $1")
            .bind(issuer)
            .fetch_one(self.conn())
            .await?;
        let last: Option<i64> = row.try_get(0)?;
        Ok(last.map_or(1, |n| u64::try_from(n).unwrap_or(0) + 1))
    }
}

impl Store {
    /// The CAs of this node.
    pub async fn cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, role, parent, key_algorithm, key_ref, certificate FROM ca_authorities ORDER BY created_us",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CaRecord {
                    name: row.try_get(0)?,
                    role: row.try_get(1)?,
                    parent: row.try_get(2)?,
                    key_algorithm: row.try_get(3)?,
                    key_ref: row.try_get(4)?,
                    certificate: row.try_get(5)?,
                })
            })
            .collect()
    }

    /// A certificate by serial (lower-case hex).
    pub async fn certificate(&self, serial: &str) -> Result<Option<CertificateRecord>, StoreError> {
        let sql = format!("SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1");
        let row = sqlx::query(&sql).bind(serial).fetch_optional(&self.pool).await?;
        row.as_ref().map(cert_row).transpose()
    }

    /// Every certificate issued, oldest first, without their DER (`der` is empty).
    pub async fn certificates(&self) -> Result<Vec<CertificateRecord>, StoreError> {
        let sql = format!("SELECT {LIST_COLUMNS} FROM certificates ORDER BY issued_us, serial");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(cert_row).collect()
    }

    /// The status of a certificate by serial (lower-case hex), without its DER.
    pub async fn certificate_status(&self, serial: &str) -> Result<Option<CertificateStatus>, StoreError> {
        let row = sqlx::query(
            "SELECT issuer, not_after_us, revoked_us, reason FROM certificates WHERE serial = $1",
        )
        .bind(serial)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let reason: Option<i32> = row.try_get(3)?;
            Ok(CertificateStatus {
                issuer: row.try_get(0)?,
                not_after_us: row.try_get(1)?,
                revoked_us: row.try_get(2)?,
                reason: reason.and_then(|r| u8::try_from(r).ok()),
            })
        })
        .transpose()
    }

    /// The certificates of a CA under a profile that are neither revoked nor expired at
    /// `at_us`, the longest-lived first.
    pub async fn current_certificates(
        &self,
        issuer: &str,
        profile: &str,
        at_us: i64,
    ) -> Result<Vec<CertificateRecord>, StoreError> {
        let sql = format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE issuer = $1 AND profile = $2 \
             AND revoked_us IS NULL AND not_after_us > $3 ORDER BY not_after_us DESC"
        );
        let rows = sqlx::query(&sql).bind(issuer).bind(profile).bind(at_us).fetch_all(&self.pool).await?;
        rows.iter().map(cert_row).collect()
    }

    /// The certificates of a CA revoked at or after `since_us` (by any node), oldest first.
    pub async fn revoked_since(&self, issuer: &str, since_us: i64) -> Result<Vec<RevokedEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT serial, revoked_us, reason FROM certificates \
             WHERE issuer = $1 AND revoked_us >= $2 ORDER BY revoked_us, serial",
        )
        .bind(issuer)
        .bind(since_us)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revoked_row).collect()
    }

    /// Every revoked certificate of a CA, oldest revocation first.
    pub async fn revoked(&self, issuer: &str) -> Result<Vec<RevokedEntry>, StoreError> {
        revoked(&self.pool, issuer).await
    }

    /// How many certificates of a CA are revoked. Revocations are permanent, so a CRL that
    /// lists this many is current.
    pub async fn revoked_count(&self, issuer: &str) -> Result<u64, StoreError> {
        revoked_count(&self.pool, issuer).await
    }

    /// The newest published CRL of a CA.
    pub async fn latest_crl(&self, issuer: &str) -> Result<Option<CrlRecord>, StoreError> {
        latest_crl(&self.pool, issuer).await
    }
}

async fn revoked<'e, E: Executor<'e, Database = Any>>(
    db: E,
    issuer: &str,
) -> Result<Vec<RevokedEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT serial, revoked_us, reason FROM certificates \
         WHERE issuer = $1 AND revoked_us IS NOT NULL ORDER BY revoked_us, serial",
    )
    .bind(issuer)
    .fetch_all(db)
    .await?;
    rows.iter().map(revoked_row).collect()
}

async fn revoked_count<'e, E: Executor<'e, Database = Any>>(db: E, issuer: &str) -> Result<u64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) FROM certificates WHERE issuer = $1 AND revoked_us IS NOT NULL")
        .bind(issuer)
        .fetch_one(db)
        .await?;
    crate::ledger::to_u64(row.try_get(0)?, "certificates")
}

async fn latest_crl<'e, E: Executor<'e, Database = Any>>(
    db: E,
    issuer: &str,
) -> Result<Option<CrlRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT number, this_update_us, next_update_us, entries, der FROM ca_crls WHERE issuer = $1 \
         ORDER BY number DESC LIMIT 1",
    )
    .bind(issuer)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(CrlRecord {
            issuer: issuer.to_owned(),
            number: crate::ledger::to_u64(row.try_get(0)?, "ca_crls")?,
            this_update_us: row.try_get(1)?,
            next_update_us: row.try_get(2)?,
            entries: crate::ledger::to_u64(row.try_get(3)?, "ca_crls")?,
            der: row.try_get(4)?,
        })
    })
    .transpose()
}
