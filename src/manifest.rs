//! `manifest.json`: what a build published and exactly what each letter was made from.
//!
//! For every letter the manifest records the file's SHA-256 and size and a digest of its inputs:
//! the letter's data (its own figures and text, the averages and spread it prints), its
//! commentary, the template's files and the tool's version. A later build compares digests to
//! rebuild only what changed; `status` compares the recorded data with the current data to say
//! why in words.
//!
//! The manifest on disk is always true: an entry is added only after its letter is in place, and
//! the entries of letters about to be rebuilt are dropped (and the file rewritten) before any of
//! them is replaced, so a build killed at any moment leaves a manifest whose every claim holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::digest;
use crate::letter::LetterData;
use crate::output::{self, WriteError};

pub const MANIFEST_FILE: &str = "manifest.json";
/// Bumped when the manifest's shape changes incompatibly.
const FORMAT: u32 = 1;

/// The tool's name and version, as recorded in manifests and PDFs.
pub fn tool() -> String {
    format!("annual-review {}", env!("CARGO_PKG_VERSION"))
}

/// A whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub year: String,
    /// The parameters of the last run that changed anything.
    pub run: RunParameters,
    /// Letters by file, relative to the year's folder: `letters/kent-county-council.pdf`.
    pub letters: BTreeMap<String, LetterEntry>,
    /// Other files of the year's folder: `statistics.csv`, `statistics.json`.
    pub files: BTreeMap<String, FileEntry>,
}

/// How the run that last wrote the manifest was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunParameters {
    pub tool: String,
    pub input: PathBuf,
    pub templates: PathBuf,
    pub template: String,
    pub average: String,
    pub period_start: String,
    pub period_end: String,
    pub letter_date: String,
    pub publish_date: String,
    /// The authorities named with `--authority`; empty for the whole batch.
    pub authorities: Vec<String>,
    pub force: bool,
}

/// One file's checksum and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub sha256: String,
    pub bytes: u64,
}

/// One letter: the file, and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterEntry {
    pub code: String,
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    /// The SHA-256 of `made_from`, serialized as JSON.
    pub inputs_digest: String,
    /// Shared with the build's plan: one copy per letter in memory.
    pub made_from: Arc<MadeFrom>,
}

/// Everything a letter's bytes depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeFrom {
    pub tool: String,
    pub template_digest: String,
    /// The SHA-256 of the commentary markup, if the letter has some.
    pub commentary_sha256: Option<String>,
    pub data: LetterData,
}

impl MadeFrom {
    pub fn digest(&self) -> String {
        digest::sha256(&serde_json::to_vec(self).expect("plain data serializes"))
    }
}

/// Why the manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{path}` is not a manifest this version understands: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl Manifest {
    pub fn new(year: &str, run: RunParameters) -> Manifest {
        Manifest {
            format: FORMAT,
            year: year.to_string(),
            run,
            letters: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    /// Reads the manifest of a year's folder; `Ok(None)` when there is none yet.
    pub fn read(year_dir: &Path) -> Result<Option<Manifest>, ReadError> {
        let path = year_dir.join(MANIFEST_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReadError::Io { path, source }),
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|source| ReadError::Format {
                path: path.clone(),
                source,
            })?;
        Ok(Some(manifest))
    }

    /// Writes the manifest atomically into the year's folder.
    pub fn write(&self, year_dir: &Path) -> Result<(), WriteError> {
        output::write_atomic_with(&year_dir.join(MANIFEST_FILE), |writer| {
            // Compact: the manifest is for tools (`jq .` shows it readably), and a large one is
            // written several times during a build.
            serde_json::to_writer(&mut *writer, self)?;
            writer.write_all(b"\n")
        })
    }

    /// Whether the letter `file` is recorded as made from `inputs_digest` and is still on disk
    /// exactly as recorded.
    pub fn is_current(&self, year_dir: &Path, file: &str, inputs_digest: &str) -> bool {
        self.letters.get(file).is_some_and(|entry| {
            entry.inputs_digest == inputs_digest
                && file_matches(&year_dir.join(file), &entry.sha256, entry.bytes)
        })
    }
}

/// Whether the file at `path` has exactly this checksum and size.
pub fn file_matches(path: &Path, sha256: &str, bytes: u64) -> bool {
    // The size is checked first: it costs nothing and catches most changes.
    std::fs::metadata(path).is_ok_and(|m| m.len() == bytes)
        && digest::sha256_file(path).is_ok_and(|(found, _)| found == sha256)
}
