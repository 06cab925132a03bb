//! Every user-facing string, one file per language (`nb.rs`, `en.rs`). Code asks for
//! `app.t.some_field`; templates carry `{name}` placeholders filled by [`fill`].

mod en;
mod nb;

use crate::model::FieldName;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Nb,
    En,
}

impl Lang {
    /// `--lang` wins; otherwise an English `LC_ALL`/`LC_MESSAGES`/`LANG` gives English;
    /// everything else gets bokmål, the language of the people styr is for.
    pub fn detect(flag: Option<&str>) -> Result<Lang, String> {
        if let Some(f) = flag {
            return Lang::parse(f).ok_or_else(|| {
                format!("unknown language '{f}': use 'nb' (bokmål) or 'en' (English)")
            });
        }
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if v.is_empty() {
                    continue;
                }
                return Ok(if v.starts_with("en") {
                    Lang::En
                } else {
                    Lang::Nb
                });
            }
        }
        Ok(Lang::Nb)
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "nb" | "no" | "nb_no" | "norsk" | "bokmål" | "bokmal" => Some(Lang::Nb),
            "en" | "english" | "en_gb" | "en_us" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::Nb => &nb::STRINGS,
            Lang::En => &en::STRINGS,
        }
    }
}

/// Fills `{key}` placeholders in a template.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = template.to_string();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), &v.to_string());
    }
    out
}

/// The sentence for a change the server refused: its rule in the language of `t` when
/// the server named one this styr knows, else the server's own `message`.
pub fn server_refusal(
    t: &Strings,
    reason: Option<&crate::protocol::Reason>,
    message: &str,
) -> String {
    use crate::protocol::Reason;
    let Some(reason) = reason else {
        return message.to_string();
    };
    if let Reason::RoleNeeded { needs, has, .. } = reason {
        let role = (t.sync.role_name)(*has);
        let needs = (t.sync.role_name)(*needs);
        return fill(t.sync.denied, &[("role", &role), ("needs", &needs)]);
    }
    if let Some(r) = reason.meeting() {
        return (t.minutes.refusal)(&r);
    }
    if let Some(e) = reason.score() {
        return (t.scoring.refusal)(&e);
    }
    message.to_string()
}

