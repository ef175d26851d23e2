//! `annual-review build`: makes the year's folder equal its plan.
//!
//! The whole input is validated and the figures computed from the whole extract before anything
//! is written ([`crate::plan::prepare`]); the plan lists every file the year should hold and
//! [`crate::fresh`] says which are stale. The folder is then opened and locked, the stale
//! documents are compiled by the letter workers ([`crate::render::pool`]) and each edition is put
//! in place and recorded as it comes in; the other stale files follow, then the files the plan no
//! longer holds are removed, and the manifest and the stamps are written.
//!
//! The manifest never claims what is not on disk: the claims about every file about to be
//! replaced are dropped (and the manifest written) before any is replaced, a file is claimed again
//! only once it is in place and flushed to the disk, and a file is removed (and the removal
//! flushed) before its claim is dropped.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;

use crate::digest;
use crate::exit::{self, Exit};
use crate::files::WriteError;
use crate::fresh::{self, OnDisk};
use crate::history::{ArchivedFile, Seen};
use crate::layout::{self, Edition, FileKind};
use crate::manifest::{self, Entry, Inputs, MadeFrom, Manifest, Stamps, TemplateFiles};
use crate::plan::{self, Owner, Plan, PlannedDocument, PrepareError, Prepared, Source, Sources};
use crate::progress::Progress;
use crate::render::Made;
use crate::render::pool::{Compiling, LetterFailure, Limits, Pool, Task};
use crate::year_folder::{OutputError, YearFolder};

/// What to build, from the command line.
#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    /// The input, the templates and the archive, whose earlier years the site shows.
    pub(crate) sources: Sources,
    pub(crate) output: PathBuf,
    /// Codes or names of the authorities whose letters to make; empty for all.
    pub(crate) authorities: Vec<String>,
    /// Letters compiled at once.
    pub(crate) jobs: usize,
    /// Make the files again even when the manifest says they are current.
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
    Manifest(#[from] manifest::ReadError),
    #[error(
        "the output folder `{}` is inside the {what} folder `{}`; each build would copy the last one into the next\n  hint: choose an --output outside it",
        .output.display(),
        .inside.display()
    )]
    OutputInside {
        output: PathBuf,
        what: &'static str,
        inside: PathBuf,
    },
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl Exit for BuildError {
    fn problems(&self) -> Option<&crate::input::Problems> {
        match self {
            BuildError::Prepare(error) => error.problems(),
            _ => None,
        }
    }

    fn exit_status(&self) -> u8 {
        match self {
            BuildError::Prepare(error) => error.exit_status(),
            BuildError::Output(OutputError::Year { .. }) | BuildError::OutputInside { .. } => {
                exit::INVALID
            }
            _ => exit::FAILED,
        }
    }
}

/// A letter that could not be made.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LetterError {
    #[error(transparent)]
    Render(#[from] LetterFailure),
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// One failed document: a council's letter (and page), or the site's index.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The council's code and name; `None` for the site's index.
    pub(crate) council: Option<(String, String)>,
    pub(crate) error: LetterError,
}

/// What a build did.
#[derive(Debug)]
pub(crate) struct BuildReport {
    pub(crate) year_dir: PathBuf,
    /// How many files of each council edition were written.
    pub(crate) letters_written: usize,
    pub(crate) pages_written: usize,
    /// How many other files were written: the site's copies of the letters, its index, data and
    /// assets, and the statistics files.
    pub(crate) others_written: usize,
    pub(crate) failures: Vec<Failure>,
    /// Requested councils whose files were all current and left alone.
    pub(crate) up_to_date: usize,
    /// Files the plan no longer holds, removed.
    pub(crate) removed: Vec<String>,
    /// Files in the year's folder the tool did not make (or that changed after it made them and
    /// no longer belong): left alone.
    pub(crate) left_alone: Vec<String>,
    /// Whether any file was written or removed at all.
    pub(crate) changed_anything: bool,
    /// Things the user should know that are not failures.
    pub(crate) notes: Vec<String>,
    /// A file that could not be written or removed: the build stopped there. What was done
    /// before it is in the report all the same.
    pub(crate) unfinished: Option<WriteError>,
    pub(crate) elapsed: Duration,
}

