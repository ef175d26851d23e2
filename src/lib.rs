//! annual-review publishes the Local Government and Social Care Ombudsman's annual review
//! letters: one accessible PDF per English council, with the year's complaint statistics and
//! how they compare with similar councils.
//!
//! The pipeline's stages, in order:
//! - [`input`]: the input folder, read and validated whole before anything is written;
//! - [`stats`]: every figure, computed exactly from the validated extract;
//! - [`letter`]: what one letter says, as the JSON data its template reads;
//! - [`render`]: Typst, embedded: a shared template and a cheap world per letter → PDF bytes;
//! - [`output`]: atomic writes and the statistics files;
//! - [`build`]: the stages run together, letters in parallel;
//! - [`cli`]: arguments, messages and exit statuses.

pub mod archive;
pub mod build;
pub mod cli;
pub mod digest;
pub mod input;
pub mod letter;
pub mod manifest;
pub mod output;
pub mod progress;
pub mod render;
pub mod sample;
pub mod stats;
pub mod status;
