//! Sending the outbox ([`tillit_store::outbox`]): each message is built as an RFC 5322
//! message with lettre's builder, then either written as an `.eml` file into
//! `<data>/outbox/` (the embedded default) or sent by SMTP to the configured relay
//! (`[mail]` in `tillit.toml`, docs/operations.md).
//!
//! R-PER-3: a message to a protected person goes to them; nothing here logs a recipient, a
//! subject or a text. Errors name the message id and what the relay or file system said.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Tokio1Executor};
use tillit_store::outbox::Message;

use crate::config::{MailConfig, MailMode, SmtpTls};

/// The directory inside the data directory that `.eml` files are written to.
pub const OUTBOX_DIR: &str = "outbox";

/// A message that could not be sent.
#[derive(Debug, thiserror::Error)]
#[error("message {id}: {reason}")]
pub struct SendError {
    /// The message's id.
    pub id: String,
    /// What went wrong (never the recipient or the text).
    pub reason: String,
    /// Whether trying again cannot help (the relay refused the address, the address cannot
    /// be parsed): the message is marked failed at once.
    pub permanent: bool,
}

/// A mail set-up that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A configured address does not parse.
    #[error("[mail] {key}: {reason}")]
    Address {
        /// The key.
        key: &'static str,
        /// What lettre said.
        reason: String,
    },
    /// A file named by the configuration cannot be read or used.
    #[error("[mail] {key}: {path}: {reason}")]
    File {
        /// The key.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The outbox directory cannot be created.
    #[error("cannot create {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How the node sends its notifications.
#[derive(Clone)]
pub enum Mailer {
    /// `.eml` files written into a directory.
    Files(FileMailer),
    /// SMTP to a relay.
    Smtp(SmtpMailer),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Files(m) => f.debug_tuple("Files").field(&m.dir).finish(),
            Mailer::Smtp(m) => f.debug_tuple("Smtp").field(&m.relay).finish(),
        }
    }
}

impl Mailer {
    /// The mailer `[mail]` describes; files go to `<data_dir>/outbox/`, relative paths in
    /// the configuration are taken from `data_dir`.
    pub fn from_config(config: &MailConfig, data_dir: &Path) -> Result<Mailer, MailError> {
        let from = parse_mailbox("from", &config.from)?;
        match config.mode {
            MailMode::Files => Ok(Mailer::Files(FileMailer::new(data_dir.join(OUTBOX_DIR), from)?)),
            MailMode::Smtp => Ok(Mailer::Smtp(SmtpMailer::new(config, data_dir, from)?)),
        }
    }

    /// Sends (or writes) one message.
    pub async fn send(&self, message: &Message) -> Result<(), SendError> {
        match self {
            Mailer::Files(m) => m.send(message).await,
            Mailer::Smtp(m) => m.send(message).await,
        }
    }
}

fn parse_mailbox(key: &'static str, text: &str) -> Result<Mailbox, MailError> {
    text.parse::<Mailbox>().map_err(|e| MailError::Address { key, reason: e.to_string() })
}

/// The RFC 5322 message for `message`, from `from`: plain UTF-8 text, its id as
/// Message-ID (so a message sent twice is recognisably one), its creation time as Date.
pub fn build(message: &Message, from: &Mailbox) -> Result<lettre::Message, SendError> {
    let fail = |reason: String| SendError { id: message.id.clone(), reason, permanent: true };
    let to: Mailbox =
        message.recipient.parse().map_err(|_| fail("the recipient is not an e-mail address".into()))?;
    let domain = from.email.domain();
    let created = UNIX_EPOCH + Duration::from_micros(u64::try_from(message.created_us).unwrap_or_default());
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", message.id)))
        .date(created)
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| fail(format!("cannot build the message: {e}")))
}

