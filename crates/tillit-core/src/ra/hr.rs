//! The HR (PA) register import (R-PER-1, R-PER-2): rows of the register's CSV export become
//! person records and employments. Parsing checks every field and names the line, the
//! column and the reason; merging is idempotent (a second import of the same file changes
//! nothing), updates changed persons, ends employments the register no longer lists and
//! never duplicates a person.
//!
//! Reasons never contain a name or address (R-PER-3): they name the column and what is wrong
//! with its form.

use std::collections::HashMap;

use time::Date;

use crate::id::{Country, NationalId, ParseOptions};
use crate::ra::ids::{OrgId, PersonId};
use crate::ra::org::OrgTree;
use crate::ra::person::{check_email, check_mobile, check_name, Employment, EmploymentKind, Person};
use crate::ra::rule::Refusal;

/// The columns of the import file. `national_id`, `given_names`, `family_name`, `unit` and
/// `start` are required; the others may be empty or absent. `name_checked` is the day the HR
/// system last checked the names against the population register (Navet in Sweden), which
/// makes the record "secured" (R-PER-2).
pub const COLUMNS: [&str; 14] = [
    "country",
    "national_id",
    "given_names",
    "family_name",
    "preferred_name",
    "email",
    "mobile",
    "unit",
    "kind",
    "start",
    "end",
    "licensed_title",
    "protected",
    "name_checked",
];

/// One employment row of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HrRow {
    /// The line in the file (1 is the header).
    pub line: u64,
    /// The person.
    pub national_id: NationalId,
    /// Given names.
    pub given_names: String,
    /// Family name.
    pub family_name: String,
    /// Preferred given name.
    pub preferred_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// The unit, resolved from its HR code.
    pub unit: OrgId,
    /// Employment or assignment.
    pub kind: EmploymentKind,
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Option<Date>,
    /// Licensed profession title.
    pub licensed_title: Option<String>,
    /// Protected identity (R-PER-3); `None` when the row does not say (the column is absent
    /// or empty): then a stored person's protection is kept as it is.
    pub protected: Option<bool>,
    /// The day the names were checked against the population register (R-PER-2).
    pub name_checked: Option<Date>,
}

/// A bad row: its line, the column and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file.
    pub line: u64,
    /// The refusal (rule, column, reason).
    pub refusal: Refusal,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.refusal)
    }
}

/// Where each column is in the file, from its header line.
#[derive(Debug, Clone)]
pub struct Header {
    index: HashMap<&'static str, usize>,
}

impl Header {
    /// Reads the header: every required column must be there, no column twice, no unknown
    /// column (a misspelt optional column would otherwise be ignored silently).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Header, Refusal> {
        let mut index = HashMap::new();
        for (i, name) in names.into_iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}');
            let known = COLUMNS
                .iter()
                .find(|c| **c == name)
                .ok_or_else(|| Refusal::field("R-PER-1", "header", format!("unknown column {name:?}")))?;
            if index.insert(*known, i).is_some() {
                return Err(Refusal::field("R-PER-1", "header", format!("column {name:?} appears twice")));
            }
        }
        for required in ["national_id", "given_names", "family_name", "unit", "start"] {
            if !index.contains_key(required) {
                return Err(Refusal::field(
                    "R-PER-1",
                    "header",
                    format!("required column {required:?} is missing"),
                ));
            }
        }
        Ok(Header { index })
    }

    fn get<'r>(&self, record: &'r [&'r str], column: &str) -> Option<&'r str> {
        let value = record.get(*self.index.get(column)?)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

/// What row parsing needs besides the row.
#[derive(Debug, Clone, Copy)]
pub struct RowContext<'a> {
    /// The tree, to resolve unit codes.
    pub tree: &'a OrgTree,
    /// The subtree the import covers: every unit must lie in it.
    pub scope: OrgId,
    /// The country of national ids when the row has no `country`.
    pub country: Country,
    /// How national ids are judged (today, test identities).
    pub id_options: ParseOptions,
    /// Whether the importing user holds the protected-identity right (R-PER-3).
    pub may_see_protected: bool,
}

fn date(field: &'static str, text: &str) -> Result<Date, Refusal> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| Refusal::field("R-PER-1", field, "is not a date (YYYY-MM-DD)"))
}

/// Parses and checks one row.
pub fn parse_row(
    header: &Header,
    line: u64,
    record: &[&str],
    cx: &RowContext<'_>,
) -> Result<HrRow, RowError> {
    parse_fields(header, record, cx).map_err(|refusal| RowError { line, refusal }).map(|mut row| {
        row.line = line;
        row
    })
}

fn required<'r>(header: &Header, record: &'r [&'r str], field: &'static str) -> Result<&'r str, Refusal> {
    header.get(record, field).ok_or_else(|| Refusal::field("R-PER-1", field, "is empty"))
}

