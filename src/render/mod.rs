//! Compiling letters to PDF bytes with Typst, embedded as a library.
//!
//! [`render`] compiles one letter in this process: [`world`] holds the shared template and the
//! letter's world. A build compiles its letters in child processes instead ([`worker`], driven by
//! [`pool`]), so that a letter that never ends can be stopped without stopping the others.
//!
//! The PDFs are PDF/A-2a and PDF/UA-1: tagged, titled, dated from the publication (never the
//! clock) and identified by year and authority, so the same input gives the same bytes.

mod html;
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

/// One letter, in both editions.
pub(crate) struct Rendered {
    pub(crate) pdf: Vec<u8>,
    /// The letter's web page.
    pub(crate) html: Vec<u8>,
}

/// The environment variable that makes a build leave out the web edition's compiles: for the
/// benchmark only ([`without_web_edition`]).
pub(crate) const WITHOUT_WEB_VARIABLE: &str = "ANNUAL_REVIEW_BENCH_WITHOUT_WEB";

/// What the manifest records as the inputs of a letter made without its web page: no real
/// inputs digest equals it, so the next build makes the letter again, and `status` says why.
pub(crate) const PAGE_LEFT_OUT: &str = "its web page was left out for the benchmark";

/// Whether `ANNUAL_REVIEW_BENCH_WITHOUT_WEB=1` is set: then no letter's web page is compiled (each
/// is left empty) and neither is the site's index, so that the benchmark can time the national
/// batch without the web edition side by side with it. For the benchmark only: the pages such a
/// build writes are empty, and its summary says so. Read once.
pub(crate) fn without_web_edition() -> bool {
    static WITHOUT: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        std::env::var_os(WITHOUT_WEB_VARIABLE).is_some_and(|value| value == "1")
    });
    *WITHOUT
}

/// Compiles one letter, as a PDF from the template's `main.typ` and as a web page from its
/// `main-web.typ`: the same data, commentary and shared modules (so the page says the same
/// words, and reuses the evaluation of what the two share).
pub(crate) fn render(template: &Template, letter: &LetterSource) -> Result<Rendered, RenderError> {
    let world = LetterWorld::new(
        template,
        letter.data.clone(),
        letter.commentary,
        letter.date,
    );
    let pdf = letter_pdf(&world, letter)?;
    let html = if without_web_edition() {
        Vec::new()
    } else {
        html::compile(&world.page())?
    };
    Ok(Rendered { pdf, html })
}

/// [`render`], with the web page compiled in a second thread beside the PDF: for a letter made
/// alone, when the machine's other cores would otherwise wait.
pub(crate) fn render_in_two_threads(
    template: &Template,
    letter: &LetterSource,
) -> Result<Rendered, RenderError> {
    if without_web_edition() {
        return render(template, letter);
    }
    let world = LetterWorld::new(
        template,
        letter.data.clone(),
        letter.commentary,
        letter.date,
    );
    let page_world = world.page();
    let (pdf, html) = std::thread::scope(|scope| {
        let html = std::thread::Builder::new()
            .name("letter page".to_string())
            .stack_size(worker::STACK_BYTES)
            .spawn_scoped(scope, || html::compile(&page_world));
        let pdf = letter_pdf(&world, letter);
        let html = match html {
            Ok(thread) => thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No second thread to be had: compile it here instead.
            Err(_) => html::compile(&page_world),
        };
        (pdf, html)
    });
    Ok(Rendered {
        pdf: pdf?,
        html: html?,
    })
}

/// Compiles one letter to its PDF only, or its web page only: for the benchmark's measure of what
/// the web edition costs.
pub(crate) fn render_one(
    template: &Template,
    letter: &LetterSource,
    page: bool,
) -> Result<Vec<u8>, RenderError> {
    let world = LetterWorld::new(
        template,
        letter.data.clone(),
        letter.commentary,
        letter.date,
    );
    if page {
        html::compile(&world.page())
    } else {
        letter_pdf(&world, letter)
    }
}

/// The letter's PDF: compiled and exported.
fn letter_pdf(world: &LetterWorld, letter: &LetterSource) -> Result<Vec<u8>, RenderError> {
    let document = compile(world, letter)?;
    export(world, &document, letter)
}

/// The site's index page: the template's `index.typ` with the year's data at `/site.json`.
pub(crate) fn render_index(
    template: &Template,
    site_data: Vec<u8>,
    date: NaiveDate,
) -> Result<Vec<u8>, RenderError> {
    html::compile(&LetterWorld::index(template, site_data, date))
}

/// Compiles one letter's world into pages; warnings count as errors.
fn compile(world: &LetterWorld, letter: &LetterSource) -> Result<PagedDocument, RenderError> {
    let mut document: PagedDocument = compile_strictly(world, |_| false)?;
    document.info_mut().title = Some(letter.title.as_str().into());
    Ok(document)
}

