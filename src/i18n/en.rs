//! English.

use super::{
    IoStrings, MeetingStrings, MinutesStrings, ScoringStrings, Strings, SyncStrings, TriageStrings,
};
use crate::io::error::{FileFormat, FormatReason, JsonReason, RowReason};
use crate::model::criteria::PriorityClass;
use crate::model::meeting::{ChainBreak, MinutesStatus, Refusal};
use crate::model::Role;
use crate::model::{FieldName, ScoreError};
use crate::tui::keymap::Action;

pub static STRINGS: Strings = Strings {
    portfolio: "Portfolio",
    demo_portfolio: "Demo: Fosen and proposals",
    board: "Board",
    detail: "Item",
    edit_item: "Edit",
    new_item: "New proposal",
    help_title: "Keys",
    palette_title: "Commands",
    items_count: "{n} items",
    saved: "✓ Saved",
    sync: &SYNC,
    meeting: &MEETING,
    triage: &TRIAGE,
    criterion: criterion_name,
    criterion_guidance,
    scoring: &SCORING,
    minutes: &MINUTES,
    io: &IO,
    saving: "… Saving",
    not_saved: "✗ Not saved: {err}",
    slot_note: "separate copy (slot {n})",
    hint_help: "? help · : commands · q quit",
    too_small: "Terminal too small: at least {w}x{h}",
    empty_column: "(empty)",
    no_priority: "P–",
    filter_prompt: "Filter: ",
    filter_matches: "{n} matches",
    filter_searching: "searching …",
    moved_to: "Moved to {stage}",
    already_first: "The item is already in the first column",
    already_last: "The item is already in the last column",
    deleted_undo: "Deleted “{title}” – press u to undo",
    undone: "Undone",
    nothing_to_undo: "Nothing to undo",
    created: "Created “{title}”",
    updated: "Saved changes to “{title}”",
    no_changes: "No changes",
    confirm_discard: "Discard your changes?",
    confirm_delete: "Delete “{title}”?",
    yes_no: "y = yes · n = no",
    draft_offer: "An unsaved form was kept last time. Open it again?",
    draft_restored: "The draft is open again",
    draft_discarded: "The draft was discarded",
    title_required: "Title is required",
    bad_number: "{field}: “{value}” is not a whole number",
    bad_date: "{field}: “{value}” is not a date (YYYY-MM-DD)",
    form_hint: "Tab next field · Ctrl-S save · Esc cancel · F1 help",
    similar_warning: "⚠ Looks like something that exists:",
    similar_hint: "Ctrl-S create anyway · Ctrl-L link to picked · Ctrl-N next",
    linked: "Linked to “{title}”: the proposal is in its description",
    linked_note: "Also proposed{by}: {title}. {description}",
    linked_by: " by {submitter}",
    palette_hint: "Type to search · Enter run · Esc close",
    no_selection: "No item selected",
    history: "History",
    history_loading: "Loading the history …",
    history_failed: "The history could not be read: {err}",
    stage: "Stage",
    created_at: "Created",
    updated_at: "Updated",
    ev_created: "created in {stage}",
    ev_edited: "changed {fields}",
    ev_moved: "moved from {from} to {to}",
    ev_deleted: "deleted",
    ev_restored: "restored",
    kr: "NOK",
    all_slots_busy: "All {n} styr data slots in {dir} are in use by other styr windows; close one of them and try again.",
    store_failed: "Could not open the styr data in {dir}: {err}",
    store_newer: "The data in {dir} was written by a newer styr (schema {found}); update styr.",
    theme_broken: "The theme file {file} has an error on line {line}: {err}. Using the default theme.",
    config_broken: "The settings file {file} has an error on line {line}: {err}. Using the default settings.",
    interrupted_signal: "styr was stopped ({signal}); the form was kept as a draft.",
    crashed: "styr hit an internal error and stopped; the form was kept as a draft. Error: {err}",
    imported: "Imported {n} items from {file}.",
    import_nothing: "No new items in {file}: all of them exist already.",
    import_failed: "The import from {file} was stopped and nothing was imported: {err}",
    exported: "Exported {n} items to {file}.",
    portfolio_busy: "The portfolio is open in styr in another terminal; close it and try again.",
    demo_reset: "The demo was reset.",
    server_db_failed: "Could not open the server database {file}: {err}",
    server_db_file_only: "{command} works on a SQLite database file only; it does not take a PostgreSQL URL yet",
    credentials_exposed: "Warning: others can read {file} (mode {mode}), and your token is in it. Fix it with: chmod 600 {file}",
    server_backup_done: "Backup written to {file}: {ops} changes and {decisions} decisions ({bytes} bytes), and both hash chains hold.",
    server_migrate_done: "Copied {copied} changes into {url} ({ops} in all), with {users} users and {ballots} ballots of open rounds. The copy is sound: {decisions} decisions, both hash chains hold. Start the servers with: styr serve --db URL",
    server_migrate_failed: "The migration stopped: {err}",
    server_backup_failed: "No backup was taken: {err}",
    server_listen_failed: "Could not listen on {addr}: {err}",
    server_tls_failed: "TLS could not be set up: {err}",
    server_first_admin: "First start: created the user admin (role admin). Its token is shown only this once; keep it safe:\n  {token}\nLog in from a terminal with:\n  styr login {url} {token}\nAdd others with: styr user add NAME --role member --org ORG",
    server_failed: "The server stopped with an error: {err}",
    user_added: "Added {name} ({role}{org}). The token is shown only this once; give the person this line:\n  styr login {url} {token}",
    user_exists: "A user named {name} already exists.",
    user_bad_name: "The name \"{name}\" cannot be used: use 1 to 64 letters, digits, spaces or . - _ @.",
    user_not_found: "There is no user named {name}.",
    user_revoked: "Revoked {name}: their token no longer works.",
    user_list_empty: "No users yet.",
    user_columns: "name|role|organisation|created|status",
    user_active: "active",
    user_revoked_on: "revoked {date}",
    not_a_terminal: "styr needs a terminal; for scripts, use styr import/export.",
    fields: field_name,
    actions: action_name,
};

