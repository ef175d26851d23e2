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
pub(crate) struct Location {
    pub(crate) file: PathBuf,
    /// 1-based line number, when the problem is on one line.
    pub(crate) line: Option<u64>,
    /// 1-based column: a field number in a CSV file, a character in a TOML or Typst file.
    pub(crate) column: Option<u64>,
}

impl Location {
    pub(crate) fn file(file: &Path) -> Self {
        Location {
            file: file.to_path_buf(),
            line: None,
            column: None,
        }
    }

    pub(crate) fn line(file: &Path, line: u64) -> Self {
        Location {
            file: file.to_path_buf(),
            line: Some(line),
            column: None,
        }
    }

    pub(crate) fn at(file: &Path, line: u64, column: u64) -> Self {
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
pub(crate) fn read_file(path: &Path, expected: &str, problems: &mut Problems) -> Option<Vec<u8>> {
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
pub(crate) fn utf8_text(path: &Path, bytes: Vec<u8>, problems: &mut Problems) -> Option<String> {
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
pub(crate) struct Problem {
    pub(crate) location: Location,
    /// What was found and what was expected, e.g. ``column `decision`: found `Upheldd`, expected …``.
    pub(crate) message: String,
    /// An optional suggestion, e.g. ``did you mean `Kent County Council`?``.
    pub(crate) hint: Option<String>,
}

impl Problem {
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        Problem {
            location,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
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

/// Every problem found in one validation run: the first [`SHOWN_PER_FILE`] of each file in the
/// order found, and a count of all of them.
///
/// Problems past a file's first [`SHOWN_PER_FILE`] are counted, never stored, and their hints are
/// never computed: rejecting a wholly wrong extract of a million rows costs about what checking a
/// good one does.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Problems {
    /// In the order each file's first problem was found.
    files: Vec<FileProblems>,
    total: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FileProblems {
    file: PathBuf,
    shown: Vec<Problem>,
    count: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, problem: Problem) {
        self.push_hinted(problem, || None);
    }

    /// Records `problem` with the hint `hint` makes, which is called only if the problem will be
    /// shown: a "did you mean" compares with every candidate and is too dear to make for problems
    /// nobody reads.
    pub(crate) fn push_hinted(&mut self, problem: Problem, hint: impl FnOnce() -> Option<String>) {
        self.total += 1;
        let file = match self
            .files
            .iter()
            .rposition(|f| f.file == problem.location.file)
        {
            Some(file) => file,
            None => {
                self.files.push(FileProblems {
                    file: problem.location.file.clone(),
                    shown: Vec::new(),
                    count: 0,
                });
                self.files.len() - 1
            }
        };
        let of_file = &mut self.files[file];
        of_file.count += 1;
        if of_file.shown.len() == SHOWN_PER_FILE {
            return;
        }
        let mut problem = problem;
        if problem.hint.is_none() {
            problem.hint = hint();
        }
        of_file.shown.push(problem);
    }

    /// The first problem kept to be shown at `line` of `file` (and at `column`, if given): to add
    /// to it what was learnt after it was found.
    pub(crate) fn shown_at(
        &mut self,
        file: &Path,
        line: u64,
        column: Option<u64>,
    ) -> Option<&mut Problem> {
        let of_file = self.files.iter_mut().find(|f| f.file == file)?;
        of_file.shown.iter_mut().find(|p| {
            p.location.line == Some(line) && column.is_none_or(|c| p.location.column == Some(c))
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// How many problems were found, shown or not.
    pub(crate) fn len(&self) -> usize {
        self.total
    }
}

impl fmt::Display for Problems {
    /// Prints the problems kept for each file, then how many more that file has.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for of_file in &self.files {
            for problem in &of_file.shown {
                if !first {
                    writeln!(f)?;
                }
                first = false;
                write!(f, "{problem}")?;
            }
            let more = of_file.count - of_file.shown.len();
            if more > 0 {
                write!(
                    f,
                    "\n{}: … and {} more problem{} in this file",
                    of_file.file.display(),
                    crate::numbers::thousands(more),
                    if more == 1 { "" } else { "s" }
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::path::Path;

    use super::*;

    #[test]
    fn hints_are_made_only_for_problems_that_are_shown() {
        let made = Cell::new(0);
        let mut problems = Problems::default();
        let file = Path::new("decisions.csv");
        for line in 2..32 {
            problems.push_hinted(
                Problem::new(Location::line(file, line), "found `x`"),
                || {
                    made.set(made.get() + 1);
                    Some("did you mean `y`?".to_string())
                },
            );
        }
        problems.push(Problem::new(Location::file(Path::new("other.csv")), "bad"));
        assert_eq!(made.get(), SHOWN_PER_FILE);
        assert_eq!(problems.len(), 31);
        let shown = problems.to_string();
        assert_eq!(shown.matches("did you mean").count(), SHOWN_PER_FILE);
        assert!(shown.ends_with(
            "decisions.csv:26: found `x`\n  hint: did you mean `y`?\n\
             decisions.csv: … and 5 more problems in this file\n\
             other.csv: bad"
        ));
    }
}
