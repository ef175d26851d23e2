//! `annual-review build`: input → statistics → plan → letters → files.
//!
//! The stages run in order and each one finishes before the next starts: the whole input is
//! validated before anything is written, and the statistics are computed from the whole extract
//! even when only some letters are requested. The output folder is then opened and locked, the
//! letters whose inputs changed are compiled by the letter workers ([`crate::render::pool`]), and
//! each is put in place and recorded in the manifest as it comes in; the statistics files and the
//! manifest follow.
//!
//! The manifest never claims what is not on disk: the claims about every file about to be
//! replaced are dropped (and the manifest written) before any is replaced, and a file is claimed
//! again only once it is in place and flushed to the disk.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::digest;
use crate::files::WriteError;
use crate::input::Publication;
use crate::manifest::{self, FileEntry, LetterEntry, Manifest, RunParameters};
use crate::output::{self, Content, OtherFile, OutputError, YearFolder, site};
use crate::plan::{self, PlannedLetter, PrepareError, Prepared};
use crate::progress::Progress;
use crate::render::pool::{Compiling, Letter, LetterFailure, Limits, Pool};
use crate::render::worker::Job;
use crate::render::{self, LetterSource, RenderError, Rendered};

/// What to build, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    pub(crate) input: PathBuf,
    pub(crate) output: PathBuf,
    pub(crate) templates: PathBuf,
    /// Codes or names of the authorities whose letters to make; empty for all.
    pub(crate) authorities: Vec<String>,
    /// Letters compiled at once.
    pub(crate) jobs: usize,
    /// Rebuild letters even when the manifest says they are current.
    pub(crate) force: bool,
    pub(crate) limits: Limits,
}

/// Why nothing was built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// A letter that could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LetterError {
    #[error(transparent)]
    Render(#[from] LetterFailure),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One failed letter.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) error: LetterError,
}

/// What a build did.
#[derive(Debug)]
pub(crate) struct BuildReport {
    pub(crate) year_dir: PathBuf,
    /// The letters written, in register order.
    pub(crate) written: Vec<String>,
    pub(crate) failures: Vec<Failure>,
    /// Why the site's index could not be compiled, if it could not.
    pub(crate) index_failure: Option<RenderError>,
    /// Requested letters that were already current and left alone.
    pub(crate) up_to_date: usize,
    /// Whether any file was written at all.
    pub(crate) wrote_anything: bool,
    /// Things the user should know that are not failures.
    pub(crate) notes: Vec<String>,
    /// A file other than a letter (a statistics file, the manifest) that could not be written:
    /// the build stopped there. The letters before it are in the report all the same.
    pub(crate) unfinished: Option<WriteError>,
    pub(crate) elapsed: Duration,
}

