//! `annual-review outbox`: a message in `outbox/` for every built, current letter, so that what
//! `send` transmits is what was written, and can be read, first.
//!
//! A message already handed to a server is never rewritten: it is the record of what went. An
//! unsent message whose letter, addresses or words changed is rewritten; one that no council's
//! current letter makes any more is removed. Each file is written whole or not at all.

use std::path::Path;

use super::standing::Standing;
use super::{DeliveryError, Opened};
use crate::failpoint;
use crate::files::{self, WriteError};
use crate::layout;
use crate::plan::Sources;

/// What `outbox` did, and what it could not do, by council.
#[derive(Debug, Default)]
pub(crate) struct OutboxReport {
    /// The outbox folder.
    pub(crate) dir: std::path::PathBuf,
    /// Messages written (new, or rewritten because they were out of date): (council, file).
    pub(crate) written: Vec<(String, String)>,
    /// Messages already there, current and unsent.
    pub(crate) unchanged: usize,
    /// Messages already sent, for the letter as it is.
    pub(crate) sent: usize,
    /// Unsent messages removed: no current letter makes them any more.
    pub(crate) removed: Vec<String>,
    /// Councils whose message was not written, each with why and what to do.
    pub(crate) held: Vec<(String, String)>,
}

impl OutboxReport {
    /// Whether every council's letter has its message (written, or sent already).
    pub(crate) fn is_complete(&self) -> bool {
        self.held.is_empty()
    }
}

/// Writes the outbox of the publication in `input`, built under `output`.
pub(crate) fn outbox(sources: &Sources, output: &Path) -> Result<OutboxReport, DeliveryError> {
    let opened = Opened::open(sources, output)?;
    let dir = opened.folder.join(layout::OUTBOX_DIR);
    let mut report = OutboxReport {
        dir: dir.clone(),
        ..OutboxReport::default()
    };
    let desk = opened.desk();
    let authorities = &opened.prepared.publication.authorities;
    // The files the outbox should hold unsent: each council's current message.
    let mut keep: Vec<String> = Vec::new();
    for (index, authority) in authorities.iter().enumerate() {
        let name = authority.name.clone();
        match desk.standing(index) {
            Standing::NotInOutbox(composed) | Standing::OutboxStale(composed) => {
                create_dir(&dir, opened.folder.dir())?;
                files::write_durable(
                    &opened.folder.join(&composed.file),
                    &composed.bytes,
                    "message",
                )?;
                keep.push(composed.file.clone());
                report.written.push((name, composed.file));
            }
            Standing::ToSend(composed) => {
                keep.push(composed.file);
                report.unchanged += 1;
            }
            Standing::Sent { .. } => report.sent += 1,
            Standing::LetterNotCurrent => report.held.push((
                name,
                "its letter is not built, or not current with the input: run `annual-review build` first".to_string(),
            )),
            Standing::TooBig(composed) => report.held.push((
                name,
                format!(
                    "its message would be {} once encoded, more than the limit of {} (`size_limit_mb` in [delivery])",
                    megabytes(composed.bytes.len() as u64),
                    megabytes(opened.delivery.size_limit)
                ),
            )),
            Standing::Refused { file, reply } => {
                keep.push(file.clone());
                report.held.push((
                    name,
                    format!("`{file}` was refused by the server ({reply}): correct the council's addresses in authorities.csv, then run `annual-review outbox` again"),
                ))
            }
            Standing::InDoubt { file, since } => report.held.push((
                name,
                format!("`{file}` is in doubt since {since}: check the Sent Items, then `annual-review send --settle {} --as sent` (or `--as unsent`)", authority.code),
            )),
            Standing::ChangedSinceSent { file, at, earlier } => {
                // A correction being prepared by `send --reissue` stays for review.
                keep.push(layout::message(&authority.slug, earlier.len()));
                report.held.push((
                    name,
                    format!("its letter changed since `{file}` was sent ({at}): a corrected message goes with `annual-review send --reissue --reason TEXT --authority {}`", authority.code),
                ));
            }
            Standing::Unwritable(error) => report
                .held
                .push((name, crate::exit::chain(&error))),
        }
    }
    // Handed over, a message is a record: it stays, whatever the register says now.
    for entry in &opened.ledger.entries {
        if let super::ledger::Entry::Sending {
            file, test: false, ..
        } = entry
        {
            keep.push(file.clone());
        }
    }
    report.removed = remove_others(&dir, &keep)?;
    Ok(report)
}

/// Creates the outbox folder, durably, if it is not there.
fn create_dir(dir: &Path, year_dir: &Path) -> Result<(), WriteError> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|error| WriteError::new(dir, error))?;
    files::sync_dir(year_dir)
}

/// Removes the outbox's messages not in `keep`; returns them, relative to the year's folder.
fn remove_others(dir: &Path, keep: &[String]) -> Result<Vec<String>, WriteError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".eml"))
        .collect();
    names.sort();
    for name in names {
        let file = format!("{}/{name}", layout::OUTBOX_DIR);
        if keep.contains(&file) {
            continue;
        }
        let path = dir.join(&name);
        failpoint::pass("remove:message")
            .and_then(|()| std::fs::remove_file(&path))
            .map_err(|error| WriteError::new(&path, error))?;
        removed.push(file);
    }
    if !removed.is_empty() {
        files::sync_dir(dir)?;
    }
    Ok(removed)
}

/// A size as providers state limits: `10.4 MB`, or `107 kB` under a megabyte.
pub(super) fn megabytes(bytes: u64) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1_000_000.0)
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}
