//! The edit form: every field of an item, as text. Its whole state serialises, so a
//! half-written form can be kept as a draft when styr is stopped and offered back later.

use super::editor::{Edited, Editor};
use crate::i18n::{fill, Strings};
use crate::model::{FieldName, FieldParseError, FieldValue, Item, ItemId, Payload, StageKey};
use crossterm::event::KeyEvent;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    /// The item being edited; `None` for a new proposal.
    pub item: Option<ItemId>,
    /// Where a new proposal lands.
    pub stage: StageKey,
    pub fields: Vec<FormField>,
    pub focus: usize,
    /// A validation message, shown until the next key.
    #[serde(skip)]
    pub error: Option<String>,
    /// Esc was pressed with changes: waiting for yes/no.
    #[serde(skip)]
    pub confirm_discard: bool,
    /// Opened from the detail view, so closing returns there.
    #[serde(default)]
    pub from_detail: bool,
    /// Existing items like this new proposal (id, likeness in per cent), found when it
    /// was first saved: shown before it is created, with a key to link to one instead.
    /// A further save creates it anyway; editing the text asks again.
    #[serde(skip)]
    pub similar: Option<Vec<(ItemId, u8)>>,
    /// Which look-alike a link goes to.
    #[serde(skip)]
    pub similar_pick: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    pub name: FieldName,
    pub editor: Editor,
    /// The text the field had when the form opened.
    pub original: String,
}

impl FormState {
    pub fn for_new(stage: StageKey) -> Self {
        Self::build(None, stage, |_| String::new())
    }

    pub fn for_item(item: &Item) -> Self {
        Self::build(Some(item.id), item.stage.clone(), |n| item.get(n).to_text())
    }

    fn build(item: Option<ItemId>, stage: StageKey, text: impl Fn(FieldName) -> String) -> Self {
        let fields = FieldName::ALL
            .iter()
            .map(|&name| {
                let t = text(name);
                FormField {
                    name,
                    editor: Editor::new(&t),
                    original: t,
                }
            })
            .collect();
        FormState {
            item,
            stage,
            fields,
            focus: 0,
            error: None,
            confirm_discard: false,
            from_detail: false,
            similar: None,
            similar_pick: 0,
        }
    }

    pub fn is_changed(&self) -> bool {
        self.fields.iter().any(|f| f.editor.text != f.original)
    }

    pub fn focused(&self) -> &FormField {
        &self.fields[self.focus.min(self.fields.len() - 1)]
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev_field(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    /// Feeds an editing key to the focused field. Returns false when the key was not an
    /// editing key.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        self.error = None;
        let i = self.focus.min(self.fields.len() - 1);
        let multiline = self.fields[i].name == FieldName::Description;
        match self.fields[i].editor.handle(key, multiline) {
            Edited::Changed => {
                // The look-alikes were for the old text.
                self.similar = None;
                true
            }
            Edited::Moved => true,
            Edited::LeaveUp => {
                if self.focus > 0 {
                    self.prev_field();
                }
                true
            }
            Edited::LeaveDown => {
                if self.focus + 1 < self.fields.len() {
                    self.next_field();
                }
                true
            }
            Edited::Ignored => false,
        }
    }

    /// The op payload this form saves as: `Ok(None)` when nothing changed; `Err` with a
    /// message naming the field when a value cannot be read.
    pub fn to_payload(&self, t: &Strings) -> Result<Option<Payload>, String> {
        let mut values = Vec::new();
        for f in &self.fields {
            let is_new = self.item.is_none();
            if !is_new && f.editor.text == f.original {
                continue;
            }
            let v = FieldValue::parse(f.name, &f.editor.text).map_err(|e| {
                let template = match e {
                    FieldParseError::NotANumber => t.bad_number,
                    FieldParseError::NotADate => t.bad_date,
                };
                fill(
                    template,
                    &[
                        ("field", &(t.fields)(f.name)),
                        ("value", &f.editor.text.trim()),
                    ],
                )
            })?;
            if is_new && v.to_text().is_empty() {
                continue;
            }
            values.push(v);
        }
        let title_empty = self
            .fields
            .iter()
            .any(|f| f.name == FieldName::Title && f.editor.text.trim().is_empty());
        if title_empty {
            return Err(t.title_required.to_string());
        }
        Ok(match self.item {
            None => Some(Payload::CreateItem {
                item: ItemId::new(),
                stage: self.stage.clone(),
                fields: values,
            }),
            Some(_) if values.is_empty() => None,
            Some(item) => Some(Payload::EditItem {
                item,
                changes: values,
            }),
        })
    }

    /// The text of one field as typed.
    pub fn text(&self, name: FieldName) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map_or("", |f| f.editor.text.as_str())
    }

    /// The look-alike a link would go to.
    pub fn picked_similar(&self) -> Option<ItemId> {
        let list = self.similar.as_ref()?;
        list.get(self.similar_pick.min(list.len().saturating_sub(1)))
            .map(|(id, _)| *id)
    }

    pub fn to_draft(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a draft back; a draft from an older or damaged form is dropped, not fatal.
    pub fn from_draft(text: &str) -> Option<FormState> {
        let mut f: FormState = serde_json::from_str(text).ok()?;
        if f.fields.is_empty() {
            return None;
        }
        f.focus = f.focus.min(f.fields.len() - 1);
        for field in &mut f.fields {
            field.editor.cursor = field.editor.cursor.min(field.editor.text.chars().count());
        }
        Some(f)
    }
}
