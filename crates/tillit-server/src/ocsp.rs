//! The OCSP responder (RFC 6960) of the node's CAs.
//!
//! Each CA answers through a delegated responder (its own key and an `ocsp-responder`
//! certificate, renewed before it runs out). Responses to the common request (one
//! certificate, no nonce) are produced once, kept, and served as bytes until half their
//! validity has passed, so the hot path never signs. A request with a nonce (RFC 8954) or
//! about several certificates is signed for itself.
//!
//! A revocation made by this node removes the kept response at once; one made by any other
//! process on the same database is picked up by polling the store every
//! [`POLL_INTERVAL`], well within the ten seconds the routines promise.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tillit_pki::crl::Reason;
use tillit_pki::ocsp::{
    error_response, parse_request, CertId, ErrorStatus, IssuerKey, Nonce, Responder, SingleResponse, Status,
};

use crate::ca::{Authority, CaError};

/// How often the store is polled for revocations made by other processes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How far back each poll looks, to catch revocations whose transactions committed late.
const POLL_OVERLAP: Duration = Duration::from_secs(120);
/// How often the responder certificates are checked for renewal.
const RENEW_INTERVAL: Duration = Duration::from_secs(3600);
/// Most responses kept; past it the cache starts afresh (a flood of unknown serials must not
/// grow memory without bound).
const MAX_CACHED: usize = 200_000;

/// One CA as the responder serves it.
#[derive(Debug)]
struct Served {
    name: String,
    issuer: IssuerKey,
    responder: RwLock<Arc<Responder>>,
}

/// A response kept for reuse.
#[derive(Debug, Clone)]
struct Kept {
    der: Bytes,
    /// When to produce it afresh (half its validity).
    refresh_at: SystemTime,
    /// It says revoked: a later revocation cannot change it.
    revoked: bool,
}

/// What the responder answers.
#[derive(Debug)]
pub struct OcspAnswer {
    /// The DER `OCSPResponse`.
    pub der: Bytes,
    /// Whether the answer may be cached by HTTP intermediaries (no nonce, successful).
    pub cacheable: bool,
}

/// The node's OCSP responder.
#[derive(Debug)]
pub struct OcspService {
    authority: Arc<Authority>,
    served: Vec<Served>,
    validity: Duration,
    kept: RwLock<HashMap<CertId, Kept>>,
    /// Per CA (same order as `served`): the newest revocation time seen, µs.
    cursors: std::sync::Mutex<Vec<i64>>,
}

fn lock_err<T>(e: PoisonError<T>) -> T {
    e.into_inner()
}

