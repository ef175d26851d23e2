//! `annual-review outbox`: writes each council's covering e-mail, its letter attached, for reading
//! before `send`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::SourceArgs;
use super::say::{printable, say};
use crate::delivery::{self, OutboxReport};
use crate::exit;
use crate::numbers::{count, thousands};

#[derive(clap::Args)]
pub(super) struct OutboxArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding the built `<year>/`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
}

pub(super) fn run(args: OutboxArgs) -> ExitCode {
    match delivery::outbox(&args.source.into(), &args.output) {
        Ok(report) => print(&report),
        Err(error) => super::failed(&error),
    }
}

fn print(report: &OutboxReport) -> ExitCode {
    for (name, why) in &report.held {
        say!("{}: {}", printable(name), printable(why));
    }
    if !report.removed.is_empty() {
        say!(
            "removed {} no current letter makes any more: {}",
            count(report.removed.len(), "unsent message"),
            report
                .removed
                .iter()
                .map(|file| format!("`{}`", printable(file)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut summary = format!(
        "wrote {} to `{}`",
        count(report.written.len(), "message"),
        report.dir.display()
    );
    if report.unchanged > 0 {
        summary.push_str(&format!(
            "; {} already there, unchanged",
            thousands(report.unchanged)
        ));
    }
    if report.sent > 0 {
        summary.push_str(&format!("; {} sent already", thousands(report.sent)));
    }
    if !report.held.is_empty() {
        summary.push_str(&format!(
            "; {} not written (above)",
            count(report.held.len(), "letter")
        ));
    }
    say!("{summary}");
    if report.is_complete() {
        if report.written.len() + report.unchanged > 0 {
            say!("read them, then `annual-review send` says what it would send; `--confirm` sends");
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    }
}
