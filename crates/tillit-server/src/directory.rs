//! The RA's directory as the node runs it: organisations added to the tree, and the HR
//! register import (R-PER-1, R-PER-2), each change audited in the transaction that makes it.
//!
//! The import reads the whole file first and checks every row; a file with a bad row
//! changes nothing (every bad row is reported with its line, column and reason). A good file
//! is then applied in chunks of persons, one transaction and one audit entry per chunk,
//! listing the ids registered and updated and the SHA-256 of the file. Applying the same
//! file again changes nothing; persons the file no longer lists have their employments in
//! the imported subtree ended, never deleted.

use std::collections::HashSet;
use std::io::Read;

use serde_json::json;
use sha2::{Digest as _, Sha256};
use tillit_core::audit::{Actor, AuditEvent};
use tillit_core::id::{Country, ParseOptions};
use tillit_core::ra::hr::{self, Header, HrRow, Merge, RowContext, RowError};
use tillit_core::ra::org::{Org, OrgTree};
use tillit_core::ra::person::{allocate_hsa_id, Person};
use tillit_core::ra::rule::Refusal;
use tillit_core::ra::{OrgId, PersonId};
use tillit_store::{Store, StoreError};
use time::Date;

/// Persons per transaction (5,000: the million-row import in 56-58 s; 2,000 took 61 s).
const CHUNK: usize = 5000;

/// Errors of the directory routines.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// A rule refused the change.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Read(String),
}

