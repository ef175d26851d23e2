//! `annual-review build`: input → statistics → letters → files.
//!
//! The stages run in order and each one finishes before the next starts: the whole input is
//! validated before anything is written, and the statistics are computed from the whole extract
//! even when only some letters are requested. Letters then compile in parallel on plain worker
//! threads (not rayon tasks: Typst's PDF export waits on rayon internally, and a rayon worker
//! that waits runs other letters on its own stack until it overflows).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::digest;
use crate::input::{self, Problems, Publication};
use crate::letter::{self, LetterData};
use crate::manifest::{self, FileEntry, LetterEntry, MadeFrom, Manifest, RunParameters};
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
    /// Rebuild letters even when the manifest says they are current.
    pub force: bool,
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
    #[error(
        "another build is writing to `{}`; wait for it to finish (lock file `{}`)",
        .dir.display(),
        .lock.display()
    )]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("cannot lock `{}`: {source}", .lock.display())]
    Lock {
        lock: PathBuf,
        #[source]
        source: std::io::Error,
    },
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
    /// Requested letters that were already current and left alone.
    pub up_to_date: usize,
    /// Whether any file was written at all.
    pub wrote_anything: bool,
    /// Things the user should know that are not failures.
    pub notes: Vec<String>,
    pub elapsed: Duration,
}

/// A validated publication with its template loaded and its figures computed: everything a
/// command needs before it looks at the output folder.
pub struct Prepared {
    pub publication: Publication,
    pub template: Template,
    pub statistics: Statistics,
}

/// Loads and validates the input, loads the template and computes the statistics.
pub fn prepare(input: &Path, templates: &Path) -> Result<Prepared, BuildError> {
    let publication = input::load(input, templates).map_err(BuildError::Input)?;
    let template = Template::load(&publication.template_dir)?;
    let mut problems = Problems::default();
    input::check_printable(&publication, &|c| template.can_show(c), &mut problems);
    if !problems.is_empty() {
        return Err(BuildError::Input(problems));
    }
    let statistics = stats::compute(&publication);
    Ok(Prepared {
        publication,
        template,
        statistics,
    })
}

/// One letter as the current input would make it.
pub struct PlannedLetter {
    /// Index into the publication's authorities.
    pub index: usize,
    /// The file, relative to the year's folder: `letters/<slug>.pdf`.
    pub file: String,
    pub made_from: Arc<MadeFrom>,
    pub inputs_digest: String,
}

/// What every letter of `publication` would be made from now.
pub fn plan(
    publication: &Publication,
    statistics: &Statistics,
    template: &Template,
) -> Vec<PlannedLetter> {
    (0..publication.authorities.len())
        .map(|index| plan_letter(publication, statistics, template, index))
        .collect()
}

/// What the letter to authority `index` would be made from now.
pub fn plan_letter(
    publication: &Publication,
    statistics: &Statistics,
    template: &Template,
    index: usize,
) -> PlannedLetter {
    let made_from = MadeFrom {
        tool: manifest::tool(),
        template_digest: template.digest().to_string(),
        commentary_sha256: publication.commentary[index]
            .as_ref()
            .map(|c| digest::sha256(c.text.as_bytes())),
        data: letter::letter_data(publication, statistics, index),
    };
    PlannedLetter {
        index,
        file: output::letter_file(&publication.authorities[index].slug),
        inputs_digest: made_from.digest(),
        made_from: Arc::new(made_from),
    }
}

