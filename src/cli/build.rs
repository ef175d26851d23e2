//! `annual-review build`: makes the year's folder what the input and the template give.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::SourceArgs;
use super::progress_bar::ProgressBarReport;
use super::say::say;
use crate::build::{self, BuildOptions, BuildReport, LetterError};
use crate::exit;
use crate::numbers::{count, thousands};
use crate::render::pool::Limits;

/// The longest a letter may be allowed to compile: a day.
const MOST_SECONDS: f64 = 86_400.0;
/// The most memory a letter may be allowed: a tebibyte, in MiB.
const MOST_MIB: u64 = 1 << 20;

#[derive(clap::Args)]
pub(super) struct BuildArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Where `<year>/letters/*.pdf`, the site and the statistics files are written.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// Only make the letter of this authority (code or exact name); repeat for more.
    #[arg(long = "authority", value_name = "CODE_OR_NAME")]
    authorities: Vec<String>,
    /// Letters compiled at once, at most the number of cores [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Make the files again even when the manifest says they are up to date: the named councils'
    /// letters and pages, or, without --authority, every file.
    #[arg(long)]
    force: bool,
    /// Seconds a letter may take to compile before it is stopped and reported as failed.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::DEFAULT_TIME.as_secs_f64(), value_parser = parse_seconds)]
    letter_time_limit: f64,
    /// Memory, in MiB, a letter may use while it compiles before it is stopped and reported as failed.
    #[arg(long, value_name = "MIB", default_value_t = Limits::DEFAULT_MEMORY >> 20, value_parser = clap::value_parser!(u64).range(64..=MOST_MIB))]
    letter_memory_limit: u64,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= MOST_SECONDS => Ok(seconds),
        _ => Err(format!(
            "expected a number of seconds above zero and at most {} (a day), e.g. 30 or 2.5",
            thousands(MOST_SECONDS as usize)
        )),
    }
}

pub(super) fn run(args: BuildArgs) -> ExitCode {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = match args.jobs.map(usize::from) {
        // More letters at once than cores only makes them wait for each other, and each one
        // needs a process and its memory.
        Some(jobs) if jobs > cores => {
            say!(
                "note: --jobs {jobs} is more than the {} of this machine; using {cores}",
                count(cores, "core")
            );
            cores
        }
        Some(jobs) => jobs,
        None => cores,
    };
    let options = BuildOptions {
        sources: args.source.into(),
        output: args.output,
        authorities: args.authorities,
        jobs,
        force: args.force,
        limits: Limits {
            time: Duration::from_secs_f64(args.letter_time_limit),
            memory: args.letter_memory_limit << 20,
        },
    };
    let progress = ProgressBarReport::new();
    match build::build(&options, &progress) {
        Ok(report) => print(&report),
        Err(error) => super::failed(&error),
    }
}

/// Prints what the build did and returns the exit status that says how it went.
fn print(report: &BuildReport) -> ExitCode {
    for note in &report.notes {
        say!("note: {note}");
    }
    if !report.left_alone.is_empty() {
        say!(
            "note: {} in `{}` {} not made by annual-review (or changed since it was), and {} left alone: {}",
            count(report.left_alone.len(), "file"),
            report.year_dir.display(),
            if report.left_alone.len() == 1 {
                "was"
            } else {
                "were"
            },
            if report.left_alone.len() == 1 {
                "was"
            } else {
                "were"
            },
            shown(&report.left_alone)
        );
    }
    if !report.changed_anything {
        say!(
            "{} up to date; nothing was written (use --force to rebuild)",
            match report.up_to_date {
                1 => "the 1 letter is".to_string(),
                n => format!("all {} are", count(n, "letter")),
            }
        );
        return ExitCode::SUCCESS;
    }
    for failure in &report.failures {
        let who = match &failure.council {
            Some((code, name)) => format!("the letter to {name} (`{code}`)"),
            None => "the site's index page".to_string(),
        };
        match &failure.error {
            LetterError::Write(error) => {
                say!("error: {who} was not written: {}", exit::chain(error))
            }
            LetterError::Render(error) => {
                say!("error: {who} failed:");
                for line in error.to_string().lines() {
                    say!("  {line}");
                }
            }
        }
    }
    if !report.removed.is_empty() {
        say!(
            "removed {} the publication no longer has: {}",
            count(report.removed.len(), "file"),
            shown(&report.removed)
        );
    }
    let up_to_date = if report.up_to_date > 0 {
        format!(" ({} already up to date)", thousands(report.up_to_date))
    } else {
        String::new()
    };
    let failed = if report.failures.is_empty() {
        String::new()
    } else {
        format!(", {} failed,", thousands(report.failures.len()))
    };
    say!(
        "wrote {}{up_to_date} in `{}`{failed} in {:.1} s",
        written(report),
        report.year_dir.display(),
        report.elapsed.as_secs_f64()
    );
    if let Some(error) = &report.unfinished {
        say!(
            "error: the build stopped before it finished: {}",
            exit::chain(error)
        );
        say!("  hint: free the space or fix the folder, then build again: it completes the rest");
        return ExitCode::from(exit::FAILED);
    }
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::FAILED)
    }
}

/// "2 letters and their web pages", "1 letter and its web page", "0 letters and 3 web pages",
/// "1 other file", "339 letters and their web pages and 5 other files".
fn written(report: &BuildReport) -> String {
    let (letters, pages, others) = (
        report.letters_written,
        report.pages_written,
        report.others_written,
    );
    let councils = match (letters, pages) {
        (0, 0) => None,
        (1, 1) => Some("1 letter and its web page".to_string()),
        (letters, pages) if letters == pages => {
            Some(format!("{} and their web pages", count(letters, "letter")))
        }
        (letters, pages) => Some(format!(
            "{} and {}",
            count(letters, "letter"),
            count(pages, "web page")
        )),
    };
    match councils {
        None => count(others, "file"),
        Some(councils) => councils,
    }
}

/// Up to ten files as `a`, `b`, and how many more.
fn shown(files: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut text = files
        .iter()
        .take(SHOWN)
        .map(|file| format!("`{}`", super::say::printable(file)))
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > SHOWN {
        text.push_str(&format!(" and {} more", thousands(files.len() - SHOWN)));
    }
    text
}
