//! Refusals: every rule a routine enforces refuses with the SPEC id, the field at fault (when
//! one is) and a reason an officer can act on. The HTTP edge turns a refusal into
//! problem+json with the rule id; the store writes nothing.

use std::fmt;

/// A routine's refusal of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The SPEC rule (`R-CARD-5`), or `R-STATE` when the command does not apply to the
    /// current state of the routine.
    pub rule: &'static str,
    /// The input field at fault, when one is.
    pub field: Option<&'static str>,
    /// What is wrong, in words an officer can act on. Never a protected name or address.
    pub reason: String,
}

impl Refusal {
    /// A refusal by `rule`.
    pub fn new(rule: &'static str, reason: impl Into<String>) -> Self {
        Refusal { rule, field: None, reason: reason.into() }
    }

    /// A refusal by `rule` of the value of `field`.
    pub fn field(rule: &'static str, field: &'static str, reason: impl Into<String>) -> Self {
        Refusal { rule, field: Some(field), reason: reason.into() }
    }

    /// The command does not apply in the routine's current state (`what` names the routine,
    /// `state` the state it is in).
    pub fn state(what: &str, state: impl fmt::Debug, command: &str) -> Self {
        Refusal::new(STATE, format!("{what} is {state:?}; {command} is not possible in that state"))
    }
}

/// The pseudo-rule of a command that does not fit the routine's state.
pub const STATE: &str = "R-STATE";

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{}: {field}: {}", self.rule, self.reason),
            None => write!(f, "{}: {}", self.rule, self.reason),
        }
    }
}

impl std::error::Error for Refusal {}

/// Refuses with `refusal` unless `condition` holds.
pub fn ensure(condition: bool, refusal: impl FnOnce() -> Refusal) -> Result<(), Refusal> {
    if condition {
        Ok(())
    } else {
        Err(refusal())
    }
}
