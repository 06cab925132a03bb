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

/// skim's class of an ASCII character; every other character is `Lower`.
const fn ascii_class(b: u8) -> Class {
    match b {
        0 => Class::Empty,
        b' ' | b'/' | b'\\' | b'|' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => Class::HardSep,
        b'!'..=b'\'' | b'*'..=b'.' | b':'..=b'@' | b'^'..=b'`' | b'~' => Class::SoftSep,
        b'0'..=b'9' => Class::Number,
        b'A'..=b'Z' => Class::Upper,
        _ => Class::Lower,
    }
}

/// [`ascii_class`] as a table, looked up per byte.
const CLASSES: [Class; 128] = {
    let mut table = [Class::Lower; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = ascii_class(b as u8);
        b += 1;
    }
    table
};

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
#[inline]
fn in_place_bonus(prev: Class, cur: Class) -> i32 {
    match (prev, cur) {
        (Class::Empty, _) | (Class::HardSep, _) => BONUS_HEAD,
        (Class::SoftSep, _) => BONUS_BREAK,
        (Class::Lower, Class::Upper) | (Class::Number, Class::Upper) => BONUS_CAMEL,
        _ => 0,
    }
}

/// The character starting at byte `i` of `hay` as the scorer sees it: its class, its
/// length in bytes, and the score for matching query character `p` there (`None` when
/// it does not match; skim compares ASCII letters in either case, with a penalty when
/// the case differs, and other characters exactly). ASCII needs no decoding.
#[inline]
fn at(hay: &str, i: usize, p: char) -> (Class, usize, Option<i32>) {
    let b = hay.as_bytes()[i];
    if b < 0x80 {
        let matched = (p.is_ascii() && b.eq_ignore_ascii_case(&(p as u8))).then(|| {
            let case = if b != p as u8 {
                PENALTY_CASE_MISMATCH
            } else {
                0
            };
            (SCORE_MATCH + case).max(0)
        });
        return (CLASSES[b as usize], 1, matched);
    }
    let c = hay[i..].chars().next().unwrap_or('\0');
    (Class::Lower, c.len_utf8(), (c == p).then_some(SCORE_MATCH))
}

/// Whether byte `b` starts a character (is not a UTF-8 continuation byte).
#[inline]
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

/// The byte offset of character `n` of `hay`, or `hay.len()` past its end.
fn byte_of_char(hay: &str, n: usize) -> usize {
    let bytes = hay.as_bytes();
    if bytes.len() >= n && bytes[..n].is_ascii() {
        return n;
    }
    hay.char_indices().nth(n).map_or(hay.len(), |(b, _)| b)
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
    let mut next = b0 + at(hay, b0, first).1;
    for &c in rest {
        let i = find_ci(hay, next, c)?;
        next = i + at(hay, i, c).1;
    }
    if rest.is_empty() {
        let prev = hay[..b0].chars().next_back().map_or(Class::Empty, |c| {
            if c.is_ascii() {
                CLASSES[c as usize]
            } else {
                Class::Lower
            }
        });
        return Some(in_place_bonus(prev, at(hay, b0, first).0) as i64);
    }
    // Walk back over the span for the latest start of a match ending at `next`; the
    // start is counted in characters from the span's beginning.
    let bytes = hay.as_bytes();
    let mut offset = hay[b0..next].chars().count();
    let mut pattern = query.iter().rev().peekable();
    let mut start = None;
    let mut i = next;
    while i > b0 {
        i -= 1;
        if !starts_char(bytes[i]) {
            continue;
        }
        offset -= 1;
        let Some(&&p) = pattern.peek() else {
            break;
        };
        if at(hay, i, p).2.is_some() {
            pattern.next();
            start = Some(offset);
        }
    }
    // That offset, taken as a character position in the whole text.
    let mut i = byte_of_char(hay, start?);
    let mut pattern = query.iter().peekable();
    let mut prev = Class::Empty;
    let mut score: i32 = 0;
    let mut in_gap = false;
    let mut prev_match_bonus = 0;
    while i < next {
        let Some(&&p) = pattern.peek() else {
            break;
        };
        let (class, len, matched) = at(hay, i, p);
        if let Some(points) = matched {
            score += points;
            let consecutive =
                prev_match_bonus.max(in_place_bonus(prev, class).max(BONUS_CONSECUTIVE));
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
        prev = class;
        i += len;
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
