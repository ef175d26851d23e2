//! The input folder of the publication contract, read and validated in one pass.
//!
//! [`load`] reads `publication.toml`, `authorities.csv`, `decisions.csv`, `compliance.csv` and
//! `commentary/`, and returns either a [`Publication`] in which every value has been checked, or
//! every [`Problem`] found. Nothing after this stage re-parses input; the one check that needs
//! the template, [`check_printable`], runs once it is loaded and reports against the input's
//! files, lines and columns, which the publication keeps in its [`Origins`].

mod authorities;
mod commentary;
mod config;
mod printable;
mod problems;
mod records;
mod suggest;
mod table;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use authorities::{AuthorityLookup, COLUMNS as AUTHORITY_COLUMNS, slug_of};
pub use config::{AverageMethod, PublicationConfig, Signatory, SignatoryOrigins};
pub use printable::check_printable;
pub use problems::{Location, Problem, Problems};
pub use records::{COMPLIANCE_COLUMNS, DECISION_COLUMNS, parse_date};

/// The five groups of similar authorities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthorityType {
    County,
    District,
    MetropolitanBorough,
    Unitary,
    LondonBorough,
}

impl AuthorityType {
    pub const ALL: [AuthorityType; 5] = [
        AuthorityType::County,
        AuthorityType::District,
        AuthorityType::MetropolitanBorough,
        AuthorityType::Unitary,
        AuthorityType::LondonBorough,
    ];

    /// The values in `authorities.csv`, in the order of [`AuthorityType::ALL`].
    pub const LABELS: [&'static str; 5] = [
        "County Council",
        "District Council",
        "Metropolitan Borough",
        "Unitary Council",
        "London Borough",
    ];

    /// The value in `authorities.csv`, e.g. `County Council`.
    pub fn label(self) -> &'static str {
        Self::LABELS[self as usize]
    }

    /// The comparison group as a letter names it, e.g. `County Councils`.
    pub fn plural(self) -> &'static str {
        match self {
            AuthorityType::County => "County Councils",
            AuthorityType::District => "District Councils",
            AuthorityType::MetropolitanBorough => "Metropolitan Boroughs",
            AuthorityType::Unitary => "Unitary Councils",
            AuthorityType::LondonBorough => "London Boroughs",
        }
    }
}

/// One authority of the register: who gets a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    pub code: String,
    pub name: String,
    pub kind: AuthorityType,
    pub recipient: String,
    pub recipient_title: String,
    /// The letter's file name without `.pdf`, unique in the register: see [`slug_of`].
    pub slug: String,
    /// Its line in `authorities.csv`.
    pub line: u64,
}

/// The outcome of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionOutcome {
    Upheld,
    NotUpheld,
    AdviceGiven,
    ClosedAfterInitialEnquiries,
    IncompleteInvalid,
    ReferredBackForLocalResolution,
}

impl DecisionOutcome {
    pub const ALL: [DecisionOutcome; 6] = [
        DecisionOutcome::Upheld,
        DecisionOutcome::NotUpheld,
        DecisionOutcome::AdviceGiven,
        DecisionOutcome::ClosedAfterInitialEnquiries,
        DecisionOutcome::IncompleteInvalid,
        DecisionOutcome::ReferredBackForLocalResolution,
    ];

    /// The values of `decision` in `decisions.csv`, in the order of [`DecisionOutcome::ALL`].
    pub const LABELS: [&'static str; 6] = [
        "Upheld",
        "Not upheld",
        "Advice given",
        "Closed after initial enquiries",
        "Incomplete/Invalid",
        "Referred back for local resolution",
    ];

    pub fn label(self) -> &'static str {
        Self::LABELS[self as usize]
    }
}

/// One decision of the year's extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Index into [`Publication::authorities`].
    pub authority: usize,
    pub decided: NaiveDate,
    /// Index into [`Extract::categories`].
    pub category: usize,
    pub outcome: DecisionOutcome,
    pub remedied_by_authority: bool,
    pub public_report: bool,
}