/// Refuses an output folder inside the input or the template folder: each build would find the
/// last one's files there (as commentary, or as template files) and nest another copy.
fn check_output_outside(options: &BuildOptions, template_dir: &Path) -> Result<(), BuildError> {
    let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let real = |path: &Path| std::fs::canonicalize(path).unwrap_or_else(|_| absolute(path));
    // The output may not exist yet: its nearest existing folder decides where it is.
    let output = absolute(&options.output);
    let existing = output
        .ancestors()
        .find(|dir| dir.exists())
        .map(|dir| real(dir).join(output.strip_prefix(dir).unwrap_or(Path::new(""))))
        .unwrap_or(output);
    for (what, folder) in [
        ("input", &options.sources.input),
        ("template", &template_dir.to_path_buf()),
    ] {
        if existing.starts_with(real(folder)) {
            return Err(BuildError::OutputInside {
                output: options.output.clone(),
                what,
                inside: folder.clone(),
            });
        }
    }
    Ok(())
}

/// Runs a build: validates the input, then makes the requested councils' stale files, the
/// publication's stale files and the removals, and records them.
pub(crate) fn build(
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let prepared = plan::prepare(&options.sources, Some(&options.output))?;
    let publication = &prepared.publication;
    check_output_outside(options, &publication.template_dir)?;
    let selected = plan::select(publication, &options.authorities)?;
    let plan = Plan::of(&prepared);
    // A letter made alone compiles in this process. It starts now, while the output folder and
    // the manifest are read, and is left unused if the manifest says it is up to date.
    let head_start = match selected.as_slice() {
        [index] => Some((
            *index,
            Compiling::start(
                &prepared.template,
                Task {
                    document: &plan.documents[*index].document,
                    editions: &Edition::COUNCIL,
                },
                options.limits,
            ),
        )),
        _ => None,
    };
    let folder = YearFolder::open_for_writing(&options.output, &plan.year)?;
    let mut notes = Vec::new();
    let previous = match Manifest::read(folder.dir()) {
        Ok(previous) => previous,
        Err(error @ manifest::ReadError::Newer { .. }) => return Err(error.into()),
        Err(error) => {
            notes.push(format!(
                "{}; every file will be made again",
                crate::exit::chain(&error)
            ));
            None
        }
    };
    let stamps = Stamps::read(folder.dir());
    // The archive's files as they held just now: the next build need not read them again.
    if Seen::read(folder.dir()) != prepared.history.seen {
        prepared.history.seen.write(folder.dir())?;
    }
    let freshness = fresh::compare(&prepared, &plan, previous.as_ref(), &stamps, folder.dir());
    let chosen: HashSet<usize> = selected.iter().copied().collect();
    // The publication's own files (index, statistics, assets) are made whenever stale; `--force`
    // makes them again only with the whole register, so regenerating one council's letter never
    // pays for the site's index.
    let forced = |owner: Owner| match owner {
        Owner::Council(index) => options.force && chosen.contains(&index),
        Owner::Publication => options.force && options.authorities.is_empty(),
    };
    let wanted = |owner: Owner| match owner {
        Owner::Council(index) => chosen.contains(&index),
        Owner::Publication => true,
    };
    let to_write: BTreeSet<&str> = plan
        .files
        .iter()
        .filter(|(file, planned)| {
            wanted(planned.owner) && (forced(planned.owner) || freshness.stale.contains_key(*file))
        })
        .map(|(file, _)| file.as_str())
        .collect();
    let touched: HashSet<usize> = to_write
        .iter()
        .filter_map(|file| match plan.files[*file].owner {
            Owner::Council(index) => Some(index),
            Owner::Publication => None,
        })
        .collect();
    let up_to_date = selected.len() - touched.len();
    let mut left_alone = freshness.foreign.clone();
    left_alone.extend(
        freshness
            .removals
            .iter()
            .filter(|(_, removal)| removal.on_disk == OnDisk::Changed)
            .map(|(file, _)| file.clone()),
    );
    left_alone.sort();
    let had_manifest = previous.is_some();
    if to_write.is_empty() && freshness.removals.is_empty() && had_manifest {
        return Ok(BuildReport {
            year_dir: folder.dir().to_path_buf(),
            letters_written: 0,
            pages_written: 0,
            others_written: 0,
            failures: Vec::new(),
            up_to_date,
            removed: Vec::new(),
            left_alone,
            changed_anything: false,
            notes,
            unfinished: None,
            elapsed: started.elapsed(),
        });
    }

    let mut manifest = previous.unwrap_or_else(|| Manifest::new(&plan.year));
    // Drop the claims about every file about to be replaced before replacing any.
    let mut dropped = false;
    for file in &to_write {
        dropped |= manifest.files.remove(*file).is_some();
    }
    if dropped || !had_manifest {
        manifest.write(folder.dir())?;
    }

    let tasks = tasks(&plan, &to_write);
    let recorder = Recorder::new(manifest, stamps, &folder);
    let mut copies: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for file in &to_write {
        if let Source::Copy(of) = &plan.files[*file].source {
            copies.entry(of.as_str()).or_default().push(file);
        }
    }
    let making = Making {
        prepared: &prepared,
        plan: &plan,
        to_write: &to_write,
        copies,
        recorder: &recorder,
    };
    let results = making.compile(&tasks, head_start, options, progress);
    let mut failures = Vec::new();
    for ((document, _), result) in tasks.iter().zip(results) {
        match result {
            Ok(()) => {}
            Err(error) => failures.push(Failure {
                council: match plan.documents[*document].owner {
                    Owner::Council(index) => {
                        let authority = &publication.authorities[index];
                        Some((authority.code.clone(), authority.name.clone()))
                    }
                    Owner::Publication => None,
                },
                error,
            }),
        }
    }
    let stopped = making.write_the_rest().err();
    drop(making);
    let (mut manifest, mut stamps, written) = recorder.into_record();
    let mut removed = Vec::new();
    let stopped =
        stopped.or_else(|| remove(&folder, &mut manifest, &freshness.removals, &mut removed).err());
    // What was made is recorded even when the build stopped: the next one completes the rest.
    let unfinished = stopped.or_else(|| {
        folder
            .make_durable()
            .and_then(|()| manifest.write(folder.dir()))
            .and_then(|()| stamps.write(folder.dir(), &manifest))
            .err()
    });
    Ok(BuildReport {
        year_dir: folder.dir().to_path_buf(),
        letters_written: written.letters,
        pages_written: written.pages,
        others_written: written.others,
        failures,
        up_to_date,
        removed,
        left_alone,
        changed_anything: true,
        notes,
        unfinished,
        elapsed: started.elapsed(),
    })
}

