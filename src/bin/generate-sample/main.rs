//! `generate-sample`: writes a synthetic sample publication, a complete input folder.
//!
//! This program owns the deterministic generator behind the committed sample folders, realistic,
//! entirely invented annual-review extracts (`authorities.csv`, `decisions.csv`,
//! `compliance.csv`) built on the real register of English councils, plus the committed
//! `publication.toml` and Kent's commentary, so the folder it writes can be built. Nothing in it
//! is real casework. Two years ([`year`]):
//!
//! - **2020-21** (`input/`, the default): the 339 councils of 2020-21, with the recipient's
//!   address and the people copied (`email`, `copies`). Pinned so the output can be checked
//!   against the published 2021 Kent letter: Kent County Council's own numbers (54 detailed
//!   investigations, 40 upheld, 5 remedied, 1 public report, 33 compliance outcomes, all
//!   complied with) and the County Council averages (71% upheld, 8% remedied; each the mean of
//!   each council's rate).
//! - **2024-25** (`--year 2024-25`, `examples/2024-25/`): the 317 councils after the 2021 and
//!   2023 reorganisations ([`reorganisation`]), with residents ([`population`]), every letter
//!   to the chief executive. Pinned as the 2025 letters publish them: Kent 291 complaints dealt
//!   with = 87 not for us (66 referred back for local resolution, 13 advice given, 8
//!   incomplete or invalid) + 128 assessed and closed + 76 investigated, 63 of them upheld
//!   (83%), 1,610,000 residents (3.9 upheld per 100,000); the County Council average upheld
//!   rate 89% (mean of rates); nationally 22,010 decisions, 4,441 investigations, 3,665 upheld
//!   (83%), compliance 99.7%, 59.1 million residents (6.2 upheld per 100,000).
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
//! The stages, in order: [`register`] (the councils and how each group behaves; for 2024-25,
//! [`reorganisation`] and [`population`]) → [`authorities`] (copies for `--scale`, recipients,
//! addresses and copies of the letter) → [`decisions`] and [`compliance`] (how many of each, per
//! authority, with the pinned figures met, through [`counts`]; then their rows, with dates from
//! [`calendar`] and case numbers from [`references`]) → [`sample`] (the CSV text and the
//! folder's files).

mod authorities;
mod calendar;
mod compliance;
mod counts;
mod decisions;
mod population;
mod references;
mod register;
mod reorganisation;
mod rng;
mod sample;
mod year;

use std::fs;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use sample::SampleOptions;
use year::Year;

/// Generate a deterministic synthetic annual-review input folder.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The year of the sample: 2020-21 (the committed `input/`) or 2024-25 (the councils after
    /// the 2021 and 2023 reorganisations, with populations).
    #[arg(long, value_enum, default_value = "2020-21")]
    year: Year,
    /// A council register to build on instead of the built-in
    /// `data/english-councils-2020-21.csv` (same columns).
    #[arg(long)]
    register: Option<PathBuf>,
    /// Folder to write the input into (created if missing): publication.toml, the three CSV
    /// files and commentary/ (default the year's committed folder: `input` for 2020-21,
    /// `examples/2024-25` for 2024-25, from the current folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// 1 = the national sample; N = N copies of every authority.
    #[arg(long, default_value_t = 1)]
    scale: usize,
    /// Total decisions (default 11,800 per copy of the register for 2020-21, 22,010 for
    /// 2024-25).
    #[arg(long)]
    decisions: Option<usize>,
    /// Seed for every random choice (default the year's: 2021 for 2020-21, 2025 for 2024-25).
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let register = match &args.register {
        Some(path) => {
            fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
        }
        None => register::REGISTER.to_string(),
    };
    let defaults = SampleOptions::of(args.year);
    let options = SampleOptions {
        scale: args.scale,
        decisions: args.decisions,
        seed: args.seed.unwrap_or(defaults.seed),
        ..defaults
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(args.year.spec().folder));
    let files = sample::generate(&register, &options)?;
    for (name, text) in files.files() {
        let path = out.join(name);
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
        out.display()
    );
    Ok(())
}
