//! Speed and memory benchmark of `annual-review` (issue 4): `cargo bench --bench speed`.
//!
//! Every case runs the release binary as a child process, several times, and measures each run's
//! wall time, CPU time (user + system, all threads) and peak RSS with `wait4`. The national
//! batches of both sample years (2020-21 in `input/`, 2024-25 in `examples/2024-25/`) run side by
//! side, round by round, with the official `typst` CLI compiling the same templates and the same
//! per-letter data one process per letter at the same parallelism, with the 2020-21 batch
//! without the web edition's compiles, and with the 2020-21 batch made by a baseline binary
//! (an earlier build, named by the environment). The floor is a warm in-process compile + PDF
//! export of one letter, measured in this process through the library API; and the least a
//! regeneration must do (a fresh process that reads the input, loads the template and compiles
//! one letter's PDF, nothing more) bounds what a one-letter regeneration can cost against the
//! CLI's one letter.
//!
//! The table is printed and written into `bench/RESULTS.md` between the `bench:begin` and
//! `bench:end` markers; the rest of that file (profiling notes) is kept.
//!
//! Environment: `BENCH_RUNS` (default 3) runs per case, and at least 7 of the batches side by
//! side; `BENCH_CASES` a comma-separated subset of
//! `national,2024-25,baseline,regen,x10,check,history,cli`
//! (default all); `BENCH_JOBS` (default: all cores) the parallel cases' jobs; `TYPST` the typst
//! 0.15 binary to compare with (otherwise `typst` on PATH, `~/.cargo/bin/typst`, or `cargo
//! install typst-cli --locked --version 0.15.1`); `BENCH_BASELINE` and
//! `BENCH_BASELINE_TEMPLATES` the baseline's binary and the template folder of its commit.
//!
//! The parts: [`fixtures`] (the publications, the generated inputs, every letter's data, the
//! typst CLI, the baseline), [`measure`] (child processes and their `rusage`), [`cases`] (each
//! measured case, the floor included) and [`report`] (the tables, and `bench/RESULTS.md`).

// A crate root's modules are found beside it, so the folder is named.
#[path = "speed/cases.rs"]
mod cases;
#[path = "speed/fixtures.rs"]
mod fixtures;
#[path = "speed/measure.rs"]
mod measure;
/// The tests' PDF text reader, to check that the CLI's letters say what ours say.
#[path = "../tests/testsuite/common/pdf.rs"]
#[allow(dead_code)]
mod pdf;
#[path = "speed/report.rs"]
mod report;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use fixtures::{Fixtures, Publication};
use measure::{Case, measure};

const BIN: &str = env!("CARGO_BIN_EXE_annual-review");
const GENERATE: &str = env!("CARGO_BIN_EXE_generate-sample");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Kent County Council: the letter with commentary, used for the one-letter cases and the floor.
const KENT: &str = "E10000016";

// The tool's own allocator, so that what this binary measures in its own processes (the floor,
// the least a regeneration must do) runs as the tool's letters do.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<()> {
    if std::env::args().any(|a| a == cases::FLOOR_CHILD) {
        return cases::floor_child();
    }
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == cases::LEAST_CHILD) {
        let compiles = args.get(at + 1).context("the compile times' file")?;
        return cases::least_child(Path::new(compiles));
    }
    let root = Path::new(ROOT);
    let load_start = report::load_average();
    let mut notes = Vec::new();
    // Before anything is made: a baseline named by half is a mistake to say at once.
    let baseline = if bench_wants("baseline") {
        fixtures::baseline(&mut notes)?
    } else {
        None
    };
    let scratch = tempfile::Builder::new()
        .prefix("annual-review-bench-")
        .tempdir()?;
    let bench = Bench::new(root, scratch.path())?;
    eprintln!("bench: scratch folder {}", bench.tmp.display());

    eprintln!("bench: making fixtures");
    let fixtures = Fixtures::make(&bench)?;
    let cli = if bench.want("cli") {
        fixtures::find_typst(&mut notes)
            .map(|typst| cases::Cli::make(&bench, &fixtures, typst))
            .transpose()?
    } else {
        notes.push("No typst CLI in this run (BENCH_CASES).".to_string());
        None
    };
    eprintln!("bench: in-process floor");
    let floor = cases::floor()?;
    // What a child's peak RSS reads when it does nothing: the floor of that column.
    let trivial = measure(&mut Command::new("true"))?;

    let national_1 = bench
        .want("national")
        .then(|| cases::national_1(&bench, &fixtures))
        .transpose()?;
    let side_by_side = cases::side_by_side(
        &bench,
        &fixtures,
        cli.as_ref(),
        baseline.as_ref(),
        &mut notes,
    )?;
    // The letters to regenerate one of.
    let national_out = match side_by_side.out {
        Some(out) => out,
        None if bench.want("regen") => cases::letters(&bench)?,
        None => bench.fresh_out(),
    };
    let x10 = bench
        .want("x10")
        .then(|| cases::x10(&bench, &fixtures))
        .transpose()?;
    let check = bench
        .want("check")
        .then(|| cases::check(&bench, &fixtures))
        .transpose()?;
    let history = if bench.want("history") {
        cases::history(&bench, &mut notes)?
    } else {
        Vec::new()
    };
    // With the CLI, our one-letter case runs in alternation with its one letter.
    let one_letter = cli
        .as_ref()
        .map(|cli| {
            cases::cli_one_letter(&bench, &fixtures, cli, &national_out, bench.want("regen"))
        })
        .transpose()?;
    let (cli_one, alternated, least) = match one_letter {
        Some(one) => (Some(one.one), one.regenerate, one.least),
        None => (None, None, None),
    };
    let least_compile = least.as_ref().map(|least| least.compile);
    let regenerate = match alternated {
        Some(case) => Some(case),
        None => bench
            .want("regen")
            .then(|| cases::regenerate(&bench, &national_out))
            .transpose()?,
    };
    let cases: Vec<Case> = national_1
        .into_iter()
        .chain(side_by_side.cases)
        .chain(regenerate)
        .chain(least.map(|least| least.case))
        .chain(x10)
        .chain(check)
        .chain(history)
        .chain(cli_one)
        .collect();
    notes.push(format!(
        "Peak RSS calibration: `true` run the same way reads {:.1} MB. Load average (1, 5, 15 min) at the start: {load_start}; at the end: {}.",
        trivial.rss_kib as f64 * 1024.0 / 1e6,
        report::load_average()
    ));
    let report = report::report(
        &cases,
        &floor,
        least_compile,
        &report::Setting {
            jobs: bench.jobs,
            cores: bench.cores,
            typst: cli.as_ref().map(|cli| cli.typst.as_path()),
            baseline: baseline.as_ref().map(|baseline| baseline.describe.as_str()),
        },
        &notes,
    )?;
    println!("{report}");
    report::write_results(&root.join("bench").join("RESULTS.md"), &report)?;
    eprintln!("bench: wrote bench/RESULTS.md");
    Ok(())
}

