//! The report: the markdown table of the cases and the floor, the targets met and missed, the
//! notes, and `bench/RESULTS.md` rewritten between its markers.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::cases::{self, FLOOR_RUNS, Floor};
use crate::measure::{Case, Stats, pair_ratios};
use crate::{ROOT, YEAR_2020_21, YEAR_2024_25};

const MARK_BEGIN: &str = "<!-- bench:begin -->";
const MARK_END: &str = "<!-- bench:end -->";

/// What a run compared with, and on what: the report's first line.
pub struct Setting<'a> {
    pub jobs: usize,
    pub cores: usize,
    /// The typst CLI, when there was one.
    pub typst: Option<&'a Path>,
    /// The baseline binary, described, when there was one.
    pub baseline: Option<&'a str>,
}

pub fn report(
    cases: &[Case],
    floor: &Floor,
    least_compile: Option<Stats>,
    setting: &Setting,
    notes: &[String],
) -> Result<String> {
    let Setting {
        jobs,
        cores,
        typst,
        baseline,
    } = *setting;
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
    let baseline = baseline.unwrap_or("none");
    writeln!(
        out,
        "Run on {date}, commit `{commit}`; {cores} cores ({cpu_model}); parallel cases use {jobs} jobs; typst CLI `{typst_version}`; baseline binary {baseline}.\n"
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
    // The floor's rows: in-process timings, per run in ms.
    let floor_row = |out: &mut String, name: &str, runs: usize, wall: &Stats, cpu: Option<f64>| {
        let (cpu, rate) = match cpu {
            Some(cpu) => (ms(cpu), format!("{:.1}", 1.0 / wall.median)),
            None => ("–".to_string(), "–".to_string()),
        };
        let (median, min, max) = (ms(wall.median), ms(wall.min), ms(wall.max));
        writeln!(
            out,
            "| {name} | {runs} | {median} | {min}–{max} | {cpu} | – | {rate} |"
        )
    };
    floor_row(
        &mut out,
        "floor: Kent, warm in-process compile + PDF export + web page",
        FLOOR_RUNS,
        &floor.kent_wall,
        Some(floor.kent_cpu),
    )?;
    floor_row(
        &mut out,
        "in-process, every letter once in one thread (per letter)",
        1,
        &floor.sequential_wall,
        Some(floor.sequential_cpu),
    )?;
    writeln!(
        out,
        "| the same letters' PDFs alone, each followed by its web page alone (per letter) | 1 | – | – | {} + {} | – | – |",
        ms(floor.sequential_pdf_cpu),
        ms(floor.sequential_page_cpu),
    )?;
    floor_row(
        &mut out,
        "the site's index page",
        3,
        &floor.index_wall,
        None,
    )?;
    floor_row(
        &mut out,
        "Kent recompiled unchanged (compile fully cached; export)",
        FLOOR_RUNS,
        &floor.identical_wall,
        None,
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
    let national_1 = find(&cases::national_name(YEAR_2020_21, 1));
    let national_n = find(&cases::national_name(YEAR_2020_21, jobs));
    let national_2025 = find(&cases::national_name(YEAR_2024_25, jobs));
    let cli_batch = find(&cases::cli_batch_name(YEAR_2020_21, jobs));
    let cli_batch_2025 = find(&cases::cli_batch_name(YEAR_2024_25, jobs));
    let baseline = find(&cases::baseline_name(jobs));
    let cli_one = find("one letter, `typst compile`");
    let regen = find("one letter (--authority");
    let least = find(cases::LEAST_NAME);
    let x10 = find("10x publication");
    let check = find("check:");
    let without_web = find(&cases::without_web_name(jobs));
    // The web edition's CPU per letter in one process, for context: each letter's page after its
    // PDF, plus the index once per build.
    let letters = national_n.map_or(339, |case| case.letters) as f64;
    let page_share =
        (floor.sequential_page_cpu + floor.index_wall.median / letters) / floor.sequential_pdf_cpu;
    let in_process = format!(
        "in one process, a page {} of CPU after its PDF's {} and the index {} once per build: {:.1} % of the PDFs alone",
        ms(floor.sequential_page_cpu),
        ms(floor.sequential_pdf_cpu),
        ms(floor.index_wall.median),
        page_share * 100.0
    );
    match (national_n, without_web) {
        (Some(with), Some(without)) => {
            let wall = with.wall().median / without.wall().median - 1.0;
            let cpu = with.cpu().median / without.cpu().median - 1.0;
            target(
                "the web edition adds ≤ 15 % to the national batch (its time with the web edition against without, alternating runs)".into(),
                format!(
                    "{:.1} % ({} vs {}); CPU {:.1} % ({} vs {}); {in_process}",
                    wall * 100.0,
                    secs(with.wall().median),
                    secs(without.wall().median),
                    cpu * 100.0,
                    secs(with.cpu().median),
                    secs(without.cpu().median),
                ),
                Some(wall <= 0.15),
            )?;
        }
        _ => target(
            "the web edition adds ≤ 15 % to the national batch".into(),
            format!("not measured without the national batch; {in_process}"),
            None,
        )?,
    }
    // Each year's batch against the CLI's loop over the same letters, measured side by side.
    for (year, ours, cli) in [
        (YEAR_2020_21, national_n, cli_batch),
        (YEAR_2024_25, national_2025, cli_batch_2025),
    ] {
        let text = if year == YEAR_2020_21 {
            format!(
                "national batch {year} ≥ 3.5× faster than the typst CLI loop ({jobs} at a time, alternating runs)"
            )
        } else {
            format!(
                "national batch {year} against the typst CLI loop ({jobs} at a time, alternating runs; 2020-21's 3.5× for comparison)"
            )
        };
        match (ours, cli) {
            (Some(ours), Some(cli)) => {
                let ratio = cli.wall().median / ours.wall().median;
                let rounds = pair_ratios(cli, ours);
                target(
                    text,
                    format!(
                        "{:.1}× ({} vs {}; round by round {:.1}×, {:.1}–{:.1}×); CPU per letter {} vs {} ({:.1}×)",
                        ratio,
                        secs(ours.wall().median),
                        secs(cli.wall().median),
                        rounds.median,
                        rounds.min,
                        rounds.max,
                        ms(ours.cpu_per_letter()),
                        ms(cli.cpu_per_letter()),
                        cli.cpu_per_letter() / ours.cpu_per_letter()
                    ),
                    Some(ratio >= 3.5),
                )?;
            }
            (Some(_), None) => target(text, "no typst CLI".into(), None)?,
            _ => {}
        }
    }
    match (national_n, baseline) {
        (Some(ours), Some(before)) => {
            let rounds = pair_ratios(ours, before);
            target(
                format!(
                    "national batch {YEAR_2020_21} no slower than the baseline binary's (ours ÷ the baseline's wall time, median of alternating pairs, ≤ 1)"
                ),
                format!(
                    "{:.3}× ({:.2}–{:.2}× over {} pairs; medians {} vs {}); CPU {:.3}× ({} vs {}); peak RSS {:.0} MB vs {:.0} MB",
                    rounds.median,
                    rounds.min,
                    rounds.max,
                    ours.samples.len().min(before.samples.len()),
                    secs(ours.wall().median),
                    secs(before.wall().median),
                    ours.cpu().median / before.cpu().median,
                    secs(ours.cpu().median),
                    secs(before.cpu().median),
                    ours.rss_mb(),
                    before.rss_mb(),
                ),
                Some(rounds.median <= 1.0),
            )?;
        }
        (Some(_), None) => target(
            format!("national batch {YEAR_2020_21} no slower than the baseline binary's"),
            "no baseline binary (BENCH_BASELINE, BENCH_BASELINE_TEMPLATES)".into(),
            None,
        )?,
        _ => {}
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
                ms(floor.kent_wall.median),
                one.wall_per_letter() / floor.kent_wall.median
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
        let ratio = ours.wall().median / cli.wall().median;
        target(
            "one-letter regeneration ≤ 0.8× one `typst compile` (whole process, alternating runs)"
                .into(),
            format!(
                "{ratio:.2}× ({} vs {}, medians of {} runs each); CPU {} vs {} ({:.2}×)",
                ms(ours.wall().median),
                ms(cli.wall().median),
                ours.samples.len(),
                ms(ours.cpu().median),
                ms(cli.cpu().median),
                ours.cpu().median / cli.cpu().median
            ),
            Some(ratio <= 0.8),
        )?;
    }
    if let (Some(least), Some(compile), Some(cli)) = (least, least_compile, cli_one) {
        let ratio = least.wall().median / cli.wall().median;
        target(
            "(its lower bound) the least a regeneration must do ≤ 0.8× one `typst compile`: a fresh process that reads and checks the input, loads the template and compiles Kent's PDF alone"
                .into(),
            format!(
                "{ratio:.2}× ({} vs {}, alternating with both above); of it, the PDF's compile and export {} ({:.2}× the CLI's whole process)",
                ms(least.wall().median),
                ms(cli.wall().median),
                ms(compile.median),
                compile.median / cli.wall().median
            ),
            Some(ratio <= 0.8),
        )?;
    }
    if national_1.is_some() || national_n.is_some() {
        let national_rss = [national_1, national_n]
            .into_iter()
            .flatten()
            .map(Case::rss_mb)
            .fold(0.0, f64::max);
        let rss = |case: Option<&Case>| {
            case.map_or("not run".to_string(), |case| {
                format!("{:.0} MB", case.rss_mb())
            })
        };
        target(
            "national batch peak RSS < 250 MB".into(),
            format!(
                "{:.0} MB (--jobs 1: {}, --jobs {jobs}: {})",
                national_rss,
                rss(national_1),
                rss(national_n)
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

/// The 1, 5 and 15 minute load averages: other work on the machine skews wall times.
pub fn load_average() -> String {
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
pub fn write_results(path: &Path, report: &str) -> Result<()> {
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