/// Writes each message as `<id>.eml` into a directory, atomically: a temporary file in the
/// same directory, flushed to disk, then renamed, so a reader never sees half a message. A
/// message written again replaces its own file.
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    /// Writes into `dir` (created if missing), with `from` as sender.
    pub fn new(dir: PathBuf, from: Mailbox) -> Result<FileMailer, MailError> {
        std::fs::create_dir_all(&dir).map_err(|source| MailError::Directory { path: dir.clone(), source })?;
        Ok(FileMailer { dir, from })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a message is written to.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.eml"))
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let bytes = build(message, &self.from)?.formatted();
        // Ids are UUIDs the store made; refuse anything else rather than write outside.
        if !message.id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(SendError {
                id: message.id.clone(),
                reason: "not a message id".into(),
                permanent: true,
            });
        }
        let dir = self.dir.clone();
        let path = self.path_of(&message.id);
        let id = message.id.clone();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut file = tempfile::Builder::new().prefix(".").suffix(".eml.tmp").tempfile_in(&dir)?;
            file.write_all(&bytes)?;
            file.as_file().sync_all()?;
            file.persist(&path).map_err(|e| e.error)?;
            Ok(())
        })
        .await;
        match written {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                Err(SendError { id, reason: format!("cannot write the .eml file: {e}"), permanent: false })
            }
            Err(e) => Err(SendError { id, reason: format!("the writer failed: {e}"), permanent: false }),
        }
    }
}

/// Sends each message by SMTP to the relay.
#[derive(Clone)]
pub struct SmtpMailer {
    relay: String,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// The relay `[mail]` names: host, port, STARTTLS / implicit TLS / none (loopback only,
    /// refused by the configuration otherwise), the extra trusted CA certificates, the
    /// credentials.
    pub fn new(config: &MailConfig, data_dir: &Path, from: Mailbox) -> Result<SmtpMailer, MailError> {
        let host = config.host.trim_matches(['[', ']']).to_string();
        let tls_parameters = || -> Result<TlsParameters, MailError> {
            let mut builder = TlsParameters::builder(host.clone());
            if let Some(file) = &config.ca_file {
                let path = data_dir.join(file);
                let pem = std::fs::read(&path).map_err(|e| MailError::File {
                    key: "ca_file",
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                let certificate = Certificate::from_pem(&pem).map_err(|e| MailError::File {
                    key: "ca_file",
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
                builder = builder.add_root_certificate(certificate);
            }
            builder.build_rustls().map_err(|e| MailError::File {
                key: "ca_file",
                path: config.ca_file.clone().unwrap_or_default(),
                reason: e.to_string(),
            })
        };
        let tls = match config.tls {
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpTls::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(config.port())
            .tls(tls)
            .timeout(Some(Duration::from_secs(u64::from(config.timeout_seconds))));
        if let Some(user) = &config.username {
            let password = match (&config.password, &config.password_file) {
                (Some(p), _) => p.clone(),
                (None, Some(file)) => {
                    let path = data_dir.join(file);
                    let text = std::fs::read_to_string(&path).map_err(|e| MailError::File {
                        key: "password_file",
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    text.lines().next().unwrap_or_default().to_string()
                }
                (None, None) => String::new(),
            };
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(SmtpMailer { relay: format!("{host}:{}", config.port()), transport: builder.build(), from })
    }

    /// The relay, `host:port`.
    pub fn relay(&self) -> &str {
        &self.relay
    }

    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let email = build(message, &self.from)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) => Err(SendError {
                id: message.id.clone(),
                reason: smtp_reason(&e),
                permanent: e.is_permanent(),
            }),
        }
    }
}

fn smtp_reason(e: &lettre::transport::smtp::Error) -> String {
    match e.status() {
        // A relay's refusal may quote the address: keep its code only (R-PER-3).
        Some(code) if e.is_permanent() => format!("the SMTP relay refused the message ({code})"),
        Some(code) => format!("the SMTP relay deferred the message ({code})"),
        // Connection, TLS and protocol errors name no recipient.
        None => format!("SMTP: {e}"),
    }
}
