//! The Typst world of a letter: a shared, preloaded template plus one letter's data.
//!
//! [`Template`] is built once per run: the template folder's files are read and parsed, its fonts
//! loaded, the standard library built. Each letter then gets a [`LetterWorld`] that only adds its
//! JSON data and its commentary. Because the data comes in as a file at a fixed path instead of
//! `sys.inputs`, the library's hash is the same for every letter and Typst's memoization reuses
//! all the work that does not depend on the data.
//!
//! The world is also the sandbox: it serves the preloaded template files, `/data.json` and
//! `/commentary.typ`, and nothing else — no disk access after loading, no packages, no network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};
use typst::diag::{FileError, FileResult, PackageError};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World};
use typst_kit::fonts::{FontSource, FontStore};
use walkdir::WalkDir;

/// The letter's data, as JSON: `json("/data.json")` in the template.
const DATA_PATH: &str = "/data.json";
/// The site index's data, as JSON: `json("/site.json")` in `index.typ`.
const SITE_DATA_PATH: &str = "/site.json";
/// The site index's entry point inside the template folder.
const INDEX_PATH: &str = "/index.typ";
/// A letter's web page's entry point inside the template folder.
const PAGE_PATH: &str = "/main-web.typ";
/// The council's commentary, if any: `include "/commentary.typ"` in the template.
const COMMENTARY_PATH: &str = "/commentary.typ";
/// The template's entry point inside its folder.
const MAIN_PATH: &str = "/main.typ";

static DATA_ID: LazyLock<FileId> = LazyLock::new(|| project_file(DATA_PATH));
static SITE_DATA_ID: LazyLock<FileId> = LazyLock::new(|| project_file(SITE_DATA_PATH));
static INDEX_ID: LazyLock<FileId> = LazyLock::new(|| project_file(INDEX_PATH));
static PAGE_ID: LazyLock<FileId> = LazyLock::new(|| project_file(PAGE_PATH));
static COMMENTARY_ID: LazyLock<FileId> = LazyLock::new(|| project_file(COMMENTARY_PATH));

/// The interned id of a fixed project path. Ids are never freed, so only fixed paths get one.
fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a fixed, valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// Why a template folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TemplateError {
    #[error("cannot read template file `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template file `{path}` is not UTF-8 Typst source")]
    NotUtf8 { path: PathBuf },
    #[error("template file `{path}` points outside the template folder `{root}`")]
    OutsideRoot { path: PathBuf, root: PathBuf },
    #[error("template file `{path}` has a name Typst cannot address")]
    BadName { path: PathBuf },
    #[error("the template folder `{}` has no {file} ({what})", .root.display())]
    Missing {
        root: PathBuf,
        file: &'static str,
        what: &'static str,
    },
    #[error("the template folder `{root}` has no fonts (expected .ttf or .otf files in it)")]
    NoFonts { root: PathBuf },
}

/// A template folder loaded into memory, shared by every letter of a run.
pub(crate) struct Template {
    library: LazyHash<Library>,
    fonts: FontStore,
    /// The template's font files as they are, by file name, for the web edition's pages.
    font_files: Vec<(String, Bytes)>,
    files: HashMap<FileId, Bytes>,
    sources: HashMap<FileId, Source>,
    /// Where each preloaded file came from, for diagnostics.
    paths: HashMap<FileId, PathBuf>,
    main: FileId,
    digest: String,
}

