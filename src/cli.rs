//! The command line: arguments, messages and exit statuses.
//!
//! Exit status 0: everything requested was done. 1: some letters failed (the others were
//! written) or a file could not be written. 2: the input or the command line is invalid and
//! nothing was written.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::archive::{self, ArchiveOptions, ArchiveOutcome, Finding, Reissue};
use crate::build::{self, BuildError, BuildOptions};
use crate::progress::Progress;
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
    /// letters to it.
    Archive(ArchiveArgs),
    /// Check every file of an archive (a bag, or a folder of bags) against its checksums.
    Verify(VerifyArgs),
    /// Validate the input folder and compute the statistics without writing anything.
    Check(CheckArgs),
    /// Print the JSON data one letter's template reads as `/data.json`: for template authors,
    /// and for compiling a letter with the plain `typst` command line.
    LetterData(LetterDataArgs),
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
    /// The output folder holding `<year>/manifest.json`.
    #[arg(long, default_value = "output")]
    output: PathBuf,
    /// The archive folder; the bag goes in `<archive>/<year>`.
    #[arg(long, default_value = "archive")]
    archive: PathBuf,
    /// The year to archive [default: the only year in the output folder].
    #[arg(long)]
    year: Option<String>,
    /// Add the letters rebuilt since the last archive beside the originals.
    #[arg(long, requires = "reason")]
    reissue: bool,
    /// Why the letters are reissued (recorded in the archive's history).
    #[arg(long, requires = "reissue")]
    reason: Option<String>,
    /// The reissue's date, YYYY-MM-DD [default: today].
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
    /// Letters compiled at once [default: the number of cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Rebuild the letters even when the manifest says they are up to date.
    #[arg(long)]
    force: bool,
}

/// Runs the command line and returns the exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => run_build(args),
        Command::Status(args) => run_status(args),
        Command::Archive(args) => run_archive(args),
        Command::Verify(args) => run_verify(args),
        Command::Check(args) => run_check(args),
        Command::LetterData(args) => run_letter_data(args),
    }
}

fn run_check(args: CheckArgs) -> ExitCode {
    match build::prepare(&args.source.input, &args.source.templates) {
        Ok(prepared) => {
            let publication = &prepared.publication;
            eprintln!(
                "the input is valid: {} for {}, {} and {}",
                plural(publication.authorities.len(), "letter"),
                publication.config.year,
                plural(publication.extract.decisions.len(), "decision"),
                plural(publication.extract.compliance.len(), "compliance outcome"),
            );
            ExitCode::SUCCESS
        }
        Err(error) => report_build_error(&error),
    }
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    crate::input::parse_date(text).map_err(|expected| format!("expected {expected}"))
}

