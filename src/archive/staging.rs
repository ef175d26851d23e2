//! Changing a bag all or nothing. A new bag, or a bag with a reissue added, is built whole beside
//! the archived one, then swapped in:
//!
//! ```text
//! <archive>/.<year>.new     being built; a crash leaves it unfinished, and it is thrown away
//! <archive>/.<year>.ready   complete and flushed to the disk: renaming `.new` to this commits
//! <archive>/.<year>.old     the bag it replaces, moved out of the way, then deleted
//! <archive>/<year>          the bag
//! ```
//!
//! The rename of `.new` to `.ready` is the commit: before it, the archive is as it was; after it,
//! the change happens, and a run killed before the swap is finished leaves what the next run
//! needs to finish it ([`recover`], called by every run that takes the archive's lock). A reissue
//! stages the bag's existing files as hard links (copies where links cannot be made), so staging
//! costs little, and archived files are never rewritten.

use std::path::{Path, PathBuf};

use crate::files::{self, WriteError};

/// The staging folders of the bag of `year` in `archive`.
pub(crate) struct Staging {
    pub(crate) bag: PathBuf,
    pub(crate) new: PathBuf,
    ready: PathBuf,
    old: PathBuf,
}

/// What [`recover`] found and did, for the user to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recovered {
    /// An unfinished change was thrown away; the bag is as it was before it.
    RolledBack(PathBuf),
    /// A committed change was finished.
    Finished(PathBuf),
}

impl Staging {
    pub(crate) fn of(archive: &Path, year: &str) -> Staging {
        Staging {
            bag: archive.join(year),
            new: archive.join(format!(".{year}.new")),
            ready: archive.join(format!(".{year}.ready")),
            old: archive.join(format!(".{year}.old")),
        }
    }

    /// Whether `name`, an entry of an archive folder, is a staging folder (ours, or the
    /// `.<year>.<pid>.tmp` of earlier versions).
    pub(crate) fn is_staging_name(name: &str) -> bool {
        name.starts_with('.')
            && (name.ends_with(".new")
                || name.ends_with(".ready")
                || name.ends_with(".old")
                || name.ends_with(".tmp"))
    }

    /// Starts staging afresh: an empty `.new`.
    pub(crate) fn begin(&self) -> Result<(), WriteError> {
        remove(&self.new)?;
        std::fs::create_dir_all(&self.new).map_err(|e| WriteError::new(&self.new, e))
    }

    /// Commits the staged bag (whose files are already flushed to the disk) and swaps it in.
    pub(crate) fn commit(&self) -> Result<(), WriteError> {
        files::rename_durable(&self.new, &self.ready, "archive-commit")?;
        self.finish()
    }

    /// Swaps a committed bag in: the archived bag out to `.old`, `.ready` in, `.old` deleted.
    fn finish(&self) -> Result<(), WriteError> {
        if self.bag.exists() {
            remove(&self.old)?;
            files::rename_durable(&self.bag, &self.old, "archive-swap-out")?;
        }
        files::rename_durable(&self.ready, &self.bag, "archive-swap-in")?;
        remove(&self.old)
    }
}

/// Finishes or undoes what a killed run left for the bag of `year` in `archive`. Call it only
/// while holding the archive's lock.
pub(crate) fn recover(archive: &Path, year: &str) -> Result<Vec<Recovered>, WriteError> {
    let staging = Staging::of(archive, year);
    let mut recovered = Vec::new();
    if staging.new.exists() {
        remove(&staging.new)?;
        recovered.push(Recovered::RolledBack(staging.new.clone()));
    }
    // Earlier versions staged a new bag in `.<year>.<pid>.tmp`.
    let prefix = format!(".{year}.");
    for entry in std::fs::read_dir(archive).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(middle) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            && middle.bytes().all(|b| b.is_ascii_digit())
        {
            remove(&entry.path())?;
            recovered.push(Recovered::RolledBack(entry.path()));
        }
    }
    if staging.ready.exists() {
        staging.finish()?;
        recovered.push(Recovered::Finished(staging.bag.clone()));
    } else if staging.old.exists() {
        // The new bag was in place; only the old one was left to delete.
        remove(&staging.old)?;
        recovered.push(Recovered::Finished(staging.bag.clone()));
    }
    Ok(recovered)
}

/// Puts `from` (a file of the archived bag) at `to` in the staged bag: a hard link, or a copy
/// where the file system has none.
pub(crate) fn link_or_copy(
    batch: &files::Batch,
    from: &Path,
    to: &Path,
) -> Result<(), files::CopyError> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| files::CopyError::Write(WriteError::new(dir, e)))?;
    }
    match std::fs::hard_link(from, to) {
        Ok(()) => {
            batch.track(to);
            Ok(())
        }
        Err(_) => batch.copy(from, to, "archive-file"),
    }
}

fn remove(dir: &Path) -> Result<(), WriteError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(WriteError::new(dir, error)),
    }
}
