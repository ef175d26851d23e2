//! The sample years: everything that differs between the 2020-21 sample (`input/`) and the
//! 2024-25 one (`examples/2024-25/`), as one [`Spec`] each, so the stages read their settings
//! from it instead of from constants.

use crate::register::Group;

/// A sample year, as `--year` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Year {
    /// The committed `input/`: 339 councils, three rates, Kent as in its 2021 letter.
    #[value(name = "2020-21")]
    Y2020_21,
    /// `examples/2024-25/`: the councils after the 2021 and 2023 reorganisations, populations
    /// and the complaint overview, Kent and the nation as in the 2025 letters.
    #[value(name = "2024-25")]
    Y2024_25,
}

impl Year {
    pub fn spec(self) -> &'static Spec {
        match self {
            Year::Y2020_21 => &Y2020_21,
            Year::Y2024_25 => &Y2024_25,
        }
    }
}

/// How a year's sample is made.
#[derive(Debug)]
pub struct Spec {
    /// The committed folder of the year's sample, from the repository's root.
    pub folder: &'static str,
    /// The reporting year runs from 1 April of this year to 31 March of the next.
    pub first_year: u32,
    /// The seed behind the committed files of the year.
    pub default_seed: u64,
    /// `publication.toml`, as committed.
    pub publication: &'static str,
    /// Kent County Council's commentary, as committed.
    pub commentary: &'static str,
    /// Whether the councils are those after the reorganisations up to the year
    /// ([`crate::reorganisation`]) and have residents ([`crate::population`]).
    pub reorganised: bool,
    /// The optional columns of `authorities.csv` the year writes, in the contract's order
    /// (`annual_review::contract::AUTHORITY_OPTIONAL_COLUMNS`).
    pub optional_columns: &'static [&'static str],
    /// The recipient's title for every council; `None`: drawn, as in 2020-21.
    pub recipient_title: Option<&'static str>,
    /// Decisions per copy of the register.
    pub decisions: usize,
    /// Investigations (upheld + not upheld) and upheld decisions per copy of the register, met
    /// exactly; `None`: only as many as the draws give.
    pub national: Option<National>,
    /// Typical share of decisions that are investigated.
    pub investigation_rate: f64,
    /// Typical upheld share of investigations, for County Councils and for the others.
    pub upheld_base: (f64, f64),
    /// The highest upheld share a council is drawn with.
    pub upheld_max: f64,
    /// Typical share of upheld cases the council had already remedied, County Councils and
    /// others.
    pub remedy_base: (f64, f64),
    /// County Council averages (mean of rates, percent) the letters must show.
    pub county_upheld: f64,
    pub county_remedy: Option<f64>,
    /// Public reports per copy of the register, besides Kent's when Kent's are pinned.
    pub reports: f64,
    /// Weights of the outcomes other than an investigation, in the order of
    /// [`OTHER_OUTCOMES`](crate::decisions::OTHER_OUTCOMES).
    pub other_weights: [u32; 4],
    /// Share of compliance outcomes not complied with.
    pub not_complied_rate: f64,
    /// Casework paused before this day of the year (COVID-19 in 2020); 0 for none.
    pub pause_end: u32,
    /// Case numbers issued per year of receipt, per copy of the register.
    pub reference_span: u32,
    pub kent: Kent,
}

/// The national figures a year pins, per copy of the register.
#[derive(Debug)]
pub struct National {
    pub investigations: usize,
    pub upheld: usize,
}

/// Kent County Council's pinned figures; `None` where Kent is drawn like any council.
#[derive(Debug)]
pub struct Kent {
    /// Its decisions; `None`: its share by population, at least `min_decisions`.
    pub decisions: Option<usize>,
    pub min_decisions: usize,
    pub investigations: usize,
    pub upheld: usize,
    pub remedied: Option<usize>,
    pub reports: Option<usize>,
    /// Compliance outcomes, all complied with.
    pub compliance: Option<usize>,
    /// Its other decisions by outcome, in the order of
    /// [`OTHER_OUTCOMES`](crate::decisions::OTHER_OUTCOMES).
    pub others: Option<[usize; 4]>,
    /// Its recipient and title; `None`: invented like any council's.
    pub recipient: Option<(&'static str, &'static str)>,
}

