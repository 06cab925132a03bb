//! Screen snapshots (insta + ratatui's TestBackend) of every screen at 80x24 and 120x40,
//! in bokmål and English, and without colour. Review changes with `cargo insta review`
//! or by reading the `.snap.new` files next to the snapshots.

mod common;

use common::tui::*;
use ratatui::style::Color;
use styr::i18n::Lang;

const SCREENS: &[(&str, &str)] = &[
    ("board", ""),
    ("detail", "<Enter>"),
    ("form", "e"),
    ("help", "?"),
    ("palette", ":"),
    ("triage", "t"),
];

const SIZES: &[(u16, u16)] = &[(80, 24), (120, 40)];

fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::Nb => "nb",
        Lang::En => "en",
    }
}

#[test]
fn every_screen_in_both_languages_and_sizes() {
    for lang in [Lang::Nb, Lang::En] {
        for (name, keys) in SCREENS {
            for (w, h) in SIZES {
                let mut app = demo_app(lang);
                // Select a Fosen measure with every field filled in, for a full detail view.
                press(&mut app, "llll");
                press(&mut app, keys);
                let text = screen(&mut app, *w, *h);
                insta::assert_snapshot!(format!("{name}_{}_{w}x{h}", lang_name(lang)), text);
            }
        }
    }
}

#[test]
fn no_color_uses_no_colour_and_keeps_every_meaning_in_text() {
    for (name, keys) in SCREENS {
        let mut app = app_with(&demo_ops(), Lang::Nb, "dark", true);
        press(&mut app, keys);
        let t = terminal(&mut app, 80, 24);
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
                "{name}: a coloured cell under NO_COLOR: {cell:?}"
            );
        }
        let text = screen(&mut app, 80, 24);
        insta::assert_snapshot!(format!("{name}_no_color_80x24"), text);
    }
}

#[test]
fn the_selection_is_marked_by_a_symbol_not_only_by_colour() {
    let mut app = app_with(&demo_ops(), Lang::Nb, "high-contrast", false);
    let text = screen(&mut app, 80, 24);
    assert!(
        text.contains("▶ Innkommet"),
        "the focused column is marked:\n{text}"
    );
    let selected = app
        .view()
        .get(&app.selected_id().expect("selection"))
        .expect("item")
        .title
        .clone();
    let start: String = selected.chars().take(10).collect();
    assert!(
        text.contains(&format!("▶ {start}")),
        "the selected card is marked:\n{text}"
    );
    assert!(
        text.contains("P–") || text.contains("P1"),
        "priority is text:\n{text}"
    );
}
