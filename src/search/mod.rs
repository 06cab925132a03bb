//! Fuzzy search over the portfolio: titles, case numbers, decisions, organisations,
//! anchoring and descriptions, with fuzzy-matcher's skim algorithm.
//!
//! * [`SearchIndex`] folds every field once (lower-case + NFC, see [`fold`]), so "Øst"
//!   finds "østre" and a decomposed "a\u{30A}" finds "å"; it keeps the way back from
//!   folded to original characters, for highlights in the displayed title.
//! * [`search`] ranks one [`Query`], best first. A cheap in-order character test rejects
//!   most items before the matcher sees them; the matcher scores what is left with its
//!   linear match, and only the best hits of each group (what a column shows) get its
//!   full alignment, which orders them and gives their highlight positions.
//! * [`Narrowing`] remembers the last query's hits: when the next query extends it, only
//!   those are searched (a fuzzy match of the longer query is a match of its prefix).
//! * [`Searcher`] numbers queries; a result older than the latest query is dropped.
//! * [`Worker`] runs searches on a thread of its own, keeping only the latest request.
//!
//! Nothing here draws or blocks on the terminal; `tui` sends `Effect::Search` and gets
//! `Msg::SearchResults` back.

pub mod fold;
mod index;
mod linear;
mod worker;

pub use fold::{fold, fold_mapped, Folded};
pub use index::{Entry, Field, SearchIndex};
pub use worker::Worker;

use crate::model::ItemId;
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;

/// How many hits of each group (board column) are scored with skim's full alignment and
/// get highlight positions: more than a column shows (a card is two lines, so a 40-line
/// terminal shows about 18 and 32 fill a column of 64 lines). The rest of a group's hits
/// keep skim's linear score (see [`rank`]). One alignment costs as much as scoring
/// several hits linearly, so aligning what no screen shows was a large part of a
/// keystroke at 10,000 items.
pub const HIGHLIGHTS_PER_GROUP: usize = 32;

/// One search request. Generations grow; the answer carries the query's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub generation: u64,
    pub text: String,
}

/// One item found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub item: ItemId,
    /// Higher is better: the matcher's score times the field's weight. For the best
    /// [`HIGHLIGHTS_PER_GROUP`] hits of each group, skim's full alignment; for the others
    /// (further down their column), skim's linear score.
    pub score: i64,
    /// The field that matched best.
    pub field: Field,
    /// The item's group (its stage) in the index the answer came from: an index into
    /// [`SearchResults::groups`], so the board places a hit without looking it up.
    pub group: u32,
    /// Char indices into the item's title as displayed, sorted; empty when the title
    /// does not match or the hit is not among the best of its group.
    pub title_highlight: Vec<usize>,
}

/// The answer to one query: every hit, best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    pub generation: u64,
    /// The query as asked (not folded).
    pub text: String,
    pub hits: Vec<Hit>,
    /// The index's group names (`Entry::group`), which [`Hit::group`] points into.
    pub groups: Vec<String>,
}

/// Fields longer than this many characters (descriptions, decisions) are scored by
/// skim's linear `simple_match` instead of its full alignment: a description is several
/// hundred characters, and the alignment costs length × query length per item.
pub const LONG_FIELD: usize = 80;

thread_local! {
    /// One matcher per thread, reused: skim's full alignment, for titles and short fields.
    /// skim's linear score (what a matrix limit chose for fields over `LONG_FIELD`
    /// characters, now chosen by the field's whole length) is [`linear::simple_score`].
    static MATCHER: SkimMatcherV2 = SkimMatcherV2::default().ignore_case();
}

