//! Which server addresses styr will talk to, and where it keeps each server's cache.
//!
//! Tokens travel in every request, so plain `http://` is only accepted to this machine
//! (loopback) unless the user says explicitly that the network in between is trusted.

use std::net::IpAddr;
use url::{Host, Url};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{0:?} is not a server address (expected e.g. https://styr.example.no)")]
    Invalid(String),
    #[error("{0:?} uses {1}:; styr speaks http: or https:")]
    Scheme(String, String),
    /// Plain HTTP to another machine would send the token in clear text.
    #[error("{0} is plain http to another machine: the token would travel unencrypted. Use https://, or pass --allow-http if the network in between is trusted")]
    PlainHttp(String),
}

/// A checked server address: scheme, host, port and an optional path prefix, with no
/// trailing slash, query or fragment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl(Url);

impl ServerUrl {
    pub fn parse(text: &str, allow_http: bool) -> Result<ServerUrl, UrlError> {
        let mut url = Url::parse(text.trim()).map_err(|_| UrlError::Invalid(text.into()))?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http || is_loopback(&url) => {}
            "http" => return Err(UrlError::PlainHttp(text.trim().into())),
            other => return Err(UrlError::Scheme(text.into(), other.into())),
        }
        if url.host().is_none() || url.cannot_be_a_base() {
            return Err(UrlError::Invalid(text.into()));
        }
        url.set_query(None);
        url.set_fragment(None);
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(ServerUrl(url))
    }

    /// The full address of an API path such as `/api/v1/ops`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.as_str())
    }

    /// The address as the user gave it, without a trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// A folder name for this server's cache: readable, and different for every
    /// scheme, host, port and path (e.g. `https_styr.fosen-ikt.no_443`).
    pub fn cache_name(&self) -> String {
        let port = self.0.port_or_known_default().unwrap_or(0);
        let host = self.0.host_str().unwrap_or("server");
        let raw = format!("{}_{host}_{port}{}", self.0.scheme(), self.0.path());
        raw.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c,
                _ => '_',
            })
            .collect::<String>()
            .trim_end_matches('_')
            .to_string()
    }
}

impl std::fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}
