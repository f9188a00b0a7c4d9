//! An RA administrator made from the command line, so that a new node can be used through
//! its API at once: `tillit init` makes the first one, `tillit admin create` more.
//!
//! In one transaction (R-AUD-1: each change audited with it) the organisation is added when
//! it is new (the top of a tree), the person is registered with an employment there, granted
//! the RA role on its subtree (R-ORG-2), and a certificate under the `function` profile
//! (clientAuth, digitalSignature) is issued for a P-256 key made here and bound to the
//! person as their API principal. The key, the certificate and the chain are written to
//! `admin/<name>.p12` in the data directory (mode 0600), encrypted with a random one-time
//! password that is returned to be shown once and is stored nowhere. The file is written
//! before the transaction commits and removed if it does not, so there is never a bound
//! certificate whose key was lost, nor a file for a certificate that was never recorded.

mod pfx;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rand::Rng as _;
use serde_json::json;
use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::id::{NationalId, OrgNumber};
use tillit_core::ra::event::Event as _;
use tillit_core::ra::org::{Org, OrgKind, OrgTree};
use tillit_core::ra::person::{self, allocate_hsa_id, Employment, EmploymentKind, Person};
use tillit_core::ra::role::{self, GrantRole, Role, RoleEvent};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{GrantId, OrgId, PersonId};
use tillit_pki::issue::Template;
use tillit_pki::profile::SubjectField;
use tillit_pki::signer::generate_pkcs8;
use tillit_pki::{FileSigner, KeyAlgorithm, Signer as _};
use tillit_store::{Store, StoreError};
use time::Date;
use zeroize::Zeroizing;

pub use pfx::PfxError;

use crate::ca::{Authority, CaError};

/// The profile of the administrator's certificate: TLS client (the API) and
/// digitalSignature (the officer's signature over actions).
pub const PROFILE: &str = "function";
/// Where the credentials are written, under the data directory.
pub const DIR: &str = "admin";
/// Validity of the administrator's certificate, at most (shorter when the profile or the
/// issuing CA allows less).
const VALIDITY_DAYS: u32 = 365;

/// Errors in making an administrator.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A rule refused it.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The certificate authority failed.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// The key could not be made.
    #[error("cannot make the administrator's key: {0}")]
    Key(String),
    /// The PKCS#12 file could not be made.
    #[error(transparent)]
    Pfx(#[from] PfxError),
    /// The file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
}

/// The organisation an administrator is made for: an existing node of the tree (found by
/// HR code, else organisation number, else the name of a top-level organisation), or a new
/// top-level organisation.
#[derive(Debug, Clone)]
pub struct OrganisationRequest {
    /// Its name.
    pub name: String,
    /// Its organisation number.
    pub org_number: Option<OrgNumber>,
    /// Its code in the HR register.
    pub hr_code: Option<String>,
}

/// Who is to be made an administrator.
#[derive(Debug, Clone)]
pub struct AdminRequest {
    /// The person's national id; it must not be registered yet.
    pub national_id: NationalId,
    /// Given names.
    pub given_names: String,
    /// Family name.
    pub family_name: String,
    /// The operator asserts the names were checked against the population register today
    /// (R-PER-2); otherwise they are recorded unchecked.
    pub names_checked: bool,
    /// The organisation whose subtree the RA role covers.
    pub organisation: OrganisationRequest,
}

/// An administrator just made. Its `Debug` leaves the password out.
pub struct Administrator {
    /// The person registered.
    pub person: PersonId,
    /// The person's name as registered.
    pub name: String,
    /// The organisation the role covers.
    pub org: OrgId,
    /// Its name.
    pub org_name: String,
    /// Whether the organisation was added now.
    pub org_added: bool,
    /// The RA grant.
    pub grant: GrantId,
    /// The certificate's serial (lower-case hex).
    pub serial: String,
    /// When the certificate expires.
    pub not_after: SystemTime,
    /// The PKCS#12 file, relative to the data directory.
    pub file: PathBuf,
    /// The file's one-time password: show it once, store it nowhere.
    pub password: Zeroizing<String>,
}

