//! The covering note's words, from the template folder: `email/subject.txt`, `email/note.txt` and
//! `email/note.html`, Jinja templates (minijinja) a template author edits like the letter.
//!
//! They read the letter's data (what `annual-review letter-data` prints) and `reissue`, which is
//! none for a first message and, for a corrected one, its `number`, `reason` and `date`. Values
//! are data, never markup: the HTML note escapes every value, and no template can read a file.
//! An unknown name is an error, not an empty string, so a typo never goes out to a council.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::render::Template;

/// Where the note's words live, in the template folder.
pub(crate) const SUBJECT: &str = "email/subject.txt";
pub(crate) const TEXT: &str = "email/note.txt";
pub(crate) const HTML: &str = "email/note.html";

/// A corrected letter's message, as its note reads it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReissueWords<'a> {
    /// 1 for the first correction.
    pub(crate) number: usize,
    pub(crate) reason: &'a str,
    /// e.g. `4 December 2026`.
    pub(crate) date: String,
}

/// The note's words for one council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Note {
    /// On one line, with `Corrected: ` before it for a corrected letter.
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: String,
}

/// Why the note could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NoteError {
    #[error(
        "the template has no `{file}`: a covering e-mail's words live in the template folder, as `{SUBJECT}`, `{TEXT}` and `{HTML}`"
    )]
    Missing { file: &'static str },
    #[error("the template's `{file}`")]
    Template {
        file: &'static str,
        #[source]
        source: minijinja::Error,
    },
    #[error(
        "the template's `{file}` does not print the reason for the correction (`{{{{ reissue.reason }}}}`): a corrected letter's note must say why it was corrected"
    )]
    NoReason { file: &'static str },
    #[error("the template's `{SUBJECT}` gives an empty subject")]
    EmptySubject,
}

/// The note for a letter whose data is `letter` (its JSON), corrected when `reissue` says.
pub(crate) fn write(
    template: &Template,
    letter: &serde_json::Value,
    reissue: Option<&ReissueWords>,
) -> Result<Note, NoteError> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    // The templates get no loader: they cannot include or read anything but each other.
    let sources: Vec<(&'static str, String)> = [SUBJECT, TEXT, HTML]
        .into_iter()
        .map(|file| {
            template
                .text(file)
                .map(|source| (file, source))
                .ok_or(NoteError::Missing { file })
        })
        .collect::<Result<_, _>>()?;
    for (file, source) in &sources {
        environment
            .add_template(file, source)
            .map_err(|source| NoteError::Template { file, source })?;
    }
    let mut context = letter.clone();
    if let serde_json::Value::Object(fields) = &mut context {
        fields.insert(
            "reissue".to_string(),
            serde_json::to_value(reissue).expect("plain data serializes"),
        );
    }
    let context = minijinja::Value::from(minijinja::value::Serde(&context));
    let render = |file: &'static str| {
        environment
            .get_template(file)
            .and_then(|template| template.render(&context))
            .map_err(|source| NoteError::Template { file, source })
    };
    // A subject is one line: whatever the template's line breaks, and no header can be added.
    let subject = render(SUBJECT)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if subject.is_empty() {
        return Err(NoteError::EmptySubject);
    }
    let text = render(TEXT)?;
    let html = render(HTML)?;
    if let Some(reissue) = reissue {
        if !text.contains(reissue.reason) {
            return Err(NoteError::NoReason { file: TEXT });
        }
        if !html.contains(&escape_html(reissue.reason)) {
            return Err(NoteError::NoReason { file: HTML });
        }
    }
    Ok(Note {
        subject: match reissue {
            Some(_) => format!("Corrected: {subject}"),
            None => subject,
        },
        text,
        html,
    })
}

/// `text` as minijinja's HTML escaping writes it.
fn escape_html(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}
