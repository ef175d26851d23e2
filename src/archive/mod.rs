//! `annual-review archive`: a year's publication frozen as a BagIt 1.0 bag (RFC 8493), and
//! reissues added beside it; `verify` ([`verify`]) checks that it is still what was frozen.
//!
//! `<archive>/<year>/` holds `data/` (the letters, `statistics.csv`, `statistics.json`, the
//! build's `manifest.json` and, once letters went by e-mail, the ledger `delivery.jsonl` with
//! every message sent, checked against the ledger's checksums), `manifest-sha256.txt` for the payload, `bag-info.txt`,
//! `history.json` (the original publication and every reissue, with date and reason) and
//! `tagmanifest-sha256.txt` for the tag files. Archived files are never overwritten or deleted:
//! a reissue adds the files rebuilt since under `data/reissues/<NN>-<date>/`.
//!
//! What is archived is checked first: only a year's folder that is exactly its plan — every file
//! built and current with the input, nothing to remove, nothing foreign in its site — and only the
//! files the manifest lists (whose names were checked when it was read) with the manifest itself.
//! The manifest records no times and no flags, so a rebuild with the same bytes is the same
//! publication. A reissue adds the files that changed and records the files that were withdrawn
//! (a council no longer in the register). Every change to a bag is all or nothing ([`staging`]),
//! under the archive's lock.

mod staging;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub(crate) use self::staging::Recovered;
use self::staging::Staging;
pub(crate) use self::verify::verify;
pub(crate) use crate::bag::check::Finding;
use crate::bag::{self, Bag, BagError, Event, History, LOCK_FILE};
use crate::exit::{self, Exit};
use crate::files::{self, Batch, CopyError, Lock, LockError, WriteError};
use crate::fresh::{self, Freshness, OnDisk, Reason};
use crate::layout::{self, Edition};
use crate::manifest::{self, Manifest, Stamps};
use crate::numbers::{count, thousands};
use crate::plan::{self, Owner, Plan, PrepareError, Prepared, Sources};
use crate::year_folder::{OutputError, YearFolder};

/// What to archive.
#[derive(Debug, Clone)]
pub(crate) struct ArchiveOptions {
    /// The input, the templates and the archive: the bag goes in `<archive>/<year>`.
    pub(crate) sources: Sources,
    pub(crate) output: PathBuf,
    /// The year's label; the input's year when not given.
    pub(crate) year: Option<String>,
    /// Add the files rebuilt since the last archive, instead of freezing a new publication.
    pub(crate) reissue: Option<Reissue>,
}

#[derive(Debug, Clone)]
pub(crate) struct Reissue {
    pub(crate) reason: String,
    pub(crate) date: NaiveDate,
}

/// What `archive` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArchiveOutcome {
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
        /// Files of the last version that the publication no longer has.
        withdrawn: Vec<String>,
    },
    NothingToReissue {
        bag: PathBuf,
    },
}