/// All strings of one language. Adding a field here makes the compiler ask for it in
/// every language, so no string can be forgotten in one of them.
pub struct Strings {
    pub portfolio: &'static str,
    pub demo_portfolio: &'static str,
    pub board: &'static str,
    pub detail: &'static str,
    pub edit_item: &'static str,
    pub new_item: &'static str,
    pub help_title: &'static str,
    pub palette_title: &'static str,
    pub items_count: &'static str,
    pub saved: &'static str,
    pub saving: &'static str,
    /// Sync, login and roles.
    pub sync: &'static SyncStrings,
    pub meeting: &'static MeetingStrings,
    /// The triage screen.
    pub triage: &'static TriageStrings,
    /// The name of a scoring criterion by its key (an unknown key is shown as it is).
    pub criterion: fn(&str) -> &str,
    /// What a mark (1–5) on a criterion means, by the criterion's key; "" for an
    /// unknown key or mark.
    pub criterion_guidance: fn(&str, u8) -> &'static str,
    /// Scoring an item on the criteria, and the summary of its scores.
    pub scoring: &'static ScoringStrings,
    /// The minutes [møtebok] and the `styr minutes`, `styr meeting` and `styr verify`
    /// commands.
    pub minutes: &'static MinutesStrings,
    /// `styr import` and `styr export`.
    pub io: &'static IoStrings,
    pub not_saved: &'static str,
    pub slot_note: &'static str,
    pub hint_help: &'static str,
    pub too_small: &'static str,
    pub empty_column: &'static str,
    pub no_priority: &'static str,
    pub filter_prompt: &'static str,
    pub filter_matches: &'static str,
    /// After the match count while a newer query is being ranked.
    pub filter_searching: &'static str,
    pub moved_to: &'static str,
    pub already_first: &'static str,
    pub already_last: &'static str,
    pub deleted_undo: &'static str,
    pub undone: &'static str,
    pub nothing_to_undo: &'static str,
    pub created: &'static str,
    pub updated: &'static str,
    pub no_changes: &'static str,
    pub confirm_discard: &'static str,
    pub confirm_delete: &'static str,
    pub yes_no: &'static str,
    pub draft_offer: &'static str,
    pub draft_restored: &'static str,
    pub draft_discarded: &'static str,
    pub title_required: &'static str,
    pub bad_number: &'static str,
    pub bad_date: &'static str,
    pub form_hint: &'static str,
    /// Over the look-alikes of a new proposal, before it is created.
    pub similar_warning: &'static str,
    pub similar_hint: &'static str,
    /// {title}: the item the new proposal was linked to.
    pub linked: &'static str,
    /// Added to the linked item's description. {by}: " av {submitter}" or empty;
    /// {title}, {description}.
    pub linked_note: &'static str,
    /// {submitter}: who proposed it, for `linked_note`'s {by}.
    pub linked_by: &'static str,
    pub palette_hint: &'static str,
    pub no_selection: &'static str,
    pub history: &'static str,
    /// Shown under the history heading until the store has answered.
    pub history_loading: &'static str,
    /// {err}
    pub history_failed: &'static str,
    pub stage: &'static str,
    pub created_at: &'static str,
    pub updated_at: &'static str,
    pub ev_created: &'static str,
    pub ev_edited: &'static str,
    pub ev_moved: &'static str,
    pub ev_deleted: &'static str,
    pub ev_restored: &'static str,
    pub kr: &'static str,
    pub all_slots_busy: &'static str,
    pub store_failed: &'static str,
    pub store_newer: &'static str,
    pub theme_broken: &'static str,
    pub config_broken: &'static str,
    pub interrupted_signal: &'static str,
    pub crashed: &'static str,
    pub imported: &'static str,
    pub import_nothing: &'static str,
    pub import_failed: &'static str,
    pub exported: &'static str,
    pub portfolio_busy: &'static str,
    pub demo_reset: &'static str,
    pub server_db_failed: &'static str,
    /// {command}: a command that needs the SQLite file was given a PostgreSQL URL.
    pub server_db_file_only: &'static str,
    /// {file} {mode}: the login file can be read by others.
    pub credentials_exposed: &'static str,
    /// {file} {ops} {decisions} {bytes}
    pub server_backup_done: &'static str,
    /// {copied} {url} {ops} {users} {ballots} {decisions}
    pub server_migrate_done: &'static str,
    /// {err}
    pub server_migrate_failed: &'static str,
    /// {err}
    pub server_backup_failed: &'static str,
    pub server_listen_failed: &'static str,
    pub server_tls_failed: &'static str,
    pub server_first_admin: &'static str,
    pub server_failed: &'static str,
    pub user_added: &'static str,
    pub user_exists: &'static str,
    pub user_bad_name: &'static str,
    pub user_not_found: &'static str,
    pub user_revoked: &'static str,
    pub user_list_empty: &'static str,
    /// Column heads of `styr user list`, separated by `|`: name, role, organisation, created, status.
    pub user_columns: &'static str,
    pub user_active: &'static str,
    pub user_revoked_on: &'static str,
    pub not_a_terminal: &'static str,
    pub fields: fn(FieldName) -> &'static str,
    pub actions: fn(crate::tui::keymap::Action) -> &'static str,
}

/// The strings of sync: the status line's link indicator, login, `styr status`, roles
/// and conflicts.
pub struct SyncStrings {
    /// {head} {requeued} {dropped}: the server was restored from a backup.
    pub rewound: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub connecting: &'static str,
    pub syncing: &'static str,
    pub logged_out: &'static str,
    pub pending: &'static str,
    pub read_only: &'static str,
    pub read_only_refused: &'static str,
    pub refused: &'static str,
    pub denied: &'static str,
    pub local_failed: &'static str,
    pub changed_concurrently: &'static str,
    pub other_version: &'static str,
    pub took_other: &'static str,
    pub kept_shown: &'static str,
    pub no_conflict: &'static str,
    pub conflict_hint: &'static str,
    pub login_ok: &'static str,
    pub login_refused: &'static str,
    pub login_unreachable: &'static str,
    pub logout_ok: &'static str,
    pub logout_none: &'static str,
    pub not_logged_in: &'static str,
    pub status_server: &'static str,
    pub status_user: &'static str,
    pub status_reachable: &'static str,
    pub status_unreachable: &'static str,
    pub status_token_refused: &'static str,
    pub sent: &'static str,
    pub waiting: &'static str,
    pub some_refused: &'static str,
    pub status_slot: &'static str,
    pub status_no_cache: &'static str,
    /// After `status_slot` (its `{busy}`) when a running styr holds the slot.
    pub status_busy: &'static str,
    pub role_name: fn(crate::model::Role) -> &'static str,
}

