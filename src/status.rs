//! `annual-review status`: what a build would write or remove, and why, in words — the year's
//! freshness ([`crate::fresh`]) gathered by council.
//!
//! A council is new (never built), changed (a file of it is stale: its inputs differ, or the file
//! is missing or altered) or to be removed (its files are in the manifest, but no authority of the
//! register makes them any more). A correction to one council can move its group's average or
//! spread; every letter that prints the moved figure is then changed, and says so.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::exit::{self, Exit};
use crate::fresh::{self, Freshness, OnDisk, Reason};
use crate::layout;
use crate::manifest::{self, Manifest, Stamps};
use crate::plan::{self, Owner, Plan, PrepareError, Prepared};
use crate::year_folder::{OutputError, YearFolder};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Change {
    New,
    Changed,
    Remove,
}

impl Change {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Remove => "remove",
        }
    }
}

/// A reason, with its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Why {
    #[serde(flatten)]
    pub(crate) reason: Reason,
    pub(crate) text: String,
}

/// A council whose files a build would write (or remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct CouncilStatus {
    pub(crate) change: Change,
    pub(crate) code: String,
    pub(crate) name: String,
    /// Relative to the year's folder.
    pub(crate) files: Vec<String>,
    pub(crate) reasons: Vec<Why>,
}

/// A file of the publication (not of one council) that a build would write or remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FileStatus {
    pub(crate) change: Change,
    /// Relative to the year's folder.
    pub(crate) file: String,
    pub(crate) reasons: Vec<Why>,
}

/// The state of a year's output against the current input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatusReport {
    pub(crate) year: String,
    pub(crate) year_dir: PathBuf,
    /// Councils with files to write, in register order, then those with files to remove.
    pub(crate) letters: Vec<CouncilStatus>,
    /// Councils whose every file is current.
    pub(crate) up_to_date: usize,
    /// The publication's own files to write or remove.
    pub(crate) files: Vec<FileStatus>,
    /// Files in the year's folder that the tool did not make, or that changed after it made them
    /// and no longer belong: a build leaves them alone.
    pub(crate) not_ours: Vec<String>,
}

impl StatusReport {
    /// Whether a build would do nothing.
    pub(crate) fn is_clean(&self) -> bool {
        self.letters.is_empty() && self.files.is_empty() && self.not_ours.is_empty()
    }
}

/// Why `status` could not compare.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StatusError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Manifest(#[from] manifest::ReadError),
}

impl Exit for StatusError {
    fn problems(&self) -> Option<&crate::input::Problems> {
        match self {
            StatusError::Prepare(error) => error.problems(),
            _ => None,
        }
    }

    fn exit_status(&self) -> u8 {
        match self {
            StatusError::Prepare(error) => error.exit_status(),
            StatusError::Output(OutputError::Year { .. }) => exit::INVALID,
            _ => exit::FAILED,
        }
    }
}

/// Compares the input in `input` with the year's folder under `output`.
pub(crate) fn status(
    input: &Path,
    output: &Path,
    templates: &Path,
) -> Result<StatusReport, StatusError> {
    let prepared = plan::prepare(input, templates)?;
    let plan = Plan::of(&prepared);
    let year_dir = YearFolder::path(output, &plan.year)?;
    let manifest = Manifest::read(&year_dir)?;
    let stamps = Stamps::read(&year_dir);
    let freshness = fresh::compare(&prepared, &plan, manifest.as_ref(), &stamps, &year_dir);
    Ok(report(&prepared, &plan, &freshness, year_dir))
}

