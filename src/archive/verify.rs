//! `annual-review verify`: every file of a bag against its checksum, and nothing else in the bag.
//!
//! A bag holds when every file its manifests list is a regular file with its checksum, no other
//! file is in it, nothing in it is a symbolic link (a link to an identical copy elsewhere would
//! hold only until that copy changes), its Payload-Oxum counts its payload, and no interrupted
//! archive run left a change half made beside it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::bag::{self, BAG_INFO_FILE, BAGIT_FILE, PAYLOAD_MANIFEST, TAG_MANIFEST};
use super::staging::Staging;
use super::{ArchiveError, LOCK_FILE};
use crate::digest;
use crate::numbers::count;

fn count_u64(n: u64, noun: &str) -> String {
    count(usize::try_from(n).unwrap_or(usize::MAX), noun)
}
use crate::files::{self, Lock};

/// One thing about a bag that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Finding {
    /// Listed, present, but its checksum differs.
    Changed(PathBuf),
    /// Listed but not there.
    Missing(PathBuf),
    /// There but not listed.
    Extra(PathBuf),
    /// Listed and there, but it cannot be read.
    Unreadable { path: PathBuf, reason: String },
    /// A symbolic link or anything else that is not a plain file, where a file should be.
    NotAFile { path: PathBuf, what: &'static str },
    /// A tag file that does not say what it should.
    Invalid { path: PathBuf, reason: String },
    /// A change an interrupted `archive` left half made.
    Unfinished(PathBuf),
}

/// The verdict on one bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BagReport {
    pub(crate) bag: PathBuf,
    pub(crate) files_checked: usize,
    pub(crate) findings: Vec<Finding>,
}

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
    let mut reports: Vec<BagReport> = bags.iter().map(|bag| verify_bag(bag)).collect();
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

fn verify_bag(bag: &Path) -> BagReport {
    let mut findings = Vec::new();
    let mut files_checked = 0;
    let mut listed: BTreeSet<PathBuf> = BTreeSet::new();
    for listing in [PAYLOAD_MANIFEST, TAG_MANIFEST] {
        let path = bag.join(listing);
        listed.insert(path.clone());
        let entries = match std::fs::read_to_string(&path).map(|text| bag::parse_checksums(&text)) {
            Ok(Ok(entries)) => entries,
            Ok(Err(line)) => {
                findings.push(Finding::Invalid {
                    path,
                    reason: format!("line {line} is not `<sha256> <path>`"),
                });
                continue;
            }
            Err(error) => {
                findings.push(Finding::Invalid {
                    path,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        for (relative, sha) in entries {
            files_checked += 1;
            let file = match files::contained(bag, &relative) {
                Ok(file) => file,
                Err(error) => {
                    findings.push(Finding::Invalid {
                        path: path.clone(),
                        reason: format!("it lists a path outside the bag: {error}"),
                    });
                    continue;
                }
            };
            if let Some(finding) = check_file(&file, &sha) {
                findings.push(finding);
            }
            listed.insert(file);
        }
    }
    let mut payload = (0u64, 0u64);
    for entry in walkdir::WalkDir::new(bag).sort_by_file_name().into_iter() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                findings.push(Finding::Unreadable {
                    path: error.path().unwrap_or(bag).to_path_buf(),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        let path = entry.path();
        let kind = entry.file_type();
        if entry.path_is_symlink() {
            // A listed link was already reported by `check_file`.
            if !listed.contains(path) {
                findings.push(Finding::NotAFile {
                    path: path.to_path_buf(),
                    what: "a symbolic link",
                });
            }
            continue;
        }
        if kind.is_file() {
            if path.starts_with(bag.join("data")) {
                payload.0 += entry.metadata().map_or(0, |m| m.len());
                payload.1 += 1;
            }
            if !listed.contains(path) {
                findings.push(Finding::Extra(path.to_path_buf()));
            }
        } else if !kind.is_dir() {
            findings.push(Finding::NotAFile {
                path: path.to_path_buf(),
                what: "a special file",
            });
        }
    }
    let info = bag.join(BAG_INFO_FILE);
    match std::fs::read_to_string(&info)
        .ok()
        .as_deref()
        .map(bag::payload_oxum)
    {
        Some(Some(oxum)) if oxum == payload => {}
        Some(Some((octets, count))) => findings.push(Finding::Invalid {
            path: info,
            reason: format!(
                "its Payload-Oxum says {} in {}, but the payload holds {} in {}",
                count_u64(octets, "byte"),
                count_u64(count, "file"),
                count_u64(payload.0, "byte"),
                count_u64(payload.1, "file"),
            ),
        }),
        _ => findings.push(Finding::Invalid {
            path: info,
            reason: "it has no Payload-Oxum".to_string(),
        }),
    }
    BagReport {
        bag: bag.to_path_buf(),
        files_checked,
        findings,
    }
}

/// What is wrong with a listed file, if anything.
fn check_file(file: &Path, sha: &str) -> Option<Finding> {
    let metadata = match std::fs::symlink_metadata(file) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Some(Finding::Missing(file.to_path_buf()));
        }
        Err(error) => {
            return Some(Finding::Unreadable {
                path: file.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    if metadata.file_type().is_symlink() {
        return Some(Finding::NotAFile {
            path: file.to_path_buf(),
            what: "a symbolic link",
        });
    }
    if !metadata.is_file() {
        return Some(Finding::NotAFile {
            path: file.to_path_buf(),
            what: if metadata.is_dir() {
                "a folder"
            } else {
                "a special file"
            },
        });
    }
    match digest::sha256_file(file) {
        Ok((found, _)) if found == sha => None,
        Ok(_) => Some(Finding::Changed(file.to_path_buf())),
        Err(error) => Some(Finding::Unreadable {
            path: file.to_path_buf(),
            reason: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_cannot_be_read_is_unreadable_not_missing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pdf");
        std::fs::write(&file, "x").unwrap();
        // Opening `a.pdf/b` fails, but not because nothing is there: "not a directory".
        let finding = check_file(&file.join("b"), &"0".repeat(64));
        assert!(
            matches!(&finding, Some(Finding::Unreadable { reason, .. }) if reason.contains("Not a directory")),
            "{finding:?}"
        );
        assert_eq!(
            check_file(&dir.path().join("gone.pdf"), &"0".repeat(64)),
            Some(Finding::Missing(dir.path().join("gone.pdf")))
        );
    }
}
