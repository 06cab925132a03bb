//! Users: `styr user add|list|revoke` (run by the admin on the server host, on the
//! server's database file or PostgreSQL URL, also while the server runs) and the first
//! admin at the first start of `styr serve`.

use super::auth::{generate_token, hash_token};
use super::postgres::{is_postgres_url, PgStore};
use super::sqlite::{add_user_on, list_users_on, open_connection, revoke_user_on};
use super::store::{NewUser, ServerStore, StoreError, StoreFuture, User};
use crate::model::Role;
use std::path::Path;

/// The user made at the first start.
pub const FIRST_ADMIN: &str = "admin";
/// Longest user name, in characters.
pub const NAME_MAX_CHARS: usize = 64;

/// A new user and their token, which is shown this once and never stored.
#[derive(Debug)]
pub struct Created {
    pub user: User,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// The name is empty, too long or has characters other than letters, digits,
    /// space and `. - _ @`.
    #[error("the user name {0:?} is not allowed")]
    BadName(String),
    #[error("{0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The name trimmed, when it is a usable user name (it is shown as the author of ops).
pub fn check_name(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.chars().count() <= NAME_MAX_CHARS
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || ".-_@".contains(c));
    if ok {
        Ok(name.to_string())
    } else {
        Err(UserError::BadName(name.to_string()))
    }
}

fn new_user(name: &str, role: Role, org: &str, now: i64) -> Result<(NewUser, String), UserError> {
    let name = check_name(name)?;
    let token = generate_token().map_err(UserError::Random)?;
    Ok((
        NewUser {
            name,
            role,
            org: org.trim().to_string(),
            token_hash: hash_token(&token),
            created_at: now,
        },
        token,
    ))
}

/// The PostgreSQL URL, when `db` is one rather than a file.
fn postgres_url(db: &Path) -> Option<&str> {
    db.to_str().filter(|s| is_postgres_url(s))
}

/// Runs `f` on a [`PgStore`] at `url`, on a runtime of its own: the user commands are
/// plain functions, called outside any runtime.
fn on_postgres<T>(
    url: &str,
    f: impl for<'s> FnOnce(&'s PgStore) -> StoreFuture<'s, T>,
) -> Result<T, StoreError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Db(format!("could not start a runtime: {e}")))?;
    runtime.block_on(async {
        let store = PgStore::open(url).await?;
        f(&store).await
    })
}

/// Adds a user to the database at `db` (a file or a PostgreSQL URL) and returns
/// their token.
pub fn add(db: &Path, name: &str, role: Role, org: &str, now: i64) -> Result<Created, UserError> {
    let (new, token) = new_user(name, role, org, now)?;
    let user = match postgres_url(db) {
        Some(url) => on_postgres(url, |store| store.add_user(new))?,
        None => add_user_on(&open_connection(db)?, &new)?,
    };
    Ok(Created { user, token })
}

pub fn list(db: &Path) -> Result<Vec<User>, StoreError> {
    match postgres_url(db) {
        Some(url) => on_postgres(url, |store| store.list_users()),
        None => list_users_on(&open_connection(db)?),
    }
}

/// Revokes `name`; their token stops working at the next request.
pub fn revoke(db: &Path, name: &str, now: i64) -> Result<User, StoreError> {
    let name = name.trim();
    match postgres_url(db) {
        Some(url) => on_postgres(url, |store| store.revoke_user(name.to_string(), now)),
        None => revoke_user_on(&open_connection(db)?, name, now),
    }
}

/// Adds a user through a running store (tests, and the first admin).
pub async fn add_to(
    store: &dyn ServerStore,
    name: &str,
    role: Role,
    org: &str,
    now: i64,
) -> Result<Created, UserError> {
    let (new, token) = new_user(name, role, org, now)?;
    let user = store.add_user(new).await?;
    Ok(Created { user, token })
}

/// At the first start (no users at all) makes the user `admin` with the admin role.
pub async fn ensure_admin(store: &dyn ServerStore, now: i64) -> Result<Option<Created>, UserError> {
    if !store.list_users().await?.is_empty() {
        return Ok(None);
    }
    match add_to(store, FIRST_ADMIN, Role::Admin, "", now).await {
        Ok(c) => Ok(Some(c)),
        // Someone (`styr user add admin`) was quicker: fine.
        Err(UserError::Store(StoreError::UserExists(_))) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            check_name("  Bestiller Åfjord ").unwrap(),
            "Bestiller Åfjord"
        );
        assert_eq!(
            check_name("bjørn.sæther@fosen").unwrap(),
            "bjørn.sæther@fosen"
        );
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name("a;drop").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
