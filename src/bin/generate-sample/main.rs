//! `generate-sample`: writes the synthetic sample publication, a complete input folder.
//!
//! This program owns the deterministic generator behind the committed `input/` folder: a
//! realistic, entirely invented 2020-21 annual-review extract (`authorities.csv`,
//! `decisions.csv`, `compliance.csv`) built on the real register of English councils, plus the
//! committed `publication.toml` and Kent's commentary, so the folder it writes can be built.
//! Nothing in it is real casework. Two figures sets are pinned so the output can be checked
//! against the published 2021 Kent letter: Kent County Council's own numbers and the County
//! Council averages (computed as the mean of each council's rate).
//!
//! The register, the settings and the commentary are built in (`--register` reads another
//! register), so the program runs from any folder. It uses the library's public API only: the
//! input contract's column names and authority types (`annual_review::contract`).
//!
//! Determinism: every random choice comes from a SplitMix64 stream derived from the seed and
//! a purpose tag ([`rng`]), collections are `Vec`/`BTree*` only and no clock is read, so the
//! same options always produce byte-identical files. Only `+ - * /` are used on floats (no
//! `ln`/`exp`, whose results may differ between platform maths libraries).
//!
//! The stages, in order: [`register`] (the councils and how each group behaves) →
//! [`authorities`] (copies for `--scale`, recipients) → [`decisions`] and [`compliance`] (how
//! many of each, per authority, with the pinned figures met, through [`counts`]; then their
//! rows, with dates from [`calendar`] and case numbers from [`references`]) → [`sample`] (the
//! CSV text and the folder's files).

mod authorities;
mod calendar;
mod compliance;
mod counts;
mod decisions;
mod references;
mod register;
mod rng;
mod sample;

use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use sample::SampleOptions;

/// Generate a deterministic synthetic 2020-21 annual-review input folder.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// A council register to build on instead of the built-in
    /// `data/english-councils-2020-21.csv` (same columns).
    #[arg(long)]
    register: Option<PathBuf>,
    /// Folder to write the input into (created if missing): publication.toml, the three CSV
    /// files and commentary/.
    #[arg(long, default_value = "input")]
    out: PathBuf,
    /// 1 = the national sample; N = N copies of every authority.
    #[arg(long, default_value_t = 1)]
    scale: usize,
    /// Total decisions (default 11,800 per copy of the register).
    #[arg(long)]
    decisions: Option<usize>,
    /// Seed for every random choice.
    #[arg(long, default_value_t = sample::DEFAULT_SEED)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let register = match &args.register {
        Some(path) => {
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => register::REGISTER.to_string(),
    };
    let options = SampleOptions {
        scale: args.scale,
        decisions: args.decisions,
        seed: args.seed,
    };
    let files = sample::generate(&register, &options)?;
    for (name, text) in files.files() {
        let path = args.out.join(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    let commentary = match files.commentary.len() {
        0 => "no commentary".to_string(),
        1 => "1 commentary".to_string(),
        n => format!("{n} commentaries"),
    };
    println!(
        "wrote {} authorities, {} decisions, {} compliance outcomes, publication.toml and {commentary} to {}",
        files.authorities_csv.lines().count() - 1,
        files.decisions_csv.lines().count() - 1,
        files.compliance_csv.lines().count() - 1,
        args.out.display()
    );
    Ok(())
}
