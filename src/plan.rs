//! Planning: the validated publication with its template and figures ([`prepare`]), which letters
//! are asked for ([`select`]), and what each would be made from now ([`plan_letter`]) — what
//! `build` compares with the manifest to decide what to write, and `status` to say why.

use std::path::Path;
use std::sync::Arc;

use crate::digest;
use crate::input::{self, Problems, Publication};
use crate::letter;
use crate::manifest::{self, MadeFrom};
use crate::output;
use crate::render::{Template, TemplateError};
use crate::stats::{self, Statistics};

/// Why a command could not get as far as the output folder.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PrepareError {
    #[error("the input is invalid:\n{0}")]
    Input(Problems),
    #[error("no authority `{given}` in authorities.csv{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    UnknownAuthority { given: String, hint: Option<String> },
    #[error("cannot load the template: {0}")]
    Template(#[from] TemplateError),
}

/// A validated publication with its template loaded and its figures computed: everything a
/// command needs before it looks at the output folder.
pub(crate) struct Prepared {
    pub(crate) publication: Publication,
    /// Shared, so that a letter compiled in a thread of its own can hold it.
    pub(crate) template: Arc<Template>,
    pub(crate) statistics: Statistics,
}

/// Loads and validates the input, loads the template and computes the statistics.
pub(crate) fn prepare(input: &Path, templates: &Path) -> Result<Prepared, PrepareError> {
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
    let statistics = stats::compute(&publication);
    Ok(Prepared {
        publication,
        template,
        statistics,
    })
}

/// One letter as the current input would make it.
pub(crate) struct PlannedLetter {
    /// Index into the publication's authorities.
    pub(crate) index: usize,
    /// The file, relative to the year's folder: `letters/<slug>.pdf`.
    pub(crate) file: String,
    pub(crate) slug: String,
    pub(crate) made_from: Arc<MadeFrom>,
    /// `made_from` as the manifest records it.
    pub(crate) made_from_json: Box<serde_json::value::RawValue>,
    pub(crate) inputs_digest: String,
}

/// What the letter to authority `index` would be made from now.
pub(crate) fn plan_letter(prepared: &Prepared, index: usize) -> PlannedLetter {
    let Prepared {
        publication,
        template,
        statistics,
    } = prepared;
    let made_from = MadeFrom {
        tool: manifest::tool(),
        template_digest: template.digest().to_string(),
        commentary_sha256: publication.commentary[index]
            .as_ref()
            .map(|c| digest::sha256(c.text.as_bytes())),
        data: letter::letter_data(publication, statistics, index),
    };
    let (made_from_json, inputs_digest) = made_from.recorded();
    PlannedLetter {
        index,
        file: output::letter_file(&publication.authorities[index].slug),
        slug: publication.authorities[index].slug.clone(),
        inputs_digest,
        made_from_json,
        made_from: Arc::new(made_from),
    }
}

/// The letter files the current register makes.
pub(crate) fn planned_files(publication: &Publication) -> impl Iterator<Item = String> + '_ {
    publication
        .authorities
        .iter()
        .map(|a| output::letter_file(&a.slug))
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