impl std::fmt::Debug for Administrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Administrator")
            .field("person", &self.person)
            .field("org", &self.org)
            .field("org_added", &self.org_added)
            .field("grant", &self.grant)
            .field("serial", &self.serial)
            .field("file", &self.file)
            .field("password", &"(shown once)")
            .finish_non_exhaustive()
    }
}

/// Makes an administrator on the node whose data directory is `dir` (see the module
/// documentation), recorded by `actor`. A national id registered already is refused: this
/// registers a new person (an existing one is given roles with `tillit role grant`).
pub async fn create(
    store: &Store,
    authority: &Authority,
    dir: &Path,
    actor: &Actor,
    request: &AdminRequest,
    today: Date,
) -> Result<Administrator, AdminError> {
    if let Some(existing) = store.person_by_national_id(&request.national_id).await? {
        return Err(Refusal::field(
            "R-PER-1",
            "national_id",
            format!(
                "{} is registered already (person {}); an administrator is made once per person: \
                 grant roles to an existing person with `tillit role grant` and bind a certificate \
                 with `tillit principal bind`",
                request.national_id.normalised(),
                existing.person.id
            ),
        )
        .into());
    }
    let tree = OrgTree::new(store.orgs().await?)?;
    let (org, org_added) = match find_org(&tree, &request.organisation)? {
        Some(org) => (org.clone(), false),
        None => {
            let o = &request.organisation;
            let org = Org {
                id: OrgId(uuid::Uuid::now_v7()),
                parent: None,
                kind: OrgKind::Organisation,
                name: o.name.clone(),
                org_number: o.org_number.clone(),
                hr_code: o.hr_code.clone(),
            };
            tree.check_placement(&org)?;
            (org, true)
        }
    };
    let tree = if org_added { OrgTree::new(tree.iter().cloned().chain([org.clone()]))? } else { tree };
    let chain = tree.organisation_of(org.id).unwrap_or(org.id).to_string();

    let mut person = Person {
        id: PersonId(uuid::Uuid::now_v7()),
        national_id: request.national_id.clone(),
        given_names: request.given_names.trim().to_owned(),
        family_name: request.family_name.trim().to_owned(),
        preferred_name: None,
        hsa_id: None,
        email: None,
        mobile: None,
        address: None,
        delivery_address: None,
        employments: vec![Employment {
            org: org.id,
            kind: EmploymentKind::Employment,
            start: today,
            end: None,
        }],
        licensed_title: None,
        protected: false,
        // R-PER-2: checked only when the operator says so.
        name_checked: request.names_checked.then_some(today),
    };
    let name = format!("{} {}", person.given_names, person.family_name);
    let grant = GrantRole {
        id: GrantId(uuid::Uuid::now_v7()),
        person: person.id,
        role: Role::Ra,
        scope: org.id,
        training: None,
        specimen: None,
    };
    let grant_id = grant.id;
    // R-ORG-2: the RA role on the organisation's subtree (no specimen needed, R-ORG-3).
    let role_events = role::grant(&tree, &[], None, grant, today)?;

    let key = generate_pkcs8(KeyAlgorithm::EcdsaP256).map_err(|e| AdminError::Key(e.to_string()))?;
    let public_key = FileSigner::from_pkcs8(Path::new("(administrator key)"), KeyAlgorithm::EcdsaP256, &key)
        .map_err(|e| AdminError::Key(e.to_string()))?
        .public_key()
        .clone();
    let template = template(authority, &name, &org.name, public_key)?;

    let mut tx = store.begin().await?;
    if org_added {
        tx.insert_org(&org).await?;
        tx.append(AuditEvent::new(
            &chain,
            actor.clone(),
            "org.added",
            json!({
                "org": org.id.to_string(),
                "parent": null,
                "kind": org.kind.as_str(),
                "name": org.name,
                "org_number": org.org_number.as_ref().map(|n| n.normalised().to_string()),
                "hr_code": org.hr_code,
            }),
        ))
        .await?;
    }
    if let Some(number) = tree.legal_entity_of(org.id).and_then(|o| o.org_number.as_ref()) {
        // R-ID-5: an HSA-id from the organisation's sequence, as the HR import gives.
        let n = tx.reserve_counter(&chain, "hsa-id", 1).await?;
        person.hsa_id = Some(allocate_hsa_id(number, n)?);
    }
    // R-PER-1 (and R-PER-3: an administrator is never registered as protected here).
    let person_events = person::register(&person, false)?;
    tx.insert_person(&person).await?;
    for event in &person_events {
        tx.append(event.to_audit(&chain, actor)).await?;
    }
    for event in &role_events {
        if let RoleEvent::Granted { grant, person, role, scope, .. } = event {
            let g = tillit_core::ra::role::Grant { id: *grant, person: *person, role: *role, scope: *scope };
            tx.insert_grant(&g, &event.payload()).await?;
        }
        tx.append(event.to_audit(&chain, actor)).await?;
    }
    let issued =
        authority.issue_in(&mut tx, actor, &chain, vec![(PROFILE.to_owned(), template.clone())]).await?;
    let [certificate] = issued.as_slice() else {
        return Err(CaError::TaskFailed.into());
    };
    tx.bind_principal(&certificate.serial, person.id).await?;
    tx.append(AuditEvent::new(
        &chain,
        actor.clone(),
        "principal.bound",
        json!({ "serial": certificate.serial, "person": person.id.to_string(), "administrator": true }),
    ))
    .await?;

    let password = one_time_password();
    let [issuing, root] = authority.all_cas();
    let chain_der = [certificate.der.as_slice(), issuing.der.as_slice(), root.der.as_slice()];
    let p12 = Zeroizing::new(pfx::encode(&key, &chain_der, &name, &password)?);
    let file = write_credential(dir, &file_stem(&name), &certificate.serial, &p12)?;
    if let Err(e) = tx.commit().await {
        let _ = fs::remove_file(dir.join(&file));
        return Err(e.into());
    }
    Ok(Administrator {
        person: person.id,
        name,
        org: org.id,
        org_name: org.name,
        org_added,
        grant: grant_id,
        serial: certificate.serial.clone(),
        not_after: template.not_after,
        file,
        password,
    })
}

