//! tillit-portal: the officer portal (issue 5; design in docs/design/portal.md). Pages are
//! rendered on the server from templates compiled into the binary, in English, Swedish,
//! Norwegian bokmål and Danish, with no inline script or style (a strict CSP).
//!
//! This is the first step of the build plan: the languages and the page layout. Sign-in,
//! sessions, the passkey ceremonies and the routines' pages come next.

pub mod i18n;
pub mod locale;
pub mod pages;
pub mod web;
