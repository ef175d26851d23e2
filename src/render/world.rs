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
//! It records which of the template's files a compile read: what the compiled file depends on
//! (see [`crate::manifest::Inputs`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

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

use super::Document;
use crate::layout::{self, Edition};

/// The letter's data, as JSON: `json("/data.json")` in the template.
const DATA_PATH: &str = "/data.json";
/// The site index's data, as JSON: `json("/site.json")` in `index.typ`.
const SITE_DATA_PATH: &str = "/site.json";
/// The council's commentary, if any: `include "/commentary.typ"` in the template.
const COMMENTARY_PATH: &str = "/commentary.typ";
/// The template's folder of web files, copied beside the pages as the site's assets.
const SITE_FOLDER: &str = "site";
/// The template's folder whose other files (the fonts' licence) travel with the fonts.
const FONTS_FOLDER: &str = "fonts";

static DATA_ID: LazyLock<FileId> = LazyLock::new(|| project_file(DATA_PATH));
static SITE_DATA_ID: LazyLock<FileId> = LazyLock::new(|| project_file(SITE_DATA_PATH));
static COMMENTARY_ID: LazyLock<FileId> = LazyLock::new(|| project_file(COMMENTARY_PATH));
/// The entry point of each edition: its file in the template folder, and what it makes.
static ENTRIES: LazyLock<[(Edition, FileId, &str, &str); 3]> = LazyLock::new(|| {
    [
        (
            Edition::Letter,
            project_file("/main.typ"),
            "main.typ",
            "each letter",
        ),
        (
            Edition::Page,
            project_file("/main-web.typ"),
            "main-web.typ",
            "each letter's web page",
        ),
        (
            Edition::Index,
            project_file("/index.typ"),
            "index.typ",
            "the site's index",
        ),
    ]
});

/// The file of the template that compiles `edition`.
fn entry(edition: Edition) -> FileId {
    ENTRIES
        .iter()
        .find(|(e, ..)| *e == edition)
        .map(|(_, id, ..)| *id)
        .expect("every edition has an entry point")
}

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
    #[error("the template folder `{}` has two files that would both be the site's `assets/{asset}`: `{}` and `{}`; rename one", .root.display(), .first.display(), .second.display())]
    DuplicateAsset {
        root: PathBuf,
        asset: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// A file of the template that the web edition serves beside its pages: a file of its `site/`
/// folder, a font, or the fonts' licence.
#[derive(Debug, Clone)]
pub(crate) struct Asset {
    /// Its path among the site's assets: `style.css`, `img/icons/a.svg`, `fonts/Lato.ttf`.
    pub(crate) path: String,
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) sha256: String,
}

