//! The notification outbox: messages the routines send (renewal notices, uncollected cards,
//! revocations that did not take effect), kept in `outbox_messages` until they are sent.
//!
//! A routine enqueues a message with [`Tx::enqueue_message`] in the transaction that records
//! its change, so a notice exists if and only if its change committed: nothing is lost when
//! a node dies between the two, and nothing is sent for a change that rolled back. The
//! sender job then [claims](Store::claim_messages) due messages, sends them, and marks each
//! [sent](Store::mark_sent) or [failed](Store::mark_failed). Delivery is at least once: a
//! sender that dies after sending and before marking leaves the message to be claimed again
//! when its claim runs out.
//!
//! A message is `pending` until it is sent (`sent`) or gives up (`failed`: a permanent
//! refusal, or [`RetryPolicy::max_attempts`] attempts); a failed message stays in the table,
//! visible to officers, with its last error. Times are taken from the database's clock.
//!
//! R-PER-3: a message to a protected person goes to them, so the recipient and the text are
//! stored; none of it is ever logged. Callers log message ids and counts only.

use std::str::FromStr;

use sqlx::any::AnyRow;
use sqlx::Row as _;

use crate::{Store, StoreError, Tx};

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Not sent yet: due at `next_attempt_us`.
    Pending,
    /// Handed to the relay (or written to its file).
    Sent,
    /// Given up: refused permanently or too many attempts. Kept for officers to see.
    Failed,
}

impl MessageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
        }
    }
}

impl FromStr for MessageStatus {
    type Err = StoreError;
    fn from_str(text: &str) -> Result<Self, StoreError> {
        match text {
            "pending" => Ok(MessageStatus::Pending),
            "sent" => Ok(MessageStatus::Sent),
            "failed" => Ok(MessageStatus::Failed),
            other => Err(corrupt(format!("status {other:?}"))),
        }
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// What it is about, the routine's name for it (`credential.renewal_notice`).
    pub topic: String,
    /// The kind of record it concerns (`credential`), if any.
    pub record_kind: Option<String>,
    /// That record's id.
    pub record_id: Option<String>,
    /// The e-mail address it goes to.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The text (plain text, UTF-8).
    pub body: String,
}

/// A stored message.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id (a UUID), also its file name and Message-ID.
    pub id: String,
    /// What it is about.
    pub topic: String,
    /// The kind of record it concerns, if any.
    pub record_kind: Option<String>,
    /// That record's id.
    pub record_id: Option<String>,
    /// The e-mail address it goes to.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// Where it is.
    pub status: MessageStatus,
    /// Sending attempts so far (a claim counts as one).
    pub attempts: u32,
    /// When it may next be claimed, microseconds since the epoch.
    pub next_attempt_us: i64,
    /// What the last failed attempt said.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_us: i64,
    /// When it was sent.
    pub sent_us: Option<i64>,
}

/// Ids, topic, status and counts only: the recipient and text may be a protected person's
/// (R-PER-3) and must not reach a log through `{:?}`.
impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("record_kind", &self.record_kind)
            .field("record_id", &self.record_id)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// How failed attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a message is marked failed for good.
    pub max_attempts: u32,
    /// The wait after the first failed attempt, microseconds; it doubles with each further
    /// failure.
    pub first_delay_us: i64,
    /// The longest wait between attempts.
    pub max_delay_us: i64,
}

impl Default for RetryPolicy {
    /// 8 attempts, waiting 1, 2, 4 … minutes, at most 6 hours: about 2 hours of retries
    /// before a message is given up.
    fn default() -> Self {
        RetryPolicy { max_attempts: 8, first_delay_us: 60_000_000, max_delay_us: 6 * 3_600_000_000 }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt.
    pub fn delay_us(&self, attempts: u32) -> i64 {
        let doublings = attempts.saturating_sub(1).min(40);
        self.first_delay_us.max(1).saturating_mul(1_i64 << doublings).min(self.max_delay_us.max(1))
    }
}

fn corrupt(reason: String) -> StoreError {
    StoreError::CorruptRow { table: "outbox_messages", reason }
}

const COLUMNS: &str = "id, topic, record_kind, record_id, recipient, subject, body, status, attempts, \
                       next_attempt_us, last_error, created_us, sent_us";

fn message_row(row: &AnyRow) -> Result<Message, StoreError> {
    let status: String = row.try_get(7)?;
    let attempts: i64 = row.try_get(8)?;
    Ok(Message {
        id: row.try_get(0)?,
        topic: row.try_get(1)?,
        record_kind: row.try_get(2)?,
        record_id: row.try_get(3)?,
        recipient: row.try_get(4)?,
        subject: row.try_get(5)?,
        body: row.try_get(6)?,
        status: status.parse()?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt(format!("attempts {attempts}")))?,
        next_attempt_us: row.try_get(9)?,
        last_error: row.try_get(10)?,
        created_us: row.try_get(11)?,
        sent_us: row.try_get(12)?,
    })
}

/// Error texts are kept short: enough for an officer, not a relay's whole transcript.
fn clip(text: &str) -> String {
    text.chars().take(500).collect()
}

