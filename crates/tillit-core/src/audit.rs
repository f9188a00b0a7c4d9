//! The audit log's domain: events, the canonical encoding that is hashed, the signing
//! contract for the node's audit key, and the verifier (SPEC R-AUD-1, R-AUD-2).
//!
//! An entry commits to the previous entry of its chain (`prev_hash`), and its `hash` is
//! SHA-256 over a canonical, length-prefixed encoding of every other field. The node signs
//! the hash with its audit key; the acting officer's own signature over the action
//! (R-AUD-1) is one of the hashed fields, so it cannot be swapped afterwards. Chains are per
//! organisation; node-level events go to the [`SYSTEM_CHAIN`].
//!
//! Nothing here does I/O: the store reads rows and feeds them to [`ChainVerifier`].

use std::collections::HashMap;
use std::fmt;

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev_hash` of the first entry of every chain.
pub const GENESIS: Hash = [0; 32];

/// The chain of node-level events (initialisation, key registration), which belong to no
/// organisation.
pub const SYSTEM_CHAIN: &str = "system";

const ENTRY_TAG: &[u8] = b"tillit/audit-entry/v1";
const ENTRY_SIG_TAG: &[u8] = b"tillit/audit-entry-signature/v1";
const CHECKPOINT_TAG: &[u8] = b"tillit/audit-checkpoint/v1";

/// Who performed an action: an officer, an API client, or the node itself.
///
/// The text form is `kind:id`, e.g. `officer:7f1c…`, `client:SE2120000738`, `system:init`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor(String);

impl Actor {
    /// The node itself, acting for the named routine (`system:<routine>`).
    pub fn system(routine: &str) -> Actor {
        Actor(format!("system:{routine}"))
    }

    /// An actor from its stored text form, checked to be `kind:id` with both parts present
    /// and no control characters.
    pub fn parse(text: &str) -> Result<Actor, AuditError> {
        match text.split_once(':') {
            Some((kind, id))
                if !kind.is_empty()
                    && !id.is_empty()
                    && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                    && !text.chars().any(char::is_control) =>
            {
                Ok(Actor(text.to_owned()))
            }
            _ => Err(AuditError::Actor(text.chars().take(64).collect())),
        }
    }

    /// The stored text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A state change to be recorded: what the routines return and the store appends in the
/// same transaction as the tables it changes (ARCHITECTURE.md, "Audit log").
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The chain: the organisation's id, or [`SYSTEM_CHAIN`].
    pub chain: String,
    /// Who acted.
    pub actor: Actor,
    /// What was done, dotted lowercase (`card.ordered`, `node.initialised`).
    pub action: String,
    /// The details. Stored as canonical JSON; never holds protected names or addresses
    /// (R-PER-3): routines put ids here, not personal data.
    pub payload: Value,
    /// The acting officer's own signature over the action (R-AUD-1), when the routine
    /// requires one: an opaque, self-describing blob (e.g. a WebAuthn assertion).
    pub actor_signature: Option<Vec<u8>>,
}

impl AuditEvent {
    /// An event with no officer signature.
    pub fn new(chain: impl Into<String>, actor: Actor, action: impl Into<String>, payload: Value) -> Self {
        AuditEvent { chain: chain.into(), actor, action: action.into(), payload, actor_signature: None }
    }

    /// Checks the event's own fields: a chain id and an action in the allowed alphabet.
    pub fn validate(&self) -> Result<(), AuditError> {
        let chain_ok = !self.chain.is_empty()
            && self.chain.len() <= 128
            && self.chain.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !chain_ok {
            return Err(AuditError::Chain(self.chain.chars().take(64).collect()));
        }
        let action_ok = !self.action.is_empty()
            && self.action.len() <= 128
            && self
                .action
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if !action_ok {
            return Err(AuditError::Action(self.action.chars().take(64).collect()));
        }
        Ok(())
    }
}

/// Errors in building an audit event.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuditError {
    /// The actor is not of the form `kind:id`.
    #[error("actor {0:?} is not of the form kind:id")]
    Actor(String),
    /// The chain id is empty, too long, or has characters other than letters, digits, `-_.`.
    #[error("chain {0:?} must be 1-128 letters, digits or -_.")]
    Chain(String),
    /// The action is empty, too long, or not dotted lowercase.
    #[error("action {0:?} must be 1-128 lowercase letters, digits or ._-")]
    Action(String),
    /// The node's signer failed.
    #[error("audit signer failed: {0}")]
    Signer(String),
}

/// One stored entry of a chain, exactly as it is hashed and signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The chain (organisation id or [`SYSTEM_CHAIN`]).
    pub chain: String,
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    /// The previous entry's hash, [`GENESIS`] for seq 1.
    pub prev_hash: Hash,
    /// When it was recorded, microseconds since the Unix epoch, UTC.
    pub time_us: i64,
    /// Who acted (text form of [`Actor`]).
    pub actor: String,
    /// What was done.
    pub action: String,
    /// Canonical JSON of the details.
    pub payload: String,
    /// The officer's own signature over the action, if the routine required one.
    pub actor_signature: Option<Vec<u8>>,
    /// Which node audit key signed it.
    pub key_id: String,
    /// The node's signature over the hash.
    pub node_signature: Vec<u8>,
    /// SHA-256 over the canonical encoding of every field above except the signature.
    pub hash: Hash,
}

/// The fields of an entry that are hashed, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    /// See [`AuditEntry::chain`].
    pub chain: &'a str,
    /// See [`AuditEntry::seq`].
    pub seq: u64,
    /// See [`AuditEntry::prev_hash`].
    pub prev_hash: &'a Hash,
    /// See [`AuditEntry::time_us`].
    pub time_us: i64,
    /// See [`AuditEntry::actor`].
    pub actor: &'a str,
    /// See [`AuditEntry::action`].
    pub action: &'a str,
    /// See [`AuditEntry::payload`].
    pub payload: &'a str,
    /// See [`AuditEntry::actor_signature`].
    pub actor_signature: Option<&'a [u8]>,
    /// See [`AuditEntry::key_id`].
    pub key_id: &'a str,
}

impl AuditEntry {
    /// The hashed fields of this entry.
    pub fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            chain: &self.chain,
            seq: self.seq,
            prev_hash: &self.prev_hash,
            time_us: self.time_us,
            actor: &self.actor,
            action: &self.action,
            payload: &self.payload,
            actor_signature: self.actor_signature.as_deref(),
            key_id: &self.key_id,
        }
    }
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

impl EntryFields<'_> {
    /// SHA-256 over the canonical encoding: a version tag, then every field length-prefixed
    /// (u64 big-endian) in a fixed order, integers big-endian, the optional officer
    /// signature preceded by a presence byte.
    pub fn hash(&self) -> Hash {
        let mut h = Sha256::new();
        put(&mut h, ENTRY_TAG);
        put(&mut h, self.chain.as_bytes());
        h.update(self.seq.to_be_bytes());
        h.update(self.prev_hash);
        h.update(self.time_us.to_be_bytes());
        put(&mut h, self.actor.as_bytes());
        put(&mut h, self.action.as_bytes());
        put(&mut h, self.payload.as_bytes());
        match self.actor_signature {
            Some(sig) => {
                h.update([1]);
                put(&mut h, sig);
            }
            None => h.update([0]),
        }
        put(&mut h, self.key_id.as_bytes());
        h.finalize().into()
    }
}

/// What the node's audit key signs for an entry: a domain tag and the entry hash.
pub fn entry_signing_message(hash: &Hash) -> Vec<u8> {
    let mut m = Vec::with_capacity(ENTRY_SIG_TAG.len() + 32);
    m.extend_from_slice(ENTRY_SIG_TAG);
    m.extend_from_slice(hash);
    m
}

/// A signed statement that chain `chain` had the entry `hash` at position `seq`: lets an
/// auditor verify a range of the chain from the checkpoint before it, without the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The chain.
    pub chain: String,
    /// The position it covers (all entries 1..=seq).
    pub seq: u64,
    /// The hash of entry `seq`, which commits to every entry before it.
    pub hash: Hash,
    /// When it was made, microseconds since the Unix epoch.
    pub time_us: i64,
    /// Which node audit key signed it.
    pub key_id: String,
    /// The signature over [`Checkpoint::signing_message`].
    pub signature: Vec<u8>,
}

impl Checkpoint {
    /// What the node's audit key signs for a checkpoint.
    pub fn signing_message(chain: &str, seq: u64, hash: &Hash, time_us: i64, key_id: &str) -> Vec<u8> {
        let mut h = Sha256::new();
        put(&mut h, CHECKPOINT_TAG);
        put(&mut h, chain.as_bytes());
        h.update(seq.to_be_bytes());
        h.update(hash);
        h.update(time_us.to_be_bytes());
        put(&mut h, key_id.as_bytes());
        let digest: Hash = h.finalize().into();
        let mut m = CHECKPOINT_TAG.to_vec();
        m.extend_from_slice(&digest);
        m
    }
}

/// The node's audit key, as the store sees it: something that signs. File keystore and
/// PKCS#11 implement it in `tillit-pki`.
pub trait AuditSigner: Send + Sync {
    /// The public half, with its id.
    fn public_key(&self) -> &AuditPublicKey;
    /// Signs `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AuditError>;
}

