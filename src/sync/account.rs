//! `styr login`, `styr logout` and the server half of `styr status`: check a token
//! against the server before keeping it, and forget it again.

use super::transport::{Identity, SyncError, Transport};
use super::{Credentials, CredentialsError, HttpTransport, ServerUrl, UrlError};
use crate::protocol::Health;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
}

/// Asks the server who `token` belongs to; only when it answers is the login kept.
pub async fn login(
    config_dir: &Path,
    server: &str,
    token: &str,
    allow_http: bool,
    ca_file: Option<&Path>,
) -> Result<(ServerUrl, Identity), LoginError> {
    let url = ServerUrl::parse(server, allow_http)?;
    let token = token.trim();
    let transport = HttpTransport::with_ca(url.clone(), token, ca_file)?;
    let me = transport.me().await?;
    Credentials {
        server: url.to_string(),
        token: token.to_string(),
        allow_http,
        // Absolute, so that styr finds it from any working directory later.
        ca_file: ca_file.map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())),
    }
    .save(config_dir)?;
    Ok((url, me.into()))
}

/// What the server says now, for `styr status`.
pub struct ServerView {
    pub health: Result<Health, SyncError>,
    pub identity: Result<Identity, SyncError>,
}

pub async fn server_view(creds: &Credentials) -> Result<ServerView, LoginError> {
    let transport =
        HttpTransport::with_ca(creds.server_url()?, &creds.token, creds.ca_file.as_deref())?;
    let (health, me) = tokio::join!(transport.health(), transport.me());
    Ok(ServerView {
        health,
        identity: me.map(Identity::from),
    })
}
