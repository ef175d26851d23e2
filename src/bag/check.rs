//! Checking one bag: every file its manifests list against its checksum, files it does not list,
//! links and special files, and its Payload-Oxum. `annual-review verify` reports it; `build`
//! refuses an archived year whose bag does not hold.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{BAG_INFO_FILE, PAYLOAD_MANIFEST, TAG_MANIFEST};
use crate::digest;
use crate::files;
use crate::numbers::count;

fn count_u64(n: u64, noun: &str) -> String {
    count(usize::try_from(n).unwrap_or(usize::MAX), noun)
}

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

/// Checks the bag at `bag`, hashing every file it lists.
pub(crate) fn check(bag: &Path) -> BagReport {
    check_unless_seen(bag, None).0
}

/// [`check`], and the bag's fingerprint now: the size, times and inode of every file its
/// listings name, with the path and checksum listed for it (`None` when a listing cannot be read
/// or a listed file is not a regular file). When the fingerprint equals `seen`, the one taken
/// when the bag last held, none of its files was written, renamed over or replaced since, and
/// the listed files are not read again. Everything else is checked every time: the listings, the
/// paths they name, files they do not list, links, the Payload-Oxum. The one walk of the bag
/// that checks those also gives the fingerprint, so each file is looked at once.
pub(crate) fn check_unless_seen(bag: &Path, seen: Option<&str>) -> (BagReport, Option<String>) {
    let mut findings = Vec::new();
    // Each listed file: its path in the bag, as listed, and its checksum.
    let mut entries: Vec<(PathBuf, String, String)> = Vec::new();
    let mut listings_read = true;
    let mut files_checked = 0;
    // Hashed, not ordered: a bag of ten thousand files is compared path by path otherwise.
    let mut listed: HashSet<PathBuf> = HashSet::new();
    for listing in [PAYLOAD_MANIFEST, TAG_MANIFEST] {
        let path = bag.join(listing);
        listed.insert(path.clone());
        let listing_entries =
            match std::fs::read_to_string(&path).map(|text| super::parse_checksums(&text)) {
                Ok(Ok(entries)) => entries,
                Ok(Err(line)) => {
                    findings.push(Finding::Invalid {
                        path,
                        reason: format!("line {line} is not `<sha256> <path>`"),
                    });
                    listings_read = false;
                    continue;
                }
                Err(error) => {
                    findings.push(Finding::Invalid {
                        path,
                        reason: error.to_string(),
                    });
                    listings_read = false;
                    continue;
                }
            };
        for (relative, sha) in listing_entries {
            files_checked += 1;
            match files::contained(bag, &relative) {
                Ok(file) => {
                    listed.insert(file.clone());
                    entries.push((file, relative, sha));
                }
                Err(error) => findings.push(Finding::Invalid {
                    path: path.clone(),
                    reason: format!("it lists a path outside the bag: {error}"),
                }),
            }
        }
    }
    // What is wrong with the listed files goes here, before what the walk finds.
    let listed_findings_at = findings.len();
    // The regular files found, with what the fingerprint takes of each.
    let mut stamps: HashMap<PathBuf, String> = HashMap::new();
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
            // A listed link is reported by `check_file`.
            if !listed.contains(path) {
                findings.push(Finding::NotAFile {
                    path: path.to_path_buf(),
                    what: "a symbolic link",
                });
            }
            continue;
        }
        if kind.is_file() {
            let metadata = entry.metadata().ok();
            if path.starts_with(bag.join("data")) {
                payload.0 += metadata.as_ref().map_or(0, |m| m.len());
                payload.1 += 1;
            }
            if !listed.contains(path) {
                findings.push(Finding::Extra(path.to_path_buf()));
            } else if let Some(metadata) = metadata {
                stamps.insert(path.to_path_buf(), stamp(&metadata));
            }
        } else if !kind.is_dir() {
            findings.push(Finding::NotAFile {
                path: path.to_path_buf(),
                what: "a special file",
            });
        }
    }
    let fingerprint = listings_read
        .then(|| {
            let mut lines = String::new();
            for (file, relative, sha) in &entries {
                lines.push_str(&format!("{sha} {} {relative}\n", stamps.get(file)?));
            }
            Some(digest::sha256(lines.as_bytes()))
        })
        .flatten();
    if seen.is_none() || fingerprint.as_deref() != seen {
        let wrong: Vec<Finding> = entries
            .iter()
            .filter_map(|(file, _, sha)| check_file(file, sha))
            .collect();
        findings.splice(listed_findings_at..listed_findings_at, wrong);
    }
    let info = bag.join(BAG_INFO_FILE);
    match std::fs::read_to_string(&info)
        .ok()
        .as_deref()
        .map(super::payload_oxum)
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
    let report = BagReport {
        bag: bag.to_path_buf(),
        files_checked,
        findings,
    };
    (report, fingerprint)
}

/// What the fingerprint takes of a file: its size, modification and change times, and inode. A
/// write, a rename over it or a replacement changes one of them (the change time cannot be set
/// back by a program).
fn stamp(metadata: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    let (changed, inode) = {
        use std::os::unix::fs::MetadataExt;
        (
            i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec()),
            metadata.ino(),
        )
    };
    #[cfg(not(unix))]
    let (changed, inode) = (0i128, 0u64);
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(-1, |since| since.as_nanos() as i128);
    format!("{} {modified} {changed} {inode}", metadata.len())
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