/// A node audit key's public half. The id is `ed25519:` and the first 8 bytes of the
/// SHA-256 of the raw public key, in hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPublicKey {
    id: String,
    key: VerifyingKey,
}

impl AuditPublicKey {
    /// Wraps an Ed25519 public key.
    pub fn ed25519(key: VerifyingKey) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        AuditPublicKey { id: format!("ed25519:{}", hex::encode(&digest[..8])), key }
    }

    /// From the stored form: algorithm name and raw public key bytes.
    pub fn from_stored(algorithm: &str, bytes: &[u8]) -> Result<Self, KeyFormatError> {
        if algorithm != "ed25519" {
            return Err(KeyFormatError::Algorithm(algorithm.to_owned()));
        }
        let raw: [u8; 32] = bytes.try_into().map_err(|_| KeyFormatError::Length(bytes.len()))?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| KeyFormatError::Invalid)?;
        Ok(AuditPublicKey::ed25519(key))
    }

    /// The key id recorded in each entry.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The algorithm name stored beside the key.
    pub fn algorithm(&self) -> &'static str {
        "ed25519"
    }

    /// The raw public key bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.key.as_bytes().to_vec()
    }

    /// The Ed25519 verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// Checks one signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match Signature::from_slice(signature) {
            Ok(sig) => self.key.verify(message, &sig).is_ok(),
            Err(_) => false,
        }
    }
}

