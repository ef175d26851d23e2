//! The command line: arguments, messages and exit statuses.
//!
//! Exit status 0: everything requested was done. 1: some letters failed (the others were
//! written), a file could not be written, or another run holds the folder. 2: the input or the
//! command line is invalid and nothing was written.

mod progress_bar;
pub(crate) mod say;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use self::say::{error_chain, out, say};
use crate::archive::{
    self, ArchiveError, ArchiveOptions, ArchiveOutcome, Finding, Recovered, Reissue,
};
use crate::build::{self, BuildError, BuildOptions, LetterError};
use crate::letter_data::{self, LetterDataError};
use crate::numbers::{count, thousands};
use crate::output::OutputError;
use crate::plan::{self, PrepareError};
use crate::render::pool::Limits;
use crate::status::{self, Change, StatusError};

#[derive(Parser)]
#[command(
    name = "annual-review",
    version,
    about = "Publishes the Ombudsman's annual review letters"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile the letters and the statistics of a publication.
    Build(BuildArgs),
    /// List the letters a build would write (new, changed) or that no longer belong (orphaned),
    /// with the reasons, by comparing the input with the manifest.
    Status(StatusArgs),
    /// Freeze a built publication into `<archive>/<year>/` as a BagIt bag, or add reissued
    /// letters to it. Only a publication whose every letter is built and current is archived.
    Archive(ArchiveArgs),
    /// Check every file of an archive (a bag, or a folder of bags) against its checksums.
    Verify(VerifyArgs),
    /// Validate the input folder and compute the statistics without writing anything.
    Check(CheckArgs),
    /// Print the JSON data one letter's template reads as `/data.json`: for template authors,
    /// and for compiling a letter with the plain `typst` command line.
    LetterData(LetterDataArgs),
    /// Compile letters sent by a build (the build starts these itself).
    #[command(hide = true)]
    RenderWorker(RenderWorkerArgs),
}

/// Where the publication comes from: the input folder and the templates.
#[derive(clap::Args)]
struct SourceArgs {
    /// The input folder: publication.toml, authorities.csv, decisions.csv, compliance.csv, commentary/.
    #[arg(long, default_value = "input")]
    input: PathBuf,
    /// The folder of templates; publication.toml's `template` names one inside it.
    #[arg(long, default_value = "typst-templates")]
    templates: PathBuf,
}

#[derive(clap::Args)]
struct StatusArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding `<year>/manifest.json`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// Print the report as JSON, for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ArchiveArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The output folder holding `<year>/manifest.json`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// The archive folder; the bag goes in `<archive>/<year>`.
    #[arg(long, default_value = "archive")]
    archive: PathBuf,
    /// The year to archive; it must be the year of the input [default: the input's year].
    #[arg(long)]
    year: Option<String>,
    /// Add the letters rebuilt since the last archive beside the originals.
    #[arg(long, requires = "reason")]
    reissue: bool,
    /// Why the letters are reissued (recorded in the archive's history).
    #[arg(long, requires = "reissue")]
    reason: Option<String>,
    /// The reissue's date, YYYY-MM-DD, not before the publication [default: today].
    #[arg(long, requires = "reissue", value_parser = parse_date)]
    date: Option<chrono::NaiveDate>,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// A bag, or a folder of bags.
    #[arg(default_value = "archive")]
    archive: PathBuf,
}

#[derive(clap::Args)]
struct LetterDataArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The authority (code or exact name) whose data to print.
    #[arg(
        long = "authority",
        value_name = "CODE_OR_NAME",
        required_unless_present = "out"
    )]
    authority: Option<String>,
    /// Write every letter's data to `<DIR>/<slug>.json` instead (and its commentary, if any, to
    /// `<DIR>/<slug>.commentary.typ`).
    #[arg(long, value_name = "DIR", conflicts_with = "authority")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(clap::Args)]
struct BuildArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Where `<year>/letters/*.pdf` and the statistics files are written.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// Only make the letter of this authority (code or exact name); repeat for more.
    #[arg(long = "authority", value_name = "CODE_OR_NAME")]
    authorities: Vec<String>,
    /// Letters compiled at once, at most the number of cores [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Rebuild the letters even when the manifest says they are up to date.
    #[arg(long)]
    force: bool,
    /// Seconds a letter may take to compile before it is stopped and reported as failed.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::DEFAULT_TIME.as_secs_f64(), value_parser = parse_seconds)]
    letter_time_limit: f64,
    /// Memory, in MiB, a letter may use while it compiles before it is stopped and reported as failed.
    #[arg(long, value_name = "MIB", default_value_t = Limits::DEFAULT_MEMORY >> 20, value_parser = clap::value_parser!(u64).range(64..))]
    letter_memory_limit: u64,
}