fn field_name(f: FieldName) -> &'static str {
    match f {
        FieldName::Title => "Title",
        FieldName::Description => "Description",
        FieldName::Submitter => "Submitted by",
        FieldName::Anchoring => "Strategic anchoring",
        FieldName::Priority => "Priority",
        FieldName::ProjectLeader => "Project leader",
        FieldName::ProjectGroup => "Project group",
        FieldName::Timeline => "Timeline",
        FieldName::TimelineStart => "Start date",
        FieldName::TimelineEnd => "End date",
        FieldName::Funds => "Funds (NOK)",
        FieldName::FundingSource => "Funding source",
        FieldName::BenefitSummary => "Benefits",
        FieldName::SavedCosts => "Saved costs",
        FieldName::SavedTime => "Saved time",
        FieldName::IncreasedQuality => "Increased quality",
        FieldName::IntroducesSystem => "New system",
        FieldName::RetiresSystem => "Retires (system)",
        FieldName::Tags => "Tags",
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Left => "Previous column",
        Action::Right => "Next column",
        Action::Up => "Up",
        Action::Down => "Down",
        Action::Top => "First item in column",
        Action::Bottom => "Last item in column",
        Action::MoveNext => "Move item to the next stage",
        Action::MovePrev => "Move item to the previous stage",
        Action::Open => "Open item",
        Action::New => "New proposal",
        Action::Edit => "Edit item",
        Action::Delete => "Delete item",
        Action::Undo => "Undo last change",
        Action::Filter => "Filter the board",
        Action::Help => "Show keys",
        Action::Palette => "Command palette",
        Action::Quit => "Quit",
        Action::Back => "Back",
        Action::NextField => "Next field",
        Action::PrevField => "Previous field",
        Action::Save => "Save",
        Action::Cancel => "Cancel",
        Action::TakeOther => "Take the other version",
        Action::KeepShown => "Keep the version shown",
        Action::Meetings => "Meeting: agenda and voting",
        Action::Decisions => "Decision log",
        Action::SwitchFocus => "Switch between agenda and ballot",
        Action::OpenVote => "Open a named yes/no vote",
        Action::OpenAnonymous => "Open an anonymous yes/no vote",
        Action::OpenDots => "Open a dot vote on the items",
        Action::CloseRound => "Close the vote, show the result",
        Action::VoteYes => "Vote for",
        Action::VoteNo => "Vote against",
        Action::VoteAbstain => "Abstain",
        Action::AddDot => "Put a dot on the option",
        Action::RemoveDot => "Take a dot away",
        Action::SendBallot => "Cast the ballot",
        Action::RecordDecision => "Record the decision",
        Action::CaseUp => "Move the case up the agenda",
        Action::CaseDown => "Move the case down the agenda",
        Action::Postpone => "Postpone the case (or take it up again)",
        Action::HandCount => "Hand-counted ballot: choose whose it is",
        Action::OpenRanked => "Open a ranked vote (Borda) on the items",
        Action::OpenApproval => "Open an approval vote on the items",
        Action::OpenScoring => "Open scoring on the criteria",
        Action::TwoThirds => "Two-thirds for the next vote (on/off)",
        Action::Election => "Next vote is an election (on/off)",
        Action::BuildAgenda => "Agenda from Prioritert and Vurdering",
        Action::Score(_) => "Mark 1–5 on the criterion",
        Action::AddToAgenda => "Put the item on the next agenda",
        Action::Correct => "Correct the decision (new, linked entry)",
        Action::Triage => "Proposals: accept, park, reject",
        Action::Accept => "Accept (to Assessment)",
        Action::Park => "Park, with a reason",
        Action::Reject => "Reject, with a reason",
        Action::Mark => "Mark / unmark",
        Action::MarkAll => "Mark all in the list",
        Action::ClearMarks => "Clear all marks",
        Action::SortByScore => "Sort: board, score, disagreement",
        Action::FilterByClass => "Show one class only (Must, Should, …)",
        Action::LinkSimilar => "Link the proposal to the item it looks like",
        Action::NextSimilar => "Pick the next look-alike",
        Action::Newline => "New line (in the description)",
        Action::ScoreItem => "Score on the criteria",
        Action::AdjustUp => "Adjust the sum up",
        Action::AdjustDown => "Adjust the sum down",
        Action::Withdraw => "Withdraw your score",
    }
}

