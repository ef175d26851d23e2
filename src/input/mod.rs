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
mod figures;
mod printable;
mod problems;
mod records;
mod suggest;
mod table;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub(crate) use authorities::AuthorityLookup;
pub use authorities::{
    COLUMNS as AUTHORITY_COLUMNS, OPTIONAL_COLUMNS as AUTHORITY_OPTIONAL_COLUMNS,
};
pub(crate) use config::{AverageMethod, Delivery, PublicationConfig, Signatory, SignatoryOrigins};
pub(crate) use figures::{Counter, Declaration, Measure, MeasureKind, Quantity, snake};
pub(crate) use printable::check_printable;
pub(crate) use problems::{Location, Problems};
pub(crate) use records::parse_date;
pub use records::{COMPLIANCE_COLUMNS, DECISION_COLUMNS};

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
pub(crate) struct Authority {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) kind: AuthorityType,
    pub(crate) recipient: String,
    pub(crate) recipient_title: String,
    /// Its residents, when the register says (it must when a figure is per resident).
    pub(crate) population: Option<u64>,
    /// The recipient's e-mail addresses.
    pub(crate) email: Vec<String>,
    /// The people a copy of the letter goes to, in the register's order.
    pub(crate) copies: Vec<CopyTo>,
    /// The letter's file name without `.pdf`, unique in the register: see [`slug_of`].
    pub(crate) slug: String,
    /// Its line in `authorities.csv`.
    pub(crate) line: u64,
}

/// Someone a copy of a council's letter goes to: `Leader of the Council: Cllr Jane Smith
/// <leader@kent.example>` in the register's `copies` column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CopyTo {
    /// e.g. `Leader of the Council`
    pub(crate) title: String,
    /// e.g. `Cllr Jane Smith`
    pub(crate) name: String,
    /// Where the copy is sent, when the register gives an address.
    pub(crate) email: Option<String>,
}

/// The outcome of one decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DecisionOutcome {
    Upheld,
    NotUpheld,
    AdviceGiven,
    ClosedAfterInitialEnquiries,
    IncompleteInvalid,
    ReferredBackForLocalResolution,
}

impl DecisionOutcome {
    pub(crate) const ALL: [DecisionOutcome; 6] = [
        DecisionOutcome::Upheld,
        DecisionOutcome::NotUpheld,
        DecisionOutcome::AdviceGiven,
        DecisionOutcome::ClosedAfterInitialEnquiries,
        DecisionOutcome::IncompleteInvalid,
        DecisionOutcome::ReferredBackForLocalResolution,
    ];

    /// The values of `decision` in `decisions.csv`, in the order of [`DecisionOutcome::ALL`].
    pub(crate) const LABELS: [&'static str; 6] = [
        "Upheld",
        "Not upheld",
        "Advice given",
        "Closed after initial enquiries",
        "Incomplete/Invalid",
        "Referred back for local resolution",
    ];

    pub(crate) fn label(self) -> &'static str {
        Self::LABELS[self as usize]
    }
}

/// One decision of the year's extract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Index into [`Publication::authorities`].
    pub(crate) authority: usize,
    pub(crate) decided: NaiveDate,
    /// Index into [`Extract::categories`].
    pub(crate) category: usize,
    pub(crate) outcome: DecisionOutcome,
    pub(crate) remedied_by_authority: bool,
    pub(crate) public_report: bool,
}

/// The outcome of a compliance check on an authority's recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ComplianceOutcome {
    Complied,
    CompliedLate,
    NotComplied,
}

impl ComplianceOutcome {
    pub(crate) const ALL: [ComplianceOutcome; 3] = [
        ComplianceOutcome::Complied,
        ComplianceOutcome::CompliedLate,
        ComplianceOutcome::NotComplied,
    ];

    /// The values of `outcome` in `compliance.csv`, in the order of [`ComplianceOutcome::ALL`].
    pub(crate) const LABELS: [&'static str; 3] = ["complied", "complied late", "not complied"];
}

/// One compliance outcome recorded in the year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ComplianceRecord {
    /// Index into [`Publication::authorities`].
    pub(crate) authority: usize,
    pub(crate) recorded: NaiveDate,
    pub(crate) outcome: ComplianceOutcome,
}

/// The year's decisions and compliance outcomes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Extract {
    pub(crate) decisions: Vec<Decision>,
    pub(crate) compliance: Vec<ComplianceRecord>,
    /// The service areas in order of first appearance.
    pub(crate) categories: Vec<String>,
}

/// A council-specific section of Typst markup, written by staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Commentary {
    /// Where it came from, for error messages.
    pub(crate) path: PathBuf,
    pub(crate) text: String,
}

/// A whole, validated input folder.
#[derive(Debug, Clone)]
pub(crate) struct Publication {
    pub(crate) config: PublicationConfig,
    /// The template's folder: `<templates>/<config.template>`.
    pub(crate) template_dir: PathBuf,
    pub(crate) authorities: Vec<Authority>,
    pub(crate) extract: Extract,
    /// Commentary by authority index.
    pub(crate) commentary: Vec<Option<Commentary>>,
    /// The figures the template's letters print.
    pub(crate) declaration: Declaration,
    pub(crate) origins: Origins,
}

/// Where the text the letters print came from, for problems found after loading.
#[derive(Debug, Clone)]
pub(crate) struct Origins {
    /// `authorities.csv`; each authority knows its line.
    pub(crate) authorities: PathBuf,
    /// The field number of each column of [`AUTHORITY_COLUMNS`] in `authorities.csv`.
    pub(crate) authority_fields: Vec<u64>,
    /// Where each service area first appears in `decisions.csv`, indexed like
    /// [`Extract::categories`].
    pub(crate) categories: Vec<Location>,
    /// The signatory's name and titles in `publication.toml`.
    pub(crate) signatory: SignatoryOrigins,
}

impl Publication {
    pub(crate) fn lookup(&self) -> AuthorityLookup<'_> {
        AuthorityLookup::new(&self.authorities)
    }
}

/// The template folder publication.toml names, read without checking anything else: for loading
/// the template while the rest of the input is read. `None` when it cannot be read that simply
/// (the full check then says why).
pub(crate) fn template_dir(input_dir: &Path, templates_dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(input_dir.join("publication.toml")).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let name = table.get("template")?.as_str()?;
    config::is_plain_template_name(name).then(|| templates_dir.join(name))
}

/// Reads and validates the input folder. `templates_dir` holds the template folders.
pub(crate) fn load(input_dir: &Path, templates_dir: &Path) -> Result<Publication, Problems> {
    let mut problems = Problems::default();
    let config = config::load(
        &input_dir.join("publication.toml"),
        templates_dir,
        &mut problems,
    );
    // The template declares the figures; a figure per resident needs every authority's
    // population.
    let declaration = config.as_ref().and_then(|(config, _)| {
        let dir = templates_dir.join(&config.template);
        dir.join("main.typ")
            .is_file()
            .then(|| figures::load(&dir, config.average, &mut problems))
            .flatten()
    });
    let population_for = declaration.as_ref().and_then(Declaration::population_for);
    let by_email = config
        .as_ref()
        .is_some_and(|(config, _)| config.delivery.is_some());
    let register = authorities::load(
        &input_dir.join("authorities.csv"),
        population_for.as_deref(),
        by_email,
        &mut problems,
    );
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
    match (config, declaration) {
        (Some((config, signatory)), Some(declaration)) if problems.is_empty() => Ok(Publication {
            template_dir: templates_dir.join(&config.template),
            config,
            extract,
            commentary,
            declaration,
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