/// What `archive` did, and what it found to finish or undo first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Archived {
    pub(crate) outcome: ArchiveOutcome,
    pub(crate) recovered: Vec<Recovered>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ArchiveError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Manifest(#[from] manifest::ReadError),
    #[error("--year {given}: the input in `{}` is the publication of {input_year}; archive the year the input describes", .input.display())]
    OtherYear {
        given: String,
        input: PathBuf,
        input_year: String,
    },
    #[error("the publication of {year} in `{}` is not complete, so it cannot be archived; nothing was written\n{missing}\n  hint: run `annual-review build` (and `annual-review status` to see why), then archive", .year_dir.display())]
    Incomplete {
        year: String,
        year_dir: PathBuf,
        /// What is missing, a line each.
        missing: String,
    },
    #[error("`{}` does not match its manifest ({reason}); run `annual-review build` before archiving", .file.display())]
    Inconsistent { file: PathBuf, reason: &'static str },
    #[error(
        "`{}` already holds a different publication of {year} ({} {}); archived files are never replaced\n  hint: to add corrected letters beside the originals, run `annual-review archive --reissue --reason \"…\"`",
        .bag.display(),
        count(*.differing, "file"),
        if *.differing == 1 { "differs" } else { "differ" }
    )]
    Different {
        bag: PathBuf,
        year: String,
        differing: usize,
    },
    #[error("nothing is archived for {year} in `{}` yet; run `annual-review archive` first", .bag.display())]
    NotArchived { bag: PathBuf, year: String },
    #[error(
        "--date {date}: a reissue cannot be dated before the publication it corrects ({published})"
    )]
    ReissueBeforePublication {
        date: NaiveDate,
        published: NaiveDate,
    },
    #[error("--date {date}: a reissue cannot be dated before the last change to `{}` ({last}); the history runs forwards", .bag.display())]
    ReissueBeforeLast {
        date: NaiveDate,
        bag: PathBuf,
        last: String,
    },
    #[error("`{}` is not an archive: it has no bag (a folder with a bagit.txt)", .0.display())]
    NoBag(PathBuf),
    #[error(transparent)]
    Bag(#[from] BagError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Ledger(#[from] crate::delivery::LedgerError),
    #[error("`{}` {reason}: the archive keeps the messages as they were sent; nothing was archived", .file.display())]
    Delivery { file: PathBuf, reason: &'static str },
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl Exit for ArchiveError {
    fn problems(&self) -> Option<&crate::input::Problems> {
        match self {
            ArchiveError::Prepare(error) => error.problems(),
            _ => None,
        }
    }

    fn exit_status(&self) -> u8 {
        match self {
            ArchiveError::Prepare(error) => error.exit_status(),
            ArchiveError::OtherYear { .. }
            | ArchiveError::ReissueBeforePublication { .. }
            | ArchiveError::ReissueBeforeLast { .. }
            | ArchiveError::Output(OutputError::Year { .. }) => exit::INVALID,
            _ => exit::FAILED,
        }
    }
}

impl From<CopyError> for ArchiveError {
    fn from(error: CopyError) -> Self {
        match error {
            CopyError::Read { path, source } => ArchiveError::Read { path, source },
            CopyError::Write(error) => ArchiveError::Write(error),
        }
    }
}

/// One payload file: its path under `data/` and where its bytes come from.
struct PayloadFile {
    /// e.g. `letters/kent-county-council.pdf`, `statistics.csv`
    logical: String,
    source: PathBuf,
    sha256: String,
    bytes: u64,
}

/// Runs `annual-review archive`.
pub(crate) fn archive(options: &ArchiveOptions) -> Result<Archived, ArchiveError> {
    let prepared = plan::prepare(&options.sources, Some(&options.output))?;
    let config = &prepared.publication.config;
    let year = config.year.clone();
    if let Some(given) = &options.year
        && *given != year
    {
        return Err(ArchiveError::OtherYear {
            given: given.clone(),
            input: options.sources.input.clone(),
            input_year: year,
        });
    }
    if let Some(reissue) = &options.reissue
        && reissue.date < config.publish_date
    {
        return Err(ArchiveError::ReissueBeforePublication {
            date: reissue.date,
            published: config.publish_date,
        });
    }
    // No build may change the output while it is read; reading needs no write access.
    let folder = YearFolder::open_for_reading(&options.output, &year)?;
    let manifest = Manifest::read(folder.dir())?.ok_or_else(|| OutputError::NotBuilt {
        output: options.output.clone(),
        year: year.clone(),
        manifest: folder.join(layout::MANIFEST),
    })?;
    let plan = Plan::of(&prepared);
    let freshness = fresh::compare(
        &prepared,
        &plan,
        Some(&manifest),
        &Stamps::read(folder.dir()),
        folder.dir(),
    );
    check_complete(&prepared, &plan, &freshness, folder.dir())?;
    let mut payload = payload(&folder, &manifest)?;
    payload.extend(delivery_records(&folder)?);
    payload.sort_by(|a, b| a.logical.cmp(&b.logical));

    let bag =
        files::contained(&options.sources.archive, &year).map_err(|source| OutputError::Year {
            output: options.sources.archive.clone(),
            year: year.clone(),
            source,
        })?;
    std::fs::create_dir_all(&options.sources.archive)
        .map_err(|e| WriteError::new(&options.sources.archive, e))?;
    let _lock = Lock::exclusive(
        &options.sources.archive,
        &options.sources.archive.join(LOCK_FILE),
    )?;
    let recovered = staging::recover(&options.sources.archive, &year)?;
    let staging = Staging::of(&options.sources.archive, &year);
    let bagging_date = config.publish_date.to_string();
    let outcome = match (&options.reissue, bag.exists()) {
        (None, false) => create(&staging, &year, &bagging_date, &payload)?,
        (None, true) => {
            let archived = Bag::read(&bag)?;
            let latest = archived.history.latest(&archived.payload);
            let withdrawn = latest
                .keys()
                .filter(|file| !payload.iter().any(|p| p.logical == **file))
                .count();
            let differing = withdrawn
                + payload
                    .iter()
                    .filter(|file| latest.get(&file.logical) != Some(&file.sha256))
                    .count();
            if differing > 0 {
                return Err(ArchiveError::Different {
                    bag,
                    year,
                    differing,
                });
            }
            ArchiveOutcome::AlreadyArchived { bag }
        }
        (Some(_), false) => return Err(ArchiveError::NotArchived { bag, year }),
        (Some(reissue), true) => add_reissue(&staging, &bagging_date, reissue, &payload)?,
    };
    Ok(Archived { outcome, recovered })
}

/// Refuses a year's folder that is not exactly its plan: letters (or their pages) not built, not
/// current, or no longer in the register; other files (statistics, the site's index, data and
/// assets) not built from the current input or no longer made; or files in its site that the tool
/// did not make (they would be published with it, and not archived).
fn check_complete(
    prepared: &Prepared,
    plan: &Plan,
    freshness: &Freshness,
    year_dir: &Path,
) -> Result<(), ArchiveError> {
    let in_site = |file: &&String| file.starts_with(&format!("{}/", layout::SITE_DIR));
    let foreign: Vec<&String> = freshness
        .foreign
        .iter()
        .chain(
            freshness
                .removals
                .iter()
                .filter(|(_, removal)| removal.on_disk == OnDisk::Changed)
                .map(|(file, _)| file),
        )
        .filter(in_site)
        .collect();
    let removals: Vec<&String> = freshness
        .removals
        .iter()
        .filter(|(_, removal)| removal.on_disk != OnDisk::Changed)
        .map(|(file, _)| file)
        .collect();
    if freshness.stale.is_empty() && removals.is_empty() && foreign.is_empty() {
        return Ok(());
    }
    // The councils' letters, in register order: never built, or not current.
    let (mut not_built, mut not_current) = (BTreeSet::new(), BTreeSet::new());
    let mut lines = Vec::new();
    for (file, reasons) in &freshness.stale {
        match plan.files[file].owner {
            Owner::Council(index) if reasons.iter().all(|r| *r == Reason::NotBuilt) => {
                not_built.insert(index);
            }
            Owner::Council(index) => {
                not_current.insert(index);
            }
            Owner::Publication => lines.push(format!(
                "  `{file}` {}",
                if reasons.iter().all(|r| *r == Reason::NotBuilt) {
                    "is not built"
                } else {
                    "is not current with the input"
                }
            )),
        }
    }
    let letter = |index: usize| Edition::Letter.file(&prepared.publication.authorities[index].slug);
    let no_longer: BTreeSet<String> = removals
        .iter()
        .filter_map(|file| layout::classify(file)?.slug().map(layout::letter))
        .collect();
    let mut councils = Vec::new();
    for (letters, one, many) in [
        (
            not_built
                .difference(&not_current)
                .map(|&i| letter(i))
                .collect::<Vec<_>>(),
            "is not built",
            "are not built",
        ),
        (
            not_current.iter().map(|&i| letter(i)).collect(),
            "is not current with the input",
            "are not current with the input",
        ),
        (
            no_longer.into_iter().collect(),
            "is no longer in authorities.csv",
            "are no longer in authorities.csv",
        ),
    ] {
        if letters.is_empty() {
            continue;
        }
        const SHOWN: usize = 10;
        let shown: Vec<String> = letters
            .iter()
            .take(SHOWN)
            .map(|f| format!("`{f}`"))
            .collect();
        let more = if letters.len() > SHOWN {
            format!(" and {} more", thousands(letters.len() - SHOWN))
        } else {
            String::new()
        };
        councils.push(format!(
            "  {} {}: {}{more}",
            count(letters.len(), "letter"),
            if letters.len() == 1 { one } else { many },
            shown.join(", ")
        ));
    }
    lines.extend(
        removals
            .iter()
            .filter(|file| layout::classify(file).is_some_and(|kind| kind.slug().is_none()))
            .map(|file| format!("  `{file}` is no longer part of the publication")),
    );
    lines.extend(foreign.iter().map(|file| {
        format!(
            "  `{file}` is in the site but was not made by annual-review; it would be published and not archived"
        )
    }));
    councils.extend(lines);
    Err(ArchiveError::Incomplete {
        year: plan.year.clone(),
        year_dir: year_dir.to_path_buf(),
        missing: councils.join("\n"),
    })
}

/// The files to archive, each checked against the manifest: what is archived is what was built,
/// and only from inside the year's folder (the manifest's keys were checked when it was read).
fn payload(folder: &YearFolder, manifest: &Manifest) -> Result<Vec<PayloadFile>, ArchiveError> {
    let mut files = Vec::new();
    for (file, entry) in &manifest.files {
        let source = folder.join(file);
        // Read in full: what is archived must be what was built, whatever the file's times say.
        if !manifest::file_holds(&source, &entry.sha256, entry.bytes) {
            return Err(ArchiveError::Inconsistent {
                file: source,
                reason: "its checksum differs",
            });
        }
        files.push(PayloadFile {
            logical: file.clone(),
            source,
            sha256: entry.sha256.clone(),
            bytes: entry.bytes,
        });
    }
    let source = folder.join(layout::MANIFEST);
    let (sha256, bytes) = crate::digest::sha256_file(&source).map_err(|e| ArchiveError::Read {
        path: source.clone(),
        source: e,
    })?;
    files.push(PayloadFile {
        logical: layout::MANIFEST.to_string(),
        source,
        sha256,
        bytes,
    });
    files.sort_by(|a, b| a.logical.cmp(&b.logical));
    Ok(files)
}

/// The delivery's records, when the letters went by e-mail: the ledger, and every message sent,
/// each as it went (its bytes checked against the ledger's SHA-256).
fn delivery_records(folder: &YearFolder) -> Result<Vec<PayloadFile>, ArchiveError> {
    let ledger = crate::delivery::Ledger::read(folder.dir())?;
    if ledger.entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let mut records = vec![(layout::LEDGER.to_string(), None)];
    records.extend(
        ledger
            .sent_files()
            .into_iter()
            .map(|(file, sha256)| (file, Some(sha256))),
    );
    for (file, sent) in records {
        // The ledger's names were written by this tool; still, nothing is read from outside.
        let source = files::contained(folder.dir(), &file).map_err(|_| ArchiveError::Delivery {
            file: folder.join(layout::LEDGER),
            reason: "names a message outside the year's folder",
        })?;
        let (sha256, bytes) =
            crate::digest::sha256_file(&source).map_err(|e| ArchiveError::Read {
                path: source.clone(),
                source: e,
            })?;
        if sent.is_some_and(|sent| sent != sha256) {
            return Err(ArchiveError::Delivery {
                file: source,
                reason: "differs from the message the ledger says was sent",
            });
        }
        files.push(PayloadFile {
            logical: file,
            source,
            sha256,
            bytes,
        });
    }
    Ok(files)
}

/// Freezes `payload` as a new bag.
fn create(
    staging: &Staging,
    year: &str,
    bagging_date: &str,
    payload: &[PayloadFile],
) -> Result<ArchiveOutcome, ArchiveError> {
    staging.begin()?;
    let batch = Batch::default();
    let mut listed = BTreeMap::new();
    for file in payload {
        let path = format!("data/{}", file.logical);
        batch.copy(&file.source, &staging.new.join(&path), "archive-file")?;
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
            withdrawn: Vec::new(),
        }],
    };
    let payload_bytes = payload.iter().map(|f| f.bytes).sum();
    seal(
        staging,
        &batch,
        bagging_date,
        &history,
        &listed,
        payload_bytes,
    )?;
    Ok(ArchiveOutcome::Created {
        bag: staging.bag.clone(),
        files: payload.len(),
    })
}