static SYNC: SyncStrings = SyncStrings {
    online: "● online",
    offline: "○ offline",
    connecting: "… connecting",
    syncing: "⟳ syncing",
    logged_out: "✗ not logged in",
    pending: "{n} pending",
    read_only: "read-only",
    read_only_refused: "The board is open read-only; nothing can be changed.",
    refused: "The server refused the change: {err}",
    denied: "Your role ({role}) cannot do this; it needs {needs}.",
    local_failed: "Sync stopped, the local cache failed: {err}",
    rewound: "The server was restored from a backup (to change {head}): {requeued} of your changes are sent again, {dropped} of others' come back when they reconnect.",
    changed_concurrently: "changed concurrently by {by} (shown: {winner})",
    other_version: "The other version ({by}):",
    took_other: "Took the version by {by}.",
    kept_shown: "Kept the version shown.",
    no_conflict: "No concurrent changes to choose between.",
    conflict_hint: "v: take the other version · V: keep the one shown",
    login_ok:
        "Logged in to {server} as {user} ({role}{org}). Start styr to open the shared portfolio.",
    login_refused: "The server {server} did not accept the token: {err}",
    login_unreachable: "Could not reach {server}: {err}",
    logout_ok: "Logged out of {server}. Its cache stays in {dir}.",
    logout_none: "You are not logged in to any server.",
    not_logged_in:
        "Not logged in: styr uses your local portfolio. Log in with \"styr login ADDRESS TOKEN\".",
    status_server: "Server:      {server} ({state})",
    status_user: "User:        {user} ({role}{org})",
    status_reachable: "reachable, last seq {head}",
    status_unreachable: "not reachable: {err}",
    sent: "Sent to {server}.",
    waiting: "Could not reach {server} ({err}); the changes wait and go out the next time styr connects.",
    some_refused: "The server refused {n} of the changes, and they were taken back: {err}",
    status_token_refused: "User:        the server does not accept the token ({err}); log in again with \"styr login\".",
    status_slot: "Slot {n}:      changes pending: {pending}, last confirmed seq {seq}{busy}",
    status_busy: " (in use)",
    status_no_cache: "No cache yet for this server.",
    role_name,
};

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Viewer => "viewer",
        Role::Member => "member",
        Role::Secretary => "secretary",
        Role::Chair => "chair",
        Role::Admin => "admin",
    }
}

static TRIAGE: TriageStrings = TriageStrings {
    title: "Proposals",
    hint: "a accept · p park · r reject · Space mark · / search · S score · ? all keys",
    marked: " {n} marked ",
    empty: "No proposals here.",
    similar: "Looks like:",
    reason_shown: "Reason: {reason}",
    prompt_one: "“{title}” → {stage}",
    prompt_many: "{n} items → {stage}",
    reason_optional: "Reason (optional):",
    reason_required: "Reason (shown to the proposer):",
    reason_missing: "Write a reason first.",
    prompt_hint: "Enter do it · Esc cancel",
    no_stage: "The board has no stage “{stage}”.",
    nothing_selected: "No item selected.",
    cancelled: "Cancelled; nothing was moved.",
    moved_one: "“{title}” → {stage} – u undoes",
    moved_many: "{n} items → {stage} – u undoes",
    sorted_score: "by score",
    sorted_spread: "by disagreement",
    only: "only {class}",
    unscored: "unscored",
    flag: "⚑",
};