/// The freshness of a year's folder, gathered by council.
pub(crate) fn report(
    prepared: &Prepared,
    plan: &Plan,
    freshness: &Freshness,
    year_dir: PathBuf,
) -> StatusReport {
    let publication = &prepared.publication;
    let mut councils: Vec<Vec<(&String, &Vec<Reason>)>> =
        vec![Vec::new(); publication.authorities.len()];
    let mut files = Vec::new();
    for (file, reasons) in &freshness.stale {
        match plan.files[file].owner {
            Owner::Council(index) => councils[index].push((file, reasons)),
            Owner::Publication => files.push(FileStatus {
                change: change_of(reasons),
                file: file.clone(),
                reasons: words(reasons),
            }),
        }
    }
    let mut letters = Vec::new();
    let mut up_to_date = 0;
    for (authority, stale) in publication.authorities.iter().zip(councils) {
        if stale.is_empty() {
            up_to_date += 1;
            continue;
        }
        let files: Vec<String> = stale.iter().map(|(file, _)| (*file).clone()).collect();
        // Each reason once, with the files it is about.
        let mut grouped: Vec<(&Reason, Vec<&str>)> = Vec::new();
        for (file, file_reasons) in &stale {
            for reason in file_reasons.iter() {
                // A copy of a file that is rebuilt is rebuilt with it: no need to say so.
                if matches!(reason, Reason::Copies { file } if files.contains(file)) {
                    continue;
                }
                match grouped.iter_mut().find(|(r, _)| *r == reason) {
                    Some((_, about)) => about.push(file),
                    None => grouped.push((reason, vec![file.as_str()])),
                }
            }
        }
        let reasons = grouped
            .into_iter()
            .map(|(reason, about)| Why {
                reason: reason.clone(),
                // Said of all of the line's files, the words need not name them.
                text: reason.describe(if about.len() == files.len() {
                    &[]
                } else {
                    &about
                }),
            })
            .collect();
        letters.push(CouncilStatus {
            change: change_of(stale.iter().flat_map(|(_, reasons)| reasons.iter())),
            code: authority.code.clone(),
            name: authority.name.clone(),
            files,
            reasons,
        });
    }
    // The files to remove, by council where they are a council's.
    let mut removed: Vec<CouncilStatus> = Vec::new();
    for (file, removal) in &freshness.removals {
        if removal.on_disk == OnDisk::Changed {
            continue;
        }
        let why = Why {
            text: removal.why.describe(&[]),
            reason: removal.why.clone(),
        };
        let council = match &removal.why {
            Reason::NotInRegister { code, name } => Some((code, name)),
            Reason::Renamed { code, from, .. } => Some((code, from)),
            _ => None,
        };
        let slug = layout::classify(file).and_then(|kind| kind.slug().map(str::to_string));
        match (council, slug) {
            (Some((code, name)), Some(_)) => {
                match removed
                    .iter_mut()
                    .find(|c| c.code == *code && c.name == *name)
                {
                    Some(status) => status.files.push(file.clone()),
                    None => removed.push(CouncilStatus {
                        change: Change::Remove,
                        code: code.clone(),
                        name: name.clone(),
                        files: vec![file.clone()],
                        reasons: vec![why],
                    }),
                }
            }
            _ => files.push(FileStatus {
                change: Change::Remove,
                file: file.clone(),
                reasons: vec![why],
            }),
        }
    }
    letters.extend(removed);
    let mut not_ours = freshness.foreign.clone();
    not_ours.extend(
        freshness
            .removals
            .iter()
            .filter(|(_, removal)| removal.on_disk == OnDisk::Changed)
            .map(|(file, _)| file.clone()),
    );
    not_ours.sort();
    StatusReport {
        year: plan.year.clone(),
        year_dir,
        letters,
        up_to_date,
        files,
        not_ours,
    }
}

/// New when nothing of it was ever built; changed otherwise.
fn change_of<'a>(reasons: impl IntoIterator<Item = &'a Reason>) -> Change {
    if reasons
        .into_iter()
        .all(|reason| *reason == Reason::NotBuilt)
    {
        Change::New
    } else {
        Change::Changed
    }
}

fn words(reasons: &[Reason]) -> Vec<Why> {
    reasons
        .iter()
        .map(|reason| Why {
            reason: reason.clone(),
            text: reason.describe(&[]),
        })
        .collect()
}
