//! `commentary/CODE.typ`: optional council-specific sections of the letters.

use std::path::Path;

use super::Commentary;
use super::authorities::AuthorityLookup;
use super::problems::{Location, Problem, Problems, read_file, utf8_text};

/// Reads every `*.typ` file of `dir` (a missing folder means no commentary) into a list indexed
/// like the authorities. Other files are left alone: they may be notes or images it uses.
pub fn load(
    dir: &Path,
    lookup: &AuthorityLookup,
    authority_count: usize,
    problems: &mut Problems,
) -> Vec<Option<Commentary>> {
    let mut commentary = vec![None; authority_count];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return commentary;
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "typ"))
        .collect();
    paths.sort();
    for path in paths {
        let code = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Only a code names a commentary file, not a display name.
        let index = lookup.find(&code).filter(|&i| lookup.code(i) == code);
        let Some(index) = index else {
            problems.push(
                Problem::new(
                    Location::file(&path),
                    format!("found commentary for `{code}`, expected a file named after an authority's code in authorities.csv"),
                )
                .with_hint(lookup.suggestion(&code)),
            );
            continue;
        };
        let text = read_file(&path, "Typst markup", problems)
            .and_then(|bytes| utf8_text(&path, bytes, problems));
        if let Some(text) = text {
            commentary[index] = Some(Commentary { path, text });
        }
    }
    commentary
}