static MEETING: MeetingStrings = MeetingStrings {
    correction: "[correction]",
    added_to_agenda: "On the agenda: {title}",
    classes: ["Must have", "Should have", "Could have", "Will not have"],
    spread: "spread {n}",
    scores_hint: "↑↓ row · 1–5 mark · +/- adjust · Enter send",
    adjustment_row: "Adjustment {n}",
    comment_row: "Comment: {text}",
    next_round: "Next yes/no round: {majority}",
    simple_majority: "simple majority",
    two_thirds: "two-thirds majority",
    election: "election (no casting vote)",
    election_short: "election",
    agenda_complete: "Every item in Prioritert and Vurdering is on the agenda already.",
    agenda_built: "{n} items from the board put on the agenda",
    ranked_hint: "↑↓ option · + next place · - remove · Enter send",
    total: "Total {n}",
    hand_for: "Counted by hand for {name}",
    title: "Meeting",
    decisions_title: "Decisions",
    no_meetings: "No meetings yet. The secretary makes one with “styr meeting new”.",
    agenda: "Agenda",
    no_cases: "No cases on the agenda.",
    postponed: "postponed",
    proposal: "Proposed decision",
    items: "Concerns",
    decided: "Decision",
    vote: "Vote",
    no_round: "No vote. Chair: o = yes/no (t = 2/3, e = election), p = dot vote.",
    round_open: "Open",
    round_closed: "Closed",
    anonymous: "anonymous",
    named: "named",
    count: "{n} of {of} have voted",
    voted: "Voted: {names}",
    your_ballot: "Your ballot",
    dots_left: "{n} dots left",
    yes: "For",
    no: "Against",
    abstain: "Abstain",
    ballot_hint: "y/n/a choose · Enter send",
    dots_hint: "↑↓ option · +/- dot · Enter send",
    ballot_sent: "✓ Ballot cast",
    ballot_changed: "changed, not sent",
    ballot_failed: "The ballot was not cast: {err}",
    ballot_incomplete: "Choose before sending.",
    no_ballot: "You have no ballot in an open vote here.",
    needs_server: "Voting needs a shared portfolio (styr login).",
    no_open_round: "No open vote on this case.",
    round_already_open: "A vote is already open on this case.",
    needs_options: "A dot vote needs at least two items linked to the case.",
    result: "Result",
    adopted: "Adopted",
    not_adopted: "Not adopted",
    winner: "Most votes: {option}",
    tie: "Tie",
    no_quorum: "No quorum",
    no_ballots: "No ballots",
    casting_vote: "decided by the chair's casting vote",
    hand_counted: "{n} counted by hand",
    decision_form: "Record decision",
    field_text: "Decision",
    field_dissent: "Dissent (names)",
    field_exempt: "Exempt from public access (legal basis)",
    field_closed: "Closed session (legal basis)",
    field_disqualified: "Disqualified (name: basis; …)",
    bad_disqualified: "“{value}” has no legal basis; write name: basis, e.g. “medlem-b: fvl. § 6 første ledd bokstav a”.",
    form_hint: "Tab next field · Ctrl-S save · Esc cancel",
    decision_winner: "The committee prioritises “{option}”.",
    decision_needs_text: "The decision needs a text.",
    decision_saved: "✓ Decision recorded",
    unanimous: "adopted unanimously",
    votes_for_against: "adopted with {for} votes to {against}",
    no_decisions: "No decisions yet.",
    exempt: "Exempt from public access, {basis}",
    minutes_draft: "draft",
    minutes_approved: "approved",
    minutes_frozen: "frozen",
};

