//! The integration tests, as one binary (cargo's own `tests/testsuite` layout): they link once, and
//! share one national build of the sample (`common::national`).

mod common;

mod archive;
mod catalogue;
mod command_line;
mod corrections;
mod crashes;
mod defects;
mod delivery;
mod figures;
mod history;
mod input_commentary;
mod input_csv;
mod input_errors;
mod input_register;
mod input_settings;
mod letters;
mod messages;
mod refusals;
mod sample;
mod smtp_harness;
mod validation;
mod web;
mod years;
