//! The output folder of one year, `<output>/<year>/`: who may use it, and how its files are put
//! in place and taken away. Its names are [`crate::layout`]'s.
//!
//! A build opens the folder for writing: the folder is created, checked and locked before any
//! letter is compiled, and temporary files a killed run left behind are removed. `status` and
//! `archive` open it for reading, with a shared lock, so they work on a folder they cannot write.
//! Files are written through [`crate::files`] (durable atomic writes); every write and removal
//! passes failpoints named after the kind of file ([`crate::layout::FileKind::name`]).

use std::path::{Path, PathBuf};

use crate::failpoint;
use crate::files::{self, Batch, CopyError, Lock, LockError, PathError, WriteError};
use crate::layout;

/// Why the output folder could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OutputError {
    #[error("the year `{year}` cannot name a folder of `{}`", .output.display())]
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
    #[error("cannot create `{}`", .path.display())]
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
        let letters = dir.join(layout::LETTERS_DIR);
        for folder in [&dir, &letters] {
            if folder.exists() && !folder.is_dir() {
                return Err(OutputError::NotAFolder(folder.clone()));
            }
        }
        std::fs::create_dir_all(&letters).map_err(|source| OutputError::Create {
            path: letters.clone(),
            source,
        })?;
        let lock = Lock::exclusive(&dir, &dir.join(layout::LOCK))?;
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
        let manifest = dir.join(layout::MANIFEST);
        if !manifest.is_file() {
            return Err(OutputError::NotBuilt {
                output: output.to_path_buf(),
                year: year.to_string(),
                manifest,
            });
        }
        let lock = Lock::shared(&dir, &dir.join(layout::LOCK), "writing to")?;
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

    /// Puts `bytes` in place as `file`; durable with the next [`YearFolder::make_durable`].
    pub(crate) fn write(&self, file: &str, bytes: &[u8]) -> Result<(), WriteError> {
        self.batch.write(&self.join(file), bytes, kind(file))
    }

    /// Puts the file `of` (in place already) at `file` too: the site's copy of a letter.
    pub(crate) fn copy(&self, of: &str, file: &str) -> Result<(), WriteError> {
        self.batch
            .link(&self.join(of), &self.join(file), kind(file))
            .map_err(|error| match error {
                CopyError::Read { path, source } => WriteError::new(&path, source),
                CopyError::Write(error) => error,
            })
    }

    /// Removes `file` (a file the tool made, that the plan no longer holds), and the folders it
    /// leaves empty up to the year's folder; durable with the next
    /// [`YearFolder::make_durable`]. Passes the failpoint `remove:<kind>` first.
    pub(crate) fn remove(&self, file: &str) -> Result<(), WriteError> {
        let path = self.join(file);
        failpoint::pass(&format!("remove:{}", kind(file)))
            .and_then(|()| std::fs::remove_file(&path))
            .or_else(|error| match error.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(error),
            })
            .map_err(|error| WriteError::new(&path, error))?;
        let mut folder = path.parent().unwrap_or(&self.dir);
        while folder != self.dir && folder.starts_with(&self.dir) {
            // Only an empty folder goes; one with anything in it stays.
            if std::fs::remove_dir(folder).is_err() {
                break;
            }
            folder = folder.parent().unwrap_or(&self.dir);
        }
        self.batch.track_folder(folder);
        Ok(())
    }

    /// Makes every file put in place or removed so far durable: call before a manifest says so.
    pub(crate) fn make_durable(&self) -> Result<(), WriteError> {
        self.batch.make_durable()
    }
}

/// The kind of `file` for failpoints: `letter`, `page`, `site-letter`, `index`, `statistics`,
/// `asset`.
fn kind(file: &str) -> &'static str {
    layout::classify(file).map_or("other", |kind| kind.name())
}