/// A client credential for a person registered already (an officer of `tillit demo`):
/// the key, the certificate and the file. Its `Debug` leaves the password and key out.
pub struct Credential {
    /// The certificate's serial (lower-case hex).
    pub serial: String,
    /// When the certificate expires.
    pub not_after: SystemTime,
    /// The PKCS#12 file, relative to the data directory.
    pub file: PathBuf,
    /// The file's one-time password: show it once, store it nowhere.
    pub password: Zeroizing<String>,
    /// The key (PKCS#8, P-256), for a caller that signs with it at once.
    pub key: Zeroizing<Vec<u8>>,
    /// The certificate, DER.
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("serial", &self.serial)
            .field("file", &self.file)
            .field("password", &"(shown once)")
            .finish_non_exhaustive()
    }
}

/// Issues a client credential for the API to `person`, registered already and employed in
/// the tree: a certificate under the `function` profile for a new P-256 key, bound to them as
/// their API principal, written with the chain to `admin/<name>.p12` under a one-time
/// password, as [`create`] does for a new administrator (one transaction; the file removed if
/// it does not commit). Roles are granted separately. A person with a protected identity is
/// refused (R-PER-3: their name would be in the file name and the certificate).
pub async fn issue_credential(
    store: &Store,
    authority: &Authority,
    dir: &Path,
    actor: &Actor,
    person: PersonId,
) -> Result<Credential, AdminError> {
    let Some(record) = store.person(person).await?.filter(|r| r.removed_us.is_none()) else {
        return Err(Refusal::field("R-PER-1", "person", "no such person in the directory").into());
    };
    let person = record.person;
    if person.protected {
        return Err(Refusal::field(
            "R-PER-3",
            "person",
            "a person with a protected identity is not given a named credential file here",
        )
        .into());
    }
    let tree = OrgTree::new(store.orgs().await?)?;
    let unit = person
        .employments
        .first()
        .map(|e| e.org)
        .ok_or_else(|| Refusal::field("R-PER-2", "person", "has no employment in the tree"))?;
    let entity = tree.legal_entity_of(unit).map_or_else(String::new, |o| o.name.clone());
    let chain = tree.organisation_of(unit).unwrap_or(unit).to_string();
    let name = format!("{} {}", person.given_names, person.family_name);

    let key = generate_pkcs8(KeyAlgorithm::EcdsaP256).map_err(|e| AdminError::Key(e.to_string()))?;
    let public_key = FileSigner::from_pkcs8(Path::new("(officer key)"), KeyAlgorithm::EcdsaP256, &key)
        .map_err(|e| AdminError::Key(e.to_string()))?
        .public_key()
        .clone();
    let template = template(authority, &name, &entity, public_key)?;
    let mut tx = store.begin().await?;
    let issued =
        authority.issue_in(&mut tx, actor, &chain, vec![(PROFILE.to_owned(), template.clone())]).await?;
    let [certificate] = issued.as_slice() else {
        return Err(CaError::TaskFailed.into());
    };
    tx.bind_principal(&certificate.serial, person.id).await?;
    tx.append(AuditEvent::new(
        &chain,
        actor.clone(),
        "principal.bound",
        json!({ "serial": certificate.serial, "person": person.id.to_string() }),
    ))
    .await?;
    let password = one_time_password();
    let [issuing, root] = authority.all_cas();
    let chain_der = [certificate.der.as_slice(), issuing.der.as_slice(), root.der.as_slice()];
    let p12 = Zeroizing::new(pfx::encode(&key, &chain_der, &name, &password)?);
    let file = write_credential(dir, &file_stem(&name), &certificate.serial, &p12)?;
    if let Err(e) = tx.commit().await {
        let _ = fs::remove_file(dir.join(&file));
        return Err(e.into());
    }
    Ok(Credential {
        serial: certificate.serial.clone(),
        not_after: template.not_after,
        file,
        password,
        key,
        certificate: certificate.der.clone(),
    })
}