/// Runs a build: validates the input, then writes the requested letters whose inputs changed
/// since the manifest was written (all of them with `force`), the statistics files if they
/// changed, and the manifest.
pub(crate) fn build(
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let prepared = plan::prepare(&options.input, &options.templates)?;
    let publication = &prepared.publication;
    let selected = plan::select(publication, &options.authorities)?;
    let planned: Vec<PlannedLetter> = selected
        .iter()
        .map(|&index| plan::plan_letter(&prepared, index))
        .collect();
    // A letter made alone compiles in this process. It starts now, while the output folder and
    // the manifest are read, and is left unused if the manifest says it is up to date.
    let head_start = match planned.as_slice() {
        [letter] => Some(start_alone(&prepared, letter, options.limits)),
        _ => None,
    };
    let folder = YearFolder::open_for_writing(&options.output, &publication.config.year)?;
    let mut notes = Vec::new();
    if render::without_web_edition() && !planned.is_empty() {
        notes.push(format!(
            "{} is set, for the benchmark: the letters' web pages were left empty, the site's index was not made, and the manifest records the letters as made from no real inputs, so the next build makes them all again",
            render::WITHOUT_WEB_VARIABLE
        ));
    }
    let previous = match Manifest::read(folder.dir()) {
        Ok(previous) => previous,
        Err(error) => {
            notes.push(format!("{error}; every letter will be rebuilt"));
            None
        }
    };
    let run = run_parameters(options, publication);
    let had_manifest = previous.is_some();
    let mut manifest =
        previous.unwrap_or_else(|| Manifest::new(&publication.config.year, run.clone()));
    let to_build: Vec<PlannedLetter> = planned
        .into_iter()
        .filter(|letter| {
            options.force || !manifest.is_current(folder.dir(), &letter.file, &letter.inputs_digest)
        })
        .collect();
    let up_to_date = selected.len() - to_build.len();
    let stale_files: Vec<OtherFile> = output::other_files(&prepared)
        .into_iter()
        .filter(|file| !manifest.holds(folder.dir(), file))
        .collect();
    if to_build.is_empty() && stale_files.is_empty() && had_manifest {
        return Ok(BuildReport {
            year_dir: folder.dir().to_path_buf(),
            written: Vec::new(),
            failures: Vec::new(),
            index_failure: None,
            up_to_date,
            wrote_anything: false,
            notes,
            unfinished: None,
            elapsed: started.elapsed(),
        });
    }

    // Drop the claims about every file about to be replaced before replacing any.
    let mut dropped = false;
    for letter in &to_build {
        dropped |= manifest.letters.remove(&letter.file).is_some();
    }
    for file in &stale_files {
        dropped |= manifest.files.remove(&file.name).is_some();
    }
    let dropped_orphans = manifest.forget_missing_orphans(folder.dir(), publication);
    manifest.run = run;
    if dropped || dropped_orphans || !had_manifest {
        manifest.write(&folder)?;
    }

    let recorder = Recorder::new(manifest, &folder);
    // The index is compiled here while the workers make the letters.
    let (results, index) = std::thread::scope(|scope| {
        let index = scope.spawn(|| compile_index(&prepared, &stale_files));
        let results = make_letters(
            &prepared, &to_build, head_start, options, &recorder, progress,
        );
        (
            results,
            index.join().expect("compiling the index does not panic"),
        )
    });
    let mut written = Vec::new();
    let mut failures = Vec::new();
    for (letter, result) in to_build.iter().zip(results) {
        let authority = &publication.authorities[letter.index];
        match result {
            Ok(()) => written.push(letter.file.clone()),
            Err(error) => failures.push(Failure {
                code: authority.code.clone(),
                name: authority.name.clone(),
                error,
            }),
        }
    }
    let (index, index_failure) = match index {
        Ok(index) => (index, None),
        Err(error) => (None, Some(error)),
    };
    let mut manifest = recorder.into_manifest();
    let unfinished = write_other_files(&folder, &mut manifest, &stale_files, index)
        .and_then(|()| folder.make_durable())
        .and_then(|()| manifest.write(&folder))
        .err();
    let orphans = manifest.orphans(publication).count();
    if orphans > 0 {
        notes.push(format!(
            "{} in the manifest no longer match an authority in authorities.csv; `annual-review status` lists them",
            crate::numbers::count(orphans, "letter")
        ));
    }
    Ok(BuildReport {
        year_dir: folder.dir().to_path_buf(),
        written,
        failures,
        index_failure,
        up_to_date,
        wrote_anything: true,
        notes,
        unfinished,
        elapsed: started.elapsed(),
    })
}

/// The site's index, compiled when it is among the files to write.
fn compile_index(
    prepared: &Prepared,
    stale_files: &[OtherFile],
) -> Result<Option<Vec<u8>>, RenderError> {
    if render::without_web_edition() {
        return Ok(None);
    }
    let Some(data) = stale_files.iter().find_map(|file| match &file.content {
        Content::Index { data, .. } => Some(data),
        Content::Bytes(_) => None,
    }) else {
        return Ok(None);
    };
    let date = prepared.publication.config.letter_date;
    render::render_index(&prepared.template, data.clone(), date).map(Some)
}

/// Writes the other files that changed (the index only if it compiled) and records them.
fn write_other_files(
    folder: &YearFolder,
    manifest: &mut Manifest,
    files: &[OtherFile],
    index: Option<Vec<u8>>,
) -> Result<(), WriteError> {
    for file in files {
        let (bytes, inputs_digest) = match &file.content {
            Content::Bytes(bytes) => (bytes.as_slice(), None),
            Content::Index { inputs_digest, .. } => match &index {
                Some(index) => (index.as_slice(), Some(inputs_digest.clone())),
                None => continue,
            },
        };
        folder.write_file(&file.name, "other", |writer| writer.write_all(bytes))?;
        manifest.files.insert(
            file.name.clone(),
            FileEntry {
                inputs_digest,
                ..FileEntry::of(bytes, &folder.join(&file.name))
            },
        );
    }
    Ok(())
}