/// A stored public key that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyFormatError {
    /// An algorithm this version does not know.
    #[error("unknown audit key algorithm {0:?}")]
    Algorithm(String),
    /// Not 32 bytes.
    #[error("an Ed25519 public key has 32 bytes, this one {0}")]
    Length(usize),
    /// Not a valid curve point.
    #[error("not a valid Ed25519 public key")]
    Invalid,
}

/// The keys a verifier accepts, by id.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    keys: HashMap<String, AuditPublicKey>,
}

impl KeyRing {
    /// Adds a key.
    pub fn insert(&mut self, key: AuditPublicKey) {
        self.keys.insert(key.id.clone(), key);
    }

    /// Looks a key up by id.
    pub fn get(&self, id: &str) -> Option<&AuditPublicKey> {
        self.keys.get(id)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when it holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Canonical JSON: object keys sorted by their UTF-8 bytes, no insignificant white space,
/// serde_json's number and string escapes. The same value always gives the same bytes.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Why an entry or checkpoint failed verification. The first one found is reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// An entry is missing, or one was inserted: the sequence jumps.
    #[error("expected entry {expected}, found {found} (an entry was deleted, inserted or reordered)")]
    Sequence {
        /// The seq that should have come next.
        expected: u64,
        /// The seq that came.
        found: u64,
    },
    /// The entry does not point at the hash of the entry before it.
    #[error("prev_hash does not match the previous entry (entries were deleted, inserted or reordered)")]
    Link,
    /// The stored hash is not the hash of the stored fields.
    #[error("hash does not match the entry's content (the entry was altered)")]
    Content,
    /// The node signature does not verify with the key it names.
    #[error("node signature does not verify with key {0}")]
    Signature(String),
    /// The entry names a key the verifier does not trust.
    #[error("signed by unknown or untrusted key {0}")]
    UnknownKey(String),
    /// The chain head records more or fewer entries than the chain holds.
    #[error(
        "chain head says {head} entries, the chain holds {last} (entries were removed or added at the end)"
    )]
    Head {
        /// The head's seq.
        head: u64,
        /// The last seq found.
        last: u64,
    },
    /// The chain head's hash is not the last entry's hash.
    #[error("chain head hash does not match the last entry")]
    HeadHash,
    /// A checkpoint names a hash that is not the entry's.
    #[error("checkpoint does not match the entry it covers")]
    CheckpointHash,
    /// A checkpoint's signature does not verify.
    #[error("checkpoint signature does not verify")]
    CheckpointSignature,
    /// A checkpoint covers an entry that does not exist.
    #[error("checkpoint covers an entry that does not exist")]
    CheckpointOrphan,
    /// A range verification was asked to start at a checkpoint that does not exist.
    #[error("there is no checkpoint here to start from")]
    NoCheckpoint,
}

