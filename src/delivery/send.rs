//! `annual-review send`: the outbox's messages handed to an SMTP server, each once.
//!
//! Safe by default: without `--confirm` it says what it would send and sends nothing. It sends
//! only what `outbox` wrote for the current letters, byte for byte, and never a message the
//! ledger says went (or may have gone). Before each transaction a `sending` entry is made durable;
//! after the server's reply to the end of the data, its outcome. A 4xx reply is tried again after
//! a pause, a 5xx is recorded as refused; a connection lost after the data leaves the message in
//! doubt, for a person to settle (`--settle`). A letter corrected after its message went goes
//! again only with `--reissue --reason`: a new message, which says why, referring to the first.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use lettre::Address;

use super::compose::{self, Correction};
use super::ledger::{self, Entry, Settlement, State};
use super::outbox::megabytes;
use super::smtp::{self, Server, Session, SmtpError, Transaction};
use super::standing::Standing;
use super::{DeliveryError, Opened};
use crate::files;
use crate::plan;
use crate::plan::Sources;
use crate::progress::Progress;

/// What `send` is asked to do.
#[derive(Debug, Clone, Default)]
pub(crate) struct SendOptions {
    pub(crate) sources: Sources,
    pub(crate) output: PathBuf,
    /// The server's URL; `[delivery]`'s `smtp` when not given.
    pub(crate) smtp: Option<String>,
    /// Send for real; without it, only say what would be sent.
    pub(crate) confirm: bool,
    /// Send at most this many messages.
    pub(crate) limit: Option<usize>,
    /// Only these councils (codes or names); every council when empty.
    pub(crate) authorities: Vec<String>,
    /// Send every selected message to this address instead, as a test.
    pub(crate) to: Option<String>,
    /// A PEM certificate to trust besides the usual roots.
    pub(crate) ca_file: Option<PathBuf>,
    /// Send corrected letters' messages, saying this.
    pub(crate) reissue: Option<String>,
}

/// What `send --settle` is asked to record.
#[derive(Debug, Clone)]
pub(crate) struct SettleOptions {
    pub(crate) sources: Sources,
    pub(crate) output: PathBuf,
    pub(crate) authority: String,
    pub(crate) outcome: Settlement,
}

/// One message `send` attempts (or, in a dry run, would attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attempt {
    pub(crate) name: String,
    pub(crate) file: String,
    /// Where it goes: the council's addresses, or the test address.
    pub(crate) recipients: Vec<String>,
    pub(crate) bytes: u64,
    /// The outcome; `None` in a dry run.
    pub(crate) outcome: Option<Outcome>,
}

/// What became of an attempted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Sent {
        reply: String,
    },
    Refused {
        reply: String,
    },
    /// Nothing delivered, after every retry: a later `send` tries again.
    Failed {
        reason: String,
    },
    /// The server may have it: never sent again by itself.
    InDoubt {
        reason: String,
    },
    /// Not tried: the connection could not be made, or an earlier failure stopped the run.
    NotAttempted {
        reason: String,
    },
}

/// A council whose message is not sent by this run, with why and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub(crate) name: String,
    pub(crate) why: String,
}

/// What `send` did.
#[derive(Debug, Clone, Default)]
pub(crate) struct SendReport {
    pub(crate) dry_run: bool,
    /// The server's URL, when one was given or configured.
    pub(crate) server: Option<String>,
    pub(crate) test: Option<String>,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) held: Vec<Held>,
    /// Councils whose current letter's message went already.
    pub(crate) already_sent: usize,
    /// Messages left for a later `send` by `--limit`.
    pub(crate) left: usize,
    /// Why the run stopped early, if it did.
    pub(crate) stopped: Option<String>,
}

impl SendReport {
    /// How many attempts ended with `outcome`'s kind.
    pub(crate) fn count(&self, kind: fn(&Outcome) -> bool) -> usize {
        self.attempts
            .iter()
            .filter(|attempt| attempt.outcome.as_ref().is_some_and(kind))
            .count()
    }

