//! The terminal app, in the Elm shape: `Msg` → `update(&mut App, Msg)` → effects →
//! `view(&App, &mut Frame)`. Only `run.rs` touches the terminal, the store and signals.

pub mod app;
pub mod board;
pub mod decisions;
pub mod detail;
pub mod editor;
pub mod form;
pub mod form_view;
pub mod keymap;
pub mod meeting;
pub mod meeting_view;
pub mod msg;
pub mod overlay;
pub mod palette;
pub mod run;
pub mod scoring;
pub mod scoring_view;
pub mod theme;
pub mod triage;
pub mod triage_view;
pub mod update;
pub mod view;
pub mod widgets;

pub use app::{App, AppInit};
pub use msg::{Effect, Msg};
pub use update::update;
pub use view::view;
