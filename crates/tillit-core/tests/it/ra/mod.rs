//! The RA routines as tables of (state, command) → events | refusal.

mod card;
mod credential;
mod org_role_person;
mod policy;
mod proofing;
mod puk;
mod reserve;
mod revocation;
mod support;
