//! How the command line speaks: standard output for results (which may go into a pipe that closes
//! early, as with `| head -1`), standard error for messages.

use std::fmt;
use std::io::Write;

/// Prints a line of results to standard output. When the reader has gone (a closed pipe), the
/// program ends quietly, as other Unix tools do, instead of failing on every later line.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::say::out_line(format_args!($($arg)*))
    };
}

/// Prints a line of a message to standard error. A message that cannot be shown is not a reason
/// to stop (or panic): the work it reports on is done.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say::err_line(format_args!($($arg)*))
    };
}

pub(crate) use {out, say};

pub(crate) fn out_line(line: fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_fmt(line)
        .and_then(|()| stdout.write_all(b"\n"))
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "error: cannot write the output: {error}");
        std::process::exit(1);
    }
}

pub(crate) fn err_line(line: fmt::Arguments) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_fmt(line)
        .and_then(|()| stderr.write_all(b"\n"));
}

/// An error and its causes on one line, as `error: cause: cause`.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Some messages already include their cause; do not say it twice.
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
