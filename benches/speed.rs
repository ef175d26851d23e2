//! Speed and memory benchmark of `annual-review` (issue 4): `cargo bench --bench speed`.
//!
//! Every case runs the release binary as a child process, several times, and measures each run's
//! wall time, CPU time (user + system, all threads) and peak RSS with `wait4`. The baseline is the
//! official `typst` CLI compiling the same template and the same per-letter data, one process per
//! letter at the same parallelism; the floor is a warm in-process compile + PDF export of one
//! letter, measured in this process through the library API.
//!
//! The table is printed and written into `bench/RESULTS.md` between the `bench:begin` and
//! `bench:end` markers; the rest of that file (profiling notes) is kept.
//!
//! Environment: `BENCH_RUNS` (default 3) runs per case; `BENCH_CASES` a comma-separated subset of
//! `national,regen,x10,check,cli` (default all); `BENCH_CLI_RUNS` (default `BENCH_RUNS`)
//! runs of the typst CLI loop; `BENCH_JOBS` (default: all cores) the parallel case's jobs;
//! `TYPST` the typst 0.15 binary to compare with (otherwise `typst` on PATH,
//! `~/.cargo/bin/typst`, or `cargo install typst-cli --locked --version 0.15.1`).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use annual_review::bench::Letters;
use anyhow::{Context, Result, bail, ensure};

const BIN: &str = env!("CARGO_BIN_EXE_annual-review");
const GENERATE: &str = env!("CARGO_BIN_EXE_generate-sample");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Kent County Council: the letter with commentary, used for the one-letter cases and the floor.
const KENT: &str = "E10000016";
/// The letters' date, 2021-07-21 09:00 UTC: what our PDFs carry as their creation date.
const CREATION_TIMESTAMP: &str = "1626858000";
const FLOOR_CHILD: &str = "--floor-child";
const MARK_BEGIN: &str = "<!-- bench:begin -->";
const MARK_END: &str = "<!-- bench:end -->";

/// One measured run.
#[derive(Clone, Copy, Debug)]
struct Sample {
    wall: Duration,
    /// User + system time of the process and all its threads (summed over processes for a pool).
    cpu: Duration,
    /// Peak resident set size in KiB (the largest single process for a pool).
    rss_kib: u64,
}

/// The runs of one case.
struct Case {
    name: String,
    samples: Vec<Sample>,
    /// Letters made per run, for letters per second and per-letter figures.
    letters: usize,
}