/// Removes the files the plan no longer holds. Their claims first move to the manifest's record of
/// removals (written before any file goes), so that a build killed half-way leaves a manifest that
/// claims nothing missing and the next build finishes the removals; then each file the tool made
/// goes (one changed since is left alone and reported), and the record is cleared.
fn remove(
    folder: &YearFolder,
    manifest: &mut Manifest,
    removals: &BTreeMap<String, fresh::Removal>,
    removed: &mut Vec<String>,
) -> Result<(), WriteError> {
    if removals.is_empty() {
        // A file a stopped build was removing that the plan holds again is made afresh.
        manifest.removing.clear();
        return Ok(());
    }
    for file in removals.keys() {
        if let Some(entry) = manifest.files.remove(file) {
            manifest.removing.insert(file.clone(), entry);
        }
    }
    folder.make_durable()?;
    manifest.write(folder.dir())?;
    for (file, removal) in removals {
        if removal.on_disk == OnDisk::AsRecorded {
            folder.remove(file)?;
            removed.push(file.clone());
        }
    }
    folder.make_durable()?;
    manifest.removing.clear();
    Ok(())
}

/// The documents to compile, with the editions of each that are to be written, in the plan's
/// order (the councils in register order, then the index).
fn tasks(plan: &Plan, to_write: &BTreeSet<&str>) -> Vec<(usize, Vec<Edition>)> {
    let mut editions: BTreeMap<usize, Vec<Edition>> = BTreeMap::new();
    for file in to_write {
        if let Source::Compiled { edition, document } = plan.files[*file].source {
            editions.entry(document).or_default().push(edition);
        }
    }
    editions
        .into_iter()
        .map(|(document, mut editions)| {
            editions.sort();
            (document, editions)
        })
        .collect()
}