fn to_us(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn from_us(us: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(u64::try_from(us).unwrap_or_default())
}

/// Whole seconds: the times in a response have no fractions.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

impl OcspService {
    /// Sets up the responders of every CA (issuing responder certificates where none is
    /// current) and starts the background work: polling for revocations and renewing
    /// responder certificates. The background tasks end when the service is dropped.
    pub async fn start(authority: Arc<Authority>, validity: Duration) -> Result<Arc<OcspService>, CaError> {
        let mut served = Vec::new();
        for ca in authority.cas() {
            let key = authority.ocsp_responder(&ca.name).await?;
            let responder = Responder::new(key.certificate, Box::new(key.signer))?;
            served.push(Served {
                name: ca.name.clone(),
                issuer: IssuerKey::new(&ca.certificate)?,
                responder: RwLock::new(Arc::new(responder)),
            });
        }
        let start = to_us(SystemTime::now());
        let service = Arc::new(OcspService {
            authority,
            cursors: std::sync::Mutex::new(vec![start; served.len()]),
            served,
            validity: validity.max(Duration::from_secs(60)),
            kept: RwLock::new(HashMap::new()),
        });
        let weak = Arc::downgrade(&service);
        service.authority.on_revocation(Box::new(move |serial| {
            if let Some(service) = weak.upgrade() {
                service.forget(serial);
            }
        }));
        tokio::spawn(poll_revocations(Arc::downgrade(&service)));
        tokio::spawn(renew_responders(Arc::downgrade(&service)));
        Ok(service)
    }

    /// Answers a DER `OCSPRequest`. Every outcome is an `OCSPResponse`: malformed requests
    /// get `malformedRequest`, requests about CAs this node does not run `unauthorized`, a
    /// failing store `tryLater`.
    pub async fn answer(&self, request: &[u8]) -> OcspAnswer {
        let error = |status| OcspAnswer { der: Bytes::from_static(error_response(status)), cacheable: false };
        let request = match parse_request(request) {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "OCSP request refused");
                return error(ErrorStatus::MalformedRequest);
            }
        };
        let ids = request.cert_ids();
        let Some(first) = ids.first() else { return error(ErrorStatus::MalformedRequest) };
        // One response is signed by one responder: every certificate asked about must be
        // of the same CA.
        let Some(served) = self.served.iter().find(|s| s.issuer.matches(first)) else {
            return error(ErrorStatus::Unauthorized);
        };
        if !ids.iter().all(|id| served.issuer.matches(id)) {
            return error(ErrorStatus::Unauthorized);
        }
        let now = now();
        if ids.len() == 1 && request.nonce().is_none() {
            if let Some(kept) = self.kept.read().unwrap_or_else(lock_err).get(first) {
                if now < kept.refresh_at {
                    return OcspAnswer { der: kept.der.clone(), cacheable: true };
                }
            }
        }
        match self.produce(served, ids, request.nonce(), now).await {
            Ok(answer) => answer,
            Err(Failure::Store(e)) => {
                tracing::warn!(error = %e, "OCSP: the store is unavailable");
                error(ErrorStatus::TryLater)
            }
            Err(Failure::Other(e)) => {
                tracing::error!(error = %e, "OCSP: cannot produce a response");
                error(ErrorStatus::InternalError)
            }
        }
    }

    async fn produce(
        &self,
        served: &Served,
        ids: &[CertId],
        nonce: Option<&Nonce>,
        now: SystemTime,
    ) -> Result<OcspAnswer, Failure> {
        let next_update = now + self.validity;
        let mut singles = Vec::with_capacity(ids.len());
        for id in ids {
            let status = self.status(served, id).await?;
            singles.push(SingleResponse { cert_id: id.clone(), status, this_update: now, next_update });
        }
        let responder = served.responder.read().unwrap_or_else(lock_err).clone();
        let nonce = nonce.cloned();
        let single_for_cache = (singles.len() == 1 && nonce.is_none()).then(|| singles[0].clone());
        let der = tokio::task::spawn_blocking(move || responder.respond(&singles, nonce.as_ref(), now))
            .await
            .map_err(|_| Failure::Other("the signing task stopped".into()))?
            .map_err(|e| Failure::Other(e.to_string()))?;
        let der = Bytes::from(der);
        if let Some(single) = single_for_cache {
            let revoked = matches!(single.status, Status::Revoked { .. });
            let mut kept = self.kept.write().unwrap_or_else(lock_err);
            if kept.len() >= MAX_CACHED {
                kept.clear();
            }
            kept.insert(
                single.cert_id,
                Kept { der: der.clone(), refresh_at: now + self.validity / 2, revoked },
            );
            return Ok(OcspAnswer { der, cacheable: true });
        }
        Ok(OcspAnswer { der, cacheable: false })
    }

    /// The status of one certificate of `served`, from the store.
    async fn status(&self, served: &Served, id: &CertId) -> Result<Status, Failure> {
        let serial = hex::encode(id.serial());
        let found = self.authority.store().certificate_status(&serial).await.map_err(Failure::Store)?;
        Ok(match found {
            Some(s) if s.issuer == served.name => match s.revoked_us {
                Some(at) => Status::Revoked {
                    at: from_us(at),
                    reason: s.reason.and_then(Reason::from_code).filter(|r| *r != Reason::Unspecified),
                },
                None => Status::Good,
            },
            _ => Status::Unknown,
        })
    }

    /// Forgets the kept response about a certificate (lower-case hex serial) that is not
    /// already a revocation: the next request reads the store.
    pub fn forget(&self, serial: &str) {
        let Ok(serial) = hex::decode(serial) else { return };
        self.kept.write().unwrap_or_else(lock_err).retain(|id, kept| kept.revoked || id.serial() != serial);
    }

    /// Reads the revocations made since the last poll (by any process) and forgets the
    /// responses they make stale.
    pub async fn poll(&self) -> Result<usize, tillit_store::StoreError> {
        let overlap = i64::try_from(POLL_OVERLAP.as_micros()).unwrap_or(i64::MAX);
        let mut forgotten = 0;
        for (i, served) in self.served.iter().enumerate() {
            let since = self.cursors.lock().unwrap_or_else(lock_err)[i].saturating_sub(overlap);
            let revoked = self.authority.store().revoked_since(&served.name, since).await?;
            if let Some(last) = revoked.last() {
                let mut cursors = self.cursors.lock().unwrap_or_else(lock_err);
                cursors[i] = cursors[i].max(last.revoked_us);
            }
            if revoked.is_empty() {
                continue;
            }
            let stale: std::collections::HashSet<Vec<u8>> =
                revoked.iter().filter_map(|r| hex::decode(&r.serial).ok()).collect();
            let mut kept = self.kept.write().unwrap_or_else(lock_err);
            let before = kept.len();
            kept.retain(|id, k| k.revoked || !stale.contains(id.serial()));
            forgotten += before - kept.len();
        }
        Ok(forgotten)
    }

    /// Renews responder certificates that are running out, and forgets responses signed
    /// with the old ones.
    pub async fn renew(&self) -> Result<(), CaError> {
        for served in &self.served {
            let key = self.authority.ocsp_responder(&served.name).await?;
            let current = served.responder.read().unwrap_or_else(lock_err).clone();
            if current.certificate() != &key.certificate {
                let responder = Arc::new(Responder::new(key.certificate, Box::new(key.signer))?);
                *served.responder.write().unwrap_or_else(lock_err) = responder;
                self.kept.write().unwrap_or_else(lock_err).retain(|id, _| !served.issuer.matches(id));
                tracing::info!(ca = %served.name, "OCSP responder certificate renewed");
            }
        }
        Ok(())
    }

    /// How many responses are kept.
    pub fn kept(&self) -> usize {
        self.kept.read().unwrap_or_else(lock_err).len()
    }
}

#[derive(Debug)]
enum Failure {
    Store(tillit_store::StoreError),
    Other(String),
}

async fn poll_revocations(service: Weak<OcspService>) {
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(service) = service.upgrade() else { return };
        if let Err(e) = service.poll().await {
            tracing::warn!(error = %e, "OCSP: cannot poll the store for revocations");
        }
    }
}

async fn renew_responders(service: Weak<OcspService>) {
    let mut tick = tokio::time::interval(RENEW_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(service) = service.upgrade() else { return };
        if let Err(e) = service.renew().await {
            tracing::error!(error = %e, "OCSP: cannot renew a responder certificate");
        }
    }
}
