//! Likely duplicates: which items have a title and description like a new one's.
//!
//! Used when a proposal is imported (and, later, typed into the form) to show
//! "Ligner på: …" before it is saved.
//!
//! # How similarity is measured
//! Both texts are [folded](super::text::fold) (lower case, NFC, so "Å" = "å"), every
//! character that is not a letter or digit becomes a space, and each word is cut into
//! character trigrams, padded as PostgreSQL's pg_trgm does ("  o", " os", "ose", "sen",
//! "en "). Word order therefore does not matter, and a typo changes only the few
//! trigrams around it. Two texts are compared by the Dice coefficient of their trigram
//! sets, `2·|A∩B| / (|A|+|B|)`, from 0 (nothing shared) to 1 (the same trigrams).
//!
//! The score of an item is `TITLE_WEIGHT · title + (1 − TITLE_WEIGHT) · description`
//! when both sides have a description, and the title's Dice alone otherwise (a missing
//! description says nothing either way). Only the first [`DESCRIPTION_CHARS`]
//! characters of a description count, which bounds the cost of very long texts.
//!
//! An item is listed when its score is at least [`LIKELY`]; it is an `exact` duplicate
//! when the normalised titles are equal (case, accents' composition, punctuation and
//! spacing aside) or its score is at least [`EXACT`].
//!
//! # Cost
//! [`likely_duplicates`] makes one pass over the live items: O(Σ title lengths), plus a
//! description's length for the few items whose title alone could reach [`LIKELY`];
//! the query is cut up once per call. (Measured once against 10,000 items with 25-word
//! descriptions: about 0.2 s in an unoptimised debug build; a benchmark belongs in
//! `benches/` when the create form starts calling this per keystroke.)
//!
//! A batch (an import) builds one [`Index`] instead: [`Index::insert`] is linear in the
//! text, and [`Index::find`] walks the posting list of each title trigram of the
//! query, O(q + Σ postings), doing no work for items that share no trigram with it.

use super::text::fold;
use super::{ItemId, Portfolio};
use std::borrow::Cow;
use std::collections::HashMap;

/// Score from which an item is listed as a likely duplicate.
pub const LIKELY: f32 = 0.6;
/// Score from which an item counts as the same one (an `exact` duplicate), even though
/// the titles differ a little ("Digitalt skolebevis" / "Digitale skolebevis").
pub const EXACT: f32 = 0.9;
/// How much the title counts against the description when both have one.
pub const TITLE_WEIGHT: f32 = 0.7;
/// Characters of a description that are compared.
pub const DESCRIPTION_CHARS: usize = 1000;

/// An existing item that looks like the new one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similar {
    pub item: ItemId,
    /// 0 (nothing alike) ..= 1 (the same trigrams).
    pub score: f32,
    /// The same title, or a score of at least [`EXACT`].
    pub exact: bool,
}

/// The live items of `portfolio` most like `title` and `description`, best first, at
/// most `limit` of them: those scoring at least [`LIKELY`] or with the same title.
///
/// One pass over the items, no index: each item's title is cut into trigrams and
/// compared with the query's; its description only when the title alone could bring
/// the score to [`LIKELY`].
pub fn likely_duplicates(
    portfolio: &Portfolio,
    title: &str,
    description: &str,
    limit: usize,
) -> Vec<Similar> {
    let Some(query) = Query::new(title, description) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, Similar)> = portfolio
        .items()
        .enumerate()
        .filter_map(|(n, item)| {
            let (key, grams) = title_grams(&item.title);
            let shared = intersection(&query.title, &grams);
            let description = || trigrams(&item.description, DESCRIPTION_CHARS);
            query
                .judge(item.id, key == query.key, shared, grams.len(), description)
                .map(|s| (n, s))
        })
        .collect();
    best_first(&mut found, limit)
}

/// The title as compared for equality: folded, letters and digits only, words
/// separated by one space. "  Digitalt skolebevis! " and "digitalt skolebevis" are equal.
pub fn normalise_title(title: &str) -> String {
    title_grams(title).0
}

/// An index of texts to compare new ones with, for many queries over the same items
/// (an import compares every row with the portfolio and the rows before it).
#[derive(Debug, Default)]
pub struct Index {
    entries: Vec<Entry>,
    /// Title trigram → the entries whose title has it.
    titles: HashMap<u64, Vec<u32>>,
    /// Normalised title → the entries with that title.
    by_title: HashMap<String, Vec<u32>>,
}

#[derive(Debug)]
struct Entry {
    id: ItemId,
    title_grams: usize,
    description: Vec<u64>,
}

impl Index {
    /// Adds an item's title and description.
    pub fn insert(&mut self, id: ItemId, title: &str, description: &str) {
        let Ok(n) = u32::try_from(self.entries.len()) else {
            return;
        };
        let (key, grams) = title_grams(title);
        for g in &grams {
            self.titles.entry(*g).or_default().push(n);
        }
        self.by_title.entry(key).or_default().push(n);
        self.entries.push(Entry {
            id,
            title_grams: grams.len(),
            description: trigrams(description, DESCRIPTION_CHARS),
        });
    }

