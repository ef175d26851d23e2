//! A council's message, composed from its current letter: the note's words ([`super::note`]),
//! the addresses of the register and `[delivery]`, and the letter's bytes, made into an RFC 5322
//! message ([`super::message`]).

use chrono::NaiveDate;

use super::message::{self, MessageError, Parts};
use super::note::{self, Note, NoteError, ReissueWords};
use crate::input::Delivery;
use crate::layout;
use crate::letter;
use crate::plan::Prepared;

/// A council's built, current letter.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    pub(crate) bytes: Vec<u8>,
    pub(crate) sha256: String,
}

/// A corrected letter's message: the how-manieth, why, when, and the messages it follows.
#[derive(Debug, Clone)]
pub(crate) struct Correction<'a> {
    pub(crate) number: usize,
    pub(crate) reason: &'a str,
    pub(crate) date: NaiveDate,
    /// The Message-IDs of the messages sent before, first to last.
    pub(crate) earlier: &'a [String],
}

/// A message, ready for the outbox.
#[derive(Debug, Clone)]
pub(crate) struct Composed {
    /// Relative to the year's folder: `outbox/<slug>.eml`.
    pub(crate) file: String,
    pub(crate) message_id: String,
    pub(crate) bytes: Vec<u8>,
    /// The envelope's recipients: the council's addresses, then its copies'.
    pub(crate) recipients: Vec<String>,
    pub(crate) letter_sha256: String,
}

/// Why a message could not be composed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ComposeError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error(transparent)]
    Message(#[from] MessageError),
}

/// The message of the council `index` carrying `letter`: its first, or the correction `correction`.
pub(crate) fn compose(
    prepared: &Prepared,
    delivery: &Delivery,
    index: usize,
    letter: &Letter,
    correction: Option<&Correction>,
) -> Result<Composed, ComposeError> {
    let publication = &prepared.publication;
    let config = &publication.config;
    let authority = &publication.authorities[index];
    let data = letter::letter_data(publication, &prepared.statistics, &prepared.history, index);
    let data = serde_json::to_value(&data).expect("letter data serializes");
    let reissue = correction.map(|correction| ReissueWords {
        number: correction.number,
        reason: correction.reason,
        date: letter::long_date(correction.date),
    });
    let Note {
        subject,
        text,
        html,
    } = note::write(&prepared.template, &data, reissue.as_ref())?;
    let number = correction.map_or(0, |c| c.number);
    let message_id = message::message_id(
        &config.year,
        &authority.code,
        &letter.sha256,
        number,
        &delivery.from,
    );
    let attachment = format!(
        "annual-review-{}-{}.pdf",
        plain(&config.year),
        authority.slug
    );
    let bytes = message::render(&Parts {
        delivery,
        authority,
        message_id: &message_id,
        references: correction.map_or(&[], |c| c.earlier),
        date: correction.map_or(config.letter_date, |c| c.date),
        subject: &subject,
        text: &text,
        html: &html,
        attachment: &attachment,
        pdf: &letter.bytes,
    })?;
    let recipients = authority
        .email
        .iter()
        .chain(
            authority
                .copies
                .iter()
                .filter_map(|copy| copy.email.as_ref()),
        )
        .cloned()
        .collect();
    Ok(Composed {
        file: layout::message(&authority.slug, number),
        message_id,
        bytes,
        recipients,
        letter_sha256: letter.sha256.clone(),
    })
}

/// `text` with only letters, digits and hyphens: for a file name.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}
