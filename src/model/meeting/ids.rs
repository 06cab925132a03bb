//! Identities of meetings, cases, vote rounds and decisions: UUIDv7 like items, minted by
//! the client that creates the thing (never inside a fold), so they sort by creation time.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }
            /// The last eight hex digits, for people and for command lines. The last, not
            /// the first: a UUIDv7 starts with its creation time, so things made within
            /// the same minute share their first digits.
            pub fn short(&self) -> String {
                self.0.simple().to_string()[24..].to_string()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// A meeting [møte] of a body.
    MeetingId
);
uuid_id!(
    /// A case [sak] on a meeting's agenda.
    CaseId
);
uuid_id!(
    /// One vote round [votering] on a case.
    RoundId
);
uuid_id!(
    /// One entry of the decision log [vedtak].
    DecisionId
);
