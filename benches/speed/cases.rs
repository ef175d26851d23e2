//! The measured cases: the national batches of both years side by side with the typst CLI's
//! loops and the baseline binary, one letter regenerated, the 10× publication, `check` on
//! 1,000,000 decisions, and the in-process floor.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use annual_review::bench::Letters;
use anyhow::{Context, Result, ensure};

use crate::fixtures::{self, Baseline, Fixtures, LetterData, Publication};
use crate::measure::{
    Alternate, Case, Sample, Stats, alternate, measure, measure_pool, repeat, repeat_alternating,
    self_cpu,
};
use crate::{BIN, Bench, KENT, ROOT, YEAR_2020_21, YEAR_2024_25};

/// The argument that makes the bench binary measure the floor in a process of its own.
pub const FLOOR_CHILD: &str = "--floor-child";
/// Runs of each of the floor's one-letter measurements.
pub const FLOOR_RUNS: usize = 15;

// ---------------------------------------------------------------------------------------------
// The national batches.

/// A national batch of ours at `--jobs jobs`: "national batch 2020-21, --jobs 2".
pub fn national_name(year: &str, jobs: usize) -> String {
    format!("national batch {year}, --jobs {jobs}")
}

/// The 2020-21 batch at `--jobs N` without the web edition's compiles.
pub fn without_web_name(jobs: usize) -> String {
    format!(
        "national batch {YEAR_2020_21} without the web edition's pages and index, --jobs {jobs}"
    )
}

/// The typst CLI's loop over a year's letters.
pub fn cli_batch_name(year: &str, jobs: usize) -> String {
    format!("national batch {year}, `typst compile` loop, {jobs} at a time")
}

/// The 2020-21 batch made by the baseline binary.
pub fn baseline_name(jobs: usize) -> String {
    format!("national batch {YEAR_2020_21}, baseline binary and templates, --jobs {jobs}")
}

/// The 2020-21 batch at `--jobs 1`.
pub fn national_1(bench: &Bench, fixtures: &Fixtures) -> Result<Case> {
    let letters = fixtures.y2020_21.slugs.len();
    repeat(&national_name(YEAR_2020_21, 1), bench.runs, letters, |_| {
        measure(&mut bench.build(&bench.y2020_21.input, &bench.fresh_out(), 1, &[]))
    })
}

/// Runs, at least, of the batches side by side: what the web edition adds and what separates our
/// build from the baseline's are about a tenth of the batch or less, and three runs of each on a
/// shared machine move by more.
const SIDE_BY_SIDE_RUNS: usize = 7;

/// The batches measured in alternation, round by round, so that the machine's changing load falls
/// on all alike.
pub struct SideBySide {
    /// In the order of a round: ours 2020-21, without the web edition, the baseline's, the CLI's
    /// 2020-21 loop, ours 2024-25, the CLI's 2024-25 loop (those that run).
    pub cases: Vec<Case>,
    /// The output folder of our last 2020-21 batch, when it ran: its letters are current.
    pub out: Option<PathBuf>,
}