/// Scores `hay` with a clean score matrix. fuzzy-matcher 0.3.7 keeps its matrix between
/// calls and grows it with `Vec::resize`, which leaves cells of earlier calls in place;
/// they leak into later scores (the same item and query scored 94 or 102 depending on
/// what was matched before), so ranking depended on history and a narrowed search could
/// differ from a full one. Its `use_cache(false)` does not help: it panics on a
/// `RefCell` still borrowed. A one-character match first shrinks the matrix to four
/// cells that always hold the same values; the real call then grows it with fresh ones.
fn score(m: &SkimMatcherV2, hay: &str, q: &str, with_pos: bool) -> Option<(i64, Vec<usize>)> {
    let _ = m.fuzzy_match("x", "x");
    if with_pos {
        m.fuzzy_indices(hay, q)
    } else {
        m.fuzzy_match(hay, q).map(|s| (s, Vec::new()))
    }
}

/// Whether the characters of `query` occur in `hay` in order: the matcher's own first
/// test, done on the UTF-8 bytes without decoding `hay` into characters.
fn in_order(hay: &str, query: &[char]) -> bool {
    greedy(hay, query).is_some()
}

/// Where the matcher's own first test (`cheap_matches`: each query character at its
/// first occurrence after the previous one) puts the query in `hay`: the byte where the
/// first character starts and the byte after the last one; `None` when the characters
/// do not occur in order, which is exactly when skim finds no match, since haystack and
/// query are both folded to lower case. Done on the UTF-8 bytes (memchr for ASCII),
/// without decoding `hay` into characters.
fn greedy(hay: &str, query: &[char]) -> Option<(usize, usize)> {
    let (&first, rest) = query.split_first()?;
    let start = hay.find(first)?;
    let mut end = start + first.len_utf8();
    for &c in rest {
        end += hay.get(end..)?.find(c)? + c.len_utf8();
    }
    Some((start, end))
}

/// The part of a field the matcher needs to see to score it exactly as if it saw it
/// all, so that it decodes, bonuses and aligns a few characters instead of the whole
/// field (the cost per hit is the matcher's work per character, times the query length
/// for the alignment).
///
/// * **Alignment** (`MATCHER`): the score is the best alignment ending in the last row;
///   nothing before the first occurrence of the query's first character can be part of
///   one, except that the character just before it decides that occurrence's bonus (a
///   word start after a space or `/`). Nothing after the last occurrence of the query's
///   last character can end one. The window is from the character before the first
///   match to the end of the last occurrence of the last character; the alignment is
///   the same within it, shifted.
///
/// The linear score needs no window: [`linear::simple_score`] decodes only what it uses.
/// `score_window_equals_whole_field` (a proptest over Norwegian text) holds the window's
/// score equal to the whole field's.
struct Window {
    /// Byte range of the field to hand to the matcher.
    start: usize,
    end: usize,
}

impl Window {
    /// `None` when the query does not occur in order (skim would find no match).
    fn aligned(hay: &str, query: &[char]) -> Option<Window> {
        let (first, _) = greedy(hay, query)?;
        let last = *query.last()?;
        // The last occurrence of the last character ends at or after the greedy end.
        let end = hay.rfind(last)? + last.len_utf8();
        let start = hay[..first]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i);
        Some(Window { start, end })
    }
}

/// The highest score skim can give a match of `n` query characters, by how it scores:
/// each matched character earns at most 16 (`score_match`) plus a bonus of at most 16
/// with the alignment (a word start, doubled on the first character; a run of matches
/// carries the best bonus of the run) or 8 with `simple_match`, and gaps only cost. A
/// field whose ceiling (times its weight) is no more than the item's best score so far
/// cannot change it, so it is not scored at all: a title that matches well makes the
/// long fields after it unnecessary. `scores_stay_under_the_ceiling` holds it.
fn ceiling(n: usize, linear: bool) -> i64 {
    let per_char = if linear { 24 } else { 32 };
    (n as i64).saturating_mul(per_char)
}

/// How a field is scored: every hit first by skim's linear `simple_match` (a pass over
/// the characters up to the greedy match), then the hits that can be seen by the full
/// alignment (query length × window length cells) that decides their order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scoring {
    Linear,
    Aligned,
}

