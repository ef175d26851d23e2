//! `annual-review verify`: every file of a bag against its checksum, and nothing else in the bag.
//!
//! A bag holds when every file its manifests list is a regular file with its checksum, no other
//! file is in it, nothing in it is a symbolic link (a link to an identical copy elsewhere would
//! hold only until that copy changes), its Payload-Oxum counts its payload, and no interrupted
//! archive run left a change half made beside it.

use std::path::{Path, PathBuf};

use super::ArchiveError;
use super::staging::Staging;
use crate::bag::check::{BagReport, Finding, check};
use crate::bag::{BAGIT_FILE, LOCK_FILE};
use crate::files::Lock;

/// Verifies `path`: a bag, or a folder of bags (such as `archive/`).
pub(crate) fn verify(path: &Path) -> Result<Vec<BagReport>, ArchiveError> {
    let is_bag = |dir: &Path| {
        std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) && dir.join(BAGIT_FILE).is_file()
    };
    let (archive, bags) = if is_bag(path) {
        // The folder the bag is in, however the bag was named (`.`, `../2020-21`).
        let real = std::fs::canonicalize(path).map_err(|source| ArchiveError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let archive = real
            .parent()
            .map_or_else(|| real.clone(), Path::to_path_buf);
        (archive, vec![path.to_path_buf()])
    } else {
        let entries = std::fs::read_dir(path).map_err(|source| ArchiveError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut bags: Vec<PathBuf> = entries
            .flatten()
            .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
            .map(|entry| entry.path())
            .filter(|dir| is_bag(dir))
            .collect();
        bags.sort();
        (path.to_path_buf(), bags)
    };
    // An archive run holds the lock while it changes a bag; reading waits for no one else.
    // Verifying writes nothing, not even a lock file: it takes the archive's lock only where an
    // archive run made one.
    let _lock = Lock::shared_if_present(&archive, &archive.join(LOCK_FILE), "archiving into")?;
    let mut reports: Vec<BagReport> = bags.iter().map(|bag| check(bag)).collect();
    for leftover in leftovers(&archive) {
        let year = leftover_year(&leftover);
        match reports
            .iter_mut()
            .find(|r| r.bag.file_name().and_then(|n| n.to_str()) == Some(year.as_str()))
        {
            Some(report) => report.findings.push(Finding::Unfinished(leftover)),
            None if bags.len() != 1 => reports.push(BagReport {
                bag: archive.join(&year),
                files_checked: 0,
                findings: vec![Finding::Unfinished(leftover)],
            }),
            None => {}
        }
    }
    if reports.is_empty() {
        return Err(ArchiveError::NoBag(path.to_path_buf()));
    }
    Ok(reports)
}

/// The staging folders an interrupted archive run left in `archive`.
fn leftovers(archive: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(archive)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| Staging::is_staging_name(&entry.file_name().to_string_lossy()))
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// `2020-21` of `.2020-21.new`, `.2020-21.ready`, `.2020-21.1234.tmp`.
fn leftover_year(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let name = name.trim_start_matches('.');
    name.split('.').next().unwrap_or_default().to_string()
}