/// A fault with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chain {chain} entry {seq}: {fault}")]
pub struct Located {
    /// The chain.
    pub chain: String,
    /// The entry (or checkpoint) position.
    pub seq: u64,
    /// What is wrong.
    pub fault: Fault,
}

/// Verifies one chain from its first entry, fed in seq order. Hashes and links are checked
/// as entries arrive; signatures are collected and checked in batches by
/// [`ChainVerifier::check_signatures`], which the caller may run on another thread.
#[derive(Debug)]
pub struct ChainVerifier {
    chain: String,
    next_seq: u64,
    prev_hash: Hash,
    count: u64,
}

/// A signature waiting for batch verification.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    /// Where it is.
    pub seq: u64,
    /// The key id it names.
    pub key_id: String,
    /// The signed message.
    pub message: Vec<u8>,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

impl ChainVerifier {
    /// A verifier for `chain`, starting at entry 1.
    pub fn new(chain: impl Into<String>) -> Self {
        Self::starting_at(chain, 1, GENESIS)
    }

    /// A verifier that starts after a trusted checkpoint: the first entry fed must be
    /// `first_seq` and point at `prev_hash` (the checkpoint's seq + 1 and hash).
    pub fn starting_at(chain: impl Into<String>, first_seq: u64, prev_hash: Hash) -> Self {
        ChainVerifier { chain: chain.into(), next_seq: first_seq, prev_hash, count: 0 }
    }

    fn fault(&self, seq: u64, fault: Fault) -> Located {
        Located { chain: self.chain.clone(), seq, fault }
    }

    /// Checks the next entry's position, link and content; returns its signature for batch
    /// verification.
    pub fn push(&mut self, entry: &AuditEntry) -> Result<PendingSignature, Located> {
        if entry.seq != self.next_seq {
            return Err(self.fault(entry.seq, Fault::Sequence { expected: self.next_seq, found: entry.seq }));
        }
        if entry.prev_hash != self.prev_hash {
            return Err(self.fault(entry.seq, Fault::Link));
        }
        if entry.fields().hash() != entry.hash {
            return Err(self.fault(entry.seq, Fault::Content));
        }
        self.prev_hash = entry.hash;
        self.next_seq += 1;
        self.count += 1;
        Ok(PendingSignature {
            seq: entry.seq,
            key_id: entry.key_id.clone(),
            message: entry_signing_message(&entry.hash),
            signature: entry.node_signature.clone(),
        })
    }

    /// Checks the chain head against what was pushed.
    pub fn finish(&self, head_seq: u64, head_hash: &Hash) -> Result<u64, Located> {
        let last = self.next_seq - 1;
        if head_seq != last {
            return Err(self.fault(last.max(head_seq), Fault::Head { head: head_seq, last }));
        }
        if head_seq > 0 && head_hash != &self.prev_hash {
            return Err(self.fault(last, Fault::HeadHash));
        }
        Ok(self.count)
    }

