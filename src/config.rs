//! The settings file, `config.toml` in the user's config directory. Every key is
//! optional; a broken file is reported with its line, and the defaults are used.

use crate::model::{Stage, Stages};
use serde::Deserialize;
use std::path::Path;

/// A problem in one of the user's files, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The name written as author of your changes (default: the login name).
    pub author: Option<String>,
    /// Theme name: dark, light, high-contrast, or a file in `themes/` beside this one.
    pub theme: Option<String>,
    /// nb or en.
    pub lang: Option<String>,
    /// The board's columns, in order: `[[stages]] key = "…" name = "…" name_en = "…" side = false`.
    pub stages: Option<Vec<Stage>>,
    /// How the body runs its meetings: `[meeting] body = "…" case_format = "NN/YY"
    /// casting_vote = false per_municipality = false dots = 5 criteria = "prosjektportalen"`.
    #[serde(default)]
    pub meeting: crate::model::meeting::BodyRules,
}

/// Line (1-based) of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

impl Config {
    pub fn parse(text: &str, file: &str) -> Result<Config, FileError> {
        let cfg: Config = toml::from_str(text).map_err(|e| FileError {
            file: file.to_string(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().trim().to_string(),
        })?;
        if let Some(list) = &cfg.stages {
            Stages::new(list.clone()).map_err(|message| FileError {
                file: file.to_string(),
                line: text
                    .lines()
                    .position(|l| l.contains("[[stages]]"))
                    .map_or(1, |i| i + 1),
                message,
            })?;
        }
        Ok(cfg)
    }

    /// Reads `dir/config.toml`; a missing file is the empty config.
    pub fn load(dir: Option<&Path>) -> (Config, Option<FileError>) {
        let Some(path) = dir.map(|d| d.join("config.toml")).filter(|p| p.is_file()) else {
            return (Config::default(), None);
        };
        let file = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => match Config::parse(&text, &file) {
                Ok(c) => (c, None),
                Err(e) => (Config::default(), Some(e)),
            },
            Err(e) => (
                Config::default(),
                Some(FileError {
                    file,
                    line: 1,
                    message: e.to_string(),
                }),
            ),
        }
    }

    pub fn stages(&self) -> Stages {
        self.stages
            .clone()
            .and_then(|s| Stages::new(s).ok())
            .unwrap_or_default()
    }

    pub fn author(&self) -> String {
        self.author
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| "styr".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_rules_with_defaults_and_a_clear_error() {
        use crate::model::meeting::CaseNumberFormat;
        let c = Config::parse(
            "[meeting]\ncase_format = \"YYYY/NNN\"\ncasting_vote = true\n",
            "c.toml",
        )
        .expect("valid");
        assert_eq!(c.meeting.case_format, CaseNumberFormat::YyyyNnn);
        assert!(c.meeting.casting_vote);
        assert_eq!(c.meeting.body, "Bestillerutvalget");
        assert_eq!(Config::default().meeting.dots, 5);
        let e = Config::parse("[meeting]\n\ncase_format = \"NN-YY\"\n", "c.toml").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("NN/YY or YYYY/NNN"), "{}", e.message);
    }

    #[test]
    fn the_criteria_set_is_chosen_per_body() {
        let c = Config::parse("[meeting]\ncriteria = \"nordland\"\n", "c.toml").expect("valid");
        assert_eq!(c.meeting.criteria, "nordland");
        assert_eq!(c.meeting.criteria_set().criteria.len(), 3);
        let c =
            Config::parse("[meeting]\ncriteria = \" Nordland \"\n", "c.toml").expect("any case");
        assert_eq!(c.meeting.criteria_set().key, "nordland");
        let c = Config::parse("[meeting]\ndots = 3\n", "c.toml").expect("valid");
        assert_eq!(c.meeting.criteria, "prosjektportalen", "the default");
        assert_eq!(Config::default().meeting.criteria_set().criteria.len(), 5);
        let e = Config::parse("lang = \"nb\"\n[meeting]\ncriteria = \"fosen\"\n", "c.toml")
            .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("c.toml", 3));
        assert!(e.message.contains("\"fosen\""), "{}", e.message);
        assert!(
            e.message.contains("prosjektportalen and nordland"),
            "{}",
            e.message
        );
    }

    #[test]
    fn custom_stages_and_errors_with_lines() {
        let ok = "theme = \"light\"\n[[stages]]\nkey = \"ny\"\nname = \"Ny\"\nname_en = \"New\"\n";
        let c = Config::parse(ok, "c.toml").expect("valid");
        assert_eq!(c.stages().all().len(), 1);
        let bad = "theme = \"light\"\nlang = 3\n";
        let e = Config::parse(bad, "c.toml").unwrap_err();
        assert_eq!(e.line, 2);
        let typo = "\n\nthme = \"light\"\n";
        assert_eq!(Config::parse(typo, "c.toml").unwrap_err().line, 3);
        let dup = "[[stages]]\nkey=\"a\"\nname=\"A\"\nname_en=\"A\"\n[[stages]]\nkey=\"a\"\nname=\"B\"\nname_en=\"B\"\n";
        assert!(Config::parse(dup, "c.toml")
            .unwrap_err()
            .message
            .contains("twice"));
    }
}
