//! The names of a year's output folder, `<output>/<year>/`, in one place: every other module asks
//! here what a file is called and what a name is.
//!
//! ```text
//! letters/<slug>.pdf              a council's letter            (Edition::Letter)
//! site/councils/<slug>.html       its web page                  (Edition::Page)
//! site/letters/<slug>.pdf         the site's copy of the letter (the same file, hard-linked)
//! site/index.html                 the year at a glance          (Edition::Index)
//! site/data/statistics.{csv,json} the statistics, for download  (copies of the two below)
//! site/assets/<path>              the template's site/ folder, its fonts and their licence
//! statistics.csv, statistics.json every figure of every letter
//! manifest.json                   what every file above was made from
//! .stamps.json                    when each file was put in place (a cache, never published)
//! .lock                           held by the run that writes or reads the folder
//! outbox/<slug>.eml               a council's covering e-mail with its letter attached
//! outbox/<slug>.reissue-<n>.eml   the n-th corrected message sent after it
//! delivery.jsonl                  the ledger: every message's sending and its outcome
//! ```
//!
//! The outbox and the ledger are delivery's: records of what is sent, never rewritten once sent,
//! so `build` neither writes nor removes them (see [`crate::delivery`]).

use serde::{Deserialize, Serialize};

use crate::files;

pub(crate) const MANIFEST: &str = "manifest.json";
/// The size and modification time of every file as it was put in place, so that a later run can
/// tell an untouched file without reading it (see [`crate::manifest::Stamps`]).
pub(crate) const STAMPS: &str = ".stamps.json";
/// The same for the files of the archived years' bags that the build checked, so that a build
/// with nothing to do hashes none of them (see [`crate::history::Seen`]).
pub(crate) const ARCHIVE_STAMPS: &str = ".archive-stamps.json";
pub(crate) const LOCK: &str = ".lock";
/// The delivery ledger.
pub(crate) const LEDGER: &str = "delivery.jsonl";
pub(crate) const OUTBOX_DIR: &str = "outbox";
pub(crate) const LETTERS_DIR: &str = "letters";
pub(crate) const SITE_DIR: &str = "site";
pub(crate) const STATISTICS_CSV: &str = "statistics.csv";
pub(crate) const STATISTICS_JSON: &str = "statistics.json";
pub(crate) const STATISTICS_FILES: [&str; 2] = [STATISTICS_CSV, STATISTICS_JSON];
pub(crate) const SITE_INDEX: &str = "site/index.html";
const PAGES_DIR: &str = "site/councils";
const SITE_LETTERS_DIR: &str = "site/letters";
const SITE_DATA_DIR: &str = "site/data";
const ASSETS_DIR: &str = "site/assets";
/// The archived years' letters and statistics in the site, a folder per year.
const HISTORY_DIR: &str = "history";
/// Where the template's fonts (and their licence) go among the assets.
pub(crate) const FONTS_ASSET_DIR: &str = "fonts";

/// A council slug that would make a file of the site mean something else: `index` would make a
/// council's page `site/councils/index.html`, which a web server serves as that folder's index.
pub(crate) const RESERVED_SLUGS: [&str; 1] = ["index"];

/// What Typst compiles into a file of the year: a council's letter, its web page, or the site's
/// index. The editions of a council ([`Edition::COUNCIL`]) drive its file names, its manifest
/// entries and what a letter worker answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Edition {
    /// The letter, `letters/<slug>.pdf`: the template's `main.typ`, as a PDF.
    Letter,
    /// The letter as a web page, `site/councils/<slug>.html`: `main-web.typ`, as HTML.
    Page,
    /// The site's index, `site/index.html`: `index.typ`, as HTML, with the whole year's data.
    Index,
}

impl Edition {
    /// What is made for every council, in the order they are made.
    pub(crate) const COUNCIL: [Edition; 2] = [Edition::Letter, Edition::Page];