    /// Verifies a batch of entry signatures; on failure, finds and reports the first bad one.
    pub fn check_signatures(chain: &str, keys: &KeyRing, batch: &[PendingSignature]) -> Result<(), Located> {
        let locate = |seq, fault| Located { chain: chain.to_owned(), seq, fault };
        let mut messages = Vec::with_capacity(batch.len());
        let mut signatures = Vec::with_capacity(batch.len());
        let mut verifying = Vec::with_capacity(batch.len());
        for p in batch {
            let Some(key) = keys.get(&p.key_id) else {
                return Err(locate(p.seq, Fault::UnknownKey(p.key_id.clone())));
            };
            let Ok(sig) = Signature::from_slice(&p.signature) else {
                return Err(locate(p.seq, Fault::Signature(p.key_id.clone())));
            };
            messages.push(p.message.as_slice());
            signatures.push(sig);
            verifying.push(*key.verifying_key());
        }
        if ed25519_dalek::verify_batch(&messages, &signatures, &verifying).is_ok() {
            return Ok(());
        }
        // The batch failed: find the first bad signature one by one.
        for p in batch {
            let ok = keys.get(&p.key_id).is_some_and(|k| k.verify(&p.message, &p.signature));
            if !ok {
                return Err(locate(p.seq, Fault::Signature(p.key_id.clone())));
            }
        }
        Err(locate(batch.first().map_or(0, |p| p.seq), Fault::Signature(String::new())))
    }
}