fn criterion_name(key: &str) -> &str {
    match key {
        "strategic_value" => "Strategic value",
        "qualitative_benefit" => "Qualitative benefit",
        "economic_benefit" => "Economic benefit",
        "operational_need_or_legal_duty" => "Operational need or legal duty",
        "risk" => "Risk",
        "user_value" => "Value for users",
        "efficiency" => "Efficiency potential",
        "benefits" => "Benefits",
        other => other,
    }
}
/// What each mark means. Every criterion is marked so that 5 argues most for the item
/// (for risk: the risk of *not* doing it).
fn criterion_guidance(key: &str, mark: u8) -> &'static str {
    let levels: [&'static str; 5] = match key {
        "strategic_value" => [
            "No link to adopted strategies",
            "Weak link; supports the strategy only indirectly",
            "Supports a sub-goal of the strategy",
            "Clearly contributes to several goals of the strategy",
            "Central to a main goal of the strategy",
        ],
        "qualitative_benefit" => [
            "No noticeable improvement for citizens or staff",
            "Small improvements for a limited group",
            "A noticeably better service or working day for many",
            "Clearly better quality, safety or accessibility",
            "Substantially better services for citizens in every municipality",
        ],
        "economic_benefit" => [
            "No savings; running costs go up",
            "Small savings, uncertain or far ahead",
            "Savings cover the costs over the lifetime",
            "Clear savings in time or money within three years",
            "Large, measurable savings that can be taken out of the budget",
        ],
        "operational_need_or_legal_duty" => [
            "Not needed for operations",
            "Desirable, but operations run fine without it",
            "Fixes a known operational problem or weakness",
            "Needed for stable operations, e.g. a system the vendor no longer supports",
            "Required by law or regulation, or operations stop without it",
        ],
        "risk" => [
            "Little risk in not doing it",
            "Some risk in not doing it, easily handled",
            "Noticeable risk to the service or information security in not doing it",
            "High risk of deviations, breaches or data loss in not doing it",
            "Critical risk to life, health or privacy in not doing it",
        ],
        "user_value" => [
            "Users notice no difference",
            "A little easier for a small group of users",
            "Easier and faster for many users",
            "A clearly better service for most users",
            "Meets an important need the users themselves have reported",
        ],
        "efficiency" => [
            "Saves neither time nor work",
            "Saves a little time in some tasks",
            "Removes manual steps from a whole work process",
            "Frees noticeable time in several units",
            "Changes the work process fundamentally, in every municipality",
        ],
        "benefits" => [
            "No benefits described",
            "Benefits mentioned, but not measurable",
            "Benefits described with measurement points",
            "Measurable benefits in saved costs, saved time or quality, with an owner",
            "Measurable benefits with a benefit realisation plan and someone responsible",
        ],
        _ => return "",
    };
    usize::from(mark)
        .checked_sub(1)
        .and_then(|i| levels.get(i))
        .copied()
        .unwrap_or("")
}

fn set_name(key: &str) -> &str {
    match key {
        "prosjektportalen" => "Prosjektportalen",
        "nordland" => "Nordland",
        other => other,
    }
}

fn score_refusal(e: &ScoreError) -> String {
    match e {
        ScoreError::UnknownSet(set) => format!(
            "'{set}' is not a criteria set styr knows (the sets are prosjektportalen and nordland)"
        ),
        ScoreError::CriteriaCount { expected, got } => {
            format!("{got} marks for {expected} criteria")
        }
        ScoreError::MarkOutOfRange { criterion, mark } => format!(
            "criterion {}: the mark {mark} is outside 1–5",
            criterion + 1
        ),
        ScoreError::AdjustmentOutOfRange(a) => format!("the adjustment {a} is outside ±5"),
        ScoreError::AdjustmentWithoutComment => {
            "an adjustment needs a reason in the comment".to_string()
        }
    }
}

static SCORING: ScoringStrings = ScoringStrings {
    title: "Score: {title}",
    set_name,
    set_line: "Criteria set: {set}",
    adjustment: "Adjustment",
    comment: "Comment",
    comment_needed: "(give a reason for the adjustment)",
    total: "Total: {total} of {max}",
    no_mark: "–",
    guidance: "Guidance",
    hint: "↑/↓ criterion · 1–5 mark · +/- adjustment · Tab comment · Ctrl-S save · x withdraw · Esc back",
    hint_comment: "Type the comment · Tab back to the criteria · Ctrl-S save · Esc back",
    saved: "Your score for “{title}” is saved",
    withdrawn: "Your score for “{title}” is withdrawn",
    nothing_to_withdraw: "You have not scored this item",
    incomplete: "Mark every criterion first ({n} missing)",
    heading: "Scores",
    summary: "Mean {mean} · {class} · spread {spread} · {n} scored",
    scorer_total: "{scorer}: {total}",
    none_yet: "Nobody has scored this yet (S to score)",
    other_set: "{n} scored with the criteria set {set}",
    ev_scored: "scored {total} ({set})",
    ev_withdrawn: "withdrew their score",
    lacks_retired_system: "⚠ Brings in a new system without saying which one it retires (one system in, one out)",
    refusal: score_refusal,
};