    /// The file this edition is, relative to the year's folder; `slug` names the council (the
    /// index has none, and ignores it).
    pub(crate) fn file(self, slug: &str) -> String {
        match self {
            Edition::Letter => letter(slug),
            Edition::Page => format!("{PAGES_DIR}/{slug}.html"),
            Edition::Index => SITE_INDEX.to_string(),
        }
    }

    /// The edition in words, as messages say it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Edition::Letter => "letter",
            Edition::Page => "web page",
            Edition::Index => "site's index",
        }
    }
}

/// A council's letter: `letters/<slug>.pdf`.
pub(crate) fn letter(slug: &str) -> String {
    format!("{LETTERS_DIR}/{slug}.pdf")
}

/// The site's copy of a council's letter, which its page links to: `site/letters/<slug>.pdf`.
pub(crate) fn site_letter(slug: &str) -> String {
    format!("{SITE_LETTERS_DIR}/{slug}.pdf")
}

/// A statistics file's copy for download: `site/data/<name>`.
pub(crate) fn site_data(name: &str) -> String {
    format!("{SITE_DATA_DIR}/{name}")
}

/// An archived year's file in the site, as a page links to it from the site's root:
/// `history/<year>/<name>` (a letter `history/2020-21/kent-county-council.pdf`, or the year's
/// `statistics.csv`).
pub(crate) fn archived_link(year: &str, name: &str) -> String {
    format!("{HISTORY_DIR}/{year}/{name}")
}

/// The same file in the year's folder: `site/history/<year>/<name>`.
pub(crate) fn archived(year: &str, name: &str) -> String {
    format!("{SITE_DIR}/{}", archived_link(year, name))
}

/// A file of the site's assets, by its path inside them: `site/assets/<path>`.
pub(crate) fn asset(path: &str) -> String {
    format!("{ASSETS_DIR}/{path}")
}

/// A council's message: the first (`reissue` 0) `outbox/<slug>.eml`, a reissue
/// `outbox/<slug>.reissue-<n>.eml`.
pub(crate) fn message(slug: &str, reissue: usize) -> String {
    match reissue {
        0 => format!("{OUTBOX_DIR}/{slug}.eml"),
        n => format!("{OUTBOX_DIR}/{slug}.reissue-{n}.eml"),
    }
}

/// Whether `file` can name a message: `outbox/<name>.eml`, the name plain (no folder, not
/// hidden). The ledger's names are checked with it before any is read or sent.
pub(crate) fn is_message(file: &str) -> bool {
    file.strip_prefix(OUTBOX_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|name| {
            name.len() > ".eml".len()
                && name.ends_with(".eml")
                && !name.starts_with('.')
                && !name.contains(['/', '\\'])
        })
}

/// Whether `file` is delivery's: the ledger, or a file of the outbox.
pub(crate) fn is_delivery(file: &str) -> bool {
    file == LEDGER
        || file
            .strip_prefix(OUTBOX_DIR)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// What a file of the year's folder is, by its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// An edition of a council's letter (never the index).
    Council { edition: Edition, slug: String },
    /// The site's copy of a council's letter.
    SiteLetter { slug: String },
    /// The site's index.
    Index,
    /// `statistics.csv` or `statistics.json`, or their copies under `site/data/`.
    Statistics,
    /// A file under `site/assets/`.
    Asset,
    /// A copy of an archived year's file: `site/history/<year>/<name>`.
    Archived,
}

impl FileKind {
    /// The council whose file this is, by slug.
    pub(crate) fn slug(&self) -> Option<&str> {
        match self {
            FileKind::Council { slug, .. } | FileKind::SiteLetter { slug } => Some(slug),
            _ => None,
        }
    }

    /// A short name for the kind, for failpoints and messages: `letter`, `page`, …
    pub(crate) fn name(&self) -> &'static str {
        match self {
            FileKind::Council {
                edition: Edition::Letter,
                ..
            } => "letter",
            FileKind::Council { .. } => "page",
            FileKind::SiteLetter { .. } => "site-letter",
            FileKind::Index => "index",
            FileKind::Statistics => "statistics",
            FileKind::Asset => "asset",
            FileKind::Archived => "archived",
        }
    }
}

