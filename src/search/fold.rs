//! Folding for search, with the way back: lower-case and NFC as [`crate::model::text::fold`]
//! does, but done one cluster at a time (a base character and the combining marks after
//! it), so that every folded character knows which characters of the original it came
//! from. Highlights are found in the folded text and drawn in the original.
//!
//! Folding can change lengths both ways: a decomposed "a\u{30A}" (two characters) folds
//! to one "å", and "İ" (one) folds to "i\u{307}" (two).

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// Where one folded character came from: the first original character (a char index)
/// and how many original characters its cluster spans.
pub type Origin = (u32, u32);

/// A folded text and, when it is not one-to-one, the origin of each folded character.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    pub text: String,
    /// `None`: folded character `i` is original character `i`.
    pub map: Option<Box<[Origin]>>,
}

/// Whether `c` continues the cluster before it rather than starting one: combining marks,
/// and the Hangul vowel and final jamo that NFC composes with the syllable before them.
fn continues(c: char) -> bool {
    canonical_combining_class(c) != 0 || ('\u{1160}'..='\u{11FF}').contains(&c)
}

/// Lower-cased, NFC-normalised `s`, for matching. Queries and haystacks both go through
/// this, so they are folded alike.
pub fn fold(s: &str) -> String {
    fold_mapped(s).text
}

/// As [`fold`], with the origin of every folded character when they differ in count or
/// place.
pub fn fold_mapped(s: &str) -> Folded {
    if s.is_ascii() {
        return Folded {
            text: s.to_ascii_lowercase(),
            map: None,
        };
    }
    // Common case: every character lower-cases to one character and the result is
    // already NFC (precomposed æøå), so positions stay as they are.
    let mut lowered = String::with_capacity(s.len());
    let mut one_to_one = true;
    for c in s.chars() {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) => lowered.push(l),
            _ => {
                one_to_one = false;
                break;
            }
        }
    }
    if one_to_one && is_nfc(&lowered) {
        return Folded {
            text: lowered,
            map: None,
        };
    }
    let mut text = String::with_capacity(s.len());
    let mut map: Vec<Origin> = Vec::with_capacity(s.len());
    let mut cluster = String::new();
    let mut start = 0u32;
    let mut len = 0u32;
    let mut flush = |cluster: &mut String, start: u32, len: u32| {
        for f in cluster.chars().flat_map(char::to_lowercase).nfc() {
            text.push(f);
            map.push((start, len));
        }
        cluster.clear();
    };
    for (i, c) in s.chars().enumerate() {
        if len > 0 && !continues(c) {
            flush(&mut cluster, start, len);
            start = i as u32;
            len = 0;
        }
        cluster.push(c);
        len += 1;
    }
    if len > 0 {
        flush(&mut cluster, start, len);
    }
    Folded {
        text,
        map: Some(map.into_boxed_slice()),
    }
}

impl Folded {
    /// Original char indices for folded char indices: each folded character lights up
    /// its whole cluster (a decomposed "å" is two characters on screen). Sorted, no
    /// duplicates. With a map, indices past its end are ignored.
    pub fn original_indices(&self, folded: &[usize]) -> Vec<usize> {
        original_indices(self.map.as_deref(), folded)
    }
}

/// See [`Folded::original_indices`]; `map` as in [`Folded::map`].
pub fn original_indices(map: Option<&[Origin]>, folded: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = match map {
        None => folded.to_vec(),
        Some(map) => folded
            .iter()
            .filter_map(|&i| map.get(i))
            .flat_map(|&(start, len)| (start..start + len).map(|k| k as usize))
            .collect(),
    };
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_model_fold_on_ordinary_text() {
        for s in [
            "Døgnåpen digital forvaltning",
            "ØSTRE Åfjord",
            "a\u{30A}pen",
            "",
            "\u{30A}",
        ] {
            assert_eq!(fold(s), crate::model::text::fold(s), "{s:?}");
        }
    }

    #[test]
    fn a_decomposed_letter_maps_back_to_both_characters() {
        let f = fold_mapped("Ka\u{30A}re");
        assert_eq!(f.text, "kåre");
        assert_eq!(f.original_indices(&[1]), vec![1, 2]);
        assert_eq!(f.original_indices(&[3]), vec![4]);
    }

    #[test]
    fn a_letter_that_grows_maps_back_to_one() {
        let f = fold_mapped("İz");
        assert_eq!(f.text.chars().count(), 3);
        assert_eq!(f.original_indices(&[0, 1, 2]), vec![0, 1]);
    }

    #[test]
    fn plain_text_needs_no_map() {
        assert!(fold_mapped("Øst og vest").map.is_none());
        assert!(fold_mapped("ascii").map.is_none());
    }

    #[test]
    fn a_lone_combining_mark_is_its_own_cluster() {
        let f = fold_mapped("\u{30A}a");
        assert_eq!(f.text, "\u{30A}a");
        assert_eq!(f.original_indices(&[1, 0]), vec![0, 1]);
        // Out of a mapped text's range, nothing lights up.
        assert_eq!(
            fold_mapped("a\u{30A}").original_indices(&[0, 9]),
            vec![0, 1]
        );
    }
}
