//! `annual-review letter-data`: prints one letter's template data, or writes every letter's.

use std::path::PathBuf;
use std::process::ExitCode;

use super::SourceArgs;
use super::say::{out, say};
use crate::letter_data;
use crate::numbers::count;

#[derive(clap::Args)]
pub(super) struct LetterDataArgs {
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

pub(super) fn run(args: LetterDataArgs) -> ExitCode {
    let sources = args.source.into();
    match (&args.authority, &args.out) {
        (Some(authority), _) => match letter_data::letter_data_json(&sources, authority) {
            Ok(json) => out!("{json}"),
            Err(error) => return super::failed(&error),
        },
        (None, Some(folder)) => match letter_data::write_letter_data(&sources, folder) {
            Ok(letters) => say!(
                "wrote the data of {} in `{}`",
                count(letters, "letter"),
                folder.display()
            ),
            Err(error) => return super::failed(&error),
        },
        (None, None) => unreachable!("clap requires --authority or --out"),
    }
    ExitCode::SUCCESS
}