impl Case {
    fn wall(&self) -> Stats {
        Stats::of(self.samples.iter().map(|s| s.wall.as_secs_f64()))
    }
    fn cpu(&self) -> Stats {
        Stats::of(self.samples.iter().map(|s| s.cpu.as_secs_f64()))
    }
    /// The largest peak RSS over the runs, in MB (10^6 bytes).
    fn rss_mb(&self) -> f64 {
        self.samples.iter().map(|s| s.rss_kib).max().unwrap_or(0) as f64 * 1024.0 / 1e6
    }
    fn wall_per_letter(&self) -> f64 {
        self.wall().median / self.letters as f64
    }
    fn cpu_per_letter(&self) -> f64 {
        self.cpu().median / self.letters as f64
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    fn of(values: impl Iterator<Item = f64>) -> Stats {
        let mut v: Vec<f64> = values.collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n == 0 {
            f64::NAN
        } else if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Stats {
            median,
            min: v.first().copied().unwrap_or(f64::NAN),
            max: v.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// The warm in-process figures, per letter.
#[derive(serde::Serialize, serde::Deserialize)]
struct Floor {
    /// Kent, template and other letters' work cached, Kent's own cache entries evicted.
    kent_wall: Stats,
    kent_cpu: f64,
    /// Kent recompiled with nothing changed: compile is a pure cache hit, mostly PDF export.
    identical_wall: Stats,
    /// Every letter once, in order, in one thread after a warm-up: the batch without the process.
    sequential_wall: Stats,
    sequential_cpu: f64,
    /// The first letter of a fresh process (cold caches), for context.
    cold_wall: f64,
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == FLOOR_CHILD) {
        // The floor runs in its own process: Typst's caches grow this process's heap, and a
        // child's `ru_maxrss` starts from its parent's peak (the parent's memory is the child's
        // until `exec`), so the measuring process must stay small.
        let root = Path::new(ROOT);
        let floor = measure_floor(&root.join("input"), &root.join("typst-templates"))?;
        println!("{}", serde_json::to_string(&floor)?);
        return Ok(());
    }
    let runs = env_usize("BENCH_RUNS", 3).max(1);
    let cli_runs = env_usize("BENCH_CLI_RUNS", runs).max(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = env_usize("BENCH_JOBS", cores).max(1);
    let cases = std::env::var("BENCH_CASES").unwrap_or_default();
    let want = |case: &str| cases.is_empty() || cases.split(',').any(|c| c.trim() == case);
    let root = Path::new(ROOT);
    let input = root.join("input");
    let templates = root.join("typst-templates");
    let template_dir = templates.join(template_name(&input)?);

    let load_start = load_average();
    let scratch = tempfile::Builder::new()
        .prefix("annual-review-bench-")
        .tempdir()?;
    let tmp = scratch.path();
    eprintln!("bench: scratch folder {}", tmp.display());

    // Fixtures.
    eprintln!("bench: making fixtures");
    let x10 = tmp.join("input-x10");
    let mut x10_letters = 0;
    if want("x10") {
        generate(&x10, &["--scale", "10"])?;
        x10_letters = count_authorities(&x10)?;
    }
    let million = tmp.join("input-1m");
    if want("check") {
        make_million(&tmp.join("gen-500k"), &million)?;
    }
    let data_dir = tmp.join("letter-data");
    run_ok(Command::new(BIN).args([
        os("letter-data"),
        os("--input"),
        input.as_os_str(),
        os("--templates"),
        templates.as_os_str(),
        os("--out"),
        data_dir.as_os_str(),
    ]))?;
    let slugs = slugs(&data_dir)?;
    let national = slugs.len();
    let kent_slug = kent_slug(&data_dir)?;

    // The floor, in a process of its own.
    eprintln!("bench: in-process floor");
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
    let floor: Floor = serde_json::from_slice(&output.stdout)?;
    // What a child's peak RSS reads when it does nothing: the floor of that column.
    let trivial = measure(&mut Command::new("true"))?;

    // Our binary.
    let build = |input: &Path, out: &Path, jobs: usize, extra: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.arg("build")
            .arg("--input")
            .arg(input)
            .arg("--templates")
            .arg(&templates)
            .arg("--output")
            .arg(out)
            .arg("--jobs")
            .arg(jobs.to_string())
            .args(extra);
        cmd
    };
    let mut fresh = 0;
    let mut fresh_out = |tmp: &Path| {
        fresh += 1;
        tmp.join(format!("out-{fresh}"))
    };

    let national_1 = want("national")
        .then(|| {
            repeat("national batch, --jobs 1", runs, national, |_| {
                measure(&mut build(&input, &fresh_out(tmp), 1, &[]))
            })
        })
        .transpose()?;
    let mut national_out = fresh_out(tmp);
    let national_n = want("national")
        .then(|| {
            repeat(
                &format!("national batch, --jobs {jobs}"),
                runs,
                national,
                |_| {
                    national_out = fresh_out(tmp);
                    measure(&mut build(&input, &national_out, jobs, &[]))
                },
            )
        })
        .transpose()?;
    if national_n.is_none() && (want("regen") || want("cli")) {
        // The letters to regenerate one of and to compare the CLI's with.
        measure(&mut build(&input, &national_out, jobs, &[]))?;
    }
    let regen_runs = runs.max(5);
    let regenerate = want("regen")
        .then(|| {
            repeat(
                &format!("one letter (--authority {KENT} --force), whole process"),
                regen_runs,
                1,
                |_| {
                    measure(&mut build(
                        &input,
                        &national_out,
                        jobs,
                        &["--authority", KENT, "--force"],
                    ))
                },
            )
        })
        .transpose()?;
    let x10_n = want("x10")
        .then(|| {
            repeat(
                &format!("10x publication, --jobs {jobs}"),
                runs,
                x10_letters,
                |_| measure(&mut build(&x10, &fresh_out(tmp), jobs, &[])),
            )
        })
        .transpose()?;
    let check_1m = want("check")
        .then(|| {
            repeat(
                "check: ingest + validation, 1,000,000 decisions",
                runs,
                0,
                |_| {
                    measure(
                        Command::new(BIN)
                            .arg("check")
                            .arg("--input")
                            .arg(&million)
                            .arg("--templates")
                            .arg(&templates),
                    )
                },
            )
        })
        .transpose()?;

    // The typst CLI.
    let mut notes = Vec::new();
    let typst = if !want("cli") {
        notes.push("No typst CLI baseline in this run (BENCH_CASES).".to_string());
        None
    } else {
        find_typst(&mut notes)
    };
    let mut cli_batch = None;
    let mut cli_one = None;
    if let Some(typst) = &typst {
        eprintln!("bench: typst CLI baseline with {}", typst.display());
        let projects = make_cli_projects(&data_dir, &template_dir, &slugs, &tmp.join("cli"))?;
        let compile = |project: &Path, out: &Path| {
            let mut cmd = Command::new(typst);
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
        cli_one = Some(repeat(
            &format!("one letter, `typst compile` ({KENT})"),
            regen_runs,
            1,
            |_| measure(&mut compile(&projects.join(&kent_slug), &one_out)),
        )?);
        let mut cli_out = PathBuf::new();
        cli_batch = Some(repeat(
            &format!("national batch, `typst compile` loop, {jobs} at a time"),
            cli_runs,
            national,
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
                measure_pool(commands, jobs, &cli_out)
            },
        )?);
        notes.push(compare_text(
            &national_out.join(year(&input)?).join("letters"),
            &cli_out,
            &slugs,
            &kent_slug,
        ));
    }

    let cases: Vec<Case> = [
        national_1, national_n, regenerate, x10_n, check_1m, cli_one, cli_batch,
    ]
    .into_iter()
    .flatten()
    .collect();
    notes.push(format!(
        "Peak RSS calibration: `true` run the same way reads {:.1} MB. Load average (1, 5, 15 min) at the start: {load_start}; at the end: {}.",
        trivial.rss_kib as f64 * 1024.0 / 1e6,
        load_average()
    ));
    let report = report(&cases, &floor, jobs, cores, typst.as_deref(), &notes)?;
    println!("{report}");
    write_results(&root.join("bench").join("RESULTS.md"), &report)?;
    eprintln!("bench: wrote bench/RESULTS.md");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Measuring children.

/// Runs `cmd` to completion and measures it; its output goes to a file shown on failure.
fn measure(cmd: &mut Command) -> Result<Sample> {
    let log = tempfile::NamedTempFile::new()?;
    reset_peak_rss();
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen()?)
        .spawn()
        .with_context(|| format!("starting {cmd:?}"))?;
    let (pid, status, usage) = wait_any(child.id() as libc::pid_t)?;
    let wall = started.elapsed();
    ensure!(
        pid == child.id() as libc::pid_t,
        "waited for the wrong child"
    );
    if !exited_ok(status) {
        bail!(
            "{cmd:?} failed ({status}):\n{}",
            fs::read_to_string(log.path()).unwrap_or_default()
        );
    }
    Ok(Sample {
        wall,
        cpu: cpu_of(&usage),
        rss_kib: usage.ru_maxrss as u64,
    })
}

/// Runs the commands `parallel` at a time; wall time of the whole, CPU summed, largest RSS.
fn measure_pool(commands: Vec<(String, Command)>, parallel: usize, logs: &Path) -> Result<Sample> {
    let started = Instant::now();
    let mut pending = commands.into_iter();
    let mut running: Vec<(libc::pid_t, String)> = Vec::new();
    let mut cpu = Duration::ZERO;
    let mut rss_kib = 0;
    loop {
        while running.len() < parallel {
            let Some((name, mut cmd)) = pending.next() else {
                break;
            };
            let log = fs::File::create(logs.join(format!("{name}.log")))?;
            reset_peak_rss();
            let child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting {cmd:?}"))?;
            running.push((child.id() as libc::pid_t, name));
        }
        if running.is_empty() {
            break;
        }
        let (pid, status, usage) = wait_any(-1)?;
        let Some(at) = running.iter().position(|(p, _)| *p == pid) else {
            bail!("reaped an unknown child {pid}");
        };
        let (_, name) = running.swap_remove(at);
        if !exited_ok(status) {
            bail!(
                "typst failed on {name}:\n{}",
                fs::read_to_string(logs.join(format!("{name}.log"))).unwrap_or_default()
            );
        }
        cpu += cpu_of(&usage);
        rss_kib = rss_kib.max(usage.ru_maxrss as u64);
    }
    Ok(Sample {
        wall: started.elapsed(),
        cpu,
        rss_kib,
    })
}

/// Resets this process's peak RSS to its current RSS (Linux ≥ 4.0). A child starts as a copy of
/// this process, and Linux counts that copy's peak in the child's `ru_maxrss`.
fn reset_peak_rss() {
    let _ = fs::write("/proc/self/clear_refs", "5");
}

/// `wait4(pid)`: the reaped child, its status and its resource usage.
fn wait_any(pid: libc::pid_t) -> Result<(libc::pid_t, libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers point to live, writable locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped > 0 {
            return Ok((reaped, status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error).context("wait4");
        }
    }
}

fn exited_ok(status: libc::c_int) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

fn cpu_of(usage: &libc::rusage) -> Duration {
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// This process's CPU time so far (all threads).
fn self_cpu() -> Duration {
    // SAFETY: as in `wait_any`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer points to a live, writable local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_of(&usage)
}

/// Runs a case `runs` times, printing each run.
fn repeat(
    name: &str,
    runs: usize,
    letters: usize,
    mut run: impl FnMut(usize) -> Result<Sample>,
) -> Result<Case> {
    let mut samples = Vec::new();
    for i in 0..runs {
        let sample = run(i).with_context(|| format!("case `{name}`, run {}", i + 1))?;
        eprintln!(
            "bench: {name}: run {}/{runs}: {:.3} s wall, {:.3} s CPU, {:.0} MB",
            i + 1,
            sample.wall.as_secs_f64(),
            sample.cpu.as_secs_f64(),
            sample.rss_kib as f64 * 1024.0 / 1e6
        );
        samples.push(sample);
    }
    Ok(Case {
        name: name.to_string(),
        samples,
        letters,
    })
}

fn run_ok(cmd: &mut Command) -> Result<()> {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting {cmd:?}"))?;
    if !output.status.success() {
        bail!(
            "{cmd:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The floor.

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
    }
    let sequential_cpu = (self_cpu() - cpu).as_secs_f64() / letters.len() as f64;
    evict(0);
    Ok(Floor {
        kent_wall: Stats::of(kent_times.into_iter()),
        kent_cpu: kent_cpu.as_secs_f64() / N as f64,
        identical_wall: Stats::of(identical.into_iter()),
        sequential_wall: Stats::of(sequential.into_iter()),
        sequential_cpu,
        cold_wall,
    })
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn publication_toml(input: &Path) -> Result<toml::Table> {
    let path = input.join("publication.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.parse()?)
}

fn template_name(input: &Path) -> Result<String> {
    publication_toml(input)?
        .get("template")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("publication.toml has no template")
}

fn year(input: &Path) -> Result<String> {
    publication_toml(input)?
        .get("year")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .context("publication.toml has no year")
}

/// `generate-sample --out DIR ARGS…`: a complete input folder (settings and commentary
/// included).
fn generate(out: &Path, args: &[&str]) -> Result<()> {
    run_ok(Command::new(GENERATE).arg("--out").arg(out).args(args))
}

/// A 1,000,000-decision extract. The generator stops at 600,000 decisions (six-digit case
/// numbers per year), so it makes 500,000 in `out` and their decisions and compliance outcomes
/// are written twice, the second copy with its case references' year moved on by 50
/// (`19 003 821` → `69 003 821`): still unique, same format, same authorities, dates and
/// outcomes. `halves` keeps the generated CSV files.
fn make_million(halves: &Path, out: &Path) -> Result<()> {
    use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
    generate(out, &["--decisions", "500000"])?;
    fs::create_dir_all(halves)?;
    for name in ["decisions.csv", "compliance.csv"] {
        fs::rename(out.join(name), halves.join(name))?;
        // Streamed, so that this process stays small (see `reset_peak_rss`).
        let mut source = BufReader::new(fs::File::open(halves.join(name))?);
        let mut sink = BufWriter::new(fs::File::create(out.join(name))?);
        let mut header = String::new();
        source.read_line(&mut header)?;
        sink.write_all(header.as_bytes())?;
        let mut rows = 0;
        for copy in 0..2 {
            source.rewind()?;
            for line in (&mut source).lines().skip(1) {
                let line = line?;
                if line.is_empty() {
                    continue;
                }
                if copy == 0 {
                    writeln!(sink, "{line}")?;
                } else {
                    let year: u32 = line[..2].parse().context("case reference year")?;
                    writeln!(sink, "{}{}", year + 50, &line[2..])?;
                }
                rows += 1;
            }
        }
        sink.flush()?;
        if name == "decisions.csv" {
            ensure!(
                rows == 1_000_000,
                "expected 1,000,000 decisions, made {rows}"
            );
        }
    }
    Ok(())
}

fn count_authorities(input: &Path) -> Result<usize> {
    let text = fs::read_to_string(input.join("authorities.csv"))?;
    Ok(text.lines().skip(1).filter(|l| !l.is_empty()).count())
}

/// The letters' slugs, from `letter-data --out`'s `<slug>.json` files, sorted.
fn slugs(data_dir: &Path) -> Result<Vec<String>> {
    let mut slugs: Vec<String> = fs::read_dir(data_dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    slugs.sort();
    ensure!(!slugs.is_empty(), "letter-data wrote no letters");
    Ok(slugs)
}

fn kent_slug(data_dir: &Path) -> Result<String> {
    for slug in slugs(data_dir)? {
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(data_dir.join(format!("{slug}.json")))?)?;
        if json["authority"]["code"] == KENT {
            return Ok(slug);
        }
    }
    bail!("no letter data for {KENT}")
}

// ---------------------------------------------------------------------------------------------
// The typst CLI.

/// A typst 0.15 binary: `$TYPST`, `typst` on PATH, `~/.cargo/bin/typst`, or installed now.
fn find_typst(notes: &mut Vec<String>) -> Option<PathBuf> {
    let is_015 = |path: &Path| {
        Command::new(path)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(" 0.15."))
    };
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|c| c.join("bin").join("typst"));
    let mut candidates: Vec<PathBuf> = std::env::var_os("TYPST")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(PathBuf::from("typst"));
    candidates.extend(cargo_bin.clone());
    if let Some(found) = candidates.into_iter().find(|c| is_015(c)) {
        return Some(found);
    }
    eprintln!(
        "bench: no typst 0.15 CLI found; installing it with `cargo install typst-cli --locked --version 0.15.1` (several minutes)"
    );
    let installed = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["install", "typst-cli", "--locked", "--version", "0.15.1"])
        .status()
        .is_ok_and(|s| s.success());
    match cargo_bin.filter(|c| installed && is_015(c)) {
        Some(path) => {
            notes.push("typst-cli 0.15.1 was installed by this run.".to_string());
            Some(path)
        }
        None => {
            notes.push(
                "typst-cli 0.15 is not available and could not be installed: no baseline."
                    .to_string(),
            );
            None
        }
    }
}

/// One project folder per letter: a copy of the template's files (fonts excepted: the CLI gets
/// them with `--font-path`) plus `data.json` and, when the letter has commentary,
/// `commentary.typ` at its root. Copies, not symlinks: the CLI wants its main file inside the
/// root after resolving links.
fn make_cli_projects(
    data_dir: &Path,
    template_dir: &Path,
    slugs: &[String],
    projects: &Path,
) -> Result<PathBuf> {
    fn is_font(path: &Path) -> bool {
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        })
    }
    fn copy_tree(from: &Path, to: &Path) -> Result<()> {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            let path = entry.path();
            if path.is_dir() {
                copy_tree(&path, &to.join(entry.file_name()))?;
            } else if !is_font(&path) {
                fs::copy(&path, to.join(entry.file_name()))?;
            }
        }
        Ok(())
    }
    for slug in slugs {
        let dir = projects.join(slug);
        copy_tree(template_dir, &dir)?;
        fs::copy(data_dir.join(format!("{slug}.json")), dir.join("data.json"))?;
        let commentary = data_dir.join(format!("{slug}.commentary.typ"));
        if commentary.exists() {
            fs::copy(&commentary, dir.join("commentary.typ"))?;
        }
    }
    Ok(projects.to_path_buf())
}

/// Checks that the CLI's PDFs say what ours say (pdftotext), for Kent and a spread of others.
fn compare_text(ours: &Path, theirs: &Path, slugs: &[String], kent: &str) -> String {
    let text = |pdf: &Path| -> Option<String> {
        let output = Command::new("pdftotext")
            .arg(pdf)
            .arg("-")
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    };
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
                return "Could not compare the PDFs' text (is pdftotext installed?).".to_string();
            }
        }
    }
    if differ.is_empty() {
        format!(
            "Same text check: pdftotext gives identical text for our PDF and the typst CLI's for {same} letters ({kent} and a spread of others)."
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
// Report.

fn report(
    cases: &[Case],
    floor: &Floor,
    jobs: usize,
    cores: usize,
    typst: Option<&Path>,
    notes: &[String],
) -> Result<String> {
    let find = |prefix: &str| cases.iter().find(|c| c.name.starts_with(prefix));
    let mut out = String::new();
    let cpu_model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let date = command_text("date", &["-u", "+%Y-%m-%d %H:%M UTC"]);
    let commit = command_text("git", &["-C", ROOT, "describe", "--always", "--dirty"]);
    let typst_version = typst
        .map(|t| command_text(&t.to_string_lossy(), &["--version"]))
        .unwrap_or_else(|| "absent".to_string());
    writeln!(
        out,
        "Run on {date}, commit `{commit}`; {cores} cores ({cpu_model}); parallel cases use {jobs} jobs; baseline `{typst_version}`.\n"
    )?;
    writeln!(
        out,
        "| case | runs | median wall | min–max | CPU (median) | peak RSS (max) | letters/s |"
    )?;
    writeln!(out, "|---|---:|---:|---:|---:|---:|---:|")?;
    for case in cases {
        let wall = case.wall();
        let cpu = case.cpu();
        let rate = if case.letters > 0 {
            format!("{:.1}", case.letters as f64 / wall.median)
        } else {
            "–".to_string()
        };
        writeln!(
            out,
            "| {} | {} | {} | {}–{} | {} | {:.0} MB | {rate} |",
            case.name,
            case.samples.len(),
            secs(wall.median),
            secs(wall.min),
            secs(wall.max),
            secs(cpu.median),
            case.rss_mb(),
        )?;
    }
    let kent = floor.kent_wall;
    writeln!(
        out,
        "| floor: Kent, warm in-process compile + PDF export | {} | {} | {}–{} | {} | – | {:.1} |",
        FLOOR_RUNS,
        ms(kent.median),
        ms(kent.min),
        ms(kent.max),
        ms(floor.kent_cpu),
        1.0 / kent.median
    )?;
    writeln!(
        out,
        "| in-process, every letter once in one thread (per letter) | 1 | {} | {}–{} | {} | – | {:.1} |",
        ms(floor.sequential_wall.median),
        ms(floor.sequential_wall.min),
        ms(floor.sequential_wall.max),
        ms(floor.sequential_cpu),
        1.0 / floor.sequential_wall.median
    )?;
    writeln!(
        out,
        "| Kent recompiled unchanged (compile fully cached; export) | {} | {} | {}–{} | – | – | – |",
        FLOOR_RUNS,
        ms(floor.identical_wall.median),
        ms(floor.identical_wall.min),
        ms(floor.identical_wall.max),
    )?;
    writeln!(
        out,
        "\nCPU is user + system time of all threads (for the CLI loop, summed over its processes); peak RSS is `ru_maxrss` \
         (for the CLI loop, the largest single process). The floor renders Kent (3 pages, with commentary) in this process after other letters, \
         with Kent's own memoized results evicted before each run, so the template's shared work is cached and the letter's own is not. \
         A fresh process's first letter took {}.\n",
        ms(floor.cold_wall)
    )?;

    // Targets.
    writeln!(out, "| target | measured | |")?;
    writeln!(out, "|---|---|---|")?;
    let mut target = |text: String, measured: String, ok: Option<bool>| {
        let mark = match ok {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "n/a",
        };
        writeln!(out, "| {text} | {measured} | {mark} |")
    };
    let national_1 = find("national batch, --jobs 1");
    let national_n = find(&format!("national batch, --jobs {jobs}"));
    let cli_batch = find("national batch, `typst compile`");
    let cli_one = find("one letter, `typst compile`");
    let regen = find("one letter (--authority");
    let x10 = find("10x publication");
    let check = find("check:");
    if let (Some(ours), Some(cli)) = (national_n, cli_batch) {
        let ratio = cli.wall().median / ours.wall().median;
        target(
            format!("national batch ≥ 10× faster than the typst CLI loop ({jobs} at a time)"),
            format!(
                "{:.1}× ({} vs {}); CPU per letter {} vs {} ({:.1}×)",
                ratio,
                secs(ours.wall().median),
                secs(cli.wall().median),
                ms(ours.cpu_per_letter()),
                ms(cli.cpu_per_letter()),
                cli.cpu_per_letter() / ours.cpu_per_letter()
            ),
            Some(ratio >= 10.0),
        )?;
    } else {
        target(
            "national batch ≥ 10× faster than the typst CLI loop".into(),
            "no typst CLI".into(),
            None,
        )?;
    }
    if let Some(ours) = national_n {
        let ratio = ours.cpu_per_letter() / floor.kent_cpu;
        target(
            "per-letter CPU in the batch ≤ 1.3× the warm single-letter floor".into(),
            format!(
                "{:.2}× ({} per letter at --jobs {jobs} vs {} for Kent); vs every letter in-process: {:.2}× ({})",
                ratio,
                ms(ours.cpu_per_letter()),
                ms(floor.kent_cpu),
                ours.cpu_per_letter() / floor.sequential_cpu,
                ms(floor.sequential_cpu)
            ),
            Some(ratio <= 1.3),
        )?;
    }
    if let Some(one) = national_1 {
        let ratio = one.cpu_per_letter() / floor.kent_cpu;
        target(
            "(same, --jobs 1)".into(),
            format!(
                "{:.2}× ({} per letter); wall per letter {} vs floor {} ({:.2}×)",
                ratio,
                ms(one.cpu_per_letter()),
                ms(one.wall_per_letter()),
                ms(kent.median),
                one.wall_per_letter() / kent.median
            ),
            Some(ratio <= 1.3),
        )?;
    }
    if let (Some(one), Some(many)) = (national_1, national_n) {
        let ratio = one.wall().median / many.wall().median;
        target(
            format!("--jobs {jobs} ≥ 1.8× faster than --jobs 1"),
            format!(
                "{:.2}× ({} vs {})",
                ratio,
                secs(one.wall().median),
                secs(many.wall().median)
            ),
            Some(ratio >= 1.8),
        )?;
    }
    if let (Some(ours), Some(cli)) = (regen, cli_one) {
        target(
            "one-letter regeneration no slower than one `typst compile`".into(),
            format!(
                "{} vs {} ({:.2}×)",
                ms(ours.wall().median),
                ms(cli.wall().median),
                cli.wall().median / ours.wall().median
            ),
            Some(ours.wall().median <= cli.wall().median),
        )?;
    }
    if national_1.is_some() || national_n.is_some() {
        let national_rss = [national_1, national_n]
            .into_iter()
            .flatten()
            .map(Case::rss_mb)
            .fold(0.0, f64::max);
        target(
            "national batch peak RSS < 250 MB".into(),
            format!(
                "{:.0} MB (--jobs 1: {:.0} MB, --jobs {jobs}: {:.0} MB)",
                national_rss,
                national_1.map_or(0.0, Case::rss_mb),
                national_n.map_or(0.0, Case::rss_mb)
            ),
            Some(national_rss < 250.0),
        )?;
    }
    if let (Some(big), Some(ours)) = (x10, national_n) {
        let ratio = big.rss_mb() / ours.rss_mb();
        target(
            "10× publication peak RSS ≤ 1.25× the national batch's".into(),
            format!(
                "{:.2}× ({:.0} MB vs {:.0} MB)",
                ratio,
                big.rss_mb(),
                ours.rss_mb()
            ),
            Some(ratio <= 1.25),
        )?;
        let growth = big.wall_per_letter() / ours.wall_per_letter();
        target(
            "10× publication time grows linearly (per-letter wall ≤ 1.2× the national batch's)"
                .into(),
            format!(
                "{:.2}× ({} for {} letters = {} per letter, vs {})",
                growth,
                secs(big.wall().median),
                big.letters,
                ms(big.wall_per_letter()),
                ms(ours.wall_per_letter())
            ),
            Some(growth <= 1.2),
        )?;
    }
    if let Some(check) = check {
        target(
            "1,000,000-row extract ingested and validated < 1 s".into(),
            format!(
                "{} (`check`, whole process; {:.0} MB)",
                secs(check.wall().median),
                check.rss_mb()
            ),
            Some(check.wall().median < 1.0),
        )?;
    }
    if !notes.is_empty() {
        writeln!(out)?;
        for note in notes {
            writeln!(out, "{note}")?;
        }
    }
    Ok(out)
}

const FLOOR_RUNS: usize = 15;

/// The 1, 5 and 15 minute load averages: other work on the machine skews wall times.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn secs(s: f64) -> String {
    format!("{s:.2} s")
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

fn command_text(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Replaces the part of `path` between the markers with `report` (the whole file if new).
fn write_results(path: &Path, report: &str) -> Result<()> {
    let block = format!("{MARK_BEGIN}\n{report}\n{MARK_END}");
    let existing = fs::read_to_string(path).unwrap_or_default();
    let text = match (existing.find(MARK_BEGIN), existing.find(MARK_END)) {
        (Some(begin), Some(end)) if begin < end => format!(
            "{}{block}{}",
            &existing[..begin],
            &existing[end + MARK_END.len()..]
        ),
        _ => format!(
            "# Benchmark results\n\nMade by `cargo bench --bench speed` (see `bench/README.md`).\n\n{block}\n"
        ),
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)?;
    Ok(())
}