impl Template {
    /// Loads every file under `root`: fonts into the font book, `.typ` files as parsed sources,
    /// anything else (images, data) as bytes. Typst's embedded fonts come after the template's as
    /// fallbacks; system fonts are never used.
    pub(crate) fn load(root: &Path) -> Result<Template, TemplateError> {
        let read_error = |path: &Path| {
            let path = path.to_path_buf();
            move |source| TemplateError::Read { path, source }
        };
        let canonical_root = std::fs::canonicalize(root).map_err(read_error(root))?;
        let mut fonts = FontStore::new();
        let mut font_count = 0;
        let mut font_files = Vec::new();
        let mut files = HashMap::new();
        let mut sources = HashMap::new();
        let mut paths = HashMap::new();
        let mut entries: Vec<PathBuf> = Vec::new();
        let mut hasher = Sha256::new();
        for entry in WalkDir::new(&canonical_root).sort_by_file_name() {
            let entry = entry.map_err(|error| TemplateError::Read {
                path: error.path().unwrap_or(root).to_path_buf(),
                source: error.into(),
            })?;
            if !entry.file_type().is_dir() {
                entries.push(entry.into_path());
            }
        }
        for path in entries {
            // A symlink is followed only if it stays inside the template folder.
            let real = std::fs::canonicalize(&path).map_err(read_error(&path))?;
            if !real.starts_with(&canonical_root) {
                return Err(TemplateError::OutsideRoot {
                    path,
                    root: root.to_path_buf(),
                });
            }
            if real.is_dir() {
                continue;
            }
            let relative = path
                .strip_prefix(&canonical_root)
                .expect("walked under the root");
            let shown = root.join(relative);
            let bytes = std::fs::read(&real).map_err(read_error(&shown))?;
            // Entries come sorted by name; length prefixes keep path and content apart.
            let name = relative.to_string_lossy();
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if matches!(extension.as_str(), "ttf" | "otf" | "ttc" | "otc") {
                let bytes = Bytes::new(bytes);
                font_count += add_fonts(&mut fonts, &bytes);
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                font_files.push((file_name, bytes));
                continue;
            }
            let virtual_path = relative
                .to_str()
                .and_then(|r| VirtualPath::new(format!("/{}", r.replace('\\', "/"))).ok())
                .ok_or_else(|| TemplateError::BadName {
                    path: shown.clone(),
                })?;
            let id = RootedPath::new(VirtualRoot::Project, virtual_path).intern();
            if extension == "typ" {
                let text = String::from_utf8(bytes).map_err(|_| TemplateError::NotUtf8 {
                    path: shown.clone(),
                })?;
                sources.insert(id, Source::new(id, text));
            } else {
                files.insert(id, Bytes::new(bytes));
            }
            paths.insert(id, shown);
        }
        if font_count == 0 {
            return Err(TemplateError::NoFonts {
                root: root.to_path_buf(),
            });
        }
        for data in typst_assets::fonts() {
            add_fonts(&mut fonts, &Bytes::new(data));
        }
        let main = project_file(MAIN_PATH);
        for (id, file, what) in [
            (main, "main.typ", "each letter"),
            (*PAGE_ID, "main-web.typ", "each letter's web page"),
            (*INDEX_ID, "index.typ", "the site's index"),
        ] {
            if !sources.contains_key(&id) {
                return Err(TemplateError::Missing {
                    root: root.to_path_buf(),
                    file,
                    what,
                });
            }
        }
        Ok(Template {
            // One library for both outputs: the HTML feature lets the same template be compiled
            // to a web page, and changes nothing in the PDF.
            library: LazyHash::new(
                Library::builder()
                    .with_features([Feature::Html].into_iter().collect())
                    .build(),
            ),
            fonts,
            font_files,
            files,
            sources,
            paths,
            main,
            digest: crate::digest::finish(hasher),
        })
    }

    /// The template with Typst's library as the plain `typst` command line has it, without the
    /// HTML feature: for the test that keeps a letter's PDF compilable by that command line.
    #[cfg(test)]
    pub(crate) fn without_html(mut self) -> Template {
        self.library = LazyHash::new(Library::builder().build());
        self
    }

    /// The SHA-256 of every file of the template folder, fonts included, with their paths: what
    /// a letter's look depends on besides its data.
    pub(crate) fn digest(&self) -> &str {
        &self.digest
    }

