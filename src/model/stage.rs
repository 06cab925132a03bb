use serde::{Deserialize, Serialize};
use std::fmt;

/// A stage as stored in items and ops: a stable key such as `vurdering`. Display names
/// live in [`Stages`], so an organisation can rename a column without rewriting history.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StageKey(pub String);

impl StageKey {
    pub fn new(key: &str) -> Self {
        StageKey(key.to_string())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One column of the board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub key: StageKey,
    /// Name in bokmål.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// Side stages (Parkert, Avvist) sit beside the main flow rather than in it.
    #[serde(default)]
    pub side: bool,
}

/// The configured stages in board order: the main flow first, then the side stages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stages {
    list: Vec<Stage>,
}

impl Default for Stages {
    /// DOMAIN.md's board: Innkommet → … → Avsluttet, with Parkert and Avvist beside.
    fn default() -> Self {
        let s = |key: &str, name: &str, en: &str, side: bool| Stage {
            key: StageKey::new(key),
            name: name.into(),
            name_en: en.into(),
            side,
        };
        Stages::new(vec![
            s("innkommet", "Innkommet", "Incoming", false),
            s("vurdering", "Vurdering", "Assessment", false),
            s("forprosjekt", "Test/forprosjekt", "Trial", false),
            s("prioritert", "Prioritert", "Prioritised", false),
            s("gjennomforing", "Gjennomføring", "In progress", false),
            s("gevinst", "Gevinstrealisering", "Benefit follow-up", false),
            s("avsluttet", "Avsluttet", "Done", false),
            s("parkert", "Parkert", "Parked", true),
            s("avvist", "Avvist", "Rejected", true),
        ])
        .expect("the default stages are valid")
    }
}

impl Stages {
    pub const INCOMING: &'static str = "innkommet";
    pub const ASSESSMENT: &'static str = "vurdering";
    pub const PRIORITISED: &'static str = "prioritert";
    pub const IN_PROGRESS: &'static str = "gjennomforing";
    pub const TRIAL: &'static str = "forprosjekt";
    pub const PARKED: &'static str = "parkert";
    pub const REJECTED: &'static str = "avvist";

    /// Checks what a configuration file could get wrong: no stages, duplicate keys,
    /// empty keys. Side stages are moved after the main flow, keeping their order.
    pub fn new(list: Vec<Stage>) -> Result<Self, String> {
        if list.is_empty() {
            return Err("at least one stage is needed".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &list {
            if s.key.0.trim().is_empty() {
                return Err("a stage has an empty key".into());
            }
            if !seen.insert(s.key.clone()) {
                return Err(format!("the stage key '{}' is used twice", s.key));
            }
        }
        let (main, side): (Vec<_>, Vec<_>) = list.into_iter().partition(|s| !s.side);
        Ok(Stages {
            list: main.into_iter().chain(side).collect(),
        })
    }

    pub fn all(&self) -> &[Stage] {
        &self.list
    }

    pub fn get(&self, key: &StageKey) -> Option<&Stage> {
        self.list.iter().find(|s| &s.key == key)
    }

    pub fn index_of(&self, key: &StageKey) -> Option<usize> {
        self.list.iter().position(|s| &s.key == key)
    }

    /// The first stage: where new proposals land.
    pub fn first(&self) -> &StageKey {
        &self.list[0].key
    }

    /// The stage after `key` in board order, if any.
    pub fn next(&self, key: &StageKey) -> Option<&StageKey> {
        let i = self.index_of(key)?;
        self.list.get(i + 1).map(|s| &s.key)
    }

    /// The stage before `key` in board order, if any.
    pub fn prev(&self, key: &StageKey) -> Option<&StageKey> {
        let i = self.index_of(key)?;
        i.checked_sub(1).map(|j| &self.list[j].key)
    }
}
