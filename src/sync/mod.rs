//! The client side of sync: which server, with which token (`credentials`,
//! `server_url`), and how to reconnect (`backoff`). The transport and the sync loop
//! follow the protocol in `crate::protocol`.

pub mod account;
pub mod backoff;
pub mod credentials;
pub mod server_url;

pub use backoff::Backoff;
pub use credentials::{Credentials, CredentialsError};
pub use server_url::{ServerUrl, UrlError};
pub mod engine;
pub mod http;
pub mod transport;

pub use engine::{Link, LocalLog, SyncCmd, SyncEvent};
pub use http::HttpTransport;
pub use transport::{Events, Identity, ServerEvent, SyncError, Transport};