/// What the cases share: the settings from the environment, the sample's two publications and
/// their templates, and the scratch folder.
pub struct Bench {
    /// Runs per case (`BENCH_RUNS`).
    pub runs: usize,
    pub cores: usize,
    /// The parallel cases' jobs (`BENCH_JOBS`).
    pub jobs: usize,
    /// `BENCH_CASES`.
    cases: String,
    pub templates: PathBuf,
    /// The sample publication, `input/` (2020-21).
    pub y2020_21: Publication,
    /// The second sample publication, `examples/2024-25/`.
    pub y2024_25: Publication,
    pub tmp: PathBuf,
    /// Output folders handed out so far.
    outputs: Cell<usize>,
}

/// The sample publications' years, as their `publication.toml` say.
pub const YEAR_2020_21: &str = "2020-21";
pub const YEAR_2024_25: &str = "2024-25";

impl Bench {
    fn new(root: &Path, tmp: &Path) -> Result<Bench> {
        let runs = env_usize("BENCH_RUNS", 3).max(1);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let templates = root.join("typst-templates");
        let y2020_21 = Publication::load(&root.join("input"), &templates)?;
        let y2024_25 = Publication::load(&root.join("examples").join(YEAR_2024_25), &templates)?;
        ensure!(
            y2020_21.year == YEAR_2020_21 && y2024_25.year == YEAR_2024_25,
            "the sample publications are of {} and {}, not {YEAR_2020_21} and {YEAR_2024_25}",
            y2020_21.year,
            y2024_25.year
        );
        Ok(Bench {
            runs,
            cores,
            jobs: env_usize("BENCH_JOBS", cores).max(1),
            cases: std::env::var("BENCH_CASES").unwrap_or_default(),
            templates,
            y2020_21,
            y2024_25,
            tmp: tmp.to_path_buf(),
            outputs: Cell::new(0),
        })
    }

    /// Whether `BENCH_CASES` asks for `case` (all cases when it is empty).
    pub fn want(&self, case: &str) -> bool {
        wants(&self.cases, case)
    }

    /// A new output folder in the scratch folder.
    pub fn fresh_out(&self) -> PathBuf {
        let n = self.outputs.get() + 1;
        self.outputs.set(n);
        self.tmp.join(format!("out-{n}"))
    }

    /// `annual-review build` of `input` into `out` with the templates, at `--jobs jobs`.
    pub fn build(&self, input: &Path, out: &Path, jobs: usize, extra: &[&str]) -> Command {
        self.build_with(&self.templates, input, out, jobs, extra)
    }

    /// [`Bench::build`] with another folder of templates.
    pub fn build_with(
        &self,
        templates: &Path,
        input: &Path,
        out: &Path,
        jobs: usize,
        extra: &[&str],
    ) -> Command {
        self.build_by(Path::new(BIN), templates, input, out, jobs, extra)
    }

    /// [`Bench::build_with`] by another binary: `bin build …`.
    pub fn build_by(
        &self,
        bin: &Path,
        templates: &Path,
        input: &Path,
        out: &Path,
        jobs: usize,
        extra: &[&str],
    ) -> Command {
        let mut cmd = Command::new(bin);
        cmd.arg("build")
            .arg("--input")
            .arg(input)
            .arg("--templates")
            .arg(templates)
            .arg("--output")
            .arg(out)
            .arg("--jobs")
            .arg(jobs.to_string())
            .args(extra);
        // No earlier years unless a case gives its archive: whatever `archive/` the working
        // folder holds stays out of the measures. (The baseline predates `--archive`.)
        if bin == Path::new(BIN) && !extra.contains(&"--archive") {
            cmd.arg("--archive").arg(self.tmp.join("no-archive"));
        }
        cmd
    }
}

/// Whether the comma-separated list `cases` (`BENCH_CASES`) asks for `case`: all when it is empty.
fn wants(cases: &str, case: &str) -> bool {
    cases.trim().is_empty() || cases.split(',').any(|c| c.trim() == case)
}

/// [`Bench::want`] before there is a [`Bench`].
fn bench_wants(case: &str) -> bool {
    wants(&std::env::var("BENCH_CASES").unwrap_or_default(), case)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
