//! The plan of a year's folder: every file it should hold as the input and the template are now,
//! with exactly what each is made from.
//!
//! [`prepare`] reads and checks the input, loads the template and computes the figures;
//! [`Plan::of`] then lists the year's files: for each council its editions ([`Edition::COUNCIL`],
//! compiled from one [`Document`]) and the site's copy of its letter; for the publication the
//! statistics files and their copies, the site's assets and its index. `build` makes the folder
//! equal the plan, and `status` and `archive` compare the two ([`crate::fresh`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::digest;
use crate::exit::{self, Exit};
use crate::history::{self, ArchivedFile, History, HistoryError, Seen};
use crate::input::{self, Problems, Publication};
use crate::layout::{self, Edition};
use crate::letter;
use crate::render::{Document, Template, TemplateError};
use crate::site;
use crate::statistics_files;
use crate::stats::{self, Statistics};

/// Why a command could not get as far as the output folder.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PrepareError {
    #[error("the input is invalid:\n{0}")]
    Input(Problems),
    #[error("no authority `{given}` in authorities.csv{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    UnknownAuthority { given: String, hint: Option<String> },
    #[error("cannot load the template")]
    Template(#[from] TemplateError),
    #[error(transparent)]
    History(#[from] HistoryError),
}

impl Exit for PrepareError {
    /// Nothing was written: the input, the register's lookup or the template is at fault.
    fn exit_status(&self) -> u8 {
        match self {
            PrepareError::History(error) => error.exit_status(),
            _ => exit::INVALID,
        }
    }

    fn problems(&self) -> Option<&Problems> {
        match self {
            PrepareError::Input(problems) => Some(problems),
            _ => None,
        }
    }
}

/// A validated publication with its template loaded and its figures computed: everything a
/// command needs before it looks at the output folder.
pub(crate) struct Prepared {
    pub(crate) publication: Publication,
    /// Shared, so that a letter compiled in a thread of its own can hold it.
    pub(crate) template: Arc<Template>,
    pub(crate) statistics: Statistics,
    /// The earlier years, from the archive's checked bags.
    pub(crate) history: History,
}

/// Where every command reads a publication from: the input folder, the folder of templates and
/// the archive of earlier years.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sources {
    pub(crate) input: PathBuf,
    pub(crate) templates: PathBuf,
    pub(crate) archive: PathBuf,
}

/// Loads and validates the input, loads the template, computes the statistics and reads the
/// earlier years from the archive (each bag checked first). `output`, for a command that has an
/// output folder: the year's stamps of the archive there spare reading its files again.
pub(crate) fn prepare(sources: &Sources, output: Option<&Path>) -> Result<Prepared, PrepareError> {
    let Sources {
        input,
        templates,
        archive,
    } = sources;
    // The template loads (its fonts are parsed) while the extract is read and checked: the two
    // take about as long as each other, and a one-letter build waits for both.
    let early = input::template_dir(input, templates);
    let (publication, template) = std::thread::scope(|scope| {
        let loading = early
            .as_deref()
            .map(|dir| scope.spawn(move || Template::load(dir)));
        let publication = input::load(input, templates);
        (
            publication,
            loading.map(|thread| thread.join().expect("loading a template does not panic")),
        )
    });
    let publication = publication.map_err(PrepareError::Input)?;
    let template = match template {
        Some(template) if early.as_deref() == Some(publication.template_dir.as_path()) => template?,
        _ => Template::load(&publication.template_dir)?,
    };
    let template = Arc::new(template);
    // What the letters print must be in the template's fonts: found now, at its line in the
    // input, rather than as a failed letter later.
    let mut problems = Problems::default();
    input::check_printable(&publication, &|c| template.can_show(c), &mut problems);
    if !problems.is_empty() {
        return Err(PrepareError::Input(problems));
    }
    // The year's label is a plain name (checked with the input): the folder is inside `output`.
    let seen = output.map_or_else(Seen::default, |output| {
        Seen::read(&output.join(&publication.config.year))
    });
    let history = history::read(archive, publication.config.period_start, &seen)?;
    let statistics = stats::compute(&publication);
    Ok(Prepared {
        publication,
        template,
        statistics,
        history,
    })
}

/// Whose file a planned file is: a council's (by its index in the register) or the
/// publication's as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Owner {
    Council(usize),
    Publication,
}

/// How a planned file is made.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// These bytes, which the build has in hand: the statistics files, the site's data and
    /// assets.
    Bytes { bytes: Arc<[u8]>, sha256: String },
    /// A copy of another planned file, by its path: the site's copy of a letter.
    Copy(String),
    /// A copy of an archived year's file, read from its bag when written: the site's copies of
    /// earlier letters. Its checksum is the bag's, which the bag was checked against.
    Archived(ArchivedFile),
    /// Compiled by Typst: an edition of one of the plan's documents.
    Compiled { edition: Edition, document: usize },
}

/// One file of the plan.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub(crate) owner: Owner,
    pub(crate) source: Source,
}