/// Checks a checkpoint against the hash of the entry it covers.
pub fn verify_checkpoint(cp: &Checkpoint, entry_hash: Option<&Hash>, keys: &KeyRing) -> Result<(), Located> {
    let locate = |fault| Located { chain: cp.chain.clone(), seq: cp.seq, fault };
    let Some(entry_hash) = entry_hash else {
        return Err(locate(Fault::CheckpointOrphan));
    };
    if entry_hash != &cp.hash {
        return Err(locate(Fault::CheckpointHash));
    }
    let Some(key) = keys.get(&cp.key_id) else {
        return Err(locate(Fault::UnknownKey(cp.key_id.clone())));
    };
    let msg = Checkpoint::signing_message(&cp.chain, cp.seq, &cp.hash, cp.time_us, &cp.key_id);
    if !key.verify(&msg, &cp.signature) {
        return Err(locate(Fault::CheckpointSignature));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};
    use serde_json::json;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn chain(n: u64) -> (Vec<AuditEntry>, KeyRing) {
        let sk = key();
        let pk = AuditPublicKey::ed25519(sk.verifying_key());
        let mut prev = GENESIS;
        let mut out = Vec::new();
        for seq in 1..=n {
            let payload = canonical_json(&json!({"n": seq}));
            let fields = EntryFields {
                chain: "org-1",
                seq,
                prev_hash: &prev,
                time_us: 1_700_000_000_000_000 + seq as i64,
                actor: "system:test",
                action: "test.appended",
                payload: &payload,
                actor_signature: None,
                key_id: pk.id(),
            };
            let hash = fields.hash();
            let sig = sk.sign(&entry_signing_message(&hash)).to_bytes().to_vec();
            out.push(AuditEntry {
                chain: "org-1".into(),
                seq,
                prev_hash: prev,
                time_us: fields.time_us,
                actor: "system:test".into(),
                action: "test.appended".into(),
                payload,
                actor_signature: None,
                key_id: pk.id().into(),
                node_signature: sig,
                hash,
            });
            prev = hash;
        }
        let mut ring = KeyRing::default();
        ring.insert(pk);
        (out, ring)
    }

    fn verify(entries: &[AuditEntry], ring: &KeyRing, head: (u64, Hash)) -> Result<u64, Located> {
        let mut v = ChainVerifier::new("org-1");
        let mut pending = Vec::new();
        for e in entries {
            pending.push(v.push(e)?);
        }
        ChainVerifier::check_signatures("org-1", ring, &pending)?;
        v.finish(head.0, &head.1)
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"d": [1, {"z": true, "y": null}], "c": "x"}});
        assert_eq!(canonical_json(&v), r#"{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}"#);
    }

    #[test]
    fn an_intact_chain_verifies() {
        let (entries, ring) = chain(5);
        let head = (5, entries[4].hash);
        assert_eq!(verify(&entries, &ring, head), Ok(5));
    }

    #[test]
    fn every_kind_of_tampering_is_located() {
        let (entries, ring) = chain(5);
        let head = (5, entries[4].hash);

        let mut altered = entries.clone();
        altered[2].payload = r#"{"n":99}"#.into();
        assert_eq!(verify(&altered, &ring, head).map_err(|e| (e.seq, e.fault)), Err((3, Fault::Content)));

        let mut deleted = entries.clone();
        deleted.remove(1);
        assert!(matches!(
            verify(&deleted, &ring, head),
            Err(Located { seq: 3, fault: Fault::Sequence { .. }, .. })
        ));

        let mut swapped = entries.clone();
        swapped.swap(1, 2);
        (swapped[1].seq, swapped[2].seq) = (2, 3);
        assert_eq!(verify(&swapped, &ring, head).map_err(|e| e.seq), Err(2));

        let truncated = &entries[..4];
        assert!(matches!(
            verify(truncated, &ring, head),
            Err(Located { fault: Fault::Head { head: 5, last: 4 }, .. })
        ));

        let mut resigned = entries.clone();
        resigned[3].node_signature[0] ^= 1;
        assert!(matches!(
            verify(&resigned, &ring, head),
            Err(Located { seq: 4, fault: Fault::Signature(_), .. })
        ));

        let empty = KeyRing::default();
        assert!(matches!(
            verify(&entries, &empty, head),
            Err(Located { seq: 1, fault: Fault::UnknownKey(_), .. })
        ));
    }

    #[test]
    fn the_officer_signature_is_bound_into_the_hash() {
        let (mut entries, ring) = chain(1);
        entries[0].actor_signature = Some(vec![1, 2, 3]);
        let head = (1, entries[0].hash);
        assert!(matches!(verify(&entries, &ring, head), Err(Located { fault: Fault::Content, .. })));
    }

    #[test]
    fn checkpoints_verify_and_detect_mismatch() {
        let sk = key();
        let pk = AuditPublicKey::ed25519(sk.verifying_key());
        let mut ring = KeyRing::default();
        ring.insert(pk.clone());
        let hash = [9; 32];
        let msg = Checkpoint::signing_message("org-1", 10, &hash, 5, pk.id());
        let cp = Checkpoint {
            chain: "org-1".into(),
            seq: 10,
            hash,
            time_us: 5,
            key_id: pk.id().into(),
            signature: sk.sign(&msg).to_bytes().to_vec(),
        };
        assert_eq!(verify_checkpoint(&cp, Some(&hash), &ring), Ok(()));
        assert_eq!(
            verify_checkpoint(&cp, Some(&[8; 32]), &ring).map_err(|e| e.fault),
            Err(Fault::CheckpointHash)
        );
        assert_eq!(verify_checkpoint(&cp, None, &ring).map_err(|e| e.fault), Err(Fault::CheckpointOrphan));
        let mut forged = cp.clone();
        forged.time_us = 6;
        assert_eq!(
            verify_checkpoint(&forged, Some(&hash), &ring).map_err(|e| e.fault),
            Err(Fault::CheckpointSignature)
        );
    }

    #[test]
    fn actors_chains_and_actions_are_checked() {
        assert!(Actor::parse("officer:abc").is_ok());
        assert!(Actor::parse("officer").is_err());
        assert!(Actor::parse("Officer:x").is_err());
        assert!(Actor::parse("officer:a\nb").is_err());
        let ok = AuditEvent::new("org-1", Actor::system("t"), "card.ordered", json!({}));
        assert_eq!(ok.validate(), Ok(()));
        let bad = AuditEvent::new("org 1", Actor::system("t"), "card.ordered", json!({}));
        assert!(bad.validate().is_err());
        let bad = AuditEvent::new("org-1", Actor::system("t"), "Card Ordered", json!({}));
        assert!(bad.validate().is_err());
    }
}
