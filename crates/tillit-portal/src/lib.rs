//! tillit-portal: the officer portal (issue 5; design in docs/design/portal.md). Pages are
//! rendered on the server from templates compiled into the binary, in English, Swedish,
//! Norwegian bokmål and Danish, with no inline script or style (a strict CSP).
//!
//! Officers enrol a passkey from a one-time link, sign in with it, and sign every change with
//! a fresh assertion over the API's own action text; the portal calls the `/api/v1` handlers in
//! process, so the rules, the authorisation and the audit are the API's.

pub mod ceremony;
pub mod citizen;
pub mod flows;
pub mod i18n;
pub mod locale;
pub mod pages;
pub mod read;
pub mod session;
pub mod settings;
pub mod web;
