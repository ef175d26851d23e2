//! `annual-review archive` and `verify`: a year's publication frozen as a BagIt 1.0 bag
//! (RFC 8493), and the check that it is still exactly what was frozen.
//!
//! `archive/<year>/` holds `data/` (the letters, `statistics.csv`, `statistics.json` and the
//! build's `manifest.json`), `manifest-sha256.txt` for the payload, `bag-info.txt`,
//! `history.json` (the original publication and every reissue, with date and reason) and
//! `tagmanifest-sha256.txt` for the tag files. Payload files are never overwritten or deleted:
//! a reissue adds the letters rebuilt since under `data/reissues/<NN>-<date>/` beside the
//! originals, and only the tag files are rewritten to list them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::digest;
use crate::manifest::{self, MANIFEST_FILE, Manifest};
use crate::output::{self, WriteError};

const SOURCE_ORGANIZATION: &str = "Local Government and Social Care Ombudsman";
const HISTORY_FILE: &str = "history.json";
const PAYLOAD_MANIFEST: &str = "manifest-sha256.txt";
const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";

/// What to archive.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    pub output: PathBuf,
    pub archive: PathBuf,
    /// The year's label; found in the output folder when there is only one.
    pub year: Option<String>,
    /// Add the letters rebuilt since the last archive, instead of freezing a new publication.
    pub reissue: Option<Reissue>,
}

#[derive(Debug, Clone)]
pub struct Reissue {
    pub reason: String,
    pub date: NaiveDate,
}

/// What `archive` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveOutcome {
    Created {
        bag: PathBuf,
        files: usize,
    },
    AlreadyArchived {
        bag: PathBuf,
    },
    Reissued {
        bag: PathBuf,
        directory: String,
        files: Vec<String>,
    },
    NothingToReissue {
        bag: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("no built publication in `{}` (expected `<year>/manifest.json`); run `annual-review build` first", .0.display())]
    NoPublication(PathBuf),
    #[error("`{}` holds several years ({}); choose one with --year", .output.display(), .years.join(", "))]
    SeveralYears { output: PathBuf, years: Vec<String> },
    #[error(transparent)]
    Lock(#[from] crate::build::BuildError),
    #[error(transparent)]
    Manifest(#[from] manifest::ReadError),
    #[error("`{}` does not match its manifest ({reason}); run `annual-review build` before archiving", .file.display())]
    Inconsistent { file: PathBuf, reason: &'static str },
    #[error(
        "`{}` already holds a different publication of {year} ({differing} files differ); archived files are never replaced\n  hint: to add corrected letters beside the originals, run `annual-review archive --reissue --reason \"…\"`",
        .bag.display()
    )]
    Different {
        bag: PathBuf,
        year: String,
        differing: usize,
    },
    #[error("nothing is archived for {year} in `{}` yet; run `annual-review archive` first", .bag.display())]
    NotArchived { bag: PathBuf, year: String },
    #[error("`{}` is not a bag this tool can extend: {reason}", .bag.display())]
    BadBag { bag: PathBuf, reason: String },
    #[error("cannot read `{}`: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One payload file: its path under `data/` and where its bytes come from.
struct PayloadFile {
    /// e.g. `letters/kent-county-council.pdf`, `statistics.csv`
    logical: String,
    source: PathBuf,
    sha256: String,
    bytes: u64,
}

/// The archive's record of what was added when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub year: String,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `published` or `reissue`.
    pub kind: String,
    pub date: String,
    pub reason: Option<String>,
    /// Where this event's files are, relative to the bag: `data` or `data/reissues/01-2021-09-01`.
    pub directory: String,
    /// The files added, relative to `directory`.
    pub files: Vec<String>,
}

impl History {
    /// The latest archived SHA-256 of every logical file.
    fn latest(&self, payload: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut latest = BTreeMap::new();
        for event in &self.events {
            for file in &event.files {
                if let Some(sha) = payload.get(&format!("{}/{file}", event.directory)) {
                    latest.insert(file.clone(), sha.clone());
                }
            }
        }
        latest
    }
}

