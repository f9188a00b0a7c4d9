//! tillit-core's integration tests, one binary for the crate (STYLE: linking many is slow).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod id;
mod ra;