static MINUTES: MinutesStrings = MinutesStrings {
    attendance_set: "Meeting {meeting}: {n} on the list of attendees.",
    approve_previous_title: "Approval of the minutes of the meeting on {date}",
    approve_previous_proposal: "The minutes of the meeting on {date} are approved.",
    heading: "Minutes – {body}",
    meeting_number: "Meeting no. {number}",
    time: "Time",
    place: "Place",
    status: "Minutes",
    status_name: minutes_status_name,
    present: "Present",
    absent: "Absent",
    substitutes: "Substitutes",
    substitute_for: "{name} ({org}) for {replaces}",
    nobody: "none",
    cases: "Cases",
    no_cases: "No cases on the agenda.",
    case: "Case {number}",
    case_unnumbered: "Case without a number",
    postponed: "postponed",
    archive_ref: "Archive case",
    exempt: "Exempt from public access, {basis}",
    closed_session: "Handled in a closed session, {basis}",
    disqualified: "Disqualified",
    disqualified_entry: "{name} ({basis}), left the meeting for the case",
    proposal: "Proposed decision",
    concerns: "Concerns",
    vote: "Vote",
    decision: "Decision",
    dissent: "Dissent",
    moved_to: "Moved to “{stage}”",
    decision_no: "decision no. {n}",
    decision_id: "decision {id}",
    corrects: "Correction of {id}",
    corrected_by: "Corrected by {id}",
    recorded_by: "Recorded by {by}",
    method_yes_no: "For or against",
    majority_simple: "simple majority",
    majority_two_thirds: "two-thirds majority",
    method_dots: "Dot voting, {n} dots each",
    method_borda: "Ranking (Borda)",
    method_scoring: "Scoring on criteria",
    method_approval: "Approval voting",
    per_organisation: "one vote per municipality",
    secret_ballot: "secret ballot",
    unanimous: "Adopted unanimously",
    adopted: "Adopted by {yes} votes to {no}",
    not_adopted: "Not adopted, {yes} votes to {no}",
    fell_on_tie: "Not adopted on a tie, {yes} votes to {no}",
    abstained: "{n} abstained",
    winner: "Most points: {option}",
    tie: "Tie between {options}",
    classed: "Highest mean: {option}, {mean} ({class})",
    no_quorum: "No quorum: {n} of {size} members voted (Local Government Act § 11-9)",
    quorum_met: "The committee had a quorum: {n} of {size} members voted",
    no_ballots: "No votes were cast",
    overflow: "The votes could not be counted",
    casting_vote: "The chair's casting vote decided (Local Government Act § 11-9)",
    hand_counted: "{n} of {total} votes were counted by hand",
    hand_mark: "counted by hand",
    rejected: "{n} invalid votes were not counted",
    how_each_voted: "How the members voted",
    totals: "Result",
    points_line: "{option}: {points}",
    score_line: "{option}: mean {mean} ({class}), spread {spread} ({min}–{max})",
    option_n: "option {n}",
    yes: "for",
    no: "against",
    abstain: "abstained",
    class_name: priority_class_name,
    decimal_separator: ".",
    no_meetings: "There are no meetings yet; make one with `styr meeting new`.",
    meeting_not_found: "No meeting “{query}” was found. Give the meeting's id, its first 8 characters, a date (YYYY-MM-DD) or “latest”; `styr meeting list` shows the meetings.",
    meeting_ambiguous: "“{query}” matches several meetings: {list}. Give more of the id.",
    item_not_found: "No portfolio item has the id “{query}”.",
    item_ambiguous: "“{query}” matches several portfolio items: {list}.",
    using_cache: "Could not reach {server} ({err}); using the cache, which may lack the latest changes.",
    bad_time: "“{value}” is not a time; write YYYY-MM-DD HH:MM, e.g. 2026-11-26 10:00.",
    bad_person: "“{value}” is not an attendee; write name:organisation, e.g. medlem-a:Åfjord.",
    bad_substitute: "“{value}” is not a substitute; write name:organisation:for-name, e.g. vara-d:Osen:for-medlem-d.",
    agenda_from_board: "{n} items from Prioritert and Vurdering put on the agenda",
    bad_disqualified: "“{value}” is not a disqualified member with a legal basis; write name:basis, e.g. “medlem-b:fvl. § 6 første ledd bokstav a”.",
    refused: "Cannot do that: {err}",
    refusal: refusal_text,
    meeting_created: "Created meeting {id}: {body}, {at}.",
    case_added: "Added case {number} “{title}” ({id}).",
    status_set: "The minutes of meeting {meeting} are now {status}.",
    list_columns: "id|time|body|place|cases|minutes",
    minutes_written: "Wrote the minutes ({n} cases) to {file}.",
    verify_db_ok: "{file} is sound: {ops} changes and {decisions} decisions, the chains are unbroken.",
    verify_cache_ok: "The decision log in {dir} is sound: {n} decisions, the chain is unbroken.",
    verify_broken: "The check found a break: {err}",
    chain_break: chain_break_text,
};

