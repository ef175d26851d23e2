//! annual-review publishes the Local Government and Social Care Ombudsman's annual review
//! letters: one accessible PDF per English council, with the year's complaint statistics and
//! how they compare with similar councils.
//!
//! The pipeline's stages, in order:
//! - [`input`]: the input folder, read and validated whole before anything is written;
//! - [`stats`]: every figure, computed exactly from the validated extract;
//! - [`letter`]: what one letter says, as the JSON data its template reads;
//! - [`plan`]: what each letter would be made from now, to compare with the manifest;
//! - [`render`]: Typst, embedded: a shared template and a cheap world per letter → PDF bytes,
//!   in worker processes that can be stopped;
//! - [`output`]: the year's output folder and the statistics files, written through [`files`]
//!   (durable atomic writes, locks, contained paths);
//! - [`manifest`]: what every file was made from;
//! - [`build`], [`status`], [`archive`], [`letter_data`]: the commands, which [`cli`] parses and
//!   answers.

mod archive;
mod build;
pub mod cli;
mod digest;
mod failpoint;
mod files;
mod input;
mod letter;
mod letter_data;
mod manifest;
mod numbers;
mod output;
mod plan;
mod progress;
mod render;
mod stats;
mod status;

/// The names the input contract fixes, for the sample generator.
pub mod contract {
    pub use crate::input::{
        AUTHORITY_COLUMNS, AuthorityType, COMPLIANCE_COLUMNS, DECISION_COLUMNS,
    };
}

/// What the benchmark measures in processes of its own, through the same code as a build: the
/// in-process floor (letters compiled and exported one by one, as a worker does) and the least a
/// one-letter regeneration must do. Not for other uses.
pub mod bench {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use crate::plan::{self, Prepared};

    /// How many letters a letter worker makes between two evictions of Typst's cache (with
    /// `typst::comemo::evict(1)`): for measurements that make letters as a worker does.
    pub const EVICT_EVERY: usize = crate::render::worker::EVICT_EVERY;

    /// The environment variable with which a build leaves out the web edition's compiles, for
    /// timing the batch without it (`ANNUAL_REVIEW_BENCH_WITHOUT_WEB=1`).
    pub const WITHOUT_WEB_VARIABLE: &str = crate::render::WITHOUT_WEB_VARIABLE;

    /// The least that any regeneration of one letter must do, done in this process and nothing
    /// more: read and check the whole input, load the template, compute the figures, and compile
    /// and export the letter's PDF. No web page, no output folder, no manifest, no file written.
    /// Returns how long the PDF's compile and export took, for the benchmark's lower bound.
    pub fn least_regeneration(
        input: &Path,
        templates: &Path,
        code: &str,
    ) -> Result<Duration, String> {
        let prepared = plan::prepare(input, templates).map_err(|e| e.to_string())?;
        let publication = &prepared.publication;
        // Found as `build --authority` finds it.
        let index = plan::select(publication, &[code.to_string()]).map_err(|e| e.to_string())?[0];
        let data = crate::letter::letter_data(publication, &prepared.statistics, index);
        let data = serde_json::to_vec(&data).expect("letter data serializes");
        let source = crate::build::letter_source(&prepared, index, data);
        let started = Instant::now();
        crate::render::render_one(&prepared.template, &source, false).map_err(|e| e.to_string())?;
        Ok(started.elapsed())
    }

    /// A prepared publication whose letters can be compiled one by one.
    pub struct Letters {
        prepared: Prepared,
        data: Vec<Vec<u8>>,
    }

    impl Letters {
        pub fn load(input: &Path, templates: &Path) -> Result<Letters, String> {
            let prepared = plan::prepare(input, templates).map_err(|e| e.to_string())?;
            let data = (0..prepared.publication.authorities.len())
                .map(|index| {
                    let data = crate::letter::letter_data(
                        &prepared.publication,
                        &prepared.statistics,
                        index,
                    );
                    serde_json::to_vec(&data).expect("letter data serializes")
                })
                .collect();
            Ok(Letters { prepared, data })
        }

        pub fn len(&self) -> usize {
            self.data.len()
        }

        pub fn is_empty(&self) -> bool {
            self.data.is_empty()
        }

        /// The index of the authority with `code`.
        pub fn index_of(&self, code: &str) -> Option<usize> {
            self.prepared
                .publication
                .authorities
                .iter()
                .position(|a| a.code == code)
        }

        /// The PDF and the web page of letter `index`.
        pub fn render(&self, index: usize) -> Result<(Vec<u8>, Vec<u8>), String> {
            crate::render::render(&self.prepared.template, &self.source(index))
                .map(|rendered| (rendered.pdf, rendered.html))
                .map_err(|e| e.to_string())
        }

        /// The PDF of letter `index` alone, without its web page.
        pub fn render_pdf(&self, index: usize) -> Result<Vec<u8>, String> {
            crate::render::render_one(&self.prepared.template, &self.source(index), false)
                .map_err(|e| e.to_string())
        }

        /// The web page of letter `index` alone.
        pub fn render_page(&self, index: usize) -> Result<Vec<u8>, String> {
            crate::render::render_one(&self.prepared.template, &self.source(index), true)
                .map_err(|e| e.to_string())
        }

        /// The site's index page.
        pub fn render_index(&self) -> Result<Vec<u8>, String> {
            let publication = &self.prepared.publication;
            let data = crate::output::site::index_data(publication, &self.prepared.statistics);
            crate::render::render_index(
                &self.prepared.template,
                data,
                publication.config.letter_date,
            )
            .map_err(|e| e.to_string())
        }

        fn source(&self, index: usize) -> crate::render::LetterSource<'_> {
            crate::build::letter_source(&self.prepared, index, self.data[index].clone())
        }
    }
}
