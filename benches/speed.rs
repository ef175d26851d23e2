//! Speed and memory benchmark of `annual-review` (issue 4): `cargo bench --bench speed`.
//!
//! Every case runs the release binary as a child process, several times, and measures each run's
//! wall time, CPU time (user + system, all threads) and peak RSS with `wait4`. The baseline is the
//! official `typst` CLI compiling the same template and the same per-letter data, one process per
//! letter at the same parallelism; the floor is a warm in-process compile + PDF export of one
//! letter, measured in this process through the library API; and the least a regeneration must
//! do (a fresh process that reads the input, loads the template and compiles one letter's PDF,
//! nothing more) bounds what a one-letter regeneration can cost against the CLI's one letter.
//!
//! The table is printed and written into `bench/RESULTS.md` between the `bench:begin` and
//! `bench:end` markers; the rest of that file (profiling notes) is kept.
//!
//! Environment: `BENCH_RUNS` (default 3) runs per case; `BENCH_CASES` a comma-separated subset of
//! `national,regen,x10,check,cli` (default all); `BENCH_CLI_RUNS` (default `BENCH_RUNS`)
//! runs of the typst CLI loop; `BENCH_JOBS` (default: all cores) the parallel case's jobs;
//! `TYPST` the typst 0.15 binary to compare with (otherwise `typst` on PATH,
//! `~/.cargo/bin/typst`, or `cargo install typst-cli --locked --version 0.15.1`).
//!
//! The parts: [`fixtures`] (the generated inputs, every letter's data, the typst CLI),
//! [`measure`] (child processes and their `rusage`), [`cases`] (each measured case, the floor
//! included) and [`report`] (the tables, and `bench/RESULTS.md`).

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

use anyhow::{Context, Result};

use fixtures::Fixtures;
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
    let scratch = tempfile::Builder::new()
        .prefix("annual-review-bench-")
        .tempdir()?;
    let bench = Bench::new(root, scratch.path())?;
    eprintln!("bench: scratch folder {}", bench.tmp.display());

    eprintln!("bench: making fixtures");
    let fixtures = Fixtures::make(&bench)?;
    eprintln!("bench: in-process floor");
    let floor = cases::floor()?;
    // What a child's peak RSS reads when it does nothing: the floor of that column.
    let trivial = measure(&mut Command::new("true"))?;

    let national = bench
        .want("national")
        .then(|| cases::national(&bench, &fixtures))
        .transpose()?;
    // The letters to regenerate one of and to compare the CLI's with.
    let national_out = match &national {
        Some(national) => national.out.clone(),
        None if bench.want("regen") || bench.want("cli") => cases::letters(&bench)?,
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
    let mut notes = Vec::new();
    // With the CLI, our one-letter case runs in alternation with its one letter.
    let cli = cases::typst_cli(
        &bench,
        &fixtures,
        &national_out,
        bench.want("regen"),
        &mut notes,
    )?;

    let (national_1, national_n, without_web) = match national {
        Some(n) => (Some(n.jobs_1), Some(n.jobs_n), Some(n.without_web)),
        None => (None, None, None),
    };
    let (typst, cli_one, cli_batch, alternated, least) = match cli {
        Some(cli) => (
            Some(cli.typst),
            Some(cli.one),
            Some(cli.batch),
            cli.regenerate,
            cli.least,
        ),
        None => (None, None, None, None, None),
    };
    let least_compile = least.as_ref().map(|least| least.compile);
    let regenerate = match alternated {
        Some(case) => Some(case),
        None => bench
            .want("regen")
            .then(|| cases::regenerate(&bench, &national_out))
            .transpose()?,
    };
    let cases: Vec<Case> = [
        national_1,
        national_n,
        without_web,
        regenerate,
        least.map(|least| least.case),
        x10,
        check,
        cli_one,
        cli_batch,
    ]
    .into_iter()
    .flatten()
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
        bench.jobs,
        bench.cores,
        typst.as_deref(),
        &notes,
    )?;
    println!("{report}");
    report::write_results(&root.join("bench").join("RESULTS.md"), &report)?;
    eprintln!("bench: wrote bench/RESULTS.md");
    Ok(())
}

/// What the cases share: the settings from the environment, the sample publication and its
/// templates, and the scratch folder.
pub struct Bench {
    /// Runs per case (`BENCH_RUNS`).
    pub runs: usize,
    /// Runs of the typst CLI loop (`BENCH_CLI_RUNS`).
    pub cli_runs: usize,
    pub cores: usize,
    /// The parallel cases' jobs (`BENCH_JOBS`).
    pub jobs: usize,
    /// `BENCH_CASES`.
    cases: String,
    /// The sample publication, `input/`.
    pub input: PathBuf,
    pub templates: PathBuf,
    /// The sample's template folder.
    pub template_dir: PathBuf,
    pub tmp: PathBuf,
    /// Output folders handed out so far.
    outputs: Cell<usize>,
}

impl Bench {
    fn new(root: &Path, tmp: &Path) -> Result<Bench> {
        let runs = env_usize("BENCH_RUNS", 3).max(1);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let input = root.join("input");
        let templates = root.join("typst-templates");
        let template_dir = templates.join(fixtures::template_name(&input)?);
        Ok(Bench {
            runs,
            cli_runs: env_usize("BENCH_CLI_RUNS", runs).max(1),
            cores,
            jobs: env_usize("BENCH_JOBS", cores).max(1),
            cases: std::env::var("BENCH_CASES").unwrap_or_default(),
            input,
            templates,
            template_dir,
            tmp: tmp.to_path_buf(),
            outputs: Cell::new(0),
        })
    }

    /// Whether `BENCH_CASES` asks for `case` (all cases when it is empty).
    pub fn want(&self, case: &str) -> bool {
        self.cases.is_empty() || self.cases.split(',').any(|c| c.trim() == case)
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
        let mut cmd = Command::new(BIN);
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
        cmd
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
