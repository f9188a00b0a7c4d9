//! The RA routines as tables of (state, command) → events | refusal.

mod approval;
mod card;
mod credential;
mod dk;
mod org_role_person;
mod policy;
mod proofing;
mod puk;
mod reserve;
mod revocation;
mod support;