/// Runs `annual-review archive`.
pub fn archive(options: &ArchiveOptions) -> Result<ArchiveOutcome, ArchiveError> {
    let year = match &options.year {
        Some(year) => year.clone(),
        None => only_year(&options.output)?,
    };
    let year_dir = options.output.join(&year);
    // No build may change the output while it is being copied.
    let _lock = crate::build::lock(&year_dir)?;
    let manifest = Manifest::read(&year_dir)?
        .ok_or_else(|| ArchiveError::NoPublication(options.output.clone()))?;
    let payload = payload(&year_dir, &manifest)?;
    let bag = options.archive.join(&year);
    let bagging_date = manifest.run.publish_date.clone();
    match (&options.reissue, bag.exists()) {
        (None, false) => create(&bag, &year, &bagging_date, &payload),
        (None, true) => {
            let (history, archived) = read_bag(&bag)?;
            let latest = history.latest(&archived);
            let differing = payload
                .iter()
                .filter(|file| latest.get(&file.logical) != Some(&file.sha256))
                .count();
            if differing == 0 {
                Ok(ArchiveOutcome::AlreadyArchived { bag })
            } else {
                Err(ArchiveError::Different {
                    bag,
                    year,
                    differing,
                })
            }
        }
        (Some(_), false) => Err(ArchiveError::NotArchived { bag, year }),
        (Some(reissue), true) => add_reissue(&bag, &bagging_date, reissue, &payload),
    }
}

/// The one year folder of `output` that has a manifest.
fn only_year(output: &Path) -> Result<String, ArchiveError> {
    let mut years: Vec<String> = std::fs::read_dir(output)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join(MANIFEST_FILE).is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    years.sort();
    match years.len() {
        0 => Err(ArchiveError::NoPublication(output.to_path_buf())),
        1 => Ok(years.remove(0)),
        _ => Err(ArchiveError::SeveralYears {
            output: output.to_path_buf(),
            years,
        }),
    }
}

/// The files to archive, each checked against the manifest: what is archived is what was built.
fn payload(year_dir: &Path, manifest: &Manifest) -> Result<Vec<PayloadFile>, ArchiveError> {
    let mut files = Vec::new();
    let recorded = manifest
        .letters
        .iter()
        .map(|(file, entry)| (file, &entry.sha256, entry.bytes))
        .chain(
            manifest
                .files
                .iter()
                .map(|(file, entry)| (file, &entry.sha256, entry.bytes)),
        );
    for (file, sha256, bytes) in recorded {
        let source = year_dir.join(file);
        if !source.is_file() {
            return Err(ArchiveError::Inconsistent {
                file: source,
                reason: "the file is missing",
            });
        }
        if !manifest::file_matches(&source, sha256, bytes) {
            return Err(ArchiveError::Inconsistent {
                file: source,
                reason: "its checksum differs",
            });
        }
        files.push(PayloadFile {
            logical: file.clone(),
            source,
            sha256: sha256.clone(),
            bytes,
        });
    }
    let source = year_dir.join(MANIFEST_FILE);
    let (sha256, bytes) = digest::sha256_file(&source).map_err(|e| ArchiveError::Read {
        path: source.clone(),
        source: e,
    })?;
    files.push(PayloadFile {
        logical: MANIFEST_FILE.to_string(),
        source,
        sha256,
        bytes,
    });
    files.sort_by(|a, b| a.logical.cmp(&b.logical));
    Ok(files)
}