/// How many made letters may wait for the thread that puts them in place before the workers
/// are held back: a few letters' bytes, enough to ride out a flush of the manifest.
const WAITING_TO_BE_PUT_IN_PLACE: usize = 16;

/// A build's writing: what it makes, and the record it keeps.
struct Making<'a> {
    prepared: &'a Prepared,
    plan: &'a Plan,
    to_write: &'a BTreeSet<&'a str>,
    /// The copies to write, by the file they copy.
    copies: BTreeMap<&'a str, Vec<&'a str>>,
    recorder: &'a Recorder<'a>,
}

impl Making<'_> {
    /// Compiles `tasks`, puts each edition in place with the copies made of it, and records them;
    /// one result each, in order. `head_start` is the one council of the build, already compiling
    /// in this process.
    fn compile(
        &self,
        tasks: &[(usize, Vec<Edition>)],
        head_start: Option<(usize, Compiling)>,
        options: &BuildOptions,
        progress: &dyn Progress,
    ) -> Vec<Result<(), LetterError>> {
        let pool_tasks: Vec<Task> = tasks
            .iter()
            .map(|(document, editions)| Task {
                document: &self.plan.documents[*document].document,
                editions,
            })
            .collect();
        let results: Vec<Mutex<Option<Result<(), LetterError>>>> =
            tasks.iter().map(|_| Mutex::new(None)).collect();
        progress.start(tasks.len());
        let done = |slot: usize, made: Result<Vec<Made>, LetterFailure>| {
            let (document, editions) = &tasks[slot];
            let document = &self.plan.documents[*document];
            let result = made
                .map_err(LetterError::from)
                .and_then(|made| self.put_in_place(document, editions, made));
            progress.letter_done(&self.name_of(document));
            *results[slot].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        };
        // A build of one council compiles in this process: its documents (the letter, and the
        // index when the figures it shows changed) each in a thread of its own, under the limits.
        if let Some((council, compiling)) = head_start {
            let mut compiling = Some(compiling);
            let started: Vec<(usize, Compiling)> = pool_tasks
                .iter()
                .enumerate()
                .map(|(slot, task)| {
                    let early = (tasks[slot].0 == council)
                        .then(|| compiling.take())
                        .flatten();
                    (
                        slot,
                        early.unwrap_or_else(|| {
                            Compiling::start(&self.prepared.template, *task, options.limits)
                        }),
                    )
                })
                .collect();
            for (slot, compiling) in started {
                let editions = if tasks[slot].0 == council {
                    Edition::COUNCIL.as_slice()
                } else {
                    tasks[slot].1.as_slice()
                };
                done(
                    slot,
                    compiling
                        .finish()
                        .map(|made| keep(made, editions, &tasks[slot].1)),
                );
            }
        } else {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let workers = options.jobs.clamp(1, tasks.len().max(1));
            let pool = Pool {
                template_dir: self.prepared.publication.template_dir.clone(),
                template: std::sync::Arc::clone(&self.prepared.template),
                workers,
                threads_per_worker: (cores / workers).max(1),
                limits: options.limits,
            };
            std::thread::scope(|scope| {
                // The letters are put in place on a thread of their own, so that a worker starts
                // its next letter while its last is written, hashed and recorded (and the manifest
                // now and then flushed) instead of waiting for that.
                let (made, to_put_in_place) =
                    std::sync::mpsc::sync_channel(WAITING_TO_BE_PUT_IN_PLACE);
                scope.spawn(move || {
                    for (slot, made) in to_put_in_place {
                        done(slot, made);
                    }
                });
                pool.run(&pool_tasks, &|slot, result| {
                    // The receiver outlives the pool: it stops only when `made` is dropped.
                    let _ = made.send((slot, result));
                });
            });
        }
        progress.finish();
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .expect("every task is answered")
            })
            .collect()
    }

    /// Who a document is for, as the progress shows it.
    fn name_of(&self, document: &PlannedDocument) -> String {
        match document.owner {
            Owner::Council(index) => self.prepared.publication.authorities[index].name.clone(),
            Owner::Publication => "the site's index".to_string(),
        }
    }

    /// Puts the made `editions` of `document` in place, and the copies of them that are to be
    /// written, and records each.
    fn put_in_place(
        &self,
        document: &PlannedDocument,
        editions: &[Edition],
        made: Vec<Made>,
    ) -> Result<(), LetterError> {
        let folder = self.recorder.folder;
        let slug = match document.owner {
            Owner::Council(index) => self.prepared.publication.authorities[index].slug.as_str(),
            Owner::Publication => "",
        };
        let template = &self.prepared.template;
        for (edition, made) in editions.iter().zip(made) {
            let file = edition.file(slug);
            folder.write(&file, &made.bytes)?;
            let read: TemplateFiles = made
                .read
                .iter()
                .filter_map(|path| Some((path.clone(), template.file_sha256(path)?.to_string())))
                .collect();
            let inputs = Inputs {
                tool: crate::TOOL.to_string(),
                fonts: template.fonts_sha256().to_string(),
                template: String::new(),
                commentary: document.commentary_sha256.clone(),
                data: document.data_sha256.clone(),
            };
            let kept = document.keep_data.then(|| {
                let json = String::from_utf8_lossy(&document.document.data).into_owned();
                RawValue::from_string(json).expect("the data is JSON")
            });
            self.recorder.record_compiled(
                file.clone(),
                Entry {
                    sha256: digest::sha256(&made.bytes),
                    bytes: made.bytes.len() as u64,
                    made_from: MadeFrom::Compiled(inputs),
                },
                read,
                kept.map(|json| (document.data_sha256.clone(), json)),
            );
            self.copies_of(&file)?;
        }
        Ok(())
    }

    /// Makes the copies of `of` that are to be written (the site's copy of a letter), from the
    /// file just put in place, and records them.
    fn copies_of(&self, of: &str) -> Result<(), WriteError> {
        for file in self.copies.get(of).into_iter().flatten() {
            self.copy(file, of)?;
        }
        Ok(())
    }

    fn copy(&self, file: &str, of: &str) -> Result<(), WriteError> {
        let Some(source) = self.recorder.entry(of) else {
            // The file it copies is not in place (it failed): neither is the copy.
            return Ok(());
        };
        self.recorder.folder.copy(of, file)?;
        self.recorder.record(
            file.to_string(),
            Entry {
                sha256: source.sha256,
                bytes: source.bytes,
                made_from: MadeFrom::Copy { of: of.to_string() },
            },
        );
        Ok(())
    }

    /// Writes the stale files that are not compiled (the statistics files, the site's data and
    /// assets) and the copies whose file was not compiled again, and records them.
    fn write_the_rest(&self) -> Result<(), WriteError> {
        for file in self.to_write {
            match &self.plan.files[*file].source {
                Source::Bytes { bytes, sha256 } => {
                    self.recorder.folder.write(file, bytes)?;
                    self.recorder.record(
                        file.to_string(),
                        Entry {
                            sha256: sha256.clone(),
                            bytes: bytes.len() as u64,
                            made_from: MadeFrom::Content,
                        },
                    );
                }
                Source::Archived(archived) => {
                    let bytes = read_archived(archived)?;
                    self.recorder.folder.write(file, &bytes)?;
                    self.recorder.record(
                        file.to_string(),
                        Entry {
                            sha256: archived.sha256.clone(),
                            bytes: bytes.len() as u64,
                            made_from: MadeFrom::Content,
                        },
                    );
                }
                Source::Copy(of) if !self.to_write.contains(of.as_str()) => self.copy(file, of)?,
                Source::Copy(_) | Source::Compiled { .. } => {}
            }
        }
        Ok(())
    }
}

