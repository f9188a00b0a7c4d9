//! Ids of the RA's records. They are UUIDs made by the caller (the store uses UUIDv7), so the
//! domain never needs randomness.

use std::fmt;
use std::str::FromStr;

macro_rules! record_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// The id as a UUID.
            pub fn uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map($name)
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                $name(id)
            }
        }
    )*};
}

record_id! {
    /// An organisation, group company or unit.
    OrgId,
    /// A person (R-PER-1).
    PersonId,
    /// A role granted to a person on a subtree (R-ORG-2).
    GrantId,
    /// A card or token (R-CARD-1).
    CardId,
    /// A credential: a pair of certificates on one card (R-CRED-1), or a function
    /// certificate (R-CRED-7).
    CredentialId,
    /// A PUK order (R-CARD-9).
    PukOrderId,
    /// A revocation request (R-REV-1..6).
    RevocationId,
}
