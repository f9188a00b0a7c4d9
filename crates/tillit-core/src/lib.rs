//! tillit-core: the domain of tillit.
//!
//! Identifiers (SPEC §1), audit events and their canonical encoding (SPEC §4), and later the
//! routines' state machines. Nothing here does I/O: the clock, randomness and storage come in
//! as arguments.

pub mod audit;
pub mod id;
pub mod ra;
