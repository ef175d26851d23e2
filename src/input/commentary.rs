//! `commentary/CODE.typ`: optional council-specific sections of the letters.
//!
//! Only regular files inside the input folder are read. A link is followed only when it leads
//! to a file inside the input folder, and nothing that is not a regular file is ever opened (a
//! named pipe would make `check` wait for a writer forever). Everything else in the folder is
//! reported, except hidden files such as `.DS_Store`, which file managers leave everywhere.

use std::fs::FileType;
use std::path::{Path, PathBuf};

use super::Commentary;
use super::authorities::{AuthorityLookup, Resolution, nfc};
use super::problems::{Location, Problem, Problems, read_file, utf8_text};

/// What a commentary file's name must look like, for messages.
const NAMED: &str = "named after an authority's code, `CODE.typ`";

/// Reads every `CODE.typ` file of `dir` (a missing folder means no commentary) into a list
/// indexed like the authorities. `input_dir` is the folder no link may lead out of.
pub(crate) fn load(
    dir: &Path,
    input_dir: &Path,
    lookup: &AuthorityLookup,
    authority_count: usize,
    problems: &mut Problems,
) -> Vec<Option<Commentary>> {
    let mut commentary = vec![None; authority_count];
    match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => {}
        Ok(metadata) => {
            problems.push(Problem::new(
                Location::file(dir),
                format!(
                    "found {}, expected a folder of commentary files named `CODE.typ`",
                    kind_of(metadata.file_type())
                ),
            ));
            return commentary;
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return commentary,
        Err(error) => {
            problems.push(Problem::new(
                Location::file(dir),
                format!("cannot read: {error}"),
            ));
            return commentary;
        }
    }
    let inside = std::fs::canonicalize(input_dir).unwrap_or_else(|_| input_dir.to_path_buf());
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.flatten().map(|entry| entry.path()).collect(),
        Err(error) => {
            problems.push(Problem::new(
                Location::file(dir),
                format!("cannot read: {error}"),
            ));
            return commentary;
        }
    };
    paths.sort();
    for path in paths {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with('.') {
            continue;
        }
        if !is_regular_file_inside(&path, &inside, problems) {
            continue;
        }
        let Some(stem) = file_name.strip_suffix(".typ") else {
            // `E10000016.TYP`, `E10000016.typ.txt`, `Kent County Council.docx`: point to the
            // right name when what comes before the first dot is a code or name.
            let before_dot = file_name.split('.').next().unwrap_or_default();
            problems.push(
                Problem::new(
                    Location::file(&path),
                    format!("found `{file_name}`, expected only commentary files {NAMED}"),
                )
                .with_hint(
                    lookup
                        .find(before_dot)
                        .map(|index| format!("did you mean `{}.typ`?", lookup.code(index))),
                ),
            );
            continue;
        };
        let index = match lookup.resolve(stem) {
            Resolution::Found(index) if lookup.code(index) == nfc(stem) => index,
            // Already reported in authorities.csv, or that could not be read.
            Resolution::Unusable(_) | Resolution::Unchecked => continue,
            Resolution::Found(_) | Resolution::Unknown => {
                // Only a code names a commentary file, not a display name.
                problems.push_hinted(
                    Problem::new(
                        Location::file(&path),
                        format!("found commentary for `{stem}`, expected a file named after an authority's code in authorities.csv"),
                    ),
                    || {
                        let index = lookup.find(stem).or_else(|| lookup.closest(stem))?;
                        Some(format!("did you mean `{}.typ`?", lookup.code(index)))
                    },
                );
                continue;
            }
        };
        let text = read_file(&path, "Typst markup", problems)
            .and_then(|bytes| utf8_text(&path, bytes, problems));
        if let Some(text) = text {
            commentary[index] = Some(Commentary { path, text });
        }
    }
    commentary
}

/// Whether `path` is a regular file inside `inside` (itself, or what it links to), checked
/// without opening it; if not, records what it is instead.
fn is_regular_file_inside(path: &Path, inside: &Path, problems: &mut Problems) -> bool {
    let problem = |message: String| Problem::new(Location::file(path), message);
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => {
            problems.push(problem(format!("cannot read: {error}")));
            return false;
        }
    };
    let metadata = if metadata.file_type().is_symlink() {
        let target = std::fs::read_link(path).unwrap_or_default();
        let shown = target.display();
        let real = match std::fs::canonicalize(path) {
            Ok(real) => real,
            Err(_) => {
                problems.push(problem(format!(
                    "found a link to `{shown}`, which does not exist, expected a file"
                )));
                return false;
            }
        };
        if !real.starts_with(inside) {
            problems.push(problem(format!(
                "found a link to `{shown}`, outside the input folder, expected a file inside it"
            )));
            return false;
        }
        match std::fs::metadata(&real) {
            Ok(metadata) => metadata,
            Err(error) => {
                problems.push(problem(format!("cannot read: {error}")));
                return false;
            }
        }
    } else {
        metadata
    };
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return true;
    }
    let expected = if file_type.is_dir() {
        "expected only commentary files named `CODE.typ`"
    } else {
        "expected a regular file"
    };
    problems.push(problem(format!("found {}, {expected}", kind_of(file_type))));
    false
}

/// What a file type is, in words.
fn kind_of(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_file() {
        "a file"
    } else {
        "something other than a file"
    }
}