/// A template folder loaded into memory, shared by every letter of a run.
pub(crate) struct Template {
    library: LazyHash<Library>,
    fonts: FontStore,
    files: HashMap<FileId, Bytes>,
    sources: HashMap<FileId, Source>,
    /// Where each preloaded file came from, for diagnostics.
    paths: HashMap<FileId, PathBuf>,
    /// The SHA-256 of every file but the fonts, by its path in the template folder.
    file_digests: BTreeMap<String, String>,
    /// The SHA-256 of the fonts together, with their paths.
    fonts_digest: String,
    /// What the web edition copies beside its pages, sorted by path.
    assets: Vec<Asset>,
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
        let mut files = HashMap::new();
        let mut sources = HashMap::new();
        let mut paths = HashMap::new();
        let mut file_digests = BTreeMap::new();
        let mut assets: BTreeMap<String, (Asset, PathBuf)> = BTreeMap::new();
        let mut entries: Vec<PathBuf> = Vec::new();
        let mut hasher = Sha256::new();
        let mut fonts_hasher = Sha256::new();
        // Hidden files (`.DS_Store`, an editor's swap file) and folders are not the template's.
        let walk = WalkDir::new(&canonical_root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
            });
        for entry in walk {
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
            let name = relative
                .to_str()
                .map(|r| r.replace('\\', "/"))
                .ok_or_else(|| TemplateError::BadName {
                    path: shown.clone(),
                })?;
            // Entries come sorted by name; length prefixes keep path and content apart.
            hasher.update((name.len() as u64).to_le_bytes());
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
            let sha256 = crate::digest::sha256(&bytes);
            let extension = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let is_font = matches!(extension.as_str(), "ttf" | "otf" | "ttc" | "otc");
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Where the web edition serves it, if it does: the site folder's files by their path
            // inside it, the fonts and their licence under `fonts/`.
            let asset = if is_font {
                Some(format!("{}/{file_name}", layout::FONTS_ASSET_DIR))
            } else if let Some(inside) = name.strip_prefix(&format!("{SITE_FOLDER}/")) {
                Some(inside.to_string())
            } else if name
                .strip_prefix(&format!("{FONTS_FOLDER}/"))
                .is_some_and(|inside| !inside.contains('/'))
            {
                Some(format!("{}/{file_name}", layout::FONTS_ASSET_DIR))
            } else {
                None
            };
            let bytes: Arc<[u8]> = bytes.into();
            if let Some(asset) = asset {
                if let Some((_, first)) = assets.get(&asset) {
                    return Err(TemplateError::DuplicateAsset {
                        root: root.to_path_buf(),
                        asset,
                        first: first.clone(),
                        second: shown,
                    });
                }
                let value = Asset {
                    path: asset.clone(),
                    bytes: Arc::clone(&bytes),
                    sha256: sha256.clone(),
                };
                assets.insert(asset, (value, shown.clone()));
            }
            if is_font {
                fonts_hasher.update((name.len() as u64).to_le_bytes());
                fonts_hasher.update(name.as_bytes());
                fonts_hasher.update(sha256.as_bytes());
                font_count += add_fonts(&mut fonts, &Bytes::new(bytes.to_vec()));
                continue;
            }
            let virtual_path =
                VirtualPath::new(format!("/{name}")).map_err(|_| TemplateError::BadName {
                    path: shown.clone(),
                })?;
            let id = RootedPath::new(VirtualRoot::Project, virtual_path).intern();
            if extension == "typ" {
                let text =
                    String::from_utf8(bytes.to_vec()).map_err(|_| TemplateError::NotUtf8 {
                        path: shown.clone(),
                    })?;
                sources.insert(id, Source::new(id, text));
            } else {
                files.insert(id, Bytes::new(bytes.to_vec()));
            }
            file_digests.insert(name, sha256);
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
        for (_, id, file, what) in ENTRIES.iter() {
            if !sources.contains_key(id) {
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
            files,
            sources,
            paths,
            file_digests,
            fonts_digest: crate::digest::finish(fonts_hasher),
            assets: assets.into_values().map(|(asset, _)| asset).collect(),
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

    /// The SHA-256 of the template's file at `path` (relative to its folder, `/`-separated), if
    /// it has one; fonts are counted in [`Template::fonts_sha256`] instead.
    pub(crate) fn file_sha256(&self, path: &str) -> Option<&str> {
        self.file_digests.get(path).map(String::as_str)
    }

    /// The SHA-256 of the template's fonts together, with their paths: Typst chooses among all
    /// of them, so a document depends on every one.
    pub(crate) fn fonts_sha256(&self) -> &str {
        &self.fonts_digest
    }

    /// The text of the template's file at `path` (relative to its folder, `/`-separated), if it
    /// has one that is text: the covering e-mail's words, say.
    pub(crate) fn text(&self, path: &str) -> Option<String> {
        let id = RootedPath::new(
            VirtualRoot::Project,
            VirtualPath::new(format!("/{path}")).ok()?,
        )
        .intern();
        match (self.sources.get(&id), self.files.get(&id)) {
            (Some(source), _) => Some(source.text().to_string()),
            (None, Some(bytes)) => std::str::from_utf8(bytes).ok().map(str::to_string),
            (None, None) => None,
        }
    }

    /// What the web edition serves beside its pages, by path among the assets.
    pub(crate) fn assets(&self) -> &[Asset] {
        &self.assets
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
/// its commentary), compiled from the entry point of one edition: a letter is `main.typ` or
/// `main-web.typ` reading `/data.json`; the site's index is `index.typ` reading `/site.json`.
pub(crate) struct DocumentWorld<'a> {
    template: &'a Template,
    main: FileId,
    data_id: FileId,
    data: Bytes,
    commentary: Option<(Source, &'a Path)>,
    today: Datetime,
    /// The template's files the compile asked for.
    read: Mutex<HashSet<FileId>>,
}

impl<'a> DocumentWorld<'a> {
    pub(crate) fn new(template: &'a Template, document: &'a Document, edition: Edition) -> Self {
        DocumentWorld {
            template,
            main: entry(edition),
            data_id: match edition {
                Edition::Index => *SITE_DATA_ID,
                Edition::Letter | Edition::Page => *DATA_ID,
            },
            data: Bytes::new(document.data.clone()),
            commentary: document
                .commentary
                .as_ref()
                .map(|(text, path)| (Source::new(*COMMENTARY_ID, text.clone()), path.as_path())),
            today: to_typst_date(document.date),
            read: Mutex::default(),
        }
    }

    /// The template's files the compile read so far, by their paths in the template folder.
    pub(crate) fn template_files_read(&self) -> Vec<String> {
        let read = self.read.lock().unwrap_or_else(|e| e.into_inner());
        let mut files: Vec<String> = read
            .iter()
            .filter(|id| self.template.paths.contains_key(id))
            .map(|id| id.vpath().get_without_slash().to_string())
            .collect();
        files.sort();
        files
    }

    fn note_read(&self, id: FileId) {
        self.read
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
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

impl World for DocumentWorld<'_> {
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
        self.note_read(id);
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
        self.note_read(id);
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