    /// How many items the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The items most like `title` and `description`, best first (ties in the order
    /// they were inserted), at most `limit`.
    pub fn find(&self, title: &str, description: &str, limit: usize) -> Vec<Similar> {
        let Some(query) = Query::new(title, description) else {
            return Vec::new();
        };
        // Shared title trigrams per entry; entries with the same title share them all.
        let mut shared: HashMap<u32, usize> = HashMap::new();
        for g in &query.title {
            for &n in self.titles.get(g).map_or(&[][..], Vec::as_slice) {
                *shared.entry(n).or_default() += 1;
            }
        }
        let same_title = self.by_title.get(&query.key).map_or(&[][..], Vec::as_slice);
        let mut found: Vec<(usize, Similar)> = shared
            .into_iter()
            .filter_map(|(n, t)| {
                let e = self.entries.get(n as usize)?;
                let same = same_title.contains(&n);
                query
                    .judge(e.id, same, t, e.title_grams, || e.description.clone())
                    .map(|s| (n as usize, s))
            })
            .collect();
        best_first(&mut found, limit)
    }
}

/// A title and description to find duplicates of, cut up once.
struct Query {
    key: String,
    title: Vec<u64>,
    description: Vec<u64>,
}

/// The title score below which even a description that is the same cannot bring an
/// item to [`LIKELY`]: descriptions are compared only above it.
const TITLE_FLOOR: f32 = (LIKELY - (1.0 - TITLE_WEIGHT)) / TITLE_WEIGHT;

impl Query {
    /// `None` for a title without letters or digits.
    fn new(title: &str, description: &str) -> Option<Query> {
        let (key, grams) = title_grams(title);
        (!key.is_empty()).then(|| Query {
            key,
            title: grams,
            description: trigrams(description, DESCRIPTION_CHARS),
        })
    }

    /// The verdict on one candidate: `shared` title trigrams of its `title_grams`;
    /// `description` gives its description's trigrams, asked for only when needed.
    fn judge(
        &self,
        id: ItemId,
        same_title: bool,
        shared: usize,
        title_grams: usize,
        description: impl FnOnce() -> Vec<u64>,
    ) -> Option<Similar> {
        let title = dice(shared, self.title.len(), title_grams);
        if !same_title && title < TITLE_FLOOR.min(LIKELY) {
            return None;
        }
        let mut score = title;
        if !self.description.is_empty() {
            let theirs = description();
            if !theirs.is_empty() {
                let d = dice(
                    intersection(&self.description, &theirs),
                    self.description.len(),
                    theirs.len(),
                );
                score = TITLE_WEIGHT * title + (1.0 - TITLE_WEIGHT) * d;
            }
        }
        let exact = same_title || score >= EXACT;
        (exact || score >= LIKELY).then_some(Similar {
            item: id,
            score,
            exact,
        })
    }
}

/// Exact ones first, then by score, then in the order given; at most `limit`.
fn best_first(found: &mut Vec<(usize, Similar)>, limit: usize) -> Vec<Similar> {
    found.sort_by(|(na, a), (nb, b)| {
        b.exact
            .cmp(&a.exact)
            .then(b.score.total_cmp(&a.score))
            .then(na.cmp(nb))
    });
    found.truncate(limit);
    found.drain(..).map(|(_, s)| s).collect()
}

fn dice(shared: usize, a: usize, b: usize) -> f32 {
    if a + b == 0 {
        return 0.0;
    }
    (2 * shared) as f32 / (a + b) as f32
}

/// How many values two sorted, deduplicated lists share.
fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// [`fold`], with a quicker path for ASCII text (no normalisation needed).
fn fold_fast(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else {
        Cow::Owned(fold(text))
    }
}

/// The words of an already folded text: runs of letters and digits.
fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The normalised title and its trigrams, from one folding.
fn title_grams(title: &str) -> (String, Vec<u64>) {
    let folded = fold_fast(title);
    let key = words(&folded).collect::<Vec<_>>().join(" ");
    (key, grams_of(&folded))
}

/// The set of padded trigrams of the words of the first `max_chars` characters of
/// `text`, each packed into a u64 (three 21-bit code points), sorted and deduplicated.
fn trigrams(text: &str, max_chars: usize) -> Vec<u64> {
    let text = match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    };
    grams_of(&fold_fast(text))
}