/// Whether field `f` of `doc` is scored linearly under `scoring`: every field when
/// estimating; long fields always, as they were before (the alignment of a description
/// of several hundred characters says little more and costs much more).
fn linear(doc: &index::Doc, f: Field, scoring: Scoring) -> bool {
    scoring == Scoring::Linear || (f != Field::Title && doc.chars(f) > LONG_FIELD)
}

/// Scores one field of `doc` on the window of the field the score depends on; with
/// `with_pos`, also the matched characters (folded char indices into the field), which
/// only the alignment gives.
fn score_field(
    doc: &index::Doc,
    f: Field,
    q: &str,
    qchars: &[char],
    scoring: Scoring,
    with_pos: bool,
) -> Option<(i64, Vec<usize>)> {
    let hay = doc.field(f);
    if linear(doc, f, scoring) {
        linear::simple_score(hay, qchars).map(|s| (s, Vec::new()))
    } else {
        let w = Window::aligned(hay, qchars)?;
        let (s, idx) = MATCHER.with(|m| score(m, &hay[w.start..w.end], q, with_pos))?;
        if idx.is_empty() {
            return Some((s, idx));
        }
        // Positions in the window are shifted by the characters before it.
        let offset = hay[..w.start].chars().count();
        Some((s, idx.into_iter().map(|i| i + offset).collect()))
    }
}

/// The folded form of a query's text: what is matched, and what narrowing compares.
pub fn fold_query(text: &str) -> String {
    fold(text.trim())
}

/// Ranks the index's items (or only those in `within`) for `query`, best first; ties
/// go to the older item. An empty query (or only spaces) finds every item, unranked.
pub fn search(index: &SearchIndex, query: &Query, within: Option<&[ItemId]>) -> SearchResults {
    let candidates: Vec<usize> = match within {
        Some(ids) => {
            let mut p: Vec<usize> = ids.iter().filter_map(|id| index.position(id)).collect();
            // In index order: the same order a full search takes, and kinder to the cache.
            p.sort_unstable();
            p.dedup();
            p
        }
        None => (0..index.docs.len()).collect(),
    };
    rank(index, query, &candidates).0
}

/// The best field of `doc` for the query, its weighted score and (when aligned) the
/// title's matched characters as folded char indices; `None` when no field matches.
/// Fields are tried in [`Field`] order and a later one wins only with a higher score,
/// so ties go to the earlier field.
fn best_field(
    doc: &index::Doc,
    q: &str,
    qchars: &[char],
    scoring: Scoring,
) -> Option<(i64, Field, Vec<usize>)> {
    // The whole text first: most items fail here, with one memchr per query character.
    // An item with a title only has nothing more to test than the title itself.
    if doc.has_more_than_title() && !in_order(&doc.text, qchars) {
        return None;
    }
    let mut best: Option<(i64, Field)> = None;
    let mut title_pos = Vec::new();
    for f in Field::ALL {
        let hay = doc.field(f);
        if hay.len() < qchars.len() {
            continue;
        }
        if let Some((b, _)) = best {
            let top = ceiling(qchars.len(), linear(doc, f, scoring));
            if top.saturating_mul(f.weight()) <= b {
                continue;
            }
        }
        let with_pos = f == Field::Title && scoring == Scoring::Aligned;
        if let Some((s, pos)) = score_field(doc, f, q, qchars, scoring, with_pos) {
            if f == Field::Title {
                title_pos = pos;
            }
            let s = s.saturating_mul(f.weight());
            if best.is_none_or(|(b, _)| s > b) {
                best = Some((s, f));
            }
        }
    }
    best.map(|(s, f)| (s, f, title_pos))
}

/// Below this many candidates a search runs on one thread: starting a scoped thread
/// costs tens of microseconds, more than ranking a few hundred items.
const PARALLEL_FROM: usize = 2_000;

/// Below this many hits to align, the alignment runs on one thread.
const PARALLEL_ALIGN_FROM: usize = 64;

