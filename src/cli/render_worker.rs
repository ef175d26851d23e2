//! `annual-review render-worker`: a letter worker, started by a build ([`crate::render::worker`]).

use std::path::PathBuf;
use std::process::ExitCode;

use super::say::say;

#[derive(clap::Args)]
pub(super) struct RenderWorkerArgs {
    #[arg(long)]
    template: PathBuf,
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

pub(super) fn run(args: RenderWorkerArgs) -> ExitCode {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build_global();
    match crate::render::worker::run(&args.template) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say!("error: the letter worker stopped: {error}");
            ExitCode::FAILURE
        }
    }
}