/// Freezes `payload` as a new bag at `bag`, built beside it and renamed into place.
fn create(
    bag: &Path,
    year: &str,
    bagging_date: &str,
    payload: &[PayloadFile],
) -> Result<ArchiveOutcome, ArchiveError> {
    let parent = bag.parent().unwrap_or(Path::new("."));
    let staging = parent.join(format!(".{year}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let result = (|| {
        let mut listed = BTreeMap::new();
        for file in payload {
            let path = format!("data/{}", file.logical);
            copy(&file.source, &staging.join(&path))?;
            listed.insert(path, file.sha256.clone());
        }
        let history = History {
            year: year.to_string(),
            events: vec![Event {
                kind: "published".to_string(),
                date: bagging_date.to_string(),
                reason: None,
                directory: "data".to_string(),
                files: payload.iter().map(|f| f.logical.clone()).collect(),
            }],
        };
        let payload_bytes = payload.iter().map(|f| f.bytes).sum();
        write_tag_files(&staging, bagging_date, &history, &listed, payload_bytes)?;
        std::fs::rename(&staging, bag).map_err(|source| WriteError {
            path: bag.to_path_buf(),
            source,
        })?;
        Ok(ArchiveOutcome::Created {
            bag: bag.to_path_buf(),
            files: payload.len(),
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Adds the files of `payload` that differ from their latest archived version under
/// `data/reissues/<NN>-<date>/`, then rewrites the tag files to include them.
fn add_reissue(
    bag: &Path,
    bagging_date: &str,
    reissue: &Reissue,
    payload: &[PayloadFile],
) -> Result<ArchiveOutcome, ArchiveError> {
    let (mut history, mut listed) = read_bag(bag)?;
    let latest = history.latest(&listed);
    let changed: Vec<&PayloadFile> = payload
        .iter()
        .filter(|f| latest.get(&f.logical) != Some(&f.sha256))
        .collect();
    if changed.is_empty() {
        return Ok(ArchiveOutcome::NothingToReissue {
            bag: bag.to_path_buf(),
        });
    }
    let number = history
        .events
        .iter()
        .filter(|e| e.kind == "reissue")
        .count()
        + 1;
    let directory = format!("data/reissues/{number:02}-{}", reissue.date);
    for file in &changed {
        let path = format!("{directory}/{}", file.logical);
        let target = bag.join(&path);
        if target.exists() {
            return Err(ArchiveError::BadBag {
                bag: bag.to_path_buf(),
                reason: format!("`{path}` already exists"),
            });
        }
        copy(&file.source, &target)?;
        listed.insert(path, file.sha256.clone());
    }
    history.events.push(Event {
        kind: "reissue".to_string(),
        date: reissue.date.to_string(),
        reason: Some(reissue.reason.clone()),
        directory: directory.clone(),
        files: changed.iter().map(|f| f.logical.clone()).collect(),
    });
    let payload_bytes = payload_size(bag, &listed)?;
    write_tag_files(bag, bagging_date, &history, &listed, payload_bytes)?;
    Ok(ArchiveOutcome::Reissued {
        bag: bag.to_path_buf(),
        directory,
        files: changed.iter().map(|f| f.logical.clone()).collect(),
    })
}

fn payload_size(bag: &Path, listed: &BTreeMap<String, String>) -> Result<u64, ArchiveError> {
    let mut total = 0;
    for path in listed.keys() {
        let path = bag.join(path);
        total += std::fs::metadata(&path)
            .map_err(|source| ArchiveError::Read {
                path: path.clone(),
                source,
            })?
            .len();
    }
    Ok(total)
}

/// Reads an existing bag's history and payload manifest (path → SHA-256).
fn read_bag(bag: &Path) -> Result<(History, BTreeMap<String, String>), ArchiveError> {
    let bad = |reason: String| ArchiveError::BadBag {
        bag: bag.to_path_buf(),
        reason,
    };
    let read = |name: &str| {
        let path = bag.join(name);
        std::fs::read_to_string(&path).map_err(|source| ArchiveError::Read { path, source })
    };
    let history: History = serde_json::from_str(&read(HISTORY_FILE)?)
        .map_err(|e| bad(format!("{HISTORY_FILE}: {e}")))?;
    let listed = parse_checksums(&read(PAYLOAD_MANIFEST)?)
        .map_err(|line| {
            bad(format!(
                "{PAYLOAD_MANIFEST} line {line} is not `<sha256> <path>`"
            ))
        })?
        .into_iter()
        .collect();
    Ok((history, listed))
}

/// Writes bagit.txt, bag-info.txt, history.json, the payload manifest and, last, the tag
/// manifest over them all.
fn write_tag_files(
    bag: &Path,
    bagging_date: &str,
    history: &History,
    listed: &BTreeMap<String, String>,
    payload_bytes: u64,
) -> Result<(), ArchiveError> {
    let reissues = history
        .events
        .iter()
        .filter(|e| e.kind == "reissue")
        .count();
    let mut bag_info = format!(
        "Source-Organization: {SOURCE_ORGANIZATION}\n\
         External-Description: Annual review letters {year} and their statistics\n\
         Bagging-Date: {bagging_date}\n\
         Bag-Software-Agent: {tool}\n\
         Payload-Oxum: {payload_bytes}.{count}\n",
        year = history.year,
        tool = manifest::tool(),
        count = listed.len(),
    );
    if reissues > 0 {
        bag_info.push_str(&format!(
            "Internal-Sender-Description: {reissues} reissue(s); see {HISTORY_FILE}\n"
        ));
    }
    let mut history_json = serde_json::to_vec_pretty(history).expect("plain data serializes");
    history_json.push(b'\n');
    let tag_files: [(&str, Vec<u8>); 4] = [
        (
            "bagit.txt",
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec(),
        ),
        ("bag-info.txt", bag_info.into_bytes()),
        (HISTORY_FILE, history_json),
        (PAYLOAD_MANIFEST, checksum_lines(listed.iter()).into_bytes()),
    ];
    let mut tags = BTreeMap::new();
    for (name, bytes) in &tag_files {
        output::write_atomic(&bag.join(name), bytes)?;
        tags.insert(name.to_string(), digest::sha256(bytes));
    }
    output::write_atomic(
        &bag.join(TAG_MANIFEST),
        checksum_lines(tags.iter()).as_bytes(),
    )?;
    Ok(())
}

/// `<sha256>  <path>` lines, paths encoded as RFC 8493 asks (`%`, CR and LF percent-encoded).
fn checksum_lines<'a>(entries: impl Iterator<Item = (&'a String, &'a String)>) -> String {
    entries
        .map(|(path, sha)| {
            let path = path
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            format!("{sha}  {path}\n")
        })
        .collect()
}

/// Parses checksum lines into (path, sha256); on failure, the 1-based line that is malformed.
fn parse_checksums(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (sha, path) = line.split_once(char::is_whitespace).ok_or(number + 1)?;
        let path = path
            .trim_start()
            .replace("%0A", "\n")
            .replace("%0D", "\r")
            .replace("%25", "%");
        if sha.len() != 64 || path.is_empty() {
            return Err(number + 1);
        }
        entries.push((path, sha.to_ascii_lowercase()));
    }
    Ok(entries)
}

fn copy(from: &Path, to: &Path) -> Result<(), ArchiveError> {
    let bytes = std::fs::read(from).map_err(|source| ArchiveError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    output::write_atomic(to, &bytes)?;
    Ok(())
}

/// One file of a bag that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Listed, present, but its checksum differs.
    Changed(PathBuf),
    /// Listed but not there.
    Missing(PathBuf),
    /// There but not listed.
    Extra(PathBuf),
    /// A tag file that cannot be read as it should be.
    Invalid { path: PathBuf, reason: String },
}

/// The verdict on one bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BagReport {
    pub bag: PathBuf,
    pub files_checked: usize,
    pub findings: Vec<Finding>,
}

/// Verifies `path`: a bag, or a folder of bags (such as `archive/`).
pub fn verify(path: &Path) -> Result<Vec<BagReport>, ArchiveError> {
    if path.join("bagit.txt").is_file() {
        return Ok(vec![verify_bag(path)]);
    }
    let entries = std::fs::read_dir(path).map_err(|source| ArchiveError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bags: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| p.join("bagit.txt").is_file())
        .collect();
    bags.sort();
    if bags.is_empty() {
        return Err(ArchiveError::BadBag {
            bag: path.to_path_buf(),
            reason: "it has no bagit.txt, and no folder in it has one".to_string(),
        });
    }
    Ok(bags.iter().map(|bag| verify_bag(bag)).collect())
}

fn verify_bag(bag: &Path) -> BagReport {
    let mut findings = Vec::new();
    let mut files_checked = 0;
    let mut check_listing = |listing: &str, findings: &mut Vec<Finding>| -> Vec<PathBuf> {
        let path = bag.join(listing);
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => match parse_checksums(&text) {
                Ok(entries) => entries,
                Err(line) => {
                    findings.push(Finding::Invalid {
                        path,
                        reason: format!("line {line} is not `<sha256> <path>`"),
                    });
                    return Vec::new();
                }
            },
            Err(error) => {
                findings.push(Finding::Invalid {
                    path,
                    reason: error.to_string(),
                });
                return Vec::new();
            }
        };
        let mut listed = Vec::new();
        for (relative, sha) in entries {
            let file = bag.join(&relative);
            files_checked += 1;
            match digest::sha256_file(&file) {
                Ok((found, _)) if found == sha => {}
                Ok(_) => findings.push(Finding::Changed(file.clone())),
                Err(_) => findings.push(Finding::Missing(file.clone())),
            }
            listed.push(file);
        }
        listed
    };
    let mut listed = check_listing(PAYLOAD_MANIFEST, &mut findings);
    listed.extend(check_listing(TAG_MANIFEST, &mut findings));
    listed.push(bag.join(TAG_MANIFEST));
    for entry in walkdir::WalkDir::new(bag)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file() && !listed.iter().any(|l| l == entry.path()) {
            findings.push(Finding::Extra(entry.into_path()));
        }
    }
    BagReport {
        bag: bag.to_path_buf(),
        files_checked,
        findings,
    }
}

/// Today's date (UTC) from the clock: the default date of a reissue, the one event that
/// happens when the user says so rather than when the publication says.
pub fn today() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date") + chrono::Days::new(days)
}