/// Runs a build: validates the input, then writes the requested letters whose inputs changed
/// since the manifest was written (all of them with `force`), the statistics files if they
/// changed, and the manifest.
pub fn build(options: &BuildOptions, progress: &dyn Progress) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let Prepared {
        publication,
        template,
        statistics,
    } = prepare(&options.input, &options.templates)?;
    let selected = select(&publication, &options.authorities)?;
    let year_dir = output::year_dir(&options.output, &publication);

    let _lock = lock(&year_dir)?;
    output::remove_stale_temporaries(&year_dir);
    let mut notes = Vec::new();
    let previous = match Manifest::read(&year_dir) {
        Ok(previous) => previous,
        Err(error) => {
            notes.push(format!("{error}; every letter will be rebuilt"));
            None
        }
    };
    let run = run_parameters(options, &publication);
    let had_manifest = previous.is_some();
    let mut manifest =
        previous.unwrap_or_else(|| Manifest::new(&publication.config.year, run.clone()));
    let planned = selected.len();
    let to_build: Vec<PlannedLetter> = selected
        .iter()
        .map(|&index| plan_letter(&publication, &statistics, &template, index))
        .filter(|letter| {
            options.force || !manifest.is_current(&year_dir, &letter.file, &letter.inputs_digest)
        })
        .collect();
    let up_to_date = planned - to_build.len();
    let statistics_files = [
        (
            "statistics.csv",
            output::statistics_csv(&publication, &statistics),
        ),
        (
            "statistics.json",
            output::statistics_json(&publication, &statistics),
        ),
    ];
    let statistics_current = statistics_files.iter().all(|(name, bytes)| {
        manifest.files.get(*name).is_some_and(|entry| {
            entry.sha256 == digest::sha256(bytes)
                && manifest::file_matches(&year_dir.join(name), &entry.sha256, entry.bytes)
        })
    });
    if to_build.is_empty() && statistics_current && had_manifest {
        return Ok(BuildReport {
            year_dir,
            written: Vec::new(),
            failures: Vec::new(),
            up_to_date,
            wrote_anything: false,
            notes,
            elapsed: started.elapsed(),
        });
    }

    // Drop the claims about the letters that are about to be replaced before replacing any.
    let mut dropped = false;
    for letter in &to_build {
        dropped |= manifest.letters.remove(&letter.file).is_some();
    }
    manifest.run = run;
    if dropped || !had_manifest {
        manifest.write(&year_dir)?;
    }

    let manifest = ManifestWriter::new(manifest, &year_dir);
    let results = make_letters(
        &publication,
        &template,
        &to_build,
        &year_dir,
        options.jobs,
        &manifest,
        progress,
    );
    let mut written = Vec::new();
    let mut failures = Vec::new();
    for (letter, result) in to_build.iter().zip(results) {
        let authority = &publication.authorities[letter.index];
        match result {
            Ok(path) => written.push(path),
            Err(error) => failures.push(Failure {
                code: authority.code.clone(),
                name: authority.name.clone(),
                error,
            }),
        }
    }
    let mut manifest = manifest.into_inner();
    for (name, bytes) in &statistics_files {
        let path = year_dir.join(name);
        // Rewritten only when they changed: a build writes nothing it does not need to.
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            output::write_atomic(&path, bytes)?;
        }
        manifest.files.insert(
            name.to_string(),
            FileEntry {
                sha256: digest::sha256(bytes),
                bytes: bytes.len() as u64,
            },
        );
    }
    manifest.write(&year_dir)?;
    let orphans = manifest
        .letters
        .keys()
        .filter(|file| !planned_files(&publication).any(|f| &f == *file))
        .count();
    if orphans > 0 {
        notes.push(format!(
            "{orphans} letter{} in the manifest no longer match an authority in authorities.csv; `annual-review status` lists them",
            if orphans == 1 { "" } else { "s" }
        ));
    }
    Ok(BuildReport {
        year_dir,
        written,
        failures,
        up_to_date,
        wrote_anything: true,
        notes,
        elapsed: started.elapsed(),
    })
}

/// The letter files the current register makes.
pub fn planned_files(publication: &Publication) -> impl Iterator<Item = String> + '_ {
    publication
        .authorities
        .iter()
        .map(|a| output::letter_file(&a.slug))
}

