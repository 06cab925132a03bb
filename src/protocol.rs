//! The wire protocol between `styr` clients (`sync`) and `styr serve` (`server`): the
//! paths and the JSON bodies, in one place so the two sides cannot drift.
//!
//! Every request except `health` carries `Authorization: Bearer <token>`. Every error is
//! a 4xx/5xx with an [`ApiError`] body.
//!
//! | method | path | body → reply |
//! |---|---|---|
//! | GET  | `/api/v1/health` | → [`Health`] (no token needed) |
//! | GET  | `/api/v1/me` | → [`Me`] |
//! | POST | `/api/v1/ops` | [`PushRequest`] → [`PushResponse`], sent only after commit |
//! | GET  | `/api/v1/ops?since=N&limit=M` | → [`PullResponse`]: ops with seq > N, in seq order |
//! | GET  | `/api/v1/events?since=N` | Server-Sent Events, see below |
//! | POST | `/api/v1/rounds/{round}/ballots` | [`BallotRequest`] → [`RoundCount`] |
//! | GET  | `/api/v1/rounds/{round}` | → [`RoundCount`] |
//!
//! **Ballots** are not ops: while a round is open the server keeps them to itself and
//! tells everyone only how many there are (and, in a named round, who has voted), as a
//! [`RoundCount`] in the reply and as an SSE event named [`EVENT_COUNT`] (no `id`; a
//! reconnecting client asks `GET /api/v1/rounds/{round}`). Voting again replaces the
//! voter's earlier ballot. Only someone on the round's list of eligible voters may vote;
//! a secretary may enter a hand-counted ballot `on_behalf_of` someone on that list. The
//! result is published when the chair's `close_round` op is stored: the server fills in
//! the tally and the ballots (without names in an anonymous round) inside that op.
//!
//! **Events.** Each op is an SSE event named [`EVENT_OP`] whose `id` is its seq and whose
//! data is a [`SeqOp`]. A reconnect with `Last-Event-ID: N` (or `?since=N`) first replays
//! every op with seq > N from the store, then streams live ones (the header wins over
//! `?since=`; with neither, only ops stored after the subscription are sent). A comment
//! line is sent every [`KEEP_ALIVE_SECS`] seconds.
//!
//! **Seq.** The server gives each new op the next gapless global seq (1, 2, 3, …) inside
//! the transaction that stores it. Pushing an op whose `op_id` is already stored returns
//! the stored [`SeqOp`] and stores nothing: a retry is harmless. The server replaces each
//! op's `author` with the user its token belongs to. A push is checked whole before
//! anything is stored: one op that is malformed (400, `op_index`), of an unknown version
//! (400 `unsupported_version`, `op_index`) or not allowed for the token's role (403
//! `forbidden`, `op_index`) refuses the whole batch. An empty push is 400; more than
//! [`PUSH_MAX_OPS`] ops or more than [`BODY_LIMIT_BYTES`] is 413 `too_large`.
//!
//! **Tokens.** `styr_` and 64 hex digits. A missing, unknown or revoked token is 401;
//! after repeated failures from one address every request with a token from it gets 429
//! `too_many_requests` with `Retry-After` (seconds) for a while.

use crate::model::meeting::Refusal as MeetingRefusal;
use crate::model::role::Denied;
use crate::model::{Op, Role, ScoreError};
use serde::{Deserialize, Serialize};

/// The port `styr serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8470;

/// Version prefix of every path.
pub const API_PREFIX: &str = "/api/v1";
pub const PATH_HEALTH: &str = "/api/v1/health";
pub const PATH_ME: &str = "/api/v1/me";
pub const PATH_OPS: &str = "/api/v1/ops";
pub const PATH_EVENTS: &str = "/api/v1/events";

/// The SSE event name of a stored op.
pub const EVENT_OP: &str = "op";
/// The SSE event name of a round's ballot count.
pub const EVENT_COUNT: &str = "count";
/// Path prefix of the vote rounds: `/api/v1/rounds/{round}` and `…/{round}/ballots`.
pub const PATH_ROUNDS: &str = "/api/v1/rounds";

/// `/api/v1/rounds/{round}`.
pub fn round_path(round: &crate::model::meeting::RoundId) -> String {
    format!("{PATH_ROUNDS}/{round}")
}

/// `/api/v1/rounds/{round}/ballots`.
pub fn ballots_path(round: &crate::model::meeting::RoundId) -> String {
    format!("{PATH_ROUNDS}/{round}/ballots")
}
/// Seconds between SSE keep-alive comments.
pub const KEEP_ALIVE_SECS: u64 = 15;
/// Default and highest page size of a pull.
pub const PULL_LIMIT_DEFAULT: usize = 1000;
pub const PULL_LIMIT_MAX: usize = 5000;
/// Most ops in one push.
pub const PUSH_MAX_OPS: usize = 1000;
/// Largest request body the server reads, in bytes.
pub const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// An op as the server stored it: its global seq and the op with the author stamped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqOp {
    pub seq: u64,
    pub op: Op,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub ops: Vec<Op>,
}

