//! Reading a file, choosing the reader by its extension and the text encoding by its
//! bytes.

use super::csv_read::read_csv_mapped;
use super::map::ColumnMap;
use super::xlsx_read::read_workbook;
use super::{read_json_with, ImportedItem};
use crate::io::error::FormatReason;
use crate::io::ImportError;
use crate::model::Stages;
use std::borrow::Cow;
use std::path::Path;

/// How the file was read: told to the user when it is not plain UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// UTF-8 text.
    Utf8,
    /// UTF-8 text after a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 text after its byte order mark (Excel's "Unicode text").
    Utf16,
    /// Not UTF-8, so read as Windows-1252: what Excel in Norway writes as plain "CSV".
    Windows1252,
    /// A sheet of a workbook (.xlsx and the like).
    Workbook { sheet: String },
}

/// What to read and how: the board whose stages rows may name, `--map` mappings, and
/// the sheet of a workbook (the first when `None`).
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub stages: Stages,
    pub map: ColumnMap,
    pub sheet: Option<String>,
}

/// The rows of a file, each with the line (or sheet row) it starts on.
#[derive(Clone, Debug)]
pub struct ReadFile {
    pub rows: Vec<ImportedItem>,
    /// `lines[i]` is where `rows[i]` starts: a line of a CSV file (the header is 1), a
    /// row of a sheet as the spreadsheet numbers it, or the position in a JSON array.
    pub lines: Vec<u64>,
    pub source: Source,
}

/// Reads a `.csv` or `.json` file (by extension, in any case). A UTF-8 byte order mark
/// is dropped; text that is not UTF-8 is read as Windows-1252.
pub fn read_path(path: &Path) -> Result<Vec<ImportedItem>, ImportError> {
    read_path_with(path, &Stages::default())
}

/// As [`read_path`], checking stage keys against `stages`.
pub fn read_path_with(path: &Path, stages: &Stages) -> Result<Vec<ImportedItem>, ImportError> {
    let options = ReadOptions {
        stages: stages.clone(),
        ..ReadOptions::default()
    };
    read_file(path, &options, &mut |_, _| {}).map(|f| f.rows)
}

/// Whether the file is read as a workbook (by its extension), so that its rows are
/// sheet rows rather than lines.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| matches!(e.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods"))
}

/// Reads a file by its extension: `.csv` (also `.tsv`), `.json` (styr's
/// export), or a workbook (`.xlsx`, `.xlsm`, `.xls`, `.ods`). `progress` is told
/// (done, all) now and then while reading, in bytes or rows.
pub fn read_file(
    path: &Path,
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ReadFile, ImportError> {
    #[derive(PartialEq)]
    enum Kind {
        Csv,
        Json,
        Workbook,
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let kind = match extension.as_deref() {
        Some("csv" | "tsv") => Kind::Csv,
        Some("json") => Kind::Json,
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => Kind::Workbook,
        _ => {
            return Err(ImportError::Format(FormatReason::UnknownExtension {
                file: path.display().to_string(),
            }))
        }
    };
    if kind == Kind::Json && !options.map.is_empty() {
        return Err(ImportError::Format(FormatReason::MapOnJson));
    }
    let bytes = std::fs::read(path).map_err(|e| ImportError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    match kind {
        Kind::Csv => read_csv_bytes(&bytes, options, progress),
        Kind::Workbook => {
            let (rows, lines, sheet) = read_workbook(
                bytes,
                options.sheet.as_deref(),
                &options.map,
                &options.stages,
                progress,
            )?;
            Ok(ReadFile {
                rows,
                lines,
                source: Source::Workbook { sheet },
            })
        }
        Kind::Json => {
            let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes))
                .map_err(|_| ImportError::Format(FormatReason::JsonNotUtf8))?;
            let rows = read_json_with(text, &options.stages)?;
            let lines = (1..=rows.len() as u64).collect();
            Ok(ReadFile {
                rows,
                lines,
                source: Source::Utf8,
            })
        }
    }
}

/// Reads CSV from raw bytes in any of the encodings of [`decode`].
pub fn read_csv_bytes(
    bytes: &[u8],
    options: &ReadOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<ReadFile, ImportError> {
    let (text, source) = decode(bytes);
    // Text never holds NUL; a file that does is a binary file under a .csv name, or
    // text in an encoding styr does not read. Saying so beats listing its bytes as a
    // header.
    if text.contains('\0') {
        return Err(ImportError::Format(FormatReason::NulBytes));
    }
    let (rows, lines) = read_csv_mapped(&text, &options.map, &options.stages, progress)?;
    Ok(ReadFile {
        rows,
        lines,
        source,
    })
}

/// The text of a file: UTF-8 (a byte order mark dropped), UTF-16 after its byte order
/// mark, and otherwise Windows-1252, which decodes any bytes. A file that is valid
/// UTF-8 is read as UTF-8 even if it was meant as Windows-1252; the two agree on ASCII,
/// and Windows-1252 text with æøå is almost never valid UTF-8.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Source) {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = &bytes[bom..];
        if encoding == encoding_rs::UTF_8 {
            if let Ok(text) = std::str::from_utf8(rest) {
                return (Cow::Borrowed(text), Source::Utf8Bom);
            }
        } else {
            let (text, _) = encoding.decode_without_bom_handling(rest);
            return (text, Source::Utf16);
        }
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(bytes);
        return (text, Source::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), Source::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, Source::Windows1252)
        }
    }
}

/// UTF-16 text saved without its byte order mark: in the first bytes, every other
/// byte is 0 (the high byte of ASCII and Latin letters), at odd places for little
/// endian, at even ones for big endian. Text in one-byte encodings has no 0 bytes.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(512) & !1];
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let zeros_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    // Nearly all high bytes 0, and none of the low ones: a real UTF-16 text.
    if odd * 10 >= pairs * 9 && even == 0 {
        Some(encoding_rs::UTF_16LE)
    } else if even * 10 >= pairs * 9 && odd == 0 {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom_and_windows_1252() {
        assert_eq!(
            decode("Åfjord".as_bytes()),
            (Cow::Borrowed("Åfjord"), Source::Utf8)
        );
        let (t, s) = decode(b"\xEF\xBB\xBFTittel");
        assert_eq!((t.as_ref(), s), ("Tittel", Source::Utf8Bom));
        let (t, s) = decode(b"\xC5fjord, \xD8rland, Tr\xE6na");
        assert_eq!(
            (t.as_ref(), s),
            ("Åfjord, Ørland, Træna", Source::Windows1252)
        );
        // A BOM before bytes that are not UTF-8 after all: Windows-1252, BOM and all.
        let (_, s) = decode(b"\xEF\xBB\xBF\xC5");
        assert_eq!(s, Source::Windows1252);
        // UTF-16 without its byte order mark, either byte order.
        let le: Vec<u8> = "tittel,innsender\nØst,Å"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            decode(&le),
            (Cow::Borrowed("tittel,innsender\nØst,Å"), Source::Utf16)
        );
        let be: Vec<u8> = "tittel\nÅs"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(decode(&be), (Cow::Borrowed("tittel\nÅs"), Source::Utf16));
        let (t, s) = decode(b"\xFF\xFEA\x00\xC5\x00");
        assert_eq!((t.as_ref(), s), ("AÅ", Source::Utf16));
    }
}
