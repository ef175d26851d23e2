//! Measuring children: each run's wall time, CPU time (user + system, all threads) and peak RSS,
//! from `wait4`'s `rusage`; a case's runs and their medians.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

/// One measured run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    /// User + system time of the process and all its threads (summed over processes for a pool).
    pub cpu: Duration,
    /// Peak resident set size in KiB (the largest single process for a pool).
    pub rss_kib: u64,
}

/// The runs of one case.
pub struct Case {
    pub name: String,
    pub samples: Vec<Sample>,
    /// Letters made per run, for letters per second and per-letter figures.
    pub letters: usize,
}

impl Case {
    pub fn wall(&self) -> Stats {
        Stats::of(self.samples.iter().map(|s| s.wall.as_secs_f64()))
    }
    pub fn cpu(&self) -> Stats {
        Stats::of(self.samples.iter().map(|s| s.cpu.as_secs_f64()))
    }
    /// The largest peak RSS over the runs, in MB (10^6 bytes).
    pub fn rss_mb(&self) -> f64 {
        self.samples.iter().map(|s| s.rss_kib).max().unwrap_or(0) as f64 * 1024.0 / 1e6
    }
    pub fn wall_per_letter(&self) -> f64 {
        self.wall().median / self.letters as f64
    }
    pub fn cpu_per_letter(&self) -> f64 {
        self.cpu().median / self.letters as f64
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: impl Iterator<Item = f64>) -> Stats {
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

/// Runs `cmd` to completion and measures it; its output goes to a file shown on failure.
pub fn measure(cmd: &mut Command) -> Result<Sample> {
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
pub fn measure_pool(
    commands: Vec<(String, Command)>,
    parallel: usize,
    logs: &Path,
) -> Result<Sample> {
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
pub fn self_cpu() -> Duration {
    // SAFETY: as in `wait_any`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer points to a live, writable local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    cpu_of(&usage)
}

/// Runs a case `runs` times, printing each run.
pub fn repeat(
    name: &str,
    runs: usize,
    letters: usize,
    mut run: impl FnMut(usize) -> Result<Sample>,
) -> Result<Case> {
    let mut samples = Vec::new();
    for i in 0..runs {
        samples.push(run_once(name, i, runs, &mut run)?);
    }
    Ok(Case {
        name: name.to_string(),
        samples,
        letters,
    })
}

/// Cases measured in alternation, run by run, so that the machine's changing load falls on all
/// alike: for comparing one with another.
pub fn repeat_alternating<const N: usize>(
    names: [&str; N],
    runs: usize,
    letters: usize,
    mut cases: [&mut dyn FnMut(usize) -> Result<Sample>; N],
) -> Result<[Case; N]> {
    let mut samples: [Vec<Sample>; N] = std::array::from_fn(|_| Vec::new());
    for i in 0..runs {
        for (which, run) in cases.iter_mut().enumerate() {
            samples[which].push(run_once(names[which], i, runs, *run)?);
        }
    }
    let mut samples = samples.into_iter();
    Ok(names.map(|name| Case {
        name: name.to_string(),
        samples: samples.next().expect("one list of samples a case"),
        letters,
    }))
}

/// One of the cases of [`alternate`]: its name, its letters per run, and a run.
pub struct Alternate<'a> {
    pub name: String,
    pub letters: usize,
    pub run: Box<dyn FnMut(usize) -> Result<Sample> + 'a>,
}

/// [`repeat_alternating`] for a list of cases known at run time, each with its own letters: run
/// `i` of every case, in the list's order, then run `i + 1`. Sample `i` of each case comes from
/// the same round, so [`pair_ratios`] can compare cases round by round.
pub fn alternate(runs: usize, mut cases: Vec<Alternate<'_>>) -> Result<Vec<Case>> {
    let mut samples: Vec<Vec<Sample>> = cases.iter().map(|_| Vec::new()).collect();
    for i in 0..runs {
        for (case, samples) in cases.iter_mut().zip(&mut samples) {
            samples.push(run_once(&case.name, i, runs, &mut case.run)?);
        }
    }
    Ok(cases
        .into_iter()
        .zip(samples)
        .map(|(case, samples)| Case {
            name: case.name,
            samples,
            letters: case.letters,
        })
        .collect())
}

/// The ratios `a`'s wall time ÷ `b`'s, run by run, of two cases measured in alternation: their
/// median and range.
pub fn pair_ratios(a: &Case, b: &Case) -> Stats {
    Stats::of(
        a.samples
            .iter()
            .zip(&b.samples)
            .map(|(a, b)| a.wall.as_secs_f64() / b.wall.as_secs_f64()),
    )
}

/// Run `i` of a case's `runs`, printed as it ends.
fn run_once(
    name: &str,
    i: usize,
    runs: usize,
    run: &mut dyn FnMut(usize) -> Result<Sample>,
) -> Result<Sample> {
    let sample = run(i).with_context(|| format!("case `{name}`, run {}", i + 1))?;
    eprintln!(
        "bench: {name}: run {}/{runs}: {:.3} s wall, {:.3} s CPU, {:.0} MB",
        i + 1,
        sample.wall.as_secs_f64(),
        sample.cpu.as_secs_f64(),
        sample.rss_kib as f64 * 1024.0 / 1e6
    );
    Ok(sample)
}

pub fn run_ok(cmd: &mut Command) -> Result<()> {
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
