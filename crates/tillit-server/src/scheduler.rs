//! The timed routines (ARCHITECTURE.md, "Time-based routines"; docs/operations.md, "Timed
//! routines and mail"): idempotent jobs, each run under its database lease so any number of
//! nodes can run the scheduler and each job runs on one of them at a time.
//!
//! | job | finds | does | tells |
//! |---|---|---|---|
//! | `uncollected-cards` | `card` `delivered`, due | R-CARD-4: deregistered, destroyed | holder, RA |
//! | `reserve-not-reused` | `reserve_card` `handed_out`, due | R-RES-3: deregistered | RA |
//! | `renewal-notices` | `credential` `issued` / `order_basis`, due | R-CRED-6 notice; expiry | holder |
//! | `revocation-check` | `revocation` `requested`, due | R-REV-3: next-day check | RA, when one did not take effect |
//! | `dk-pickup-expiry` | `dk_pickup` `dispatched` / `arrived`, past its expiry | R-DK-4: destroyed | RA, to destroy the letter |
//! | `send-mail` | due outbox messages | sends them | |
//! | `crl-refresh` | CRLs past half their validity | re-publishes them ([`publish_crls_on_schedule`]) | |
//!
//! A record job walks the records due on or before today ([`Store::due_record_keys`]) a
//! page at a time, renewing its lease before each page. Each record is decided by its
//! routine's pure function, written back with `refresh` (which moves its `due` on, so it is
//! not found again), its audit entries and its notices in one transaction. A record an
//! officer changed meanwhile ([`StoreError::Conflict`]) is skipped and found again next run.
//! Running a job twice on one day changes nothing the second time.
//!
//! Notices go through the outbox ([`tillit_store::outbox`]): enqueued in the record's
//! transaction, sent by the `send-mail` job. A notice that cannot go anywhere (a holder
//! without e-mail, no RA mailbox configured) is recorded in the audit log as
//! `notice.not_sent`, never dropped silently. Logs carry job names, ids and counts only,
//! never a name or an address (R-PER-3).

use std::collections::HashSet;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent, SYSTEM_CHAIN};
use tillit_core::ra::card::{self, add_days, Card};
use tillit_core::ra::credential::{self, Credential, CredentialState};
use tillit_core::ra::dk::pickup::{self, Pickup, PickupStatus};
use tillit_core::ra::event::Event;
use tillit_core::ra::org::OrgTree;
use tillit_core::ra::person::Person;
use tillit_core::ra::policy::Policy;
use tillit_core::ra::reserve::{self, ReserveCard};
use tillit_core::ra::revocation::{self, Revocation};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{CredentialId, OrgId, PersonId};
use tillit_store::jobs::DueKey;
use tillit_store::outbox::{MessageStatus, NewMessage, RetryPolicy};
use tillit_store::records::Record;
use tillit_store::{Store, StoreError};
use time::Date;
use tokio::task::JoinHandle;

use crate::ca::{Authority, CaError};
use crate::config::Config;
use crate::outbox::{MailError, Mailer};
use crate::routines::kinds::{refresh, Kept};
use crate::AppState;

/// One of the timed jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Job {
    /// R-CARD-4: cards delivered and not collected in time are deregistered and destroyed.
    UncollectedCards,
    /// R-RES-3: reserve cards not reused within the reuse period are deregistered.
    ReserveNotReused,
    /// R-CRED-6: renewal notices 45 days before expiry; credentials and download codes past
    /// their last day expire (R-CRED-4).
    RenewalNotices,
    /// R-REV-3: the day after a revocation request, whether it took effect.
    RevocationCheck,
    /// R-DK-4: Danish pickup instructions not collected by their expiry are destroyed.
    DkPickupExpiry,
    /// The outbox: sends due messages.
    SendMail,
    /// The portal's expired sessions, used or expired challenges and enrolment links.
    PortalCleanup,
}

impl Job {
    /// Every job, in the order a run takes them (the sender last, so the notices of this
    /// run go out in it).
    pub const ALL: [Job; 7] = [
        Job::UncollectedCards,
        Job::ReserveNotReused,
        Job::RenewalNotices,
        Job::RevocationCheck,
        Job::DkPickupExpiry,
        Job::SendMail,
        Job::PortalCleanup,
    ];

