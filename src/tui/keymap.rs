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
}

/// Which screen's keys apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Board,
    Detail,
    Form,
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
    b(&[code(KeyCode::Esc)], "Esc", Action::Cancel),
    b(&[code(KeyCode::F(1))], "F1", Action::Help),
    b(&[ctrl('p')], "Ctrl-P", Action::Palette),
];

pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Board => BOARD,
        Context::Detail => DETAIL,
        Context::Form => FORM,
    }
}

/// The action bound to `key` in `ctx`. A typed character matches whatever Shift state
/// the terminal reports with it ('L' may arrive with or without SHIFT).
pub fn lookup(ctx: Context, key: &KeyEvent) -> Option<Action> {
    bindings(ctx)
        .iter()
        .find(|b| b.keys.iter().any(|c| matches(c, key)))
        .map(|b| b.action)
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