/// One [`SeqOp`] per pushed op, in the order they were pushed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub acks: Vec<SeqOp>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub ops: Vec<SeqOp>,
    /// The highest seq in the store when the page was read. When the last op's seq is
    /// below it, pull again from there.
    pub head: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub ok: bool,
    pub head: u64,
    /// The server's styr version.
    pub version: String,
}

/// A ballot, sent by the voter (or by a secretary for someone voting by hand).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotRequest {
    pub choice: crate::model::vote::Choice,
    /// A hand-counted ballot for this eligible voter (secretary and up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
}

/// How far an open round has come, and nothing about how anyone voted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundCount {
    pub round: crate::model::meeting::RoundId,
    pub open: bool,
    /// Ballots cast so far (while open; after closing, the result is in the log).
    pub ballots: u32,
    /// Who has voted, in a named round; always empty in an anonymous one.
    #[serde(default)]
    pub voters: Vec<String>,
}

/// Who the token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user: String,
    pub role: Role,
    pub org: String,
}

/// The body of every error reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ErrorBody,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable code: `bad_request`, `unsupported_version`,
    /// `too_large`, `unauthorized`, `forbidden`, `not_found`, `conflict` (a meeting rule:
    /// the round is closed, the minutes are approved, …), `too_many_requests`,
    /// `timeout`, `internal`.
    pub code: String,
    /// One plain sentence for a person.
    pub message: String,
    /// For a push refused by a rule: the index of the op in the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op_index: Option<usize>,
    /// For a change refused by a rule (`forbidden`, `conflict`): the rule, as a stable
    /// code with its data, for the client to say in its own language. `message` says the
    /// same in English, for older clients and logs. A client that does not know the code
    /// (or cannot read its data) shows `message`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_reason"
    )]
    pub reason: Option<Reason>,
}

/// Why the server refused a change, by a stable `code` (the JSON's `"code"` key) and the
/// data its sentence needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The user's role may not make this change; `action` is what it is, in English.
    RoleNeeded {
        action: String,
        needs: Role,
        has: Role,
    },
    /// A meeting rule refused it.
    NoMeeting,
    NoCase,
    NoRound,
    NoDecision,
    Exists,
    MinutesLocked,
    RoundOpen,
    RoundClosed,
    MinutesBackwards,
    BadRoundRules {
        detail: String,
    },
    NoTitle,
    /// The case's round is open: what it votes on cannot change.
    VotingOpen,
    CastingVoteInElection,
    BodyTooSmall {
        body_size: u32,
        members: u32,
    },
    /// A ballot from someone not on the round's list of voters.
    NotEligible,
    /// A score that does not fit its criteria set.
    UnknownCriteriaSet {
        set: String,
    },
    CriteriaCount {
        expected: usize,
        got: usize,
    },
    MarkOutOfRange {
        criterion: usize,
        mark: u8,
    },
    AdjustmentOutOfRange {
        adjustment: i8,
    },
    AdjustmentWithoutComment,
    /// A code this styr does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

/// Reads `reason` when it can; an unreadable one is as good as none, so that the
/// message still gets through.
fn lenient_reason<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Reason>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

impl Reason {
    /// The meeting rule, when it is one.
    pub fn meeting(&self) -> Option<MeetingRefusal> {
        Some(match self {
            Reason::NoMeeting => MeetingRefusal::NoMeeting,
            Reason::NoCase => MeetingRefusal::NoCase,
            Reason::NoRound => MeetingRefusal::NoRound,
            Reason::NoDecision => MeetingRefusal::NoDecision,
            Reason::Exists => MeetingRefusal::Exists,
            Reason::MinutesLocked => MeetingRefusal::Locked,
            Reason::RoundOpen => MeetingRefusal::RoundOpen,
            Reason::RoundClosed => MeetingRefusal::RoundClosed,
            Reason::MinutesBackwards => MeetingRefusal::Backwards,
            Reason::BadRoundRules { detail } => MeetingRefusal::BadRules(detail.clone()),
            Reason::NoTitle => MeetingRefusal::NoTitle,
            Reason::VotingOpen => MeetingRefusal::VotingOpen,
            Reason::CastingVoteInElection => MeetingRefusal::CastingVoteInElection,
            Reason::BodyTooSmall { body_size, members } => MeetingRefusal::BodyTooSmall {
                body_size: *body_size,
                members: *members,
            },
            Reason::NotEligible => MeetingRefusal::NotEligible,
            _ => return None,
        })
    }

