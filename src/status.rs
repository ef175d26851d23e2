//! `annual-review status`: what a build would write or remove, and why, in words — the year's
//! freshness ([`crate::fresh`]) gathered by council.
//!
//! A council is new (never built), changed (a file of it is stale: its inputs differ, or the file
//! is missing or altered) or to be removed (its files are in the manifest, but no authority of the
//! register makes them any more). A correction to one council can move its group's average or
//! spread; every letter that prints the moved figure is then changed, and says so.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::delivery::{self, Desk, Standing};
use crate::exit::{self, Exit};
use crate::fresh::{self, Freshness, OnDisk, Reason};
use crate::layout;
use crate::manifest::{self, Manifest, Stamps};
use crate::plan::{self, Owner, Plan, PrepareError, Prepared, Sources};
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
    /// Where the e-mails stand, when the letters go by e-mail (publication.toml's [delivery]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) delivery: Option<DeliveryStatus>,
}

/// The outbox and the ledger: how many messages are in each state, and the councils that need a
/// person (in doubt, refused, changed since sent, not written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DeliveryStatus {
    /// How many councils' messages are in each state: `to-send`, `sent`, `in-doubt`, `refused`,
    /// `changed-since-sent`, `not-in-outbox`, `not-built`, `too-big`, `unwritable`.
    pub(crate) counts: std::collections::BTreeMap<&'static str, usize>,
    /// The councils whose message needs a person, in register order.
    pub(crate) attention: Vec<MessageStatus>,
}

/// A council's message that needs a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct MessageStatus {
    pub(crate) state: &'static str,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) file: Option<String>,
    /// What happened, and what to do.
    pub(crate) text: String,
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
    #[error(transparent)]
    Ledger(#[from] delivery::LedgerError),
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
pub(crate) fn status(sources: &Sources, output: &Path) -> Result<StatusReport, StatusError> {
    let prepared = plan::prepare(sources, Some(output))?;
    let plan = Plan::of(&prepared);
    let year_dir = YearFolder::path(output, &plan.year)?;
    let manifest = Manifest::read(&year_dir)?;
    let stamps = Stamps::read(&year_dir);
    let freshness = fresh::compare(&prepared, &plan, manifest.as_ref(), &stamps, &year_dir);
    // Said once delivery has begun: an outbox written, or a message sent.
    let delivery = match &prepared.publication.config.delivery {
        Some(config)
            if year_dir.join(layout::OUTBOX_DIR).is_dir()
                || year_dir.join(layout::LEDGER).exists() =>
        {
            let ledger = delivery::Ledger::read(&year_dir)?;
            let desk = Desk {
                prepared: &prepared,
                delivery: config,
                freshness: &freshness,
                manifest: manifest.as_ref(),
                year_dir: &year_dir,
                ledger: &ledger,
            };
            Some(delivery_status(&desk))
        }
        _ => None,
    };
    let mut report = report(&prepared, &plan, &freshness, year_dir);
    report.delivery = delivery;
    Ok(report)
}

/// Where every council's message stands.
fn delivery_status(desk: &Desk) -> DeliveryStatus {
    let mut counts = std::collections::BTreeMap::new();
    let mut attention = Vec::new();
    for (index, authority) in desk.prepared.publication.authorities.iter().enumerate() {
        let standing = desk.standing(index);
        let state = standing.key();
        *counts.entry(state).or_insert(0) += 1;
        let (file, text) = match standing {
            Standing::InDoubt { file, since } => (
                Some(file),
                format!(
                    "handed to the server at {since} with no reply recorded: look for it in the sending mailbox's Sent Items, then `annual-review send --settle {} --as sent` (or `--as unsent` to send it again)",
                    authority.code
                ),
            ),
            Standing::Refused { file, reply } => (
                Some(file),
                format!(
                    "refused by the server ({reply}): correct the addresses in authorities.csv, then run `annual-review outbox`"
                ),
            ),
            Standing::ChangedSinceSent { file, at, .. } => (
                Some(file),
                format!(
                    "sent at {at}, and the letter changed since: `annual-review send --reissue --reason TEXT --authority {}` sends the correction",
                    authority.code
                ),
            ),
            Standing::OutboxStale(composed) => (
                Some(composed.file),
                "not what `annual-review outbox` writes now (the letter, an address or the note changed): run it again".to_string(),
            ),
            Standing::TooBig(composed) => (
                Some(composed.file),
                format!(
                    "{} bytes once encoded, more than the limit of {} (`size_limit_mb` in [delivery])",
                    crate::numbers::thousands(composed.bytes.len()),
                    crate::numbers::thousands(usize::try_from(desk.delivery.size_limit).unwrap_or(usize::MAX))
                ),
            ),
            Standing::Unwritable(error) => (None, exit::chain(&error)),
            Standing::LetterNotCurrent
            | Standing::NotInOutbox(_)
            | Standing::ToSend(_)
            | Standing::Sent { .. } => continue,
        };
        attention.push(MessageStatus {
            state,
            code: authority.code.clone(),
            name: authority.name.clone(),
            file,
            text,
        });
    }
    DeliveryStatus { counts, attention }
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
        delivery: None,
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
