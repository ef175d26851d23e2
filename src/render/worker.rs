//! The letter worker: a child process of the build that compiles letters, one at a time, for as
//! long as the build sends them (`annual-review render-worker`, not for people to run).
//!
//! Why a process and not a thread: Typst cannot be interrupted. A commentary that loops for ever
//! or eats all memory would hold a thread for ever, or take the whole build down with it; a
//! process can be killed, and the build goes on with a new one (see [`super::pool`]). A stack
//! overflow or an abort inside Typst likewise ends one worker, not the batch.
//!
//! The conversation, on the worker's standard input and output, is a sequence of frames (a
//! little-endian `u32` length, then that many bytes):
//!
//! - the worker first sends [`Hello`] (JSON): the template's digest, or why it could not load it;
//! - the build sends a document as three frames: [`Job`] (JSON: the document and the editions to
//!   make of it), its data and its commentary (empty when it has none);
//! - the worker answers with [`Answer`] (JSON), then one frame per edition asked for, in order
//!   (empty on failure).
//!
//! The worker stops when its standard input ends, and dies with the build if the build dies.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Document, Made, Template};
use crate::layout::Edition;

/// How many letters a worker makes between two evictions of Typst's cache. Without eviction
/// memory grows with every letter (the national batch peaked at about 510 MB); evicting what the
/// last letters did not reuse keeps it flat while the template's shared work stays.
pub(crate) const EVICT_EVERY: usize = 10;
/// The stack of the thread that compiles: room for Typst's recursion whatever the platform's
/// default for a main thread is.
pub(crate) const STACK_BYTES: usize = 8 << 20;

/// The worker's first words.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Hello {
    /// The template is loaded; its digest, so the build can check it loaded the same files.
    Ready { template_digest: String },
    /// The template could not be loaded.
    Failed { error: String },
}

/// A document to make, besides its data and commentary: what goes down the pipe as JSON
/// (borrowed to send, owned once received).
#[derive(Debug, Serialize, Deserialize)]
struct Job<'a> {
    document: Cow<'a, Document>,
    /// The commentary's file, for diagnostics, when the document has commentary.
    commentary: Option<Cow<'a, Path>>,
    editions: Cow<'a, [Edition]>,
}

/// Sends `editions` of `document` to a worker.
pub(crate) fn send_job(
    writer: &mut dyn Write,
    document: &Document,
    editions: &[Edition],
) -> std::io::Result<()> {
    let job = Job {
        document: Cow::Borrowed(document),
        commentary: document
            .commentary
            .as_ref()
            .map(|(_, path)| Cow::Borrowed(path.as_path())),
        editions: Cow::Borrowed(editions),
    };
    write_json(writer, &job)?;
    write_frame(writer, &document.data)?;
    let commentary = document.commentary.as_ref().map(|(text, _)| text.as_str());
    write_frame(writer, commentary.unwrap_or("").as_bytes())
}

/// Receives a job sent by [`send_job`]; `None` when the build has closed the pipe.
fn receive_job(reader: &mut dyn Read) -> std::io::Result<Option<(Document, Vec<Edition>)>> {
    let Some(Job {
        document,
        commentary,
        editions,
    }) = read_json::<Job>(reader)?
    else {
        return Ok(None);
    };
    let mut document = document.into_owned();
    document.data = read_frame(reader)?.unwrap_or_default();
    let text = read_frame(reader)?.unwrap_or_default();
    let text = String::from_utf8(text)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    document.commentary = commentary.map(|path| (text, path.into_owned()));
    Ok(Some((document, editions.into_owned())))
}

/// The worker's answer to a [`Job`]; one frame per edition follows.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Answer {
    /// Made: the template files each edition's compile read, in the order asked.
    Made { read: Vec<Vec<String>> },
    /// Typst's diagnostics, one formatted diagnostic each.
    Failed { diagnostics: Vec<String> },
    /// A bug in Typst or in this tool, caught so that the worker goes on.
    Panicked { message: String },
}

pub(crate) fn write_frame(writer: &mut dyn Write, bytes: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "a frame over 4 GiB"))?;
    writer.write_all(&length.to_le_bytes())?;
    writer.write_all(bytes)
}

/// The next frame, or `None` at the end of the stream.
pub(crate) fn read_frame(reader: &mut dyn Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut length = [0; 4];
    match reader.read_exact(&mut length) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(error) => return Err(error),
    }
    let mut bytes = vec![0; u32::from_le_bytes(length) as usize];
    reader.read_exact(&mut bytes)?;
    Ok(Some(bytes))
}

pub(crate) fn write_json(writer: &mut dyn Write, value: &impl Serialize) -> std::io::Result<()> {
    write_frame(
        writer,
        &serde_json::to_vec(value).expect("plain data serializes"),
    )
}

/// Reads one JSON frame; `None` at the end of the stream.
pub(crate) fn read_json<T: for<'de> Deserialize<'de>>(
    reader: &mut dyn Read,
) -> std::io::Result<Option<T>> {
    let Some(bytes) = read_frame(reader)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Runs a worker for the template in `template_dir` on this process's standard input and output.
/// Returns when the build closes the input (or the output breaks).
pub(crate) fn run(template_dir: &Path) -> std::io::Result<()> {
    // If the build is killed, a worker stuck in a runaway letter must not live on.
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    let template_dir = template_dir.to_path_buf();
    std::thread::Builder::new()
        .name("letter".to_string())
        .stack_size(STACK_BYTES)
        .spawn(move || serve(&template_dir))?
        .join()
        .unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "the worker's thread panicked outside a letter",
            ))
        })
}

fn serve(template_dir: &Path) -> std::io::Result<()> {
    let mut input = std::io::stdin().lock();
    let mut output = std::io::BufWriter::new(std::io::stdout().lock());
    let template = match Template::load(template_dir) {
        Ok(template) => template,
        Err(error) => {
            write_json(
                &mut output,
                &Hello::Failed {
                    error: error.to_string(),
                },
            )?;
            return output.flush();
        }
    };
    write_json(
        &mut output,
        &Hello::Ready {
            template_digest: template.digest().to_string(),
        },
    )?;
    output.flush()?;
    let mut made = 0;
    while let Some((document, editions)) = receive_job(&mut input)? {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::compile_editions(&template, &document, &editions)
        }));
        let (answer, outputs) = match result {
            Ok(Ok(outputs)) => {
                let read = outputs.iter().map(|made| made.read.clone()).collect();
                (Answer::Made { read }, outputs)
            }
            Ok(Err(super::RenderError::Typst(diagnostics))) => {
                (Answer::Failed { diagnostics }, Vec::new())
            }
            Err(panic) => (
                Answer::Panicked {
                    message: panic_message(&*panic),
                },
                Vec::new(),
            ),
        };
        write_json(&mut output, &answer)?;
        for index in 0..editions.len() {
            let bytes = outputs
                .get(index)
                .map_or(&[][..], |made: &Made| &made.bytes);
            write_frame(&mut output, bytes)?;
        }
        output.flush()?;
        made += 1;
        if made % EVICT_EVERY == 0 {
            typst::comemo::evict(1);
        }
    }
    Ok(())
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(message), _) => (*message).to_string(),
        (_, Some(message)) => message.clone(),
        _ => "unknown panic".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, b"one").unwrap();
        write_frame(&mut bytes, b"").unwrap();
        let mut reader = bytes.as_slice();
        assert_eq!(read_frame(&mut reader).unwrap().unwrap(), b"one");
        assert_eq!(read_frame(&mut reader).unwrap().unwrap(), b"");
        assert!(read_frame(&mut reader).unwrap().is_none());
    }
}
