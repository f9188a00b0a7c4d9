//! The portal's pages and languages.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod i18n;
mod locale;
mod web;
