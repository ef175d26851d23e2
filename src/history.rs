//! The earlier years: what the archive holds of every year before this one, read from its bags
//! after each is held to its checksums ([`crate::bag::check`]). For each year: the measures it
//! declared, its caveats, and every council it wrote to, with the name it wrote to, its figures
//! and the latest version of its letter (the original, or the last reissue).
//!
//! A council is the same council across years by its code. What the letters' data and the site
//! make of it is [`crate::letter`]'s and [`crate::site`]'s; the copies of the archived letters in
//! the site are planned by [`crate::plan`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::bag::check::{self, Finding};
use crate::bag::{BAGIT_FILE, Bag, BagError, LOCK_FILE};
use crate::exit::{self, Exit};
use crate::files::{self, Lock, LockError, WriteError};
use crate::layout;

/// The archived years before this one, oldest first. Empty: this is the first year.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    pub(crate) years: Vec<ArchivedYear>,
    /// The fingerprint of each of those years' bags as it is now, found to hold: what `build`
    /// keeps as the year folder's [`layout::ARCHIVE_STAMPS`].
    pub(crate) seen: Seen,
}

/// The archived bags as they were when last found to hold: for each bag, a fingerprint of the
/// size, times and inode of every file it lists, with its checksum
/// ([`check::check_unless_seen`]). A bag whose fingerprint is
/// unchanged has had none of its files written, renamed over or replaced since, and is not read
/// again, as the year folder's own stamps spare reading its files; the rest of its check (the
/// listings, extra files, links, Payload-Oxum) is made every time. (`verify` always reads every
/// file.) Only a cache: lost or unreadable, every bag is read whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seen(BTreeMap<String, String>);

impl Seen {
    /// The stamps kept in the year folder `year_dir`; none when there are none or they cannot be
    /// read.
    pub(crate) fn read(year_dir: &Path) -> Seen {
        std::fs::read(year_dir.join(layout::ARCHIVE_STAMPS))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Keeps these stamps in `year_dir` (locked by the caller); none kept when there are none.
    pub(crate) fn write(&self, year_dir: &Path) -> Result<(), WriteError> {
        let path = year_dir.join(layout::ARCHIVE_STAMPS);
        if self.0.is_empty() {
            return match std::fs::remove_file(&path) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                    Err(WriteError::new(&path, error))
                }
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec(self).expect("stamps serialize");
        files::write_durable(&path, &bytes, "archive-stamps")
    }
}

/// One archived year, as its bag holds it now.
#[derive(Debug, Clone)]
pub(crate) struct ArchivedYear {
    /// `2020-21`: the bag's name and the publication's year.
    pub(crate) year: String,
    pub(crate) period_end: NaiveDate,
    /// The measures the year declared, in its order.
    pub(crate) measures: Vec<ArchivedMeasure>,
    /// What the year's figures should be read with, as the year declared it.
    pub(crate) caveats: Vec<String>,
    /// Every council the year wrote to, in the order of its statistics.
    pub(crate) councils: Vec<ArchivedCouncil>,
    /// The year's `statistics.csv`, latest version.
    pub(crate) statistics_csv: Option<ArchivedFile>,
}

/// A measure of an archived year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchivedMeasure {
    pub(crate) key: String,
    pub(crate) words: String,
    /// `rate` (whole percentages) or `per-residents` (one decimal).
    pub(crate) kind: &'static str,
}

/// A council of an archived year.
#[derive(Debug, Clone)]
pub(crate) struct ArchivedCouncil {
    pub(crate) code: String,
    /// The name the year's letter was addressed to.
    pub(crate) name: String,
    /// Its file name in that year's folder: `kent-county-council`.
    pub(crate) slug: String,
    pub(crate) letter: ArchivedFile,
    /// When the letter was last reissued; `None` for the original.
    pub(crate) reissued: Option<NaiveDate>,
    /// Its figure and its type's average for each of the year's measures, as printed (`74%`,
    /// `3.9`); `None` where the year had no figure.
    pub(crate) figures: Vec<(Option<String>, Option<String>)>,
}

/// A file in a bag, with the checksum the bag lists for it (and that it was checked against).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchivedFile {
    pub(crate) path: PathBuf,
    pub(crate) sha256: String,
}

