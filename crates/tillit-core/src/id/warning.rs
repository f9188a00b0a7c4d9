//! Findings that do not make an identifier invalid but that a caller may want to show.

/// Something noteworthy about a valid identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum IdWarning {
    /// A Danish CPR number that fails the old modulus-11 check. Numbers issued since 2007
    /// need not pass it, so this is a warning only (R-ID-2).
    CprModulus11 {
        /// The weighted sum modulo 11 (0 would have passed).
        remainder: u8,
    },
}

impl std::fmt::Display for IdWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdWarning::CprModulus11 { remainder } => write!(
                f,
                "modulus 11 check fails (remainder {remainder}); allowed, as CPR numbers issued since 2007 need not pass it (R-ID-2)"
            ),
        }
    }
}
