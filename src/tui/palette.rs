//! The command palette: every action of the current screen, from the keymap, filtered
//! fuzzily as you type.

use super::app::App;
use super::keymap::{self, Action, Context};
use crate::model::text;
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

/// Actions offered for `query`, best match first.
pub fn entries(app: &App, ctx: Context, query: &str) -> Vec<Action> {
    let q = text::fold(query.trim());
    let matcher = SkimMatcherV2::default();
    let mut scored: Vec<(i64, usize, Action)> = keymap::bindings(ctx)
        .iter()
        .enumerate()
        .filter(|(_, b)| b.action != Action::Palette && app.offers(b.action))
        .filter_map(|(i, b)| {
            if q.is_empty() {
                return Some((0, i, b.action));
            }
            let hay = text::fold(&format!("{} {}", (app.t.actions)(b.action), b.label));
            matcher.fuzzy_match(&hay, &q).map(|s| (-s, i, b.action))
        })
        .collect();
    scored.sort_by_key(|(s, i, _)| (*s, *i));
    scored.into_iter().map(|(_, _, a)| a).collect()
}