fn parse_fields(header: &Header, record: &[&str], cx: &RowContext<'_>) -> Result<HrRow, Refusal> {
    let country = match header.get(record, "country") {
        None => cx.country,
        Some(text) => text
            .parse::<Country>()
            .map_err(|_| Refusal::field("R-ID-6", "country", "must be SE, DK or NO"))?,
    };
    let national_id = NationalId::parse(country, required(header, record, "national_id")?, &cx.id_options)
        .map_err(|e| Refusal::field("R-ID-6", "national_id", e.to_string()))?;
    let given_names = required(header, record, "given_names")?;
    check_name("given_names", given_names)?;
    let family_name = required(header, record, "family_name")?;
    check_name("family_name", family_name)?;
    let preferred_name = header.get(record, "preferred_name");
    if let Some(p) = preferred_name {
        check_name("preferred_name", p)?;
        if !given_names.split_whitespace().any(|g| g == p) {
            return Err(Refusal::field("R-PER-1", "preferred_name", "must be one of the given names"));
        }
    }
    let email = header.get(record, "email");
    if let Some(e) = email {
        check_email("email", e)?;
    }
    let mobile = header.get(record, "mobile");
    if let Some(m) = mobile {
        check_mobile("mobile", m)?;
    }
    let code = required(header, record, "unit")?;
    let unit = cx
        .tree
        .by_hr_code(code)
        .ok_or_else(|| Refusal::field("R-ORG-1", "unit", format!("no unit has HR code {code:?}")))?
        .id;
    if !cx.tree.within(unit, cx.scope) {
        return Err(Refusal::field(
            "R-ORG-1",
            "unit",
            format!("unit {code:?} is outside the organisation imported"),
        ));
    }
    let kind = match header.get(record, "kind") {
        None | Some("employment") => EmploymentKind::Employment,
        Some("assignment") => EmploymentKind::Assignment,
        Some(_) => return Err(Refusal::field("R-PER-1", "kind", "must be employment or assignment")),
    };
    let start = date("start", required(header, record, "start")?)?;
    let end = header.get(record, "end").map(|e| date("end", e)).transpose()?;
    if end.is_some_and(|e| e < start) {
        return Err(Refusal::field("R-PER-1", "end", "is before start"));
    }
    let licensed_title = header.get(record, "licensed_title");
    if let Some(t) = licensed_title {
        check_name("licensed_title", t)?;
    }
    let protected = match header.get(record, "protected") {
        None => None,
        Some("no" | "0" | "false") => Some(false),
        Some("yes" | "1" | "true") => Some(true),
        Some(_) => return Err(Refusal::field("R-PER-3", "protected", "must be yes or no")),
    };
    if protected == Some(true) && !cx.may_see_protected {
        return Err(Refusal::field(
            "R-PER-3",
            "protected",
            "a protected person may only be imported by a user with the protected-identity right (KUR)",
        ));
    }
    let name_checked = header.get(record, "name_checked").map(|d| date("name_checked", d)).transpose()?;
    if name_checked.is_some_and(|d| d > cx.id_options.today) {
        return Err(Refusal::field("R-PER-2", "name_checked", "is in the future"));
    }
    Ok(HrRow {
        line: 0,
        national_id,
        given_names: given_names.to_string(),
        family_name: family_name.to_string(),
        preferred_name: preferred_name.map(str::to_string),
        email: email.map(str::to_string),
        mobile: mobile.map(str::to_string),
        unit,
        kind,
        start,
        end,
        licensed_title: licensed_title.map(str::to_string),
        protected,
        name_checked,
    })
}