/// The scoring form, the scores in the detail view, and "one system in, one out".
pub struct ScoringStrings {
    /// The form's title: {title}
    pub title: &'static str,
    /// The name of a criteria set by its key (an unknown key is shown as it is).
    pub set_name: fn(&str) -> &str,
    /// {set}
    pub set_line: &'static str,
    pub adjustment: &'static str,
    pub comment: &'static str,
    /// Shown in the comment field while it is empty and the adjustment is not 0.
    pub comment_needed: &'static str,
    /// {total} {max}
    pub total: &'static str,
    pub no_mark: &'static str,
    pub guidance: &'static str,
    pub hint: &'static str,
    pub hint_comment: &'static str,
    /// {title}
    pub saved: &'static str,
    /// {title}
    pub withdrawn: &'static str,
    pub nothing_to_withdraw: &'static str,
    /// {n}
    pub incomplete: &'static str,
    pub heading: &'static str,
    /// {mean} {class} {spread} {n}
    pub summary: &'static str,
    /// {scorer} {total}
    pub scorer_total: &'static str,
    pub none_yet: &'static str,
    /// {n} {set}: scores kept in a set other than the body's.
    pub other_set: &'static str,
    /// History: {total} {set}
    pub ev_scored: &'static str,
    pub ev_withdrawn: &'static str,
    /// The detail view's flag on an item that brings in a system and retires none.
    pub lacks_retired_system: &'static str,
    pub refusal: fn(&crate::model::ScoreError) -> String,
}

/// The strings of the meeting and decision screens.
/// The triage screen: verdicts, reasons, marks.
pub struct TriageStrings {
    pub title: &'static str,
    /// Under the preview: the verdict keys.
    pub hint: &'static str,
    /// {n}
    pub marked: &'static str,
    pub empty: &'static str,
    /// Heading over existing items like the selected proposal.
    pub similar: &'static str,
    /// {reason}: why the proposal was last moved.
    pub reason_shown: &'static str,
    /// {title} {stage}
    pub prompt_one: &'static str,
    /// {n} {stage}
    pub prompt_many: &'static str,
    pub reason_optional: &'static str,
    pub reason_required: &'static str,
    pub reason_missing: &'static str,
    pub prompt_hint: &'static str,
    /// {stage}: the board has no such stage.
    pub no_stage: &'static str,
    pub nothing_selected: &'static str,
    pub cancelled: &'static str,
    /// {title} {stage}
    pub moved_one: &'static str,
    /// {n} {stage}
    pub moved_many: &'static str,
    /// In the list's title: the order by score and by disagreement.
    pub sorted_score: &'static str,
    pub sorted_spread: &'static str,
    /// In the list's title: {class}, or `unscored` for those without a score.
    pub only: &'static str,
    pub unscored: &'static str,
    /// The one-in-one-out mark on a listed proposal.
    pub flag: &'static str,
}

