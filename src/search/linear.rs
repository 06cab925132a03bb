//! skim's linear score (fuzzy-matcher's `simple_match`), computed on the folded text in
//! place.
//!
//! Every hit of every keystroke gets this score (the full alignment is kept for the few
//! hits a screen shows), so its cost is most of a keystroke's ranking at 10,000 items.
//! Through fuzzy-matcher, each call decodes the field up to the match into a vector of
//! characters, finds the in-order match again and classifies each character; here the
//! match comes from `memchr` on the UTF-8 bytes and only the span the score depends on is
//! decoded. The arithmetic is skim's own, quirks included (see [`simple_score`]); the
//! property test `linear_score_equals_skims_simple_match` holds it equal to
//! fuzzy-matcher 0.3.7 on Norwegian text, separators and upper case.

/// skim's character classes (`CharType` in fuzzy-matcher's skim.rs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Empty,
    Upper,
    Lower,
    Number,
    HardSep,
    SoftSep,
}

fn class(c: char) -> Class {
    match c {
        '\0' => Class::Empty,
        ' ' | '/' | '\\' | '|' | '(' | ')' | '[' | ']' | '{' | '}' => Class::HardSep,
        '!'..='\'' | '*'..='.' | ':'..='@' | '^'..='`' | '~' => Class::SoftSep,
        '0'..='9' => Class::Number,
        'A'..='Z' => Class::Upper,
        _ => Class::Lower,
    }
}

/// skim's default score configuration (`SkimScoreConfig::default`).
const SCORE_MATCH: i32 = 16;
const GAP_START: i32 = -3;
const GAP_EXTENSION: i32 = -1;
const BONUS_HEAD: i32 = SCORE_MATCH / 2;
const BONUS_BREAK: i32 = SCORE_MATCH / 2 + GAP_EXTENSION;
const BONUS_CAMEL: i32 = SCORE_MATCH / 2 + 2 * GAP_EXTENSION;
const BONUS_CONSECUTIVE: i32 = -(GAP_START + GAP_EXTENSION);
const PENALTY_CASE_MISMATCH: i32 = GAP_EXTENSION * 2;

/// The bonus for a character at a word start, after punctuation, or at a camel hump.
fn in_place_bonus(prev: Class, cur: Class) -> i32 {
    match (prev, cur) {
        (Class::Empty, _) | (Class::HardSep, _) => BONUS_HEAD,
        (Class::SoftSep, _) => BONUS_BREAK,
        (Class::Lower, Class::Upper) | (Class::Number, Class::Upper) => BONUS_CAMEL,
        _ => 0,
    }
}

/// skim's case-insensitive comparison: ASCII letters only, as `ignore_case()` does.
fn equal(c: char, p: char) -> bool {
    c.eq_ignore_ascii_case(&p)
}

/// The score `SkimMatcherV2::default().ignore_case().element_limit(1).fuzzy_match(hay, q)`
/// gives, or `None` when `query`'s characters do not occur in `hay` in order.
///
/// How skim scores linearly: take the greedy match (each query character at its first
/// occurrence after the previous one); walk back from its last character to find the
/// latest start of a match ending there; score the characters from that start to the
/// end. fuzzy-matcher takes the start found by the walk back as an offset into the span
/// but uses it as a position in the whole text; the score it gives is the one users see
/// ranked, so this does the same.
pub(super) fn simple_score(hay: &str, query: &[char]) -> Option<i64> {
    let (&first, rest) = query.split_first()?;
    // The greedy match: the byte where its first character starts and the byte after its
    // last one.
    let b0 = find_ci(hay, 0, first)?;
    let mut next = b0 + hay[b0..].chars().next()?.len_utf8();
    for &c in rest {
        let at = find_ci(hay, next, c)?;
        next = at + hay[at..].chars().next()?.len_utf8();
    }
    if rest.is_empty() {
        let prev = hay[..b0].chars().next_back().unwrap_or('\0');
        let cur = hay[b0..].chars().next()?;
        return Some(in_place_bonus(class(prev), class(cur)) as i64);
    }
    // Walk back over the span for the latest start of a match ending at `last`; the
    // start is counted in characters from the span's beginning.
    let span = &hay[b0..next];
    let mut offset = span.chars().count();
    let mut pattern = query.iter().rev().peekable();
    let mut start = None;
    for c in span.chars().rev() {
        offset -= 1;
        match pattern.peek() {
            Some(&&p) if equal(c, p) => {
                pattern.next();
                start = Some(offset);
            }
            Some(_) => {}
            None => break,
        }
    }
    // That offset, taken as a character position in the whole text.
    let from = hay.char_indices().nth(start?).map(|(b, _)| b)?;
    if from >= next {
        // The span to score is empty (fuzzy-matcher's loop would not run).
        return Some(0);
    }
    let mut pattern = query.iter().peekable();
    let mut prev = '\0';
    let mut score: i32 = 0;
    let mut in_gap = false;
    let mut prev_match_bonus = 0;
    for c in hay[from..next].chars() {
        let Some(&&p) = pattern.peek() else {
            break;
        };
        let bonus = in_place_bonus(class(prev), class(c));
        if equal(c, p) {
            let case = if p != c { PENALTY_CASE_MISMATCH } else { 0 };
            score += (SCORE_MATCH + case).max(0);
            let consecutive = prev_match_bonus.max(bonus.max(BONUS_CONSECUTIVE));
            prev_match_bonus = consecutive;
            if !in_gap {
                score += consecutive;
            }
            in_gap = false;
            pattern.next();
        } else {
            if !in_gap {
                score += GAP_START;
            }
            score += GAP_EXTENSION;
            in_gap = true;
            prev_match_bonus = 0;
        }
        prev = c;
    }
    Some(score as i64)
}

/// The byte offset of the first character at or after byte `from` that equals `c` as
/// skim compares (ASCII letters in either case).
fn find_ci(hay: &str, from: usize, c: char) -> Option<usize> {
    let rest = hay.get(from..)?;
    let at = if c.is_ascii_alphabetic() {
        let (lo, up) = (c.to_ascii_lowercase() as u8, c.to_ascii_uppercase() as u8);
        memchr::memchr2(lo, up, rest.as_bytes())?
    } else {
        rest.find(c)?
    };
    Some(from + at)
}
