//! The portal's pages, languages, sessions and passkey ceremonies.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod ceremony;
mod citizen;
mod dk_flows;
mod flows;
mod i18n;
mod locale;
mod read;
mod support;
mod web;
