//! Reading one CSV input file: header mapping, UTF-8 checks and the location of every field.
//!
//! The contract lets column order vary and ignores unknown columns, accepts a UTF-8 byte order
//! mark, any line ends (LF, CRLF as Excel on Windows writes, or a lone CR) and quoted fields,
//! also over several lines. Fields are read as bytes and checked for UTF-8 one by one, so a bad
//! byte is reported at its line and column instead of failing the whole file. Files that are
//! not CSV text at all (a workbook, UTF-16, another separator) are named for what they are.

use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::problems::{Location, Problem, Problems, read_file};

/// What to tell someone whose spreadsheet program wrote something other than UTF-8 CSV.
const SAVE_AS_CSV: &str =
    "in Excel, use File → Save As → \"CSV UTF-8 (Comma delimited)\" and replace this file";

/// A CSV file read into memory, with its required and optional columns located in the header.
pub(crate) struct Table {
    path: PathBuf,
    data: Vec<u8>,
    /// For each column (the required ones in the order the caller listed them, then the optional
    /// ones), its 0-based field index; `None` for an optional column the header lacks.
    columns: Vec<Option<usize>>,
    names: Vec<&'static str>,
    width: usize,
    /// The header's line.
    header_line: u64,
}

impl Table {
    /// Reads `path` and finds every column of `required`, and those of `optional` it has, in its
    /// header row; columns are then numbered in that order (the optional ones after the
    /// required). Returns `None` (after recording why) when the file is missing, unreadable, not
    /// CSV text, or its header lacks a required column or has a column twice.
    pub(crate) fn open(
        path: &Path,
        required: &'static [&'static str],
        optional: &'static [&'static str],
        problems: &mut Problems,
    ) -> Option<Table> {
        let data = read_file(path, "a CSV file with a header row", problems)?;
        if let Some(found) = not_csv_text(&data) {
            problems.push(
                Problem::new(
                    Location::file(path),
                    format!("found {found}, expected UTF-8 CSV text"),
                )
                .with_hint(Some(SAVE_AS_CSV.to_string())),
            );
            return None;
        }
        if let Some(location) = first_nul(path, &data) {
            // One stray NUL (a damaged file) is one problem, not one for every row after it.
            problems.push(Problem::new(
                location,
                "found a NUL byte, which text never holds, expected UTF-8 CSV text; the file may be damaged",
            ));
            return None;
        }
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
        let line = Lines::new(&data).line_of(record_start(&data, &header));
        let header_names: Vec<String> = header
            .iter()
            .map(|name| String::from_utf8_lossy(name).trim().to_ascii_lowercase())
            .collect();
        let mut columns = Vec::with_capacity(required.len() + optional.len());
        let mut missing = Vec::new();
        let mut twice = false;
        for (index, name) in required.iter().chain(optional).enumerate() {
            let fields: Vec<usize> = (0..header_names.len())
                .filter(|&field| header_names[field] == *name)
                .collect();
            match fields[..] {
                [] if index >= required.len() => columns.push(None),
                [] => missing.push(format!("`{name}`")),
                [field] => columns.push(Some(field)),
                [.., last] => {
                    twice = true;
                    let numbers: Vec<String> = fields.iter().map(|f| (f + 1).to_string()).collect();
                    let (init, tail) = numbers.split_at(numbers.len() - 1);
                    let times = match fields.len() {
                        2 => "twice".to_string(),
                        n => format!("{n} times"),
                    };
                    problems.push(Problem::new(
                        Location::at(path, line, last as u64 + 1),
                        format!(
                            "found column `{name}` {times}, as fields {} and {}, expected each column once",
                            init.join(", "),
                            tail[0]
                        ),
                    ));
                }
            }
        }
        if !missing.is_empty() {
            let found: Vec<String> = header_names.iter().map(|n| format!("`{n}`")).collect();
            problems.push(
                Problem::new(
                    Location::line(path, line),
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
                )
                .with_hint(other_separator(&header)),
            );
        }
        if twice || !missing.is_empty() {
            return None;
        }
        Some(Table {
            path: path.to_path_buf(),
            data,
            columns,
            names: required.iter().chain(optional).copied().collect(),
            width: header.len(),
            header_line: line,
        })
    }

    /// Calls `visit` with every data row. Rows of empty fields (what a spreadsheet leaves after
    /// its last row) are skipped; rows whose field count differs from the header, and a quote
    /// that is never closed, are reported.
    pub(crate) fn for_each_row(
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
        let mut lines = Lines::new(&self.data);
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    let line = error
                        .position()
                        .map_or(0, |p| lines.line_of(p.byte() as usize));
                    problems.push(Problem::new(
                        Location::line(&self.path, line),
                        format!("not valid CSV: {error}"),
                    ));
                    break;
                }
            }
            let start = record_start(&self.data, &record);
            let line = lines.line_of(start);
            // The csv crate reads an unclosed quote to the end of the file as one field; only the
            // record that reaches the end can hold one, so only it is scanned again.
            if reader.position().byte() as usize == self.data.len()
                && let Some((quote, field)) = unclosed_quote(&self.data[start..])
            {
                problems.push(Problem::new(
                    Location::at(&self.path, lines.line_of(start + quote), field as u64 + 1),
                    "found a quote `\"` that is never closed, expected a closing `\"` before the end of the file",
                ));
                break;
            }
            if record.iter().all(|field| field.trim_ascii().is_empty()) {
                continue;
            }
            if record.len() != self.width {
                problems.push(Problem::new(
                    Location::line(&self.path, line),
                    format!(
                        "found {} field{}, expected {} as in the header row",
                        record.len(),
                        if record.len() == 1 { "" } else { "s" },
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

    /// The 1-based field number of required column `column` (an index into the list given to
    /// [`Table::open`]).
    pub(crate) fn field_number(&self, column: usize) -> u64 {
        self.columns[column].map_or(0, |field| field as u64 + 1)
    }

    /// Where the header row is.
    pub(crate) fn header_location(&self) -> Location {
        Location::line(&self.path, self.header_line)
    }

    /// Whether the header has column `column` (always, for a required one).
    pub(crate) fn has(&self, column: usize) -> bool {
        self.columns[column].is_some()
    }
}

/// The csv crate's reader over the whole file. It skips a UTF-8 byte order mark and empty
/// lines, and takes LF, CRLF and a lone CR as line ends.
fn reader(data: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data)
}

/// What a file that is not CSV text is, judged by its first bytes: what a spreadsheet program
/// writes when asked for the wrong format.
fn not_csv_text(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"PK\x03\x04") {
        Some("an Excel workbook (a zip archive such as .xlsx)")
    } else if data.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("an Excel 97-2003 workbook (.xls)")
    } else if data.starts_with(b"\xFF\xFE") || data.starts_with(b"\xFE\xFF") {
        Some("UTF-16 text")
    } else if memchr::memchr(0, &data[..data.len().min(1024)]).is_some() {
        // Text never holds NUL; UTF-16 without a byte order mark has one in every ASCII letter.
        Some("binary data (NUL bytes, as in UTF-16 text)")
    } else {
        None
    }
}

