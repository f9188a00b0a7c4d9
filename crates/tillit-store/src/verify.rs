//! Verifying the audit log end to end (SPEC R-AUD-2): every chain from its first entry,
//! every link, hash, node signature, chain head and checkpoint.
//!
//! Entries are read a page at a time; while the next page is read, the previous page's
//! signatures are checked in batches on all cores.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use sqlx::any::AnyRow;
use sqlx::Row as _;
use tillit_core::audit::{
    verify_checkpoint, AuditEntry, AuditPublicKey, ChainVerifier, Checkpoint, Fault, Hash, KeyRing, Located,
    PendingSignature,
};
use tokio::task::JoinHandle;

use crate::ledger::{to_hash, to_i64, to_u64};
use crate::{Store, StoreError};

const PAGE: i64 = 8192;
const SIGNATURE_BATCH: usize = 256;

/// What to verify against.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Trust only these keys. Without it, the keys registered in the database are trusted:
    /// enough to detect any change made without the node's key; pin the keys to detect a
    /// forger who also controls the database.
    pub trusted: Option<KeyRing>,
    /// Verify only one chain: from its start (seq 0), or from a signed checkpoint on, whose
    /// signature is checked and the entries before which are not read.
    pub from_checkpoint: Option<(String, u64)>,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Chains checked.
    pub chains: usize,
    /// Entries whose link, hash and signature were checked.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Keys trusted.
    pub keys: usize,
    /// The first fault found, if any. Verification stops there.
    pub fault: Option<Located>,
}

type SignatureCheck = JoinHandle<Result<(), Located>>;

impl Store {
    /// The audit keys registered in the database.
    pub async fn audit_keys(&self) -> Result<KeyRing, StoreError> {
        let rows =
            sqlx::query("SELECT key_id, algorithm, public_key FROM audit_keys").fetch_all(&self.pool).await?;
        let mut ring = KeyRing::default();
        for row in rows {
            let key_id: String = row.try_get(0)?;
            let algorithm: String = row.try_get(1)?;
            let bytes: Vec<u8> = row.try_get(2)?;
            let key = AuditPublicKey::from_stored(&algorithm, &bytes)
                .map_err(|source| StoreError::StoredKey { key_id: key_id.clone(), source })?;
            if key.id() != key_id {
                return Err(StoreError::CorruptRow {
                    table: "audit_keys",
                    reason: format!("key {key_id} is stored with a public key whose id is {}", key.id()),
                });
            }
            ring.insert(key);
        }
        Ok(ring)
    }

    /// Recomputes every chain and checks every signature.
    pub async fn verify_audit(&self, options: &VerifyOptions) -> Result<VerifyReport, StoreError> {
        let keys = match &options.trusted {
            Some(ring) => ring.clone(),
            None => self.audit_keys().await?,
        };
        let mut report =
            VerifyReport { chains: 0, entries: 0, checkpoints: 0, keys: keys.len(), fault: None };

        let mut chains: BTreeMap<String, (u64, Option<Hash>)> = BTreeMap::new();
        for row in sqlx::query("SELECT chain, seq, hash FROM audit_heads").fetch_all(&self.pool).await? {
            let chain: String = row.try_get(0)?;
            let seq = to_u64(row.try_get::<i64, _>(1)?, "audit_heads")?;
            let hash = to_hash(&row, 2, "audit_heads").ok();
            chains.insert(chain, (seq, hash));
        }
        // Entries or checkpoints in a chain that has no head were added behind the store's back.
        for sql in
            ["SELECT DISTINCT chain FROM audit_entries", "SELECT DISTINCT chain FROM audit_checkpoints"]
        {
            for row in sqlx::query(sql).fetch_all(&self.pool).await? {
                chains.entry(row.try_get(0)?).or_insert((0, None));
            }
        }

        let mut start = None;
        if let Some((chain, seq)) = &options.from_checkpoint {
            let Some(head) = chains.get(chain).cloned() else {
                report.fault = Some(Located { chain: chain.clone(), seq: *seq, fault: Fault::NoCheckpoint });
                return Ok(report);
            };
            chains = BTreeMap::from([(chain.clone(), head)]);
            if *seq > 0 {
                let checkpoint = self.checkpoints(chain).await?.into_iter().find(|c| c.seq == *seq);
                let Some(checkpoint) = checkpoint else {
                    report.fault =
                        Some(Located { chain: chain.clone(), seq: *seq, fault: Fault::NoCheckpoint });
                    return Ok(report);
                };
                // The starting point is trusted only because the node signed it.
                if let Err(fault) = verify_checkpoint(&checkpoint, Some(&checkpoint.hash), &keys) {
                    report.fault = Some(fault);
                    return Ok(report);
                }
                report.checkpoints += 1;
                start = Some(checkpoint);
            }
        }

        for (chain, (head_seq, head_hash)) in &chains {
            report.chains += 1;
            match self.verify_chain(chain, *head_seq, head_hash.as_ref(), &keys, start.as_ref()).await? {
                Ok((entries, checkpoints)) => {
                    report.entries += entries;
                    report.checkpoints += checkpoints;
                }
                Err(fault) => {
                    report.fault = Some(fault);
                    break;
                }
            }
        }
        Ok(report)
    }

