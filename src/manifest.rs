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

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::digest;
use crate::files::WriteError;
use crate::input::Publication;
use crate::letter::LetterData;
use crate::output::{self, Content, OtherFile, YearFolder, site, statistics};

pub(crate) const MANIFEST_FILE: &str = "manifest.json";
/// Bumped when the manifest's shape changes incompatibly (2: the web edition's pages).
const FORMAT: u32 = 2;

/// The tool's name and version, as recorded in manifests and PDFs.
pub(crate) fn tool() -> String {
    format!("annual-review {}", env!("CARGO_PKG_VERSION"))
}

/// A whole manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub(crate) format: u32,
    pub(crate) year: String,
    /// The parameters of the last run that changed anything.
    pub(crate) run: RunParameters,
    /// Letters by file, relative to the year's folder: `letters/kent-county-council.pdf`.
    pub(crate) letters: BTreeMap<String, LetterEntry>,
    /// Other files of the year's folder: `statistics.csv`, `statistics.json` and the site's
    /// index, data and assets (`site/index.html`, …).
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
    /// When the file was put in place ([`modified`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) modified: Option<u64>,
    /// For a file compiled from data (the site's index): the SHA-256 of what it was made from,
    /// so that a build knows it is current without compiling it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inputs_digest: Option<String>,
}

impl FileEntry {
    /// The entry of `bytes`, just written to `path`.
    pub(crate) fn of(bytes: &[u8], path: &Path) -> FileEntry {
        FileEntry {
            sha256: digest::sha256(bytes),
            bytes: bytes.len() as u64,
            modified: modified(path),
            inputs_digest: None,
        }
    }
}

/// One letter: the file, and what it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LetterEntry {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) bytes: u64,
    /// When the letter was put in place ([`modified`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) modified: Option<u64>,
    /// The letter's web page, `site/councils/<slug>.html`, made with it. (The site's copy of the
    /// letter, `site/letters/<slug>.pdf`, is the letter's own file.)
    pub(crate) page: FileEntry,
    /// The SHA-256 of `made_from`, serialized as JSON.
    pub(crate) inputs_digest: String,
    /// What the letter was made from ([`MadeFrom`]), kept as the JSON it was written as: a build
    /// only compares digests, so only `status`, to say what changed, parses it
    /// ([`LetterEntry::made_from`]). Reading and writing a large manifest stays cheap.
    #[serde(rename = "made_from")]
    pub(crate) made_from_json: Box<RawValue>,
}

/// What of a letter is not on disk as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mismatch {
    Letter,
    Page,
    SiteLetter,
}

impl LetterEntry {
    /// What the letter was made from; `None` if the recorded JSON is not a [`MadeFrom`] this
    /// version understands.
    pub(crate) fn made_from(&self) -> Option<MadeFrom> {
        serde_json::from_str(self.made_from_json.get()).ok()
    }

    /// The files of the letter `file` (the letter, its page, the site's copy) that are missing or
    /// differ from the record; empty when all hold.
    pub(crate) fn on_disk(&self, year_dir: &Path, file: &str) -> Vec<Mismatch> {
        let slug = output::slug_of_letter_file(file).unwrap_or_default();
        let mut mismatches = Vec::new();
        if !file_matches(
            &year_dir.join(file),
            &self.sha256,
            self.bytes,
            self.modified,
        ) {
            mismatches.push(Mismatch::Letter);
        }
        if !file_matches(
            &year_dir.join(site::page_file(slug)),
            &self.page.sha256,
            self.page.bytes,
            self.page.modified,
        ) {
            mismatches.push(Mismatch::Page);
        }
        if !file_matches(
            &year_dir.join(site::site_letter_file(slug)),
            &self.sha256,
            self.bytes,
            self.modified,
        ) {
            mismatches.push(Mismatch::SiteLetter);
        }
        mismatches
    }
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
    /// As the manifest records it, and the SHA-256 of that JSON.
    pub(crate) fn recorded(&self) -> (Box<RawValue>, String) {
        let json = serde_json::value::to_raw_value(self).expect("plain data serializes");
        let digest = digest::sha256(json.get().as_bytes());
        (json, digest)
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
    #[error("`{}` lists `{file}`, which is not a file of a publication (expected `letters/<name>.pdf`, {}, or a file of the site's index, data or assets)", .path.display(), known_files())]
    Foreign { path: PathBuf, file: String },
}

fn known_files() -> String {
    statistics::FILES.map(|f| format!("`{f}`")).join(", ")
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
                manifest.files.keys().find(|file| {
                    !statistics::FILES.contains(&file.as_str()) && !site::is_site_file(file)
                })
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
    /// exactly as recorded, with its page and the site's copy.
    pub(crate) fn is_current(&self, year_dir: &Path, file: &str, inputs_digest: &str) -> bool {
        self.letters.get(file).is_some_and(|entry| {
            entry.inputs_digest == inputs_digest && entry.on_disk(year_dir, file).is_empty()
        })
    }

    /// Whether the other file is recorded as it should be now (its bytes, or what it was made
    /// from) and is on disk as recorded.
    pub(crate) fn holds(&self, year_dir: &Path, file: &OtherFile) -> bool {
        self.files.get(&file.name).is_some_and(|entry| {
            let recorded = match &file.content {
                Content::Bytes(bytes) => entry.sha256 == digest::sha256(bytes),
                Content::Index { inputs_digest, .. } => {
                    entry.inputs_digest.as_deref() == Some(inputs_digest.as_str())
                }
            };
            recorded
                && file_matches(
                    &year_dir.join(&file.name),
                    &entry.sha256,
                    entry.bytes,
                    entry.modified,
                )
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

/// When the file at `path` was last modified, in nanoseconds since 1970.
pub(crate) fn modified(path: &Path) -> Option<u64> {
    modified_of(&std::fs::metadata(path).ok()?)
}

fn modified_of(metadata: &std::fs::Metadata) -> Option<u64> {
    let since = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    u64::try_from(since.as_nanos()).ok()
}

/// Whether the file at `path` has exactly this checksum and size. A file of the recorded size
/// whose modification time is still the one recorded when it was put in place is taken as
/// unchanged without reading it, as git takes its files (a build looks at every letter and asset
/// of the year, and most have not changed); `None` for `modified` always reads it, as `archive`
/// does.
pub(crate) fn file_matches(path: &Path, sha256: &str, bytes: u64, modified: Option<u64>) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else {
        return false;
    };
    if metadata.len() != bytes {
        return false;
    }
    let unchanged = modified.is_some() && modified == modified_of(&metadata);
    unchanged || digest::sha256_file(path).is_ok_and(|(found, _)| found == sha256)
}
