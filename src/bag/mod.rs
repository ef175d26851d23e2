//! The BagIt 1.0 bag of one year (RFC 8493), as this tool writes and reads it: the tag files,
//! the checksum listings, and `history.json`, the record of what was added when; [`check`] holds
//! a bag to its checksums. `archive` writes bags; `verify` and `build` (for the earlier years)
//! read them.

pub(crate) mod check;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::digest;
use crate::files::{Batch, WriteError};

const SOURCE_ORGANIZATION: &str = "Local Government and Social Care Ombudsman";
/// The archive folder's lock file, beside the bags.
pub(crate) const LOCK_FILE: &str = ".lock";
pub(crate) const BAGIT_FILE: &str = "bagit.txt";
pub(crate) const BAG_INFO_FILE: &str = "bag-info.txt";
pub(crate) const HISTORY_FILE: &str = "history.json";
pub(crate) const PAYLOAD_MANIFEST: &str = "manifest-sha256.txt";
pub(crate) const TAG_MANIFEST: &str = "tagmanifest-sha256.txt";

/// The archive's record of what was added when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct History {
    pub(crate) year: String,
    pub(crate) events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Event {
    /// `published` or `reissue`.
    pub(crate) kind: String,
    pub(crate) date: String,
    pub(crate) reason: Option<String>,
    /// Where this event's files are, relative to the bag: `data` or `data/reissues/01-2021-09-01`.
    pub(crate) directory: String,
    /// The files added, relative to `directory`.
    pub(crate) files: Vec<String>,
    /// The files of the publication's last version that no longer belong to it from this event
    /// on (a council no longer in the register): they stay in the bag, as everything archived does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) withdrawn: Vec<String>,
}

impl History {
    /// The latest archived SHA-256 of every logical file the publication still has.
    pub(crate) fn latest(&self, payload: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut latest = BTreeMap::new();
        for event in &self.events {
            for file in &event.withdrawn {
                latest.remove(file);
            }
            for file in &event.files {
                if let Some(sha) = payload.get(&format!("{}/{file}", event.directory)) {
                    latest.insert(file.clone(), sha.clone());
                }
            }
        }
        latest
    }

    pub(crate) fn reissues(&self) -> usize {
        self.events.iter().filter(|e| e.kind == "reissue").count()
    }
}

/// A bag as read from disk: its history and its payload listing (path → SHA-256).
pub(crate) struct Bag {
    pub(crate) history: History,
    pub(crate) payload: BTreeMap<String, String>,
}

/// Why an existing bag could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BagError {
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a bag this tool can extend: {reason}", .bag.display())]
    Malformed { bag: PathBuf, reason: String },
}

impl Bag {
    pub(crate) fn read(bag: &Path) -> Result<Bag, BagError> {
        let malformed = |reason: String| BagError::Malformed {
            bag: bag.to_path_buf(),
            reason,
        };
        let read = |name: &str| {
            let path = bag.join(name);
            std::fs::read_to_string(&path).map_err(|source| BagError::Read { path, source })
        };
        let history: History = serde_json::from_str(&read(HISTORY_FILE)?)
            .map_err(|e| malformed(format!("{HISTORY_FILE}: {e}")))?;
        let payload = parse_checksums(&read(PAYLOAD_MANIFEST)?)
            .map_err(|line| {
                malformed(format!(
                    "{PAYLOAD_MANIFEST} line {line} is not `<sha256> <path>`"
                ))
            })?
            .into_iter()
            .collect();
        Ok(Bag { history, payload })
    }
}

/// Writes bagit.txt, bag-info.txt, history.json, the payload manifest and, last, the tag manifest
/// over them all, into the staged bag `bag`.
pub(crate) fn write_tag_files(
    batch: &Batch,
    bag: &Path,
    bagging_date: &str,
    history: &History,
    payload: &BTreeMap<String, String>,
    payload_bytes: u64,
) -> Result<(), WriteError> {
    let reissues = history.reissues();
    let mut bag_info = format!(
        "Source-Organization: {SOURCE_ORGANIZATION}\n\
         External-Description: Annual review letters {year} and their statistics\n\
         Bagging-Date: {bagging_date}\n\
         Bag-Software-Agent: {tool}\n\
         Payload-Oxum: {payload_bytes}.{count}\n",
        year = history.year,
        tool = crate::TOOL,
        count = payload.len(),
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
            BAGIT_FILE,
            b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_vec(),
        ),
        (BAG_INFO_FILE, bag_info.into_bytes()),
        (HISTORY_FILE, history_json),
        (
            PAYLOAD_MANIFEST,
            checksum_lines(payload.iter()).into_bytes(),
        ),
    ];
    let mut tags = BTreeMap::new();
    for (name, bytes) in &tag_files {
        batch.write(&bag.join(name), bytes, "archive-tag")?;
        tags.insert(name.to_string(), digest::sha256(bytes));
    }
    batch.write(
        &bag.join(TAG_MANIFEST),
        checksum_lines(tags.iter()).as_bytes(),
        "archive-tag",
    )
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
pub(crate) fn parse_checksums(text: &str) -> Result<Vec<(String, String)>, usize> {
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

/// The `Payload-Oxum` of a bag-info.txt: (octets, files).
pub(crate) fn payload_oxum(bag_info: &str) -> Option<(u64, u64)> {
    let value = bag_info.lines().find_map(|line| {
        let (label, value) = line.split_once(':')?;
        label
            .trim()
            .eq_ignore_ascii_case("Payload-Oxum")
            .then(|| value.trim())
    })?;
    let (octets, files) = value.split_once('.')?;
    Some((octets.parse().ok()?, files.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_lines_round_trip_with_encoded_paths() {
        let entries: BTreeMap<String, String> = [
            ("data/a%b.pdf".to_string(), "a".repeat(64)),
            ("data/line\nbreak".to_string(), "b".repeat(64)),
        ]
        .into();
        let text = checksum_lines(entries.iter());
        let parsed: BTreeMap<String, String> =
            parse_checksums(&text).unwrap().into_iter().collect();
        assert_eq!(parsed, entries);
        assert_eq!(parse_checksums("abc  x\n"), Err(1));
    }

    #[test]
    fn payload_oxum_is_read() {
        assert_eq!(
            payload_oxum("Bagging-Date: 2021-07-28\nPayload-Oxum: 1234.5\n"),
            Some((1234, 5))
        );
        assert_eq!(payload_oxum("Payload-Oxum: x\n"), None);
    }
}