/// The existing node the request names, if any. A node found by HR code or organisation
/// number under another name is refused: the operator may have mistyped one of them.
fn find_org<'t>(tree: &'t OrgTree, request: &OrganisationRequest) -> Result<Option<&'t Org>, Refusal> {
    let by_code = request.hr_code.as_deref().and_then(|c| tree.by_hr_code(c));
    let by_number = || {
        let number = request.org_number.as_ref()?;
        tree.iter().find(|o| o.org_number.as_ref().is_some_and(|n| n.normalised() == number.normalised()))
    };
    let by_name = || {
        tree.iter().find(|o| o.kind == OrgKind::Organisation && o.parent.is_none() && o.name == request.name)
    };
    let Some(found) = by_code.or_else(by_number).or_else(by_name) else {
        return Ok(None);
    };
    if found.name != request.name {
        return Err(Refusal::field(
            "R-ORG-1",
            "organisation",
            format!(
                "the HR code or organisation number given names {:?} ({}), not {:?}",
                found.name, found.id, request.name
            ),
        ));
    }
    Ok(Some(found))
}

/// The certificate: the person's name and organisation, valid for [`VALIDITY_DAYS`] (less
/// when the profile or the issuing CA ends sooner).
fn template(
    authority: &Authority,
    name: &str,
    org_name: &str,
    public_key: spki::SubjectPublicKeyInfoOwned,
) -> Result<Template, AdminError> {
    let profile = authority.profiles().get(PROFILE).ok_or_else(|| CaError::UnknownProfile(PROFILE.into()))?;
    let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    let days = VALIDITY_DAYS.min(profile.max_validity_days);
    let issuing_end = authority.issuing().certificate.tbs_certificate.validity.not_after.to_system_time();
    let end = (start + Duration::from_secs(u64::from(days) * 86_400)).min(issuing_end);
    Ok(Template {
        subject: vec![
            (SubjectField::OrganizationName, org_name.to_owned()),
            (SubjectField::CommonName, name.to_owned()),
        ],
        emails: vec![],
        upns: vec![],
        dns_names: vec![],
        public_key,
        not_before: start,
        not_after: end,
        policies: vec![],
    })
}