/// A document Typst compiles: a council's letter (its editions share it) or the site's index.
pub(crate) struct PlannedDocument {
    pub(crate) owner: Owner,
    pub(crate) document: Document,
    /// The SHA-256 of the document's data.
    pub(crate) data_sha256: String,
    /// The SHA-256 of its commentary, if it has some.
    pub(crate) commentary_sha256: Option<String>,
    /// Whether the manifest keeps the data itself, for `status` to say what changed: a letter's,
    /// not the index's (which holds every council's).
    pub(crate) keep_data: bool,
}

/// Every file of a year's folder, by its path relative to the folder, and the documents its
/// compiled files are made from.
pub(crate) struct Plan {
    pub(crate) year: String,
    pub(crate) files: BTreeMap<String, Planned>,
    /// The councils' documents in register order, then the index's.
    pub(crate) documents: Vec<PlannedDocument>,
}

impl Plan {
    /// The year's folder as the prepared input and template make it.
    pub(crate) fn of(prepared: &Prepared) -> Plan {
        let Prepared {
            publication,
            template,
            statistics,
            history,
        } = prepared;
        let config = &publication.config;
        let mut files = BTreeMap::new();
        let mut documents = Vec::with_capacity(publication.authorities.len() + 1);
        for (index, authority) in publication.authorities.iter().enumerate() {
            let owner = Owner::Council(index);
            let data = letter::letter_data(publication, statistics, history, index);
            let commentary = publication.commentary[index].as_ref();
            let document = Document {
                title: data.title.clone(),
                ident: format!("annual-review-{}-{}", config.year, authority.code),
                date: config.letter_date,
                data: serde_json::to_vec(&data).expect("letter data serializes"),
                commentary: commentary.map(|c| (c.text.clone(), c.path.clone())),
            };
            for edition in Edition::COUNCIL {
                let source = Source::Compiled {
                    edition,
                    document: documents.len(),
                };
                files.insert(edition.file(&authority.slug), Planned { owner, source });
            }
            let copy = Source::Copy(Edition::Letter.file(&authority.slug));
            files.insert(
                layout::site_letter(&authority.slug),
                Planned {
                    owner,
                    source: copy,
                },
            );
            documents.push(PlannedDocument {
                owner,
                data_sha256: digest::sha256(&document.data),
                commentary_sha256: commentary.map(|c| digest::sha256(c.text.as_bytes())),
                document,
                keep_data: true,
            });
        }
        let publication_file = |bytes: Arc<[u8]>, sha256: &str| Planned {
            owner: Owner::Publication,
            source: Source::Bytes {
                bytes,
                sha256: sha256.to_string(),
            },
        };
        for (name, bytes) in statistics_files::render(publication, statistics) {
            let sha256 = digest::sha256(&bytes);
            let bytes: Arc<[u8]> = bytes.into();
            files.insert(
                layout::site_data(name),
                publication_file(Arc::clone(&bytes), &sha256),
            );
            files.insert(name.to_string(), publication_file(bytes, &sha256));
        }
        for asset in template.assets() {
            files.insert(
                layout::asset(&asset.path),
                publication_file(Arc::clone(&asset.bytes), &asset.sha256),
            );
        }
        for year in &history.years {
            let archived = |file: &ArchivedFile| Planned {
                owner: Owner::Publication,
                source: Source::Archived(file.clone()),
            };
            for council in &year.councils {
                files.insert(
                    layout::archived(&year.year, &format!("{}.pdf", council.slug)),
                    archived(&council.letter),
                );
            }
            if let Some(csv) = &year.statistics_csv {
                files.insert(
                    layout::archived(&year.year, layout::STATISTICS_CSV),
                    archived(csv),
                );
            }
        }
        let index = Document {
            title: site::title(config),
            ident: format!("annual-review-{}-index", config.year),
            date: config.letter_date,
            data: site::index_data(publication, statistics, history),
            commentary: None,
        };
        files.insert(
            Edition::Index.file(""),
            Planned {
                owner: Owner::Publication,
                source: Source::Compiled {
                    edition: Edition::Index,
                    document: documents.len(),
                },
            },
        );
        documents.push(PlannedDocument {
            owner: Owner::Publication,
            data_sha256: digest::sha256(&index.data),
            commentary_sha256: None,
            document: index,
            keep_data: false,
        });
        Plan {
            year: config.year.clone(),
            files,
            documents,
        }
    }
}

/// The indices of the requested authorities (codes or names), in register order; all of them
/// when none is named.
pub(crate) fn select(
    publication: &Publication,
    requested: &[String],
) -> Result<Vec<usize>, PrepareError> {
    if requested.is_empty() {
        return Ok((0..publication.authorities.len()).collect());
    }
    let lookup = publication.lookup();
    let mut selected = Vec::new();
    for given in requested {
        match lookup.find(given.trim()) {
            Some(index) => selected.push(index),
            None => {
                return Err(PrepareError::UnknownAuthority {
                    given: given.clone(),
                    hint: lookup.suggestion(given),
                });
            }
        }
    }
    selected.sort_unstable();
    selected.dedup();
    Ok(selected)
}
