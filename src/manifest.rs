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
use crate::files::WriteError;
use crate::input::Publication;
use crate::letter::LetterData;
use crate::output::{self, YearFolder, statistics};

pub(crate) const MANIFEST_FILE: &str = "manifest.json";
/// Bumped when the manifest's shape changes incompatibly.
const FORMAT: u32 = 1;

/// The tool's name and version, as recorded in manifests and PDFs.
pub(crate) fn tool() -> String {
    format!("annual-review {}", env!("CARGO_PKG_VERSION"))
}

/// A whole manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) format: u32,
    pub(crate) year: String,
    /// The parameters of the last run that changed anything.
    pub(crate) run: RunParameters,
    /// Letters by file, relative to the year's folder: `letters/kent-county-council.pdf`.
    pub(crate) letters: BTreeMap<String, LetterEntry>,
    /// Other files of the year's folder: `statistics.csv`, `statistics.json`.
    pub(crate) files: BTreeMap<String, FileEntry>,
}

/// How the run that last wrote the manifest was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RunParameters {
    pub(crate) tool: String,
    pub(crate) input: PathBuf,
    pub(crate) templates: PathBuf,
    pub(crate) template: String,
    pub(crate) average: String,
    pub(crate) period_start: String,
    pub(crate) period_end: String,
    pub(crate) letter_date: String,
    pub(crate) publish_date: String,
    /// The authorities named with `--authority`; empty for the whole batch.
    pub(crate) authorities: Vec<String>,
    pub(crate) force: bool,
}

/// One file's checksum and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub(crate) sha256: String,
    pub(crate) bytes: u64,
}

/// One letter: the file, and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LetterEntry {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) bytes: u64,
    /// The SHA-256 of `made_from`, serialized as JSON.
    pub(crate) inputs_digest: String,
    /// Shared with the build's plan: one copy per letter in memory.
    pub(crate) made_from: Arc<MadeFrom>,
}

/// Everything a letter's bytes depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MadeFrom {
    pub(crate) tool: String,
    pub(crate) template_digest: String,
    /// The SHA-256 of the commentary markup, if the letter has some.
    pub(crate) commentary_sha256: Option<String>,
    pub(crate) data: LetterData,
}

impl MadeFrom {
    pub(crate) fn digest(&self) -> String {
        digest::sha256(&serde_json::to_vec(self).expect("plain data serializes"))
    }
}

/// Why the manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("cannot read `{}`: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a manifest this version understands: {source}", .path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{}` lists `{file}`, which is not a file of a publication (expected `letters/<name>.pdf`, {})", .path.display(), known_files())]
    Foreign { path: PathBuf, file: String },
}

fn known_files() -> String {
    statistics::FILES.map(|f| format!("`{f}`")).join(" or ")
}

impl Manifest {
    pub(crate) fn new(year: &str, run: RunParameters) -> Manifest {
        Manifest {
            format: FORMAT,
            year: year.to_string(),
            run,
            letters: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    /// Reads the manifest of a year's folder; `Ok(None)` when there is none yet. A manifest is
    /// input like any other: one that lists a file a publication cannot have (`../../x`, an
    /// absolute path) is refused, so that nothing reads or copies through it.
    pub(crate) fn read(year_dir: &Path) -> Result<Option<Manifest>, ReadError> {
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
        let foreign = manifest
            .letters
            .keys()
            .find(|file| !output::is_letter_file(file))
            .or_else(|| {
                manifest
                    .files
                    .keys()
                    .find(|file| !statistics::FILES.contains(&file.as_str()))
            });
        if let Some(file) = foreign {
            return Err(ReadError::Foreign {
                path,
                file: file.clone(),
            });
        }
        Ok(Some(manifest))
    }

    /// Writes the manifest durably into the year's folder.
    pub(crate) fn write(&self, folder: &YearFolder) -> Result<(), WriteError> {
        folder.write_file(MANIFEST_FILE, "manifest", |writer| {
            // Compact: the manifest is for tools (`jq .` shows it readably), and a large one is
            // written several times during a build.
            serde_json::to_writer(&mut *writer, self)?;
            writer.write_all(b"\n")
        })
    }

    /// Whether the letter `file` is recorded as made from `inputs_digest` and is still on disk
    /// exactly as recorded.
    pub(crate) fn is_current(&self, year_dir: &Path, file: &str, inputs_digest: &str) -> bool {
        self.letters.get(file).is_some_and(|entry| {
            entry.inputs_digest == inputs_digest
                && file_matches(&year_dir.join(file), &entry.sha256, entry.bytes)
        })
    }

    /// Whether the other file `name` is recorded with exactly `bytes` and is on disk as recorded.
    pub(crate) fn holds(&self, year_dir: &Path, name: &str, bytes: &[u8]) -> bool {
        self.files.get(name).is_some_and(|entry| {
            entry.sha256 == digest::sha256(bytes)
                && file_matches(&year_dir.join(name), &entry.sha256, entry.bytes)
        })
    }

    /// The recorded letters that no authority of `publication` makes any more.
    pub(crate) fn orphans<'a>(
        &'a self,
        publication: &'a Publication,
    ) -> impl Iterator<Item = (&'a String, &'a LetterEntry)> + 'a {
        let planned: std::collections::HashSet<String> =
            crate::plan::planned_files(publication).collect();
        self.letters
            .iter()
            .filter(move |(file, _)| !planned.contains(*file))
    }

    /// Forgets the orphaned letters whose files are gone (deleted by hand, as `status` suggests),
    /// so that the manifest claims nothing that is not on disk. Returns whether it forgot any.
    pub(crate) fn forget_missing_orphans(
        &mut self,
        year_dir: &Path,
        publication: &Publication,
    ) -> bool {
        let gone: Vec<String> = self
            .orphans(publication)
            .filter(|(file, _)| !year_dir.join(file).exists())
            .map(|(file, _)| file.clone())
            .collect();
        for file in &gone {
            self.letters.remove(file);
        }
        !gone.is_empty()
    }
}

/// Whether the file at `path` has exactly this checksum and size.
pub(crate) fn file_matches(path: &Path, sha256: &str, bytes: u64) -> bool {
    // The size is checked first: it costs nothing and catches most changes.
    std::fs::metadata(path).is_ok_and(|m| m.len() == bytes)
        && digest::sha256_file(path).is_ok_and(|(found, _)| found == sha256)
}