/// Where the first NUL byte of `data` is, by line and field, if it has one past the first bytes
/// ([`not_csv_text`] judges those).
fn first_nul(path: &Path, data: &[u8]) -> Option<Location> {
    let at = memchr::memchr(0, data)?;
    let mut reader = reader(data);
    let mut record = ByteRecord::new();
    let mut lines = Lines::new(data);
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if let Some(field) = record.iter().position(|field| field.contains(&0)) {
            let line = lines.line_of(record_start(data, &record));
            return Some(Location::at(path, line, field as u64 + 1));
        }
    }
    Some(Location::line(path, Lines::new(data).line_of(at)))
}

/// The hint for a header that is one field holding tabs or semicolons: a file saved with
/// another separator.
fn other_separator(header: &ByteRecord) -> Option<String> {
    if header.len() != 1 {
        return None;
    }
    let separator = if header[0].contains(&b'\t') {
        "tabs"
    } else if header[0].contains(&b';') {
        "semicolons"
    } else {
        return None;
    };
    Some(format!(
        "the fields are separated by {separator}, expected commas: {SAVE_AS_CSV}"
    ))
}

/// The byte offset of the first byte of `record`. The csv crate's position of a record is where
/// it started reading it, which may be the line end of the row before, or empty lines.
fn record_start(data: &[u8], record: &ByteRecord) -> usize {
    let from = record.position().map_or(0, |p| p.byte() as usize);
    from + data[from..]
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// The line of a byte offset, counted forward from the last offset asked about, so that a whole
/// file costs one pass. A line ends at LF, CRLF or a lone CR. (The csv crate's own line count
/// names the line before the real one in a CRLF file, and line 1 for all of a CR file.)
struct Lines<'a> {
    data: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    fn new(data: &'a [u8]) -> Self {
        Lines {
            data,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of byte `offset`, which is never before the last one asked about.
    fn line_of(&mut self, offset: usize) -> u64 {
        debug_assert!(offset >= self.offset, "lines are counted forward only");
        for end in memchr::memchr2_iter(b'\n', b'\r', &self.data[self.offset..offset]) {
            let at = self.offset + end;
            // The CR of a CRLF is not a line end of its own: its LF is.
            if self.data[at] == b'\n' || self.data.get(at + 1) != Some(&b'\n') {
                self.line += 1;
            }
        }
        self.offset = offset;
        self.line
    }
}

/// In the raw text of the record that reaches the end of the file, the offset of a quote that
/// opens a field and is never closed, and that field's 0-based index. Follows the csv crate's
/// rules: a quote opens a field only as its first byte, and `""` inside is an escaped quote.
fn unclosed_quote(record: &[u8]) -> Option<(usize, usize)> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted { opened: usize },
        QuoteInQuoted { opened: usize },
    }
    let mut state = State::FieldStart;
    let mut field = 0;
    for (at, &byte) in record.iter().enumerate() {
        state = match (state, byte) {
            (State::FieldStart, b'"') => State::Quoted { opened: at },
            (State::Quoted { opened }, b'"') => State::QuoteInQuoted { opened },
            (State::QuoteInQuoted { opened }, b'"') => State::Quoted { opened },
            (quoted @ State::Quoted { .. }, _) => quoted,
            (_, b',') => {
                field += 1;
                State::FieldStart
            }
            (_, b'\r' | b'\n') => return None,
            _ => State::Unquoted,
        };
    }
    match state {
        State::Quoted { opened } => Some((opened, field)),
        _ => None,
    }
}

