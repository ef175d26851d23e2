//! `manifest.json`: the record of what a build put in a year's folder — every file with its
//! SHA-256, its size and what it was made from — and `.stamps.json`, when each was put in place.
//!
//! A plain record: it knows the year folder's names ([`crate::layout`]) and how to write a file
//! durably ([`crate::files`]), and nothing of plans, templates or commands. What the record means
//! for a build (which files are current, and why the others are not) is [`crate::fresh`]'s.
//!
//! The manifest on disk is always true: a file is claimed only after it is in place and flushed,
//! the claim on a file about to be replaced is dropped (and the manifest written) before it is
//! replaced, and a file about to be removed is removed before its claim is dropped. It holds
//! nothing about a run (no times, no flags): a build with the same bytes writes the same manifest,
//! so the archive sees the same publication.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::digest;
use crate::files::{self, WriteError};
use crate::layout;

/// The manifest's shape. 3: one entry per file, with what it was made from (2 recorded letters
/// with their pages and the other files apart, and the run's flags).
pub(crate) const FORMAT: u32 = 3;

/// A whole manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub(crate) format: u32,
    pub(crate) year: String,
    /// Every file the tool put in the year's folder, by its path relative to the folder.
    pub(crate) files: BTreeMap<String, Entry>,
    /// The data compiled files were made from, by the SHA-256 of its JSON: kept so that `status`
    /// can say in words what changed. A letter and its web page share one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) data: BTreeMap<String, Box<RawValue>>,
    /// The template files compiles read, each set by the SHA-256 of its JSON: most of a year's
    /// letters read the same files, so each set is kept once.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) reads: BTreeMap<String, TemplateFiles>,
    /// Files the tool made that a build was removing when this was written: no longer claimed as
    /// the year's, but still the tool's, so that the next build finishes removing them (and never
    /// takes them for someone else's) if the one that began was stopped.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) removing: BTreeMap<String, Entry>,
}

/// Template files by their path in the template folder, with their SHA-256.
pub(crate) type TemplateFiles = BTreeMap<String, String>;

/// One file: its checksum and size, and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) sha256: String,
    pub(crate) bytes: u64,
    pub(crate) made_from: MadeFrom,
}

/// What a file was made from: what must be the same now for it to be current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum MadeFrom {
    /// Bytes the build had in hand (the statistics files, the site's data and assets): current
    /// while they are the bytes the input and the template give now.
    Content,
    /// A copy of another file of the year (the site's copy of a letter): current while it has
    /// that file's bytes.
    Copy { of: String },
    /// Compiled by Typst from a template.
    Compiled(Inputs),
    /// Recorded by an earlier version of the tool, which did not say: never current.
    Unknown,
}

/// Everything a compiled file's bytes depend on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Inputs {
    /// The tool's name and version ([`crate::TOOL`]).
    pub(crate) tool: String,
    /// The SHA-256 of the template's fonts together: Typst chooses among all of them.
    pub(crate) fonts: String,
    /// The template's files the compile read, with their SHA-256, as the digest of the set the
    /// manifest keeps ([`Manifest::reads`]): a change to any other file of the template leaves
    /// this file current.
    pub(crate) template: String,
    /// The SHA-256 of the council's commentary, when the letter has some.
    pub(crate) commentary: Option<String>,
    /// The SHA-256 of the document's data, as JSON.
    pub(crate) data: String,
}

/// Why the manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReadError {
    #[error("cannot read `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a manifest this version understands", .path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("`{}` was written by a newer version of annual-review (manifest format {found}; this version understands {FORMAT} and earlier)\n  hint: build this year with that version, or with this one into another --output", .path.display())]
    Newer { path: PathBuf, found: u64 },
    #[error("`{}` lists `{file}`, which is not a file of a publication (expected `letters/<name>.pdf`, `statistics.csv`, `statistics.json`, or a file of the site)", .path.display())]
    Foreign { path: PathBuf, file: String },
}

impl Manifest {
    pub(crate) fn new(year: &str) -> Manifest {
        Manifest {
            format: FORMAT,
            year: year.to_string(),
            files: BTreeMap::new(),
            data: BTreeMap::new(),
            reads: BTreeMap::new(),
            removing: BTreeMap::new(),
        }
    }