/// Adds a node to the organisation tree (R-ORG-1), audited on the organisation's chain.
pub async fn add_org(store: &Store, actor: &Actor, org: Org) -> Result<(), DirectoryError> {
    let tree = OrgTree::new(store.orgs().await?)?;
    if tree.get(org.id).is_some() {
        return Err(Refusal::field("R-ORG-1", "id", "an organisation with this id exists").into());
    }
    if let Some(code) = &org.hr_code {
        if tree.by_hr_code(code).is_some() {
            return Err(Refusal::field("R-ORG-1", "hr_code", format!("HR code {code:?} is in use")).into());
        }
    }
    tree.check_placement(&org)?;
    let top = org.parent.and_then(|p| tree.organisation_of(p)).unwrap_or(org.id);
    let mut tx = store.begin().await?;
    tx.insert_org(&org).await?;
    tx.append(AuditEvent::new(
        top.to_string(),
        actor.clone(),
        "org.added",
        json!({
            "org": org.id.to_string(),
            "parent": org.parent.map(|p| p.to_string()),
            "kind": org.kind.as_str(),
            "name": org.name,
            "org_number": org.org_number.as_ref().map(|n| n.normalised().to_string()),
            "hr_code": org.hr_code,
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// How an import runs.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The subtree the file covers (the organisation, or a group company).
    pub scope: OrgId,
    /// The country of national ids in rows without a `country`.
    pub country: Country,
    /// Check and count only; write nothing.
    pub dry_run: bool,
    /// Whether the importing user holds the protected-identity right (R-PER-3).
    pub may_see_protected: bool,
    /// Whether test identities are accepted (configuration `test_identities`).
    pub allow_test_ids: bool,
    /// The day the import is judged on.
    pub today: Date,
    /// Who imports.
    pub actor: Actor,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// Distinct persons in the file.
    pub persons: u64,
    /// New persons.
    pub registered: u64,
    /// Persons whose record changed.
    pub updated: u64,
    /// Persons unchanged.
    pub unchanged: u64,
    /// Persons no longer listed whose employments were ended.
    pub ended: u64,
    /// Persons with a protected identity left as they were, because the importer lacks the
    /// protected-identity right (R-PER-3).
    pub protected_skipped: u64,
    /// Bad rows; when there are any, nothing was written.
    pub errors: Vec<RowError>,
    /// SHA-256 of the file, hex.
    pub file_sha256: String,
}

/// Where an import is: rows read in the check, persons applied.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Rows checked so far.
    Checked(u64),
    /// Persons applied so far, of the total.
    Applied(u64, u64),
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// Reads and checks every row. Returns the good rows and every bad one.
fn check_rows<R: Read>(
    input: R,
    cx: &RowContext<'_>,
    progress: &dyn Fn(Progress),
) -> Result<(Vec<HrRow>, Vec<RowError>, String), DirectoryError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(HashingReader { inner: input, hash: Sha256::new() });
    let header = reader.headers().map_err(|e| DirectoryError::Read(e.to_string()))?.clone();
    let header = Header::new(header.iter()).map_err(|refusal| {
        DirectoryError::Refused(Refusal { reason: format!("line 1: {}", refusal.reason), ..refusal })
    })?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut count = 0u64;
    loop {
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let fields: Vec<&str> = record.iter().collect();
                match hr::parse_row(&header, line, &fields, cx) {
                    Ok(row) => rows.push(row),
                    Err(e) => errors.push(e),
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("has {len} fields, the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text".to_string(),
                    csv::ErrorKind::Io(io) => return Err(DirectoryError::Read(io.to_string())),
                    _ => "is not a CSV record".to_string(),
                };
                errors.push(RowError { line, refusal: Refusal::field("R-PER-1", "row", reason) });
            }
        }
        count += 1;
        if count % 10_000 == 0 {
            progress(Progress::Checked(count));
        }
    }
    progress(Progress::Checked(count));
    let hash = hex::encode(reader.into_inner().hash.finalize());
    Ok((rows, errors, hash))
}

/// Imports an HR register file into the subtree `opts.scope`.
pub async fn import_hr<R: Read>(
    store: &Store,
    input: R,
    opts: &ImportOptions,
    progress: &dyn Fn(Progress),
) -> Result<ImportReport, DirectoryError> {
    let tree = OrgTree::new(store.orgs().await?)?;
    let scope = tree
        .get(opts.scope)
        .ok_or_else(|| Refusal::field("R-ORG-1", "org", format!("no organisation {}", opts.scope)))?;
    let chain = tree.organisation_of(scope.id).unwrap_or(scope.id).to_string();
    let hsa_org = tree.legal_entity_of(scope.id).and_then(|o| o.org_number.clone());
    let cx = RowContext {
        tree: &tree,
        scope: scope.id,
        country: opts.country,
        id_options: ParseOptions::new(opts.today).with_test_ids(opts.allow_test_ids),
        may_see_protected: opts.may_see_protected,
    };
    let (mut rows, errors, file_sha256) = check_rows(input, &cx, progress)?;
    let mut report =
        ImportReport { rows: (rows.len() + errors.len()) as u64, file_sha256, ..ImportReport::default() };
    if !errors.is_empty() {
        report.errors = errors;
        return Ok(report);
    }
    if rows.is_empty() {
        // An empty register would end every employment in the subtree.
        return Err(Refusal::field(
            "R-PER-1",
            "file",
            "has no rows; an empty register would end every employment",
        )
        .into());
    }
    // A person's rows together, in file order.
    rows.sort_by(|a, b| {
        (a.national_id.country(), a.national_id.normalised(), a.line).cmp(&(
            b.national_id.country(),
            b.national_id.normalised(),
            b.line,
        ))
    });
    let mut groups: Vec<&[HrRow]> = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].national_id != rows[start].national_id {
            groups.push(&rows[start..i]);
            start = i;
        }
    }
    report.persons = groups.len() as u64;
    let mut seen: HashSet<PersonId> = HashSet::with_capacity(groups.len());
    let mut applied = 0u64;
    for chunk in groups.chunks(CHUNK) {
        let keys: Vec<(&str, String)> = chunk
            .iter()
            .map(|g| (g[0].national_id.country().code(), g[0].national_id.normalised().to_string()))
            .collect();
        let existing = store.persons_by_national_ids(&keys).await?;
        let existing: std::collections::HashMap<(Country, &str), &Person> = existing
            .iter()
            .map(|r| ((r.person.national_id.country(), r.person.national_id.normalised()), &r.person))
            .collect();
        let mut new = Vec::new();
        let mut updated = Vec::new();
        for group in chunk {
            let key = (group[0].national_id.country(), group[0].national_id.normalised());
            let before = existing.get(&key).copied();
            if before.is_some_and(|p| p.protected) && !opts.may_see_protected {
                // R-PER-3: only a user with the right administers a protected person.
                if let Some(p) = before {
                    seen.insert(p.id);
                }
                report.protected_skipped += 1;
                continue;
            }
            let id = before.map_or_else(|| PersonId(uuid::Uuid::now_v7()), |p| p.id);
            seen.insert(id);
            match hr::merge(before, group, id, &tree, scope.id, opts.today) {
                Merge::New(p) => new.push(p),
                Merge::Updated(p) => updated.push(p),
                Merge::Unchanged => report.unchanged += 1,
            }
        }
        report.registered += new.len() as u64;
        report.updated += updated.len() as u64;
        let changed = !(new.is_empty() && updated.is_empty());
        if changed && !opts.dry_run {
            write_chunk(store, opts, &chain, &report.file_sha256, hsa_org.as_ref(), new, updated).await?;
        }
        applied += chunk.len() as u64;
        progress(Progress::Applied(applied, report.persons));
    }
    report.ended = end_unlisted(store, opts, &tree, &chain, &report.file_sha256, &seen).await?;
    Ok(report)
}