/// One data row of a [`Table`].
pub(crate) struct Row<'a> {
    table: &'a Table,
    record: &'a ByteRecord,
    line: u64,
}

impl Row<'_> {
    pub(crate) fn line(&self) -> u64 {
        self.line
    }

    /// The location of required column `column` (an index into the list given to [`Table::open`]).
    pub(crate) fn location(&self, column: usize) -> Location {
        Location::at(&self.table.path, self.line, self.table.field_number(column))
    }

    /// The problem "column `name`: found `value`, expected …" at this field.
    pub(crate) fn problem(&self, column: usize, message: impl AsRef<str>) -> Problem {
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
    pub(crate) fn choice(
        &self,
        column: usize,
        labels: &[&str],
        problems: &mut Problems,
    ) -> Option<usize> {
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
    pub(crate) fn text(&self, column: usize) -> Result<&str, Problem> {
        let Some(field) = self.table.columns[column] else {
            // An optional column the file does not have: as if every row left it empty.
            return Ok("");
        };
        let bytes = &self.record[field];
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        let data = b"a\nb\r\nc\rd\r\n\r\ne";
        let mut lines = Lines::new(data);
        let line_of = |needle: u8, lines: &mut Lines| {
            lines.line_of(data.iter().position(|&b| b == needle).unwrap())
        };
        assert_eq!(line_of(b'a', &mut lines), 1);
        assert_eq!(line_of(b'b', &mut lines), 2);
        assert_eq!(line_of(b'c', &mut lines), 3);
        assert_eq!(line_of(b'd', &mut lines), 4);
        assert_eq!(line_of(b'e', &mut lines), 6);
    }

    #[test]
    fn a_crlf_split_between_two_counts_is_one_line_end() {
        let data = b"a\r\nb";
        let mut lines = Lines::new(data);
        assert_eq!(lines.line_of(2), 1, "the CR before the LF ends nothing");
        assert_eq!(lines.line_of(3), 2);
    }

    #[test]
    fn unclosed_quotes_are_found_as_the_csv_crate_reads_them() {
        assert_eq!(unclosed_quote(b"a,\"b,c\n"), Some((2, 1)));
        assert_eq!(unclosed_quote(b"a,\"b\"\"\n"), Some((2, 1)));
        assert_eq!(unclosed_quote(b"a,\"b\"\"\",c\n"), None);
        assert_eq!(unclosed_quote(b"a,\"b\nc\",d\n"), None);
        // A quote inside an unquoted field is a character, not the start of a quoted field.
        assert_eq!(unclosed_quote(b"a,b\"c,d"), None);
        assert_eq!(unclosed_quote(b"\"a\"b,\"c"), Some((5, 1)));
    }
}