/// Each round: our 2020-21 batch at `--jobs N` (when `national` or `baseline` is asked for, or
/// there is a CLI to compare with); the same without the web edition's compiles
/// ([`fixtures::without_web`], `national`); the same batch by the baseline binary with its own
/// templates (`baseline`, when the environment names one); the typst CLI compiling the same
/// letters one process per letter, `--jobs` at a time; and the same for 2024-25 (`2024-25`).
/// The PDFs' text of each comparison is checked alike, into `notes`.
pub fn side_by_side(
    bench: &Bench,
    fixtures: &Fixtures,
    cli: Option<&Cli>,
    baseline: Option<&Baseline>,
    notes: &mut Vec<String>,
) -> Result<SideBySide> {
    let jobs = bench.jobs;
    let ours = bench.want("national") || baseline.is_some() || cli.is_some();
    let without_web = bench.want("national");
    let y2024_25 = fixtures.y2024_25.as_ref();
    let without_web_templates = without_web
        .then(|| fixtures::without_web(bench))
        .transpose()?;

    // The last run's folders, for the text checks.
    let mut out: Option<PathBuf> = None;
    let mut out_2025: Option<PathBuf> = None;
    let mut baseline_out: Option<PathBuf> = None;
    let mut cli_out: Option<PathBuf> = None;
    let mut cli_out_2025: Option<PathBuf> = None;

    let mut cases: Vec<Alternate<'_>> = Vec::new();
    let letters = fixtures.y2020_21.slugs.len();
    if ours {
        let out = &mut out;
        cases.push(Alternate {
            name: national_name(YEAR_2020_21, jobs),
            letters,
            run: Box::new(move |_| {
                let folder = out.insert(bench.fresh_out());
                measure(&mut bench.build(&bench.y2020_21.input, folder, jobs, &[]))
            }),
        });
    }
    if let Some(templates) = &without_web_templates {
        cases.push(Alternate {
            name: without_web_name(jobs),
            letters,
            run: Box::new(move |_| {
                measure(&mut bench.build_with(
                    templates,
                    &bench.y2020_21.input,
                    &bench.fresh_out(),
                    jobs,
                    &[],
                ))
            }),
        });
    }
    if let Some(baseline) = baseline {
        let out = &mut baseline_out;
        cases.push(Alternate {
            name: baseline_name(jobs),
            letters,
            run: Box::new(move |_| {
                let folder = out.insert(bench.fresh_out());
                measure(&mut bench.build_by(
                    &baseline.bin,
                    &baseline.templates,
                    &bench.y2020_21.input,
                    folder,
                    jobs,
                    &[],
                ))
            }),
        });
    }
    if let Some(cli) = cli {
        let out = &mut cli_out;
        cases.push(Alternate {
            name: cli_batch_name(YEAR_2020_21, jobs),
            letters,
            run: Box::new(move |run| {
                let folder = out.insert(bench.tmp.join(format!("cli-out-{YEAR_2020_21}-{run}")));
                cli.batch(
                    bench,
                    &bench.y2020_21,
                    &fixtures.y2020_21,
                    &cli.y2020_21,
                    folder,
                )
            }),
        });
    }
    if let Some(data) = y2024_25 {
        let letters = data.slugs.len();
        let out = &mut out_2025;
        cases.push(Alternate {
            name: national_name(YEAR_2024_25, jobs),
            letters,
            run: Box::new(move |_| {
                let folder = out.insert(bench.fresh_out());
                measure(&mut bench.build(&bench.y2024_25.input, folder, jobs, &[]))
            }),
        });
        if let Some((cli, projects)) = cli.and_then(|cli| Some((cli, cli.y2024_25.as_ref()?))) {
            let out = &mut cli_out_2025;
            cases.push(Alternate {
                name: cli_batch_name(YEAR_2024_25, jobs),
                letters,
                run: Box::new(move |run| {
                    let folder =
                        out.insert(bench.tmp.join(format!("cli-out-{YEAR_2024_25}-{run}")));
                    cli.batch(bench, &bench.y2024_25, data, projects, folder)
                }),
            });
        }
    }
    let cases = alternate(bench.runs.max(SIDE_BY_SIDE_RUNS), cases)?;

    let y2020_21 = &bench.y2020_21;
    if let (Some(ours), Some(theirs)) = (&out, &cli_out) {
        notes.push(compare_text(
            &y2020_21.year,
            &y2020_21.letters_in(ours),
            theirs,
            &fixtures.y2020_21,
            "the typst CLI's",
            true,
        ));
    }
    if let (Some(ours), Some(theirs)) = (&out, &baseline_out) {
        notes.push(compare_text(
            &y2020_21.year,
            &y2020_21.letters_in(ours),
            &y2020_21.letters_in(theirs),
            &fixtures.y2020_21,
            "the baseline's",
            false,
        ));
    }
    if let (Some(ours), Some(theirs), Some(data)) = (&out_2025, &cli_out_2025, y2024_25) {
        notes.push(compare_text(
            &bench.y2024_25.year,
            &bench.y2024_25.letters_in(ours),
            theirs,
            data,
            "the typst CLI's",
            true,
        ));
    }
    Ok(SideBySide { cases, out })
}

