//! Text folding for search. fuzzy-matcher folds only ASCII case, so both the query and
//! the haystack are lower-cased here and normalised to NFC: "Øst" finds "østre", and a
//! decomposed "a\u{30A}" finds a precomposed "å".

use unicode_normalization::UnicodeNormalization;

/// Lower-cased, NFC-normalised copy of `s`, for matching.
pub fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_norwegian_letters() {
        assert_eq!(fold("ØST"), "øst");
        assert_eq!(fold("Åfjord"), "åfjord");
        assert_eq!(fold("Æ"), "æ");
        assert_eq!(fold("a\u{30A}"), "å");
    }
}
