//! styr: IT governance for municipal IT cooperations, in the terminal.
//!
//! `model` is the pure domain (ops and their fold); `store` is the local sled cache;
//! `io` imports and exports; `tui` is the app (Msg → update → effects → view);
//! `protocol` is the wire format between `sync` and `server` (`styr serve`);
//! `i18n` holds every user-facing string, one file per language.

pub mod cli;
pub mod config;
pub mod i18n;
pub mod io;
pub mod model;
pub mod paths;
pub mod protocol;
pub mod search;
pub mod server;
pub mod store;
pub mod sync;
pub mod tui;