fn run_parameters(options: &BuildOptions, publication: &Publication) -> RunParameters {
    let config = &publication.config;
    RunParameters {
        tool: crate::manifest::tool(),
        input: options.input.clone(),
        templates: options.templates.clone(),
        template: config.template.clone(),
        average: config.average.label().to_string(),
        period_start: config.period_start.to_string(),
        period_end: config.period_end.to_string(),
        letter_date: config.letter_date.to_string(),
        publish_date: config.publish_date.to_string(),
        authorities: options.authorities.clone(),
        force: options.force,
    }
}

/// The manifest of a running build, written by whichever thread puts letters in place (a thread
/// of its own in a batch, the build's own for a letter built alone). Each letter in place is
/// recorded at once; the file is rewritten now and then (after flushing the letters it claims to
/// the disk), so that a build killed half-way keeps most of its work without writing the manifest
/// once per letter.
struct Recorder<'a> {
    state: Mutex<(Manifest, Instant)>,
    folder: &'a YearFolder,
}

impl<'a> Recorder<'a> {
    /// The shortest time between two writes of the manifest.
    const FLUSH_EVERY: Duration = Duration::from_millis(250);

    fn new(manifest: Manifest, folder: &'a YearFolder) -> Self {
        Recorder {
            state: Mutex::new((manifest, Instant::now() + Self::FLUSH_EVERY)),
            folder,
        }
    }

    /// Records a letter that is in place on disk.
    fn record(&self, file: String, entry: LetterEntry) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (manifest, next_flush) = &mut *state;
        manifest.letters.insert(file, entry);
        if Instant::now() >= *next_flush {
            let started = Instant::now();
            // A failed intermediate write only loses progress; the final write reports errors.
            let _ = self
                .folder
                .make_durable()
                .and_then(|()| manifest.write(self.folder));
            // The manifest grows with the publication: keep its writing (which holds the other
            // letters back) under a tenth of the time.
            *next_flush = Instant::now() + Self::FLUSH_EVERY.max(started.elapsed() * 10);
        }
    }

    fn into_manifest(self) -> Manifest {
        self.state.into_inner().unwrap_or_else(|e| e.into_inner()).0
    }
}

/// Starts compiling the one letter of a build, in this process.
fn start_alone(prepared: &Prepared, letter: &PlannedLetter, limits: Limits) -> Compiling {
    let data = letter_data_json(letter);
    Compiling::start(
        &prepared.template,
        &letter_input(&prepared.publication, letter, &data),
        limits,
    )
}

/// How many made letters may wait for the thread that puts them in place before the workers
/// are held back: a few letters' bytes, enough to ride out a flush of the manifest.
const WAITING_TO_BE_PUT_IN_PLACE: usize = 16;

/// Compiles `letters` on the letter workers, puts each in place and records it; one result each,
/// in order. `head_start` is the one letter of the build, already compiling in this process.
fn make_letters(
    prepared: &Prepared,
    letters: &[PlannedLetter],
    head_start: Option<Compiling>,
    options: &BuildOptions,
    recorder: &Recorder,
    progress: &dyn Progress,
) -> Vec<Result<(), LetterError>> {
    let publication = &prepared.publication;
    let data: Vec<Vec<u8>> = letters.iter().map(letter_data_json).collect();
    let jobs: Vec<Letter> = letters
        .iter()
        .zip(&data)
        .map(|(letter, data)| letter_input(publication, letter, data))
        .collect();
    let results: Vec<Mutex<Option<Result<(), LetterError>>>> =
        letters.iter().map(|_| Mutex::new(None)).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = options.jobs.clamp(1, letters.len().max(1));
    let pool = Pool {
        template_dir: publication.template_dir.clone(),
        template: std::sync::Arc::clone(&prepared.template),
        workers,
        threads_per_worker: (cores / workers).max(1),
        limits: options.limits,
    };
    progress.start(letters.len());
    let done = |slot: usize, rendered: Result<Rendered, LetterFailure>| {
        let letter = &letters[slot];
        let result = rendered
            .map_err(LetterError::from)
            .and_then(|rendered| put_in_place(recorder, prepared, letter, &rendered));
        progress.letter_done(&publication.authorities[letter.index].name);
        *results[slot].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    };
    match (head_start, letters) {
        (Some(compiling), [_]) => done(0, compiling.finish()),
        _ => std::thread::scope(|scope| {
            // The letters are put in place on a thread of their own, so that a worker starts its
            // next letter while its last is written, hashed and recorded (and the manifest now and
            // then flushed) instead of waiting for that.
            let (made, to_put_in_place) = std::sync::mpsc::sync_channel(WAITING_TO_BE_PUT_IN_PLACE);
            scope.spawn(move || {
                for (slot, rendered) in to_put_in_place {
                    done(slot, rendered);
                }
            });
            pool.run(&jobs, &|slot, rendered| {
                // The receiver outlives the pool: it stops only when `made` is dropped.
                let _ = made.send((slot, rendered));
            });
        }),
    }
    progress.finish();
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("the pool answers for every letter")
        })
        .collect()
}

