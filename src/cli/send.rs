//! `annual-review send`: hands the outbox's messages to an SMTP server, each once; or, with
//! `--settle`, records what a person found about a message in doubt.

use std::path::PathBuf;
use std::process::ExitCode;

use super::SourceArgs;
use super::progress_bar::ProgressBarReport;
use super::say::{out, printable, say};
use crate::delivery::{self, Outcome, SendOptions, SendReport, SettleOptions, Settlement};
use crate::exit;
use crate::numbers::{count, thousands};

#[derive(clap::Args)]
pub(super) struct SendArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding the built `<year>/` and its outbox.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// The server: `smtp://HOST:PORT` (STARTTLS, required), `smtps://HOST:PORT` (TLS from the
    /// start) or `smtp://127.0.0.1:PORT?tls=none` (plain text, this machine only) [default:
    /// `smtp` in publication.toml's [delivery]]. Credentials come from
    /// $ANNUAL_REVIEW_SMTP_USERNAME and $ANNUAL_REVIEW_SMTP_PASSWORD (or
    /// $ANNUAL_REVIEW_SMTP_PASSWORD_FILE), never from here.
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
    /// Send. Without it, `send` says what it would send and sends nothing.
    #[arg(long)]
    confirm: bool,
    /// Send at most N messages, leaving the rest for a later `send`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
    /// Only the message of this authority (code or exact name); repeat for more.
    #[arg(long = "authority", value_name = "CODE_OR_NAME")]
    authorities: Vec<String>,
    /// Send every selected message to this one address instead, as a test: recorded as a test,
    /// it leaves the council's message to send.
    #[arg(long, value_name = "ADDRESS")]
    to: Option<String>,
    /// Trust this PEM certificate (a private or test server's) besides the usual roots.
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Send the messages of letters corrected since theirs went: each a new message, marked
    /// "Corrected:", referring to the first and saying why (--reason).
    #[arg(long, requires = "reason", conflicts_with = "settle")]
    reissue: bool,
    /// Why the letters were corrected, in words the councils read.
    #[arg(long, value_name = "TEXT", requires = "reissue")]
    reason: Option<String>,
    /// Record what a person found about the message in doubt of this authority (code or exact
    /// name), with --as: nothing is sent.
    #[arg(long, value_name = "CODE_OR_NAME", requires = "outcome", conflicts_with_all = ["confirm", "limit", "authorities", "to", "smtp"])]
    settle: Option<String>,
    /// `sent` (it is in the Sent Items: never send it again) or `unsent` (it is not: the next
    /// `send` sends it).
    #[arg(long = "as", value_name = "sent|unsent", requires = "settle", value_parser = parse_settlement)]
    outcome: Option<Settlement>,
}

fn parse_settlement(text: &str) -> Result<Settlement, String> {
    match text {
        "sent" => Ok(Settlement::Sent),
        "unsent" => Ok(Settlement::Unsent),
        _ => Err("expected `sent` or `unsent`".to_string()),
    }
}

pub(super) fn run(args: SendArgs) -> ExitCode {
    if let (Some(authority), Some(outcome)) = (&args.settle, args.outcome) {
        let options = SettleOptions {
            sources: args.source.into(),
            output: args.output,
            authority: authority.clone(),
            outcome,
        };
        return match delivery::settle(&options) {
            Ok(settled) => {
                for file in &settled.files {
                    say!(
                        "settled `{file}` ({}) as {}",
                        printable(&settled.name),
                        match settled.outcome {
                            Settlement::Sent => "sent: it will not be sent again",
                            Settlement::Unsent => "unsent: the next `send --confirm` sends it",
                        }
                    );
                }
                ExitCode::SUCCESS
            }
            Err(error) => super::failed(&error),
        };
    }
    let options = SendOptions {
        sources: args.source.into(),
        output: args.output,
        smtp: args.smtp,
        confirm: args.confirm,
        limit: args.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        authorities: args.authorities,
        to: args.to,
        ca_file: args.ca_file,
        reissue: args.reason,
    };
    let progress = ProgressBarReport::new();
    match delivery::send(&options, &progress) {
        Ok(report) => print(&report),
        Err(error) => super::failed(&error),
    }
}

