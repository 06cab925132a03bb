//! Bearer tokens and the slow-down of repeated failed logins.
//!
//! A token is `styr_` followed by 64 hex digits (256 random bits from the OS). It is
//! shown once; the store keeps only its SHA-256 hash, looks the user up by that hash and
//! compares it in constant time.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TOKEN_PREFIX: &str = "styr_";
/// Longest `Authorization` value looked at; anything longer is not a styr token.
const TOKEN_MAX_LEN: usize = 256;

/// A fresh token: 256 bits from the operating system's random source.
pub fn generate_token() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers from the OS: {e}"))?;
    let mut out = String::with_capacity(TOKEN_PREFIX.len() + 64);
    out.push_str(TOKEN_PREFIX);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    Ok(out)
}

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The token in an `Authorization: Bearer …` value, when it has a plausible shape.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && token.len() <= TOKEN_MAX_LEN)
        .then_some(token)
}

/// How failed logins are slowed down, per client address.
#[derive(Clone, Debug)]
pub struct LoginLimits {
    /// Failures allowed within `window` before the address has to wait.
    pub free_failures: u32,
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// The wait after the first failure over the allowance; it doubles with each
    /// further failure, up to `max_wait`.
    pub base_wait: Duration,
    pub max_wait: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            free_failures: 5,
            window: Duration::from_secs(5 * 60),
            base_wait: Duration::from_secs(2),
            max_wait: Duration::from_secs(5 * 60),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// Counts failed logins per address. While an address is blocked every request with
/// a token from it gets 429 with `Retry-After`, a right token too, so that guessing
/// gains nothing from the block ending early.
#[derive(Debug)]
pub struct LoginGuard {
    limits: LoginLimits,
    table: Mutex<HashMap<IpAddr, Failures>>,
}

/// Addresses remembered before old entries are swept.
const SWEEP_AT: usize = 4096;

impl LoginGuard {
    pub fn new(limits: LoginLimits) -> Self {
        LoginGuard {
            limits,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(wait)` while `ip` must wait before trying again.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let table = self.table.lock().ok()?;
        let until = table.get(&ip)?.blocked_until?;
        (until > now).then(|| until - now)
    }

    /// Records a failed login from `ip`; returns the wait it now has, if any.
    pub fn failed(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let mut table = self.table.lock().ok()?;
        if table.len() >= SWEEP_AT {
            let window = self.limits.window;
            table.retain(|_, f| {
                now.saturating_duration_since(f.last) < window
                    || f.blocked_until.is_some_and(|u| u > now)
            });
        }
        let entry = table.entry(ip).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: None,
        });
        if now.saturating_duration_since(entry.last) >= self.limits.window {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        if entry.count <= self.limits.free_failures {
            return None;
        }
        let over = entry.count - self.limits.free_failures - 1;
        let factor = 1u32.checked_shl(over.min(20)).unwrap_or(u32::MAX);
        let wait = self
            .limits
            .base_wait
            .saturating_mul(factor)
            .min(self.limits.max_wait);
        entry.blocked_until = Some(now + wait);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_stably() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer styr_ab"), Some("styr_ab"));
        assert_eq!(bearer("bearer  styr_ab "), Some("styr_ab"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer(&format!("Bearer {}", "x".repeat(300))), None);
    }

    #[test]
    fn waits_grow_after_the_free_failures_and_are_forgotten_after_the_window() {
        let limits = LoginLimits {
            free_failures: 2,
            window: Duration::from_secs(60),
            base_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(3),
        };
        let g = LoginGuard::new(limits);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        assert_eq!(g.failed(ip, t0), None);
        assert_eq!(g.failed(ip, t0), None);
        assert_eq!(g.blocked(ip, t0), None);
        assert_eq!(g.failed(ip, t0), Some(Duration::from_secs(1)));
        assert_eq!(g.blocked(ip, t0), Some(Duration::from_secs(1)));
        assert_eq!(g.blocked(other, t0), None);
        assert_eq!(g.failed(ip, t0), Some(Duration::from_secs(2)));
        assert_eq!(g.failed(ip, t0), Some(Duration::from_secs(3)));
        assert_eq!(g.failed(ip, t0), Some(Duration::from_secs(3)));
        let later = t0 + Duration::from_secs(61);
        assert_eq!(g.blocked(ip, later), None);
        assert_eq!(g.failed(ip, later), None);
    }
}