#[derive(clap::Args)]
struct RenderWorkerArgs {
    #[arg(long)]
    template: PathBuf,
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

/// Runs the command line and returns the exit status.
pub fn run() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Status(args) => run_status(args),
        Command::Archive(args) => run_archive(args),
        Command::Verify(args) => run_verify(args),
        Command::Check(args) => run_check(args),
        Command::LetterData(args) => run_letter_data(args),
        Command::RenderWorker(args) => run_render_worker(args),
    }
}

/// Asks the kernel for no transparent huge pages, for this process and the letter workers it
/// starts (the setting is inherited). mimalloc asks for them, and each memory it gives back
/// between letters came back as a fresh 2 MiB page the kernel had to clear: with the web page's
/// compile after each PDF that cost the national batch 0.5 s of system time, a tenth of its CPU,
/// and it held the 10x publication's build at 199 MB instead of about 170 MB. With 4 KiB pages a
/// process faults in only what it touches.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    {
        // Only a cost if it fails (an old kernel): nothing to report.
        let _ = rustix::thread::disable_transparent_huge_pages(true);
    }
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    crate::input::parse_date(text).map_err(|expected| format!("expected {expected}"))
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(seconds),
        _ => Err("expected a number of seconds above zero, e.g. 30 or 2.5".to_string()),
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    match plan::prepare(&args.source.input, &args.source.templates) {
        Ok(prepared) => {
            let publication = &prepared.publication;
            say!(
                "the input is valid: {} for {}, {} and {}",
                count(publication.authorities.len(), "letter"),
                publication.config.year,
                count(publication.extract.decisions.len(), "decision"),
                count(publication.extract.compliance.len(), "compliance outcome"),
            );
            ExitCode::SUCCESS
        }
        Err(error) => report_prepare_error(&error),
    }
}