/// Prints what `send` did (or would do) and returns the exit status.
fn print(report: &SendReport) -> ExitCode {
    for held in &report.held {
        say!(
            "not sent: {}: {}",
            printable(&held.name),
            printable(&held.why)
        );
    }
    let test = report
        .test
        .as_ref()
        .map(|to| format!(" (a test: to {to} instead)"))
        .unwrap_or_default();
    if report.dry_run {
        for attempt in &report.attempts {
            out!(
                "would send `{}` ({}) to {}, {}",
                attempt.file,
                printable(&attempt.name),
                attempt.recipients.join(", "),
                kilobytes(attempt.bytes)
            );
        }
        let mut summary = match report.attempts.len() {
            0 => "nothing to send".to_string(),
            n => format!("would send {}{test}", count(n, "message")),
        };
        if let Some(server) = &report.server {
            summary.push_str(&format!(" through {server}"));
        }
        summary.push_str(&others(report));
        say!("{summary}");
        if !report.attempts.is_empty() {
            say!("nothing was sent: add --confirm to send");
        }
    } else {
        for attempt in &report.attempts {
            let (word, detail) = match attempt.outcome.as_ref() {
                Some(Outcome::Sent { reply }) => ("sent", reply.clone()),
                Some(Outcome::Refused { reply }) => ("refused", reply.clone()),
                Some(Outcome::Failed { reason }) => {
                    ("failed", format!("{reason}; a later `send` tries again"))
                }
                Some(Outcome::InDoubt { reason }) => (
                    "in doubt",
                    format!(
                        "{reason}; the server may have it, so it is not sent again: check the Sent Items, then `send --settle`"
                    ),
                ),
                Some(Outcome::NotAttempted { reason }) => ("not attempted", reason.clone()),
                None => ("not attempted", String::new()),
            };
            out!(
                "{word}: `{}` ({}) to {}: {}",
                attempt.file,
                printable(&attempt.name),
                attempt.recipients.join(", "),
                printable(&detail)
            );
        }
        let of = |kind: fn(&Outcome) -> bool| thousands(report.count(kind));
        let mut summary = format!(
            "sent {}{test}, refused {}, in doubt {}, failed {}, not attempted {}",
            of(|o| matches!(o, Outcome::Sent { .. })),
            of(|o| matches!(o, Outcome::Refused { .. })),
            of(|o| matches!(o, Outcome::InDoubt { .. })),
            of(|o| matches!(o, Outcome::Failed { .. })),
            of(|o| matches!(o, Outcome::NotAttempted { .. })),
        );
        if report.attempts.is_empty() {
            summary = "nothing to send".to_string();
        }
        summary.push_str(&others(report));
        say!("{summary}");
        if let Some(reason) = &report.stopped {
            say!("error: sending stopped: {reason}");
        }
    }
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    }
}

/// The councils the run leaves: sent already, held, left by `--limit`.
fn others(report: &SendReport) -> String {
    let mut text = String::new();
    if report.already_sent > 0 {
        text.push_str(&format!(
            "; {} sent already",
            thousands(report.already_sent)
        ));
    }
    if !report.held.is_empty() {
        text.push_str(&format!(
            "; {} not sent (above)",
            count(report.held.len(), "letter")
        ));
    }
    if report.left > 0 {
        text.push_str(&format!(
            "; {} left for a later send (--limit)",
            thousands(report.left)
        ));
    }
    text
}

/// `123 kB`.
fn kilobytes(bytes: u64) -> String {
    format!(
        "{} kB",
        thousands(usize::try_from(bytes.div_ceil(1000)).unwrap_or(usize::MAX))
    )
}
