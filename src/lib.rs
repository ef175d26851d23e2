//! annual-review publishes the Local Government and Social Care Ombudsman's annual review
//! letters: one accessible PDF per English council, with the year's complaint statistics and
//! how they compare with similar councils.
//!
//! The pipeline's stages, in order, each using only those above it (docs/modules.md draws the
//! graph):
//! - [`files`], [`layout`], [`digest`], [`numbers`], [`failpoint`], [`progress`], [`exit`]: the
//!   leaves — durable writes and locks, the year folder's names, checksums, numbers in words,
//!   crash points, progress, exit statuses;
//! - [`input`]: the input folder, read and validated whole before anything is written;
//! - [`stats`]: every figure, computed exactly from the validated extract;
//! - [`letter`], [`site`], [`statistics_files`]: what each file of the year says, as data;
//! - [`manifest`]: the record of what a build wrote, and from what (a plain record);
//! - [`render`]: Typst, embedded: a shared template and a cheap world per document, one compile
//!   function for every edition, in worker processes that can be stopped;
//! - [`plan`]: every file the year's folder should hold now, and what each is made from;
//! - [`fresh`]: the plan against the record and the disk: what is current, and why not;
//! - [`year_folder`]: the locked year folder, where files are put and taken away;
//! - [`delivery`]: the covering e-mails in the outbox, the ledger of what was sent, and SMTP;
//! - [`build`], [`status`], [`archive`], [`letter_data`]: the commands, which [`cli`] parses,
//!   runs and answers, one module per subcommand.

mod archive;
mod bag;
mod build;
pub mod cli;
mod delivery;
mod digest;
mod exit;
mod failpoint;
mod files;
mod fresh;
mod history;
mod input;
mod layout;
mod letter;
mod letter_data;
mod manifest;
mod numbers;
mod plan;
mod progress;
mod render;
mod site;
mod statistics_files;
mod stats;
mod status;
mod year_folder;

#[cfg(test)]
mod tests;

/// The tool's name and version, as recorded in manifests, bags and PDFs.
pub(crate) const TOOL: &str = concat!("annual-review ", env!("CARGO_PKG_VERSION"));

/// The names the input contract fixes, for the sample generator.
pub mod contract {
    pub use crate::input::{
        AUTHORITY_COLUMNS, AUTHORITY_OPTIONAL_COLUMNS, AuthorityType, COMPLIANCE_COLUMNS,
        DECISION_COLUMNS,
    };
}

/// What the benchmark measures in processes of its own, through the same code as a build: the
/// in-process floor (documents compiled one by one, as a worker does) and the least a one-letter
/// regeneration must do. Not for other uses.
pub mod bench {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use crate::layout::Edition;
    use crate::plan::{self, Plan};

    /// How many letters a letter worker makes between two evictions of Typst's cache (with
    /// `typst::comemo::evict(1)`): for measurements that make letters as a worker does.
    pub const EVICT_EVERY: usize = crate::render::worker::EVICT_EVERY;

    /// The least that any regeneration of one letter must do, done in this process and nothing
    /// more: read and check the whole input, load the template, compute the figures, and compile
    /// and export the letter's PDF. No web page, no output folder, no manifest, no file written.
    /// Returns how long the PDF's compile and export took, for the benchmark's lower bound.
    /// `archive` is the folder of earlier years, as `--archive` names it.
    pub fn least_regeneration(
        input: &Path,
        templates: &Path,
        archive: &Path,
        code: &str,
    ) -> Result<Duration, String> {
        let prepared = prepare(input, templates, archive)?;
        // Found as `build --authority` finds it.
        let index =
            plan::select(&prepared.publication, &[code.to_string()]).map_err(|e| e.to_string())?[0];
        let mut plan = Plan::of(&prepared);
        let document = plan.documents.swap_remove(index).document;
        let started = Instant::now();
        crate::render::compile(&prepared.template, &document, Edition::Letter)
            .map_err(|e| e.to_string())?;
        Ok(started.elapsed())
    }

    /// The publication in `input` prepared as every command prepares it, with no output folder.
    fn prepare(input: &Path, templates: &Path, archive: &Path) -> Result<plan::Prepared, String> {
        let sources = plan::Sources {
            input: input.to_path_buf(),
            templates: templates.to_path_buf(),
            archive: archive.to_path_buf(),
        };
        plan::prepare(&sources, None).map_err(|e| e.to_string())
    }

    /// A prepared publication whose documents can be compiled one by one.
    pub struct Letters {
        prepared: plan::Prepared,
        plan: Plan,
    }

    impl Letters {
        pub fn load(input: &Path, templates: &Path, archive: &Path) -> Result<Letters, String> {
            let prepared = prepare(input, templates, archive)?;
            let plan = Plan::of(&prepared);
            Ok(Letters { prepared, plan })
        }

        /// How many letters there are.
        pub fn len(&self) -> usize {
            self.prepared.publication.authorities.len()
        }

        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// The index of the authority with `code`.
        pub fn index_of(&self, code: &str) -> Option<usize> {
            self.prepared
                .publication
                .authorities
                .iter()
                .position(|a| a.code == code)
        }

        /// The PDF and the web page of letter `index`, one after the other as a worker makes them.
        pub fn render(&self, index: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
            let made = crate::render::compile_editions(
                &self.prepared.template,
                &self.plan.documents[index].document,
                &Edition::COUNCIL,
            )
            .map_err(|e| e.to_string())?;
            let mut made = made.into_iter().map(|made| made.bytes);
            Ok((
                made.next().unwrap_or_default(),
                made.next().unwrap_or_default(),
            ))
        }

        /// The PDF of letter `index` alone, without its web page.
        pub fn render_pdf(&self, index: usize) -> Result<Vec<u8>, String> {
            self.edition(index, Edition::Letter)
        }

        /// The web page of letter `index` alone.
        pub fn render_page(&self, index: usize) -> Result<Vec<u8>, String> {
            self.edition(index, Edition::Page)
        }

        /// The site's index page.
        pub fn render_index(&self) -> Result<Vec<u8>, String> {
            let last = self.plan.documents.len() - 1;
            self.edition(last, Edition::Index)
        }

        fn edition(&self, document: usize, edition: Edition) -> Result<Vec<u8>, String> {
            crate::render::compile(
                &self.prepared.template,
                &self.plan.documents[document].document,
                edition,
            )
            .map(|made| made.bytes)
            .map_err(|e| e.to_string())
        }
    }
}
