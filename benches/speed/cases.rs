//! The measured cases: the national batch, one letter regenerated, the 10× publication,
//! `check` on 1,000,000 decisions, the typst CLI baseline, and the in-process floor.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use annual_review::bench::Letters;
use anyhow::{Context, Result, ensure};

use crate::fixtures::{self, Fixtures};
use crate::measure::{
    Case, Sample, Stats, measure, measure_pool, repeat, repeat_alternating, self_cpu,
};
use crate::{BIN, Bench, KENT, ROOT};

/// The letters' date, 2021-07-21 09:00 UTC: what our PDFs carry as their creation date.
const CREATION_TIMESTAMP: &str = "1626858000";
/// The argument that makes the bench binary measure the floor in a process of its own.
pub const FLOOR_CHILD: &str = "--floor-child";
/// Runs of each of the floor's one-letter measurements.
pub const FLOOR_RUNS: usize = 15;

// ---------------------------------------------------------------------------------------------
// Our binary.

/// The national batch at `--jobs 1` and at `--jobs N`, and at `--jobs N` without the web
/// edition's compiles.
pub struct National {
    pub jobs_1: Case,
    pub jobs_n: Case,
    /// `--jobs N` with a copy of the template whose web page and site index are empty documents
    /// ([`fixtures::without_web`]), in alternation with `jobs_n`: what the web edition adds to
    /// the batch.
    pub without_web: Case,
    /// The output folder of the last `--jobs N` run: its letters are current.
    pub out: PathBuf,
}

pub fn national(bench: &Bench, fixtures: &Fixtures) -> Result<National> {
    let letters = fixtures.slugs.len();
    let jobs_1 = repeat("national batch, --jobs 1", bench.runs, letters, |_| {
        measure(&mut bench.build(&bench.input, &bench.fresh_out(), 1, &[]))
    })?;
    let mut out = bench.fresh_out();
    let jobs = bench.jobs;
    let without_web_templates = crate::fixtures::without_web(bench)?;
    let [jobs_n, without_web] = repeat_alternating(
        [
            &format!("national batch, --jobs {jobs}"),
            &format!("{WITHOUT_WEB_NAME}, --jobs {jobs}"),
        ],
        bench.runs.max(WEB_COMPARISON_RUNS),
        letters,
        [
            &mut |_| {
                out = bench.fresh_out();
                measure(&mut bench.build(&bench.input, &out, jobs, &[]))
            },
            &mut |_| {
                measure(&mut bench.build_with(
                    &without_web_templates,
                    &bench.input,
                    &bench.fresh_out(),
                    jobs,
                    &[],
                ))
            },
        ],
    )?;
    Ok(National {
        jobs_1,
        jobs_n,
        without_web,
        out,
    })
}

/// Runs, at least, of the national batch with and without the web edition: the difference is
/// about a tenth of the batch, and three runs of each on a shared machine move by more.
const WEB_COMPARISON_RUNS: usize = 7;
/// The name of the national batch without the web edition's compiles, before its `--jobs`.
pub const WITHOUT_WEB_NAME: &str = "national batch without the web edition's pages and index";

/// The national batch built once, unmeasured, when its case does not run: the letters to
/// regenerate one of and to compare the CLI's with.
pub fn letters(bench: &Bench) -> Result<PathBuf> {
    let out = bench.fresh_out();
    measure(&mut bench.build(&bench.input, &out, bench.jobs, &[]))?;
    Ok(out)
}

/// Runs of the one-letter cases: at least 15, as they take a tenth of a second and move most with
/// the machine's load.
fn one_letter_runs(bench: &Bench) -> usize {
    bench.runs.max(15)
}

/// The one-letter case's name.
fn regenerate_name() -> String {
    format!("one letter (--authority {KENT} --force), whole process")
}

/// One run of Kent's letter regenerated in the built folder `out`.
fn regenerate_once(bench: &Bench, out: &Path) -> Result<Sample> {
    measure(&mut bench.build(
        &bench.input,
        out,
        bench.jobs,
        &["--authority", KENT, "--force"],
    ))
}

/// Kent's letter regenerated in the built folder `out` (`--authority E10000016 --force`), when
/// there is no typst CLI to alternate with.
pub fn regenerate(bench: &Bench, out: &Path) -> Result<Case> {
    repeat(&regenerate_name(), one_letter_runs(bench), 1, |_| {
        regenerate_once(bench, out)
    })
}