fn minutes_status_name(s: MinutesStatus) -> &'static str {
    match s {
        MinutesStatus::Draft => "draft",
        MinutesStatus::Approved => "approved",
        MinutesStatus::Frozen => "approved and frozen",
    }
}

fn priority_class_name(c: PriorityClass) -> &'static str {
    match c {
        PriorityClass::MustHave => "must have",
        PriorityClass::ShouldHave => "should have",
        PriorityClass::CouldHave => "could have",
        PriorityClass::WillNotHave => "will not have",
    }
}

fn refusal_text(r: &Refusal) -> String {
    r.to_string()
}

fn chain_break_text(b: &ChainBreak) -> String {
    b.to_string()
}

static IO: IoStrings = IoStrings {
    read_windows_1252: "{file} is not UTF-8 and was read as Windows-1252 (as Excel saves \"CSV\" in Norway). Check that æ, ø and å look right.",
    read_utf16: "{file} was read as UTF-16 (Excel's \"Unicode text\").",
    read_sheet: "Read the sheet \"{sheet}\" of {file}.",
    bad_rows: "The import from {file} was stopped and nothing was imported. {n} rows are wrong:",
    bad_line: "  {file}, line {line}: {err}",
    bad_sheet_row: "  {file}, row {line}: {err}",
    dry_run: "Dry run: nothing was saved. This would be imported from {file}:",
    dry_run_item: "  {row} {line}: \"{title}\"{flag}",
    dry_run_flag: " (tagged \"{tag}\")",
    dry_run_total: "{n} new items would be created.",
    dry_run_bad: "Dry run: {file} cannot be imported as it is. {n} rows are wrong:",
    row_word: "line",
    sheet_row_word: "row",
    known: "{n} rows have an id that exists already and were skipped.",
    exact_heading: "Not imported, already there ({n}):",
    likely_heading: "Imported, but tagged \"{tag}\" because they look like something already there ({n}):",
    dry_exact_heading: "Would not be imported, already there ({n}):",
    dry_likely_heading: "Would be imported and tagged \"{tag}\" ({n}):",
    duplicate: "  {row} {line}: \"{title}\" – Looks like: \"{like}\"{where}",
    like_earlier_row: " ({row} {line} of the same file)",
    map_unknown_field: "--map: \"{field}\" is not a field of styr. Valid fields: {valid}",
    map_syntax: "--map: \"{part}\" should be written \"Column in the file=field\", for example \"Name of measure=title\".",
    progress_reading: "Reading {file}",
    progress_checking: "Looking for duplicates",
    unknown_stage: "The board has no stage \"{stage}\". It has: {stages}",
    row_line: "line {line}: {err}",
    cannot_read: "cannot read '{file}': {err}",
    row_reason,
    format_reason,
};