impl Spec {
    /// Typical upheld share of investigations for `group`.
    pub fn upheld_base(&self, group: Group) -> f64 {
        if group == Group::County {
            self.upheld_base.0
        } else {
            self.upheld_base.1
        }
    }

    /// Typical share of upheld cases already remedied for `group`.
    pub fn remedy_base(&self, group: Group) -> f64 {
        if group == Group::County {
            self.remedy_base.0
        } else {
            self.remedy_base.1
        }
    }
}

/// 2020-21: Kent as in its real 2021 letter (54 detailed investigations, 40 upheld, 5
/// remedied, 1 public report, 33 compliance outcomes all complied with; Mr Cockburn, Head of
/// Paid Service); County Council averages 71% upheld and 8% remedied.
pub static Y2020_21: Spec = Spec {
    folder: "input",
    first_year: 2020,
    default_seed: 2021,
    publication: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/input/publication.toml"
    )),
    commentary: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/input/commentary/E10000016.typ"
    )),
    reorganised: false,
    optional_columns: &["email", "copies"],
    recipient_title: None,
    // The real national figure is about 11,800.
    decisions: 11_800,
    national: None,
    // About 3,000 of 11,800.
    investigation_rate: 0.254,
    // Counties slightly higher, as published.
    upheld_base: (0.71, 0.655),
    upheld_max: 0.95,
    remedy_base: (0.08, 0.105),
    county_upheld: 71.0,
    county_remedy: Some(8.0),
    reports: 14.0,
    other_weights: [48, 36, 8, 8],
    not_complied_rate: 0.005,
    pause_end: 91,
    reference_span: 18_000,
    kent: Kent {
        decisions: None,
        // Closures and referrals beside its pinned investigations.
        min_decisions: 54 + 16,
        investigations: 54,
        upheld: 40,
        remedied: Some(5),
        reports: Some(1),
        compliance: Some(33),
        others: None,
        recipient: Some(("Mr Cockburn", "Head of Paid Service")),
    },
};

/// 2024-25, as the 2025 letters publish it. Kent: 291 complaints dealt with = 87 "not for us"
/// (66 referred back for local resolution, 13 advice given, 8 incomplete or invalid) + 128
/// assessed and closed (closed after initial enquiries) + 76 investigated, of which 63 upheld
/// (83%); 1,610,000 residents, so 3.9 upheld per 100,000. County Council average upheld rate
/// 89%. Nationally: 22,010 decisions, 4,441 investigations, 3,665 upheld (83%), compliance
/// 99.7%, 59.1 million residents, so 6.2 upheld per 100,000. Kent's remedies, public reports and
/// compliance are drawn like any council's; every letter goes to the chief executive.
pub static Y2024_25: Spec = Spec {
    folder: "examples/2024-25",
    first_year: 2024,
    default_seed: 2025,
    publication: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/2024-25/publication.toml"
    )),
    commentary: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/2024-25/commentary/E10000016.typ"
    )),
    reorganised: true,
    optional_columns: &["population", "email", "copies"],
    recipient_title: Some("Chief Executive"),
    decisions: 22_010,
    national: Some(National {
        investigations: 4_441,
        upheld: 3_665,
    }),
    // About 4,441 of 22,010.
    investigation_rate: 0.2,
    // Since the 2022-23 change of process most investigations end upheld.
    upheld_base: (0.89, 0.81),
    upheld_max: 1.0,
    remedy_base: (0.10, 0.13),
    county_upheld: 89.0,
    county_remedy: None,
    reports: 25.0,
    other_weights: [50, 38, 5, 7],
    not_complied_rate: 0.003,
    pause_end: 0,
    reference_span: 30_000,
    kent: Kent {
        decisions: Some(291),
        min_decisions: 291,
        investigations: 76,
        upheld: 63,
        remedied: None,
        reports: None,
        compliance: None,
        others: Some([128, 66, 8, 13]),
        recipient: None,
    },
};
