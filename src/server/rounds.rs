//! Vote rounds over HTTP: casting a ballot and reading a round's count. Neither ever
//! answers with a tally: while a round is open the store gives out only how many have
//! voted (and who, in a named round); the result leaves the server inside the chair's
//! close op. See [`crate::protocol`] for the wire form.

use super::api::{read_body, Authed, Failure};
use super::store::BallotCast;
use super::AppState;
use crate::model::meeting::RoundId;
use crate::model::Role;
use crate::protocol::{BallotRequest, RoundCount};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

fn round_id(raw: &str) -> Result<RoundId, Failure> {
    raw.parse::<uuid::Uuid>().map(RoundId).map_err(|_| {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "there is no such vote round",
        )
    })
}

pub async fn cast(
    State(state): State<AppState>,
    Authed(user): Authed,
    Path(round): Path<String>,
    body: Body,
) -> Result<Json<RoundCount>, Failure> {
    let round = round_id(&round)?;
    let body = read_body(body).await?;
    let request: BallotRequest = serde_json::from_slice(&body)
        .map_err(|e| Failure::bad_request(format!("the ballot could not be read: {e}")))?;
    let (voter, hand_counted) = match request.on_behalf_of {
        Some(name) if user.role >= Role::Secretary => (name, true),
        Some(_) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "entering a hand-counted ballot needs the role secretary",
            ))
        }
        None if user.role >= Role::Member => (user.name.clone(), false),
        None => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "voting needs the role member",
            ))
        }
    };
    let count = state
        .inner
        .store
        .cast_ballot(BallotCast {
            round,
            voter,
            choice: request.choice,
            hand_counted,
        })
        .await
        .map_err(Failure::store)?;
    state.notify_count(count.clone());
    Ok(Json(count))
}

pub async fn count(
    State(state): State<AppState>,
    Authed(_): Authed,
    Path(round): Path<String>,
) -> Result<Json<RoundCount>, Failure> {
    let round = round_id(&round)?;
    let count = state
        .inner
        .store
        .round_count(round)
        .await
        .map_err(Failure::store)?;
    Ok(Json(count))
}
