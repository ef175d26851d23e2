//! The output folder of one year, `<output>/<year>/`: what may be in it, who may write it, and how.
//!
//! ```text
//! <output>/<year>/letters/<slug>.pdf   the letters
//! <output>/<year>/statistics.csv       every figure of every letter
//! <output>/<year>/statistics.json      the same, with each group's averages
//! <output>/<year>/manifest.json        what every file was made from
//! <output>/<year>/.lock                held by the run that writes (or reads) the folder
//! ```
//!
//! A build opens the folder for writing: the folder is created, checked and locked before any
//! letter is compiled, and temporary files a killed run left behind are removed. `archive` opens
//! it for reading, with a shared lock, so it works on a folder it cannot write.

pub(crate) mod site;
pub(crate) mod statistics;

use std::path::{Path, PathBuf};

use crate::files::{self, Batch, CopyError, Lock, LockError, PathError, WriteError};

pub(crate) const LETTERS_DIR: &str = "letters";
const LOCK_FILE: &str = ".lock";

/// The letter of authority `slug`, relative to the year's folder: `letters/<slug>.pdf`.
pub(crate) fn letter_file(slug: &str) -> String {
    format!("{LETTERS_DIR}/{slug}.pdf")
}

/// The slug of a letter file `letters/<slug>.pdf`, when `file` has that form.
pub(crate) fn slug_of_letter_file(file: &str) -> Option<&str> {
    file.strip_prefix("letters/")
        .and_then(|rest| rest.strip_suffix(".pdf"))
        .filter(|slug| !slug.is_empty() && !slug.contains(['/', '\\']) && !slug.starts_with('.'))
}

/// Whether `file` (relative to the year's folder) has the form of a letter: `letters/<name>.pdf`.
pub(crate) fn is_letter_file(file: &str) -> bool {
    slug_of_letter_file(file).is_some()
}

/// Why the output folder could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error("the year `{year}` cannot name a folder of `{}`: {source}", .output.display())]
    Year {
        output: PathBuf,
        year: String,
        #[source]
        source: PathError,
    },
    #[error("no built publication of {year} in `{}` (expected `{}`); run `annual-review build` first", .output.display(), .manifest.display())]
    NotBuilt {
        output: PathBuf,
        year: String,
        manifest: PathBuf,
    },
    #[error("`{}` is not a folder; move it away so that the letters can be written there", .0.display())]
    NotAFolder(PathBuf),
    #[error("cannot create `{}`: {source}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// One year's output folder, locked for as long as this lives.
pub(crate) struct YearFolder {
    dir: PathBuf,
    batch: Batch,
    _lock: Lock,
}

impl YearFolder {
    /// `<output>/<year>`, when `year` is a plain folder name.
    pub(crate) fn path(output: &Path, year: &str) -> Result<PathBuf, OutputError> {
        let error = |source| OutputError::Year {
            output: output.to_path_buf(),
            year: year.to_string(),
            source,
        };
        if year.contains('/') {
            return Err(error(PathError {
                given: year.to_string(),
                reason: "is not a single folder name",
            }));
        }
        files::contained(output, year).map_err(error)
    }

    /// Opens `<output>/<year>` for a build: creates it and its `letters/` folder, takes the
    /// exclusive lock and removes what a killed run left. Fails before anything is compiled when
    /// the folder cannot be used.
    pub(crate) fn open_for_writing(output: &Path, year: &str) -> Result<YearFolder, OutputError> {
        let dir = Self::path(output, year)?;
        let letters = dir.join(LETTERS_DIR);
        for folder in [&dir, &letters] {
            if folder.exists() && !folder.is_dir() {
                return Err(OutputError::NotAFolder(folder.clone()));
            }
        }
        std::fs::create_dir_all(&letters).map_err(|source| OutputError::Create {
            path: letters.clone(),
            source,
        })?;
        let lock = Lock::exclusive(&dir, &dir.join(LOCK_FILE), "writing to")?;
        for folder in walkdir::WalkDir::new(&dir)
            .into_iter()
            .flatten()
            .filter(|entry| entry.file_type().is_dir())
        {
            files::remove_temporaries(folder.path());
        }
        Ok(YearFolder {
            dir,
            batch: Batch::default(),
            _lock: lock,
        })
    }