async fn write_chunk(
    store: &Store,
    opts: &ImportOptions,
    chain: &str,
    file_sha256: &str,
    hsa_org: Option<&tillit_core::id::OrgNumber>,
    mut new: Vec<Person>,
    updated: Vec<Person>,
) -> Result<(), DirectoryError> {
    let mut tx = store.begin().await?;
    if let Some(org) = hsa_org {
        // R-ID-5: every new person gets an HSA-id from the organisation's sequence.
        let first = tx.reserve_counter(chain, "hsa-id", new.len() as u64).await?;
        for (i, p) in new.iter_mut().enumerate() {
            p.hsa_id = Some(allocate_hsa_id(org, first + i as u64)?);
        }
    }
    tx.insert_persons(&new).await?;
    for p in &updated {
        tx.update_person(p).await?;
    }
    tx.append(AuditEvent::new(
        chain,
        opts.actor.clone(),
        "hr.imported",
        json!({
            "file_sha256": file_sha256,
            "registered": new.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(),
            "updated": updated.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(),
        }),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends, on `opts.today`, the employments in the imported subtree of every person the file
/// no longer lists (R-CARD-7 and R-CARD-8 then find their cards).
async fn end_unlisted(
    store: &Store,
    opts: &ImportOptions,
    tree: &OrgTree,
    chain: &str,
    file_sha256: &str,
    seen: &HashSet<PersonId>,
) -> Result<u64, DirectoryError> {
    let employed = store.persons_employed_in(&tree.subtree(opts.scope), opts.today).await?;
    let gone: Vec<PersonId> = employed.into_iter().filter(|id| !seen.contains(id)).collect();
    let mut ended = 0;
    for chunk in gone.chunks(CHUNK) {
        let mut changed = Vec::new();
        for id in chunk {
            let Some(record) = store.person(*id).await? else { continue };
            let mut p = record.person;
            if p.protected && !opts.may_see_protected {
                continue; // R-PER-3, as above; not counted by name anywhere.
            }
            let before = p.employments.clone();
            for e in &mut p.employments {
                if tree.within(e.org, opts.scope) {
                    *e = hr::end_by(e, opts.today);
                }
            }
            if p.employments != before {
                changed.push(p);
            }
        }
        ended += changed.len() as u64;
        if opts.dry_run || changed.is_empty() {
            continue;
        }
        let mut tx = store.begin().await?;
        for p in &changed {
            tx.update_person(p).await?;
        }
        tx.append(AuditEvent::new(
            chain,
            opts.actor.clone(),
            "hr.employments_ended",
            json!({
                "file_sha256": file_sha256,
                "persons": changed.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(),
                "on": opts.today.to_string(),
            }),
        ))
        .await?;
        tx.commit().await?;
    }
    Ok(ended)
}

/// Grants a role on a subtree (R-ORG-2), audited on the organisation's chain. CRA/KRA needs
/// training and a specimen approved by a security officer of the subtree (R-ORG-3).
pub async fn grant_role(
    store: &Store,
    actor: &Actor,
    cmd: tillit_core::ra::role::GrantRole,
    today: Date,
) -> Result<(), DirectoryError> {
    use tillit_core::ra::event::Event as _;
    use tillit_core::ra::role::{self, Principal, RoleEvent};
    let tree = OrgTree::new(store.orgs().await?)?;
    if store.person(cmd.person).await?.is_none_or(|r| r.removed_us.is_some()) {
        return Err(Refusal::field("R-PER-1", "person", "no such person in the directory").into());
    }
    let existing = store.grants_of(cmd.person).await?;
    let approver = match &cmd.specimen {
        Some(s) => Some(Principal { person: s.approved_by, grants: store.grants_of(s.approved_by).await? }),
        None => None,
    };
    let scope = cmd.scope;
    let events = role::grant(&tree, &existing, approver.as_ref(), cmd, today)?;
    let chain = tree.organisation_of(scope).unwrap_or(scope).to_string();
    let mut tx = store.begin().await?;
    for event in &events {
        if let RoleEvent::Granted { grant, person, role, scope, .. } = event {
            let details = event.payload();
            tx.insert_grant(
                &tillit_core::ra::role::Grant { id: *grant, person: *person, role: *role, scope: *scope },
                &details,
            )
            .await?;
        }
        tx.append(event.to_audit(&chain, actor)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Lets the client certificate `serial`, issued by this node, speak for `person` on the API
/// (the principal of its requests), audited.
pub async fn bind_principal(
    store: &Store,
    actor: &Actor,
    serial: &str,
    person: PersonId,
) -> Result<(), DirectoryError> {
    let cert = store.certificate(serial).await?.ok_or_else(|| {
        Refusal::field("R-ORG-1", "serial", "no certificate with this serial was issued here")
    })?;
    if cert.revoked_us.is_some() {
        return Err(Refusal::field("R-ORG-1", "serial", "the certificate is revoked").into());
    }
    let now_us = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000;
    if cert.not_after_us < now_us {
        return Err(Refusal::field("R-ORG-1", "serial", "the certificate has expired").into());
    }
    if !matches!(cert.profile.as_str(), "function" | "se-authentication" | "se-signature") {
        return Err(Refusal::field(
            "R-ORG-1",
            "serial",
            format!("a {} certificate does not speak for a person", cert.profile),
        )
        .into());
    }
    let Some(record) = store.person(person).await?.filter(|r| r.removed_us.is_none()) else {
        return Err(Refusal::field("R-PER-1", "person", "no such person in the directory").into());
    };
    let tree = OrgTree::new(store.orgs().await?)?;
    let chain = record
        .person
        .employments
        .first()
        .and_then(|e| tree.organisation_of(e.org))
        .map_or_else(|| tillit_core::audit::SYSTEM_CHAIN.to_string(), |o| o.to_string());
    let mut tx = store.begin().await?;
    tx.bind_principal(serial, person).await?;
    tx.append(AuditEvent::new(
        chain,
        actor.clone(),
        "principal.bound",
        json!({ "serial": serial, "person": person.to_string() }),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