    /// Its name: the lease's name, the `--job` argument, the log field.
    pub fn name(self) -> &'static str {
        match self {
            Job::UncollectedCards => "uncollected-cards",
            Job::ReserveNotReused => "reserve-not-reused",
            Job::RenewalNotices => "renewal-notices",
            Job::RevocationCheck => "revocation-check",
            Job::DkPickupExpiry => "dk-pickup-expiry",
            Job::SendMail => "send-mail",
            Job::PortalCleanup => "portal-cleanup",
        }
    }

    /// The job named `name`.
    pub fn parse(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|j| j.name() == name)
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What one run of one job did: counts only (R-PER-3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobReport {
    /// The job's name.
    pub job: &'static str,
    /// False when another holder had its lease: the job did not run here.
    pub ran: bool,
    /// Records (or messages) looked at.
    pub looked_at: u64,
    /// Records changed.
    pub changed: u64,
    /// Records skipped because someone changed them meanwhile; found again next run.
    pub conflicts: u64,
    /// Notices enqueued.
    pub notices: u64,
    /// Notices that could not be enqueued (no address), recorded in the audit log.
    pub not_sent: u64,
    /// Messages sent.
    pub sent: u64,
    /// Messages whose attempt failed and that will be tried again.
    pub retrying: u64,
    /// Messages given up (kept as failed in the outbox).
    pub failed: u64,
    /// Why the job stopped early, if it did.
    pub error: Option<String>,
}

/// Why a job stopped.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The organisation tree read from the store is not a tree.
    #[error("the organisation tree: {0}")]
    Tree(#[from] Refusal),
}

/// What happened to one record.
enum Outcome {
    /// Nothing was due after all (the routine found nothing to do today).
    Unchanged,
    /// Changed, with its notices enqueued or recorded as not sent.
    Changed { notices: u64, not_sent: u64 },
    /// An officer changed it first; left for the next run.
    Conflict,
}

/// Who a notice is for.
enum Recipient<'a> {
    /// The record's holder, at the e-mail address in the directory.
    Holder(&'a Person),
    /// The RA's function mailbox (`[mail] ra_address`).
    Ra,
}

/// A notice a record's change asks for.
struct Notice<'a> {
    topic: &'static str,
    to: Recipient<'a>,
    subject: String,
    body: String,
}

/// The default page of records per transaction batch.
pub const DEFAULT_PAGE: u32 = 200;

/// The timed jobs of a node, ready to run.
#[derive(Debug, Clone)]
pub struct Jobs {
    store: Store,
    policy: Policy,
    mailer: Mailer,
    ra_address: Option<String>,
    holder: String,
    lease_ttl: Duration,
    claim: Duration,
    page: u32,
    retry: RetryPolicy,
    /// The portal's session limits, microseconds: idle and absolute.
    portal_limits: (i64, i64),
}

impl Jobs {
    /// The jobs on `store` with the organisation's `policy`, sending through `mailer`;
    /// `ra_address` is the RA's function mailbox. The lease holder id is unique to this
    /// process.
    pub fn new(store: Store, policy: Policy, mailer: Mailer, ra_address: Option<String>) -> Jobs {
        Jobs {
            store,
            policy,
            mailer,
            ra_address,
            holder: format!("node-{}", uuid::Uuid::new_v4()),
            // Renewed before every page; a page takes seconds. A holder that dies holds the
            // job up for at most this long.
            lease_ttl: Duration::from_secs(600),
            // A message claimed and not marked (its sender died) is tried again after this.
            claim: Duration::from_secs(600),
            page: DEFAULT_PAGE,
            retry: RetryPolicy::default(),
            portal_limits: (15 * 60_000_000, 10 * 3_600_000_000),
        }
    }

    /// The jobs `tillit.toml` describes (`[mail]`), for the node in `data_dir`.
    pub fn from_config(
        store: Store,
        policy: Policy,
        config: &Config,
        data_dir: &Path,
    ) -> Result<Jobs, MailError> {
        let mailer = Mailer::from_config(&config.mail, data_dir)?;
        let mut jobs = Jobs::new(store, policy, mailer, config.mail.ra_address.clone());
        jobs.portal_limits = (
            i64::from(config.portal.idle_minutes) * 60_000_000,
            i64::from(config.portal.max_hours) * 3_600_000_000,
        );
        Ok(jobs)
    }