impl Tx<'_> {
    /// Enqueues a message, due at once, in this transaction: it exists only if the
    /// transaction commits. Returns its id.
    pub async fn enqueue_message(&mut self, message: &NewMessage) -> Result<String, StoreError> {
        let id = uuid::Uuid::now_v7().to_string();
        let now = self.backend().now_us_sql();
        let sql = format!(
            "INSERT INTO outbox_messages (id, topic, record_kind, record_id, recipient, subject, body, \
             status, attempts, next_attempt_us, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, {now}, {now})"
        );
        sqlx::query(&sql)
            .bind(&id)
            .bind(&message.topic)
            .bind(message.record_kind.as_deref())
            .bind(message.record_id.as_deref())
            .bind(&message.recipient)
            .bind(&message.subject)
            .bind(&message.body)
            .execute(self.conn())
            .await?;
        Ok(id)
    }
}

impl Store {
    /// Claims up to `limit` due pending messages for sending, oldest first: each claim
    /// counts an attempt and hides the message from other senders for `claim_us` (its
    /// `next_attempt_us` moves on), so two senders never send one message at once. A
    /// message whose sender died becomes due again when the claim runs out.
    pub async fn claim_messages(&self, limit: u32, claim_us: i64) -> Result<Vec<Message>, StoreError> {
        let now = self.backend.now_us_sql();
        let sql = format!(
            "SELECT id FROM outbox_messages WHERE status = 'pending' AND next_attempt_us <= {now} \
             ORDER BY next_attempt_us, id LIMIT {}",
            limit.clamp(1, 1000)
        );
        let ids: Vec<String> = sqlx::query_scalar(&sql).fetch_all(&self.pool).await?;
        // One conditional update per message: a message another sender claimed in between
        // no longer matches and is left to it.
        let claim = format!(
            "UPDATE outbox_messages SET attempts = attempts + 1, next_attempt_us = {now} + $1 \
             WHERE id = $2 AND status = 'pending' AND next_attempt_us <= {now} RETURNING {COLUMNS}"
        );
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(&claim).bind(claim_us.max(1)).bind(&id).fetch_optional(&self.pool).await?;
            if let Some(row) = row {
                claimed.push(message_row(&row)?);
            }
        }
        Ok(claimed)
    }

    /// Marks a claimed message sent. False when it is no longer pending (another sender
    /// marked it after its claim ran out).
    pub async fn mark_sent(&self, id: &str) -> Result<bool, StoreError> {
        let now = self.backend.now_us_sql();
        let sql = format!(
            "UPDATE outbox_messages SET status = 'sent', sent_us = {now}, last_error = NULL \
             WHERE id = $1 AND status = 'pending'"
        );
        Ok(sqlx::query(&sql).bind(id).execute(&self.pool).await?.rows_affected() == 1)
    }

    /// Records a failed attempt at a claimed message: it is retried after
    /// [`RetryPolicy::delay_us`], or marked [`MessageStatus::Failed`] for good when the
    /// failure is `permanent` (the relay refused the address) or the message had its last
    /// attempt. Returns the status it is left in.
    pub async fn mark_failed(
        &self,
        message: &Message,
        error: &str,
        permanent: bool,
        retry: &RetryPolicy,
    ) -> Result<MessageStatus, StoreError> {
        let now = self.backend.now_us_sql();
        let status = if permanent || message.attempts >= retry.max_attempts {
            MessageStatus::Failed
        } else {
            MessageStatus::Pending
        };
        let sql = format!(
            "UPDATE outbox_messages SET status = $1, last_error = $2, next_attempt_us = {now} + $3 \
             WHERE id = $4 AND status = 'pending'"
        );
        sqlx::query(&sql)
            .bind(status.as_str())
            .bind(clip(error))
            .bind(retry.delay_us(message.attempts))
            .bind(&message.id)
            .execute(&self.pool)
            .await?;
        Ok(status)
    }

    /// The message `id`.
    pub async fn message(&self, id: &str) -> Result<Option<Message>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox_messages WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(message_row).transpose()
    }

    /// The messages in `status` (all when `None`), oldest first, at most `limit`: for
    /// officers' views of what was sent and what failed.
    pub async fn messages(
        &self,
        status: Option<MessageStatus>,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let limit = limit.clamp(1, 10_000);
        let rows = match status {
            Some(status) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM outbox_messages WHERE status = $1 ORDER BY created_us, id LIMIT {limit}"
                );
                sqlx::query(&sql).bind(status.as_str()).fetch_all(&self.pool).await?
            }
            None => {
                let sql =
                    format!("SELECT {COLUMNS} FROM outbox_messages ORDER BY created_us, id LIMIT {limit}");
                sqlx::query(&sql).fetch_all(&self.pool).await?
            }
        };
        rows.iter().map(message_row).collect()
    }

    /// The messages about record `kind`/`id`, oldest first.
    pub async fn messages_about(&self, kind: &str, id: &str) -> Result<Vec<Message>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox_messages WHERE record_kind = $1 AND record_id = $2 \
             ORDER BY created_us, id"
        );
        let rows = sqlx::query(&sql).bind(kind).bind(id).fetch_all(&self.pool).await?;
        rows.iter().map(message_row).collect()
    }
}
