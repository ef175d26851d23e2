//! `annual-review archive`: freezes a built year into a BagIt bag, or adds a reissue to it.

use std::path::PathBuf;
use std::process::ExitCode;

use super::SourceArgs;
use super::say::say;
use crate::archive::{self, ArchiveOptions, ArchiveOutcome, Recovered, Reissue};
use crate::numbers::count;

#[derive(clap::Args)]
pub(super) struct ArchiveArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding `<year>/manifest.json`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// The year to archive; it must be the year of the input [default: the input's year].
    #[arg(long)]
    year: Option<String>,
    /// Add the letters rebuilt since the last archive beside the originals.
    #[arg(long, requires = "reason")]
    reissue: bool,
    /// Why the letters are reissued (recorded in the archive's history).
    #[arg(long, requires = "reissue")]
    reason: Option<String>,
    /// The reissue's date, YYYY-MM-DD, not before the publication or the last reissue
    /// [default: today].
    #[arg(long, requires = "reissue", value_parser = parse_date)]
    date: Option<chrono::NaiveDate>,
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    crate::input::parse_date(text).map_err(|expected| format!("expected {expected}"))
}

pub(super) fn run(args: ArchiveArgs) -> ExitCode {
    let options = ArchiveOptions {
        sources: args.source.into(),
        output: args.output,
        year: args.year,
        reissue: args.reissue.then(|| Reissue {
            reason: args.reason.unwrap_or_default(),
            date: args.date.unwrap_or_else(archive::today),
        }),
    };
    let archived = match archive::archive(&options) {
        Ok(archived) => archived,
        Err(error) => return super::failed(&error),
    };
    for recovered in &archived.recovered {
        match recovered {
            Recovered::RolledBack(path) => say!(
                "note: an interrupted archive run left `{}` unfinished; it was removed and the archive is as it was before that run",
                path.display()
            ),
            Recovered::Finished(bag) => say!(
                "note: an interrupted archive run had committed a change to `{}`; it was finished",
                bag.display()
            ),
        }
    }
    match archived.outcome {
        ArchiveOutcome::Created { bag, files } => {
            say!("archived {} in `{}`", count(files, "file"), bag.display());
        }
        ArchiveOutcome::AlreadyArchived { bag } => {
            say!(
                "`{}` already holds this publication; nothing was written",
                bag.display()
            );
        }
        ArchiveOutcome::Reissued {
            bag,
            directory,
            files,
            withdrawn,
        } => {
            say!(
                "added {} to `{}` under {directory}{}",
                count(files.len(), "reissued file"),
                bag.display(),
                if files.is_empty() { "" } else { ":" }
            );
            for file in files {
                say!("  {file}");
            }
            if !withdrawn.is_empty() {
                say!(
                    "recorded {} as withdrawn (kept in the bag, no longer part of the publication):",
                    count(withdrawn.len(), "file")
                );
                for file in withdrawn {
                    say!("  {file}");
                }
            }
        }
        ArchiveOutcome::NothingToReissue { bag } => {
            say!(
                "nothing to reissue: every file matches its latest version in `{}`",
                bag.display()
            );
        }
    }
    ExitCode::SUCCESS
}