pub fn x10(bench: &Bench, fixtures: &Fixtures) -> Result<Case> {
    repeat(
        &format!("10x publication, --jobs {}", bench.jobs),
        bench.runs,
        fixtures.x10_letters,
        |_| measure(&mut bench.build(&fixtures.x10, &bench.fresh_out(), bench.jobs, &[])),
    )
}

pub fn check(bench: &Bench, fixtures: &Fixtures) -> Result<Case> {
    repeat(
        "check: ingest + validation, 1,000,000 decisions",
        bench.runs,
        0,
        |_| {
            measure(
                Command::new(BIN)
                    .arg("check")
                    .arg("--input")
                    .arg(&fixtures.million)
                    .arg("--templates")
                    .arg(&bench.templates),
            )
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The typst CLI.

/// The typst CLI baseline: one letter, and the national batch one process per letter.
pub struct Cli {
    pub typst: PathBuf,
    pub one: Case,
    pub batch: Case,
    /// Our one-letter regeneration, measured in alternation with the CLI's one letter.
    pub regenerate: Option<Case>,
    /// The least a regeneration must do, measured in alternation with both.
    pub least: Option<Least>,
}

/// The least that any one-letter regeneration must do, in a fresh process: start, read and
/// check the input, load the template, compile and export the letter's PDF; nothing else
/// (`annual_review::bench::least_regeneration`). A lower bound of what a regeneration can cost
/// while each run is a process of its own, as it is for the typst CLI.
pub struct Least {
    /// The whole process.
    pub case: Case,
    /// Of that, the PDF's compile and export, in seconds.
    pub compile: Stats,
}

/// The least-regeneration case's name.
pub const LEAST_NAME: &str =
    "least a regeneration must do: start, input, template, Kent's PDF alone (fresh process)";
/// The argument that makes the bench binary do the least a regeneration must do, in a process of
/// its own; the next argument is the file to add the compile's seconds to.
pub const LEAST_CHILD: &str = "--least-regeneration-child";

/// The least-regeneration process: Kent's PDF made from the sample, its compile time added to
/// the file `compiles` (one line a run).
pub fn least_child(compiles: &Path) -> Result<()> {
    use std::io::Write;
    let root = Path::new(ROOT);
    let compile = annual_review::bench::least_regeneration(
        &root.join("input"),
        &root.join("typst-templates"),
        KENT,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(compiles)?;
    writeln!(file, "{}", compile.as_secs_f64())?;
    Ok(())
}

/// The CLI's cases, when `BENCH_CASES` asks for them and a typst 0.15 CLI is found or installed;
/// what happened goes into `notes`, with whether its PDFs say what ours in `national_out` say.
/// With `regenerate`, our one-letter case runs in alternation with the CLI's, in `national_out`.
pub fn typst_cli(
    bench: &Bench,
    fixtures: &Fixtures,
    national_out: &Path,
    regenerate: bool,
    notes: &mut Vec<String>,
) -> Result<Option<Cli>> {
    if !bench.want("cli") {
        notes.push("No typst CLI baseline in this run (BENCH_CASES).".to_string());
        return Ok(None);
    }
    let Some(typst) = fixtures::find_typst(notes) else {
        return Ok(None);
    };
    eprintln!("bench: typst CLI baseline with {}", typst.display());
    let tmp = &bench.tmp;
    let template_dir = &bench.template_dir;
    let slugs = &fixtures.slugs;
    let projects =
        fixtures::make_cli_projects(&fixtures.data_dir, template_dir, slugs, &tmp.join("cli"))?;
    let compile = |project: &Path, out: &Path| {
        let mut cmd = Command::new(&typst);
        cmd.arg("compile")
            .arg("--root")
            .arg(project)
            .arg("--font-path")
            .arg(template_dir.join("fonts"))
            .arg("--ignore-system-fonts")
            .arg("--pdf-standard")
            .arg("a-2a,ua-1")
            .arg("--creation-timestamp")
            .arg(CREATION_TIMESTAMP)
            .arg(project.join("main.typ"))
            .arg(out);
        cmd
    };
    let one_out = tmp.join("cli-one.pdf");
    let cli_name = format!("one letter, `typst compile` ({KENT})");
    let cli_once = |_| measure(&mut compile(&projects.join(&fixtures.kent_slug), &one_out));
    let (one, regenerate, least) = if regenerate {
        let compiles = tmp.join("least-regeneration-compiles.txt");
        let [ours, cli, least] = repeat_alternating(
            [&regenerate_name(), &cli_name, LEAST_NAME],
            one_letter_runs(bench),
            1,
            [
                &mut |_| regenerate_once(bench, national_out),
                &mut |run| cli_once(run),
                &mut |_| {
                    measure(
                        Command::new(std::env::current_exe()?)
                            .arg(LEAST_CHILD)
                            .arg(&compiles),
                    )
                },
            ],
        )?;
        let compile = fs::read_to_string(&compiles)?
            .lines()
            .map(|line| line.parse::<f64>())
            .collect::<Result<Vec<f64>, _>>()?;
        let least = Least {
            case: least,
            compile: Stats::of(compile.into_iter()),
        };
        (cli, Some(ours), Some(least))
    } else {
        (
            repeat(&cli_name, one_letter_runs(bench), 1, cli_once)?,
            None,
            None,
        )
    };
    let mut cli_out = PathBuf::new();
    let batch = repeat(
        &format!(
            "national batch, `typst compile` loop, {} at a time",
            bench.jobs
        ),
        bench.cli_runs,
        slugs.len(),
        |run| {
            cli_out = tmp.join(format!("cli-out-{run}"));
            fs::create_dir_all(&cli_out)?;
            let commands = slugs
                .iter()
                .map(|slug| {
                    (
                        slug.clone(),
                        compile(&projects.join(slug), &cli_out.join(format!("{slug}.pdf"))),
                    )
                })
                .collect();
            measure_pool(commands, bench.jobs, &cli_out)
        },
    )?;
    notes.push(compare_text(
        &national_out
            .join(fixtures::year(&bench.input)?)
            .join("letters"),
        &cli_out,
        slugs,
        &fixtures.kent_slug,
    ));
    Ok(Some(Cli {
        typst,
        one,
        batch,
        regenerate,
        least,
    }))
}

/// Checks that the CLI's PDFs say what ours say, for Kent and a spread of others.
fn compare_text(ours: &Path, theirs: &Path, slugs: &[String], kent: &str) -> String {
    let text = |pdf: &Path| -> Option<String> { pdf.exists().then(|| crate::pdf::pdf_text(pdf)) };
    let mut picked: Vec<&str> = vec![kent];
    picked.extend(
        slugs
            .iter()
            .step_by(slugs.len().div_ceil(8).max(1))
            .map(String::as_str),
    );
    let mut same = 0;
    let mut differ = Vec::new();
    for slug in &picked {
        let file = format!("{slug}.pdf");
        match (text(&ours.join(&file)), text(&theirs.join(&file))) {
            (Some(a), Some(b)) if a == b && !a.trim().is_empty() => same += 1,
            (Some(_), Some(_)) => differ.push(*slug),
            _ => {
                return "Could not compare the PDFs' text: a letter is missing.".to_string();
            }
        }
    }
    if differ.is_empty() {
        format!(
            "Same text check: identical text (read with hayro) in our PDF and the typst CLI's for {same} letters ({kent} and a spread of others)."
        )
    } else {
        format!(
            "Same text check: FAILED for {} of {} letters: {}.",
            differ.len(),
            picked.len(),
            differ.join(", ")
        )
    }
}

// ---------------------------------------------------------------------------------------------
// The floor.

/// The floor, measured in a process of its own: Typst's caches grow this process's heap, and a
/// child's `ru_maxrss` starts from its parent's peak (the parent's memory is the child's until
/// `exec`), so the measuring process must stay small.
pub fn floor() -> Result<Floor> {
    let output = Command::new(std::env::current_exe()?)
        .arg(FLOOR_CHILD)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    ensure!(
        output.status.success(),
        "the floor failed ({})",
        output.status
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// The floor's process: measures, and prints the figures as JSON.
pub fn floor_child() -> Result<()> {
    let root = Path::new(ROOT);
    let floor = measure_floor(&root.join("input"), &root.join("typst-templates"))?;
    println!("{}", serde_json::to_string(&floor)?);
    Ok(())
}

/// The warm in-process figures, per letter.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Floor {
    /// Kent, template and other letters' work cached, Kent's own cache entries evicted.
    pub kent_wall: Stats,
    pub kent_cpu: f64,
    /// Kent recompiled with nothing changed: compile is a pure cache hit, mostly PDF export.
    pub identical_wall: Stats,
    /// Every letter once, in order, in one thread after a warm-up, Typst's cache evicted as a
    /// worker evicts it: the batch without the process.
    pub sequential_wall: Stats,
    pub sequential_cpu: f64,
    /// The same letters' PDFs alone, and their web pages alone, each page right after its PDF.
    pub sequential_pdf_cpu: f64,
    pub sequential_page_cpu: f64,
    /// The site's index page.
    pub index_wall: Stats,
    /// The first letter of a fresh process (cold caches), for context.
    pub cold_wall: f64,
}

/// After letter `i` (0-based) of a pass, Typst's cache evicted as a letter worker evicts it,
/// so that a pass over every letter holds and reuses what a worker's would.
fn evict_as_a_worker_does(i: usize) {
    if (i + 1).is_multiple_of(annual_review::bench::EVICT_EVERY) {
        typst::comemo::evict(1);
    }
}

fn measure_floor(input: &Path, templates: &Path) -> Result<Floor> {
    use typst::comemo::evict;
    evict(0);
    let letters = Letters::load(input, templates).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kent = letters
        .index_of(KENT)
        .context("Kent is not in the sample")?;
    let render = |i: usize| -> Result<Duration> {
        let started = Instant::now();
        letters.render(i).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(started.elapsed())
    };
    let others: Vec<usize> = (0..letters.len()).filter(|&i| i != kent).collect();

    let cold_wall = render(kent)?.as_secs_f64();
    // Warm the template with other letters.
    for &i in others.iter().take(10) {
        render(i)?;
    }
    // Kent after the others, its own cache entries evicted each time: age everything by one,
    // let another letter use (and so rejuvenate) what letters share, then drop whatever that
    // letter did not use. What is left is what a new letter of a warm batch finds.
    const N: usize = FLOOR_RUNS;
    let mut kent_times = Vec::new();
    let mut kent_cpu = Duration::ZERO;
    for k in 0..N + 2 {
        evict(usize::MAX);
        render(others[(10 + k) % others.len()])?;
        evict(1);
        let cpu = self_cpu();
        let wall = render(kent)?;
        if k >= 2 {
            kent_times.push(wall.as_secs_f64());
            kent_cpu += self_cpu() - cpu;
        }
    }
    let mut identical = Vec::new();
    render(kent)?;
    for _ in 0..N {
        identical.push(render(kent)?.as_secs_f64());
    }
    // Every letter once, sequentially, in a warm process.
    evict(0);
    for &i in others.iter().take(5) {
        render(i)?;
    }
    let cpu = self_cpu();
    let mut sequential = Vec::new();
    for i in 0..letters.len() {
        sequential.push(render(i)?.as_secs_f64());
        evict_as_a_worker_does(i);
    }
    let sequential_cpu = (self_cpu() - cpu).as_secs_f64() / letters.len() as f64;
    // What the web edition costs per letter: each letter's PDF, then its web page, measured apart
    // in the same pass (a worker makes them in that order), so the machine's load falls on both.
    evict(0);
    for &i in others.iter().take(5) {
        letters.render(i).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let (mut pdf_cpu, mut page_cpu) = (Duration::ZERO, Duration::ZERO);
    for i in 0..letters.len() {
        let before = self_cpu();
        letters.render_pdf(i).map_err(|e| anyhow::anyhow!("{e}"))?;
        let between = self_cpu();
        letters.render_page(i).map_err(|e| anyhow::anyhow!("{e}"))?;
        pdf_cpu += between - before;
        page_cpu += self_cpu() - between;
        evict_as_a_worker_does(i);
    }
    let sequential_pdf_cpu = pdf_cpu.as_secs_f64() / letters.len() as f64;
    let sequential_page_cpu = page_cpu.as_secs_f64() / letters.len() as f64;
    // The site's index, compiled once per build that changes it, in a process that has made
    // letters: its own memoized work is dropped before each run, not the template's.
    let mut index = Vec::new();
    for &other in others.iter().take(3) {
        evict(0);
        render(other)?;
        let started = Instant::now();
        letters.render_index().map_err(|e| anyhow::anyhow!("{e}"))?;
        index.push(started.elapsed().as_secs_f64());
    }
    evict(0);
    Ok(Floor {
        sequential_pdf_cpu,
        sequential_page_cpu,
        index_wall: Stats::of(index.into_iter()),
        kent_wall: Stats::of(kent_times.into_iter()),
        kent_cpu: kent_cpu.as_secs_f64() / N as f64,
        identical_wall: Stats::of(identical.into_iter()),
        sequential_wall: Stats::of(sequential.into_iter()),
        sequential_cpu,
        cold_wall,
    })
}
