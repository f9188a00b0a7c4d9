//! tillit-store: everything tillit remembers.
//!
//! SQLite (a file in the data directory, the embedded default) and PostgreSQL behind one
//! API and one query layer (sqlx's `Any` driver, portable SQL); the few places where the
//! two differ live in [`backend`]. Migrations run when a store is opened.
//!
//! State changes go through a [`Tx`]: the routine's audit events are appended to their
//! organisation's hash chain, signed by the node's audit key, in the same transaction as
//! the tables they change (SPEC R-AUD-1/2).

pub mod actions;
pub mod backend;
pub mod ca;
pub mod eid;
mod error;
pub mod jobs;
pub mod leases;
mod ledger;
pub mod outbox;
pub mod people;
pub mod portal;
pub mod records;
pub mod reports;
mod verify;

pub use backend::{Backend, DatabaseUrl};
pub use error::StoreError;
pub use ledger::{Receipt, Store, StoreOptions, Tx};
pub use verify::{VerifyOptions, VerifyReport};
