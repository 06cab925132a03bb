//! Column names of the CSV formats styr reads, and of the one it writes.

/// styr's own CSV export, in the order [`crate::io::export::to_csv`] writes them.
pub(crate) const STYR: [&str; 21] = [
    "id",
    "stage",
    "title",
    "description",
    "submitter",
    "anchoring",
    "priority",
    "project_leader",
    "project_group",
    "timeline",
    "timeline_start",
    "timeline_end",
    "funds_nok",
    "funding_source",
    "benefit_summary",
    "saved_costs",
    "saved_time",
    "increased_quality",
    "introduces_system",
    "retires_system",
    "tags",
];

/// The Fosen action plan [handlingsplan] columns.
pub(crate) const FOSEN: [&str; 8] = [
    "prioritet",
    "tiltak",
    "strategisk_forankring",
    "prosjektleder",
    "prosjektgruppe",
    "tidsplan",
    "prosjektmidler_nok",
    "finansiering",
];

/// A sheet of incoming proposals [innspill].
pub(crate) const PROPOSALS: [&str; 5] = [
    "tittel",
    "fra",
    "beskrivelse",
    "strategisk_forankring",
    "gevinst",
];

/// Headers that name a field in any format, as sheets of proposals write them: the
/// column joins whatever format the other columns pick (as a `--map` does). Compared
/// trimmed and lower-cased.
pub(crate) const ALIASES: [(&str, &str); 8] = [
    ("nytt system", "introduces_system"),
    ("nytt_system", "introduces_system"),
    ("innfører system", "introduces_system"),
    ("innfører_system", "introduces_system"),
    ("new system", "introduces_system"),
    ("new_system", "introduces_system"),
    ("fases ut", "retires_system"),
    ("erstatter system", "retires_system"),
];

/// How list cells (project group, tags, anchoring) are joined in the export.
pub(crate) const LIST_SEPARATOR: &str = "; ";