/// Why the archive's earlier years cannot be read: nothing is written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HistoryError {
    #[error("cannot read the archive `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the archived year `{}` does not hold, so its letters and figures cannot be used; nothing was written\n{}\n  hint: `annual-review verify {}` says the same; restore the bag from a copy",
        .bag.display(),
        .findings.join("\n"),
        .bag.display()
    )]
    Damaged { bag: PathBuf, findings: Vec<String> },
    #[error("the archived year `{}` cannot be read: {reason}", .bag.display())]
    Malformed { bag: PathBuf, reason: String },
    #[error(transparent)]
    Bag(#[from] BagError),
    #[error(transparent)]
    Lock(#[from] LockError),
}

impl Exit for HistoryError {
    /// The archive is part of what a build reads: a damaged one is a failure, not bad input.
    fn exit_status(&self) -> u8 {
        exit::FAILED
    }
}

/// Reads the years of `archive` whose period ends before `period_start`, checking each bag
/// first (a file `seen` unchanged since it last held is not read again). No archive folder, or
/// none of its bags earlier: the first year.
pub(crate) fn read(
    archive: &Path,
    period_start: NaiveDate,
    seen: &Seen,
) -> Result<History, HistoryError> {
    let entries = match std::fs::read_dir(archive) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(History::default());
        }
        Err(source) => {
            return Err(HistoryError::Read {
                path: archive.to_path_buf(),
                source,
            });
        }
    };
    // An archive run holds the lock while it changes a bag; reading creates nothing.
    let _lock = Lock::shared_if_present(archive, &archive.join(LOCK_FILE), "archiving into")?;
    let mut bags: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .filter(|dir| dir.is_dir() && dir.join(BAGIT_FILE).is_file())
        .collect();
    bags.sort();
    // The bags are read and checked side by side: each is a thousand files or so.
    // Every bag's result, in the bags' order, so that the first damaged bag is the one named.
    let read: Vec<Result<Option<UsedBag>, HistoryError>> = bags
        .par_iter()
        .map(|bag| -> Result<_, HistoryError> {
            let year = read_bag(bag)?;
            if year.period_end >= period_start {
                return Ok(None);
            }
            let key = bag.to_string_lossy().into_owned();
            let (report, now) = check::check_unless_seen(bag, seen.0.get(&key).map(String::as_str));
            if !report.findings.is_empty() {
                return Err(HistoryError::Damaged {
                    findings: report.findings.iter().map(describe).collect(),
                    bag: bag.clone(),
                });
            }
            Ok(Some((year, key, now)))
        })
        .collect();
    let mut years = Vec::new();
    let mut now_seen = Seen::default();
    for (year, key, fingerprint) in read
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
    {
        if let Some(fingerprint) = fingerprint {
            now_seen.0.insert(key, fingerprint);
        }
        years.push(year);
    }
    years.sort_by_key(|year| year.period_end);
    Ok(History {
        years,
        seen: now_seen,
    })
}

/// A bag a year before this one: its year, its key among the [`Seen`] bags, and its fingerprint
/// now (when it could be taken).
type UsedBag = (ArchivedYear, String, Option<String>);

/// A finding as one line of the error.
fn describe(finding: &Finding) -> String {
    let shown = |path: &Path| path.display().to_string();
    match finding {
        Finding::Changed(path) => format!("  changed  {}", shown(path)),
        Finding::Missing(path) => format!("  missing  {}", shown(path)),
        Finding::Extra(path) => format!("  extra    {}", shown(path)),
        Finding::Unreadable { path, reason } => format!("  unreadable {}: {reason}", shown(path)),
        Finding::NotAFile { path, what } => format!("  not a file {}: {what}", shown(path)),
        Finding::Invalid { path, reason } => format!("  invalid  {}: {reason}", shown(path)),
        Finding::Unfinished(path) => format!("  unfinished {}", shown(path)),
    }
}

/// Where each logical file of a bag's publication is now (the original or its last reissue),
/// its checksum, and the date of the reissue that last replaced it.
fn latest_files(bag: &Bag) -> BTreeMap<String, (String, String, Option<String>)> {
    let mut latest = BTreeMap::new();
    for event in &bag.history.events {
        for file in &event.withdrawn {
            latest.remove(file);
        }
        for file in &event.files {
            let stored = format!("{}/{file}", event.directory);
            if let Some(sha) = bag.payload.get(&stored) {
                let reissued = (event.kind == "reissue").then(|| event.date.clone());
                latest.insert(file.clone(), (stored, sha.clone(), reissued));
            }
        }
    }
    latest
}