    /// The same jobs under another lease holder id (tests: two nodes).
    pub fn with_holder(mut self, holder: impl Into<String>) -> Jobs {
        self.holder = holder.into();
        self
    }

    /// The same jobs with `page` records per page.
    pub fn with_page(mut self, page: u32) -> Jobs {
        self.page = page.max(1);
        self
    }

    /// The same jobs retrying failed messages by `retry`.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Jobs {
        self.retry = retry;
        self
    }

    /// The lease holder id.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The mailer.
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Runs every job (or `only` that one) for `today`, each under its lease. A job that
    /// fails is reported with its error; the others still run.
    pub async fn run_once(&self, today: Date, only: Option<Job>) -> Vec<JobReport> {
        let mut reports = Vec::new();
        for job in Job::ALL.into_iter().filter(|j| only.is_none_or(|o| o == *j)) {
            let report = match self.run(job, today).await {
                Ok(report) => report,
                Err(e) => {
                    tracing::error!(job = job.name(), error = %e, "timed job failed");
                    JobReport {
                        job: job.name(),
                        ran: true,
                        error: Some(e.to_string()),
                        ..JobReport::default()
                    }
                }
            };
            reports.push(report);
        }
        reports
    }

    /// Runs one job for `today` if its lease is free (or already this holder's); a report
    /// with `ran: false` when another holder has it.
    pub async fn run(&self, job: Job, today: Date) -> Result<JobReport, JobError> {
        let mut report = JobReport { job: job.name(), ..JobReport::default() };
        if !self.renew(job).await? {
            tracing::debug!(job = job.name(), "another node holds the lease");
            return Ok(report);
        }
        report.ran = true;
        let result = match job {
            Job::UncollectedCards => self.uncollected_cards(today, &mut report).await,
            Job::ReserveNotReused => self.reserve_not_reused(today, &mut report).await,
            Job::RenewalNotices => self.renewal_notices(today, &mut report).await,
            Job::RevocationCheck => self.revocation_check(today, &mut report).await,
            Job::DkPickupExpiry => self.dk_pickup_expiry(today, &mut report).await,
            Job::SendMail => self.send_mail(&mut report).await,
            Job::PortalCleanup => self.portal_cleanup(&mut report).await,
        };
        self.store.finish_lease(job.name(), &self.holder).await?;
        result?;
        tracing::info!(
            job = job.name(),
            looked_at = report.looked_at,
            changed = report.changed,
            conflicts = report.conflicts,
            notices = report.notices,
            not_sent = report.not_sent,
            sent = report.sent,
            retrying = report.retrying,
            failed = report.failed,
            "timed job finished"
        );
        Ok(report)
    }

    /// Takes or extends the job's lease; false when another holder has it.
    async fn renew(&self, job: Job) -> Result<bool, JobError> {
        let ttl = i64::try_from(self.lease_ttl.as_micros()).unwrap_or(i64::MAX);
        Ok(self.store.take_lease(job.name(), &self.holder, ttl).await?.is_some())
    }

    /// Walks the records of `T` in `status` due on or before `today`, a page at a time
    /// (renewing the lease before each), and hands each to `each`.
    async fn walk<'a, T, F, Fut>(
        &'a self,
        job: Job,
        status: &'a str,
        today: Date,
        report: &mut JobReport,
        mut each: F,
    ) -> Result<(), JobError>
    where
        T: Kept,
        F: FnMut(Record<T>) -> Fut,
        Fut: Future<Output = Result<Outcome, JobError>> + 'a,
    {
        let mut after: Option<DueKey> = None;
        loop {
            if !self.renew(job).await? {
                tracing::warn!(job = job.name(), "lost the lease; stopping this run");
                return Ok(());
            }
            let keys = self.store.due_record_keys(T::KIND, status, today, after.as_ref(), self.page).await?;
            for key in &keys {
                let Some(record) = self.store.record::<T>(T::KIND, &key.id).await? else { continue };
                // Changed since the page was read: its own due date decides, next run.
                if record.status != status {
                    continue;
                }
                report.looked_at += 1;
                match each(record).await? {
                    Outcome::Unchanged => {}
                    Outcome::Changed { notices, not_sent } => {
                        report.changed += 1;
                        report.notices += notices;
                        report.not_sent += not_sent;
                    }
                    Outcome::Conflict => report.conflicts += 1,
                }
            }
            if keys.len() < self.page as usize {
                return Ok(());
            }
            after = keys.last().cloned();
        }
    }

    /// The organisation tree, read once per job run.
    async fn tree(&self) -> Result<OrgTree, JobError> {
        Ok(OrgTree::new(self.store.orgs().await?)?)
    }

    /// The person, when in the directory.
    async fn person(&self, id: Option<PersonId>) -> Result<Option<Person>, JobError> {
        match id {
            Some(id) => Ok(self.store.person(id).await?.map(|r| r.person)),
            None => Ok(None),
        }
    }

    /// Writes a changed record with its audit events and notices in one transaction, on
    /// the chain of the record's organisation (its unit's, else its holder's employer's).
    async fn write<T: Kept>(
        &self,
        tree: &OrgTree,
        mut record: Record<T>,
        events: &[&(dyn Event + Sync)],
        notices: Vec<Notice<'_>>,
    ) -> Result<Outcome, JobError> {
        refresh(&mut record, &self.policy);
        // The holder is read only when the record names no unit.
        let person = if record.org.is_none() { self.person(record.person).await? } else { None };
        let chain = chain_of(tree, record.org, person.as_ref());
        let actor = Actor::system("scheduler");
        let mut tx = self.store.begin().await?;
        match tx.update_record(&record).await {
            Ok(_) => {}
            Err(StoreError::Conflict { .. }) => {
                tx.rollback().await?;
                return Ok(Outcome::Conflict);
            }
            Err(e) => return Err(e.into()),
        }
        for event in events {
            tx.append(event.to_audit(&chain, &actor)).await?;
        }
        let (mut queued, mut not_sent) = (0, 0);
        for notice in notices {
            let (to, address, person) = match &notice.to {
                Recipient::Holder(p) => ("holder", p.email.clone(), Some(p.id)),
                Recipient::Ra => ("ra", self.ra_address.clone(), None),
            };
            let mut payload = json!({
                "topic": notice.topic,
                "record_kind": record.kind,
                "record_id": record.id,
                "to": to,
            });
            if let Some(person) = person {
                payload["person"] = json!(person.to_string());
            }
            match address {
                Some(recipient) => {
                    let id = tx
                        .enqueue_message(&NewMessage {
                            topic: notice.topic.to_string(),
                            record_kind: Some(record.kind.to_string()),
                            record_id: Some(record.id.clone()),
                            recipient,
                            subject: notice.subject,
                            body: notice.body,
                        })
                        .await?;
                    // The address is not recorded: the audit log may be shown where a
                    // protected person's address must not be (R-PER-3).
                    payload["message"] = json!(id);
                    tx.append(AuditEvent::new(chain.clone(), actor.clone(), "notice.queued", payload))
                        .await?;
                    queued += 1;
                }
                None => {
                    payload["reason"] = json!(match notice.to {
                        Recipient::Holder(_) => "the holder has no e-mail address in the directory",
                        Recipient::Ra => "no RA mailbox is configured ([mail] ra_address)",
                    });
                    tx.append(AuditEvent::new(chain.clone(), actor.clone(), "notice.not_sent", payload))
                        .await?;
                    not_sent += 1;
                }
            }
        }
        tx.commit().await?;
        Ok(Outcome::Changed { notices: queued, not_sent })
    }

    // ---- R-CARD-4 ----------------------------------------------------------------------

    async fn uncollected_cards(&self, today: Date, report: &mut JobReport) -> Result<(), JobError> {
        let tree = self.tree().await?;
        let tree = &tree;
        self.walk::<Card, _, _>(Job::UncollectedCards, "delivered", today, report, |record| {
            self.uncollected_card(tree, record, today)
        })
        .await
    }

    async fn uncollected_card(
        &self,
        tree: &OrgTree,
        mut record: Record<Card>,
        today: Date,
    ) -> Result<Outcome, JobError> {
        // R-CARD-4: deregistered and destroyed; None while the card may still be collected.
        let Some(events) = card::uncollected(&record.state, today, &self.policy) else {
            return Ok(Outcome::Unchanged);
        };
        for event in &events {
            record.state.apply(event);
        }
        let card = &record.state;
        let serial = card.serial.clone().unwrap_or_else(|| "-".into());
        let delivered = card.dates.delivered.map_or_else(|| "-".into(), |d| d.to_string());
        let months = self.policy.uncollected_card_months;
        let holder = self.person(Some(card.person)).await?;
        let mut notices = vec![Notice {
            topic: "card.uncollected",
            to: Recipient::Ra,
            subject: format!("Uncollected card {serial} deregistered: destroy it"),
            body: format!(
                "The e-service card {serial} (card {id}), delivered to the RA on {delivered}, was not \
                 collected within {months} months. It has been deregistered and recorded as destroyed \
                 (R-CARD-4): destroy (makulera) the card itself.\n",
                id = card.id
            ),
        }];
        if let Some(holder) = &holder {
            notices.push(Notice {
                topic: "card.uncollected",
                to: Recipient::Holder(holder),
                subject: "Your e-service card was not collected".into(),
                body: format!(
                    "Your e-service card {serial}, delivered to your RA on {delivered}, was not collected \
                     within {months} months and has been destroyed (R-CARD-4).\n\
                     If you still need a card, contact your RA to order a new one.\n\n\
                     Reference: card {id}\n",
                    id = card.id
                ),
            });
        }
        let events: Vec<&(dyn Event + Sync)> = events.iter().map(|e| e as &(dyn Event + Sync)).collect();
        self.write(tree, record, &events, notices).await
    }

    // ---- R-RES-3 -----------------------------------------------------------------------

    async fn reserve_not_reused(&self, today: Date, report: &mut JobReport) -> Result<(), JobError> {
        let tree = self.tree().await?;
        let tree = &tree;
        self.walk::<ReserveCard, _, _>(Job::ReserveNotReused, "handed_out", today, report, |record| {
            self.reserve_card(tree, record, today)
        })
        .await
    }

    async fn reserve_card(
        &self,
        tree: &OrgTree,
        mut record: Record<ReserveCard>,
        today: Date,
    ) -> Result<Outcome, JobError> {
        // R-RES-3: deregistered when not reused by the reuse deadline.
        let Some(events) = reserve::not_reused(&record.state, today, &self.policy) else {
            return Ok(Outcome::Unchanged);
        };
        for event in &events {
            record.state.apply(event);
        }
        let card = &record.state;
        let notices = vec![Notice {
            topic: "reserve_card.not_reused",
            to: Recipient::Ra,
            subject: format!("Reserve card {} deregistered: not reused", card.serial),
            body: format!(
                "Reserve card {serial} (card {id}) was not reused within {days} days of its last \
                 credential and has been deregistered (R-RES-3).\n",
                serial = card.serial,
                id = card.id,
                days = self.policy.reserve_reuse_days
            ),
        }];
        let events: Vec<&(dyn Event + Sync)> = events.iter().map(|e| e as &(dyn Event + Sync)).collect();
        self.write(tree, record, &events, notices).await
    }

    // ---- R-CRED-6, R-CRED-4 ------------------------------------------------------------

    async fn renewal_notices(&self, today: Date, report: &mut JobReport) -> Result<(), JobError> {
        let tree = self.tree().await?;
        let tree = &tree;
        for status in ["issued", "order_basis"] {
            self.walk::<Credential, _, _>(Job::RenewalNotices, status, today, report, |record| {
                self.credential(tree, record, today)
            })
            .await?;
        }
        Ok(())
    }

    async fn credential(
        &self,
        tree: &OrgTree,
        mut record: Record<Credential>,
        today: Date,
    ) -> Result<Outcome, JobError> {
        let one = std::slice::from_ref(&record.state);
        // R-CRED-6: the notice 45 days before; once past its last day, expiry (and an
        // order basis whose download code ran out, R-CRED-4). Never both on one day.
        let notices = credential::renewal_notices(one, today, &self.policy);
        let events = if notices.is_empty() { credential::expire_due(one, today) } else { notices };
        if events.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        for event in &events {
            record.state.apply(event);
        }
        let holder = self.person(Some(record.state.person)).await?;
        let mut notices = Vec::new();
        if let Some(not_after) = events.iter().find_map(|e| match e {
            credential::CredentialEvent::RenewalNoticeRequested { not_after, .. } => Some(*not_after),
            _ => None,
        }) {
            let body = format!(
                "Your e-service credential expires on {not_after}. To go on using your e-service card \
                 after that day, contact your RA in good time to order a new credential (R-CRED-6).\n\n\
                 Reference: credential {id}\n",
                id = record.state.id
            );
            let subject = format!("Your e-service credential expires on {not_after}");
            match &holder {
                Some(holder) => notices.push(Notice {
                    topic: "credential.renewal_notice",
                    to: Recipient::Holder(holder),
                    subject,
                    body,
                }),
                None => {
                    tracing::warn!(credential = %record.state.id, "renewal notice: the holder is not in the directory")
                }
            }
        }
        let events: Vec<&(dyn Event + Sync)> = events.iter().map(|e| e as &(dyn Event + Sync)).collect();
        self.write(tree, record, &events, notices).await
    }

    // ---- R-REV-3 -----------------------------------------------------------------------

    async fn revocation_check(&self, today: Date, report: &mut JobReport) -> Result<(), JobError> {
        let tree = self.tree().await?;
        let tree = &tree;
        self.walk::<Revocation, _, _>(Job::RevocationCheck, "requested", today, report, |record| {
            self.revocation(tree, record, today)
        })
        .await
    }

    /// Whether the credential's revocation took effect: every certificate of an issued
    /// credential revoked at the CA, or the credential no longer valid in the RA (revoked or
    /// expired). A credential the RA cannot find, or an order basis whose download code still
    /// works, did not.
    async fn took_effect(&self, id: CredentialId) -> Result<bool, JobError> {
        let Some(record) = self.store.record::<Credential>(Credential::KIND, &id.to_string()).await? else {
            return Ok(false);
        };
        Ok(match &record.state.state {
            // Issued, or revoked by the RA with certificates: the CA has the last word on each.
            CredentialState::Issued { certificates, .. }
            | CredentialState::Revoked { certificates: Some(certificates), .. } => {
                let serials = certificates.serials();
                let mut all = !serials.is_empty();
                for serial in &serials {
                    let status = self.store.certificate_status(serial.as_str()).await?;
                    all &= status.is_some_and(|s| s.revoked_us.is_some());
                }
                all
            }
            CredentialState::Revoked { certificates: None, .. } | CredentialState::Expired { .. } => true,
            CredentialState::OrderBasis { .. } => false,
        })
    }

    async fn revocation(
        &self,
        tree: &OrgTree,
        mut record: Record<Revocation>,
        today: Date,
    ) -> Result<Outcome, JobError> {
        if record.state.checked_on.is_some() || record.state.requested_on >= today {
            return Ok(Outcome::Unchanged);
        }
        let mut revoked = HashSet::new();
        for id in &record.state.credentials {
            if self.took_effect(*id).await? {
                revoked.insert(*id);
            }
        }
        // R-REV-3: the next-day check; what did not take effect is listed in the event.
        let events =
            revocation::next_day_check(std::slice::from_ref(&record.state), today, |c| revoked.contains(&c));
        if events.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        for event in &events {
            record.state.apply(event);
        }
        let missing: Vec<CredentialId> =
            record.state.credentials.iter().copied().filter(|c| !revoked.contains(c)).collect();
        let mut notices = Vec::new();
        if !missing.is_empty() {
            let mut lines = String::new();
            for id in &missing {
                let serials = match self.store.record::<Credential>(Credential::KIND, &id.to_string()).await?
                {
                    Some(c) => c
                        .state
                        .serials()
                        .iter()
                        .map(|s| s.as_str().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    None => String::new(),
                };
                lines.push_str(&format!("- credential {id}: certificates {serials}\n"));
            }
            notices.push(Notice {
                topic: "revocation.not_effective",
                to: Recipient::Ra,
                subject: format!(
                    "Revocation {} did not take effect for {} credential(s)",
                    record.state.id,
                    missing.len()
                ),
                body: format!(
                    "The revocation request {id} of {requested} was checked on {today} (R-REV-3). These \
                     credentials are still valid and must be revoked by hand:\n\n{lines}",
                    id = record.state.id,
                    requested = record.state.requested_on,
                ),
            });
        }
        let events: Vec<&(dyn Event + Sync)> = events.iter().map(|e| e as &(dyn Event + Sync)).collect();
        self.write(tree, record, &events, notices).await
    }

    // ---- R-DK-4 ------------------------------------------------------------------------

    async fn dk_pickup_expiry(&self, today: Date, report: &mut JobReport) -> Result<(), JobError> {
        let tree = self.tree().await?;
        let tree = &tree;
        // Due is the last day to collect: an instruction is destroyed from the day after,
        // so the walk takes those due before today.
        let Some(yesterday) = today.previous_day() else { return Ok(()) };
        for status in [PickupStatus::Dispatched, PickupStatus::Arrived] {
            let status = crate::routines::dk::name_of(&status);
            self.walk::<Pickup, _, _>(Job::DkPickupExpiry, &status, yesterday, report, |record| {
                self.pickup(tree, record, today)
            })
            .await?;
        }
        Ok(())
    }

    async fn pickup(
        &self,
        tree: &OrgTree,
        mut record: Record<Pickup>,
        today: Date,
    ) -> Result<Outcome, JobError> {
        // R-DK-4: destroyed once past its expiry; refused (left alone) while it may still be
        // collected.
        let Ok(events) = pickup::expire(&record.state, today) else { return Ok(Outcome::Unchanged) };
        for event in &events {
            record.state.apply(event);
        }
        let p = &record.state;
        let office = tree.get(p.office).map_or_else(|| p.office.to_string(), |o| o.name.clone());
        let expired = p.expires_on.map_or_else(|| "-".into(), |d| d.to_string());
        let (subject, what) = if p.arrived_on.is_some() {
            (
                format!("Pickup instruction {} expired: destroy the passcode letter", p.id),
                "It was not collected: destroy (shred) the passcode letter and its instruction, unopened."
                    .to_string(),
            )
        } else {
            (
                format!("Pickup instruction {} expired before it arrived", p.id),
                "It has not arrived: if it still does, destroy (shred) it unopened.".to_string(),
            )
        };
        // Ids, the office and dates: never the citizen (R-PER-3, R-IDP-6).
        let notices = vec![Notice {
            topic: "dk_pickup.destroyed",
            to: Recipient::Ra,
            subject,
            body: format!(
                "The pickup instruction {id} for {office}, which could be collected until {expired}, has \
                 been recorded as destroyed (R-DK-4). {what}\n",
                id = p.id,
            ),
        }];
        let events: Vec<&(dyn Event + Sync)> = events.iter().map(|e| e as &(dyn Event + Sync)).collect();
        self.write(tree, record, &events, notices).await
    }

    // ---- the outbox --------------------------------------------------------------------

    /// Deletes what the portal can no longer use: sessions past their limits, challenges used
    /// or expired, enrolment links a week after their use or expiry; and the eID's sign-in
    /// requests and authorization codes past their lifetime.
    async fn portal_cleanup(&self, report: &mut JobReport) -> Result<(), JobError> {
        let now = time::OffsetDateTime::now_utc();
        let now_us = now.unix_timestamp() * 1_000_000 + i64::from(now.microsecond());
        let (idle, max) = self.portal_limits;
        let purged = self.store.purge_portal(now_us, idle, max).await?;
        let oidc = self.store.purge_oidc(now_us).await?;
        report.changed = purged.challenges + purged.links + purged.sessions + oidc;
        report.looked_at = report.changed;
        Ok(())
    }

    async fn send_mail(&self, report: &mut JobReport) -> Result<(), JobError> {
        let claim = i64::try_from(self.claim.as_micros()).unwrap_or(i64::MAX);
        loop {
            if !self.renew(Job::SendMail).await? {
                return Ok(());
            }
            let batch = self.store.claim_messages(self.page, claim).await?;
            for message in &batch {
                report.looked_at += 1;
                match self.mailer.send(message).await {
                    Ok(()) => {
                        self.store.mark_sent(&message.id).await?;
                        report.sent += 1;
                    }
                    Err(e) => {
                        let status =
                            self.store.mark_failed(message, &e.reason, e.permanent, &self.retry).await?;
                        // The message id and what the relay said; never the recipient.
                        tracing::warn!(
                            message = %message.id,
                            topic = %message.topic,
                            attempts = message.attempts,
                            error = %e.reason,
                            gave_up = status == MessageStatus::Failed,
                            "a message could not be sent"
                        );
                        match status {
                            MessageStatus::Failed => report.failed += 1,
                            _ => report.retrying += 1,
                        }
                    }
                }
            }
            if batch.len() < self.page as usize {
                return Ok(());
            }
        }
    }
}