    async fn verify_chain(
        &self,
        chain: &str,
        head_seq: u64,
        head_hash: Option<&Hash>,
        keys: &KeyRing,
        start: Option<&Checkpoint>,
    ) -> Result<Result<(u64, u64), Located>, StoreError> {
        let mut after: u64 = start.map_or(0, |cp| cp.seq);
        let mut verifier = match start {
            Some(cp) => ChainVerifier::starting_at(chain, cp.seq + 1, cp.hash),
            None => ChainVerifier::new(chain),
        };
        let checkpoints: Vec<Checkpoint> =
            self.checkpoints(chain).await?.into_iter().filter(|c| c.seq > after).collect();
        let wanted: BTreeSet<u64> = checkpoints.iter().map(|c| c.seq).collect();
        let mut hashes_at: BTreeMap<u64, Hash> = BTreeMap::new();

        let mut in_flight: Option<SignatureCheck> = None;
        loop {
            let rows = sqlx::query(
                "SELECT seq, prev_hash, time_us, actor, action, payload, actor_signature, key_id, \
                 node_signature, hash FROM audit_entries WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            )
            .bind(chain)
            .bind(to_i64(after))
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut pending = Vec::with_capacity(rows.len());
            let mut page_fault = None;
            for row in &rows {
                let outcome = decode_entry(chain, row).and_then(|entry| {
                    let p = verifier.push(&entry)?;
                    if wanted.contains(&entry.seq) {
                        hashes_at.insert(entry.seq, entry.hash);
                    }
                    after = entry.seq;
                    Ok(p)
                });
                match outcome {
                    Ok(p) => pending.push(p),
                    Err(fault) => {
                        page_fault = Some(fault);
                        break;
                    }
                }
            }
            // Earlier pages' signatures come first in the chain, so their fault wins.
            if let Some(previous) = in_flight.take() {
                if let Err(fault) = join(previous).await {
                    return Ok(Err(fault));
                }
            }
            if let Some(fault) = page_fault {
                if let Err(sig_fault) = check_signatures(chain.to_owned(), keys.clone(), pending).await {
                    return Ok(Err(sig_fault));
                }
                return Ok(Err(fault));
            }
            in_flight = Some(spawn_signature_check(chain.to_owned(), keys.clone(), pending));
            if rows.len() < PAGE as usize {
                break;
            }
        }
        if let Some(previous) = in_flight.take() {
            if let Err(fault) = join(previous).await {
                return Ok(Err(fault));
            }
        }
        let entries = match verifier.finish(head_seq, head_hash.unwrap_or(&[0xff; 32])) {
            Ok(n) => n,
            Err(fault) => return Ok(Err(fault)),
        };
        for cp in &checkpoints {
            if let Err(fault) = verify_checkpoint(cp, hashes_at.get(&cp.seq), keys) {
                return Ok(Err(fault));
            }
        }
        Ok(Ok((entries, checkpoints.len() as u64)))
    }

    async fn checkpoints(&self, chain: &str) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, hash, time_us, key_id, signature FROM audit_checkpoints WHERE chain = $1 ORDER BY seq",
        )
        .bind(chain)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Checkpoint {
                    chain: chain.to_owned(),
                    seq: to_u64(row.try_get::<i64, _>(0)?, "audit_checkpoints")?,
                    hash: to_hash(row, 1, "audit_checkpoints")?,
                    time_us: row.try_get(2)?,
                    key_id: row.try_get(3)?,
                    signature: row.try_get(4)?,
                })
            })
            .collect()
    }
}

/// Reads one entry row; a value outside its type is a fault of that entry, not an error.
fn decode_entry(chain: &str, row: &AnyRow) -> Result<AuditEntry, Located> {
    let seq = row.try_get::<i64, _>(0).ok().and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
    let bad = || Located { chain: chain.to_owned(), seq, fault: Fault::Content };
    let hash32 = |i: usize| -> Result<Hash, Located> {
        let bytes: Vec<u8> = row.try_get(i).map_err(|_| bad())?;
        bytes.as_slice().try_into().map_err(|_| bad())
    };
    Ok(AuditEntry {
        chain: chain.to_owned(),
        seq,
        prev_hash: hash32(1)?,
        time_us: row.try_get(2).map_err(|_| bad())?,
        actor: row.try_get(3).map_err(|_| bad())?,
        action: row.try_get(4).map_err(|_| bad())?,
        payload: row.try_get(5).map_err(|_| bad())?,
        actor_signature: row.try_get(6).map_err(|_| bad())?,
        key_id: row.try_get(7).map_err(|_| bad())?,
        node_signature: row.try_get(8).map_err(|_| bad())?,
        hash: hash32(9)?,
    })
}

fn verify_batches(chain: &str, keys: &KeyRing, pending: &[PendingSignature]) -> Result<(), Located> {
    let failures: Vec<Located> = pending
        .par_chunks(SIGNATURE_BATCH)
        .filter_map(|batch| ChainVerifier::check_signatures(chain, keys, batch).err())
        .collect();
    match failures.into_iter().min_by_key(|f| f.seq) {
        Some(first) => Err(first),
        None => Ok(()),
    }
}

fn spawn_signature_check(chain: String, keys: KeyRing, pending: Vec<PendingSignature>) -> SignatureCheck {
    tokio::task::spawn_blocking(move || verify_batches(&chain, &keys, &pending))
}

async fn check_signatures(
    chain: String,
    keys: KeyRing,
    pending: Vec<PendingSignature>,
) -> Result<(), Located> {
    join(spawn_signature_check(chain, keys, pending)).await
}

async fn join(handle: SignatureCheck) -> Result<(), Located> {
    match handle.await {
        Ok(result) => result,
        // The check panicked or was cancelled: the signatures were not shown to be good.
        Err(e) => Err(Located {
            chain: String::new(),
            seq: 0,
            fault: Fault::Signature(format!("check aborted: {e}")),
        }),
    }
}