    /// Opens a built `<output>/<year>` to read it: nothing is created, and a shared lock keeps
    /// builds out while it is read.
    pub(crate) fn open_for_reading(output: &Path, year: &str) -> Result<YearFolder, OutputError> {
        let dir = Self::path(output, year)?;
        let manifest = dir.join(crate::manifest::MANIFEST_FILE);
        if !manifest.is_file() {
            return Err(OutputError::NotBuilt {
                output: output.to_path_buf(),
                year: year.to_string(),
                manifest,
            });
        }
        let lock = Lock::shared(&dir, &dir.join(LOCK_FILE), "writing to")?;
        Ok(YearFolder {
            dir,
            batch: Batch::default(),
            _lock: lock,
        })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `file`, relative to the folder; `file` comes from our own names or a checked
    /// manifest key.
    pub(crate) fn join(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Puts a letter in place; durable with the next [`YearFolder::make_durable`].
    pub(crate) fn write_letter(&self, file: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.batch.write(&self.join(file), bytes, "letter")
    }

    /// Puts a letter's web page in place; durable with the next [`YearFolder::make_durable`].
    pub(crate) fn write_page(&self, file: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.batch.write(&self.join(file), bytes, "page")
    }

    /// Puts the site's copy of the letter `letter` (in place already) at `copy`.
    pub(crate) fn link_letter(&self, letter: &str, copy: &str) -> Result<(), WriteError> {
        self.batch
            .link(&self.join(letter), &self.join(copy), "site-letter")
            .map_err(|error| match error {
                CopyError::Read { path, source } => WriteError::new(&path, source),
                CopyError::Write(error) => error,
            })
    }

    /// Makes every letter written so far durable: call before a manifest claims them.
    pub(crate) fn make_durable(&self) -> Result<(), WriteError> {
        self.batch.make_durable()
    }

    /// Writes one of the folder's other files (statistics, the site's index and assets, the
    /// manifest) durably.
    pub(crate) fn write_file(
        &self,
        name: &str,
        kind: &str,
        write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), WriteError> {
        files::write_durable_with(&self.join(name), kind, write)
    }
}

/// A file of the year's folder other than the letters and their pages: what it should hold now.
pub(crate) struct OtherFile {
    /// Relative to the year's folder, e.g. `statistics.csv`, `site/index.html`.
    pub(crate) name: String,
    pub(crate) content: Content,
}

pub(crate) enum Content {
    /// The bytes it should have.
    Bytes(Vec<u8>),
    /// A page compiled from the template and this data (the site's index): compiled only when
    /// its inputs changed.
    Index {
        data: Vec<u8>,
        inputs_digest: String,
    },
}

/// Every file of the year's folder besides the letters and their pages, as the input and the
/// template make them now: the statistics files, and the site's index, data and assets.
pub(crate) fn other_files(prepared: &crate::plan::Prepared) -> Vec<OtherFile> {
    let statistics_files = statistics::render(&prepared.publication, &prepared.statistics);
    let mut files: Vec<OtherFile> = site::other_files(&prepared.template, &statistics_files)
        .into_iter()
        .chain(
            statistics_files
                .into_iter()
                .map(|(name, bytes)| (name.to_string(), bytes)),
        )
        .map(|(name, bytes)| OtherFile {
            name,
            content: Content::Bytes(bytes),
        })
        .collect();
    let data = site::index_data(&prepared.publication, &prepared.statistics);
    let inputs_digest =
        crate::digest::sha256(&[prepared.template.digest().as_bytes(), b"\n", &data].concat());
    files.push(OtherFile {
        name: site::INDEX_FILE.to_string(),
        content: Content::Index {
            data,
            inputs_digest,
        },
    });
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_files_have_one_shape() {
        assert!(is_letter_file("letters/kent-county-council.pdf"));
        for bad in [
            "letters/.pdf",
            "letters/../x.pdf",
            "letters/a/b.pdf",
            "statistics.csv",
            "/etc/passwd",
            "letters/.lock.pdf",
        ] {
            assert!(!is_letter_file(bad), "{bad}");
        }
    }
}