fn grams_of(folded: &str) -> Vec<u64> {
    let mut grams = Vec::new();
    for word in words(folded) {
        let (mut a, mut b) = (' ', ' ');
        for c in word.chars().chain([' ']) {
            grams.push((u64::from(a) << 42) | (u64::from(b) << 21) | u64::from(c));
            (a, b) = (b, c);
        }
    }
    grams.sort_unstable();
    grams.dedup();
    grams
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldValue, Op, Payload, StageKey};

    fn portfolio(items: &[(&str, &str)]) -> (Portfolio, Vec<ItemId>) {
        let mut ids = Vec::new();
        let ops: Vec<Op> = items
            .iter()
            .map(|(t, d)| {
                let id = ItemId::new();
                ids.push(id);
                Op::new(
                    "test",
                    1,
                    Payload::CreateItem {
                        item: id,
                        stage: StageKey::new("innkommet"),
                        fields: vec![
                            FieldValue::Title((*t).into()),
                            FieldValue::Description((*d).into()),
                        ],
                    },
                )
            })
            .collect();
        (Portfolio::fold(&ops), ids)
    }

    fn score(a: &str, b: &str) -> Option<Similar> {
        let (p, _) = portfolio(&[(a, "")]);
        likely_duplicates(&p, b, "", 5).into_iter().next()
    }

    #[test]
    fn same_title_in_other_case_and_spacing_is_exact() {
        let s = score("Digitalt skolebevis", "  DIGITALT   skolebevis. ").expect("found");
        assert!(s.exact);
        assert!(s.score > 0.99, "{s:?}");
    }

    #[test]
    fn norwegian_letters_fold_and_compose() {
        let s = score("Økonomisystem for Åfjord", "økonomisystem for åfjord").expect("found");
        assert!(s.exact);
        // A decomposed "å" (a + ring) is the same letter.
        let s = score(
            "Økonomisystem for Åfjord",
            "Økonomisystem for A\u{30A}fjord",
        )
        .expect("found");
        assert!(s.exact);
        // But "å" is not "a": a different word, so less alike.
        let s = score("Bål", "Bal");
        assert!(s.is_none(), "{s:?}");
    }

    #[test]
    fn word_order_does_not_matter() {
        let s = score(
            "Felles saksbehandlingssystem for kommunene",
            "Kommunene: felles saksbehandlingssystem for",
        )
        .expect("found");
        assert!(s.score > 0.99, "{s:?}");
        assert!(s.exact);
    }

    #[test]
    fn small_typos_are_likely_or_exact_duplicates() {
        let s = score(
            "Programvarerobot for journalføring",
            "Programvarerobot for jounalføring",
        )
        .expect("found");
        assert!(s.score >= LIKELY, "{s:?}");
        let s = score("Digitale e-lærekontrakter", "Digital e-lærekontrakt").expect("found");
        assert!(s.score >= LIKELY && !s.exact, "{s:?}");
    }

    #[test]
    fn different_proposals_are_not_listed() {
        for (a, b) in [
            ("Digitalt skolebevis", "Min side for innbyggere"),
            ("Chatbot for kommunen", "Felles intranett"),
            ("Personalstyringssystem", "Økonomisystem"),
        ] {
            assert!(score(a, b).is_none(), "{a} / {b}");
        }
    }

    #[test]
    fn description_counts_when_both_have_one() {
        let (p, ids) = portfolio(&[
            (
                "Chatbot",
                "Svarer innbyggere døgnet rundt om byggesak og renovasjon",
            ),
            ("Chatbot", "Intern brukerstøtte for IKT-tjenesten"),
        ]);
        let found = likely_duplicates(
            &p,
            "Chatbot",
            "Svarer innbyggerne døgnet rundt om byggesak og renovasjon",
            5,
        );
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].item, ids[0],
            "the one with the same description first"
        );
        assert!(found[0].score > found[1].score);
        assert!(found.iter().all(|s| s.exact), "the same title is exact");
    }

    #[test]
    fn best_first_and_limited() {
        let (p, ids) = portfolio(&[
            ("Felles intranett for Fosen", ""),
            ("Felles intranett", ""),
            ("Felles intranett for Fosen-kommunene", ""),
        ]);
        let found = likely_duplicates(&p, "Felles intranett", "", 2);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].item, ids[1]);
        assert!(found[0].exact);
        assert!(found[0].score >= found[1].score);
        assert!(likely_duplicates(&p, "Felles intranett", "", 0).is_empty());
        assert!(likely_duplicates(&p, " ... ", "", 5).is_empty());
    }

    #[test]
    fn deleted_items_are_not_duplicates() {
        let (mut p, ids) = portfolio(&[("Digitalt skolebevis", "")]);
        p.apply(&Op::new("test", 2, Payload::DeleteItem { item: ids[0] }));
        assert!(likely_duplicates(&p, "Digitalt skolebevis", "", 5).is_empty());
    }

    #[test]
    fn normalised_titles() {
        assert_eq!(
            normalise_title("  Min side – for  Innbyggere! "),
            "min side for innbyggere"
        );
        assert_eq!(normalise_title("E-lærekontrakt"), "e lærekontrakt");
        assert_eq!(normalise_title("—"), "");
    }
}
