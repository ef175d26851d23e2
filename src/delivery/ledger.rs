//! `delivery.jsonl`: the ledger of every message's sending, one JSON object a line, appended and
//! flushed to the disk before the step it records goes on.
//!
//! For each message, `sending` is made durable before the SMTP transaction starts (MAIL FROM),
//! and one outcome after the server's reply to the end of the data: `sent` with the reply, or
//! `refused`; `failed` when nothing was delivered (the connection broke, or the server deferred
//! before the data) and the message may be sent again. A `sending` with no outcome is **in
//! doubt**: the process was killed, or the connection dropped after the data went, and the server
//! may have the message. It is never sent again by itself; `send --settle` records what a person
//! found (`settled` as sent or unsent).
//!
//! A line cut short by a crash (no line end) was never written: its step never began.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failpoint;
use crate::files::{self, WriteError};
use crate::layout;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub(crate) enum Entry {
    /// A message is about to be handed to the server.
    Sending {
        message_id: String,
        /// The council's code.
        council: String,
        /// The message's file, relative to the year's folder.
        file: String,
        /// The message's bytes, as handed over.
        sha256: String,
        /// The letter attached: which version of it went.
        letter_sha256: String,
        /// Where it goes: the addresses given to the server.
        recipients: Vec<String>,
        /// Sent to a test address instead of the council's (`send --to`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        test: bool,
        at: String,
    },
    /// The server accepted it, with this reply.
    Sent {
        message_id: String,
        reply: String,
        at: String,
    },
    /// The server refused it for good (a 5xx reply).
    Refused {
        message_id: String,
        reply: String,
        at: String,
    },
    /// Nothing was delivered: the connection failed, or the server deferred it (4xx) past every
    /// retry; it may be sent again.
    Failed {
        message_id: String,
        reason: String,
        at: String,
    },
    /// A person's decision on a message in doubt.
    Settled {
        message_id: String,
        /// `sent` or `unsent`.
        #[serde(rename = "as")]
        outcome: Settlement,
        at: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Settlement {
    Sent,
    Unsent,
}

impl Entry {
    pub(crate) fn message_id(&self) -> &str {
        match self {
            Entry::Sending { message_id, .. }
            | Entry::Sent { message_id, .. }
            | Entry::Refused { message_id, .. }
            | Entry::Failed { message_id, .. }
            | Entry::Settled { message_id, .. } => message_id,
        }
    }
}

/// Where a message stands, by its ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Never handed to a server (or failed, or settled as unsent): it may be sent.
    NotSent,
    /// Handed over, and the outcome never recorded.
    InDoubt {
        since: String,
    },
    Sent {
        reply: String,
        at: String,
    },
    Refused {
        reply: String,
    },
}

/// The ledger of a year's folder.
#[derive(Debug)]
pub(crate) struct Ledger {
    path: PathBuf,
    pub(crate) entries: Vec<Entry>,
}

/// Why the ledger could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LedgerError {
    #[error("cannot read `{}`", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` line {line} names `{file}`, which is not a message of the outbox (`outbox/<name>.eml`)", .path.display())]
    File {
        path: PathBuf,
        line: usize,
        file: String,
    },
    #[error("`{}` line {line} is not a ledger entry this version understands", .path.display())]
    Entry {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
}

impl Ledger {
    /// The ledger in `year_dir`; empty when there is none yet.
    pub(crate) fn read(year_dir: &Path) -> Result<Ledger, LedgerError> {
        let path = year_dir.join(layout::LEDGER);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(LedgerError::Read { path, source }),
        };
        let mut entries = Vec::new();
        // The last line without its end was cut short by a crash: it was never written.
        let whole = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => "",
        };
        for (number, line) in whole.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(line).map_err(|source| LedgerError::Entry {
                path: path.clone(),
                line: number + 1,
                source,
            })?;
            // Its names are read and sent from: they stay inside the outbox.
            if let Entry::Sending { file, .. } = &entry
                && !layout::is_message(file)
            {
                return Err(LedgerError::File {
                    path,
                    line: number + 1,
                    file: file.clone(),
                });
            }
            entries.push(entry);
        }
        Ok(Ledger { path, entries })
    }

    /// Appends `entry` and flushes it to the disk before returning: a recorded step is durable.
    /// Passes the failpoints `write:ledger` before and `renamed:ledger` after.
    pub(crate) fn append(&mut self, entry: Entry) -> Result<(), WriteError> {
        let created = !self.path.exists();
        let mut line = serde_json::to_vec(&entry).expect("plain data serializes");
        line.push(b'\n');
        let written = (|| {
            failpoint::pass("write:ledger")?;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            file.write_all(&line)?;
            file.sync_all()
        })();
        written.map_err(|error| WriteError::new(&self.path, error))?;
        if created && let Some(dir) = self.path.parent() {
            files::sync_dir(dir)?;
        }
        failpoint::pass("renamed:ledger").map_err(|error| WriteError::new(&self.path, error))?;
        self.entries.push(entry);
        Ok(())
    }

    /// Where the message `message_id` stands. Test sends (`send --to`) do not count: they went
    /// to someone else.
    pub(crate) fn state(&self, message_id: &str) -> State {
        let mut state = State::NotSent;
        let mut test = false;
        for entry in self.entries.iter().filter(|e| e.message_id() == message_id) {
            match entry {
                Entry::Sending { at, test: t, .. } => {
                    test = *t;
                    if !test {
                        state = State::InDoubt { since: at.clone() };
                    }
                }
                _ if test => {}
                Entry::Sent { reply, at, .. } => {
                    state = State::Sent {
                        reply: reply.clone(),
                        at: at.clone(),
                    }
                }
                Entry::Refused { reply, .. } => {
                    state = State::Refused {
                        reply: reply.clone(),
                    }
                }
                Entry::Failed { .. } => state = State::NotSent,
                Entry::Settled { outcome, at, .. } => {
                    state = match outcome {
                        Settlement::Sent => State::Sent {
                            reply: "settled as sent by a person".to_string(),
                            at: at.clone(),
                        },
                        Settlement::Unsent => State::NotSent,
                    }
                }
            }
        }
        state
    }

    /// The messages handed over for real (not to a test address) for the council `code`, in
    /// the order first handed over, each with where it stands.
    pub(crate) fn handed(&self, code: &str) -> Vec<Handed> {
        let mut found: Vec<Handed> = Vec::new();
        for entry in &self.entries {
            if let Entry::Sending {
                message_id,
                council,
                file,
                sha256,
                letter_sha256,
                test: false,
                ..
            } = entry
                && council == code
            {
                let handed = Handed {
                    message_id: message_id.clone(),
                    file: file.clone(),
                    sha256: sha256.clone(),
                    letter_sha256: letter_sha256.clone(),
                    state: self.state(message_id),
                };
                // The latest attempt says which bytes went.
                match found.iter_mut().find(|h| h.message_id == *message_id) {
                    Some(earlier) => *earlier = handed,
                    None => found.push(handed),
                }
            }
        }
        found
    }
}

