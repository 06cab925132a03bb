//! Import and export of portfolio items.
//!
//! - [`import`] reads CSV (the Fosen action plan, a proposals sheet, or styr's own export)
//!   and styr's JSON export into [`ImportedItem`]s, all-or-nothing, and turns them into
//!   `CreateItem` ops.
//! - [`export`] writes the live portfolio as CSV, or every item with its history as JSON.
//! - [`minutes`] writes a meeting's minutes [møtebok] as Markdown or JSON;
//!   [`meeting_ops`] finds meetings and builds the ops of `styr meeting`.
//! - [`import`] reads CSV (the Fosen action plan, a proposals sheet, or styr's own export;
//!   UTF-8 or Windows-1252, comma or semicolon), workbooks (.xlsx, with calamine) and
//!   styr's JSON export into [`ImportedItem`]s, all-or-nothing, and plans the
//!   `CreateItem` ops, leaving out and tagging likely duplicates.
//! - [`export`] writes the live portfolio as CSV (plain, or for Excel), or every item
//!   with its history as JSON, optionally filtered.
//! - [`progress`] draws a progress line on a terminal's standard error.
//! - [`demo`] builds the demo portfolio from the sample data in `data/`.
//!
//! Nothing here touches the store: importing yields ops, which the app applies like any
//! other change, so an import can be undone and synced.

mod columns;
pub mod demo;
pub mod error;
pub mod export;
pub mod import;
pub mod meeting_ops;
pub mod minutes;
pub mod progress;

pub use error::ImportError;
pub use import::ImportedItem;
