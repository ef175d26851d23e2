//! Exit statuses, and the errors that know theirs: an error goes up to the command line, which
//! prints it once, with its whole cause chain, and ends with the status the error names.

/// Some of it could not be done: letters failed (the others were written), a file could not be
/// written, another run holds the folder, or `verify` found a problem.
pub(crate) const FAILED: u8 = 1;
/// The input or the command line is invalid, and nothing was written.
pub(crate) const INVALID: u8 = 2;

use crate::input::Problems;
use crate::numbers::count;

/// An error that ends a command.
pub(crate) trait Exit: std::error::Error {
    /// [`FAILED`] or [`INVALID`].
    fn exit_status(&self) -> u8 {
        FAILED
    }

    /// The input's problems, when that is what the error is: they are printed as their list.
    fn problems(&self) -> Option<&Problems> {
        None
    }
}

/// What the command line prints for `error`: the input's problems, one a line, and how many; or
/// `error: ` and the cause chain, and, when nothing was written because the command line is
/// invalid, a line that says so.
pub(crate) fn report(error: &dyn Exit) -> String {
    if let Some(problems) = error.problems() {
        return format!(
            "{problems}\nerror: the input has {}; nothing was written",
            count(problems.len(), "problem")
        );
    }
    let mut text = format!("error: {}", chain(error));
    if error.exit_status() == INVALID {
        text.push_str("\nnothing was written");
    }
    text
}

/// An error and its causes on one line: `error: cause: cause`. Each message says only its own
/// part (a message never repeats its source), so nothing is said twice.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Exit for crate::files::WriteError {}
