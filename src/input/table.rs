//! Reading one CSV input file: header mapping, UTF-8 checks and the location of every field.
//!
//! The contract lets column order vary and ignores unknown columns, accepts a UTF-8 byte order
//! mark, CRLF line ends and quoted fields. Fields are read as bytes and checked for UTF-8 one by
//! one, so a bad byte is reported at its line and column instead of failing the whole file.

use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::problems::{Location, Problem, Problems, read_file};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV file read into memory, with its required columns located in the header.
pub struct Table {
    path: PathBuf,
    data: Vec<u8>,
    /// For each required column (in the order the caller listed them), its 0-based field index.
    columns: Vec<usize>,
    names: &'static [&'static str],
    width: usize,
}

impl Table {
    /// Reads `path` and finds every column of `required` in its header row. Returns `None` (after
    /// recording why) when the file is missing, unreadable or lacks a required column.
    pub fn open(
        path: &Path,
        required: &'static [&'static str],
        problems: &mut Problems,
    ) -> Option<Table> {
        let data = read_file(path, "a CSV file with a header row", problems)?;
        let data = match data.strip_prefix(UTF8_BOM) {
            Some(rest) => rest.to_vec(),
            None => data,
        };
        let mut reader = reader(&data);
        let mut header = ByteRecord::new();
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                problems.push(Problem::new(
                    Location::file(path),
                    format!(
                        "found an empty file, expected a header row: {}",
                        required.join(",")
                    ),
                ));
                return None;
            }
            Err(error) => {
                problems.push(Problem::new(
                    Location::file(path),
                    format!("not valid CSV: {error}"),
                ));
                return None;
            }
        }
        let header_names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_ascii_lowercase())
            .collect();
        let mut columns = Vec::with_capacity(required.len());
        let mut missing = Vec::new();
        for name in required {
            match header_names.iter().position(|found| found == name) {
                Some(index) => columns.push(index),
                None => missing.push(format!("`{name}`")),
            }
        }
        if !missing.is_empty() {
            let found: Vec<String> = header_names.iter().map(|n| format!("`{n}`")).collect();
            problems.push(Problem::new(
                Location::line(path, 1),
                format!(
                    "missing column{} {}; the header has {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    if found.is_empty() {
                        "no columns".to_string()
                    } else {
                        found.join(", ")
                    },
                ),
            ));
            return None;
        }
        Some(Table {
            path: path.to_path_buf(),
            data,
            columns,
            names: required,
            width: header.len(),
        })
    }

    /// Calls `visit` with every data row. Rows whose field count differs from the header are
    /// reported and skipped.
    pub fn for_each_row(
        &self,
        problems: &mut Problems,
        mut visit: impl FnMut(&Row, &mut Problems),
    ) {
        let mut reader = reader(&self.data);
        let mut record = ByteRecord::new();
        // The header was read in `open`; read it again to position the reader after it.
        if !matches!(reader.read_byte_record(&mut record), Ok(true)) {
            return;
        }
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line());
                    problems.push(Problem::new(
                        Location::line(&self.path, line),
                        format!("not valid CSV: {error}"),
                    ));
                    break;
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != self.width {
                problems.push(Problem::new(
                    Location::line(&self.path, line),
                    format!(
                        "found {} fields, expected {} as in the header row",
                        record.len(),
                        self.width
                    ),
                ));
                continue;
            }
            visit(
                &Row {
                    table: self,
                    record: &record,
                    line,
                },
                problems,
            );
        }
    }
}

fn reader(data: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data)
}

/// One data row of a [`Table`].
pub struct Row<'a> {
    table: &'a Table,
    record: &'a ByteRecord,
    line: u64,
}

impl Row<'_> {
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The location of required column `column` (an index into the list given to [`Table::open`]).
    pub fn location(&self, column: usize) -> Location {
        Location::at(
            &self.table.path,
            self.line,
            self.table.columns[column] as u64 + 1,
        )
    }

    /// The problem "column `name`: found `value`, expected …" at this field.
    pub fn problem(&self, column: usize, message: impl AsRef<str>) -> Problem {
        Problem::new(
            self.location(column),
            format!(
                "column `{}`: {}",
                self.table.names[column],
                message.as_ref()
            ),
        )
    }

    /// The index in `labels` of this field's value, compared without regard to case (surrounding
    /// spaces are already gone), or `None` after recording that it is none of them.
    pub fn choice(&self, column: usize, labels: &[&str], problems: &mut Problems) -> Option<usize> {
        let text = self.text(column).map_err(|p| problems.push(p)).ok()?;
        let found = labels
            .iter()
            .position(|label| label.eq_ignore_ascii_case(text));
        if found.is_none() {
            let expected: Vec<String> = labels.iter().map(|l| format!("`{l}`")).collect();
            problems.push_hinted(
                self.problem(
                    column,
                    format!("found `{text}`, expected one of {}", expected.join(", ")),
                ),
                || {
                    super::suggest::closest(text, labels.iter().copied())
                        .map(|label| format!("did you mean `{label}`?"))
                },
            );
        }
        found
    }

    /// The text of required column `column`, with surrounding spaces removed, or the problem that
    /// it is not UTF-8.
    pub fn text(&self, column: usize) -> Result<&str, Problem> {
        let bytes = &self.record[self.table.columns[column]];
        std::str::from_utf8(bytes).map(str::trim).map_err(|error| {
            let bad = bytes[error.valid_up_to()];
            self.problem(
                column,
                format!(
                    "found invalid UTF-8 (byte 0x{bad:02X} after `{}`), expected UTF-8 text",
                    String::from_utf8_lossy(&bytes[..error.valid_up_to()])
                ),
            )
        })
    }
}
