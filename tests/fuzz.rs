//! Bad input, everywhere, property-based with a bounded number of cases so it runs in
//! CI: config and theme files (mangled copies of real ones, and any text), key sequences
//! and terminal sizes fed into the real `update` and `view`, and every HTTP endpoint's
//! body and query against a real server. No panic, no 5xx, the server answers the next
//! request, and an error names the problem (file and line for files).

mod common;

use common::server::{client, TestServer};
use common::tui::{demo_app, perform, screen};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use styr::config::Config;
use styr::i18n::Lang;
use styr::model::Role;
use styr::protocol::{PATH_EVENTS, PATH_HEALTH, PATH_ME, PATH_OPS, PATH_ROUNDS};
use styr::tui::theme::Theme;
use styr::tui::{update, Msg};

/// A config that uses every section, to mangle.
const CONFIG: &str = r#"author = "Rådgiver"
theme = "dark"
lang = "nb"

[meeting]
body = "Bestillerutvalget"
case_format = "NN/YY"
casting_vote = false
per_municipality = false
dots = 5
criteria = "prosjektportalen"

[[stages]]
key = "innkommet"
name = "Innkommet"
name_en = "Incoming"
side = false

[[stages]]
key = "avvist"
name = "Avvist"
name_en = "Rejected"
side = true
"#;

const THEMES: [&str; 3] = [
    include_str!("../themes/dark.toml"),
    include_str!("../themes/light.toml"),
    include_str!("../themes/high-contrast.toml"),
];

/// Characters that break TOML in interesting ways, and some that do not.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '"', '\'', '[', ']', '=', '\n', '#', '\\', '{', '}', ',', '.', ' ', '\t', '\0', 'ø',
            '\u{feff}', '\u{301}', '5', '-',
        ]),
        any::<char>(),
    ]
}

/// `base` with a few spans cut out or overwritten and a few characters put in.
fn mangled(base: &'static str) -> impl Strategy<Value = String> {
    let len = base.chars().count();
    prop::collection::vec((0..len, 0usize..8, prop::option::of(nasty_char())), 1..6).prop_map(
        move |edits| {
            let mut chars: Vec<char> = base.chars().collect();
            for (at, cut, put) in edits {
                let at = at.min(chars.len());
                let end = (at + cut).min(chars.len());
                chars.drain(at..end);
                if let Some(c) = put {
                    chars.insert(at, c);
                }
            }
            chars.into_iter().collect()
        },
    )
}