    /// The scoring rule, when it is one.
    pub fn score(&self) -> Option<ScoreError> {
        Some(match self {
            Reason::UnknownCriteriaSet { set } => ScoreError::UnknownSet(set.clone()),
            Reason::CriteriaCount { expected, got } => ScoreError::CriteriaCount {
                expected: *expected,
                got: *got,
            },
            Reason::MarkOutOfRange { criterion, mark } => ScoreError::MarkOutOfRange {
                criterion: *criterion,
                mark: *mark,
            },
            Reason::AdjustmentOutOfRange { adjustment } => {
                ScoreError::AdjustmentOutOfRange(*adjustment)
            }
            Reason::AdjustmentWithoutComment => ScoreError::AdjustmentWithoutComment,
            _ => return None,
        })
    }
}

impl From<&Denied> for Reason {
    fn from(d: &Denied) -> Self {
        Reason::RoleNeeded {
            action: d.action.to_string(),
            needs: d.needs,
            has: d.has,
        }
    }
}

impl From<&MeetingRefusal> for Reason {
    fn from(r: &MeetingRefusal) -> Self {
        match r {
            MeetingRefusal::NoMeeting => Reason::NoMeeting,
            MeetingRefusal::NoCase => Reason::NoCase,
            MeetingRefusal::NoRound => Reason::NoRound,
            MeetingRefusal::NoDecision => Reason::NoDecision,
            MeetingRefusal::Exists => Reason::Exists,
            MeetingRefusal::Locked => Reason::MinutesLocked,
            MeetingRefusal::RoundOpen => Reason::RoundOpen,
            MeetingRefusal::RoundClosed => Reason::RoundClosed,
            MeetingRefusal::Backwards => Reason::MinutesBackwards,
            MeetingRefusal::BadRules(detail) => Reason::BadRoundRules {
                detail: detail.clone(),
            },
            MeetingRefusal::NoTitle => Reason::NoTitle,
            MeetingRefusal::VotingOpen => Reason::VotingOpen,
            MeetingRefusal::CastingVoteInElection => Reason::CastingVoteInElection,
            MeetingRefusal::BodyTooSmall { body_size, members } => Reason::BodyTooSmall {
                body_size: *body_size,
                members: *members,
            },
            MeetingRefusal::NotEligible => Reason::NotEligible,
        }
    }
}

impl From<&ScoreError> for Reason {
    fn from(e: &ScoreError) -> Self {
        match e {
            ScoreError::UnknownSet(set) => Reason::UnknownCriteriaSet { set: set.clone() },
            ScoreError::CriteriaCount { expected, got } => Reason::CriteriaCount {
                expected: *expected,
                got: *got,
            },
            ScoreError::MarkOutOfRange { criterion, mark } => Reason::MarkOutOfRange {
                criterion: *criterion,
                mark: *mark,
            },
            ScoreError::AdjustmentOutOfRange(adjustment) => Reason::AdjustmentOutOfRange {
                adjustment: *adjustment,
            },
            ScoreError::AdjustmentWithoutComment => Reason::AdjustmentWithoutComment,
        }
    }
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError {
            error: ErrorBody {
                code: code.to_string(),
                message: message.into(),
                op_index: None,
                reason: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(reason: &str) -> ApiError {
        let body = format!(
            r#"{{"error": {{"code": "conflict", "message": "m", "op_index": 0, "reason": {reason}}}}}"#
        );
        serde_json::from_str(&body).expect("an error body is always read")
    }

    #[test]
    fn reasons_travel_by_code_and_unknown_ones_do_not_spoil_the_message() {
        let denied = Reason::RoleNeeded {
            action: "deleting an item".into(),
            needs: Role::Secretary,
            has: Role::Member,
        };
        let json = serde_json::to_string(&denied).expect("json");
        assert!(json.contains(r#""code":"role_needed""#), "{json}");
        assert_eq!(parse(&json).error.reason, Some(denied));
        let locked = serde_json::to_string(&Reason::MinutesLocked).expect("json");
        assert_eq!(locked, r#"{"code":"minutes_locked"}"#);
        // A newer server's code, and a known code with data this styr cannot read.
        assert_eq!(
            parse(r#"{"code": "agenda_frozen", "since": 3}"#)
                .error
                .reason,
            Some(Reason::Unknown)
        );
        let odd = parse(r#"{"code": "role_needed", "needs": "pope"}"#);
        assert_eq!(odd.error.reason, None);
        assert_eq!(odd.error.message, "m");
        // An old server sends none.
        let old: ApiError =
            serde_json::from_str(r#"{"error": {"code": "forbidden", "message": "m"}}"#)
                .expect("read");
        assert_eq!(old.error.reason, None);
        // Meeting and scoring rules come back as the model's own.
        let r: Reason = (&crate::model::meeting::Refusal::RoundClosed).into();
        assert_eq!(
            r.meeting(),
            Some(crate::model::meeting::Refusal::RoundClosed)
        );
        let e = ScoreError::AdjustmentOutOfRange(7);
        assert_eq!(Reason::from(&e).score(), Some(e));
    }
}