/// The audit chain of a record: its unit's organisation, else that of its holder's first
/// employment, else the system chain.
fn chain_of(tree: &OrgTree, org: Option<OrgId>, person: Option<&Person>) -> String {
    org.or_else(|| person.and_then(|p| p.employments.first().map(|e| e.org)))
        .map_or_else(|| SYSTEM_CHAIN.to_string(), |org| tree.organisation_of(org).unwrap_or(org).to_string())
}

/// The day the jobs run for: today in UTC.
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// Runs `jobs` every `interval` until the node's state is dropped. The first run is at once.
pub fn spawn(state: Weak<AppState>, jobs: Jobs, interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if state.upgrade().is_none() {
                return;
            }
            jobs.run_once(today(), None).await;
        }
    })
}

/// Starts the scheduler of a serving node as `tillit.toml` says (`[jobs]`, `[mail]`): `None`
/// when `[jobs] enabled = false`.
pub fn start(
    state: &Arc<AppState>,
    policy: Policy,
    config: &Config,
    data_dir: &Path,
) -> Result<Option<JoinHandle<()>>, MailError> {
    if !config.jobs.enabled {
        return Ok(None);
    }
    let jobs = Jobs::from_config(state.store.clone(), policy, config, data_dir)?;
    let interval = Duration::from_secs(u64::from(config.jobs.interval_seconds));
    Ok(Some(spawn(Arc::downgrade(state), jobs, interval)))
}

