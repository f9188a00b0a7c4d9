//! The population register (CPR) as the Danish RA consults it (R-IDP-3, R-IDP-4): does the
//! name on the applicant's document belong to the CPR number, and what is the register
//! address a key card is mailed to. Behind [`PopulationRegister`], so a municipality can
//! plug in its CPR service; the embedded default, [`PersonTable`], is tillit's own person
//! table, fed by the register's CSV extract through `tillit import hr`.

use std::future::Future;
use std::pin::Pin;

use tillit_core::id::NationalId;
use tillit_core::ra::person::{Address, Person};
use tillit_core::ra::proofing::CprLookup;
use tillit_store::{Store, StoreError};

/// What a lookup answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// Whether name and CPR number belong together, or no lookup was possible.
    pub result: CprLookup,
    /// The register address, when the register has one (never shown to an officer without
    /// the right to see a protected person, R-PER-3).
    pub address: Option<Address>,
    /// Whether the register marks the person with name and address protection (R-IDP-6).
    pub protected: bool,
}

impl Lookup {
    /// No lookup was possible.
    pub fn not_possible() -> Self {
        Lookup { result: CprLookup::NotPossible, address: None, protected: false }
    }
}

/// A boxed future of a lookup.
pub type LookupFuture<'a> = Pin<Box<dyn Future<Output = Result<Lookup, StoreError>> + Send + 'a>>;

/// A population register to look a CPR number and name up in.
pub trait PopulationRegister: Send + Sync + std::fmt::Debug {
    /// Looks `cpr` up and matches the name read from the document (`given`, `family`).
    fn lookup<'a>(&'a self, cpr: &'a NationalId, given: &'a str, family: &'a str) -> LookupFuture<'a>;
}

/// The embedded register: tillit's person table. A CPR number it does not hold is "no lookup
/// possible" (the officer then asks for the extra documents of R-IDP-3), not a mismatch.
#[derive(Debug, Clone)]
pub struct PersonTable {
    store: Store,
}

impl PersonTable {
    /// The register over `store`'s person table.
    pub fn new(store: Store) -> Self {
        PersonTable { store }
    }
}

impl PopulationRegister for PersonTable {
    fn lookup<'a>(&'a self, cpr: &'a NationalId, given: &'a str, family: &'a str) -> LookupFuture<'a> {
        Box::pin(async move {
            let Some(record) = self.store.person_by_national_id(cpr).await? else {
                return Ok(Lookup::not_possible());
            };
            if record.removed_us.is_some() {
                return Ok(Lookup::not_possible());
            }
            let person = record.person;
            let result =
                if names_match(&person, given, family) { CprLookup::Matched } else { CprLookup::NotMatched };
            Ok(Lookup { result, address: person.address.clone(), protected: person.protected })
        })
    }
}

/// Folds a name for comparison: case, surrounding and repeated spaces and hyphen spacing do
/// not count; letters (æ, ø, å and the rest) do.
pub fn fold(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").replace(" - ", "-").to_lowercase()
}

/// Whether the document's name is the register's: the same family name, and every given
/// name on the document among the register's given names (a document may leave middle
/// names out; it may not add one).
pub fn names_match(person: &Person, given: &str, family: &str) -> bool {
    if fold(family) != fold(&person.family_name) {
        return false;
    }
    let register = fold(&person.given_names);
    let known: Vec<&str> = register.split(' ').collect();
    let presented = fold(given);
    !presented.is_empty() && presented.split(' ').all(|g| known.contains(&g))
}
