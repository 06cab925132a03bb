//! What flows into `update` (messages) and out of it (effects). `update` never touches
//! storage, the network or the clock of the terminal: it returns effects, and the loop in
//! `run.rs` carries them out and answers with messages.

use crate::model::{HistoryEntry, ItemId, Op};
use crate::search::{Query, SearchResults};
use crate::sync::SyncEvent;
use crossterm::event::{KeyEvent, MouseEvent};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// `count` ops were flushed to disk.
    Saved {
        count: usize,
    },
    /// A write failed; the ops stay on screen but are not saved.
    SaveFailed {
        count: usize,
        error: String,
    },
    /// The answer to `Effect::LoadHistory`: the item's history, oldest first, or why it
    /// could not be read.
    HistoryLoaded {
        item: ItemId,
        entries: Result<Vec<HistoryEntry>, String>,
    },
    /// News from the sync loop: the link, who we are, confirmed or refused ops.
    Sync(SyncEvent),
    /// The answer to `Effect::Search`; dropped when a newer query has been asked.
    SearchResults(SearchResults),
    /// The cache was rewritten under the app (the server was restored from a backup):
    /// this is what it holds now.
    Reload(Box<crate::model::Replica>),
}

#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Append these ops to the local store, flush, then answer `Msg::Saved`.
    Persist(Vec<Op>),
    /// Write (Some) or clear (None) the form draft.
    SaveDraft(Option<String>),
    /// Read this item's history from the store (after every write asked for before it),
    /// then answer `Msg::HistoryLoaded`.
    LoadHistory(ItemId),
    /// Send a ballot to the server (answered by `Msg::Sync` events).
    Cast {
        round: crate::model::meeting::RoundId,
        ballot: crate::protocol::BallotRequest,
    },
    /// Ask the server for an open round's count.
    Count(crate::model::meeting::RoundId),
    /// Rank the portfolio for this query off the drawing path (over the app's
    /// `search_index()`), then answer `Msg::SearchResults`.
    Search(Query),
}
