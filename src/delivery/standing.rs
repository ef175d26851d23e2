//! Where each council's message stands: the ledger's record, the outbox on disk and the built
//! letter, against what `outbox` would write now. `outbox`, `send` and `status` all start here.

use std::path::Path;

use super::compose::{self, ComposeError, Composed, Letter};
use super::ledger::{Handed, Ledger, State};
use crate::fresh::Freshness;
use crate::input::Delivery;
use crate::layout;
use crate::manifest::Manifest;
use crate::plan::Prepared;

/// Where a council's message stands.
#[derive(Debug)]
pub(crate) enum Standing {
    /// The letter is not built, or not current with the input: nothing goes until a build.
    LetterNotCurrent,
    /// The outbox has no message for the current letter: `outbox` writes it.
    NotInOutbox(Composed),
    /// The outbox's message differs from what `outbox` would write now (the letter, an address or
    /// the note changed): `outbox` rewrites it.
    OutboxStale(Composed),
    /// Bigger than `[delivery]`'s size limit once encoded: `outbox` refuses it.
    TooBig(Composed),
    /// In the outbox, current, never handed over (or failed, or settled as unsent).
    ToSend(Composed),
    /// The server refused these very bytes; a corrected register makes a new message.
    Refused { file: String, reply: String },
    /// Handed over and the outcome never recorded: never sent again by itself.
    InDoubt { file: String, since: String },
    /// Sent, and the letter is still the one sent.
    Sent { file: String },
    /// Sent, and the letter changed since (or a build would change it): a correction goes only
    /// with `send --reissue`.
    ChangedSinceSent {
        file: String,
        at: String,
        /// The Message-IDs sent so far, first to last.
        earlier: Vec<String>,
    },
    /// The message could not be composed (the note's template failed, say).
    Unwritable(ComposeError),
}

impl Standing {
    /// The state as a key, as `status` counts and prints it.
    pub(crate) fn key(&self) -> &'static str {
        match self {
            Standing::LetterNotCurrent => "not-built",
            Standing::NotInOutbox(_) => "not-in-outbox",
            Standing::OutboxStale(_) => "outbox-out-of-date",
            Standing::TooBig(_) => "too-big",
            Standing::ToSend(_) => "to-send",
            Standing::Refused { .. } => "refused",
            Standing::InDoubt { .. } => "in-doubt",
            Standing::Sent { .. } => "sent",
            Standing::ChangedSinceSent { .. } => "changed-since-sent",
            Standing::Unwritable(_) => "unwritable",
        }
    }
}

/// What the standings are worked out from.
pub(crate) struct Desk<'a> {
    pub(crate) prepared: &'a Prepared,
    pub(crate) delivery: &'a Delivery,
    pub(crate) freshness: &'a Freshness,
    pub(crate) manifest: Option<&'a Manifest>,
    pub(crate) year_dir: &'a Path,
    pub(crate) ledger: &'a Ledger,
}

impl Desk<'_> {
    /// The council `index`'s letter, if it is built and current: its bytes as recorded.
    pub(crate) fn letter(&self, index: usize) -> Option<Letter> {
        let slug = &self.prepared.publication.authorities[index].slug;
        let file = layout::letter(slug);
        if self.freshness.stale.contains_key(&file) {
            return None;
        }
        let entry = self.manifest?.files.get(&file)?;
        let bytes = std::fs::read(self.year_dir.join(&file)).ok()?;
        let sha256 = crate::digest::sha256(&bytes);
        (sha256 == entry.sha256).then_some(Letter { bytes, sha256 })
    }

    /// The messages handed over for the council `index`.
    pub(crate) fn handed(&self, index: usize) -> Vec<Handed> {
        self.ledger
            .handed(&self.prepared.publication.authorities[index].code)
    }

    /// Where the council `index`'s message stands.
    pub(crate) fn standing(&self, index: usize) -> Standing {
        let handed = self.handed(index);
        if let Some(doubt) = handed.iter().find_map(|h| match &h.state {
            State::InDoubt { since } => Some((h, since)),
            _ => None,
        }) {
            return Standing::InDoubt {
                file: doubt.0.file.clone(),
                since: doubt.1.clone(),
            };
        }
        let letter = self.letter(index);
        let sent: Vec<&Handed> = handed
            .iter()
            .filter(|h| matches!(h.state, State::Sent { .. }))
            .collect();
        if let Some(last) = sent.last() {
            let State::Sent { at, .. } = &last.state else {
                unreachable!("filtered on sent")
            };
            return match &letter {
                Some(letter) if letter.sha256 == last.letter_sha256 => Standing::Sent {
                    file: last.file.clone(),
                },
                _ => Standing::ChangedSinceSent {
                    file: last.file.clone(),
                    at: at.clone(),
                    earlier: sent.iter().map(|h| h.message_id.clone()).collect(),
                },
            };
        }
        let Some(letter) = letter else {
            return Standing::LetterNotCurrent;
        };
        let composed = match compose::compose(self.prepared, self.delivery, index, &letter, None) {
            Ok(composed) => composed,
            Err(error) => return Standing::Unwritable(error),
        };
        if composed.bytes.len() as u64 > self.delivery.size_limit {
            return Standing::TooBig(composed);
        }
        let on_disk = std::fs::read(self.year_dir.join(&composed.file)).ok();
        match on_disk {
            None => Standing::NotInOutbox(composed),
            Some(bytes) if bytes != composed.bytes => Standing::OutboxStale(composed),
            Some(_) => {
                let sha256 = crate::digest::sha256(&composed.bytes);
                match handed
                    .iter()
                    .rev()
                    .find(|h| h.message_id == composed.message_id)
                {
                    Some(Handed {
                        state: State::Refused { reply },
                        sha256: refused,
                        ..
                    }) if *refused == sha256 => Standing::Refused {
                        file: composed.file,
                        reply: reply.clone(),
                    },
                    _ => Standing::ToSend(composed),
                }
            }
        }
    }
}