/// What `file` (relative to the year's folder) is, when it has the name of a file a publication
/// has; `None` for any other name (`../x`, `/etc/passwd`, `letters/a/b.pdf`, `site/.hidden`): a
/// manifest that lists such a name is not trusted.
pub(crate) fn classify(file: &str) -> Option<FileKind> {
    // Plain names only: no `..`, no hidden part, no backslash, no root.
    files::contained(std::path::Path::new(""), file).ok()?;
    let slug_in = |dir: &str, extension: &str| {
        file.strip_prefix(dir)?
            .strip_prefix('/')?
            .strip_suffix(extension)
            .filter(|slug| !slug.is_empty() && !slug.contains('/'))
            .map(str::to_string)
    };
    if let Some(slug) = slug_in(LETTERS_DIR, ".pdf") {
        return Some(FileKind::Council {
            edition: Edition::Letter,
            slug,
        });
    }
    if let Some(slug) = slug_in(PAGES_DIR, ".html") {
        return Some(FileKind::Council {
            edition: Edition::Page,
            slug,
        });
    }
    if let Some(slug) = slug_in(SITE_LETTERS_DIR, ".pdf") {
        return Some(FileKind::SiteLetter { slug });
    }
    if file == SITE_INDEX {
        return Some(FileKind::Index);
    }
    if STATISTICS_FILES.contains(&file)
        || STATISTICS_FILES
            .iter()
            .any(|name| file == site_data(name).as_str())
    {
        return Some(FileKind::Statistics);
    }
    if let Some((year, name)) = file
        .strip_prefix(SITE_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.strip_prefix(HISTORY_DIR))
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|rest| rest.split_once('/'))
        && !year.is_empty()
        && !name.is_empty()
        && !name.contains('/')
    {
        return Some(FileKind::Archived);
    }
    if file
        .strip_prefix(ASSETS_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some()
    {
        return Some(FileKind::Asset);
    }
    None
}

/// Whether `file`, found in the year's folder, is the tool's own bookkeeping rather than a file of
/// the publication: the manifest, the stamps, the lock.
pub(crate) fn is_bookkeeping(file: &str) -> bool {
    [MANIFEST, STAMPS, ARCHIVE_STAMPS, LOCK].contains(&file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_the_layout_gives_is_classified_as_what_it_is() {
        let council = |edition| FileKind::Council {
            edition,
            slug: "kent".to_string(),
        };
        assert_eq!(
            classify(&Edition::Letter.file("kent")),
            Some(council(Edition::Letter))
        );
        assert_eq!(
            classify(&Edition::Page.file("kent")),
            Some(council(Edition::Page))
        );
        assert_eq!(
            classify(&site_letter("kent")),
            Some(FileKind::SiteLetter {
                slug: "kent".to_string()
            })
        );
        assert_eq!(
            classify(&Edition::Index.file("ignored")),
            Some(FileKind::Index)
        );
        for name in STATISTICS_FILES {
            assert_eq!(classify(name), Some(FileKind::Statistics));
            assert_eq!(classify(&site_data(name)), Some(FileKind::Statistics));
        }
        for path in ["style.css", "fonts/Lato-Regular.ttf", "img/icons/a.svg"] {
            assert_eq!(classify(&asset(path)), Some(FileKind::Asset), "{path}");
        }
    }

    #[test]
    fn names_a_publication_cannot_have_are_not_classified() {
        for bad in [
            "letters/.pdf",
            "letters/../x.pdf",
            "letters/a/b.pdf",
            "letters/.lock.pdf",
            "/etc/passwd",
            "../x",
            "site/../x",
            "site/assets/../../x",
            "site/assets/.hidden",
            "site/assets/img/.DS_Store",
            "site/assets",
            "site/data/other.csv",
            "site/councils/a/b.html",
            "manifest.json",
            ".lock",
        ] {
            assert_eq!(classify(bad), None, "{bad}");
        }
    }
}
