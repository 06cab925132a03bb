//! Shared by the benches: a generated portfolio of realistic size written to a real
//! store, and the start-up path the benches time (open store → load → `App::new` →
//! first frame), as `main.rs`'s `open_board` does it, drawn into ratatui's
//! `TestBackend` instead of a terminal.

#![allow(dead_code)]

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::path::Path;
use styr::i18n::Lang;
use styr::model::{Anchor, FieldValue, ItemId, Op, Payload, StageKey, Stages};
use styr::store::Store;
use styr::tui::app::{now_ms, AppInit};
use styr::tui::theme::{self, Theme};
use styr::tui::{view, App};

/// The portfolio sizes the issue asks about.
pub const SIZES: [usize; 2] = [1_000, 10_000];

/// The terminal the first frame is drawn into.
pub const WIDTH: u16 = 80;
pub const HEIGHT: u16 = 24;

/// Ops per `Store::append` while generating: a few large batches, as an import makes.
const BATCH: usize = 2_500;

/// 2024-01-15 08:00 UTC; generated ops are a minute apart from here.
const START_MS: i64 = 1_705_305_600_000;

/// Submitters, with æøå, mixed with the demo's own.
const MUNICIPALITIES: [&str; 12] = [
    "Åfjord kommune",
    "Ørland kommune",
    "Indre Fosen kommune",
    "Osen kommune",
    "Bodø kommune",
    "Sør-Varanger kommune",
    "Måsøy kommune",
    "Bærum kommune",
    "Vågå kommune",
    "Tromsø kommune",
    "Nordland fylkeskommune",
    "Fosen IKT",
];

const PEOPLE: [&str; 10] = [
    "Prosjektleder Åfjord",
    "IKT-rådgiver Ørland",
    "Bestiller Indre Fosen",
    "Fagleder Osen",
    "Systemansvarlig Bodø",
    "Porteføljeansvarlig Fosen IKT",
    "Tillitsvalgt Måsøy",
    "Arkivleder Bærum",
    "Rådgiver Vågå",
    "Digitaliseringsleder Tromsø",
];

const TAGS: [&str; 6] = [
    "skytjenester",
    "personvern",
    "velferdsteknologi",
    "skole",
    "økonomi",
    "arkiv",
];

/// Share of items per default stage (innkommet … avsluttet, parkert, avvist), in 1/100.
const STAGE_WEIGHTS: [u32; 9] = [30, 18, 8, 12, 12, 6, 6, 5, 3];

/// A small deterministic generator, so every run builds the same portfolio shape.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len() as u64) as usize]
    }
}