/// The letter's data as its template reads it (`/data.json`).
fn letter_data_json(letter: &PlannedLetter) -> Vec<u8> {
    serde_json::to_vec(&letter.made_from.data).expect("letter data serializes")
}

/// A letter as the pool takes it.
fn letter_input<'a>(
    publication: &'a Publication,
    letter: &PlannedLetter,
    data: &'a [u8],
) -> Letter<'a> {
    Letter {
        job: job(publication, letter),
        data,
        commentary: publication.commentary[letter.index]
            .as_ref()
            .map(|c| c.text.as_str()),
    }
}

/// What a worker needs to know of a letter besides its data and commentary.
fn job(publication: &Publication, letter: &PlannedLetter) -> Job {
    Job {
        title: letter.made_from.data.title.clone(),
        ident: ident(publication, letter.index),
        date: publication.config.letter_date,
        commentary: publication.commentary[letter.index]
            .as_ref()
            .map(|c| c.path.clone()),
    }
}

/// The PDF's stable identifier: the year and the authority's code.
fn ident(publication: &Publication, index: usize) -> String {
    format!(
        "annual-review-{}-{}",
        publication.config.year, publication.authorities[index].code
    )
}

/// Letter `index` as the renderer takes it, in this process (for the benchmark's floor).
pub(crate) fn letter_source(prepared: &Prepared, index: usize, data: Vec<u8>) -> LetterSource<'_> {
    let publication = &prepared.publication;
    let commentary = publication.commentary[index].as_ref();
    LetterSource {
        title: crate::letter::letter_data(publication, &prepared.statistics, index).title,
        data,
        commentary: commentary.map(|c| (c.text.as_str(), c.path.as_path())),
        ident: ident(publication, index),
        date: publication.config.letter_date,
    }
}

/// Puts a made letter, its web page and the site's copy of the letter in place, and records them
/// in the manifest.
fn put_in_place(
    recorder: &Recorder,
    prepared: &Prepared,
    letter: &PlannedLetter,
    rendered: &Rendered,
) -> Result<(), LetterError> {
    let authority = &prepared.publication.authorities[letter.index];
    let folder = recorder.folder;
    let page = site::page_file(&authority.slug);
    folder.write_letter(&letter.file, &rendered.pdf)?;
    folder.write_page(&page, &rendered.html)?;
    folder.link_letter(&letter.file, &site::site_letter_file(&authority.slug))?;
    // Without the web edition (for the benchmark) the letter is still recorded, so that the
    // baseline pays for the manifest's durable flushes as the real batch does; but as made from
    // inputs no build has, so that the next build makes it and its empty page again.
    let inputs_digest = if render::without_web_edition() {
        render::PAGE_LEFT_OUT.to_string()
    } else {
        letter.inputs_digest.clone()
    };
    recorder.record(
        letter.file.clone(),
        LetterEntry {
            code: authority.code.clone(),
            name: authority.name.clone(),
            sha256: digest::sha256(&rendered.pdf),
            bytes: rendered.pdf.len() as u64,
            modified: manifest::modified(&folder.join(&letter.file)),
            page: FileEntry::of(&rendered.html, &folder.join(&page)),
            inputs_digest,
            made_from_json: letter.made_from_json.clone(),
        },
    );
    Ok(())
}