    /// Reads the manifest of the year's folder `year_dir`; `Ok(None)` when there is none yet. A
    /// manifest is input like any other: one that lists a file a publication cannot have
    /// (`../../x`, an absolute path) is refused, so that nothing reads, copies or removes through
    /// it; one from a newer version is refused rather than misread.
    pub(crate) fn read(year_dir: &Path) -> Result<Option<Manifest>, ReadError> {
        let path = year_dir.join(layout::MANIFEST);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ReadError::Io { path, source }),
        };
        let format_error = |source| ReadError::Format {
            path: path.clone(),
            source,
        };
        #[derive(Deserialize)]
        struct Format {
            format: u64,
        }
        let found = serde_json::from_slice::<Format>(&bytes)
            .map_err(format_error)?
            .format;
        let manifest = match found {
            2 => earlier::read(&bytes).map_err(format_error)?,
            found if found == u64::from(FORMAT) => {
                serde_json::from_slice(&bytes).map_err(format_error)?
            }
            found if found > u64::from(FORMAT) => return Err(ReadError::Newer { path, found }),
            _ => {
                return Err(format_error(serde::de::Error::custom(format!(
                    "unknown format {found}"
                ))));
            }
        };
        if let Some(file) = manifest
            .files
            .keys()
            .chain(manifest.removing.keys())
            .find(|file| layout::classify(file).is_none())
        {
            return Err(ReadError::Foreign {
                path,
                file: file.clone(),
            });
        }
        Ok(Some(manifest))
    }

    /// Writes the manifest durably into the year's folder `year_dir`, without the data and the
    /// sets of template files no entry refers to any more.
    pub(crate) fn write(&mut self, year_dir: &Path) -> Result<(), WriteError> {
        let compiled = || {
            self.files
                .values()
                .chain(self.removing.values())
                .filter_map(|entry| match &entry.made_from {
                    MadeFrom::Compiled(inputs) => Some(inputs),
                    _ => None,
                })
        };
        let data: std::collections::HashSet<String> =
            compiled().map(|inputs| inputs.data.clone()).collect();
        let reads: std::collections::HashSet<String> =
            compiled().map(|inputs| inputs.template.clone()).collect();
        self.data.retain(|digest, _| data.contains(digest));
        self.reads.retain(|digest, _| reads.contains(digest));
        files::write_durable_with(&year_dir.join(layout::MANIFEST), "manifest", |writer| {
            // Compact: the manifest is for tools (`jq .` shows it readably), and a large one is
            // written several times during a build.
            serde_json::to_writer(&mut *writer, &*self)?;
            writer.write_all(b"\n")
        })
    }

    /// Records `data` (JSON) for compiled files to refer to by its digest.
    pub(crate) fn keep_data(&mut self, digest: &str, data: &RawValue) {
        if !self.data.contains_key(digest) {
            self.data.insert(digest.to_string(), data.to_owned());
        }
    }

    /// Records the set of template files a compile read, and returns the digest entries refer
    /// to it by.
    pub(crate) fn keep_reads(&mut self, files: TemplateFiles) -> String {
        let json = serde_json::to_vec(&files).expect("plain data serializes");
        let digest = digest::sha256(&json);
        self.reads.entry(digest.clone()).or_insert(files);
        digest
    }
}

/// The size and modification time of each file as it was put in place, with its SHA-256: a file
/// of the recorded size whose time has not moved is taken as unchanged without reading it, as git
/// takes its files (a build looks at every file of the year, and most have not changed). Only a
/// cache: a missing or stale stamp means the file is read, never that it is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamps(BTreeMap<String, Stamp>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    sha256: String,
    bytes: u64,
    /// Nanoseconds since 1970.
    modified: u64,
}