pub struct MeetingStrings {
    pub correction: &'static str,
    pub added_to_agenda: &'static str,
    /// Må ha, Bør ha, Kan ha, Skal ikke ha.
    pub classes: [&'static str; 4],
    pub spread: &'static str,
    pub scores_hint: &'static str,
    /// {n}: a scoring ballot's adjustment of the sum.
    pub adjustment_row: &'static str,
    /// {text}: the comment saying why.
    pub comment_row: &'static str,
    /// {majority}: what the chair's keys set for the next yes/no round.
    pub next_round: &'static str,
    pub simple_majority: &'static str,
    pub two_thirds: &'static str,
    pub election: &'static str,
    pub election_short: &'static str,
    pub agenda_complete: &'static str,
    /// {n}
    pub agenda_built: &'static str,
    pub ranked_hint: &'static str,
    pub total: &'static str,
    pub hand_for: &'static str,
    pub title: &'static str,
    pub decisions_title: &'static str,
    pub no_meetings: &'static str,
    pub agenda: &'static str,
    pub no_cases: &'static str,
    pub postponed: &'static str,
    pub proposal: &'static str,
    pub items: &'static str,
    pub decided: &'static str,
    pub vote: &'static str,
    pub no_round: &'static str,
    pub round_open: &'static str,
    pub round_closed: &'static str,
    pub anonymous: &'static str,
    pub named: &'static str,
    pub count: &'static str,
    pub voted: &'static str,
    pub your_ballot: &'static str,
    pub dots_left: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub abstain: &'static str,
    pub ballot_hint: &'static str,
    pub dots_hint: &'static str,
    pub ballot_sent: &'static str,
    pub ballot_changed: &'static str,
    pub ballot_failed: &'static str,
    pub ballot_incomplete: &'static str,
    pub no_ballot: &'static str,
    pub needs_server: &'static str,
    pub no_open_round: &'static str,
    pub round_already_open: &'static str,
    pub needs_options: &'static str,
    pub result: &'static str,
    pub adopted: &'static str,
    pub not_adopted: &'static str,
    pub winner: &'static str,
    pub tie: &'static str,
    pub no_quorum: &'static str,
    pub no_ballots: &'static str,
    pub casting_vote: &'static str,
    pub hand_counted: &'static str,
    pub decision_form: &'static str,
    pub field_text: &'static str,
    pub field_dissent: &'static str,
    pub field_exempt: &'static str,
    pub field_closed: &'static str,
    pub field_disqualified: &'static str,
    /// {value}
    pub bad_disqualified: &'static str,
    pub form_hint: &'static str,
    pub decision_winner: &'static str,
    pub decision_needs_text: &'static str,
    pub decision_saved: &'static str,
    pub unanimous: &'static str,
    pub votes_for_against: &'static str,
    pub no_decisions: &'static str,
    pub exempt: &'static str,
    pub minutes_draft: &'static str,
    pub minutes_approved: &'static str,
    pub minutes_frozen: &'static str,
}

/// The minutes [møtebok] as `styr minutes` writes them, and the messages of the meeting
/// commands. Templates carry `{name}` placeholders filled by [`fill`].
pub struct MinutesStrings {
    /// {meeting}, {n}
    pub attendance_set: &'static str,
    /// The first case of a meeting after one whose minutes are a draft: {date}.
    pub approve_previous_title: &'static str,
    pub approve_previous_proposal: &'static str,
    /// Heading: {body}
    pub heading: &'static str,
    /// {number}
    pub meeting_number: &'static str,
    pub time: &'static str,
    pub place: &'static str,
    pub status: &'static str,
    pub status_name: fn(crate::model::meeting::MinutesStatus) -> &'static str,
    pub present: &'static str,
    pub absent: &'static str,
    pub substitutes: &'static str,
    /// {name} ({org}) in place of {replaces}
    pub substitute_for: &'static str,
    pub nobody: &'static str,
    pub cases: &'static str,
    pub no_cases: &'static str,
    /// {number}
    pub case: &'static str,
    pub case_unnumbered: &'static str,
    pub postponed: &'static str,
    pub archive_ref: &'static str,
    /// {basis}
    pub exempt: &'static str,
    /// {basis}
    pub closed_session: &'static str,
    pub disqualified: &'static str,
    /// {name}, {basis}
    pub disqualified_entry: &'static str,
    pub proposal: &'static str,
    pub concerns: &'static str,
    pub vote: &'static str,
    pub decision: &'static str,
    pub dissent: &'static str,
    /// {stage}
    pub moved_to: &'static str,
    /// {n}: a decision by its place in the decision log.
    pub decision_no: &'static str,
    /// {id}: a decision not yet in the server's log, by its id.
    pub decision_id: &'static str,
    /// {id}
    pub corrects: &'static str,
    /// {id}
    pub corrected_by: &'static str,
    /// {by}
    pub recorded_by: &'static str,
    pub method_yes_no: &'static str,
    pub majority_simple: &'static str,
    pub majority_two_thirds: &'static str,
    /// {n}
    pub method_dots: &'static str,
    pub method_borda: &'static str,
    pub method_scoring: &'static str,
    pub method_approval: &'static str,
    pub per_organisation: &'static str,
    pub secret_ballot: &'static str,
    pub unanimous: &'static str,
    /// {yes} {no}
    pub adopted: &'static str,
    /// {yes} {no}
    pub not_adopted: &'static str,
    /// {yes} {no}
    pub fell_on_tie: &'static str,
    /// {n}
    pub abstained: &'static str,
    /// {option}
    pub winner: &'static str,
    /// {options}
    pub tie: &'static str,
    /// {option} {mean} {class}
    pub classed: &'static str,
    /// {n} {size}
    pub no_quorum: &'static str,
    /// {n} {size}
    pub quorum_met: &'static str,
    pub no_ballots: &'static str,
    pub overflow: &'static str,
    pub casting_vote: &'static str,
    /// {n} {total}
    pub hand_counted: &'static str,
    pub hand_mark: &'static str,
    /// {n}
    pub rejected: &'static str,
    pub how_each_voted: &'static str,
    pub totals: &'static str,
    /// {option} {points}
    pub points_line: &'static str,
    /// {option} {mean} {class} {spread} {min} {max}
    pub score_line: &'static str,
    /// {n}: "alternativ 2", in place of an option's text in public minutes of an exempt case.
    pub option_n: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub abstain: &'static str,
    pub class_name: fn(crate::model::criteria::PriorityClass) -> &'static str,
    pub decimal_separator: &'static str,
    pub no_meetings: &'static str,
    /// {query}
    pub meeting_not_found: &'static str,
    /// {query} {list}
    pub meeting_ambiguous: &'static str,
    /// {query}
    pub item_not_found: &'static str,
    /// {query} {list}
    pub item_ambiguous: &'static str,
    /// {server} {err}
    pub using_cache: &'static str,
    /// {value}
    pub bad_time: &'static str,
    /// {value}
    pub bad_person: &'static str,
    /// {value}
    pub bad_substitute: &'static str,
    /// {n}
    pub agenda_from_board: &'static str,
    /// {value} (a `--disqualified` that is not name:basis)
    pub bad_disqualified: &'static str,
    /// {err}
    pub refused: &'static str,
    pub refusal: fn(&crate::model::meeting::Refusal) -> String,
    /// {id} {body} {at}
    pub meeting_created: &'static str,
    /// {number} {title} {id}
    pub case_added: &'static str,
    /// {meeting} {status}
    pub status_set: &'static str,
    /// Column heads of `styr meeting list`, separated by `|`.
    pub list_columns: &'static str,
    /// {n} {file}
    pub minutes_written: &'static str,
    /// {file} {ops} {decisions}
    pub verify_db_ok: &'static str,
    /// {dir} {n}
    pub verify_cache_ok: &'static str,
    /// {err}
    pub verify_broken: &'static str,
    pub chain_break: fn(&crate::model::meeting::ChainBreak) -> String,
}

/// The strings of `styr import` and `styr export`.
pub struct IoStrings {
    pub read_windows_1252: &'static str,
    pub read_utf16: &'static str,
    pub read_sheet: &'static str,
    pub bad_rows: &'static str,
    pub bad_line: &'static str,
    pub bad_sheet_row: &'static str,
    pub dry_run: &'static str,
    pub dry_run_item: &'static str,
    pub dry_run_flag: &'static str,
    pub dry_run_total: &'static str,
    pub dry_run_bad: &'static str,
    pub row_word: &'static str,
    pub sheet_row_word: &'static str,
    pub known: &'static str,
    pub exact_heading: &'static str,
    pub likely_heading: &'static str,
    pub dry_exact_heading: &'static str,
    pub dry_likely_heading: &'static str,
    pub duplicate: &'static str,
    pub like_earlier_row: &'static str,
    pub map_unknown_field: &'static str,
    pub map_syntax: &'static str,
    pub progress_reading: &'static str,
    pub progress_checking: &'static str,
    pub unknown_stage: &'static str,
    /// A bad row without the file's name: {line} {err}.
    pub row_line: &'static str,
    /// {file} {err}: the file could not be read.
    pub cannot_read: &'static str,
    /// Why a row of a file cannot be imported.
    pub row_reason: fn(&crate::io::error::RowReason) -> String,
    /// Why a file as a whole cannot be imported.
    pub format_reason: fn(&crate::io::error::FormatReason) -> String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::criteria::{CriteriaSet, SCORE_MAX, SCORE_MIN};

    #[test]
    fn every_mark_of_every_criterion_has_guidance_in_both_languages() {
        for lang in [Lang::Nb, Lang::En] {
            let t = lang.strings();
            for key in CriteriaSet::KEYS {
                let set = CriteriaSet::by_key(key).expect("a known set");
                for c in &set.criteria {
                    let texts: Vec<&str> = (SCORE_MIN..=SCORE_MAX)
                        .map(|m| (t.criterion_guidance)(c, m))
                        .collect();
                    assert!(texts.iter().all(|g| !g.is_empty()), "{lang:?} {c}");
                    let mut unique = texts.clone();
                    unique.dedup();
                    assert_eq!(unique.len(), 5, "{lang:?} {c}: five different levels");
                    assert_ne!((t.criterion)(c), c.as_str(), "{lang:?} names {c}");
                }
                assert_ne!((t.scoring.set_name)(key), key, "{lang:?} names {key}");
            }
            // Outside the scale, or an unknown criterion: nothing, never a panic.
            assert_eq!((t.criterion_guidance)("risk", 0), "");
            assert_eq!((t.criterion_guidance)("risk", 6), "");
            assert_eq!((t.criterion_guidance)("ukjent", 3), "");
        }
    }
}
