//! `annual-review build`: input → statistics → letters → files.
//!
//! The stages run in order and each one finishes before the next starts: the whole input is
//! validated before anything is written, and the statistics are computed from the whole extract
//! even when only some letters are requested. Letters then compile in parallel on plain worker
//! threads (not rayon tasks: Typst's PDF export waits on rayon internally, and a rayon worker
//! that waits runs other letters on its own stack until it overflows).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::input::{self, Problems, Publication};
use crate::letter;
use crate::output::{self, WriteError};
use crate::progress::Progress;
use crate::render::{self, LetterSource, RenderError, Template, TemplateError};
use crate::stats::{self, Statistics};

/// What to build, from the command line.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub input: PathBuf,
    pub output: PathBuf,
    pub templates: PathBuf,
    /// Codes or names of the authorities whose letters to make; empty for all.
    pub authorities: Vec<String>,
    /// Letters compiled at once.
    pub jobs: usize,
}

/// Why nothing was built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the input is invalid:\n{0}")]
    Input(Problems),
    #[error("no authority `{given}` in authorities.csv{}", hint.as_ref().map(|h| format!("\n  hint: {h}")).unwrap_or_default())]
    UnknownAuthority { given: String, hint: Option<String> },
    #[error("cannot load the template: {0}")]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// A letter that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("{0}")]
    Render(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A bug in Typst or in this tool, caught so that the other letters are still made.
    #[error("internal error while making the letter: {0}")]
    Panic(String),
}

/// One failed letter.
#[derive(Debug)]
pub struct Failure {
    pub code: String,
    pub name: String,
    pub error: LetterError,
}

/// What a build did.
#[derive(Debug)]
pub struct BuildReport {
    pub year_dir: PathBuf,
    /// The letters written, in register order.
    pub written: Vec<PathBuf>,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
}

/// Runs a whole build.
pub fn build(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let publication = input::load(&options.input, &options.templates).map_err(BuildError::Input)?;
    let selected = select(&publication, &options.authorities)?;
    let template = Template::load(&publication.template_dir)?;
    let statistics = stats::compute(&publication);
    let year_dir = output::year_dir(&options.output, &publication);

    let results = make_letters(
        &publication,
        &statistics,
        &template,
        &selected,
        &year_dir,
        options.jobs,
        progress,
    );
    let mut written = Vec::new();
    let mut failures = Vec::new();
    for (&index, result) in selected.iter().zip(results) {
        let authority = &publication.authorities[index];
        match result {
            Ok(path) => written.push(path),
            Err(error) => failures.push(Failure {
                code: authority.code.clone(),
                name: authority.name.clone(),
                error,
            }),
        }
    }
    output::write_atomic(
        &year_dir.join("statistics.csv"),
        &output::statistics_csv(&publication, &statistics),
    )?;
    output::write_atomic(
        &year_dir.join("statistics.json"),
        &output::statistics_json(&publication, &statistics),
    )?;
    Ok(BuildReport {
        year_dir,
        written,
        failures,
        elapsed: started.elapsed(),
    })
}

/// The pretty-printed template data of one authority's letter.
pub fn letter_data_json(
    input: &Path,
    templates: &Path,
    authority: &str,
) -> Result<String, BuildError> {
    let publication = input::load(input, templates).map_err(BuildError::Input)?;
    let index = select(&publication, &[authority.to_string()])?[0];
    let statistics = stats::compute(&publication);
    let data = letter::letter_data(&publication, &statistics, index);
    Ok(serde_json::to_string_pretty(&data).expect("letter data serializes"))
}

/// The indices of the requested authorities, in register order; all of them when none is named.
fn select(publication: &Publication, requested: &[String]) -> Result<Vec<usize>, BuildError> {
    if requested.is_empty() {
        return Ok((0..publication.authorities.len()).collect());
    }
    let lookup = publication.lookup();
    let mut selected = Vec::new();
    for given in requested {
        match lookup.find(given.trim()) {
            Some(index) => selected.push(index),
            None => {
                return Err(BuildError::UnknownAuthority {
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

/// Renders and writes the letters of `selected` on `jobs` worker threads; one result each, in
/// the order of `selected`.
fn make_letters(
    publication: &Publication,
    statistics: &Statistics,
    template: &Template,
    selected: &[usize],
    year_dir: &Path,
    jobs: usize,
    progress: &dyn Progress,
) -> Vec<Result<PathBuf, LetterError>> {
    let results: Vec<Mutex<Option<Result<PathBuf, LetterError>>>> =
        selected.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    progress.start(selected.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, selected.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let slot = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&index) = selected.get(slot) else {
                        break;
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        make_letter(publication, statistics, template, index, year_dir)
                    }))
                    .unwrap_or_else(|panic| Err(LetterError::Panic(panic_message(&*panic))));
                    progress.letter_done(&publication.authorities[index].name);
                    *results[slot]
                        .lock()
                        .expect("no worker panics while holding a slot") = Some(result);
                }
            });
        }
    });
    progress.finish();
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .expect("workers finished")
                .expect("every slot was filled")
        })
        .collect()
}

/// Renders one letter and writes it.
fn make_letter(
    publication: &Publication,
    statistics: &Statistics,
    template: &Template,
    index: usize,
    year_dir: &Path,
) -> Result<PathBuf, LetterError> {
    let bytes = render_letter(publication, statistics, template, index)?;
    let path = output::letter_path(year_dir, &publication.authorities[index].slug);
    output::write_atomic(&path, &bytes)?;
    Ok(path)
}

/// The PDF bytes of the letter to authority `index`.
pub fn render_letter(
    publication: &Publication,
    statistics: &Statistics,
    template: &Template,
    index: usize,
) -> Result<Vec<u8>, RenderError> {
    let authority = &publication.authorities[index];
    let data = letter::letter_data(publication, statistics, index);
    let commentary = publication.commentary[index].as_ref();
    render::render(
        template,
        &LetterSource {
            data: serde_json::to_vec(&data).expect("letter data serializes"),
            commentary: commentary.map(|c| (c.text.as_str(), c.path.as_path())),
            title: data.title,
            ident: format!(
                "annual-review-{}-{}",
                publication.config.year, authority.code
            ),
            date: publication.config.letter_date,
        },
    )
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(message), _) => (*message).to_string(),
        (_, Some(message)) => message.clone(),
        _ => "unknown panic".to_string(),
    }
}