impl Stamps {
    /// The stamps of the year's folder; none when they cannot be read.
    pub(crate) fn read(year_dir: &Path) -> Stamps {
        std::fs::read(year_dir.join(layout::STAMPS))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the stamps of the files `manifest` lists (those of other files are dropped).
    pub(crate) fn write(&mut self, year_dir: &Path, manifest: &Manifest) -> Result<(), WriteError> {
        self.0.retain(|file, stamp| {
            manifest
                .files
                .get(file)
                .is_some_and(|entry| entry.sha256 == stamp.sha256 && entry.bytes == stamp.bytes)
        });
        files::write_durable_with(&year_dir.join(layout::STAMPS), "stamps", |writer| {
            serde_json::to_writer(&mut *writer, &*self)?;
            writer.write_all(b"\n")
        })
    }

    /// Stamps `file` (relative to `year_dir`), just put in place with these bytes.
    pub(crate) fn stamp(&mut self, year_dir: &Path, file: &str, sha256: &str, bytes: u64) {
        match modified(&year_dir.join(file)) {
            Some(modified) => {
                self.0.insert(
                    file.to_string(),
                    Stamp {
                        sha256: sha256.to_string(),
                        bytes,
                        modified,
                    },
                );
            }
            None => {
                self.0.remove(file);
            }
        }
    }

    /// Whether `file` (relative to `year_dir`) is on disk with exactly this checksum and size:
    /// by its stamp when its size and time are as stamped, by reading it otherwise.
    pub(crate) fn holds(&self, year_dir: &Path, file: &str, sha256: &str, bytes: u64) -> bool {
        let path = year_dir.join(file);
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            return false;
        };
        if !metadata.is_file() || metadata.len() != bytes {
            return false;
        }
        let stamped = self.0.get(file).is_some_and(|stamp| {
            stamp.sha256 == sha256
                && stamp.bytes == bytes
                && Some(stamp.modified) == modified_of(&metadata)
        });
        stamped || file_holds(&path, sha256, bytes)
    }
}

/// Whether the file at `path` has exactly this checksum and size, reading all of it.
pub(crate) fn file_holds(path: &Path, sha256: &str, bytes: u64) -> bool {
    digest::sha256_file(path).is_ok_and(|(found, size)| found == sha256 && size == bytes)
}

/// When the file at `path` was last modified, in nanoseconds since 1970.
fn modified(path: &Path) -> Option<u64> {
    modified_of(&std::fs::symlink_metadata(path).ok()?)
}

fn modified_of(metadata: &std::fs::Metadata) -> Option<u64> {
    let since = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    u64::try_from(since.as_nanos()).ok()
}

/// Manifests of format 2: letters (with their pages and site copies) and other files, recorded
/// apart. Read so that a build knows which files an earlier version made (and may remove them when
/// they no longer belong); none of them is current, since format 2 did not record what each read.
mod earlier {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::{Entry, MadeFrom, Manifest};
    use crate::layout::{self, Edition, FileKind};

    #[derive(Deserialize)]
    struct Format2 {
        year: String,
        letters: BTreeMap<String, Letter>,
        files: BTreeMap<String, File>,
    }

    #[derive(Deserialize)]
    struct Letter {
        sha256: String,
        bytes: u64,
        page: File,
    }

    #[derive(Deserialize)]
    struct File {
        sha256: String,
        bytes: u64,
    }

    pub(super) fn read(bytes: &[u8]) -> serde_json::Result<Manifest> {
        let old: Format2 = serde_json::from_slice(bytes)?;
        let mut manifest = Manifest::new(&old.year);
        let mut add = |file: String, sha256: &str, bytes: u64| {
            let entry = Entry {
                sha256: sha256.to_string(),
                bytes,
                made_from: MadeFrom::Unknown,
            };
            manifest.files.insert(file, entry);
        };
        for (file, letter) in &old.letters {
            if let Some(FileKind::Council { slug, .. }) = layout::classify(file) {
                add(file.clone(), &letter.sha256, letter.bytes);
                add(layout::site_letter(&slug), &letter.sha256, letter.bytes);
                add(
                    Edition::Page.file(&slug),
                    &letter.page.sha256,
                    letter.page.bytes,
                );
            } else {
                // Kept as it is: reading the manifest refuses it with its name.
                add(file.clone(), &letter.sha256, letter.bytes);
            }
        }
        for (file, entry) in &old.files {
            add(file.clone(), &entry.sha256, entry.bytes);
        }
        Ok(manifest)
    }
}
