//! Identifiers (SPEC R-ID-1..6): being written.
