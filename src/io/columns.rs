//! Column names of the CSV formats styr reads, and of the one it writes.

/// styr's own CSV export, in the order [`crate::io::export::to_csv`] writes them.
pub(crate) const STYR: [&str; 20] = [
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

/// How list cells (project group, tags, anchoring) are joined in the export.
pub(crate) const LIST_SEPARATOR: &str = "; ";