/// An archived file's bytes, held to the checksum its bag was checked against: a bag changed
/// since this build read it fails the build's write, rather than putting other bytes in the site.
fn read_archived(archived: &ArchivedFile) -> Result<Vec<u8>, WriteError> {
    let bytes = std::fs::read(&archived.path).map_err(|e| WriteError::new(&archived.path, e))?;
    if crate::digest::sha256(&bytes) != archived.sha256 {
        return Err(WriteError::new(
            &archived.path,
            std::io::Error::other("the archived file changed while the build read the archive"),
        ));
    }
    Ok(bytes)
}

/// Of `made`, the editions in `made_editions` order, those in `wanted`.
fn keep(made: Vec<Made>, made_editions: &[Edition], wanted: &[Edition]) -> Vec<Made> {
    made_editions
        .iter()
        .zip(made)
        .filter(|(edition, _)| wanted.contains(edition))
        .map(|(_, made)| made)
        .collect()
}

/// The manifest and stamps of a running build, written by whichever thread puts files in place
/// (a thread of its own in a batch, the build's own for a council built alone). Each file in
/// place is recorded at once; the manifest is rewritten now and then (after flushing the files
/// it claims to the disk), so that a build killed half-way keeps most of its work without writing
/// the manifest once per letter.
struct Recorder<'a> {
    state: Mutex<Record>,
    folder: &'a YearFolder,
}