fn run_parameters(options: &BuildOptions, publication: &Publication) -> RunParameters {
    let config = &publication.config;
    RunParameters {
        tool: manifest::tool(),
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

/// Takes the year folder's lock for as long as the returned file lives: a second build on the
/// same output stops instead of interleaving its writes with ours. The operating system releases
/// the lock when the process ends, however it ends.
pub fn lock(year_dir: &Path) -> Result<std::fs::File, BuildError> {
    let lock = year_dir.join(".lock");
    let error = |source| BuildError::Lock {
        lock: lock.clone(),
        source,
    };
    std::fs::create_dir_all(year_dir).map_err(error)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(error)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(BuildError::Locked {
            dir: year_dir.to_path_buf(),
            lock,
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(BuildError::Lock { lock, source }),
    }
}

/// The manifest of a running build, shared by the workers. Each finished letter is recorded at
/// once; the file is rewritten now and then, so that a build killed half-way keeps most of its
/// work without writing the manifest once per letter.
struct ManifestWriter<'a> {
    state: Mutex<ManifestState>,
    year_dir: &'a Path,
}

struct ManifestState {
    manifest: Manifest,
    next_flush: Instant,
}

impl<'a> ManifestWriter<'a> {
    /// The shortest time between two writes of the manifest.
    const FLUSH_EVERY: Duration = Duration::from_millis(250);

    fn new(manifest: Manifest, year_dir: &'a Path) -> Self {
        let next_flush = Instant::now() + Self::FLUSH_EVERY;
        ManifestWriter {
            state: Mutex::new(ManifestState {
                manifest,
                next_flush,
            }),
            year_dir,
        }
    }

    /// Records a letter that is in place on disk.
    fn record(&self, file: String, entry: LetterEntry) {
        let mut state = self.state.lock().expect("no worker panics while recording");
        state.manifest.letters.insert(file, entry);
        if Instant::now() >= state.next_flush {
            let started = Instant::now();
            // A failed intermediate write only loses progress; the final write reports errors.
            let _ = state.manifest.write(self.year_dir);
            // The manifest grows with the publication: keep its writing (which holds the other
            // workers back) under a tenth of the time.
            state.next_flush = Instant::now() + Self::FLUSH_EVERY.max(started.elapsed() * 10);
        }
    }

    fn into_inner(self) -> Manifest {
        self.state
            .into_inner()
            .expect("no worker panics while recording")
            .manifest
    }
}

/// The pretty-printed template data of one authority's letter.
pub fn letter_data_json(
    input: &Path,
    templates: &Path,
    authority: &str,
) -> Result<String, BuildError> {
    let Prepared {
        publication,
        statistics,
        ..
    } = prepare(input, templates)?;
    let index = select(&publication, &[authority.to_string()])?[0];
    let data = letter::letter_data(&publication, &statistics, index);
    Ok(serde_json::to_string_pretty(&data).expect("letter data serializes"))
}

/// Writes every letter's template data to `<out>/<slug>.json`, and its commentary to
/// `<out>/<slug>.commentary.typ`: what the plain `typst` command line needs to compile the same
/// letters. Returns how many letters there are.
pub fn write_letter_data(input: &Path, templates: &Path, out: &Path) -> Result<usize, BuildError> {
    let Prepared {
        publication,
        statistics,
        ..
    } = prepare(input, templates)?;
    for (index, authority) in publication.authorities.iter().enumerate() {
        let data = letter::letter_data(&publication, &statistics, index);
        let json = serde_json::to_vec(&data).expect("letter data serializes");
        output::write_atomic(&out.join(format!("{}.json", authority.slug)), &json)?;
        if let Some(commentary) = &publication.commentary[index] {
            output::write_atomic(
                &out.join(format!("{}.commentary.typ", authority.slug)),
                commentary.text.as_bytes(),
            )?;
        }
    }
    Ok(publication.authorities.len())
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

const WORKER_STACK_BYTES: usize = 8 << 20;
/// How many letters are made between two evictions of Typst's cache. Measured in
/// `bench/RESULTS.md`: without eviction the national batch peaks at about 510 MB and the 10×
/// publication at over 4 GB; evicting every 10 letters keeps both under 210 MB at no clear cost
/// in time.
const EVICT_EVERY: usize = 10;

/// Renders and writes `letters` on `jobs` worker threads, recording each in the manifest; one
/// result each, in order.
fn make_letters(
    publication: &Publication,
    template: &Template,
    letters: &[PlannedLetter],
    year_dir: &Path,
    jobs: usize,
    manifest: &ManifestWriter,
    progress: &dyn Progress,
) -> Vec<Result<PathBuf, LetterError>> {
    let results: Vec<Mutex<Option<Result<PathBuf, LetterError>>>> =
        letters.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    progress.start(letters.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, letters.len().max(1)) {
            let worker = std::thread::Builder::new()
                .name("letter".to_string())
                // A stack overflow aborts the whole process, so give Typst's recursion (deeply
                // nested commentary, say) the room of a main thread rather than 2 MiB.
                .stack_size(WORKER_STACK_BYTES);
            let work = || {
                loop {
                    let slot = next.fetch_add(1, Ordering::Relaxed);
                    let Some(letter) = letters.get(slot) else {
                        break;
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        make_letter(publication, template, letter, year_dir, manifest)
                    }))
                    .unwrap_or_else(|panic| Err(LetterError::Panic(panic_message(&*panic))));
                    progress.letter_done(&publication.authorities[letter.index].name);
                    if (finished.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(EVICT_EVERY) {
                        // Typst's memoization cache is global and grows with every letter;
                        // dropping what the last letters did not reuse keeps memory flat while
                        // the template's shared work, reused by every letter, stays.
                        typst::comemo::evict(1);
                    }
                    *results[slot]
                        .lock()
                        .expect("no worker panics while holding a slot") = Some(result);
                }
            };
            worker
                .spawn_scoped(scope, work)
                .expect("the system can start a worker thread");
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

/// Renders one letter, puts it in place and records it in the manifest.
fn make_letter(
    publication: &Publication,
    template: &Template,
    letter: &PlannedLetter,
    year_dir: &Path,
    manifest: &ManifestWriter,
) -> Result<PathBuf, LetterError> {
    let bytes = render_letter(publication, template, letter.index, &letter.made_from.data)?;
    let path = year_dir.join(&letter.file);
    output::write_atomic(&path, &bytes)?;
    let authority = &publication.authorities[letter.index];
    manifest.record(
        letter.file.clone(),
        LetterEntry {
            code: authority.code.clone(),
            name: authority.name.clone(),
            sha256: digest::sha256(&bytes),
            bytes: bytes.len() as u64,
            inputs_digest: letter.inputs_digest.clone(),
            made_from: letter.made_from.clone(),
        },
    );
    Ok(path)
}

/// The PDF bytes of the letter to authority `index`, made from `data`.
pub fn render_letter(
    publication: &Publication,
    template: &Template,
    index: usize,
    data: &LetterData,
) -> Result<Vec<u8>, RenderError> {
    let authority = &publication.authorities[index];
    let commentary = publication.commentary[index].as_ref();
    render::render(
        template,
        &LetterSource {
            data: serde_json::to_vec(data).expect("letter data serializes"),
            commentary: commentary.map(|c| (c.text.as_str(), c.path.as_path())),
            title: data.title.clone(),
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
