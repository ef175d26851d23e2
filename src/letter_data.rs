//! `annual-review letter-data`: the JSON a letter's template reads as `/data.json`, for template
//! authors and for compiling a letter with the plain `typst` command line.

use std::path::Path;

use crate::exit::Exit;
use crate::files::{self, WriteError};
use crate::letter;
use crate::plan::{self, PrepareError, Prepared, Sources};

/// Why the data could not be given.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LetterDataError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl Exit for LetterDataError {
    fn exit_status(&self) -> u8 {
        match self {
            LetterDataError::Prepare(error) => error.exit_status(),
            LetterDataError::Write(error) => error.exit_status(),
        }
    }

    fn problems(&self) -> Option<&crate::input::Problems> {
        match self {
            LetterDataError::Prepare(error) => error.problems(),
            LetterDataError::Write(_) => None,
        }
    }
}

/// The pretty-printed template data of one authority's letter.
pub(crate) fn letter_data_json(sources: &Sources, authority: &str) -> Result<String, PrepareError> {
    let Prepared {
        publication,
        statistics,
        history,
        ..
    } = plan::prepare(sources, None)?;
    let index = plan::select(&publication, &[authority.to_string()])?[0];
    let data = letter::letter_data(&publication, &statistics, &history, index);
    Ok(serde_json::to_string_pretty(&data).expect("letter data serializes"))
}

/// Writes every letter's template data to `<out>/<slug>.json`, and its commentary to
/// `<out>/<slug>.commentary.typ`: what the plain `typst` command line needs to compile the same
/// letters. Returns how many letters there are.
pub(crate) fn write_letter_data(sources: &Sources, out: &Path) -> Result<usize, LetterDataError> {
    let Prepared {
        publication,
        statistics,
        history,
        ..
    } = plan::prepare(sources, None)?;
    for (index, authority) in publication.authorities.iter().enumerate() {
        let data = letter::letter_data(&publication, &statistics, &history, index);
        let json = serde_json::to_vec(&data).expect("letter data serializes");
        // Slugs are plain names (checked when the register was read): the files stay in `out`.
        files::write_durable(
            &out.join(format!("{}.json", authority.slug)),
            &json,
            "letter-data",
        )?;
        if let Some(commentary) = &publication.commentary[index] {
            files::write_durable(
                &out.join(format!("{}.commentary.typ", authority.slug)),
                commentary.text.as_bytes(),
                "letter-data",
            )?;
        }
    }
    Ok(publication.authorities.len())
}