fn run_archive(args: ArchiveArgs) -> ExitCode {
    let options = ArchiveOptions {
        input: args.source.input,
        templates: args.source.templates,
        output: args.output,
        archive: args.archive,
        year: args.year,
        reissue: args.reissue.then(|| Reissue {
            reason: args.reason.unwrap_or_default(),
            date: args.date.unwrap_or_else(archive::today),
        }),
    };
    let archived = match archive::archive(&options) {
        Ok(archived) => archived,
        Err(ArchiveError::Prepare(error)) => return report_prepare_error(&error),
        Err(ArchiveError::Status(StatusError::Prepare(error))) => {
            return report_prepare_error(&error);
        }
        Err(
            error
            @ (ArchiveError::OtherYear { .. } | ArchiveError::ReissueBeforePublication { .. }),
        ) => {
            say!("error: {}", error_chain(&error));
            say!("nothing was written");
            return ExitCode::from(2);
        }
        Err(error) => {
            say!("error: {}", error_chain(&error));
            return ExitCode::from(1);
        }
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
        } => {
            say!(
                "added {} to `{}` under {directory}:",
                count(files.len(), "reissued file"),
                bag.display()
            );
            for file in files {
                say!("  {file}");
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

fn run_verify(args: VerifyArgs) -> ExitCode {
    let reports = match archive::verify(&args.archive) {
        Ok(reports) => reports,
        Err(error) => {
            say!("error: {}", error_chain(&error));
            return ExitCode::from(1);
        }
    };
    let mut all_hold = true;
    for report in reports {
        for finding in &report.findings {
            all_hold = false;
            match finding {
                Finding::Changed(path) => out!("changed  {}", path.display()),
                Finding::Missing(path) => out!("missing  {}", path.display()),
                Finding::Extra(path) => out!("extra    {}", path.display()),
                Finding::Unreadable { path, reason } => {
                    out!("unreadable {}: {reason}", path.display())
                }
                Finding::NotAFile { path, what } => {
                    out!(
                        "not a file {}: {what}, where the bag should have a file",
                        path.display()
                    )
                }
                Finding::Invalid { path, reason } => out!("invalid  {}: {reason}", path.display()),
                Finding::Unfinished(path) => out!(
                    "unfinished {}: an archive run was interrupted; `annual-review archive` finishes or undoes it",
                    path.display()
                ),
            }
        }
        if report.findings.is_empty() {
            out!(
                "`{}`: all {} hold",
                report.bag.display(),
                count(report.files_checked, "file")
            );
        } else {
            out!(
                "`{}`: {} of {} checked",
                report.bag.display(),
                count(report.findings.len(), "problem"),
                count(report.files_checked, "file")
            );
        }
    }
    if all_hold {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn run_status(args: StatusArgs) -> ExitCode {
    let report = match status::status(&args.source.input, &args.output, &args.source.templates) {
        Ok(report) => report,
        Err(StatusError::Prepare(error)) => return report_prepare_error(&error),
        Err(error) => {
            say!("error: {}", error_chain(&error));
            return ExitCode::from(1);
        }
    };
    if args.json {
        out!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain data serializes")
        );
        return ExitCode::SUCCESS;
    }
    for entry in &report.letters {
        out!(
            "{:<9}{}, {} ({})",
            entry.change.label(),
            entry.file,
            entry.page,
            entry.name
        );
        for reason in &entry.reasons {
            out!("         {reason}");
        }
    }
    for file in &report.files {
        out!("{:<9}{}", file.change.label(), file.file);
        out!("         {}", file.reason);
    }
    let changes = |change| report.letters.iter().filter(|e| e.change == change).count();
    if report.letters.is_empty() && report.files.is_empty() {
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
    } else {
        let others = if report.files.is_empty() {
            String::new()
        } else {
            format!("; {} to write", count(report.files.len(), "other file"))
        };
        out!(
            "{} new, {} changed, {} orphaned; {} up to date{others}",
            thousands(changes(Change::New)),
            thousands(changes(Change::Changed)),
            thousands(changes(Change::Orphaned)),
            thousands(report.up_to_date),
        );
    }
    ExitCode::SUCCESS
}

fn run_letter_data(args: LetterDataArgs) -> ExitCode {
    let result = match (&args.authority, &args.out) {
        (Some(authority), _) => {
            letter_data::letter_data_json(&args.source.input, &args.source.templates, authority)
                .map(|json| out!("{json}"))
                .map_err(LetterDataError::from)
        }
        (None, Some(out)) => {
            letter_data::write_letter_data(&args.source.input, &args.source.templates, out).map(
                |letters| {
                    say!(
                        "wrote the data of {} in `{}`",
                        count(letters, "letter"),
                        out.display()
                    );
                },
            )
        }
        (None, None) => unreachable!("clap requires --authority or --out"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(LetterDataError::Prepare(error)) => report_prepare_error(&error),
        Err(error) => {
            say!("error: {}", error_chain(&error));
            ExitCode::from(1)
        }
    }
}

fn run_render_worker(args: RenderWorkerArgs) -> ExitCode {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build_global();
    match crate::render::worker::run(&args.template) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say!("error: the letter worker stopped: {error}");
            ExitCode::from(1)
        }
    }
}

fn run_build(args: BuildArgs) -> ExitCode {
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
        input: args.source.input,
        output: args.output,
        templates: args.source.templates,
        authorities: args.authorities,
        jobs,
        force: args.force,
        limits: Limits {
            time: Duration::from_secs_f64(args.letter_time_limit),
            memory: args.letter_memory_limit << 20,
        },
    };
    let progress = progress_bar::ProgressBarReport::new();
    let report = match build::build(&options, &progress) {
        Ok(report) => report,
        Err(BuildError::Prepare(error)) => return report_prepare_error(&error),
        Err(error) => {
            say!("error: {}", error_chain(&error));
            if matches!(error, BuildError::Output(OutputError::Year { .. })) {
                return ExitCode::from(2);
            }
            return ExitCode::from(1);
        }
    };
    for note in &report.notes {
        say!("note: {note}");
    }
    if !report.wrote_anything {
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
        match &failure.error {
            LetterError::Write(error) => say!(
                "error: the letter to {} (`{}`) was not written: {}",
                failure.name,
                failure.code,
                error_chain(error)
            ),
            LetterError::Render(error) => {
                say!(
                    "error: the letter to {} (`{}`) failed:",
                    failure.name,
                    failure.code
                );
                for line in error.to_string().lines() {
                    say!("  {line}");
                }
            }
        }
    }
    if let Some(error) = &report.index_failure {
        say!("error: the site's index page failed:");
        for line in error.to_string().lines() {
            say!("  {line}");
        }
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
        "wrote {} and {} web page{}{up_to_date} in `{}`{failed} in {:.1} s",
        count(report.written.len(), "letter"),
        if report.written.len() == 1 {
            "its"
        } else {
            "their"
        },
        if report.written.len() == 1 { "" } else { "s" },
        report.year_dir.display(),
        report.elapsed.as_secs_f64()
    );
    if let Some(error) = &report.unfinished {
        say!(
            "error: the build stopped before it finished: {}",
            error_chain(error)
        );
        say!("  hint: free the space or fix the folder, then build again: it completes the rest");
        return ExitCode::from(1);
    }
    if report.failures.is_empty() && report.index_failure.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints why a command could not start on its input and returns the exit status that says so.
fn report_prepare_error(error: &PrepareError) -> ExitCode {
    match error {
        PrepareError::Input(problems) => {
            say!("{problems}");
            say!(
                "error: the input has {}; nothing was written",
                count(problems.len(), "problem")
            );
        }
        PrepareError::UnknownAuthority { .. } | PrepareError::Template(_) => {
            say!("error: {}", error_chain(error));
            say!("nothing was written");
        }
    }
    ExitCode::from(2)
}