/// How many threads a search may use: the cores there are (the app's own thread is idle
/// while the worker ranks), at most eight.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over `0..len` cut into contiguous ranges of at least `min`, on up to `threads`
/// threads (the last range on the calling thread); the results in the order of their
/// ranges.
fn par_ranges<T: Send>(
    len: usize,
    min: usize,
    threads: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let k = threads.min(len / min.max(1)).max(1);
    if k == 1 {
        return vec![f(0..len)];
    }
    let ranges: Vec<std::ops::Range<usize>> =
        (0..k).map(|i| len * i / k..len * (i + 1) / k).collect();
    std::thread::scope(|s| {
        let f = &f;
        let (last, others) = ranges.split_last().expect("k > 1");
        let handles: Vec<_> = others
            .iter()
            .map(|r| {
                let r = r.clone();
                s.spawn(move || f(r))
            })
            .collect();
        let mine = f(last.clone());
        let mut out: Vec<T> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect();
        out.push(mine);
        out
    })
}

/// One linearly scored hit: (linear score, item, index position, field). The item is
/// copied in so that sorting compares without following pointers.
type Scored = (i64, ItemId, u32, Field);

/// Best first; ties go to the older item. Items are unique, so this is a total order
/// and merging sorted parts gives what sorting the whole gives.
fn better(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1))
}