    /// Whether everything selected was sent (or, in a dry run, can be).
    pub(crate) fn is_complete(&self) -> bool {
        self.held.is_empty()
            && self.stopped.is_none()
            && self
                .attempts
                .iter()
                .all(|a| matches!(a.outcome, None | Some(Outcome::Sent { .. })))
    }
}

/// A message selected to go.
struct Selected {
    code: String,
    name: String,
    file: String,
    message_id: String,
    bytes: Vec<u8>,
    letter_sha256: String,
    recipients: Vec<String>,
}

/// How many times a deferred (4xx) message is tried in one run, and the first pause between.
const TRIES: u32 = 4;
const FIRST_PAUSE: Duration = Duration::from_secs(1);

/// Runs `annual-review send`.
pub(crate) fn send(
    options: &SendOptions,
    progress: &dyn Progress,
) -> Result<SendReport, DeliveryError> {
    let mut opened = Opened::open(&options.sources, &options.output)?;
    let test = match &options.to {
        Some(given) => Some(
            given
                .parse::<Address>()
                .map_err(|_| DeliveryError::TestAddress {
                    given: given.clone(),
                })?,
        ),
        None => None,
    };
    let server = options
        .smtp
        .clone()
        .or_else(|| opened.delivery.smtp.clone())
        .map(|url| Server::parse(&url))
        .transpose()?;
    let selection = plan::select(&opened.prepared.publication, &options.authorities)?;
    let mut report = SendReport {
        dry_run: !options.confirm,
        server: server.as_ref().map(|s| s.url.clone()),
        test: options.to.clone(),
        ..SendReport::default()
    };
    let mut selected: Vec<Selected> = Vec::new();
    {
        let desk = opened.desk();
        let authorities = &opened.prepared.publication.authorities;
        for index in selection {
            let authority = &authorities[index];
            let name = authority.name.clone();
            let hold = |why: String| Held {
                name: name.clone(),
                why,
            };
            let selected_message = |composed: compose::Composed| Selected {
                code: authority.code.clone(),
                name: name.clone(),
                file: composed.file,
                message_id: composed.message_id,
                bytes: composed.bytes,
                letter_sha256: composed.letter_sha256,
                recipients: composed.recipients,
            };
            match desk.standing(index) {
                Standing::ToSend(composed) => selected.push(selected_message(composed)),
                // A test goes to someone else: what went to the council does not matter.
                Standing::Sent { file, .. } | Standing::Refused { file, .. } if test.is_some() => {
                    match std::fs::read(opened.folder.join(&file)) {
                        Ok(bytes) => {
                            let handed = desk.handed(index);
                            let last = handed.iter().rev().find(|h| h.file == file);
                            selected.push(Selected {
                                code: authority.code.clone(),
                                name: name.clone(),
                                file,
                                message_id: last.map(|h| h.message_id.clone()).unwrap_or_default(),
                                bytes,
                                letter_sha256: last.map(|h| h.letter_sha256.clone()).unwrap_or_default(),
                                recipients: Vec::new(),
                            })
                        }
                        Err(error) => report.held.push(hold(format!("cannot read `{file}`: {error}"))),
                    }
                }
                Standing::Sent { .. } => report.already_sent += 1,
                Standing::NotInOutbox(_) => report.held.push(hold(
                    "no message in the outbox for its letter: run `annual-review outbox` first, and read what it writes".to_string(),
                )),
                Standing::OutboxStale(composed) => report.held.push(hold(format!(
                    "`{}` is not what `annual-review outbox` writes now (the letter, an address or the note changed): run it again",
                    composed.file
                ))),
                Standing::TooBig(composed) => report.held.push(hold(format!(
                    "its message would be {}, more than the limit of {}",
                    megabytes(composed.bytes.len() as u64),
                    megabytes(opened.delivery.size_limit)
                ))),
                Standing::LetterNotCurrent => report.held.push(hold(
                    "its letter is not built, or not current with the input: run `annual-review build`, then `annual-review outbox`".to_string(),
                )),
                Standing::Refused { file, reply } => report.held.push(hold(format!(
                    "`{file}` was refused ({reply}): correct the addresses in authorities.csv and run `annual-review outbox` again"
                ))),
                Standing::InDoubt { file, since } => report.held.push(hold(format!(
                    "`{file}` is in doubt: handed to the server at {since}, with no reply recorded. Look for it in the sending mailbox's Sent Items, then `annual-review send --settle {} --as sent` (or `--as unsent` to send it again)",
                    authority.code
                ))),
                Standing::ChangedSinceSent { file, at, earlier } => match &options.reissue {
                    None => report.held.push(hold(format!(
                        "its letter changed since `{file}` was sent at {at}: it goes again only as a correction, with `--reissue --reason TEXT`"
                    ))),
                    Some(reason) => {
                        let Some(letter) = desk.letter(index) else {
                            report.held.push(hold(
                                "its letter is not built, or not current with the input: run `annual-review build` first".to_string(),
                            ));
                            continue;
                        };
                        let correction = Correction {
                            number: earlier.len(),
                            reason,
                            date: ledger::today(),
                            earlier: &earlier,
                        };
                        match compose::compose(&opened.prepared, &opened.delivery, index, &letter, Some(&correction)) {
                            Ok(composed) if composed.bytes.len() as u64 > opened.delivery.size_limit => {
                                report.held.push(hold(format!(
                                    "its corrected message would be {}, more than the limit of {}",
                                    megabytes(composed.bytes.len() as u64),
                                    megabytes(opened.delivery.size_limit)
                                )))
                            }
                            Ok(composed) => {
                                // Written first, in a dry run too: what is sent can be read.
                                let path = opened.folder.join(&composed.file);
                                if std::fs::read(&path).ok().as_deref() != Some(&composed.bytes[..]) {
                                    files::write_durable(&path, &composed.bytes, "message")?;
                                }
                                selected.push(selected_message(composed));
                            }
                            Err(error) => report.held.push(hold(crate::exit::chain(&error))),
                        }
                    }
                },
                Standing::Unwritable(error) => report.held.push(hold(crate::exit::chain(&error))),
            }
        }
    }
    if let Some(limit) = options.limit
        && selected.len() > limit
    {
        report.left = selected.len() - limit;
        selected.truncate(limit);
    }
    let recipients_of = |message: &Selected| match &options.to {
        Some(to) => vec![to.clone()],
        None => message.recipients.clone(),
    };
    if !options.confirm || selected.is_empty() {
        report.attempts = selected
            .iter()
            .map(|message| Attempt {
                name: message.name.clone(),
                file: message.file.clone(),
                recipients: recipients_of(message),
                bytes: message.bytes.len() as u64,
                outcome: None,
            })
            .collect();
        return Ok(report);
    }
    let server = server.ok_or(SmtpError::NoServer)?;
    let credentials = smtp::credentials()?;
    let from = opened.delivery.from.email.clone();
    let interval = Duration::from_secs(60) / opened.delivery.per_minute.max(1);
    let mut last_start: Option<Instant> = None;
    let mut session: Option<Session> = None;
    progress.start(selected.len());
    for message in &selected {
        let recipients = recipients_of(message);
        let mut attempt = Attempt {
            name: message.name.clone(),
            file: message.file.clone(),
            recipients: recipients.clone(),
            bytes: message.bytes.len() as u64,
            outcome: None,
        };
        if let Some(reason) = &report.stopped {
            attempt.outcome = Some(Outcome::NotAttempted {
                reason: reason.clone(),
            });
            report.attempts.push(attempt);
            continue;
        }
        let addresses: Vec<Address> = recipients
            .iter()
            .filter_map(|address| address.parse().ok())
            .collect();
        let mut pause = FIRST_PAUSE;
        for tries in 1..=TRIES {
            if session.is_none() {
                match Session::open(&server, options.ca_file.as_deref(), credentials.as_ref()) {
                    Ok(opened) => session = Some(opened),
                    Err(error) => {
                        if matches!(
                            error,
                            SmtpError::CaFile { .. } | SmtpError::Certificate { .. }
                        ) {
                            return Err(error.into());
                        }
                        let reason = crate::exit::chain(&error);
                        report.stopped = Some(reason.clone());
                        if attempt.outcome.is_none() {
                            attempt.outcome = Some(Outcome::NotAttempted { reason });
                        }
                        break;
                    }
                }
            }
            let connection = session.as_mut().expect("connected above");
            // The pace the provider allows, counted from the start of each transaction.
            if let Some(start) = last_start {
                let next = start + interval;
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                }
            }
            last_start = Some(Instant::now());
            opened.ledger.append(Entry::Sending {
                message_id: message.message_id.clone(),
                council: message.code.clone(),
                file: message.file.clone(),
                sha256: crate::digest::sha256(&message.bytes),
                letter_sha256: message.letter_sha256.clone(),
                recipients: recipients.clone(),
                test: test.is_some(),
                at: ledger::now(),
            })?;
            let outcome = connection.transact(&from, &addresses, &message.bytes);
            let message_id = message.message_id.clone();
            let at = ledger::now();
            let broken = matches!(outcome, Transaction::Broken(_));
            match outcome {
                Transaction::Accepted(reply) => {
                    opened.ledger.append(Entry::Sent {
                        message_id,
                        reply: reply.clone(),
                        at,
                    })?;
                    attempt.outcome = Some(Outcome::Sent { reply });
                    break;
                }
                Transaction::Refused(reply) => {
                    opened.ledger.append(Entry::Refused {
                        message_id,
                        reply: reply.clone(),
                        at,
                    })?;
                    attempt.outcome = Some(Outcome::Refused { reply });
                    break;
                }
                Transaction::Deferred(reason) | Transaction::Broken(reason) => {
                    // Nothing was delivered: recorded, so that a kill now leaves nothing in doubt.
                    opened.ledger.append(Entry::Failed {
                        message_id,
                        reason: reason.clone(),
                        at,
                    })?;
                    if broken {
                        session = None;
                    }
                    attempt.outcome = Some(Outcome::Failed { reason });
                    if tries < TRIES {
                        std::thread::sleep(pause);
                        pause *= 2;
                    }
                }
                Transaction::Lost(reason) => {
                    // No outcome recorded: the `sending` entry stands, in doubt.
                    session = None;
                    attempt.outcome = Some(Outcome::InDoubt { reason });
                    break;
                }
            }
        }
        progress.letter_done(&message.name);
        report.attempts.push(attempt);
    }
    progress.finish();
    if let Some(session) = session {
        session.close();
    }
    Ok(report)
}

/// Records a person's decision on a council's message in doubt.
pub(crate) fn settle(options: &SettleOptions) -> Result<Settled, DeliveryError> {
    let mut opened = Opened::open(&options.sources, &options.output)?;
    let index = plan::select(
        &opened.prepared.publication,
        std::slice::from_ref(&options.authority),
    )?[0];
    let authority = &opened.prepared.publication.authorities[index];
    let name = authority.name.clone();
    let in_doubt: Vec<(String, String)> = opened
        .ledger
        .handed(&authority.code)
        .into_iter()
        .filter(|h| matches!(h.state, State::InDoubt { .. }))
        .map(|h| (h.message_id, h.file))
        .collect();
    if in_doubt.is_empty() {
        return Err(DeliveryError::NothingInDoubt { name });
    }
    let mut files = Vec::new();
    for (message_id, file) in in_doubt {
        opened.ledger.append(Entry::Settled {
            message_id,
            outcome: options.outcome,
            at: ledger::now(),
        })?;
        files.push(file);
    }
    Ok(Settled {
        name,
        files,
        outcome: options.outcome,
    })
}

/// What `--settle` recorded.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    pub(crate) name: String,
    pub(crate) files: Vec<String>,
    pub(crate) outcome: Settlement,
}
