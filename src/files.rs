//! Files on disk that survive crashes: durable atomic writes, folder locks, and paths that stay
//! inside their folder. The output folder and the archive both write through here, so the rules
//! live in one place:
//!
//! - A file is written under a temporary name beside its destination, flushed to the disk, and
//!   renamed into place; the folder is then flushed too, so the rename itself survives a power
//!   cut. A reader, or a run killed half-way, never sees a torn file, and a reported success is
//!   durable.
//! - Many files written together ([`Batch`]) are flushed once, before whatever claims them (a
//!   manifest, a commit rename) is written: one flush of the file system instead of one per file.
//! - A folder is locked with an operating-system lock that is released when the process ends,
//!   however it ends.
//! - A path built from a flag, a manifest key or an input value is checked to be a plain relative
//!   path before it is joined to its folder.
//!
//! Every write passes failpoints ([`crate::failpoint`]) named `write:<kind>` before its rename and
//! `renamed:<kind>` after it, so tests can stop the program at each.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::failpoint;

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("cannot write `{}`", .path.display())]
pub(crate) struct WriteError {
    pub(crate) path: PathBuf,
    #[source]
    pub(crate) source: std::io::Error,
}

impl WriteError {
    pub(crate) fn new(path: &Path, source: std::io::Error) -> Self {
        WriteError {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Whether a file name is one of our temporary files: `.<pid>-<n>.tmp`.
pub(crate) fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// A temporary name in `dir`, unique in this process and free of the destination's name, so that
/// it is short whatever the destination is called.
fn temporary_in(dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(".{}-{n}.tmp", std::process::id()))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` durably and atomically; `kind` names the failpoints.
pub(crate) fn write_durable(path: &Path, bytes: &[u8], kind: &str) -> Result<(), WriteError> {
    write_durable_with(path, kind, |writer| writer.write_all(bytes))
}

/// Writes to `path` durably and atomically what `write` writes, streaming it.
pub(crate) fn write_durable_with(
    path: &Path,
    kind: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    replace(path, kind, true, write)?;
    sync_dir(parent(path))
}

/// Writes a temporary file, renames it over `path`; flushes the file first when `sync`.
fn replace(
    path: &Path,
    kind: &str,
    sync: bool,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let dir = parent(path);
    std::fs::create_dir_all(dir).map_err(|e| WriteError::new(dir, e))?;
    let temporary = temporary_in(dir);
    let result = (|| {
        let file = std::fs::File::create(&temporary)?;
        let mut writer = std::io::BufWriter::new(file);
        write(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        if sync {
            file.sync_all()?;
        }
        failpoint::pass(&format!("write:{kind}"))?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|e| WriteError::new(path, e))?;
    failpoint::pass(&format!("renamed:{kind}")).map_err(|e| WriteError::new(path, e))
}

/// Renames `from` to `to` (a file or a folder) and flushes the folder, so the rename survives a
/// power cut; `kind` names the failpoint passed after it, `renamed:<kind>`.
pub(crate) fn rename_durable(from: &Path, to: &Path, kind: &str) -> Result<(), WriteError> {
    std::fs::rename(from, to).map_err(|e| WriteError::new(to, e))?;
    sync_dir(parent(to))?;
    failpoint::pass(&format!("renamed:{kind}")).map_err(|e| WriteError::new(to, e))
}

/// Flushes a folder's entries (names, renames) to the disk.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), WriteError> {
    // Opening a folder to flush it works on Unix; elsewhere renames are durable on their own.
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|folder| folder.sync_all())
        .map_err(|e| WriteError::new(dir, e))?;
    Ok(())
}

/// Files written together and made durable together, before anything that claims them is.
#[derive(Default)]
pub(crate) struct Batch {
    /// Written since the last [`Batch::make_durable`]: the files and their folders.
    pending: Mutex<Vec<PathBuf>>,
}

impl Batch {
    /// Writes `bytes` to `path` atomically; durable after the next [`Batch::make_durable`].
    pub(crate) fn write(&self, path: &Path, bytes: &[u8], kind: &str) -> Result<(), WriteError> {
        replace(path, kind, false, |writer| writer.write_all(bytes))?;
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
        Ok(())
    }

    /// Copies `from` to `to` atomically; durable after the next [`Batch::make_durable`].
    pub(crate) fn copy(&self, from: &Path, to: &Path, kind: &str) -> Result<(), CopyError> {
        let mut source = std::fs::File::open(from).map_err(|source| CopyError::Read {
            path: from.to_path_buf(),
            source,
        })?;
        replace(to, kind, false, |writer| {
            std::io::copy(&mut source, writer).map(drop)
        })
        .map_err(CopyError::Write)?;
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(to.to_path_buf());
        Ok(())
    }

    /// Puts `from`'s file at `to` as well, atomically: a hard link where the file system has them
    /// (the same bytes, no copy), a copy otherwise; durable after the next
    /// [`Batch::make_durable`].
    pub(crate) fn link(&self, from: &Path, to: &Path, kind: &str) -> Result<(), CopyError> {
        let dir = parent(to);
        std::fs::create_dir_all(dir).map_err(|e| CopyError::Write(WriteError::new(dir, e)))?;
        let temporary = temporary_in(dir);
        if std::fs::hard_link(from, &temporary).is_err() {
            return self.copy(from, to, kind);
        }
        let renamed = failpoint::pass(&format!("write:{kind}"))
            .and_then(|()| std::fs::rename(&temporary, to));
        // Renaming a name over another name of the same file does nothing (POSIX): `to` was
        // that file already, and the temporary name is left to remove.
        let _ = std::fs::remove_file(&temporary);
        if let Err(error) = renamed {
            return Err(CopyError::Write(WriteError::new(to, error)));
        }
        failpoint::pass(&format!("renamed:{kind}"))
            .map_err(|e| CopyError::Write(WriteError::new(to, e)))?;
        self.track(to);
        Ok(())
    }

    /// Counts a file put in place by other means (a hard link) among those to make durable.
    pub(crate) fn track(&self, path: &Path) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
    }

    /// Counts a change to the folder `dir` (a file removed from it) among those to make durable.
    pub(crate) fn track_folder(&self, dir: &Path) {
        self.track(&dir.join("-"));
    }

    /// Makes every file written since the last call durable, with its name.
    pub(crate) fn make_durable(&self) -> Result<(), WriteError> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let dirs: std::collections::BTreeSet<&Path> = pending.iter().map(|p| parent(p)).collect();
        flush(&pending, &dirs)
    }
}

/// Flushes the written `files` and their folders `dirs` to the disk.
#[cfg(target_os = "linux")]
fn flush(_files: &[PathBuf], dirs: &std::collections::BTreeSet<&Path>) -> Result<(), WriteError> {
    // One flush of the file system costs about what one file's flush does; flushing each of 339
    // letters on its own would add a sixth to a national batch.
    for dir in dirs {
        match std::fs::File::open(dir)
            .and_then(|folder| rustix::fs::syncfs(&folder).map_err(std::io::Error::from))
        {
            // A folder emptied and removed after a file in it was: the removal tracked its
            // parent, which is flushed too.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            result => result.map_err(|e| WriteError::new(dir, e))?,
        }
    }
    Ok(())
}

/// Flushes the written `files` and their folders `dirs` to the disk.
#[cfg(not(target_os = "linux"))]
fn flush(files: &[PathBuf], dirs: &std::collections::BTreeSet<&Path>) -> Result<(), WriteError> {
    // A tracked folder's stand-in name (`<folder>/-`) and removed files are not there to flush.
    for file in files.iter().filter(|file| file.is_file()) {
        std::fs::File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| WriteError::new(file, e))?;
    }
    // A folder removed after a file in it was is flushed by its parent, which the removal tracked.
    dirs.iter()
        .filter(|dir| dir.exists())
        .try_for_each(|dir| sync_dir(dir))
}

/// Why a file could not be copied.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CopyError {
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(WriteError),
}

/// Removes the temporary files a killed run may have left in `dir`. Only call this while holding
/// the lock of the folder: another run's temporary files are live.
pub(crate) fn remove_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(is_temporary) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A held lock on a folder; released when dropped or when the process ends.
#[derive(Debug)]
pub(crate) struct Lock {
    _file: Option<std::fs::File>,
}

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    /// The folder is held by another run; `activity` says what that run does, as far as this one
    /// can know it.
    #[error("another run is {activity} `{}`; wait for it to finish (lock file `{}`)", .dir.display(), .lock.display())]
    Busy {
        dir: PathBuf,
        lock: PathBuf,
        activity: &'static str,
    },
    #[error("cannot lock `{}`", .lock.display())]
    Io {
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Lock {
    /// Takes the exclusive lock of `dir` through the file `lock`, creating it: for a run that
    /// writes. The run that holds it may be reading or writing: a second run is told so.
    pub(crate) fn exclusive(dir: &Path, lock: &Path) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            lock: lock.to_path_buf(),
            source,
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                dir: dir.to_path_buf(),
                lock: lock.to_path_buf(),
                activity: "reading or writing",
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(io(source)),
        }
    }

    /// Takes a shared lock of `dir` through the file `lock`: for a run that only reads, which
    /// many may do at once but not while a writer runs; `activity` says what a writer does, for
    /// the message. A folder that cannot be written (a read-only copy) has no writer to wait for,
    /// so its reader needs no lock.
    pub(crate) fn shared(
        dir: &Path,
        lock: &Path,
        activity: &'static str,
    ) -> Result<Lock, LockError> {
        Self::shared_with(dir, lock, activity, true)
    }

    /// [`Lock::shared`], but only where the lock file exists: for a reader that creates nothing
    /// (`verify`, which may be pointed at a bag anywhere).
    pub(crate) fn shared_if_present(
        dir: &Path,
        lock: &Path,
        activity: &'static str,
    ) -> Result<Lock, LockError> {
        Self::shared_with(dir, lock, activity, false)
    }

    fn shared_with(
        dir: &Path,
        lock: &Path,
        activity: &'static str,
        create: bool,
    ) -> Result<Lock, LockError> {
        let file = match std::fs::File::open(lock) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !create => {
                return Ok(Lock { _file: None });
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(lock)
                {
                    Ok(file) => file,
                    Err(_) => return Ok(Lock { _file: None }),
                }
            }
            Err(source) => {
                return Err(LockError::Io {
                    lock: lock.to_path_buf(),
                    source,
                });
            }
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(Lock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Busy {
                dir: dir.to_path_buf(),
                lock: lock.to_path_buf(),
                activity,
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(LockError::Io {
                lock: lock.to_path_buf(),
                source,
            }),
        }
    }
}

/// A relative path that left its folder, or could not name a file in it.
#[derive(Debug, thiserror::Error)]
#[error("`{given}` {reason}")]
pub(crate) struct PathError {
    pub(crate) given: String,
    pub(crate) reason: &'static str,
}

/// `base` joined with `relative`, when `relative` is a plain relative path: `/`-separated names,
/// none empty, `.` or `..`, none starting with a dot (our own hidden files), no root, drive or
/// backslash. Checked before anything is created from it.
pub(crate) fn contained(base: &Path, relative: &str) -> Result<PathBuf, PathError> {
    let error = |reason| PathError {
        given: relative.to_string(),
        reason,
    };
    if relative.is_empty() {
        return Err(error("is empty"));
    }
    if relative.contains(['\\', '\0']) {
        return Err(error("has a backslash or NUL in it"));
    }
    let path = Path::new(relative);
    if path.is_absolute() || relative.starts_with('/') {
        return Err(error("is an absolute path"));
    }
    for part in relative.split('/') {
        if part.is_empty() {
            return Err(error("has an empty part"));
        }
    }
    for component in path.components() {
        match component {
            Component::Normal(name) if !name.to_string_lossy().starts_with('.') => {}
            Component::Normal(_) => return Err(error("names a hidden file")),
            Component::ParentDir => return Err(error("leaves its folder (`..`)")),
            _ => return Err(error("is not a plain relative path")),
        }
    }
    Ok(base.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_contained() {
        let base = Path::new("out");
        assert_eq!(
            contained(base, "letters/kent.pdf").unwrap(),
            Path::new("out/letters/kent.pdf")
        );
        for bad in [
            "",
            "../x",
            "letters/../../x",
            "/etc/passwd",
            "a//b",
            "./a",
            ".lock",
            "letters/.hidden",
            "a\\b",
            "a/",
        ] {
            assert!(contained(base, bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_durable_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_durable(&path, b"one", "test").unwrap();
        write_durable(&path, b"two", "test").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
