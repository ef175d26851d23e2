//! Problems found in the input: where each one is and what was expected.
//!
//! Validation never stops at the first problem. Every stage pushes what it finds into one
//! [`Problems`] list, and the build refuses to write anything while the list is not empty.

use std::fmt;
use std::path::{Path, PathBuf};

/// How many problems of one file are printed before the rest are only counted: enough to see
/// every kind of mistake, few enough that a wholly wrong file does not flood the terminal.
const SHOWN_PER_FILE: usize = 25;

/// Where in an input file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line number, when the problem is on one line.
    pub line: Option<u64>,
    /// 1-based column: a field number in a CSV file, a character in a TOML or Typst file.
    pub column: Option<u64>,
}

impl Location {
    pub fn file(file: &Path) -> Self {
        Location {
            file: file.to_path_buf(),
            line: None,
            column: None,
        }
    }

    pub fn line(file: &Path, line: u64) -> Self {
        Location {
            file: file.to_path_buf(),
            line: Some(line),
            column: None,
        }
    }

    pub fn at(file: &Path, line: u64, column: u64) -> Self {
        Location {
            file: file.to_path_buf(),
            line: Some(line),
            column: Some(column),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        Ok(())
    }
}

/// Reads an input file, or records why it cannot be read: missing (`expected` says what the file
/// should hold) or unreadable.
pub fn read_file(path: &Path, expected: &str, problems: &mut Problems) -> Option<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            let message = if error.kind() == std::io::ErrorKind::NotFound {
                format!("file not found, expected {expected}")
            } else {
                format!("cannot read: {error}")
            };
            problems.push(Problem::new(Location::file(path), message));
            None
        }
    }
}

/// The bytes of a text file as a string, or the problem at the line and column of the first
/// byte that is not UTF-8.
pub fn utf8_text(path: &Path, bytes: Vec<u8>, problems: &mut Problems) -> Option<String> {
    String::from_utf8(bytes)
        .map_err(|error| {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let before = std::str::from_utf8(valid).expect("the valid prefix is UTF-8");
            let line = before.matches('\n').count() as u64 + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
            problems.push(Problem::new(
                Location::at(path, line, column),
                "found invalid UTF-8, expected UTF-8 text",
            ));
        })
        .ok()
}

/// One thing wrong with the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// What was found and what was expected, e.g. ``column `decision`: found `Upheldd`, expected …``.
    pub message: String,
    /// An optional suggestion, e.g. ``did you mean `Kent County Council`?``.
    pub hint: Option<String>,
}

impl Problem {
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Problem {
            location,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in one validation run, in the order found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Problems {
    /// Prints up to [`SHOWN_PER_FILE`] problems of each file, then how many more that file has.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut files: Vec<&Path> = Vec::new();
        for problem in &self.0 {
            if !files.contains(&problem.location.file.as_path()) {
                files.push(&problem.location.file);
            }
        }
        let mut first = true;
        for file in files {
            let of_file: Vec<&Problem> =
                self.0.iter().filter(|p| p.location.file == file).collect();
            for problem in of_file.iter().take(SHOWN_PER_FILE) {
                if !first {
                    writeln!(f)?;
                }
                first = false;
                write!(f, "{problem}")?;
            }
            if of_file.len() > SHOWN_PER_FILE {
                write!(
                    f,
                    "\n{}: … and {} more problems in this file",
                    file.display(),
                    of_file.len() - SHOWN_PER_FILE
                )?;
            }
        }
        Ok(())
    }
}
