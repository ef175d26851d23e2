//! The command line: arguments, and one module per subcommand that runs it, prints what it did
//! and picks the exit status. Errors come up typed ([`crate::exit::Exit`]) and are printed once,
//! with their whole cause chain.
//!
//! Exit status 0: everything requested was done. 1: some letters failed (the others were
//! written), a file could not be written, another run holds the folder, or `verify` found a
//! problem. 2: the input or the command line is invalid and nothing was written.

mod archive;
mod build;
mod check;
mod letter_data;
mod outbox;
mod progress_bar;
mod render_worker;
pub(crate) mod say;
mod send;
mod status;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::Exit;

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
    /// Make the year's folder what the input and the template give: write the letters, their
    /// web pages, the site and the statistics that changed, and remove what no longer belongs.
    Build(build::BuildArgs),
    /// List what a build would write (new, changed) or remove, with the reasons, by comparing
    /// the input with the manifest.
    Status(status::StatusArgs),
    /// Freeze a built publication into `<archive>/<year>/` as a BagIt bag, or add reissued
    /// letters to it. Only a publication whose every letter is built and current is archived.
    Archive(archive::ArchiveArgs),
    /// Write each council's covering e-mail, its letter attached, to `<year>/outbox/`: what
    /// `send` sends, to read first. Needs a [delivery] table in publication.toml.
    Outbox(outbox::OutboxArgs),
    /// Send the outbox's messages over SMTP, each once, recording every step in
    /// `<year>/delivery.jsonl`. Says what it would send unless given --confirm.
    Send(send::SendArgs),
    /// Check every file of an archive (a bag, or a folder of bags) against its checksums.
    Verify(verify::VerifyArgs),
    /// Validate the input folder and compute the statistics without writing anything.
    Check(check::CheckArgs),
    /// Print the JSON data one letter's template reads as `/data.json`: for template authors,
    /// and for compiling a letter with the plain `typst` command line.
    LetterData(letter_data::LetterDataArgs),
    /// Compile letters sent by a build (the build starts these itself).
    #[command(hide = true)]
    RenderWorker(render_worker::RenderWorkerArgs),
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
    /// The archive folder: a BagIt bag per year, as `annual-review archive` writes them. The
    /// years before the input's are checked, and the site shows their letters and figures.
    #[arg(long, default_value = "archive")]
    archive: PathBuf,
}

impl From<SourceArgs> for crate::plan::Sources {
    fn from(args: SourceArgs) -> Self {
        crate::plan::Sources {
            input: args.input,
            templates: args.templates,
            archive: args.archive,
        }
    }
}

/// Runs the command line and returns the exit status.
pub fn run() -> ExitCode {
    without_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Command::Build(args) => build::run(args),
        Command::Status(args) => status::run(args),
        Command::Archive(args) => archive::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Outbox(args) => outbox::run(args),
        Command::Send(args) => send::run(args),
        Command::Check(args) => check::run(args),
        Command::LetterData(args) => letter_data::run(args),
        Command::RenderWorker(args) => render_worker::run(args),
    }
}

/// Prints `error` once, with its causes, and returns the exit status it names.
fn failed(error: &dyn Exit) -> ExitCode {
    say::say!("{}", crate::exit::report(error));
    ExitCode::from(error.exit_status())
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