/// A file error must name the file, a line that exists, and say something.
fn names_the_problem(file: &str, line: usize, message: &str, text: &str) {
    assert_eq!(file, "fil.toml");
    assert!(
        line >= 1 && line <= text.lines().count() + 1,
        "line {line} of {} in {text:?}",
        text.lines().count()
    );
    assert!(!message.trim().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_mangled_config_is_read_or_refused_by_file_and_line(text in mangled(CONFIG)) {
        if let Err(e) = Config::parse(&text, "fil.toml") {
            names_the_problem(&e.file, e.line, &e.message, &text);
        }
    }

    #[test]
    fn any_text_as_a_config_is_read_or_refused(text in any::<String>()) {
        if let Err(e) = Config::parse(&text, "fil.toml") {
            names_the_problem(&e.file, e.line, &e.message, &text);
        }
    }

    #[test]
    fn a_mangled_theme_is_read_or_refused_by_file_and_line(
        text in (0usize..THEMES.len()).prop_flat_map(|which| mangled(THEMES[which])),
    ) {
        if let Err(e) = Theme::parse("mitt", &text, "fil.toml") {
            names_the_problem(&e.file, e.line, &e.message, &text);
        }
    }
}

/// One thing a person (or a cat on the keyboard) does to the terminal.
#[derive(Clone, Debug)]
enum Input {
    Key(KeyEvent),
    Resize(u16, u16),
}

fn input() -> impl Strategy<Value = Input> {
    let bound = prop::sample::select(
        "hjklgGLHnedu/tMADSqQ?:aprsfc*xyo+-12345zKJOvV "
            .chars()
            .collect::<Vec<_>>(),
    );
    let special = prop::sample::select(vec![
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::F(1),
        KeyCode::PageDown,
    ]);
    let mods = prop::sample::select(vec![
        KeyModifiers::NONE,
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
    ]);
    prop_oneof![
        6 => (bound, mods.clone()).prop_map(|(c, m)| Input::Key(KeyEvent::new(KeyCode::Char(c), m))),
        2 => (special, mods.clone()).prop_map(|(k, m)| Input::Key(KeyEvent::new(k, m))),
        1 => (any::<char>(), mods).prop_map(|(c, m)| Input::Key(KeyEvent::new(KeyCode::Char(c), m))),
        1 => (0u16..300, 0u16..120).prop_map(|(w, h)| Input::Resize(w, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any keys at any sizes: `update` never panics, every screen draws, and what the
    /// board shows stays inside its columns.
    #[test]
    fn any_keys_at_any_size_never_panic(inputs in prop::collection::vec(input(), 1..160)) {
        let mut app = demo_app(Lang::Nb);
        let (mut w, mut h) = (80u16, 24u16);
        for (i, step) in inputs.into_iter().enumerate() {
            match step {
                Input::Key(k) => {
                    let effects = update(&mut app, Msg::Key(k));
                    perform(&mut app, &effects);
                }
                Input::Resize(nw, nh) => {
                    (w, h) = (nw, nh);
                    update(&mut app, Msg::Resize(w, h));
                }
            }
            if i % 8 == 0 {
                let _ = screen(&mut app, w.max(1), h.max(1));
            }
            prop_assert!(app.col < app.columns.len().max(1));
            for (c, row) in app.columns.iter().zip(&app.rows) {
                prop_assert!(*row < c.items.len().max(1));
            }
        }
        let _ = screen(&mut app, 80, 24);
    }
}

/// What may be sent to the server: some bytes, or JSON-looking text built from the
/// protocol's own words.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let word = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"ops\"",
        "\"v\"",
        "1",
        "2",
        "-1",
        "null",
        "true",
        "\"op_id\"",
        "\"payload\"",
        "\"kind\"",
        "\"create_item\"",
        "\"choice\"",
        "\"yes\"",
        "\"at\"",
        "1e999",
        "\"\\u0000\"",
        "\"ø\"",
        "18446744073709551616",
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(word, 0..60).prop_map(|w| w.concat().into_bytes()),
    ]
}

/// A query string or path piece: digits, signs, letters and escapes.
fn piece() -> impl Strategy<Value = String> {
    prop::string::string_regex("[-0-9a-zA-Z%._~&=+]{0,40}").expect("a regex")
}

#[test]
fn any_body_or_query_to_any_endpoint_gets_no_5xx_and_the_server_goes_on() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (server, token) = rt.block_on(async {
        let s = TestServer::start().await;
        let token = s.add_user("sekretaer", Role::Secretary).await;
        (s, token)
    });
    let c = client();
    // PROPTEST_CASES raises the count for a longer hunt on one's own machine.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        ..RunnerConfig::default()
    });
    let strategy = (0usize..7, body(), piece(), piece(), any::<bool>());
    runner
        .run(&strategy, |(endpoint, body, a, b, authorised)| {
            rt.block_on(async {
                let base = &server.url;
                let req = match endpoint {
                    0 => c.post(format!("{base}{PATH_OPS}")).body(body),
                    1 => c.get(format!("{base}{PATH_OPS}?since={a}&limit={b}")),
                    2 => c
                        .post(format!("{base}{PATH_ROUNDS}/{a}/ballots"))
                        .body(body),
                    3 => c.get(format!("{base}{PATH_ROUNDS}/{a}?{b}")),
                    4 => c.get(format!("{base}{PATH_ME}?{a}")),
                    5 => c.post(format!("{base}{PATH_OPS}?{a}")).body(body),
                    // The event stream is opened and dropped at once: only its answer counts.
                    _ => c.get(format!("{base}{PATH_EVENTS}?since={a}")),
                };
                let req = req.header("content-type", "application/json");
                let req = if authorised {
                    req.bearer_auth(&token)
                } else {
                    req.bearer_auth(&b)
                };
                let res = req.send().await.expect("the server answers");
                let status = res.status();
                assert!(
                    !status.is_server_error(),
                    "endpoint {endpoint} answered {status}"
                );
                if status.is_client_error() {
                    // A refusal says why, in JSON.
                    let text = res.text().await.unwrap_or_default();
                    assert!(text.contains("error"), "{status}: {text}");
                }
                // And the next request is answered as ever.
                let health = c
                    .get(format!("{base}{PATH_HEALTH}"))
                    .send()
                    .await
                    .expect("the server answers");
                assert!(health.status().is_success());
            });
            Ok(())
        })
        .expect("no endpoint fails on any input");
}
