//! The pure domain: portfolio items, stages, operations and the fold that turns an
//! operation log into what the screen shows. No I/O, no async, no clocks: every
//! timestamp arrives inside an `Op`, so folding the same ops always gives the same state.

pub mod conflict;
pub mod criteria;
mod field_text;
mod history;
mod ids;
mod item;
pub mod meeting;
mod op;
mod portfolio;
pub mod replica;
pub mod role;
pub mod scoring;
pub mod similar;
mod stage;
pub mod text;
pub mod vote;

pub use field_text::FieldParseError;
pub use history::{histories, history_of, HistoryEntry, HistoryEvent};
pub use ids::{ItemId, OpId};
pub use item::{Anchor, Benefits, FieldName, FieldValue, Item, Timeline};
pub use op::{Op, OpError, Payload, OP_VERSION};
pub use portfolio::Portfolio;
pub use replica::{Confirmed, Replica};
pub use role::Role;
pub use scoring::{ItemScore, ScoreError, ScoreSummary};
pub use stage::{Stage, StageKey, Stages};
