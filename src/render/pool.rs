//! The build's side of the letter workers ([`super::worker`]): a pool of child processes that
//! compile letters in parallel, each letter under a time and a memory limit. A build of one letter
//! compiles it in this process instead, in a thread of its own under the same limits: starting a
//! worker would cost more than the letter.
//!
//! Each worker is driven by one thread of the build. A watchdog thread looks at every busy worker
//! a few dozen times a second and kills the one whose letter has run past its time or whose
//! memory has grown past its limit; that letter fails with a message saying so, a new worker takes
//! the killed one's place, and the batch goes on. A worker that crashes (a stack overflow, an
//! abort) fails only the letter it was making, with the last words it wrote to its standard error.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::worker::{self, Answer, Hello};
use super::{Document, Made, Template};
use crate::layout::Edition;

/// How long a letter may compile, and how much memory its worker may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) time: Duration,
    /// Resident memory of the worker, in bytes.
    pub(crate) memory: u64,
}

impl Limits {
    /// A letter takes a few hundredths of a second; half a minute leaves room for a slow machine
    /// and still stops a runaway loop in reasonable time.
    pub(crate) const DEFAULT_TIME: Duration = Duration::from_secs(30);
    /// A worker needs about 100 MB.
    pub(crate) const DEFAULT_MEMORY: u64 = 2 << 30;
}

/// A document for the pool, and the editions of it to make.
#[derive(Clone, Copy)]
pub(crate) struct Task<'a> {
    pub(crate) document: &'a Document,
    pub(crate) editions: &'a [Edition],
}

/// Why a letter did not come back as a PDF.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LetterFailure {
    /// Typst's diagnostics, formatted.
    #[error("{}", .0.join("\n"))]
    Typst(Vec<String>),
    #[error(
        "it took longer than the time limit of {} and was stopped; look for a loop that never ends in a commentary or the template (or raise the limit with --letter-time-limit)",
        seconds(*.0)
    )]
    TimedOut(Duration),
    #[error(
        "it needed more than the memory limit of {} MiB and was stopped; look for a loop that builds ever larger values in a commentary or the template (or raise the limit with --letter-memory-limit)",
        .0 >> 20
    )]
    OutOfMemory(u64),
    #[error("the process compiling it crashed ({status}){}", last_words(.stderr))]
    Crashed { status: String, stderr: String },
    #[error("internal error while making the letter: {0}")]
    Panicked(String),
    #[error("cannot start a letter worker: {0}")]
    Worker(String),
}

fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds == 1.0 {
        "1 second".to_string()
    } else {
        format!("{seconds} seconds")
    }
}

fn last_words(stderr: &str) -> String {
    let stderr = stderr.trim();
    if stderr.is_empty() {
        String::new()
    } else {
        format!(":\n{stderr}")
    }
}

/// How to start workers.
pub(crate) struct Pool {
    pub(crate) template_dir: PathBuf,
    /// What the build loaded, which every worker must load too (its digest must match).
    pub(crate) template: Arc<Template>,
    pub(crate) workers: usize,
    /// Threads each worker gives Typst's own parallel work.
    pub(crate) threads_per_worker: usize,
    pub(crate) limits: Limits,
}

/// What the watchdog knows of one worker.
#[derive(Default)]
struct Watch {
    child: Option<Child>,
    /// When the current letter must be done by; `None` while idle.
    deadline: Option<Instant>,
    /// Why the watchdog killed the worker, if it did.
    killed: Option<LetterFailure>,
}

impl Pool {
    /// Makes every task of `letters` on the workers and calls `done` with each result (one
    /// [`Made`] per edition asked for) as soon as it is in (from the pool's threads, in any order).
    pub(crate) fn run(
        &self,
        letters: &[Task],
        done: &(dyn Fn(usize, Result<Vec<Made>, LetterFailure>) + Sync),
    ) {
        if let [letter] = letters {
            let made = Compiling::start(&self.template, *letter, self.limits).finish();
            return done(0, made);
        }
        let next = AtomicUsize::new(0);
        let watches: Vec<Mutex<Watch>> = (0..self.workers.clamp(1, letters.len().max(1)))
            .map(|_| Mutex::default())
            .collect();
        let finished = (Mutex::new(false), Condvar::new());
        std::thread::scope(|scope| {
            scope.spawn(|| self.watchdog(&watches, &finished));
            let drivers: Vec<_> = watches
                .iter()
                .map(|watch| {
                    scope.spawn(|| {
                        let mut worker = None;
                        loop {
                            let index = next.fetch_add(1, Ordering::Relaxed);
                            let Some(letter) = letters.get(index) else {
                                break;
                            };
                            let result = self.make(&mut worker, watch, letter);
                            done(index, result);
                        }
                        if let Some(worker) = worker {
                            self.stop(worker, watch);
                        }
                    })
                })
                .collect();
            for driver in drivers {
                let _ = driver.join();
            }
            *finished.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
            finished.1.notify_all();
        });
    }