/// The outcome of a compliance check on an authority's recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComplianceOutcome {
    Complied,
    CompliedLate,
    NotComplied,
}

impl ComplianceOutcome {
    pub const ALL: [ComplianceOutcome; 3] = [
        ComplianceOutcome::Complied,
        ComplianceOutcome::CompliedLate,
        ComplianceOutcome::NotComplied,
    ];

    /// The values of `outcome` in `compliance.csv`, in the order of [`ComplianceOutcome::ALL`].
    pub const LABELS: [&'static str; 3] = ["complied", "complied late", "not complied"];

    pub fn label(self) -> &'static str {
        Self::LABELS[self as usize]
    }
}

/// One compliance outcome recorded in the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplianceRecord {
    /// Index into [`Publication::authorities`].
    pub authority: usize,
    pub recorded: NaiveDate,
    pub outcome: ComplianceOutcome,
}

/// The year's decisions and compliance outcomes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extract {
    pub decisions: Vec<Decision>,
    pub compliance: Vec<ComplianceRecord>,
    /// The service areas in order of first appearance.
    pub categories: Vec<String>,
}

/// A council-specific section of Typst markup, written by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commentary {
    /// Where it came from, for error messages.
    pub path: PathBuf,
    pub text: String,
}

/// A whole, validated input folder.
#[derive(Debug, Clone)]
pub struct Publication {
    pub config: PublicationConfig,
    /// The template's folder: `<templates>/<config.template>`.
    pub template_dir: PathBuf,
    pub authorities: Vec<Authority>,
    pub extract: Extract,
    /// Commentary by authority index.
    pub commentary: Vec<Option<Commentary>>,
    pub origins: Origins,
}

/// Where the text the letters print came from, for problems found after loading.
#[derive(Debug, Clone)]
pub struct Origins {
    /// `authorities.csv`; each authority knows its line.
    pub authorities: PathBuf,
    /// The field number of each column of [`AUTHORITY_COLUMNS`] in `authorities.csv`.
    pub authority_fields: Vec<u64>,
    /// Where each service area first appears in `decisions.csv`, indexed like
    /// [`Extract::categories`].
    pub categories: Vec<Location>,
    /// The signatory's name and titles in `publication.toml`.
    pub signatory: SignatoryOrigins,
}

impl Publication {
    pub fn lookup(&self) -> AuthorityLookup<'_> {
        AuthorityLookup::new(&self.authorities)
    }
}

/// Reads and validates the input folder. `templates_dir` holds the template folders.
pub fn load(input_dir: &Path, templates_dir: &Path) -> Result<Publication, Problems> {
    let mut problems = Problems::default();
    let config = config::load(
        &input_dir.join("publication.toml"),
        templates_dir,
        &mut problems,
    );
    let register = authorities::load(&input_dir.join("authorities.csv"), &mut problems);
    let lookup = AuthorityLookup::of_register(&register);
    let period = config.as_ref().map(|(c, _)| records::Period {
        start: c.period_start,
        end: c.period_end,
    });
    let (extract, categories) = records::load(
        &input_dir.join("decisions.csv"),
        &input_dir.join("compliance.csv"),
        &register,
        &lookup,
        period,
        &mut problems,
    );
    let commentary = commentary::load(
        &input_dir.join("commentary"),
        input_dir,
        &lookup,
        register.authorities.len(),
        &mut problems,
    );
    match config {
        Some((config, signatory)) if problems.is_empty() => Ok(Publication {
            template_dir: templates_dir.join(&config.template),
            config,
            extract,
            commentary,
            origins: Origins {
                authority_fields: register.fields,
                authorities: register.path,
                categories,
                signatory,
            },
            authorities: register.authorities,
        }),
        _ => Err(problems),
    }
}