impl Ledger {
    /// Every message sent for real, to any council, with the SHA-256 of the bytes that went: what
    /// the archive keeps beside the ledger.
    pub(crate) fn sent_files(&self) -> Vec<(String, String)> {
        let mut councils: Vec<&str> = Vec::new();
        for entry in &self.entries {
            if let Entry::Sending { council, .. } = entry
                && !councils.contains(&council.as_str())
            {
                councils.push(council);
            }
        }
        councils
            .into_iter()
            .flat_map(|code| self.handed(code))
            .filter(|handed| matches!(handed.state, State::Sent { .. }))
            .map(|handed| (handed.file, handed.sha256))
            .collect()
    }
}

/// A message handed over to a server for a council, by the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Handed {
    pub(crate) message_id: String,
    pub(crate) file: String,
    pub(crate) sha256: String,
    pub(crate) letter_sha256: String,
    pub(crate) state: State,
}

/// Now, as the ledger writes times: RFC 3339 in UTC, to the second.
pub(crate) fn now() -> String {
    clock().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Today (UTC): a reissued message's date.
pub(crate) fn today() -> chrono::NaiveDate {
    clock().date_naive()
}

fn clock() -> chrono::DateTime<chrono::Utc> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(seconds as i64, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sending(id: &str, test: bool) -> Entry {
        Entry::Sending {
            message_id: id.to_string(),
            council: "E1".to_string(),
            file: "outbox/a.eml".to_string(),
            sha256: "0".repeat(64),
            letter_sha256: "1".repeat(64),
            recipients: vec!["a@b.example".to_string()],
            test,
            at: "2025-07-16T09:00:00Z".to_string(),
        }
    }

    #[test]
    fn a_message_is_in_doubt_until_its_outcome_and_tests_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::read(dir.path()).unwrap();
        assert_eq!(ledger.state("<m>"), State::NotSent);
        ledger.append(sending("<m>", true)).unwrap();
        ledger
            .append(Entry::Sent {
                message_id: "<m>".to_string(),
                reply: "250 ok".to_string(),
                at: now(),
            })
            .unwrap();
        assert_eq!(
            ledger.state("<m>"),
            State::NotSent,
            "a test send is not the council's"
        );
        ledger.append(sending("<m>", false)).unwrap();
        assert!(matches!(ledger.state("<m>"), State::InDoubt { .. }));
        // Read back as written; a line cut short by a crash is not an entry.
        let path = dir.path().join(layout::LEDGER);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"event\":\"sent\",\"message_id\":\"<m>\"");
        std::fs::write(&path, bytes).unwrap();
        let ledger = Ledger::read(dir.path()).unwrap();
        assert_eq!(ledger.entries.len(), 3);
        assert!(matches!(ledger.state("<m>"), State::InDoubt { .. }));
        let handed = ledger.handed("E1");
        assert_eq!(handed.len(), 1);
        assert!(matches!(handed[0].state, State::InDoubt { .. }));
    }

    #[test]
    fn a_ledger_naming_a_file_outside_the_outbox_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut entry = serde_json::to_value(sending("<m>", false)).unwrap();
        for file in [
            "../../etc/passwd",
            "outbox/../manifest.json",
            "letters/a.pdf",
            "outbox/.eml",
        ] {
            entry["file"] = file.into();
            std::fs::write(dir.path().join(layout::LEDGER), format!("{entry}\n")).unwrap();
            let error = Ledger::read(dir.path()).unwrap_err().to_string();
            assert!(error.ends_with(&format!("line 1 names `{file}`, which is not a message of the outbox (`outbox/<name>.eml`)")), "{error}");
        }
    }
}