    /// Makes one letter on `worker`, starting a worker first if there is none.
    fn make(
        &self,
        worker: &mut Option<Worker>,
        watch: &Mutex<Watch>,
        letter: &Task,
    ) -> Result<Vec<Made>, LetterFailure> {
        if lock(watch).killed.is_some()
            && let Some(stale) = worker.take()
        {
            // Killed just after its last answer came in: its letter was made; start afresh.
            let _ = self.reap(stale, watch);
        }
        let deadline = Instant::now() + self.limits.time;
        if worker.is_none() {
            *worker = Some(self.start(watch, deadline)?);
        }
        let running = worker.as_mut().expect("started above");
        lock(watch).deadline = Some(deadline);
        let answer = running.make(letter);
        lock(watch).deadline = None;
        match answer {
            Ok(Ok(rendered)) => Ok(rendered),
            Ok(Err(failure)) => Err(failure),
            // The worker is gone: killed by the watchdog, or crashed.
            Err(_) => {
                let worker = worker.take().expect("running");
                Err(self.reap(worker, watch))
            }
        }
    }

    /// Starts a worker and waits for it to load the template.
    fn start(&self, watch: &Mutex<Watch>, deadline: Instant) -> Result<Worker, LetterFailure> {
        let failed = |e: std::io::Error| LetterFailure::Worker(e.to_string());
        let exe = std::env::current_exe().map_err(failed)?;
        let mut child = Command::new(exe)
            .arg("render-worker")
            .arg("--template")
            .arg(&self.template_dir)
            .arg("--threads")
            .arg(self.threads_per_worker.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(failed)?;
        let stdin = BufWriter::new(child.stdin.take().expect("piped"));
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut reader = child.stderr.take().expect("piped");
        let stderr = std::thread::spawn(move || last_lines(&mut reader));
        {
            let mut watch = lock(watch);
            watch.child = Some(child);
            watch.deadline = Some(deadline);
            watch.killed = None;
        }
        let mut worker = Worker {
            stdin,
            stdout,
            stderr,
        };
        let hello = worker::read_json::<Hello>(&mut worker.stdout);
        lock(watch).deadline = None;
        match hello {
            Ok(Some(Hello::Ready { template_digest }))
                if template_digest == self.template.digest() =>
            {
                Ok(worker)
            }
            Ok(Some(Hello::Ready { .. })) => {
                self.stop(worker, watch);
                Err(LetterFailure::Worker(format!(
                    "the template in `{}` changed while the build ran; run the build again",
                    self.template_dir.display()
                )))
            }
            Ok(Some(Hello::Failed { error })) => {
                self.stop(worker, watch);
                Err(LetterFailure::Worker(error))
            }
            Ok(None) | Err(_) => Err(self.reap(worker, watch)),
        }
    }

    /// Ends an idle worker: closing its input lets it finish.
    fn stop(&self, worker: Worker, watch: &Mutex<Watch>) {
        let Worker { stdin, stderr, .. } = worker;
        drop(stdin);
        if let Some(mut child) = lock(watch).child.take() {
            let _ = child.wait();
        }
        let _ = stderr.join();
    }

    /// Collects a worker that stopped answering and says why it did.
    fn reap(&self, worker: Worker, watch: &Mutex<Watch>) -> LetterFailure {
        let Worker { stdin, stderr, .. } = worker;
        drop(stdin);
        let (child, killed) = {
            let mut watch = lock(watch);
            (watch.child.take(), watch.killed.take())
        };
        let status = child.map(|mut child| {
            // It may still run (its answer was garbled): make sure it is gone before waiting.
            let _ = child.kill();
            child.wait()
        });
        // Its standard error closes when it ends; then the reader has every last word.
        let stderr = stderr.join().unwrap_or_default();
        if let Some(reason) = killed {
            return reason;
        }
        LetterFailure::Crashed {
            status: match status {
                Some(Ok(status)) => status.to_string(),
                Some(Err(error)) => error.to_string(),
                None => "no status".to_string(),
            },
            stderr,
        }
    }

    /// Kills any worker past its letter's deadline or over its memory limit, until `finished`.
    fn watchdog(&self, watches: &[Mutex<Watch>], finished: &(Mutex<bool>, Condvar)) {
        const EVERY: Duration = Duration::from_millis(25);
        let mut done = lock(&finished.0);
        while !*done {
            for watch in watches {
                let mut watch = lock(watch);
                let Some(deadline) = watch.deadline else {
                    continue;
                };
                let reason = if Instant::now() >= deadline {
                    Some(LetterFailure::TimedOut(self.limits.time))
                } else if watch
                    .child
                    .as_ref()
                    .and_then(|child| resident_bytes(child.id()))
                    .is_some_and(|bytes| bytes > self.limits.memory)
                {
                    Some(LetterFailure::OutOfMemory(self.limits.memory))
                } else {
                    None
                };
                if let Some(reason) = reason
                    && let Some(child) = watch.child.as_mut()
                {
                    let _ = child.kill();
                    watch.killed = Some(reason);
                    watch.deadline = None;
                }
            }
            done = finished
                .1
                .wait_timeout(done, EVERY)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running worker's pipes.
struct Worker {
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// The thread reading its standard error; it returns the last lines.
    stderr: JoinHandle<String>,
}

impl Worker {
    /// Sends a task and reads the answer; an I/O error means the worker is gone.
    fn make(&mut self, task: &Task) -> std::io::Result<Result<Vec<Made>, LetterFailure>> {
        worker::send_job(&mut self.stdin, task.document, task.editions)?;
        self.stdin.flush()?;
        let gone = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        let answer = worker::read_json::<Answer>(&mut self.stdout)?.ok_or_else(gone)?;
        let mut outputs = Vec::with_capacity(task.editions.len());
        for _ in task.editions {
            outputs.push(worker::read_frame(&mut self.stdout)?.ok_or_else(gone)?);
        }
        Ok(match answer {
            Answer::Made { read } if read.len() == outputs.len() => Ok(outputs
                .into_iter()
                .zip(read)
                .map(|(bytes, read)| Made { bytes, read })
                .collect()),
            Answer::Made { .. } => Err(LetterFailure::Panicked(
                "the letter worker answered for other editions than it was asked".to_string(),
            )),
            Answer::Failed { diagnostics } => Err(LetterFailure::Typst(diagnostics)),
            Answer::Panicked { message } => Err(LetterFailure::Panicked(message)),
        })
    }
}

/// Reads a worker's standard error to its end and returns the last of it, for the message if
/// the worker crashes.
fn last_lines(reader: &mut dyn Read) -> String {
    const KEEP: usize = 2000;
    let mut kept: Vec<u8> = Vec::new();
    let mut buffer = [0; 4096];
    while let Ok(read) = reader.read(&mut buffer) {
        if read == 0 {
            break;
        }
        kept.extend_from_slice(&buffer[..read]);
        if kept.len() > 2 * KEEP {
            kept.drain(..kept.len() - KEEP);
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// One letter compiling in this process, in a thread of its own under the pool's limits: for a
/// build of one letter, where starting a worker would cost more than the letter, and which can
/// start it before it has read the manifest.
pub(crate) struct Compiling {
    answer: std::sync::mpsc::Receiver<std::thread::Result<Result<Vec<Made>, super::RenderError>>>,
    deadline: Instant,
    limits: Limits,
    /// The process's resident memory before the letter: its growth is the letter's.
    baseline: u64,
    /// When the thread could not be started.
    not_started: Option<String>,
}

impl Compiling {
    /// Starts compiling `task` now.
    pub(crate) fn start(template: &Arc<Template>, task: Task, limits: Limits) -> Compiling {
        let template = Arc::clone(template);
        let document = task.document.clone();
        let editions = task.editions.to_vec();
        let (sender, answer) = std::sync::mpsc::channel();
        let baseline = resident_bytes(std::process::id()).unwrap_or(0);
        let spawned = std::thread::Builder::new()
            .name("letter".to_string())
            .stack_size(worker::STACK_BYTES)
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    super::compile_editions_in_threads(&template, &document, &editions)
                }));
                let _ = sender.send(result);
            });
        Compiling {
            answer,
            deadline: Instant::now() + limits.time,
            limits,
            baseline,
            not_started: spawned.err().map(|e| e.to_string()),
        }
    }

    /// Waits for the letter. One past its time or memory limit is reported as failed and left to
    /// run: nothing can stop a Typst compile but the end of its process, which comes as soon as
    /// the build has written what it made.
    pub(crate) fn finish(self) -> Result<Vec<Made>, LetterFailure> {
        use std::sync::mpsc::RecvTimeoutError;
        if let Some(error) = self.not_started {
            return Err(LetterFailure::Worker(error));
        }
        loop {
            match self.answer.recv_timeout(Duration::from_millis(25)) {
                Ok(Ok(Ok(rendered))) => return Ok(rendered),
                Ok(Ok(Err(super::RenderError::Typst(diagnostics)))) => {
                    return Err(LetterFailure::Typst(diagnostics));
                }
                Ok(Err(panic)) => {
                    return Err(LetterFailure::Panicked(worker::panic_message(&*panic)));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LetterFailure::Panicked(
                        "the letter's thread ended without an answer".to_string(),
                    ));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= self.deadline {
                return Err(LetterFailure::TimedOut(self.limits.time));
            }
            let grown = resident_bytes(std::process::id())
                .map_or(0, |now| now.saturating_sub(self.baseline));
            if grown > self.limits.memory {
                return Err(LetterFailure::OutOfMemory(self.limits.memory));
            }
        }
    }
}

/// The resident memory of process `pid`, where the system tells it.
fn resident_bytes(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        // `/proc/<pid>/statm`: sizes in pages; the second is the resident set.
        let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * rustix::param::page_size() as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}
