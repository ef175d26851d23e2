//! `annual-review verify`: checks every file of an archive against its checksums.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::say::{out, printable};
use crate::archive::{self, Finding};
use crate::exit;
use crate::numbers::count;

#[derive(clap::Args)]
pub(super) struct VerifyArgs {
    /// A bag, or a folder of bags.
    #[arg(default_value = "archive")]
    archive: PathBuf,
}

/// A path as a line of output shows it: control characters escaped, so that a file's name
/// cannot move the cursor or colour the terminal.
fn shown(path: &Path) -> String {
    printable(&path.display().to_string())
}

pub(super) fn run(args: VerifyArgs) -> ExitCode {
    let reports = match archive::verify(&args.archive) {
        Ok(reports) => reports,
        Err(error) => return super::failed(&error),
    };
    let mut all_hold = true;
    for report in reports {
        for finding in &report.findings {
            all_hold = false;
            match finding {
                Finding::Changed(path) => out!("changed  {}", shown(path)),
                Finding::Missing(path) => out!("missing  {}", shown(path)),
                Finding::Extra(path) => out!("extra    {}", shown(path)),
                Finding::Unreadable { path, reason } => {
                    out!("unreadable {}: {reason}", shown(path))
                }
                Finding::NotAFile { path, what } => out!(
                    "not a file {}: {what}, where the bag should have a file",
                    shown(path)
                ),
                Finding::Invalid { path, reason } => out!("invalid  {}: {reason}", shown(path)),
                Finding::Unfinished(path) => out!(
                    "unfinished {}: an archive run was interrupted; `annual-review archive` finishes or undoes it",
                    shown(path)
                ),
            }
        }
        if report.findings.is_empty() {
            out!(
                "`{}`: all {} hold",
                shown(&report.bag),
                count(report.files_checked, "file")
            );
        } else {
            out!(
                "`{}`: {} in {} checked",
                shown(&report.bag),
                count(report.findings.len(), "problem"),
                count(report.files_checked, "file")
            );
        }
    }
    if all_hold {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    }
}