/// `n` items as ops, about two per item: a `CreateItem` each (fields like the demo
/// data's, spread over the default stages, some with priority, funds and a project
/// group), then one edit or move for most items, and a few deletes.
pub fn portfolio_ops(n: usize) -> Vec<Op> {
    let templates: Vec<Vec<FieldValue>> = styr::io::demo::demo_ops(START_MS)
        .into_iter()
        .filter_map(|op| match op.payload {
            Payload::CreateItem { fields, .. } => Some(fields),
            _ => None,
        })
        .collect();
    let stages: Vec<StageKey> = Stages::default()
        .all()
        .iter()
        .map(|s| s.key.clone())
        .collect();
    let mut rng = Rng(0x5EED_0F0F_F05E);
    let mut ops = Vec::with_capacity(n * 2);
    let mut items: Vec<(ItemId, usize)> = Vec::with_capacity(n);
    for k in 0..n {
        let at = START_MS + k as i64 * 60_000;
        let template = &templates[k % templates.len()];
        let municipality = rng.pick(&MUNICIPALITIES);
        let mut fields: Vec<FieldValue> = template
            .iter()
            .filter(|f| {
                !matches!(
                    f,
                    FieldValue::Priority(_) | FieldValue::Funds(_) | FieldValue::ProjectGroup(_)
                )
            })
            .map(|f| match f {
                FieldValue::Title(t) => FieldValue::Title(format!("{t} – {municipality} #{k}")),
                FieldValue::Submitter(_) => FieldValue::Submitter(municipality.to_string()),
                other => other.clone(),
            })
            .collect();
        if !fields.iter().any(|f| matches!(f, FieldValue::Submitter(_))) {
            fields.push(FieldValue::Submitter(municipality.to_string()));
        }
        if !fields
            .iter()
            .any(|f| matches!(f, FieldValue::Description(_)))
        {
            fields.push(FieldValue::Description(format!(
                "Tiltak fra handlingsplanen, foreslått av {municipality}. Gjelder ansatte, \
                 innbyggere og næringsliv i regionen; vurderes opp mot økonomiplanen."
            )));
        }
        if !fields.iter().any(|f| matches!(f, FieldValue::Anchoring(_))) {
            fields.push(FieldValue::Anchoring(vec![Anchor {
                area: "Organisasjon – samhandling – innovasjon".into(),
                goals: vec![1 + (k % 5) as u32],
            }]));
        }
        if rng.percent(40) {
            fields.push(FieldValue::Priority(Some(1 + rng.below(60) as u32)));
        }
        if rng.percent(30) {
            fields.push(FieldValue::Funds(Some(50_000 * (1 + rng.below(60)))));
        }
        if rng.percent(25) {
            let group = (0..2 + rng.below(3))
                .map(|_| rng.pick(&PEOPLE).to_string())
                .collect();
            fields.push(FieldValue::ProjectLeader(rng.pick(&PEOPLE).to_string()));
            fields.push(FieldValue::ProjectGroup(group));
        }
        let stage = weighted_stage(&mut rng, &stages);
        let item = ItemId::new();
        items.push((item, stage));
        ops.push(Op::new(
            rng.pick(&PEOPLE),
            at,
            Payload::CreateItem {
                item,
                stage: stages[stage].clone(),
                fields,
            },
        ));
    }
    // The follow-ups come after all creates, as a portfolio's later meetings would.
    for (k, (item, stage)) in items.into_iter().enumerate() {
        let at = START_MS + (n + k) as i64 * 60_000;
        let author = rng.pick(&PEOPLE);
        let payload = match rng.below(100) {
            0..=44 => Payload::EditItem {
                item,
                changes: vec![
                    FieldValue::Priority(Some(1 + rng.below(60) as u32)),
                    FieldValue::BenefitSummary(
                        "Færre henvendelser på telefon; sparte årsverk i økonomiavdelingen".into(),
                    ),
                ],
            },
            45..=84 => Payload::MoveItem {
                item,
                // One step along the main flow; a done item is reopened for benefit
                // follow-up; a parked or rejected one comes back to Innkommet.
                to: stages[match stage {
                    0..=5 => stage + 1,
                    6 => 5,
                    _ => 0,
                }]
                .clone(),
            },
            85..=97 => Payload::EditItem {
                item,
                changes: vec![FieldValue::Tags(vec![
                    rng.pick(&TAGS).to_string(),
                    rng.pick(&TAGS).to_string(),
                ])],
            },
            _ => Payload::DeleteItem { item },
        };
        ops.push(Op::new(author, at, payload));
    }
    ops
}

fn weighted_stage(rng: &mut Rng, stages: &[StageKey]) -> usize {
    let mut roll = rng.below(STAGE_WEIGHTS.iter().sum::<u32>() as u64) as u32;
    for (i, w) in STAGE_WEIGHTS.iter().enumerate() {
        if roll < *w {
            return i.min(stages.len() - 1);
        }
        roll -= w;
    }
    0
}

/// Writes `n` generated items (see [`portfolio_ops`]) to a new store under `base`, in
/// a few large batches, and closes it. Returns how many ops were written.
pub fn write_store(base: &Path, n: usize) -> usize {
    let ops = portfolio_ops(n);
    let store = Store::open(base).expect("the bench store opens");
    for batch in ops.chunks(BATCH) {
        store.append(batch).expect("the generated ops are stored");
    }
    drop(store);
    ops.len()
}

/// What start-up leaves open; dropped by the caller after the clock stops.
pub struct Started {
    pub store: Store,
    pub app: App,
    pub terminal: Terminal<TestBackend>,
}

/// The measured path, as `main.rs` opens the board: open the store (slot 0) → load the
/// view → theme and draft → `App::new` → draw the first frame with `view`.
pub fn open_to_first_frame(base: &Path) -> Started {
    let store = Store::open(base).expect("the bench store opens");
    let portfolio = store.load().expect("the bench store loads");
    let (theme, err) = Theme::load(theme::DEFAULT, None, false);
    assert!(err.is_none(), "{err:?}");
    let draft = store.take_draft().ok().flatten();
    let app = App::new(AppInit {
        replica: portfolio.into(),
        server: None,
        identity: None,
        read_only: false,
        stages: Stages::default(),
        lang: Lang::Nb,
        theme,
        title: "Benk".into(),
        author: "benk".into(),
        slot: store.slot(),
        draft,
        notices: vec![],
        clock: now_ms,
    });
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test backend");
    terminal.draw(|f| view(&app, f)).expect("draw");
    Started {
        store,
        app,
        terminal,
    }
}

/// The first frame's text, for a sanity check that the board was really drawn.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buf = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Bytes on disk under `dir`.
pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_size(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}