/// Twenty-five characters from 31 without look-alikes (no 0/O, 1/I/L), in groups of five:
/// about 124 random bits.
fn one_time_password() -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let mut out = Zeroizing::new(String::with_capacity(29));
    for i in 0..25 {
        if i > 0 && i % 5 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]));
    }
    out
}

/// A file name from a person's name: lower-case ASCII letters and digits, Nordic letters
/// folded (å ä æ → a, ö ø → o), anything else a hyphen.
fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for c in name.to_lowercase().chars() {
        let c = match c {
            'å' | 'ä' | 'æ' | 'á' | 'à' => 'a',
            'ö' | 'ø' | 'ó' => 'o',
            'é' | 'è' | 'ë' => 'e',
            'ü' | 'ú' => 'u',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c != '-' || !stem.ends_with('-') {
            stem.push(c);
        }
    }
    let stem = stem.trim_matches('-');
    if stem.is_empty() {
        "administrator".to_owned()
    } else {
        stem.to_owned()
    }
}

/// Writes `bytes` to `admin/<stem>.p12` (or `<stem>-<serial>.p12` when that exists), readable
/// by the owner only, never overwriting; the path relative to `dir`.
fn write_credential(dir: &Path, stem: &str, serial: &str, bytes: &[u8]) -> Result<PathBuf, AdminError> {
    let folder = dir.join(DIR);
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(&folder).map_err(|source| AdminError::Io { path: folder.clone(), source })?;
    for name in [format!("{stem}.p12"), format!("{stem}-{serial}.p12")] {
        let path = folder.join(&name);
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(AdminError::Io { path, source }),
        };
        if let Err(source) = io::Write::write_all(&mut file, bytes).and_then(|()| file.sync_all()) {
            let _ = fs::remove_file(&path);
            return Err(AdminError::Io { path, source });
        }
        return Ok(Path::new(DIR).join(name));
    }
    let path = folder.join(format!("{stem}-{serial}.p12"));
    Err(AdminError::Io { path, source: io::ErrorKind::AlreadyExists.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_plain_ascii() {
        assert_eq!(file_stem("Åsa Öberg-Lindqvist"), "asa-oberg-lindqvist");
        assert_eq!(file_stem("  Tolvan  Tolvansson "), "tolvan-tolvansson");
        assert_eq!(file_stem("李"), "administrator");
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let made = Administrator {
            person: PersonId(uuid::Uuid::nil()),
            name: "Tolvan Tolvansson".into(),
            org: OrgId(uuid::Uuid::nil()),
            org_name: "Emmaboda kommun".into(),
            org_added: true,
            grant: GrantId(uuid::Uuid::nil()),
            serial: "01".into(),
            not_after: SystemTime::UNIX_EPOCH,
            file: PathBuf::from("admin/tolvan-tolvansson.p12"),
            password: Zeroizing::new("SECRET-SECRET".into()),
        };
        assert!(!format!("{made:?}").contains("SECRET"));
    }

    #[test]
    fn one_time_passwords_have_five_groups_of_five() {
        let p = one_time_password();
        assert_eq!(p.len(), 29);
        assert!(p.split('-').all(|g| g.len() == 5));
        assert_ne!(*p, *one_time_password());
    }
}
