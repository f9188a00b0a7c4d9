//! The events routines return. Each routine has its own event `enum`; all of them implement
//! [`Event`], which names the audit action and gives the payload (ids, codes and dates,
//! never a protected name or address: R-PER-3).

use serde_json::Value;

use crate::audit::{Actor, AuditEvent};

/// A state change decided by a routine.
pub trait Event: std::fmt::Debug {
    /// The audit action, dotted lowercase (`card.ordered`).
    fn action(&self) -> &'static str;
    /// The details recorded with it.
    fn payload(&self) -> Value;

    /// The audit event for this change, on `chain` (the organisation's chain) by `actor`.
    fn to_audit(&self, chain: &str, actor: &Actor) -> AuditEvent {
        AuditEvent::new(chain, actor.clone(), self.action(), self.payload())
    }
}

/// Implements [`Event`] for an enum that derives `Serialize` with
/// `#[serde(tag = "event")]`: the payload is the serialised variant, the action is given per
/// variant.
#[macro_export]
macro_rules! routine_events {
    ($ty:ty { $($variant:ident => $action:literal),* $(,)? }) => {
        impl $crate::ra::event::Event for $ty {
            fn action(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $action,)*
                }
            }
            fn payload(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
            }
        }
    };
}