/// Merges two lists sorted by [`better`].
fn merge(a: Vec<Scored>, b: Vec<Scored>) -> Vec<Scored> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if better(&b[j], &a[i]).is_lt() {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Ranks the documents at `candidates` (index positions, ascending); also returns the
/// positions of the hits, ascending, for narrowing the next query.
///
/// Every hit is scored by skim's linear match, which is cheap; then the best
/// [`HIGHLIGHTS_PER_GROUP`] of each group by that score, which is what a column shows,
/// are scored again with skim's full alignment, which decides their order and gives the
/// title highlights. The alignment is the costly part (about 10 ns per cell), and the
/// first keystrokes match most items: aligning only what can be seen keeps a keystroke
/// within the screen's budget. A group's aligned hits come first, best first; below
/// them its other hits follow by their linear score. With no more hits in a group than
/// that, every hit is aligned, as before.
///
/// Both passes run on every core (see [`par_ranges`]): the candidates are cut into
/// contiguous parts, each scored and sorted on its own thread and the parts merged; the
/// hits to align are chosen in order on one thread and aligned in parts. Every hit's
/// score depends only on the hit, so the answer is the same as on one thread.
fn rank(index: &SearchIndex, query: &Query, candidates: &[usize]) -> (SearchResults, Vec<usize>) {
    rank_on(index, query, candidates, threads())
}

/// [`rank`] on up to `threads` threads.
fn rank_on(
    index: &SearchIndex,
    query: &Query,
    candidates: &[usize],
    threads: usize,
) -> (SearchResults, Vec<usize>) {
    let q = fold_query(&query.text);
    let mut results = SearchResults {
        generation: query.generation,
        text: query.text.clone(),
        hits: Vec::new(),
        groups: index.groups().to_vec(),
    };
    if q.is_empty() {
        let mut docs: Vec<(&ItemId, u32)> = candidates
            .iter()
            .map(|&p| (&index.docs[p].item, index.docs[p].group))
            .collect();
        let positions = candidates.to_vec();
        docs.sort_unstable();
        results.hits = docs
            .into_iter()
            .map(|(&item, group)| Hit {
                item,
                score: 0,
                field: Field::Title,
                group,
                title_highlight: Vec::new(),
            })
            .collect();
        return (results, positions);
    }
    let qchars: Vec<char> = q.chars().collect();
    // Each part: its hits in index order (their positions, for narrowing), then sorted.
    let parts = par_ranges(candidates.len(), PARALLEL_FROM, threads, |r| {
        let mut scored: Vec<Scored> = Vec::new();
        for &p in &candidates[r] {
            let doc = &index.docs[p];
            if let Some((s, f, _)) = best_field(doc, &q, &qchars, Scoring::Linear) {
                scored.push((s, doc.item, p as u32, f));
            }
        }
        let positions: Vec<usize> = scored.iter().map(|&(_, _, p, _)| p as usize).collect();
        scored.sort_unstable_by(better);
        (scored, positions)
    });
    let mut positions: Vec<usize> = Vec::with_capacity(parts.iter().map(|p| p.1.len()).sum());
    let mut scored: Vec<Scored> = Vec::new();
    for (part, pos) in parts {
        positions.extend(pos);
        scored = merge(scored, part);
    }
    // Which hits to align: the first of each group, in order.
    let mut per_group: Vec<usize> = vec![0; index.group_count()];
    let chosen: Vec<usize> = scored
        .iter()
        .enumerate()
        .filter(|(_, &(_, _, p, _))| {
            match per_group.get_mut(index.docs[p as usize].group as usize) {
                Some(n) if *n < HIGHLIGHTS_PER_GROUP => {
                    *n += 1;
                    true
                }
                _ => false,
            }
        })
        .map(|(k, _)| k)
        .collect();
    let exact: Vec<Option<Hit>> = par_ranges(chosen.len(), PARALLEL_ALIGN_FROM, threads, |r| {
        chosen[r]
            .iter()
            .map(|&k| {
                let (_, item, p, _) = scored[k];
                let doc = &index.docs[p as usize];
                best_field(doc, &q, &qchars, Scoring::Aligned).map(|(score, field, pos)| Hit {
                    item,
                    score,
                    field,
                    group: doc.group,
                    title_highlight: if pos.is_empty() {
                        pos
                    } else {
                        fold::original_indices(doc.title_map.as_deref(), &pos)
                    },
                })
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut is_aligned = vec![false; scored.len()];
    let mut aligned: Vec<Hit> = Vec::with_capacity(scored.len());
    for (&k, hit) in chosen.iter().zip(exact) {
        if let Some(hit) = hit {
            is_aligned[k] = true;
            aligned.push(hit);
        }
    }
    aligned.sort_unstable_by(|a, b| b.score.cmp(&a.score).then_with(|| a.item.cmp(&b.item)));
    aligned.extend(scored.iter().zip(&is_aligned).filter(|(_, &a)| !a).map(
        |(&(score, item, p, field), _)| Hit {
            item,
            score,
            field,
            group: index.docs[p as usize].group,
            title_highlight: Vec::new(),
        },
    ));
    results.hits = aligned;
    (results, positions)
}

/// The hits of the last search, for narrowing the next one. Lives where searches run
/// (the worker); valid only for the index version it was made on.
#[derive(Debug, Default)]
pub struct Narrowing {
    /// Index version, folded query, positions of its hits (ascending).
    last: Option<(u64, String, Vec<usize>)>,
    /// The answer to that query: a query that folds to the same text on the same index
    /// (a space typed after a word, which is trimmed) gets it again without ranking.
    answer: Option<SearchResults>,
}

impl Narrowing {
    /// Searches `query`, within the last hits when it extends the last query (after
    /// folding) on the same index, over everything otherwise.
    pub fn search(&mut self, index: &SearchIndex, query: &Query) -> SearchResults {
        let folded = fold_query(&query.text);
        if let (Some((version, prev, _)), Some(answer)) = (&self.last, &self.answer) {
            if *version == index.version() && *prev == folded {
                return SearchResults {
                    generation: query.generation,
                    text: query.text.clone(),
                    ..answer.clone()
                };
            }
        }
        let within = match &self.last {
            Some((version, prev, hits))
                if *version == index.version() && !prev.is_empty() && folded.starts_with(prev) =>
            {
                // Positions stay valid while the version is the same.
                Some(hits.as_slice())
            }
            _ => None,
        };
        let (results, positions) = match within {
            Some(p) => rank(index, query, p),
            None => {
                let all: Vec<usize> = (0..index.docs.len()).collect();
                rank(index, query, &all)
            }
        };
        self.last = Some((index.version(), folded, positions));
        self.answer = Some(results.clone());
        results
    }

    /// Whether the next search of `text` on `index` would be narrowed.
    pub fn would_narrow(&self, index: &SearchIndex, text: &str) -> bool {
        let folded = fold_query(text);
        matches!(&self.last, Some((v, prev, _))
            if *v == index.version() && !prev.is_empty() && folded.starts_with(prev))
    }
}

/// The app's side of searching: numbers each query and keeps only the answer to the
/// latest one. No threads: the loop carries queries out and hands answers back.
#[derive(Debug, Default)]
pub struct Searcher {
    latest: u64,
}

impl Searcher {
    /// A new query for `text`, newer than every one before.
    pub fn query(&mut self, text: &str) -> Query {
        self.latest += 1;
        Query {
            generation: self.latest,
            text: text.to_string(),
        }
    }

    /// Makes every query asked so far stale (the filter was closed).
    pub fn cancel(&mut self) {
        self.latest += 1;
    }

    /// The latest generation asked for.
    pub fn latest(&self) -> u64 {
        self.latest
    }

    /// The results if they answer the latest query; `None` for a stale answer.
    pub fn accept(&self, results: SearchResults) -> Option<SearchResults> {
        (results.generation >= self.latest).then_some(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    thread_local! {
        /// skim's linear `simple_match` as fuzzy-matcher computes it (an element limit of
        /// one cell makes every call take it): the reference for [`linear::simple_score`].
        static SIMPLE: SkimMatcherV2 = SkimMatcherV2::default().ignore_case().element_limit(1);
    }

    /// skim scores of a whole field, as the ranking did before windows and ceilings:
    /// the reference the faster ranking must equal.
    fn whole(hay: &str, q: &str, linear: bool, with_pos: bool) -> Option<(i64, Vec<usize>)> {
        if linear {
            let _ = with_pos;
            SIMPLE.with(|m| m.fuzzy_match(hay, q).map(|s| (s, Vec::new())))
        } else {
            MATCHER.with(|m| score(m, hay, q, with_pos))
        }
    }

    /// Text from an alphabet rich in Norwegian letters (upper case, decomposed), word
    /// starts and separators (which decide skim's bonuses), as typed.
    fn raw(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("a"),
                Just("å"),
                Just("a\u{30A}"),
                Just("Å"),
                Just("ø"),
                Just("Ø"),
                Just("æ"),
                Just("Æ"),
                Just("e"),
                Just("d"),
                Just("i"),
                Just("g"),
                Just("K"),
                Just(" "),
                Just("/"),
                Just("-"),
                Just(":"),
                Just("0"),
                Just("8"),
            ],
            0..max,
        )
        .prop_map(|parts| parts.concat())
    }

    /// Unfolded text over every class skim tells apart: letters of both cases, digits,
    /// hard and soft separators, Norwegian letters and a newline.
    fn any_text(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![
                'a', 'b', 'A', 'B', 'å', 'Å', 'ø', 'æ', '\u{30A}', '1', '9', ' ', '/', '(', ']',
                '-', '.', ':', '_', '~', '\n', 'İ',
            ]),
            0..max,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    /// The same, folded as the index folds it.
    fn text(max: usize) -> impl Strategy<Value = String> {
        raw(max).prop_map(|t| fold(&t))
    }

    fn query() -> impl Strategy<Value = String> {
        text(6).prop_filter("a query has characters", |q| !q.trim().is_empty())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The in-order test rejects exactly what skim rejects: never an item the
        /// matcher would find.
        #[test]
        fn prefilter_never_rejects_a_match(hay in text(40), q in query()) {
            let qchars: Vec<char> = q.chars().collect();
            let matched = whole(&hay, &q, false, false).is_some();
            prop_assert_eq!(in_order(&hay, &qchars), matched);
            prop_assert_eq!(whole(&hay, &q, true, false).is_some(), matched);
        }

        /// The matcher scores a window exactly as the whole field, and the window's
        /// highlight positions, shifted, are the whole field's.
        #[test]
        fn score_window_equals_whole_field(hay in text(120), q in query()) {
            let qchars: Vec<char> = q.chars().collect();
            let aligned = Window::aligned(&hay, &qchars).and_then(|w| {
                let offset = hay[..w.start].chars().count();
                MATCHER.with(|m| score(m, &hay[w.start..w.end], &q, true))
                    .map(|(s, idx)| (s, idx.into_iter().map(|i| i + offset).collect::<Vec<_>>()))
            });
            prop_assert_eq!(aligned, whole(&hay, &q, false, true));
            let linear = linear::simple_score(&hay, &qchars);
            prop_assert_eq!(linear, whole(&hay, &q, true, false).map(|(s, _)| s));
        }

        /// The in-place linear score is fuzzy-matcher's, on any text: folded or not
        /// (upper case, camel humps), every separator class, newlines between fields.
        #[test]
        fn linear_score_equals_skims_simple_match(
            hay in any_text(150),
            q in any_text(7).prop_filter("a query", |q| !q.is_empty()),
        ) {
            let qchars: Vec<char> = q.chars().collect();
            let reference = SIMPLE.with(|m| m.fuzzy_match(&hay, &q));
            prop_assert_eq!(linear::simple_score(&hay, &qchars), reference);
        }

        /// No score exceeds the ceiling the ranking uses to skip fields.
        #[test]
        fn scores_stay_under_the_ceiling(hay in text(120), q in query()) {
            let n = q.chars().count();
            for linear in [false, true] {
                if let Some((s, _)) = whole(&hay, &q, linear, false) {
                    prop_assert!(s <= ceiling(n, linear), "{} > {}", s, ceiling(n, linear));
                }
            }
        }

        /// The ranking (windows, ceilings, highlights for the best of each group) gives
        /// what scoring every field whole gives: the same hits, scores, fields, order
        /// and highlights.
        #[test]
        fn ranking_equals_scoring_every_field_whole(
            docs in proptest::collection::vec((raw(30), raw(30), raw(120)), 0..30),
            q in query(),
        ) {
            let index = SearchIndex::from_entries(docs.iter().enumerate().map(|(k, (t, s, d))| {
                Entry {
                    item: ItemId(uuid::Uuid::from_u128(k as u128 + 1)),
                    group: (k % 3).to_string(),
                    title: t.clone(),
                    fields: vec![(Field::Submitter, s.clone()), (Field::Description, d.clone())],
                }
            }));
            let got = search(&index, &Query { generation: 1, text: q.clone() }, None);
            let qf = fold_query(&q);
            let mut want: Vec<(i64, ItemId, Field, Vec<usize>)> = Vec::new();
            for doc in &index.docs {
                let mut best: Option<(i64, Field)> = None;
                for f in Field::ALL {
                    let hay = doc.field(f);
                    let linear = f != Field::Title && hay.chars().count() > LONG_FIELD;
                    if let Some((s, _)) = whole(hay, &qf, linear, false) {
                        let s = s * f.weight();
                        if best.is_none_or(|(b, _)| s > b) {
                            best = Some((s, f));
                        }
                    }
                }
                if let Some((s, f)) = best {
                    let hl = whole(doc.field(Field::Title), &qf, false, true)
                        .map(|(_, idx)| fold::original_indices(doc.title_map.as_deref(), &idx))
                        .unwrap_or_default();
                    want.push((s, doc.item, f, hl));
                }
            }
            want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let got: Vec<(i64, ItemId, Field, Vec<usize>)> = got
                .hits
                .into_iter()
                .map(|h| (h.score, h.item, h.field, h.title_highlight))
                .collect();
            prop_assert_eq!(got, want);
        }
    }

    /// Reference scores of `doc` whole, weighted: the best field by skim's linear match
    /// (`linear_all`) or as ranked (alignment for the title and short fields).
    fn reference(doc: &index::Doc, q: &str, linear_all: bool) -> Option<i64> {
        let mut best: Option<i64> = None;
        for f in Field::ALL {
            let hay = doc.field(f);
            let linear = linear_all || (f != Field::Title && hay.chars().count() > LONG_FIELD);
            if let Some((s, _)) = whole(hay, q, linear, false) {
                best = best.max(Some(s * f.weight()));
            }
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// With more hits in a group than a column shows, the group's best by skim's
        /// linear score are aligned and come first, best first; the others follow by
        /// their linear score. Every item that matches is still found.
        #[test]
        fn a_crowded_group_aligns_its_best_and_keeps_every_hit(
            titles in proptest::collection::vec(raw(16), 100..160),
            q in text(3).prop_filter("a query", |q| !q.trim().is_empty()),
        ) {
            let index = SearchIndex::from_entries(titles.iter().enumerate().map(|(k, t)| Entry {
                item: ItemId(uuid::Uuid::from_u128(k as u128 + 1)),
                group: "one".into(),
                title: t.clone(),
                fields: vec![(Field::Description, t.repeat(9))],
            }));
            let hits = search(&index, &Query { generation: 1, text: q.clone() }, None).hits;
            let qf = fold_query(&q);
            let doc = |h: &Hit| &index.docs[index.position(&h.item).expect("a hit is indexed")];
            // The same items as the matcher finds.
            let mut want: Vec<(i64, ItemId)> = index
                .docs
                .iter()
                .filter_map(|d| reference(d, &qf, true).map(|s| (s, d.item)))
                .collect();
            let mut found: Vec<ItemId> = hits.iter().map(|h| h.item).collect();
            found.sort();
            let mut ids: Vec<ItemId> = want.iter().map(|w| w.1).collect();
            ids.sort();
            prop_assert_eq!(found, ids);
            // The aligned ones are the best by the linear score, with their aligned score.
            want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let k = want.len().min(HIGHLIGHTS_PER_GROUP);
            let (top, rest) = hits.split_at(k);
            let mut top_ids: Vec<ItemId> = top.iter().map(|h| h.item).collect();
            top_ids.sort();
            let mut best_ids: Vec<ItemId> = want[..k].iter().map(|w| w.1).collect();
            best_ids.sort();
            prop_assert_eq!(top_ids, best_ids);
            for h in top {
                prop_assert_eq!(Some(h.score), reference(doc(h), &qf, false));
            }
            for h in rest {
                prop_assert_eq!(Some(h.score), reference(doc(h), &qf, true));
                prop_assert!(h.title_highlight.is_empty());
            }
            for part in [top, rest] {
                prop_assert!(part
                    .windows(2)
                    .all(|w| (w[1].score, w[0].item) <= (w[0].score, w[1].item)));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]

        /// Ranking on several threads (parts scored, sorted and merged; the alignment in
        /// parts) gives exactly what one thread gives: hits, scores, fields, order,
        /// highlights and the positions kept for narrowing.
        #[test]
        fn ranking_on_threads_equals_one_thread(
            titles in proptest::collection::vec(raw(24), PARALLEL_FROM * 2..PARALLEL_FROM * 3),
            q in text(3).prop_filter("a query", |q| !q.trim().is_empty()),
        ) {
            let index = SearchIndex::from_entries(titles.iter().enumerate().map(|(k, t)| Entry {
                item: ItemId(uuid::Uuid::from_u128((k as u128 * 7919) % 100_003 + 1)),
                group: (k % 4).to_string(),
                title: t.clone(),
                fields: if k % 3 == 0 { vec![(Field::Description, t.repeat(5))] } else { vec![] },
            }));
            let query = Query { generation: 1, text: q };
            let all: Vec<usize> = (0..index.len()).collect();
            let one = rank_on(&index, &query, &all, 1);
            for threads in [2, 3, 4] {
                prop_assert_eq!(&rank_on(&index, &query, &all, threads), &one);
            }
        }
    }
}