/// The lease the scheduled CRL publication runs under.
pub const CRL_LEASE: &str = "crl-refresh";

/// Publishes due CRLs ([`Authority::publish_due_crls`]) if this holder gets the
/// [`CRL_LEASE`]: with several nodes, one of them re-publishes a CRL at a time. Returns
/// whether it held the lease. (A CRL fetched over HTTP is still published on demand when
/// the latest one is stale, lease or not.)
pub async fn publish_crls_under_lease(authority: &Authority, holder: &str) -> Result<bool, CaError> {
    let store = authority.store();
    let ttl = i64::try_from(Duration::from_secs(600).as_micros()).unwrap_or(i64::MAX);
    if store.take_lease(CRL_LEASE, holder, ttl).await?.is_none() {
        return Ok(false);
    }
    let published = authority.publish_due_crls().await;
    store.finish_lease(CRL_LEASE, holder).await?;
    published?;
    Ok(true)
}

/// [`crate::ca::publish_crls_on_schedule`] under the [`CRL_LEASE`]: every
/// [`crate::ca::CRL_CHECK_INTERVAL`] until the authority is dropped.
pub async fn publish_crls_on_schedule(authority: Weak<Authority>) {
    let holder = format!("node-{}", uuid::Uuid::new_v4());
    let mut tick = tokio::time::interval(crate::ca::CRL_CHECK_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(authority) = authority.upgrade() else { return };
        if let Err(e) = publish_crls_under_lease(&authority, &holder).await {
            tracing::error!(error = %e, "cannot publish a due CRL");
        }
    }
}

/// The first day a delivered card is overdue (R-CARD-4), for lists and tests.
pub fn card_overdue_from(card: &Card, policy: &Policy) -> Option<Date> {
    card.collect_by(policy).map(|d| add_days(d, 1))
}
