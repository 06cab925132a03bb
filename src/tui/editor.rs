//! A small text field editor for the edit form: one string and a cursor counted in
//! chars. Multi-line fields keep '\n' in the text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Editor {
    pub text: String,
    /// Cursor position in chars, 0..=len.
    pub cursor: usize,
}

/// What a key did to the editor.
#[derive(Debug, PartialEq, Eq)]
pub enum Edited {
    Changed,
    Moved,
    /// The key is not an editing key; the form may use it.
    Ignored,
    /// Up on the first line or Down on the last: the form moves to another field.
    LeaveUp,
    LeaveDown,
}

impl Editor {
    pub fn new(text: &str) -> Self {
        Editor {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// (line, column) of the cursor, both in chars.
    pub fn line_col(&self) -> (usize, usize) {
        let before: String = self.text.chars().take(self.cursor).collect();
        let line = before.matches('\n').count();
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count());
        (line, col)
    }

    fn line_start(&self, line: usize) -> Option<(usize, usize)> {
        // (char index where `line` starts, its length in chars)
        let mut start = 0;
        for (i, l) in self.text.split('\n').enumerate() {
            let n = l.chars().count();
            if i == line {
                return Some((start, n));
            }
            start += n + 1;
        }
        None
    }

    pub fn handle(&mut self, key: &KeyEvent, multiline: bool) -> Edited {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char(c) if !ctrl => {
                self.insert(c);
                Edited::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = self.line_start(self.line_col().0).map_or(0, |(s, _)| s);
                Edited::Moved
            }
            KeyCode::Char('e') if ctrl => {
                let (line, _) = self.line_col();
                self.cursor = self.line_start(line).map_or(self.len(), |(s, n)| s + n);
                Edited::Moved
            }
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
                Edited::Changed
            }
            KeyCode::Enter if multiline => {
                self.insert('\n');
                Edited::Changed
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.byte_at(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                Edited::Changed
            }
            KeyCode::Delete if self.cursor < self.len() => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
                Edited::Changed
            }
            KeyCode::Left if self.cursor > 0 => {
                self.cursor -= 1;
                Edited::Moved
            }
            KeyCode::Right if self.cursor < self.len() => {
                self.cursor += 1;
                Edited::Moved
            }
            KeyCode::Home => {
                self.cursor = self.line_start(self.line_col().0).map_or(0, |(s, _)| s);
                Edited::Moved
            }
            KeyCode::End => {
                let (line, _) = self.line_col();
                self.cursor = self.line_start(line).map_or(self.len(), |(s, n)| s + n);
                Edited::Moved
            }
            KeyCode::Up => {
                let (line, col) = self.line_col();
                if !multiline || line == 0 {
                    return Edited::LeaveUp;
                }
                let (s, n) = self.line_start(line - 1).unwrap_or((0, 0));
                self.cursor = s + col.min(n);
                Edited::Moved
            }
            KeyCode::Down => {
                let (line, col) = self.line_col();
                match self.line_start(line + 1) {
                    Some((s, n)) if multiline => {
                        self.cursor = s + col.min(n);
                        Edited::Moved
                    }
                    _ => Edited::LeaveDown,
                }
            }
            KeyCode::Backspace | KeyCode::Delete | KeyCode::Left | KeyCode::Right => Edited::Moved,
            _ => Edited::Ignored,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_norwegian_text_by_chars() {
        let mut e = Editor::new("Bod");
        e.handle(&key(KeyCode::Char('ø')), false);
        assert_eq!(e.text, "Bodø");
        e.handle(&key(KeyCode::Left), false);
        e.handle(&key(KeyCode::Backspace), false);
        assert_eq!(e.text, "Boø");
        assert_eq!(e.cursor, 2);
        e.handle(&key(KeyCode::Delete), false);
        assert_eq!(e.text, "Bo");
    }

    #[test]
    fn moves_between_lines_and_leaves_at_the_edges() {
        let mut e = Editor::new("første\nandre linje");
        assert_eq!(e.line_col(), (1, 11));
        assert_eq!(e.handle(&key(KeyCode::Up), true), Edited::Moved);
        assert_eq!(e.line_col(), (0, 6));
        assert_eq!(e.handle(&key(KeyCode::Up), true), Edited::LeaveUp);
        assert_eq!(e.handle(&key(KeyCode::Down), true), Edited::Moved);
        assert_eq!(e.handle(&key(KeyCode::Down), true), Edited::LeaveDown);
        e.handle(&key(KeyCode::Enter), true);
        assert_eq!(e.text.matches('\n').count(), 2);
    }
}
