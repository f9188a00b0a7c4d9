//! The store's test suite. Every test runs against SQLite and, when
//! `TEST_TILLIT_POSTGRES_URL` names a PostgreSQL server (as in `.ci/run`), against a fresh
//! PostgreSQL database too.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod actions;
mod audit;
mod ca;
mod eid;
mod leases;
mod outbox;
mod people;
mod portal;
mod processes;
mod records;
mod reports;