/// Reads one bag's year from its latest `statistics.json` and history (not yet checked).
fn read_bag(bag: &Path) -> Result<ArchivedYear, HistoryError> {
    let malformed = |reason: String| HistoryError::Malformed {
        bag: bag.to_path_buf(),
        reason,
    };
    let contents = Bag::read(bag)?;
    let latest = latest_files(&contents);
    let file = |logical: &str| {
        latest.get(logical).map(|(stored, sha, _)| ArchivedFile {
            path: bag.join(stored),
            sha256: sha.clone(),
        })
    };
    let statistics = file("statistics.json")
        .ok_or_else(|| malformed("it holds no statistics.json".to_string()))?;
    let text = std::fs::read(&statistics.path).map_err(|source| HistoryError::Read {
        path: statistics.path.clone(),
        source,
    })?;
    let json: Value = serde_json::from_slice(&text)
        .map_err(|error| malformed(format!("statistics.json: {error}")))?;
    let text_of =
        |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let year =
        text_of(&json, "year").ok_or_else(|| malformed("statistics.json has no year".into()))?;
    // The bag's folder is named by its year, as `archive` names it; the year names the site's
    // folder of its letters, so it is never anything but that plain name.
    let folder = bag
        .file_name()
        .map(|name| name.to_string_lossy().into_owned());
    if folder.as_deref() != Some(year.as_str()) {
        return Err(malformed(format!(
            "it holds the publication of `{year}`, but a year's bag is named by its year"
        )));
    }
    let period_end = text_of(&json, "period_end")
        .and_then(|end| NaiveDate::parse_from_str(&end, "%Y-%m-%d").ok())
        .ok_or_else(|| malformed("statistics.json has no period_end date".into()))?;
    let measures = measures_of(&json);
    let caveats = json
        .get("caveats")
        .and_then(Value::as_array)
        .map(|caveats| {
            caveats
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut councils = Vec::new();
    for authority in json
        .get("authorities")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let (Some(code), Some(name), Some(letter)) = (
            text_of(authority, "code"),
            text_of(authority, "name"),
            text_of(authority, "letter"),
        ) else {
            return Err(malformed(
                "an authority in statistics.json has no code, name or letter".into(),
            ));
        };
        // A letter withdrawn by a reissue (its council gone) is not part of the year any more.
        let Some((stored, sha, reissued)) = latest.get(&letter) else {
            continue;
        };
        let slug = letter
            .strip_prefix("letters/")
            .and_then(|file| file.strip_suffix(".pdf"))
            .filter(|slug| {
                !slug.is_empty() && !slug.contains(['/', '\\']) && !slug.starts_with('.')
            })
            .ok_or_else(|| malformed(format!("statistics.json names the letter `{letter}`")))?
            .to_string();
        let figures = measures
            .iter()
            .map(|measure| figure(authority, measure))
            .collect();
        councils.push(ArchivedCouncil {
            code,
            name,
            slug,
            letter: ArchivedFile {
                path: bag.join(stored),
                sha256: sha.clone(),
            },
            reissued: reissued
                .as_deref()
                .and_then(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()),
            figures,
        });
    }
    Ok(ArchivedYear {
        year,
        period_end,
        measures,
        caveats,
        councils,
        statistics_csv: file("statistics.csv"),
    })
}

/// The measures a year's `statistics.json` declares; a file written before it listed them names
/// them by their fields (`upheld_rate_percent` and `upheld_rate_average_percent`).
fn measures_of(json: &Value) -> Vec<ArchivedMeasure> {
    if let Some(declared) = json.get("measures").and_then(Value::as_array) {
        return declared
            .iter()
            .filter_map(|measure| {
                let key = measure.get("key")?.as_str()?.to_string();
                let words = measure.get("words")?.as_str()?.to_string();
                let kind = match measure.get("kind")?.as_str()? {
                    "rate" => "rate",
                    "per-residents" => "per-residents",
                    _ => return None,
                };
                Some(ArchivedMeasure { key, words, kind })
            })
            .collect();
    }
    let Some(group) = json
        .get("groups")
        .and_then(Value::as_array)
        .and_then(|groups| groups.first())
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    group
        .keys()
        .filter_map(|field| {
            let (key, kind) = match field.strip_suffix("_average_percent") {
                Some(key) => (key, "rate"),
                None => (field.strip_suffix("_average")?, "per-residents"),
            };
            Some(ArchivedMeasure {
                key: key.to_string(),
                words: key.replace('_', " "),
                kind,
            })
        })
        .collect()
}

/// An authority's figure and average for `measure`, as printed.
fn figure(authority: &Value, measure: &ArchivedMeasure) -> (Option<String>, Option<String>) {
    let key = &measure.key;
    match measure.kind {
        "rate" => {
            let whole = |field: String| {
                authority
                    .get(&field)
                    .and_then(Value::as_u64)
                    .map(|value| format!("{value}%"))
            };
            (
                whole(format!("{key}_percent")),
                whole(format!("{key}_average_percent")),
            )
        }
        _ => {
            let tenths = |field: &str| {
                authority
                    .get(field)
                    .and_then(Value::as_f64)
                    .map(|value| format!("{value:.1}"))
            };
            (tenths(key), tenths(&format!("{key}_average")))
        }
    }
}

impl History {
    /// The archived years' entries for the council `code`, with each year's, oldest first.
    pub(crate) fn of_council<'a>(
        &'a self,
        code: &'a str,
    ) -> impl Iterator<Item = (&'a ArchivedYear, &'a ArchivedCouncil)> + 'a {
        self.years.iter().filter_map(move |year| {
            year.councils
                .iter()
                .find(|council| council.code == code)
                .map(|council| (year, council))
        })
    }
}
