//! Compiling the year's documents with Typst, embedded as a library: a council's letter as a PDF
//! and as a web page, and the site's index — each an [`Edition`] of a [`Document`], compiled by
//! one function, [`compile`].
//!
//! [`world`] holds the shared template and each document's world. A build compiles its letters
//! in child processes ([`worker`], driven by [`pool`]), so that a letter that never ends can be
//! stopped without stopping the others.
//!
//! The PDFs are PDF/A-2a and PDF/UA-1: tagged, titled, dated from the publication (never the
//! clock) and identified by year and authority, so the same input gives the same bytes.

mod html;
pub(crate) mod pool;
pub(crate) mod worker;
mod world;

use std::path::PathBuf;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use typst::WorldExt;
use typst::diag::{Severity, SourceDiagnostic};
use typst::foundations::{Datetime, Smart};
use typst::syntax::DiagSpan;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::layout::Edition;
pub(crate) use world::{DocumentWorld, Template, TemplateError};

/// Everything that differs between two documents of a year: what one compile takes besides the
/// template and the edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Document {
    /// The PDF's title, e.g. "Annual Review letter 2021 – Kent County Council".
    pub(crate) title: String,
    /// A stable identifier for the PDF's `/ID`, e.g. "annual-review-2020-21-E10000016".
    pub(crate) ident: String,
    /// The letter's date: the PDF's creation date and Typst's `today`.
    pub(crate) date: NaiveDate,
    /// The template's data, as JSON (`/data.json`, or `/site.json` for the index).
    #[serde(skip)]
    pub(crate) data: Vec<u8>,
    /// The council's commentary markup and the file it came from.
    #[serde(skip)]
    pub(crate) commentary: Option<(String, PathBuf)>,
}

/// Why a document could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RenderError {
    /// Typst errors (and warnings, which a publication does not accept), and what a web page
    /// made from commentary may not hold: one formatted diagnostic each, `file:line:column:
    /// error: message`, with hints and trace lines.
    #[error("{}", .0.join("\n"))]
    Typst(Vec<String>),
}

/// One edition of a document, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Made {
    pub(crate) bytes: Vec<u8>,
    /// The template's files the compile read, by their paths in the template folder.
    pub(crate) read: Vec<String>,
}

/// Compiles one edition of a document: a letter's PDF from the template's `main.typ`, its web
/// page from `main-web.typ`, the site's index from `index.typ`.
pub(crate) fn compile(
    template: &Template,
    document: &Document,
    edition: Edition,
) -> Result<Made, RenderError> {
    let world = DocumentWorld::new(template, document, edition);
    let bytes = match edition {
        Edition::Letter => export(&world, &paged(&world, document)?, document)?,
        Edition::Page | Edition::Index => {
            let page = html::compile(&world)?;
            if let Some((_, commentary)) = &document.commentary {
                html::check_made_from_commentary(&page, commentary)?;
            }
            page
        }
    };
    Ok(Made {
        bytes,
        read: world.template_files_read(),
    })
}

/// Compiles `editions` of a document one after the other, in this thread: a letter's web page
/// compiled after its PDF reuses Typst's evaluation of the words they share.
pub(crate) fn compile_editions(
    template: &Template,
    document: &Document,
    editions: &[Edition],
) -> Result<Vec<Made>, RenderError> {
    editions
        .iter()
        .map(|&edition| compile(template, document, edition))
        .collect()
}

/// [`compile_editions`], each edition after the first in a thread of its own: for a letter made
/// alone, when the machine's other cores would otherwise wait.
pub(crate) fn compile_editions_in_threads(
    template: &Template,
    document: &Document,
    editions: &[Edition],
) -> Result<Vec<Made>, RenderError> {
    let Some((&first, others)) = editions.split_first() else {
        return Ok(Vec::new());
    };
    std::thread::scope(|scope| {
        let threads: Vec<_> = others
            .iter()
            .map(|&edition| {
                std::thread::Builder::new()
                    .name(format!("{} edition", edition.label()))
                    .stack_size(worker::STACK_BYTES)
                    .spawn_scoped(scope, move || compile(template, document, edition))
                    .map_err(|_| edition)
            })
            .collect();
        let mut made = vec![compile(template, document, first)];
        for thread in threads {
            made.push(match thread {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No second thread to be had: compile it here instead.
                Err(edition) => compile(template, document, edition),
            });
        }
        made.into_iter().collect()
    })
}

/// Compiles a letter's world into pages, titled; warnings count as errors.
pub(crate) fn paged(
    world: &DocumentWorld,
    document: &Document,
) -> Result<PagedDocument, RenderError> {
    let mut pdf: PagedDocument = compile_strictly(world, |_| false)?;
    pdf.info_mut().title = Some(document.title.as_str().into());
    Ok(pdf)
}

/// Compiles `world` to a document; every warning but those `expected` lets pass fails it, with
/// the errors.
fn compile_strictly<D: typst::foundations::Output>(
    world: &DocumentWorld,
    expected: fn(&SourceDiagnostic) -> bool,
) -> Result<D, RenderError> {
    let compiled = typst::compile::<D>(world);
    let mut problems: Vec<String> = compiled
        .warnings
        .iter()
        .filter(|w| !expected(w))
        .map(|w| format_diagnostic(world, w))
        .collect();
    match compiled.output {
        Ok(document) if problems.is_empty() => Ok(document),
        Ok(_) => Err(RenderError::Typst(problems)),
        Err(errors) => {
            problems.extend(errors.iter().map(|e| format_diagnostic(world, e)));
            Err(RenderError::Typst(problems))
        }
    }
}

/// The PDF/A-2a and PDF/UA-1 bytes of a compiled letter.
fn export(
    world: &DocumentWorld,
    pdf: &PagedDocument,
    document: &Document,
) -> Result<Vec<u8>, RenderError> {
    let date = document.date;
    let timestamp =
        Datetime::from_ymd_hms(date.year(), date.month() as u8, date.day() as u8, 9, 0, 0)
            .map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(document.ident.clone()),
        creator: Smart::Custom(Some(crate::TOOL.to_string())),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .expect("PDF/A-2a and PDF/UA-1 are compatible"),
        tagged: true,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(pdf, &options).map_err(|errors| {
        RenderError::Typst(errors.iter().map(|e| format_diagnostic(world, e)).collect())
    })
}

/// `file:line:column: error: message`, then `hint:` lines and the trace, as Typst's CLI does.
///
/// typst-kit's `emit-diagnostics` was the alternative, and does not fit: its short format prints
/// neither hints nor the trace, and its human format prints each diagnostic as a multi-line
/// source excerpt under a bare `error:` line, not as the one `file:line:column: message` line
/// that every other message of this tool (and the input report) uses and that tests and users
/// search for.
fn format_diagnostic(world: &DocumentWorld, diagnostic: &SourceDiagnostic) -> String {
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
fn locate(world: &DocumentWorld, span: impl Into<DiagSpan>) -> String {
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
