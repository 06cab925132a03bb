//! Keys as data: every screen lists its bindings here, and both `?` (help) and the
//! command palette are built from these lists, so help can never drift from the keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Left,
    Right,
    Up,
    Down,
    Top,
    Bottom,
    MoveNext,
    MovePrev,
    Open,
    New,
    Edit,
    Delete,
    Undo,
    Filter,
    Help,
    Palette,
    Quit,
    Back,
    NextField,
    PrevField,
    Save,
    Cancel,
    Newline,
    /// Settle a concurrent change by taking the other version.
    TakeOther,
    /// Settle a concurrent change by keeping the version shown.
    KeepShown,
    /// The meeting screen (from the board).
    Meetings,
    /// The decision log (from the board or a meeting).
    Decisions,
    /// Move between the agenda and the ballot.
    SwitchFocus,
    /// The chair opens a named yes/no vote on the case.
    OpenVote,
    /// The chair opens an anonymous yes/no vote.
    OpenAnonymous,
    /// The chair opens a dot vote over the case's items.
    OpenDots,
    /// The chair closes the open round: everyone sees the result at once.
    CloseRound,
    VoteYes,
    VoteNo,
    VoteAbstain,
    AddDot,
    RemoveDot,
    SendBallot,
    /// The secretary records the decision, from a form the result has filled in.
    RecordDecision,
    /// The secretary moves the case up or down the agenda.
    CaseUp,
    CaseDown,
    /// The secretary postpones the case (or takes it up again).
    Postpone,
    /// The secretary enters a hand-counted ballot: picks whom it is for.
    HandCount,
    /// The chair opens a ranked vote (Borda count) over the case's items.
    OpenRanked,
    /// The chair opens an approval vote over the case's items.
    OpenApproval,
    /// The chair opens a scoring round on the criteria for the case.
    OpenScoring,
    /// A mark 1–5 on the selected criterion of a scoring ballot (the digit typed).
    Score(u8),
    /// The secretary puts the selected item on the latest meeting's agenda as a case.
    AddToAgenda,
    /// The secretary records a correction of the selected decision (a new, linked entry).
    Correct,
    /// The triage screen: incoming proposals one by one, with a preview.
    Triage,
    /// Triage: accept the proposal (or the marked ones) to assessment.
    Accept,
    /// Triage: park it, with a reason.
    Park,
    /// Triage: reject it, with a reason.
    Reject,
    /// Triage: mark or unmark the proposal for a bulk action.
    Mark,
    /// Triage: mark every proposal in the list.
    MarkAll,
    /// Triage: clear the marks.
    ClearMarks,
    /// Triage: order by board, by mean score, or by disagreement between scorers.
    SortByScore,
    /// Triage: only one priority class (or the unscored), in turn.
    FilterByClass,
    /// New proposal form: link it to the look-alike shown instead of creating it.
    LinkSimilar,
    /// New proposal form: pick the next look-alike.
    NextSimilar,
    /// Opens the scoring form for the selected item (the user's own score on the criteria).
    ScoreItem,
    /// Raises or lowers the scorer's adjustment of the sum, within ±5.
    AdjustUp,
    AdjustDown,
    /// Withdraws the user's score of the item.
    Withdraw,
    /// The chair: the next yes/no round needs two thirds (or a simple majority again).
    TwoThirds,
    /// The chair: the next yes/no round is an election (no casting vote), or not.
    Election,
    /// The secretary: puts the items in Prioritert and Vurdering on the agenda.
    BuildAgenda,
}

/// Which screen's keys apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Board,
    Detail,
    Form,
    Meeting,
    Decisions,
    Triage,
    /// The scoring form.
    Scoring,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub struct Binding {
    pub keys: &'static [Chord],
    /// How the keys are written in help, e.g. "←/h".
    pub label: &'static str,
    pub action: Action,
}

