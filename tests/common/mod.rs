//! Helpers shared by the integration tests. Each test crate uses only part of them.
#![allow(dead_code)]

pub mod client;
pub mod gen;
pub mod meeting;
pub mod pg;
pub mod proxy;
pub mod pty;
pub mod server;
pub mod styr_cli;
pub mod tui;