/// Adds the files of `payload` that differ from their latest archived version under
/// `data/reissues/<NN>-<date>/`, in a staged copy of the bag that is then swapped in.
fn add_reissue(
    staging: &Staging,
    bagging_date: &str,
    reissue: &Reissue,
    payload: &[PayloadFile],
) -> Result<ArchiveOutcome, ArchiveError> {
    let Bag {
        mut history,
        payload: mut listed,
    } = Bag::read(&staging.bag)?;
    if let Some(last) = history.events.last()
        && reissue.date.to_string() < last.date
    {
        return Err(ArchiveError::ReissueBeforeLast {
            date: reissue.date,
            bag: staging.bag.clone(),
            last: last.date.clone(),
        });
    }
    let latest = history.latest(&listed);
    let changed: Vec<&PayloadFile> = payload
        .iter()
        .filter(|f| latest.get(&f.logical) != Some(&f.sha256))
        .collect();
    // A file of the last version that the publication no longer has: a council no longer in the
    // register, an asset the template dropped. Nothing is deleted from a bag; the history says
    // from when it no longer belongs.
    let withdrawn: Vec<String> = latest
        .keys()
        .filter(|file| !payload.iter().any(|p| p.logical == **file))
        .cloned()
        .collect();
    if changed.is_empty() && withdrawn.is_empty() {
        return Ok(ArchiveOutcome::NothingToReissue {
            bag: staging.bag.clone(),
        });
    }
    let directory = format!(
        "data/reissues/{:02}-{}",
        history.reissues() + 1,
        reissue.date
    );
    staging.begin()?;
    let batch = Batch::default();
    let mut payload_bytes = 0;
    for path in listed.keys() {
        let from = files::contained(&staging.bag, path).map_err(|error| BagError::Malformed {
            bag: staging.bag.clone(),
            reason: format!("{}: {error}", bag::PAYLOAD_MANIFEST),
        })?;
        payload_bytes += std::fs::metadata(&from)
            .map_err(|source| ArchiveError::Read {
                path: from.clone(),
                source,
            })?
            .len();
        staging::link_or_copy(&batch, &from, &staging.new.join(path))?;
    }
    for file in &changed {
        let path = format!("{directory}/{}", file.logical);
        if listed.contains_key(&path) {
            return Err(BagError::Malformed {
                bag: staging.bag.clone(),
                reason: format!("`{path}` is already listed"),
            }
            .into());
        }
        batch.copy(&file.source, &staging.new.join(&path), "archive-file")?;
        listed.insert(path, file.sha256.clone());
        payload_bytes += file.bytes;
    }
    history.events.push(Event {
        kind: "reissue".to_string(),
        date: reissue.date.to_string(),
        reason: Some(reissue.reason.clone()),
        directory: directory.clone(),
        files: changed.iter().map(|f| f.logical.clone()).collect(),
        withdrawn: withdrawn.clone(),
    });
    seal(
        staging,
        &batch,
        bagging_date,
        &history,
        &listed,
        payload_bytes,
    )?;
    Ok(ArchiveOutcome::Reissued {
        bag: staging.bag.clone(),
        directory,
        files: changed.iter().map(|f| f.logical.clone()).collect(),
        withdrawn,
    })
}

/// Finishes a staged bag: its tag files over the payload `listed`, everything flushed to the disk,
/// then the commit that swaps it in.
fn seal(
    staging: &Staging,
    batch: &Batch,
    bagging_date: &str,
    history: &History,
    listed: &BTreeMap<String, String>,
    payload_bytes: u64,
) -> Result<(), ArchiveError> {
    bag::write_tag_files(
        batch,
        &staging.new,
        bagging_date,
        history,
        listed,
        payload_bytes,
    )?;
    batch.make_durable()?;
    staging.commit()?;
    Ok(())
}

/// Today's date (UTC) from the clock: the default date of a reissue, the one event that
/// happens when the user says so rather than when the publication says.
pub(crate) fn today() -> NaiveDate {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(seconds as i64, 0)
        .map_or(NaiveDate::MIN, |moment| moment.date_naive())
}
