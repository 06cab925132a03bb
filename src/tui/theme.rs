//! Themes: TOML files in `themes/`, embedded in the binary and overridable from the
//! user's config directory (`themes/NAME.toml` there). A broken file gives a message with
//! the file and line, and the default theme is used instead.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub const DEFAULT: &str = "dark";

/// How matched characters are marked in every theme: a modifier, not a colour.
const MATCHED: Style = Style::new().add_modifier(Modifier::BOLD.union(Modifier::UNDERLINED));

/// The themes built into styr.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub dim: Style,
    pub accent: Style,
    pub selected: Style,
    pub border: Style,
    pub border_focus: Style,
    pub bar: Style,
    pub ok: Style,
    pub warn: Style,
    pub error: Style,
    /// Characters that matched the search, laid over the text's own style: bold and
    /// underlined, so a match shows without colour too.
    pub matched: Style,
}

/// A problem in a theme file, with its file and line.
pub type ThemeError = crate::config::FileError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[allow(dead_code)]
    name: Option<String>,
    colors: Colors,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Colors {
    fg: String,
    bg: String,
    dim: String,
    accent: String,
    selected_fg: String,
    selected_bg: String,
    border: String,
    border_focus: String,
    bar_fg: String,
    bar_bg: String,
    ok: String,
    warn: String,
    error: String,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::parse(DEFAULT, EMBEDDED[0].1, "themes/dark.toml")
            .expect("the embedded theme is valid")
    }
}

use crate::config::line_of;

impl Theme {
    /// Parses a theme file's text; `file` names it in error messages.
    pub fn parse(name: &str, text: &str, file: &str) -> Result<Theme, ThemeError> {
        let err = |line, message: String| ThemeError {
            file: file.to_string(),
            line,
            message,
        };
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            err(line, e.message().trim().to_string())
        })?;
        let c = &parsed.colors;
        let color = |key: &str, value: &str| -> Result<Color, ThemeError> {
            Color::from_str(value.trim()).map_err(|_| {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(key))
                    .map_or(1, |i| i + 1);
                err(line, format!("'{value}' is not a colour for '{key}'"))
            })
        };
        let fg = color("fg", &c.fg)?;
        let bg = color("bg", &c.bg)?;
        let base = Style::default().fg(fg).bg(bg);
        Ok(Theme {
            name: name.to_string(),
            base,
            dim: base.fg(color("dim", &c.dim)?),
            accent: base
                .fg(color("accent", &c.accent)?)
                .add_modifier(Modifier::BOLD),
            selected: Style::default()
                .fg(color("selected_fg", &c.selected_fg)?)
                .bg(color("selected_bg", &c.selected_bg)?)
                .add_modifier(Modifier::BOLD),
            border: base.fg(color("border", &c.border)?),
            border_focus: base
                .fg(color("border_focus", &c.border_focus)?)
                .add_modifier(Modifier::BOLD),
            bar: Style::default()
                .fg(color("bar_fg", &c.bar_fg)?)
                .bg(color("bar_bg", &c.bar_bg)?),
            ok: base.fg(color("ok", &c.ok)?),
            warn: base.fg(color("warn", &c.warn)?),
            error: base
                .fg(color("error", &c.error)?)
                .add_modifier(Modifier::BOLD),
            matched: MATCHED,
        })
    }

    /// Loads theme `name`: the user's file in `config_dir/themes/` first, then the
    /// embedded one. On any error the default theme comes back with the error.
    pub fn load(
        name: &str,
        config_dir: Option<&Path>,
        no_color: bool,
    ) -> (Theme, Option<ThemeError>) {
        let user_file: Option<PathBuf> =
            config_dir.map(|d| d.join("themes").join(format!("{name}.toml")));
        let result = match user_file.filter(|p| p.is_file()) {
            Some(path) => match std::fs::read_to_string(&path) {
                Ok(text) => Theme::parse(name, &text, &path.display().to_string()),
                Err(e) => Err(ThemeError {
                    file: path.display().to_string(),
                    line: 1,
                    message: e.to_string(),
                }),
            },
            None => match EMBEDDED.iter().find(|(n, _)| *n == name) {
                Some((n, text)) => Theme::parse(n, text, &format!("themes/{n}.toml")),
                None => Err(ThemeError {
                    file: format!("themes/{name}.toml"),
                    line: 1,
                    message: format!(
                        "no such theme; built in: {}",
                        EMBEDDED
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            },
        };
        let (theme, error) = match result {
            Ok(t) => (t, None),
            Err(e) => (Theme::default(), Some(e)),
        };
        (if no_color { theme.monochrome() } else { theme }, error)
    }

    /// The theme without colours, for NO_COLOR: selection becomes reverse video, and
    /// every other meaning is already carried by text and symbols.
    pub fn monochrome(self) -> Theme {
        let plain = Style::default();
        Theme {
            name: format!("{} (NO_COLOR)", self.name),
            base: plain,
            dim: plain,
            accent: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            border: plain,
            border_focus: plain.add_modifier(Modifier::BOLD),
            bar: plain.add_modifier(Modifier::REVERSED),
            ok: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD),
            matched: MATCHED,
        }
    }
}

/// NO_COLOR is honoured when it is set to anything non-empty (no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_theme_parses() {
        for (name, text) in EMBEDDED {
            Theme::parse(name, text, name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        }
    }

    #[test]
    fn a_broken_theme_names_file_and_line() {
        let text = "name = \"x\"\n[colors]\nfg = \"reset\"\nbg = \"reset\"\ndim = \"blurple\"\n";
        let e = Theme::parse("x", text, "x.toml").unwrap_err();
        assert_eq!(e.file, "x.toml");
        // `dim` is valid TOML but the other keys are missing: serde names the table.
        assert!(e.line >= 1);
        let syntax = "[colors\nfg = 1";
        let e = Theme::parse("x", syntax, "y.toml").unwrap_err();
        assert_eq!(e.line, 1, "{e:?}");
        let full = EMBEDDED[0]
            .1
            .replace("accent = \"#82aaff\"", "accent = \"blurple\"");
        let e = Theme::parse("x", &full, "z.toml").unwrap_err();
        let expected = full.lines().position(|l| l.starts_with("accent")).unwrap() + 1;
        assert_eq!(e.line, expected);
        assert!(e.message.contains("blurple"));
    }

    #[test]
    fn unknown_theme_falls_back_to_default() {
        let (t, e) = Theme::load("no-such-theme", None, false);
        assert_eq!(t.name, DEFAULT);
        assert!(e.is_some());
    }
}
