//! `annual-review status`: what a build would write or remove, and why.

use std::path::PathBuf;
use std::process::ExitCode;

use super::SourceArgs;
use super::say::out;
use crate::numbers::{count, thousands};
use crate::status::{self, Change};

#[derive(clap::Args)]
pub(super) struct StatusArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding `<year>/manifest.json`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// Print the report as JSON, for scripts: each reason as its kind, its values and its words.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: StatusArgs) -> ExitCode {
    let report = match status::status(&args.source.into(), &args.output) {
        Ok(report) => report,
        Err(error) => return super::failed(&error),
    };
    if args.json {
        out!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain data serializes")
        );
        return ExitCode::SUCCESS;
    }
    for council in &report.letters {
        out!(
            "{:<9}{} ({})",
            council.change.label(),
            council.files.join(", "),
            council.name
        );
        for why in &council.reasons {
            out!("         {}", why.text);
        }
    }
    for file in &report.files {
        out!("{:<9}{}", file.change.label(), file.file);
        for why in &file.reasons {
            out!("         {}", why.text);
        }
    }
    for file in &report.not_ours {
        out!("{:<9}{file}", "other");
        out!(
            "         not made by annual-review (or changed since it was); a build leaves it alone"
        );
    }
    let councils = |change| report.letters.iter().filter(|c| c.change == change).count();
    if report.is_clean() {
        out!(
            "{} of {} {} up to date, with their pages and the site",
            if report.up_to_date == 1 {
                "the 1 letter".to_string()
            } else {
                format!("all {}", count(report.up_to_date, "letter"))
            },
            report.year,
            if report.up_to_date == 1 { "is" } else { "are" }
        );
        print_delivery(&report);
        return ExitCode::SUCCESS;
    }
    let mut summary = format!(
        "{} new, {} changed, {} to remove; {} up to date",
        thousands(councils(Change::New)),
        thousands(councils(Change::Changed)),
        thousands(councils(Change::Remove)),
        thousands(report.up_to_date),
    );
    let (to_write, to_remove): (Vec<_>, Vec<_>) = report
        .files
        .iter()
        .partition(|file| file.change != Change::Remove);
    if !to_write.is_empty() {
        summary.push_str(&format!(
            "; {} to write",
            count(to_write.len(), "other file")
        ));
    }
    if !to_remove.is_empty() {
        summary.push_str(&format!(
            "; {} to remove",
            count(to_remove.len(), "other file")
        ));
    }
    if !report.not_ours.is_empty() {
        summary.push_str(&format!(
            "; {} not made by annual-review",
            count(report.not_ours.len(), "file")
        ));
    }
    out!("{summary}");
    print_delivery(&report);
    ExitCode::SUCCESS
}

/// The e-mails' part of the report: the councils that need a person, then how many are in each
/// state.
fn print_delivery(report: &status::StatusReport) {
    let Some(delivery) = &report.delivery else {
        return;
    };
    for message in &delivery.attention {
        let label = message.state.replace('-', " ");
        match &message.file {
            Some(file) => out!("{label:<9} {file} ({})", message.name),
            None => out!("{label:<9} {} ({})", message.name, message.code),
        }
        out!("          {}", message.text);
    }
    let count_of = |state: &str| delivery.counts.get(state).copied().unwrap_or(0);
    let mut parts = vec![
        format!("{} to send", thousands(count_of("to-send"))),
        format!("{} sent", thousands(count_of("sent"))),
    ];
    for (state, words) in [
        ("in-doubt", "in doubt"),
        ("changed-since-sent", "changed since sent"),
        ("refused", "refused"),
        ("outbox-out-of-date", "out of date in the outbox"),
        ("too-big", "too big"),
        ("unwritable", "not writable"),
    ] {
        if count_of(state) > 0 {
            parts.push(format!("{} {words}", thousands(count_of(state))));
        }
    }
    if count_of("not-in-outbox") > 0 {
        parts.push(format!(
            "{} not in the outbox yet (`annual-review outbox` writes them)",
            thousands(count_of("not-in-outbox"))
        ));
    }
    if count_of("not-built") > 0 {
        parts.push(format!(
            "{} waiting for a build",
            thousands(count_of("not-built"))
        ));
    }
    out!("e-mail: {}", parts.join(", "));
}
