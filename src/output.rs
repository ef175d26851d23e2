//! Writing results to disk: atomic file writes and the statistics files.
//!
//! Every file is written beside its destination under a temporary name and renamed into place,
//! so a reader (or a run killed half-way) never sees a torn file.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::input::Publication;
use crate::stats::{Statistic, Statistics};

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("cannot write `{path}`: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |writer| writer.write_all(bytes))
}

/// Writes to `path` atomically what `write` writes: a temporary file in the same folder, then a
/// rename. Streams, so a large file needs no buffer of its size in memory.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let error = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(error)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    // Unique per process and thread, so concurrent writers never share a temporary file.
    let temporary = dir.join(format!(
        ".{name}.{}.{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    let result = std::fs::File::create(&temporary)
        .and_then(|file| {
            let mut writer = std::io::BufWriter::new(file);
            write(&mut writer)?;
            writer.flush()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(error)
}

/// The folder of one year's outputs: `<output>/<year>`.
pub fn year_dir(output: &Path, publication: &Publication) -> PathBuf {
    output.join(&publication.config.year)
}

/// The letter of authority `slug`, relative to the year's folder: `letters/<slug>.pdf`.
pub fn letter_file(slug: &str) -> String {
    format!("letters/{slug}.pdf")
}

/// Removes the temporary files a killed run may have left in the year's folder and its letters.
/// Only call this while holding the folder's lock: another run's temporaries are live.
pub fn remove_stale_temporaries(year_dir: &Path) {
    for dir in [year_dir.to_path_buf(), year_dir.join("letters")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// One row of `statistics.csv`, and one entry of `statistics.json`'s `authorities`.
#[derive(Debug, Serialize)]
struct AuthorityRow<'a> {
    code: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    letter: String,
    decisions: u64,
    upheld: u64,
    not_upheld: u64,
    advice_given: u64,
    closed_after_initial_enquiries: u64,
    incomplete_invalid: u64,
    referred_back_for_local_resolution: u64,
    detailed_investigations: u64,
    remedied_by_authority: u64,
    public_reports: u64,
    compliance_outcomes: u64,
    complied: u64,
    complied_late: u64,
    not_complied: u64,
    upheld_rate_percent: Option<u64>,
    upheld_rate_average_percent: Option<u64>,
    compliance_rate_percent: Option<u64>,
    compliance_rate_average_percent: Option<u64>,
    satisfactory_remedy_rate_percent: Option<u64>,
    satisfactory_remedy_rate_average_percent: Option<u64>,
}

fn rows<'a>(publication: &'a Publication, statistics: &Statistics) -> Vec<AuthorityRow<'a>> {
    use crate::input::DecisionOutcome as O;
    publication
        .authorities
        .iter()
        .zip(&statistics.counts)
        .map(|(authority, counts)| {
            let percent = |s: Statistic| s.rate(counts).percent();
            let average = |s: Statistic| statistics.average(authority.kind, s);
            AuthorityRow {
                code: &authority.code,
                name: &authority.name,
                kind: authority.kind.label(),
                group: authority.kind.plural(),
                letter: letter_file(&authority.slug),
                decisions: counts.decisions(),
                upheld: counts.upheld(),
                not_upheld: counts.outcome(O::NotUpheld),
                advice_given: counts.outcome(O::AdviceGiven),
                closed_after_initial_enquiries: counts.outcome(O::ClosedAfterInitialEnquiries),
                incomplete_invalid: counts.outcome(O::IncompleteInvalid),
                referred_back_for_local_resolution: counts
                    .outcome(O::ReferredBackForLocalResolution),
                detailed_investigations: counts.detailed_investigations(),
                remedied_by_authority: counts.remedied_by_authority,
                public_reports: counts.public_reports,
                compliance_outcomes: counts.compliance_outcomes(),
                complied: counts.complied,
                complied_late: counts.complied_late,
                not_complied: counts.not_complied,
                upheld_rate_percent: percent(Statistic::UpheldRate),
                upheld_rate_average_percent: average(Statistic::UpheldRate),
                compliance_rate_percent: percent(Statistic::Compliance),
                compliance_rate_average_percent: average(Statistic::Compliance),
                satisfactory_remedy_rate_percent: percent(Statistic::SatisfactoryRemedy),
                satisfactory_remedy_rate_average_percent: average(Statistic::SatisfactoryRemedy),
            }
        })
        .collect()
}

/// `statistics.csv`: one row per authority; a rate without a denominator is an empty cell.
pub fn statistics_csv(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows(publication, statistics) {
        writer
            .serialize(row)
            .expect("serializing plain rows to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

#[derive(Serialize)]
struct StatisticsJson<'a> {
    year: &'a str,
    period_start: String,
    period_end: String,
    average_method: &'static str,
    groups: Vec<GroupJson>,
    authorities: Vec<AuthorityRow<'a>>,
}

#[derive(Serialize)]
struct GroupJson {
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    authorities: usize,
    upheld_rate_average_percent: Option<u64>,
    compliance_rate_average_percent: Option<u64>,
    satisfactory_remedy_rate_average_percent: Option<u64>,
}

/// `statistics.json`: the same figures as the CSV, plus each group's averages, for the map.
pub fn statistics_json(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let groups = crate::input::AuthorityType::ALL
        .iter()
        .map(|&kind| GroupJson {
            kind: kind.label(),
            group: kind.plural(),
            authorities: publication
                .authorities
                .iter()
                .filter(|a| a.kind == kind)
                .count(),
            upheld_rate_average_percent: statistics.average(kind, Statistic::UpheldRate),
            compliance_rate_average_percent: statistics.average(kind, Statistic::Compliance),
            satisfactory_remedy_rate_average_percent: statistics
                .average(kind, Statistic::SatisfactoryRemedy),
        })
        .collect();
    let document = StatisticsJson {
        year: &publication.config.year,
        period_start: publication.config.period_start.to_string(),
        period_end: publication.config.period_end.to_string(),
        average_method: statistics.method.label(),
        groups,
        authorities: rows(publication, statistics),
    };
    let mut bytes = serde_json::to_vec_pretty(&document).expect("plain data serializes");
    bytes.push(b'\n');
    bytes
}