/// What merging a person's rows into the directory does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// A new person.
    New(Person),
    /// An existing person changed.
    Updated(Person),
    /// Nothing to do.
    Unchanged,
}

/// Merges the rows of one person (all with the same national id, in file order) into their
/// record. `existing` is the stored record, if any; a new person gets `new_id`. Employments
/// outside `scope` are kept as they are; inside it, the register's rows replace them, and an
/// employment the register no longer lists is ended on `today` (never deleted).
/// A change of name clears the population-register check (R-PER-2): the names must be
/// checked again before a credential. The caller never passes a protected person here for an
/// importer without the protected-identity right (R-PER-3).
pub fn merge(
    existing: Option<&Person>,
    rows: &[HrRow],
    new_id: PersonId,
    tree: &OrgTree,
    scope: OrgId,
    today: Date,
) -> Merge {
    let Some(last) = rows.last() else { return Merge::Unchanged };
    let mut employments: Vec<Employment> = Vec::new();
    for row in rows {
        let e = Employment { org: row.unit, kind: row.kind, start: row.start, end: row.end };
        if !employments.iter().any(|x| x.org == e.org && x.start == e.start) {
            employments.push(e);
        }
    }
    let Some(before) = existing else {
        return Merge::New(Person {
            id: new_id,
            national_id: last.national_id.clone(),
            given_names: last.given_names.clone(),
            family_name: last.family_name.clone(),
            preferred_name: last.preferred_name.clone(),
            hsa_id: None,
            email: last.email.clone(),
            mobile: last.mobile.clone(),
            address: None,
            delivery_address: None,
            employments,
            licensed_title: last.licensed_title.clone(),
            protected: last.protected.unwrap_or(false),
            name_checked: last.name_checked,
        });
    };
    let mut after = before.clone();
    after.given_names.clone_from(&last.given_names);
    after.family_name.clone_from(&last.family_name);
    after.preferred_name.clone_from(&last.preferred_name);
    after.email.clone_from(&last.email);
    after.mobile.clone_from(&last.mobile);
    after.licensed_title.clone_from(&last.licensed_title);
    // Protection is only ever lifted by a row that says so (R-PER-3).
    after.protected = last.protected.unwrap_or(before.protected);
    if after.given_names != before.given_names || after.family_name != before.family_name {
        // New names are secured only by a check of the new names (R-PER-2).
        after.name_checked = last.name_checked;
    } else if last.name_checked > before.name_checked {
        after.name_checked = last.name_checked;
    }
    let mut merged: Vec<Employment> =
        before.employments.iter().filter(|e| !tree.within(e.org, scope)).cloned().collect();
    for old in before.employments.iter().filter(|e| tree.within(e.org, scope)) {
        if !employments.iter().any(|n| n.org == old.org && n.start == old.start) {
            merged.push(end_by(old, today));
        }
    }
    merged.extend(employments);
    merged.sort_by_key(|e| (e.start, e.org));
    after.employments = merged;
    let mut sorted_before = before.employments.clone();
    sorted_before.sort_by_key(|e| (e.start, e.org));
    if after == (Person { employments: sorted_before, ..before.clone() }) {
        Merge::Unchanged
    } else {
        Merge::Updated(after)
    }
}

/// The employment ended no later than `today` (it stays on record).
pub fn end_by(e: &Employment, today: Date) -> Employment {
    let end = match e.end {
        Some(end) if end <= today => end,
        _ => today.max(e.start),
    };
    Employment { end: Some(end), ..e.clone() }
}