    /// The template's files under `folder/` (e.g. `site`), by their path inside it: what the web
    /// edition copies beside its pages.
    pub(crate) fn files_under(&self, folder: &str) -> Vec<(String, Bytes)> {
        let prefix = format!("{folder}/");
        let mut found: Vec<(String, Bytes)> = self
            .paths
            .keys()
            .filter_map(|id| {
                let path = id.vpath().get_without_slash().to_string();
                let inside = path.strip_prefix(&prefix)?.to_string();
                let bytes = self.files.get(id).cloned().or_else(|| {
                    self.sources
                        .get(id)
                        .map(|s| Bytes::from_string(s.text().to_string()))
                })?;
                Some((inside, bytes))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    /// The template's fonts, as files: (file name, bytes), for the web edition's pages.
    pub(crate) fn font_files(&self) -> &[(String, Bytes)] {
        &self.font_files
    }

    /// Whether any font of the template's font book (its own fonts and Typst's embedded
    /// fallbacks) has a glyph for `c`: if none has, Typst cannot show it.
    pub fn can_show(&self, c: char) -> bool {
        let book = self.fonts.book();
        (0..)
            .map_while(|index| book.info(index))
            .any(|info| info.coverage.contains(u32::from(c)))
    }
}

/// Adds every font of a font file (one, or several for a collection) to the font book, to be
/// parsed when a document first uses it. Most fonts never are (Typst's embedded fallbacks, the
/// italic of a letter without italics), and parsing a font for shaping costs several times more
/// than reading its names and coverage, in every run. Returns how many fonts the file holds.
fn add_fonts(fonts: &mut FontStore, data: &Bytes) -> usize {
    let mut added = 0;
    for index in 0.. {
        let Some(info) = FontInfo::new(data, index) else {
            break;
        };
        let source = FontOnDemand {
            data: data.clone(),
            index,
        };
        fonts.push((source, info));
        added += 1;
    }
    added
}

/// A font of the font book, parsed on first use.
struct FontOnDemand {
    data: Bytes,
    index: u32,
}

impl FontSource for FontOnDemand {
    fn load(&self) -> Option<Font> {
        Font::new(self.data.clone(), self.index)
    }
}

/// The world of one document: the shared template plus this document's data (and, for a letter,
/// its commentary). A letter is `main.typ` reading `/data.json`; the site index is `index.typ`
/// reading `/site.json`.
pub(crate) struct LetterWorld<'a> {
    template: &'a Template,
    main: FileId,
    data_id: FileId,
    data: Bytes,
    commentary: Option<(Source, &'a Path)>,
    today: Datetime,
}

impl<'a> LetterWorld<'a> {
    pub(crate) fn new(
        template: &'a Template,
        data: Vec<u8>,
        commentary: Option<(&'a str, &'a Path)>,
        today: NaiveDate,
    ) -> Self {
        LetterWorld {
            template,
            main: template.main,
            data_id: *DATA_ID,
            data: Bytes::new(data),
            commentary: commentary
                .map(|(text, path)| (Source::new(*COMMENTARY_ID, text.to_string()), path)),
            today: to_typst_date(today),
        }
    }

    /// The same letter's world for its web page: `main-web.typ` instead of `main.typ`.
    pub(crate) fn page(&self) -> Self {
        LetterWorld {
            template: self.template,
            main: *PAGE_ID,
            data_id: self.data_id,
            data: self.data.clone(),
            commentary: self.commentary.clone(),
            today: self.today,
        }
    }

    /// The world of the site index: `index.typ` with the year's data at `/site.json`.
    pub(crate) fn index(template: &'a Template, site_data: Vec<u8>, today: NaiveDate) -> Self {
        LetterWorld {
            template,
            main: *INDEX_ID,
            data_id: *SITE_DATA_ID,
            data: Bytes::new(site_data),
            commentary: None,
            today: to_typst_date(today),
        }
    }

    /// The file a diagnostic points into, as the user knows it.
    pub(crate) fn display_path(&self, id: FileId) -> String {
        if id == *DATA_ID {
            return "the letter's data (/data.json)".to_string();
        }
        if id == *SITE_DATA_ID {
            return "the site's data (/site.json)".to_string();
        }
        if id == *COMMENTARY_ID
            && let Some((_, path)) = &self.commentary
        {
            return path.display().to_string();
        }
        match self.template.paths.get(&id) {
            Some(path) => path.display().to_string(),
            None => id.vpath().get_with_slash().to_string(),
        }
    }
}

fn to_typst_date(date: NaiveDate) -> Datetime {
    Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
        .expect("a chrono date is a valid Typst date")
}

fn not_found(id: FileId) -> FileError {
    if let VirtualRoot::Package(spec) = id.root() {
        return FileError::Package(PackageError::NotFound(spec.clone()));
    }
    FileError::NotFound(id.vpath().get_without_slash().into())
}

impl World for LetterWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.template.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.template.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *COMMENTARY_ID
            && let Some((source, _)) = &self.commentary
        {
            return Ok(source.clone());
        }
        self.template
            .sources
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            return Ok(self.data.clone());
        }
        if let Some(source) = self.template.sources.get(&id) {
            return Ok(Bytes::from_string(source.text().to_string()));
        }
        self.template
            .files
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.template.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The letter's date, never the clock: the same input gives the same bytes.
        Some(self.today)
    }
}