fn quoted(names: &[impl AsRef<str>]) -> String {
    names
        .iter()
        .map(|n| format!("'{}'", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_reason(r: &RowReason) -> String {
    match r {
        RowReason::EmptyTitle { column } => {
            format!("'{column}' is empty; every item needs a title")
        }
        RowReason::NotWholeNumber { column, value } => {
            format!("'{column}' is not a whole number: '{value}'")
        }
        RowReason::NotKroner { column, value } => {
            format!("'{column}' is not a whole number of kroner: '{value}'")
        }
        RowReason::NotDate { column, value } => {
            format!("'{column}' is not a date (YYYY-MM-DD): '{value}'")
        }
        RowReason::NotId { column, value } => {
            format!("'{column}' is not a styr id (a UUID): '{value}'")
        }
        RowReason::UnknownStage {
            column,
            value,
            stages,
        } => format!(
            "'{column}' names no stage of this board (its stages are {}): '{value}'",
            stages.join(", ")
        ),
        RowReason::UnreadableColumn { column, field } => {
            format!("'{column}' is a column styr cannot read ({field})")
        }
        RowReason::EndBeforeStart {
            end_column,
            end,
            start_column,
            start,
        } => format!("'{end_column}' ({end}) is before '{start_column}' ({start})"),
        RowReason::CellCount { cells, columns } => format!(
            "has {cells} {}, but the header has {columns} {}",
            if *cells == 1 { "cell" } else { "cells" },
            if *columns == 1 { "column" } else { "columns" },
        ),
        RowReason::IdTwice { id, first_line } => {
            format!("the id {id} is used twice (also on line {first_line})")
        }
        RowReason::UnnamedColumnValue { column } => {
            format!("has a value in column {column}, which has no name in the header")
        }
        RowReason::Csv { detail } => format!("cannot be read as CSV ({detail})"),
        RowReason::Json { column, detail } => {
            format!("not valid JSON at column {column}: {detail}")
        }
    }
}

fn file_format(f: FileFormat) -> &'static str {
    match f {
        FileFormat::ActionPlan => "the action plan format",
        FileFormat::Proposals => "the proposals format",
        FileFormat::Styr => "styr's export format",
    }
}

fn format_reason(r: &FormatReason) -> String {
    match r {
        FormatReason::EmptyFile => {
            "the file is empty; expected a header line naming the columns".into()
        }
        FormatReason::Csv { detail } => format!("the file cannot be read as CSV ({detail})"),
        FormatReason::Workbook { detail } => {
            format!("the file cannot be read as a workbook ({detail})")
        }
        FormatReason::NoSuchSheet { sheet, sheets } => format!(
            "the workbook has no sheet '{sheet}' (its sheets are: {})",
            sheets.join(", ")
        ),
        FormatReason::NoSheets => "the workbook has no sheets".into(),
        FormatReason::SheetUnreadable {
            sheet,
            detail: Some(detail),
        } => format!("the sheet '{sheet}' cannot be read ({detail})"),
        FormatReason::SheetUnreadable {
            sheet,
            detail: None,
        } => format!("the sheet '{sheet}' cannot be read"),
        FormatReason::EmptySheet { sheet } => {
            format!("the sheet '{sheet}' is empty; expected a header row naming the columns")
        }
        FormatReason::UnnamedColumn { index } => {
            format!("column {index} of the header has no name; every column needs one")
        }
        FormatReason::ColumnTwice { column } => {
            format!("the column '{column}' appears twice in the header")
        }
        FormatReason::MapMissing { missing, header } => format!(
            "--map names {} that the header does not have (it has: {})",
            quoted(missing),
            quoted(header)
        ),
        FormatReason::ExtraColumns { columns, format } => {
            let one = columns.len() == 1;
            format!(
                "{} {} {} not part of {} (its columns are: {}); rename or remove {it}, or map {it} to a field with --map \"column=field\", so that no data is lost",
                if one { "the column" } else { "the columns" },
                quoted(columns),
                if one { "is" } else { "are" },
                file_format(*format),
                format.columns().join(", "),
                it = if one { "it" } else { "them" },
            )
        }
        FormatReason::SameField {
            first,
            second,
            field,
        } => format!("the columns '{first}' and '{second}' both give the field '{field}'; keep one"),
        FormatReason::UnknownHeader { found } => format!(
            "the header does not match a format styr can import (found: {}). Expected the columns of an action plan ({}), of a proposals sheet ({}), or of styr's export ({})",
            quoted(found),
            FileFormat::ActionPlan.columns().join(", "),
            FileFormat::Proposals.columns().join(", "),
            FileFormat::Styr.columns().join(", "),
        ),
        FormatReason::UnknownExtension { file } => format!(
            "'{file}' does not end in .csv, .xlsx or .json, so styr cannot tell how to read it"
        ),
        FormatReason::MapOnJson => {
            "--map is for CSV files and workbooks; a JSON export names its fields itself".into()
        }
        FormatReason::JsonNotUtf8 => {
            "the JSON file is not UTF-8 text; styr's JSON export always is".into()
        }
        FormatReason::NulBytes => "the file is not text styr can read (it holds NUL bytes): is it a workbook or another binary file saved under a .csv name? Save it as CSV (UTF-8) and try again".into(),
        FormatReason::JsonNotArray => {
            "expected a JSON array of items, as styr's JSON export writes".into()
        }
        FormatReason::JsonItem { n, reason } => format!("item {n}: {}", json_reason(reason)),
    }
}

fn json_reason(r: &JsonReason) -> String {
    match r {
        JsonReason::NotObject => "is not a JSON object".into(),
        JsonReason::UnknownKeys { keys } => format!(
            "has keys styr does not know ({}); was it written by a newer styr?",
            keys.join(", ")
        ),
        JsonReason::Invalid { detail } => detail.clone(),
        JsonReason::IdTwice { id, first } => {
            format!("the id {id} is used twice (also by item {first})")
        }
        JsonReason::EmptyTitle { id } => {
            format!("the title of {id} is empty; every item needs a title")
        }
        JsonReason::UnknownStage {
            title,
            stage,
            stages,
        } => format!(
            "'{title}' is in the stage '{stage}', which is not on this board (its stages are {})",
            stages.join(", ")
        ),
    }
}