const fn k(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn code(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn shift(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::SHIFT,
    }
}
const fn ctrl(c: char) -> Chord {
    Chord {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn b(keys: &'static [Chord], label: &'static str, action: Action) -> Binding {
    Binding {
        keys,
        label,
        action,
    }
}

static BOARD: &[Binding] = &[
    b(&[code(KeyCode::Left), k('h')], "←/h", Action::Left),
    b(&[code(KeyCode::Right), k('l')], "→/l", Action::Right),
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(&[code(KeyCode::Home), k('g')], "Home/g", Action::Top),
    b(&[code(KeyCode::End), k('G')], "End/G", Action::Bottom),
    b(
        &[shift(KeyCode::Right), k('L')],
        "Shift-→/L",
        Action::MoveNext,
    ),
    b(
        &[shift(KeyCode::Left), k('H')],
        "Shift-←/H",
        Action::MovePrev,
    ),
    b(&[code(KeyCode::Enter)], "Enter", Action::Open),
    b(&[k('n')], "n", Action::New),
    b(&[k('e')], "e", Action::Edit),
    b(&[k('d'), code(KeyCode::Delete)], "d/Del", Action::Delete),
    b(&[k('u')], "u", Action::Undo),
    b(&[k('/')], "/", Action::Filter),
    b(&[k('t')], "t", Action::Triage),
    b(&[k('M')], "M", Action::Meetings),
    b(&[k('S')], "S", Action::ScoreItem),
    b(&[k('A')], "A", Action::AddToAgenda),
    b(&[k('D')], "D", Action::Decisions),
    b(&[k('?'), code(KeyCode::F(1))], "?/F1", Action::Help),
    b(&[k(':'), ctrl('p')], ":/Ctrl-P", Action::Palette),
    b(&[k('q'), ctrl('c')], "q", Action::Quit),
];

static MEETING: &[Binding] = &[
    b(&[code(KeyCode::Esc)], "Esc", Action::Back),
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(&[code(KeyCode::Tab)], "Tab", Action::SwitchFocus),
    b(&[k('o')], "o", Action::OpenVote),
    b(&[k('O')], "O", Action::OpenAnonymous),
    b(&[k('p')], "p", Action::OpenDots),
    b(&[k('r')], "r", Action::OpenRanked),
    b(&[k('g')], "g", Action::OpenApproval),
    b(&[k('s')], "s", Action::OpenScoring),
    b(&[k('t')], "t", Action::TwoThirds),
    b(&[k('e')], "e", Action::Election),
    b(&[k('c')], "c", Action::CloseRound),
    b(&[k('y')], "y", Action::VoteYes),
    b(&[k('n')], "n", Action::VoteNo),
    b(&[k('a')], "a", Action::VoteAbstain),
    b(&[k('+'), k(' ')], "+/Space", Action::AddDot),
    b(&[k('-')], "-", Action::RemoveDot),
    b(
        &[k('1'), k('2'), k('3'), k('4'), k('5')],
        "1–5",
        Action::Score(0),
    ),
    b(&[code(KeyCode::Enter)], "Enter", Action::SendBallot),
    b(&[k('v')], "v", Action::RecordDecision),
    b(&[k('K')], "K", Action::CaseUp),
    b(&[k('J')], "J", Action::CaseDown),
    b(&[k('z')], "z", Action::Postpone),
    b(&[k('b')], "b", Action::BuildAgenda),
    b(&[k('h')], "h", Action::HandCount),
    b(&[k('D')], "D", Action::Decisions),
    b(&[k('?'), code(KeyCode::F(1))], "?/F1", Action::Help),
    b(&[k(':'), ctrl('p')], ":/Ctrl-P", Action::Palette),
    b(&[k('q'), ctrl('c')], "q", Action::Quit),
];

static TRIAGE: &[Binding] = &[
    b(&[code(KeyCode::Esc)], "Esc", Action::Back),
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(&[code(KeyCode::Home), k('g')], "Home/g", Action::Top),
    b(&[code(KeyCode::End), k('G')], "End/G", Action::Bottom),
    b(&[code(KeyCode::Left), k('h')], "←/h", Action::Left),
    b(&[code(KeyCode::Right), k('l')], "→/l", Action::Right),
    b(&[k('a')], "a", Action::Accept),
    b(&[k('p')], "p", Action::Park),
    b(&[k('r')], "r", Action::Reject),
    b(&[k(' ')], "Space", Action::Mark),
    b(&[k('*')], "*", Action::MarkAll),
    b(&[k('c')], "c", Action::ClearMarks),
    b(&[k('S')], "S", Action::ScoreItem),
    b(&[k('s')], "s", Action::SortByScore),
    b(&[k('f')], "f", Action::FilterByClass),
    b(&[k('/')], "/", Action::Filter),
    b(&[code(KeyCode::Enter)], "Enter", Action::Open),
    b(&[k('u')], "u", Action::Undo),
    b(&[k('?'), code(KeyCode::F(1))], "?/F1", Action::Help),
    b(&[k(':'), ctrl('p')], ":/Ctrl-P", Action::Palette),
    b(&[k('q'), ctrl('c')], "q", Action::Quit),
];

static DECISIONS: &[Binding] = &[
    b(&[code(KeyCode::Esc)], "Esc", Action::Back),
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(&[k('/')], "/", Action::Filter),
    b(&[k('r')], "r", Action::Correct),
    b(&[k('?'), code(KeyCode::F(1))], "?/F1", Action::Help),
    b(&[k(':'), ctrl('p')], ":/Ctrl-P", Action::Palette),
    b(&[k('q'), ctrl('c')], "q", Action::Quit),
];

static DETAIL: &[Binding] = &[
    b(
        &[code(KeyCode::Esc), code(KeyCode::Backspace)],
        "Esc",
        Action::Back,
    ),
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(&[k('e')], "e", Action::Edit),
    b(
        &[shift(KeyCode::Right), k('L')],
        "Shift-→/L",
        Action::MoveNext,
    ),
    b(
        &[shift(KeyCode::Left), k('H')],
        "Shift-←/H",
        Action::MovePrev,
    ),
    b(&[k('d'), code(KeyCode::Delete)], "d/Del", Action::Delete),
    b(&[k('u')], "u", Action::Undo),
    b(&[k('S')], "S", Action::ScoreItem),
    b(&[k('v')], "v", Action::TakeOther),
    b(&[k('V')], "V", Action::KeepShown),
    b(&[k('?'), code(KeyCode::F(1))], "?/F1", Action::Help),
    b(&[k(':'), ctrl('p')], ":/Ctrl-P", Action::Palette),
    b(&[k('q'), ctrl('c')], "q", Action::Quit),
];

static FORM: &[Binding] = &[
    b(&[code(KeyCode::Tab)], "Tab", Action::NextField),
    b(
        &[shift(KeyCode::BackTab), code(KeyCode::BackTab)],
        "Shift-Tab",
        Action::PrevField,
    ),
    b(&[code(KeyCode::Down)], "↓", Action::Down),
    b(&[code(KeyCode::Up)], "↑", Action::Up),
    b(&[code(KeyCode::Enter)], "Enter", Action::Newline),
    b(&[ctrl('s')], "Ctrl-S", Action::Save),
    b(&[ctrl('l')], "Ctrl-L", Action::LinkSimilar),
    b(&[ctrl('n')], "Ctrl-N", Action::NextSimilar),
    b(&[code(KeyCode::Esc)], "Esc", Action::Cancel),
    b(&[code(KeyCode::F(1))], "F1", Action::Help),
    b(&[ctrl('p')], "Ctrl-P", Action::Palette),
];

/// The scoring form. The comment field takes typed text, so help and the palette are on
/// F1 and Ctrl-P only (as in the edit form); while the comment has focus, only Tab,
/// Ctrl-S, Esc and those two are keys (see `tui::scoring`).
static SCORING: &[Binding] = &[
    b(&[code(KeyCode::Up), k('k')], "↑/k", Action::Up),
    b(&[code(KeyCode::Down), k('j')], "↓/j", Action::Down),
    b(
        &[k('1'), k('2'), k('3'), k('4'), k('5')],
        "1–5",
        Action::Score(0),
    ),
    b(&[k('+')], "+", Action::AdjustUp),
    b(&[k('-')], "-", Action::AdjustDown),
    b(
        &[
            code(KeyCode::Tab),
            shift(KeyCode::BackTab),
            code(KeyCode::BackTab),
        ],
        "Tab",
        Action::NextField,
    ),
    b(&[ctrl('s')], "Ctrl-S", Action::Save),
    b(&[k('x')], "x", Action::Withdraw),
    b(&[code(KeyCode::Esc)], "Esc", Action::Back),
    b(&[code(KeyCode::F(1))], "F1", Action::Help),
    b(&[ctrl('p')], "Ctrl-P", Action::Palette),
];

pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Board => BOARD,
        Context::Detail => DETAIL,
        Context::Form => FORM,
        Context::Meeting => MEETING,
        Context::Decisions => DECISIONS,
        Context::Triage => TRIAGE,
        Context::Scoring => SCORING,
    }
}

/// The action bound to `key` in `ctx`. A typed character matches whatever Shift state
/// the terminal reports with it ('L' may arrive with or without SHIFT). A digit bound to
/// `Score` carries the digit.
pub fn lookup(ctx: Context, key: &KeyEvent) -> Option<Action> {
    bindings(ctx)
        .iter()
        .find(|b| b.keys.iter().any(|c| matches(c, key)))
        .map(|b| match (b.action, key.code) {
            (Action::Score(_), KeyCode::Char(c)) => Action::Score(
                c.to_digit(10)
                    .and_then(|d| u8::try_from(d).ok())
                    .unwrap_or(0),
            ),
            (a, _) => a,
        })
}

fn matches(chord: &Chord, key: &KeyEvent) -> bool {
    if chord.code != key.code {
        return false;
    }
    match key.code {
        KeyCode::Char(_) => {
            key.modifiers.difference(KeyModifiers::SHIFT)
                == chord.mods.difference(KeyModifiers::SHIFT)
        }
        KeyCode::BackTab => true,
        _ => key.modifiers == chord.mods,
    }
}

/// The help label of `action` in `ctx`, for the palette.
pub fn label(ctx: Context, action: Action) -> Option<&'static str> {
    bindings(ctx)
        .iter()
        .find(|b| b.action == action)
        .map(|b| b.label)
}