struct Record {
    manifest: Manifest,
    stamps: Stamps,
    next_flush: Instant,
    written: Written,
}

/// How many files of each kind a build put in place.
#[derive(Debug, Default, Clone, Copy)]
struct Written {
    letters: usize,
    pages: usize,
    others: usize,
}

impl<'a> Recorder<'a> {
    /// The shortest time between two writes of the manifest.
    const FLUSH_EVERY: Duration = Duration::from_millis(250);

    fn new(manifest: Manifest, stamps: Stamps, folder: &'a YearFolder) -> Self {
        Recorder {
            state: Mutex::new(Record {
                manifest,
                stamps,
                next_flush: Instant::now() + Self::FLUSH_EVERY,
                written: Written::default(),
            }),
            folder,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Record> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry of `file`, if it is recorded.
    fn entry(&self, file: &str) -> Option<Entry> {
        self.lock().manifest.files.get(file).cloned()
    }

    /// Records a compiled file that is in place on disk, with the template files its compile
    /// read and the data its entry refers to.
    fn record_compiled(
        &self,
        file: String,
        mut entry: Entry,
        read: TemplateFiles,
        data: Option<(String, Box<RawValue>)>,
    ) {
        let mut record = self.lock();
        if let MadeFrom::Compiled(inputs) = &mut entry.made_from {
            inputs.template = record.manifest.keep_reads(read);
        }
        if let Some((digest, json)) = data {
            record.manifest.keep_data(&digest, &json);
        }
        self.insert(record, file, entry);
    }

    /// Records a file that is in place on disk.
    fn record(&self, file: String, entry: Entry) {
        let record = self.lock();
        self.insert(record, file, entry);
    }

    fn insert(&self, mut record: std::sync::MutexGuard<'_, Record>, file: String, entry: Entry) {
        let Record {
            manifest,
            stamps,
            next_flush,
            written,
        } = &mut *record;
        match layout::classify(&file) {
            Some(FileKind::Council {
                edition: Edition::Letter,
                ..
            }) => written.letters += 1,
            Some(FileKind::Council { .. }) => written.pages += 1,
            _ => written.others += 1,
        }
        stamps.stamp(self.folder.dir(), &file, &entry.sha256, entry.bytes);
        manifest.files.insert(file, entry);
        if Instant::now() >= *next_flush {
            let started = Instant::now();
            // A failed intermediate write only loses progress; the final write reports errors.
            let _ = self
                .folder
                .make_durable()
                .and_then(|()| manifest.write(self.folder.dir()));
            // The manifest grows with the publication: keep its writing (which holds the other
            // letters back) under a tenth of the time.
            *next_flush = Instant::now() + Self::FLUSH_EVERY.max(started.elapsed() * 10);
        }
    }

    fn into_record(self) -> (Manifest, Stamps, Written) {
        let record = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        (record.manifest, record.stamps, record.written)
    }
}