fn run_archive(args: ArchiveArgs) -> ExitCode {
    let options = ArchiveOptions {
        output: args.output,
        archive: args.archive,
        year: args.year,
        reissue: args.reissue.then(|| Reissue {
            reason: args.reason.unwrap_or_default(),
            date: args.date.unwrap_or_else(archive::today),
        }),
    };
    match archive::archive(&options) {
        Ok(ArchiveOutcome::Created { bag, files }) => {
            eprintln!("archived {} in `{}`", plural(files, "file"), bag.display());
            ExitCode::SUCCESS
        }
        Ok(ArchiveOutcome::AlreadyArchived { bag }) => {
            eprintln!(
                "`{}` already holds this publication; nothing was written",
                bag.display()
            );
            ExitCode::SUCCESS
        }
        Ok(ArchiveOutcome::Reissued {
            bag,
            directory,
            files,
        }) => {
            eprintln!(
                "added {} to `{}` under {directory}:",
                plural(files.len(), "reissued file"),
                bag.display()
            );
            for file in files {
                eprintln!("  {file}");
            }
            ExitCode::SUCCESS
        }
        Ok(ArchiveOutcome::NothingToReissue { bag }) => {
            eprintln!(
                "nothing to reissue: every file matches its latest version in `{}`",
                bag.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            ExitCode::from(1)
        }
    }
}

fn run_verify(args: VerifyArgs) -> ExitCode {
    let reports = match archive::verify(&args.archive) {
        Ok(reports) => reports,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            return ExitCode::from(1);
        }
    };
    let mut all_hold = true;
    for report in reports {
        for finding in &report.findings {
            all_hold = false;
            match finding {
                Finding::Changed(path) => println!("changed  {}", path.display()),
                Finding::Missing(path) => println!("missing  {}", path.display()),
                Finding::Extra(path) => println!("extra    {}", path.display()),
                Finding::Invalid { path, reason } => {
                    println!("invalid  {}: {reason}", path.display())
                }
            }
        }
        if report.findings.is_empty() {
            println!(
                "`{}`: all {} hold",
                report.bag.display(),
                plural(report.files_checked, "file")
            );
        } else {
            println!(
                "`{}`: {} of {} checked",
                report.bag.display(),
                plural(report.findings.len(), "problem"),
                plural(report.files_checked, "file")
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
        Err(StatusError::Build(error)) => return report_build_error(&error),
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            return ExitCode::from(1);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain data serializes")
        );
        return ExitCode::SUCCESS;
    }
    for entry in &report.letters {
        println!("{:<9}{} ({})", entry.change.label(), entry.file, entry.name);
        for reason in &entry.reasons {
            println!("         {reason}");
        }
    }
    let count = |change| report.letters.iter().filter(|e| e.change == change).count();
    if report.letters.is_empty() {
        println!(
            "all {} of {} are up to date",
            plural(report.up_to_date, "letter"),
            report.year
        );
    } else {
        println!(
            "{} new, {} changed, {} orphaned; {} up to date",
            count(Change::New),
            count(Change::Changed),
            count(Change::Orphaned),
            report.up_to_date
        );
    }
    ExitCode::SUCCESS
}

fn run_letter_data(args: LetterDataArgs) -> ExitCode {
    let result = match (&args.authority, &args.out) {
        (Some(authority), _) => {
            build::letter_data_json(&args.source.input, &args.source.templates, authority).map(
                |json| {
                    println!("{json}");
                },
            )
        }
        (None, Some(out)) => {
            build::write_letter_data(&args.source.input, &args.source.templates, out).map(|count| {
                eprintln!(
                    "wrote the data of {} in `{}`",
                    plural(count, "letter"),
                    out.display()
                );
            })
        }
        (None, None) => unreachable!("clap requires --authority or --out"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report_build_error(&error),
    }
}

fn run_build(args: BuildArgs) -> ExitCode {
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Typst and its PDF writer use the global rayon pool inside each letter: keep it to the
    // same number of threads so that `--jobs` bounds the cores used.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global();
    let options = BuildOptions {
        input: args.source.input,
        output: args.output,
        templates: args.source.templates,
        authorities: args.authorities,
        jobs,
        force: args.force,
    };
    let progress = ProgressBarReport::new();
    match build::build(&options, &progress) {
        Ok(report) => {
            for note in &report.notes {
                eprintln!("note: {note}");
            }
            if !report.wrote_anything {
                eprintln!(
                    "all {} up to date; nothing was written (use --force to rebuild)",
                    plural(report.up_to_date, "letter")
                        + if report.up_to_date == 1 {
                            " is"
                        } else {
                            " are"
                        }
                );
                return ExitCode::SUCCESS;
            }
            for failure in &report.failures {
                eprintln!(
                    "error: the letter to {} (`{}`) failed:",
                    failure.name, failure.code
                );
                for line in failure.error.to_string().lines() {
                    eprintln!("  {line}");
                }
            }
            let letters_dir = report.year_dir.join("letters");
            let seconds = report.elapsed.as_secs_f64();
            let up_to_date = if report.up_to_date > 0 {
                format!(" ({} already up to date)", report.up_to_date)
            } else {
                String::new()
            };
            let failed = if report.failures.is_empty() {
                String::new()
            } else {
                format!(", {} failed,", report.failures.len())
            };
            eprintln!(
                "wrote {}{up_to_date} in `{}`{failed} in {seconds:.1} s",
                plural(report.written.len(), "letter"),
                letters_dir.display(),
            );
            if report.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(error) => report_build_error(&error),
    }
}

/// Prints why a build did not start and returns the exit status that says so.
fn report_build_error(error: &BuildError) -> ExitCode {
    match error {
        BuildError::Input(problems) => {
            eprintln!("{problems}");
            eprintln!(
                "error: the input has {}; nothing was written",
                plural(problems.len(), "problem")
            );
            ExitCode::from(2)
        }
        BuildError::UnknownAuthority { .. } | BuildError::Template(_) => {
            eprintln!("error: {}", error_chain(error));
            eprintln!("nothing was written");
            ExitCode::from(2)
        }
        BuildError::Write(_) | BuildError::Locked { .. } | BuildError::Lock { .. } => {
            eprintln!("error: {}", error_chain(error));
            ExitCode::from(1)
        }
    }
}

/// An error and its causes on one line, as `error: cause: cause`.
fn error_chain(error: &dyn std::error::Error) -> String {
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

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
struct ProgressBarReport {
    bar: ProgressBar,
}

impl ProgressBarReport {
    fn new() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} letters  {wide_msg}")
                .expect("a valid progress template"),
        );
        ProgressBarReport { bar }
    }
}

impl Progress for ProgressBarReport {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    fn letter_done(&self, name: &str) {
        self.bar.set_message(name.to_string());
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
