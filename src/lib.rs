//! annual-review: publishes the Ombudsman's annual review letters.

pub mod sample;
