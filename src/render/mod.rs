//! Compiling letters to PDF bytes with Typst, embedded as a library.
//!
//! [`render`] compiles one letter in this process: [`world`] holds the shared template and the
//! letter's world. A build compiles its letters in child processes instead ([`worker`], driven by
//! [`pool`]), so that a letter that never ends can be stopped without stopping the others.
//!
//! The PDFs are PDF/A-2a and PDF/UA-1: tagged, titled, dated from the publication (never the
//! clock) and identified by year and authority, so the same input gives the same bytes.

pub(crate) mod pool;
pub(crate) mod worker;
mod world;

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::syntax::DiagSpan;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

pub(crate) use world::{LetterWorld, Template, TemplateError};

/// Everything that differs between letters.
pub(crate) struct LetterSource<'a> {
    /// The template's data, serialized as JSON.
    pub(crate) data: Vec<u8>,
    /// The council's commentary markup and the file it came from.
    pub(crate) commentary: Option<(&'a str, &'a Path)>,
    /// The PDF title, e.g. "Annual Review letter 2021 – Kent County Council".
    pub(crate) title: String,
    /// A stable identifier for the PDF's `/ID`, e.g. "annual-review-2020-21-E10000016".
    pub(crate) ident: String,
    /// The letter's date: the PDF's creation date and Typst's `today`.
    pub(crate) date: NaiveDate,
}

/// Why a letter could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RenderError {
    /// Typst errors (and warnings, which a publication does not accept), one formatted
    /// diagnostic each: `file:line:column: error: message`, with hints and trace lines.
    #[error("{}", .0.join("\n"))]
    Typst(Vec<String>),
}

/// Compiles one letter and exports it as PDF bytes.
pub(crate) fn render(template: &Template, letter: &LetterSource) -> Result<Vec<u8>, RenderError> {
    let world = LetterWorld::new(
        template,
        letter.data.clone(),
        letter.commentary,
        letter.date,
    );
    let compiled = typst::compile::<PagedDocument>(&world);
    let mut problems: Vec<String> = compiled
        .warnings
        .iter()
        .map(|w| format_diagnostic(&world, w))
        .collect();
    let mut document = match compiled.output {
        Ok(document) => document,
        Err(errors) => {
            problems.extend(errors.iter().map(|e| format_diagnostic(&world, e)));
            return Err(RenderError::Typst(problems));
        }
    };
    if !problems.is_empty() {
        return Err(RenderError::Typst(problems));
    }
    document.info_mut().title = Some(letter.title.as_str().into());
    let date = letter.date;
    let timestamp =
        Datetime::from_ymd_hms(date.year(), date.month() as u8, date.day() as u8, 9, 0, 0)
            .map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(letter.ident.clone()),
        creator: Smart::Custom(Some(format!("annual-review {}", env!("CARGO_PKG_VERSION")))),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .expect("PDF/A-2a and PDF/UA-1 are compatible"),
        tagged: true,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| {
        RenderError::Typst(
            errors
                .iter()
                .map(|e| format_diagnostic(&world, e))
                .collect(),
        )
    })
}

/// `file:line:column: error: message`, then `hint:` lines and the trace, as Typst's CLI does.
fn format_diagnostic(world: &LetterWorld, diagnostic: &SourceDiagnostic) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut text = format!(
        "{}: {severity}: {}",
        locate(world, diagnostic.span),
        diagnostic.message
    );
    for hint in &diagnostic.hints {
        text.push_str(&format!("\n  hint: {}", hint.v));
    }
    for point in &diagnostic.trace {
        text.push_str(&format!("\n  {} at {}", point.v, locate(world, point.span)));
    }
    text
}

/// `file:line:column` (1-based) of a span, or as much of it as is known.
fn locate(world: &LetterWorld, span: impl Into<DiagSpan>) -> String {
    let span = span.into();
    let Some(id) = span.id() else {
        return "(no location)".to_string();
    };
    let name = world.display_path(id);
    let Some(range) = world.range(span) else {
        return name;
    };
    let lines = match typst::World::source(world, id) {
        Ok(source) => Some(source.lines().clone()),
        Err(_) => typst::World::file(world, id)
            .ok()
            .and_then(|bytes| bytes.lines().ok()),
    };
    match lines.and_then(|lines| lines.byte_to_line_column(range.start)) {
        Some((line, column)) => format!("{name}:{}:{}", line + 1, column + 1),
        None => name,
    }
}
