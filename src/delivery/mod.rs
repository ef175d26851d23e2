//! Delivery by e-mail: `annual-review outbox` writes each council's covering e-mail with its
//! letter attached, `annual-review send` hands those bytes to an SMTP server, and a ledger
//! records every step so that no message goes twice and none silently fails to go.
//!
//! The outbox (`outbox/<slug>.eml`) and the ledger (`delivery.jsonl`) are records, not outputs of
//! the plan: `build` never writes or removes them, and a message once handed to a server is never
//! rewritten. The parts:
//! - [`note`]: the covering note's words, from the template folder;
//! - [`message`]: one message as RFC 5322 bytes, the same inputs giving the same bytes;
//! - [`compose`]: a council's message from its current letter;
//! - [`ledger`]: `delivery.jsonl`, appended and flushed before each step goes on;
//! - [`standing`]: where each council's message stands, which `outbox`, `send` and `status` share;
//! - [`outbox`] and [`send`]: the commands; [`smtp`]: one connection to the server.

mod compose;
pub(crate) mod ledger;
mod message;
mod note;
mod outbox;
mod send;
mod smtp;
mod standing;

use std::path::PathBuf;

pub(crate) use self::ledger::{Ledger, LedgerError, Settlement};
pub(crate) use self::outbox::{OutboxReport, outbox};
pub(crate) use self::send::{Outcome, SendOptions, SendReport, SettleOptions, send, settle};
pub(crate) use self::smtp::SmtpError;
pub(crate) use self::standing::{Desk, Standing};
use crate::exit::{self, Exit};
use crate::files::WriteError;
use crate::manifest;
use crate::plan::PrepareError;
use crate::year_folder::OutputError;

/// Why `outbox` or `send` could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeliveryError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error(transparent)]
    Manifest(#[from] manifest::ReadError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(
        "`{}` has no [delivery] table: the letters go by e-mail only when it says who sends them, e.g.\n\n[delivery]\nfrom = \"Annual Review <annual.review@lgo.example>\"",
        .config.display()
    )]
    NoDelivery { config: PathBuf },
    #[error(transparent)]
    Smtp(#[from] SmtpError),
    #[error(
        "{name} has no message in doubt: only a message handed to the server with no reply recorded can be settled"
    )]
    NothingInDoubt { name: String },
    #[error("`--to {given}` is not an e-mail address")]
    TestAddress { given: String },
}

impl Exit for DeliveryError {
    fn problems(&self) -> Option<&crate::input::Problems> {
        match self {
            DeliveryError::Prepare(error) => error.problems(),
            _ => None,
        }
    }

    fn exit_status(&self) -> u8 {
        match self {
            DeliveryError::Prepare(error) => error.exit_status(),
            DeliveryError::Output(OutputError::Year { .. })
            | DeliveryError::NoDelivery { .. }
            | DeliveryError::NothingInDoubt { .. }
            | DeliveryError::TestAddress { .. } => exit::INVALID,
            DeliveryError::Smtp(error) => error.exit_status(),
            _ => exit::FAILED,
        }
    }
}

/// The year's folder, the plan's freshness and the ledger, opened for `outbox` or `send`.
struct Opened {
    prepared: crate::plan::Prepared,
    delivery: crate::input::Delivery,
    folder: crate::year_folder::YearFolder,
    manifest: manifest::Manifest,
    freshness: crate::fresh::Freshness,
    ledger: Ledger,
}

impl Opened {
    /// Prepares the publication and opens its built year folder, locked: one writer, or one
    /// sender, at a time.
    fn open(
        sources: &crate::plan::Sources,
        output: &std::path::Path,
    ) -> Result<Opened, DeliveryError> {
        let prepared = crate::plan::prepare(sources, Some(output))?;
        let delivery = prepared
            .publication
            .config
            .delivery
            .clone()
            .ok_or_else(|| DeliveryError::NoDelivery {
                config: sources.input.join("publication.toml"),
            })?;
        let plan = crate::plan::Plan::of(&prepared);
        let year_dir = crate::year_folder::YearFolder::path(output, &plan.year)?;
        let manifest_path = year_dir.join(crate::layout::MANIFEST);
        if !manifest_path.is_file() {
            return Err(OutputError::NotBuilt {
                output: output.to_path_buf(),
                year: plan.year.clone(),
                manifest: manifest_path,
            }
            .into());
        }
        let folder = crate::year_folder::YearFolder::open_for_writing(output, &plan.year)?;
        let manifest =
            manifest::Manifest::read(folder.dir())?.ok_or_else(|| OutputError::NotBuilt {
                output: output.to_path_buf(),
                year: plan.year.clone(),
                manifest: folder.join(crate::layout::MANIFEST),
            })?;
        let stamps = manifest::Stamps::read(folder.dir());
        let freshness =
            crate::fresh::compare(&prepared, &plan, Some(&manifest), &stamps, folder.dir());
        let ledger = Ledger::read(folder.dir())?;
        Ok(Opened {
            prepared,
            delivery,
            folder,
            manifest,
            freshness,
            ledger,
        })
    }

    fn desk(&self) -> Desk<'_> {
        Desk {
            prepared: &self.prepared,
            delivery: &self.delivery,
            freshness: &self.freshness,
            manifest: Some(&self.manifest),
            year_dir: self.folder.dir(),
            ledger: &self.ledger,
        }
    }
}