/// Compiles `world` to a document; every warning but those `expected` lets pass fails it, with
/// the errors.
fn compile_strictly<D: typst::foundations::Output>(
    world: &LetterWorld,
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
    world: &LetterWorld,
    document: &PagedDocument,
    letter: &LetterSource,
) -> Result<Vec<u8>, RenderError> {
    let date = letter.date;
    let timestamp =
        Datetime::from_ymd_hms(date.year(), date.month() as u8, date.day() as u8, 9, 0, 0)
            .map(Timestamp::new_utc);
    let options = PdfOptions {
        ident: Smart::Custom(letter.ident.clone()),
        creator: Smart::Custom(Some(crate::manifest::tool())),
        timestamp,
        standards: PdfStandards::new(&[PdfStandard::A_2a, PdfStandard::Ua_1])
            .expect("PDF/A-2a and PDF/UA-1 are compatible"),
        tagged: true,
        ..PdfOptions::default()
    };
    typst_pdf::pdf(document, &options).map_err(|errors| {
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

/// The sample's letter to `code`, as the build hands it to [`render`]: for the tests.
#[cfg(test)]
fn sample_letter<'a>(prepared: &'a crate::plan::Prepared, code: &str) -> LetterSource<'a> {
    let publication = &prepared.publication;
    let index = publication
        .authorities
        .iter()
        .position(|a| a.code == code)
        .unwrap();
    let data = crate::letter::letter_data(publication, &prepared.statistics, index);
    crate::build::letter_source(prepared, index, serde_json::to_vec(&data).unwrap())
}

/// A letter's PDF compiles with Typst's library as the plain `typst` command line has it, without
/// the HTML feature, as the README promises template authors: nothing the PDF's files make when
/// they are imported may need `html`, which only the web page's side of the template may use.
#[cfg(test)]
mod without_html {
    use std::path::PathBuf;

    use super::*;
    use crate::plan;

    #[test]
    fn kents_pdf_compiles_without_the_html_feature() {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let prepared = plan::prepare(&repo.join("input"), &repo.join("typst-templates")).unwrap();
        let folder = repo.join("typst-templates/annual-review-2021");
        let template = Template::load(&folder).unwrap().without_html();
        let letter = sample_letter(&prepared, "E10000016");
        let world = LetterWorld::new(
            &template,
            letter.data.clone(),
            letter.commentary,
            letter.date,
        );
        let problems = compile(&world, &letter).err().map(|e| e.to_string());
        assert_eq!(problems, None);
    }
}

/// The pages look as they did when their reference images were made: Kent's three pages and
/// the Isles of Scilly's statistics page, rendered to pixels in this process (typst-render draws
/// the same document Typst exports) and compared with `tests/visual/*.png` within a small
/// tolerance. `UPDATE_VISUAL=1` writes new references instead; look at them before committing.
#[cfg(test)]
mod visual {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::plan::{self, Prepared};

    /// Pixels per point: 1.5 draws an A4 page 893 pixels wide, enough to see a misplaced line.
    const SCALE: f32 = 1.5;
    /// A pixel differs when a channel moves by more than this.
    const CHANNEL_TOLERANCE: u8 = 24;
    /// The page differs when more than this share of its pixels do.
    const PIXEL_TOLERANCE: f64 = 0.0005;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn pages_of(prepared: &Prepared, code: &str) -> Vec<tiny_skia::Pixmap> {
        let letter = sample_letter(prepared, code);
        let world = LetterWorld::new(
            &prepared.template,
            letter.data.clone(),
            letter.commentary,
            letter.date,
        );
        let document = compile(&world, &letter).unwrap();
        let options = typst_render::RenderOptions {
            pixel_per_pt: typst::utils::Scalar::new(SCALE.into()),
            render_bleed: false,
        };
        document
            .pages()
            .iter()
            .map(|page| typst_render::render(page, &options))
            .collect()
    }

    /// The share of pixels that differ, or why the images cannot be compared.
    fn difference(actual: &tiny_skia::Pixmap, reference: &Path) -> Result<f64, String> {
        let reference = tiny_skia::Pixmap::load_png(reference).map_err(|e| e.to_string())?;
        if (reference.width(), reference.height()) != (actual.width(), actual.height()) {
            return Err(format!(
                "{}×{} pixels, the reference {}×{}",
                actual.width(),
                actual.height(),
                reference.width(),
                reference.height()
            ));
        }
        let differing = actual
            .data()
            .chunks(4)
            .zip(reference.data().chunks(4))
            .filter(|(a, b)| {
                a.iter()
                    .zip(*b)
                    .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE)
            })
            .count();
        Ok(differing as f64 / (actual.width() * actual.height()) as f64)
    }

    #[test]
    fn kent_and_the_isles_of_scilly_look_as_they_did() {
        let prepared =
            plan::prepare(&repo().join("input"), &repo().join("typst-templates")).unwrap();
        let kent = pages_of(&prepared, "E10000016");
        assert_eq!(kent.len(), 3, "Kent's letter has three pages");
        let scilly = pages_of(&prepared, "E06000053");
        let pages = [
            ("kent-page-1", &kent[0]),
            ("kent-page-2", &kent[1]),
            ("kent-page-3", &kent[2]),
            ("scilly-statistics", scilly.last().unwrap()),
        ];
        let update = std::env::var_os("UPDATE_VISUAL").is_some();
        let actual_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/visual");
        let mut failures = Vec::new();
        for (name, page) in pages {
            let reference = repo().join("tests/visual").join(format!("{name}.png"));
            if update {
                page.save_png(&reference).unwrap();
                continue;
            }
            match difference(page, &reference) {
                Ok(share) if share <= PIXEL_TOLERANCE => {}
                outcome => {
                    std::fs::create_dir_all(&actual_dir).unwrap();
                    let actual = actual_dir.join(format!("{name}.png"));
                    page.save_png(&actual).unwrap();
                    failures.push(format!(
                        "{name}: {} (now: {})",
                        match outcome {
                            Ok(share) => format!("{:.3}% of the pixels differ", share * 100.0),
                            Err(why) => why,
                        },
                        actual.display()
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "pages differ from tests/visual/ (look at them; if the change is meant, run with UPDATE_VISUAL=1 and look again):\n{}",
            failures.join("\n")
        );
    }
}
