//! How the command line speaks: standard output for results (which may go into a pipe that closes
//! early, as with `| head -1`), standard error for messages.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints a line of results to standard output. When the reader has gone (a closed pipe), the
/// later lines are dropped quietly, as other Unix tools do, and the command still ends with the
/// status of what it found (`verify | head -1` on a damaged bag still exits 1).
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

/// Whether standard output's reader has gone.
static CLOSED: AtomicBool = AtomicBool::new(false);

pub(crate) fn out_line(line: fmt::Arguments) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_fmt(line)
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush())
    {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            CLOSED.store(true, Ordering::Relaxed);
            return;
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

/// `text` with its control characters written as escapes (`\u{1b}`), for a name that came from
/// the disk or the input: printed as it is, it could move the cursor or colour the terminal.
pub(crate) fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}