/// The 2020-21 batch built once, unmeasured, when it does not run side by side: the letters to
/// regenerate one of.
pub fn letters(bench: &Bench) -> Result<PathBuf> {
    let out = bench.fresh_out();
    measure(&mut bench.build(&bench.y2020_21.input, &out, bench.jobs, &[]))?;
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
        &bench.y2020_21.input,
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
// Every year in one place.

/// Earlier years in the history case's archive.
const EARLIER_YEARS: usize = 10;

/// The 2024-25 batch with ten archived earlier years against the same batch with none, in
/// alternation, then a build with nothing to do of each: what the history costs. The earlier
/// years are synthetic: the 2020-21 sample under the labels 2010-11 to 2019-20, each built and
/// archived. The ratios and the sites' sizes go into `notes`.
pub fn history(bench: &Bench, notes: &mut Vec<String>) -> Result<Vec<Case>> {
    let archive = bench.tmp.join("archive-ten-years");
    let inputs = bench.tmp.join("earlier-years");
    let built = bench.fresh_out();
    eprintln!("bench: building and archiving {EARLIER_YEARS} earlier years");
    for k in 0..EARLIER_YEARS {
        let label = format!("{}-{:02}", 2010 + k, 11 + k);
        let input = inputs.join(&label);
        fixtures::copy_dir(&bench.y2020_21.input, &input)?;
        let settings = input.join("publication.toml");
        let text = fs::read_to_string(&settings)?;
        let relabelled = text.replacen(
            &format!("year = \"{YEAR_2020_21}\""),
            &format!("year = \"{label}\""),
            1,
        );
        ensure!(
            relabelled != text,
            "the 2020-21 sample's year was not found to relabel"
        );
        fs::write(&settings, relabelled)?;
        let archive_arg = archive.display().to_string();
        crate::measure::run_ok(&mut bench.build(
            &input,
            &built,
            bench.jobs,
            &["--archive", &archive_arg],
        ))?;
        crate::measure::run_ok(
            Command::new(BIN)
                .arg("archive")
                .arg("--input")
                .arg(&input)
                .arg("--templates")
                .arg(&bench.templates)
                .arg("--output")
                .arg(&built)
                .arg("--archive")
                .arg(&archive),
        )?;
    }
    let input = &bench.y2024_25.input;
    let letters = fixtures::count_authorities(input)?;
    let with = vec!["--archive".to_string(), archive.display().to_string()];
    let (with_out, without_out) = (
        bench.tmp.join("history-with"),
        bench.tmp.join("history-without"),
    );
    // A build of 2024-25 into `out` with `extra` arguments; from scratch when `fresh`.
    let build = |extra: Vec<String>, out: PathBuf, fresh: bool| {
        move |_: usize| {
            if fresh {
                let _ = fs::remove_dir_all(&out);
            }
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            measure(&mut bench.build(input, &out, bench.jobs, &extra))
        }
    };
    let batches = alternate(
        bench.runs,
        vec![
            Alternate {
                name: format!(
                    "2024-25 batch, {EARLIER_YEARS} archived years, --jobs {}",
                    bench.jobs
                ),
                letters,
                run: Box::new(build(with.clone(), with_out.clone(), true)),
            },
            Alternate {
                name: format!("2024-25 batch, no archive, --jobs {}", bench.jobs),
                letters,
                run: Box::new(build(Vec::new(), without_out.clone(), true)),
            },
        ],
    )?;
    let rebuilds = alternate(
        one_letter_runs(bench),
        vec![
            Alternate {
                name: format!("2024-25 build with nothing to do, {EARLIER_YEARS} archived years"),
                letters: 0,
                run: Box::new(build(with, with_out.clone(), false)),
            },
            Alternate {
                name: "2024-25 build with nothing to do, no archive".to_string(),
                letters: 0,
                run: Box::new(build(Vec::new(), without_out.clone(), false)),
            },
        ],
    )?;
    let batch_ratio = crate::measure::pair_ratios(&batches[0], &batches[1]);
    let rebuild_ratio = crate::measure::pair_ratios(&rebuilds[0], &rebuilds[1]);
    let (site_with, site_without) = (
        fixtures::size_of(&with_out.join(YEAR_2024_25).join("site"))?,
        fixtures::size_of(&without_out.join(YEAR_2024_25).join("site"))?,
    );
    notes.push(format!(
        "History: the 2024-25 batch with {EARLIER_YEARS} archived years (synthetic: the 2020-21 sample relabelled) took {:.2}× the wall time of the same batch with none (median of {} alternating rounds; range {:.2}–{:.2}); a build with nothing to do took {:.2}× (range {:.2}–{:.2}). The site is {:.1} MB with the history ({} earlier letters copied in) and {:.1} MB without.",
        batch_ratio.median,
        bench.runs,
        batch_ratio.min,
        batch_ratio.max,
        rebuild_ratio.median,
        rebuild_ratio.min,
        rebuild_ratio.max,
        site_with as f64 / 1e6,
        EARLIER_YEARS * fixtures::count_authorities(&bench.y2020_21.input)?,
        site_without as f64 / 1e6,
    ));
    Ok(batches.into_iter().chain(rebuilds).collect())
}

// ---------------------------------------------------------------------------------------------
// The typst CLI.

/// The typst CLI and a project folder per letter of each year that runs
/// ([`fixtures::make_cli_projects`]).
pub struct Cli {
    pub typst: PathBuf,
    pub y2020_21: PathBuf,
    pub y2024_25: Option<PathBuf>,
}

impl Cli {
    /// The CLI's projects for the letters in `fixtures`, compiled by `typst`.
    pub fn make(bench: &Bench, fixtures: &Fixtures, typst: PathBuf) -> Result<Cli> {
        eprintln!("bench: typst CLI with {}", typst.display());
        let projects = |publication: &Publication, letters: &LetterData| {
            fixtures::make_cli_projects(
                publication,
                letters,
                &bench.tmp.join(format!("cli-{}", publication.year)),
            )
        };
        Ok(Cli {
            y2020_21: projects(&bench.y2020_21, &fixtures.y2020_21)?,
            y2024_25: fixtures
                .y2024_25
                .as_ref()
                .map(|letters| projects(&bench.y2024_25, letters))
                .transpose()?,
            typst,
        })
    }

    /// `typst compile` of one letter's project of `publication` into the PDF `out`, with the
    /// template's fonts alone and our PDFs' standards and creation date.
    fn compile(&self, publication: &Publication, project: &Path, out: &Path) -> Command {
        let mut cmd = Command::new(&self.typst);
        cmd.arg("compile")
            .arg("--root")
            .arg(project)
            .arg("--font-path")
            .arg(publication.template_dir.join("fonts"))
            .arg("--ignore-system-fonts")
            .arg("--pdf-standard")
            .arg("a-2a,ua-1")
            .arg("--creation-timestamp")
            .arg(publication.creation_timestamp.to_string())
            .arg(project.join("main.typ"))
            .arg(out);
        cmd
    }

    /// One run of the loop: every letter of `publication` compiled from its project in
    /// `projects` into `out`, one process per letter, `--jobs` at a time.
    fn batch(
        &self,
        bench: &Bench,
        publication: &Publication,
        letters: &LetterData,
        projects: &Path,
        out: &Path,
    ) -> Result<Sample> {
        fs::create_dir_all(out)?;
        let commands = letters
            .slugs
            .iter()
            .map(|slug| {
                let pdf = out.join(format!("{slug}.pdf"));
                (
                    slug.clone(),
                    self.compile(publication, &projects.join(slug), &pdf),
                )
            })
            .collect();
        measure_pool(commands, bench.jobs, out)
    }
}

/// The CLI's one letter, and with it our one-letter regeneration and the least a regeneration
/// must do, in alternation.
pub struct OneLetter {
    pub one: Case,
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
/// A folder that does not exist, as the archive of the in-process measures: the sample's first
/// year, with no earlier years.
const NO_ARCHIVE: &str = "target/bench-no-archive";

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
        &root.join(NO_ARCHIVE),
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

/// The CLI's one letter of 2020-21 (Kent). With `regenerate`, our one-letter case runs in
/// alternation with it, in `national_out`, and so does the least a regeneration must do.
pub fn cli_one_letter(
    bench: &Bench,
    fixtures: &Fixtures,
    cli: &Cli,
    national_out: &Path,
    regenerate: bool,
) -> Result<OneLetter> {
    let one_out = bench.tmp.join("cli-one.pdf");
    let cli_name = format!("one letter, `typst compile` ({KENT})");
    let kent = cli.y2020_21.join(&fixtures.y2020_21.kent_slug);
    let cli_once = |_| measure(&mut cli.compile(&bench.y2020_21, &kent, &one_out));
    if !regenerate {
        return Ok(OneLetter {
            one: repeat(&cli_name, one_letter_runs(bench), 1, cli_once)?,
            regenerate: None,
            least: None,
        });
    }
    let compiles = bench.tmp.join("least-regeneration-compiles.txt");
    let [ours, one, least] = repeat_alternating(
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
    Ok(OneLetter {
        one,
        regenerate: Some(ours),
        least: Some(Least {
            case: least,
            compile: Stats::of(compile.into_iter()),
        }),
    })
}

/// Checks whether `theirs` (a folder of `<slug>.pdf`) say what our PDFs in `ours` say, for Kent
/// and a spread of others of `year`'s `letters`; a difference is a failure when `must_match`
/// (the CLI compiles the same template from the same data), and news otherwise (a baseline has
/// its own templates).
fn compare_text(
    year: &str,
    ours: &Path,
    theirs: &Path,
    letters: &LetterData,
    whose: &str,
    must_match: bool,
) -> String {
    let text = |pdf: &Path| -> Option<String> { pdf.exists().then(|| crate::pdf::pdf_text(pdf)) };
    let slugs = &letters.slugs;
    let kent = letters.kent_slug.as_str();
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
                return format!(
                    "Same text check, {year}, ours and {whose}: could not compare, a letter is missing."
                );
            }
        }
    }
    if differ.is_empty() {
        format!(
            "Same text check, {year}: identical text (read with hayro) in our PDF and {whose} for {same} letters ({kent} and a spread of others)."
        )
    } else {
        format!(
            "Same text check, {year}: {}our PDF and {whose} differ for {} of {} letters: {}.",
            if must_match { "FAILED: " } else { "" },
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
    let letters = Letters::load(input, templates, &Path::new(ROOT).join(NO_ARCHIVE))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
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
