//! The registration authority's domain (SPEC §2-§10): organisations, people, roles, identity
//! proofing, cards, reserve cards, credentials, PUK orders, revocation, four-eyes approval and
//! the Danish public RA's routines ([`dk`]).
//!
//! Every routine is a state machine: one function per transition takes the current state,
//! the command and the context it may need (today's date, the organisation's [`Policy`]),
//! checks the SPEC rules (a refusal is a [`Refusal`] naming the rule) and returns the events
//! that the store writes to the audit log and its tables in one transaction. Nothing here
//! reads the clock, a database or randomness: ids and dates come in as arguments.

// The record ids come first: `dk` declares its own ids with the same `record_id!` macro.
#[macro_use]
pub mod ids;

pub mod approval;
pub mod card;
pub mod credential;
pub mod dk;
pub mod event;
pub mod hr;
pub mod org;
pub mod person;
pub mod policy;
pub mod proofing;
pub mod puk;
pub mod reserve;
pub mod revocation;
pub mod role;
pub mod rule;

pub use event::Event;
pub use ids::{CardId, CredentialId, GrantId, OrgId, PersonId, PukOrderId, RevocationId};
pub use policy::Policy;
pub use rule::Refusal;
