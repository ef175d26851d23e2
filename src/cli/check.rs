//! `annual-review check`: validates the input and computes the figures, writing nothing.

use std::process::ExitCode;

use super::SourceArgs;
use super::say::say;
use crate::numbers::count;
use crate::plan;

#[derive(clap::Args)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    source: SourceArgs,
}

pub(super) fn run(args: CheckArgs) -> ExitCode {
    let prepared = match plan::prepare(&args.source.into(), None) {
        Ok(prepared) => prepared,
        Err(error) => return super::failed(&error),
    };
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
