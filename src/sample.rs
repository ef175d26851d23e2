//! Synthetic sample publication extract.
//!
//! This module owns the deterministic generator behind the committed `input/*.csv` files: a
//! realistic, entirely invented 2020-21 annual-review extract (`authorities.csv`,
//! `decisions.csv`, `compliance.csv`) built on the real register of English councils. Nothing
//! in it is real casework. Two figures sets are pinned so the output can be checked against
//! the published 2021 Kent letter: Kent County Council's own numbers and the County Council
//! averages (computed as the mean of each council's rate).
//!
//! Determinism: every random choice comes from a SplitMix64 stream derived from the seed and
//! a purpose tag, collections are `Vec`/`BTree*` only and no clock is read, so the same
//! options always produce byte-identical files. Only `+ - * /` are used on floats (no
//! `ln`/`exp`, whose results may differ between platform maths libraries).

use std::collections::BTreeSet;

use crate::input::{AUTHORITY_COLUMNS, AuthorityType, COMPLIANCE_COLUMNS, DECISION_COLUMNS};

/// Options for [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// 1 = the national sample; N = N copies of every authority.
    pub scale: usize,
    /// Total decisions; default `11_800 * scale`.
    pub decisions: Option<usize>,
    /// Seed for every random choice.
    pub seed: u64,
}

/// The seed behind the committed `input/` files.
pub const DEFAULT_SEED: u64 = 2021;

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            scale: 1,
            decisions: None,
            seed: DEFAULT_SEED,
        }
    }
}

/// The three generated files, as CSV text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFiles {
    pub authorities_csv: String,
    pub decisions_csv: String,
    pub compliance_csv: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("could not read the council register: {0}")]
    Register(#[from] csv::Error),
    #[error("the council register has no `{0}` column")]
    MissingColumn(&'static str),
    #[error("the council register is empty")]
    EmptyRegister,
    #[error("council {name}: unknown comparison group `{group}`")]
    UnknownGroup { name: String, group: String },
    #[error("council {name}: population `{value}` is not a number")]
    BadPopulation { name: String, value: String },
    #[error("council code {0} appears more than once in the register")]
    DuplicateCode(String),
    #[error("scale must be at least 1")]
    ZeroScale,
    #[error("{requested} decisions is too few: Kent County Council alone needs {minimum}")]
    TooFewDecisions { requested: usize, minimum: usize },
    #[error("{requested} decisions is too many: the case-reference space allows {maximum}")]
    TooManyDecisions { requested: usize, maximum: usize },
    #[error("could not write CSV: {0}")]
    Write(String),
}

// ---------------------------------------------------------------------------------------------
// Fixed figures.

/// Decisions per copy of the register (the real national figure is about 11,800).
const NATIONAL_DECISIONS: usize = 11_800;
/// More decisions than this would crowd the six-digit case numbers of one year.
const MAX_DECISIONS: usize = 600_000;

const KENT_CODE: &str = "E10000016";
const KENT_INVESTIGATIONS: usize = 54;
const KENT_UPHELD: usize = 40;
const KENT_REMEDIED: usize = 5;
const KENT_REPORTS: usize = 1;
const KENT_COMPLIANCE: usize = 33;
/// Kent also gets closures and referrals beside its pinned investigations.
const KENT_MIN_DECISIONS: usize = KENT_INVESTIGATIONS + 16;

const SCILLY_CODE: &str = "E06000053";
const CITY_OF_LONDON_CODE: &str = "E09000001";

/// County Council averages (mean of rates) the letters must show, in percent.
const COUNTY_UPHELD_TARGET: f64 = 71.0;
const COUNTY_REMEDY_TARGET: f64 = 8.0;
/// Compliance can only be nudged downwards from 100 %, so a floor keeps it well clear of 99.5.
const COUNTY_COMPLIANCE_FLOOR: f64 = 99.75;
/// Stay this close to a target, so the mean sits at least 0.35 from a .5 rounding edge.
const TARGET_TOLERANCE: f64 = 0.15;

/// Share of decisions that are detailed investigations (about 3,000 of 11,800).
const INVESTIGATION_RATE: f64 = 0.254;
/// Compliance outcomes recorded per upheld case.
const COMPLIANCE_PER_UPHELD: f64 = 0.9;
const NOT_COMPLIED_RATE: f64 = 0.005;
const COMPLIED_LATE_RATE: f64 = 0.06;
/// Public reports per copy of the register, besides Kent's.
const NATIONAL_REPORTS: f64 = 14.0;
/// Rows that name the authority instead of giving its code (the contract accepts both).
const NAME_INSTEAD_OF_CODE: f64 = 0.05;

const CATEGORIES: [&str; 8] = [
    "Adult care services",
    "Benefits and tax",
    "Corporate and other services",
    "Education and children's services",
    "Environmental services, public protection and regulation",
    "Highways and transport",
    "Housing",
    "Planning and development",
];

/// Outcomes other than a detailed investigation, with their weights among such decisions.
const OTHER_OUTCOMES: [(&str, u32); 4] = [
    ("Closed after initial enquiries", 48),
    ("Referred back for local resolution", 36),
    ("Incomplete/Invalid", 8),
    ("Advice given", 8),
];

const SURNAMES: [&str; 60] = [
    "Hartley",
    "Osei",
    "Patel",
    "Whitfield",
    "Okafor",
    "Brennan",
    "Kaur",
    "Lindqvist",
    "Marsh",
    "Chowdhury",
    "Fairbairn",
    "Nwosu",
    "Pennington",
    "Ahmed",
    "Travers",
    "Gallagher",
    "Singh",
    "Holloway",
    "Mensah",
    "Ashworth",
    "Kowalski",
    "Rahman",
    "Thornton",
    "Evans",
    "Begum",
    "McAllister",
    "Wojcik",
    "Hughes",
    "Adeyemi",
    "Crossley",
    "Sharma",
    "Pryce",
    "O'Connell",
    "Bradshaw",
    "Hussain",
    "Fenwick",
    "Lloyd",
    "Nakamura",
    "Cartwright",
    "Mistry",
    "Dunmore",
    "Campbell",
    "Iqbal",
    "Whittaker",
    "Boateng",
    "Sutherland",
    "Greaves",
    "Khan",
    "Pemberton",
    "Costa",
    "Ridley",
    "Jenkins",
    "Sandhu",
    "Moorcroft",
    "Doyle",
    "Farrow",
    "Chen",
    "Rowntree",
    "Ellison",
    "Quigley",
];

/// Honorifics with weights.
const HONORIFICS: [(&str, u32); 4] = [("Mr", 40), ("Ms", 36), ("Mrs", 12), ("Dr", 12)];

// ---------------------------------------------------------------------------------------------
// Register.

/// The comparison groups are the input's authority types; the generator adds how each behaves.
type Group = AuthorityType;

impl Group {
    fn from_register(value: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|group| group.plural() == value)
    }

    /// Complaints per head relative to a county. Two-tier areas count their people twice
    /// (county and district), so districts carry only their own services' share and
    /// single-tier councils carry both.
    fn volume_weight(self) -> f64 {
        match self {
            Group::County => 1.0,
            Group::District => 0.35,
            Group::MetropolitanBorough | Group::Unitary | Group::LondonBorough => 1.3,
        }
    }

    /// Weights over [`CATEGORIES`], by which services the tier runs.
    fn category_weights(self) -> [u32; 8] {
        match self {
            // Adult care, children's services and highways; planning only for minerals and
            // waste, and a trickle of misdirected housing and benefits complaints.
            Group::County => [35, 1, 6, 30, 6, 18, 1, 3],
            // No social care or education; parking gives a little highways work.
            Group::District => [0, 15, 10, 0, 15, 4, 30, 30],
            _ => [17, 9, 8, 20, 10, 11, 14, 11],
        }
    }

    /// Typical upheld share of investigations (counties slightly higher, as published).
    fn upheld_base(self) -> f64 {
        match self {
            Group::County => 0.71,
            _ => 0.655,
        }
    }

    /// Typical share of upheld cases the council had already remedied.
    fn remedy_base(self) -> f64 {
        match self {
            Group::County => 0.08,
            _ => 0.105,
        }
    }
}

#[derive(Debug, Clone)]
struct Council {
    code: String,
    name: String,
    group: Group,
    population: f64,
}

fn read_register(register_csv: &str) -> Result<Vec<Council>, SampleError> {
    let mut reader = csv::Reader::from_reader(register_csv.as_bytes());
    let headers = reader.headers()?.clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(SampleError::MissingColumn(name))
    };
    let (name_col, code_col) = (column("official-name")?, column("gss-code")?);
    let (pop_col, group_col) = (column("pop-2020")?, column("lgsco-comparison-group")?);

    // Population stays `None` until every row is read: gaps take their group's mean.
    let mut rows: Vec<(Council, Option<f64>)> = Vec::new();
    let mut codes = BTreeSet::new();
    for record in reader.records() {
        let record = record?;
        let field = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let (name, code) = (field(name_col), field(code_col));
        let group_text = field(group_col);
        let group = Group::from_register(&group_text).ok_or_else(|| SampleError::UnknownGroup {
            name: name.clone(),
            group: group_text.clone(),
        })?;
        let pop_text = field(pop_col);
        let population = if pop_text.is_empty() {
            None
        } else {
            match pop_text.parse::<f64>() {
                Ok(p) if p.is_finite() && p >= 0.0 => Some(p),
                _ => {
                    return Err(SampleError::BadPopulation {
                        name,
                        value: pop_text,
                    });
                }
            }
        };
        if !codes.insert(code.clone()) {
            return Err(SampleError::DuplicateCode(code));
        }
        let council = Council {
            code,
            name,
            group,
            population: 0.0,
        };
        rows.push((council, population));
    }
    if rows.is_empty() {
        return Err(SampleError::EmptyRegister);
    }

    let group_mean = |group: Group| {
        let known: Vec<f64> = rows
            .iter()
            .filter(|(c, p)| c.group == group && p.is_some())
            .filter_map(|(_, p)| *p)
            .collect();
        if known.is_empty() {
            0.0
        } else {
            known.iter().sum::<f64>() / known.len() as f64
        }
    };
    let means: Vec<f64> = rows.iter().map(|(c, _)| group_mean(c.group)).collect();
    Ok(rows
        .into_iter()
        .zip(means)
        .map(|((mut council, pop), mean)| {
            council.population = pop.unwrap_or(mean);
            council
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Randomness.

/// SplitMix64: tiny, well mixed and fully specified, so streams never change under us.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// An independent stream for one purpose, so adding draws for one thing never shifts
    /// another (e.g. recipients stay put when the volume model changes).
    fn stream(seed: u64, purpose: &str, a: u64, b: u64) -> Rng {
        // FNV-1a of the tag, then fold everything through the mixer.
        let tag = purpose.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, byte| {
            (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let mut rng = Rng(seed ^ tag);
        for word in [a, b] {
            let mixed = rng.next_u64();
            rng = Rng(mixed ^ word.wrapping_mul(0xd6e8_feb8_6659_fd93));
        }
        Rng(rng.next_u64())
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform in 0..n (n > 0), by multiply-high to avoid modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut ticket = self.below(total.max(1));
        for (i, &w) in weights.iter().enumerate() {
            if ticket < u64::from(w) {
                return i;
            }
            ticket -= u64::from(w);
        }
        weights.len() - 1
    }

    /// Round `x` up with probability equal to its fraction: counts keep their expected
    /// value without the spread (and the many zeros) of a binomial draw.
    fn round(&mut self, x: f64) -> usize {
        let x = x.max(0.0);
        let floor = x.floor();
        floor as usize + usize::from(self.chance(x - floor))
    }
}

// ---------------------------------------------------------------------------------------------
// Calendar of the reporting year 1 April 2020 – 31 March 2021 (365 days, no 29 February).

const PERIOD_DAYS: u32 = 365;
/// Day index of 1 January 2021.
const NEW_YEAR: u32 = 275;
/// Casework was paused from late March to 29 June 2020 (COVID-19), so the first quarter
/// saw fewer decisions.
const PAUSE_END: u32 = 91;

fn date_of(day: u32) -> String {
    const MONTHS: [(u32, u32, u32); 12] = [
        (2020, 4, 30),
        (2020, 5, 31),
        (2020, 6, 30),
        (2020, 7, 31),
        (2020, 8, 31),
        (2020, 9, 30),
        (2020, 10, 31),
        (2020, 11, 30),
        (2020, 12, 31),
        (2021, 1, 31),
        (2021, 2, 28),
        (2021, 3, 31),
    ];
    let mut rest = day.min(PERIOD_DAYS - 1);
    for (year, month, length) in MONTHS {
        if rest < length {
            return format!("{year:04}-{month:02}-{:02}", rest + 1);
        }
        rest -= length;
    }
    unreachable!("day index is clamped to the period")
}

/// 1 April 2020 was a Wednesday.
fn is_weekend(day: u32) -> bool {
    (day + 2) % 7 >= 5
}

/// Draws working days, with the first-quarter pause.
struct Calendar {
    cumulative: Vec<f64>,
}

impl Calendar {
    fn new() -> Calendar {
        let mut total = 0.0;
        let cumulative = (0..PERIOD_DAYS)
            .map(|day| {
                let mut weight = if is_weekend(day) { 0.03 } else { 1.0 };
                if day < PAUSE_END {
                    weight *= 0.45;
                }
                total += weight;
                total
            })
            .collect();
        Calendar { cumulative }
    }

    fn day(&self, rng: &mut Rng) -> u32 {
        let total = *self.cumulative.last().expect("the period has days");
        let ticket = rng.unit() * total;
        let index = self.cumulative.partition_point(|&c| c <= ticket);
        index.min(PERIOD_DAYS as usize - 1) as u32
    }
}

/// Moves a weekend day to the next Monday, or back to Friday at the end of the period.
fn working_day(day: u32) -> u32 {
    let mut d = day.min(PERIOD_DAYS - 1);
    while is_weekend(d) && d + 1 < PERIOD_DAYS {
        d += 1;
    }
    while is_weekend(d) {
        d -= 1;
    }
    d
}

// ---------------------------------------------------------------------------------------------
// Case references.

/// Hands out unique references `YY NNN NNN` (year received, then a six-digit number).
struct References {
    used: BTreeSet<(u32, u32)>,
    /// Numbers issued per year, grown with the requested volume so the space never crowds.
    span: u32,
}

impl References {
    fn new(total_decisions: usize) -> References {
        let copies = total_decisions.div_ceil(NATIONAL_DECISIONS).max(1);
        let span = (18_000 * copies).min(999_999) as u32;
        References {
            used: BTreeSet::new(),
            span,
        }
    }

    /// A fresh reference for `year`, its number drawn below `fraction` of the year's span
    /// (early in a year only low numbers have been issued).
    fn issue(&mut self, rng: &mut Rng, year: u32, fraction: f64) -> String {
        let limit = ((f64::from(self.span) * fraction.clamp(0.0, 1.0)) as u32).clamp(500, 999_999);
        // Linear probing from a random start terminates: MAX_DECISIONS leaves every year
        // with free numbers.
        let mut number = 1 + rng.below(u64::from(limit)) as u32;
        while !self.used.insert((year, number)) {
            number = if number >= 999_999 { 1 } else { number + 1 };
        }
        format!("{year:02} {:03} {:03}", number / 1000, number % 1000)
    }

    /// Reference for a case decided on `day`: most were received in 2019-20 or 2020-21,
    /// later decisions increasingly the newer year, a few older ones, and some quick
    /// closures in the final quarter were received in 2021.
    fn for_decision(&mut self, rng: &mut Rng, day: u32) -> String {
        let progress = f64::from(day) / f64::from(PERIOD_DAYS);
        let ticket = rng.unit();
        let p18 = 0.03;
        let p19 = 0.80 - 0.65 * progress;
        let p21 = if day >= NEW_YEAR { 0.04 } else { 0.0 };
        if ticket < p18 {
            self.issue(rng, 18, 1.0)
        } else if ticket < p18 + p19 {
            self.issue(rng, 19, 1.0)
        } else if ticket < p18 + p19 + p21 {
            let into = f64::from(day - NEW_YEAR + 10) / f64::from(PERIOD_DAYS);
            self.issue(rng, 21, into)
        } else {
            // Received no later than the decision; a 45-day head start on average.
            self.issue(rng, 20, (f64::from(day) + 45.0) / f64::from(PERIOD_DAYS))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Authorities and their counts.

#[derive(Debug, Clone)]
struct Authority {
    code: String,
    name: String,
    group: Group,
    population: f64,
    /// Code in the register (the same for every copy).
    base_code: String,
    /// 1 for the original, k for the k-th copy.
    copy: usize,
    index: usize,
}

impl Authority {
    fn is_kent(&self) -> bool {
        self.copy == 1 && self.base_code == KENT_CODE
    }
}

/// Per-authority figures, fixed before any row is written.
#[derive(Debug, Clone, Default)]
struct Counts {
    decisions: usize,
    investigations: usize,
    upheld: usize,
    remedied: usize,
    reports: usize,
    compliance: usize,
    complied_late: usize,
    not_complied: usize,
}

fn expand(register: &[Council], scale: usize) -> Vec<Authority> {
    let mut authorities = Vec::with_capacity(register.len() * scale);
    for copy in 1..=scale {
        for council in register {
            let (code, name) = if copy == 1 {
                (council.code.clone(), council.name.clone())
            } else {
                (
                    format!("{}-{copy}", council.code),
                    format!("{} ({copy})", council.name),
                )
            };
            authorities.push(Authority {
                code,
                name,
                group: council.group,
                population: council.population,
                base_code: council.code.clone(),
                copy,
                index: authorities.len(),
            });
        }
    }
    authorities
}

fn recipient(seed: u64, authority: &Authority) -> (String, &'static str) {
    if authority.base_code == KENT_CODE && authority.copy == 1 {
        return ("Mr Cockburn".to_string(), "Head of Paid Service");
    }
    let mut rng = Rng::stream(seed, "recipient", authority.index as u64, 0);
    let honorific = HONORIFICS[rng.weighted(&HONORIFICS.map(|(_, w)| w))].0;
    let surname = SURNAMES[rng.below(SURNAMES.len() as u64) as usize];
    let roll = rng.unit();
    let title = if authority.base_code == CITY_OF_LONDON_CODE {
        "Town Clerk and Chief Executive"
    } else if roll < 0.06 {
        "Head of Paid Service"
    } else if roll < 0.10 {
        "Managing Director"
    } else {
        "Chief Executive"
    };
    (format!("{honorific} {surname}"), title)
}

/// Shares `total` out in proportion to `weights` (largest remainder, ties to the earlier
/// authority), so the national figure is exact.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut shares: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let given: usize = shares.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(total.saturating_sub(given)) {
        shares[i] += 1;
    }
    shares
}

fn decision_volumes(
    seed: u64,
    authorities: &[Authority],
    total: usize,
) -> Result<Vec<usize>, SampleError> {
    let weight = |a: &Authority| a.population * a.group.volume_weight();
    // Local variation: some councils simply attract more complaints per head.
    let weights: Vec<f64> = authorities
        .iter()
        .map(|a| {
            if a.base_code == SCILLY_CODE || a.is_kent() {
                0.0
            } else {
                let mut rng = Rng::stream(seed, "volume", a.index as u64, 0);
                weight(a) * rng.between(0.75, 1.3)
            }
        })
        .collect();

    let Some(kent) = authorities.iter().position(Authority::is_kent) else {
        return Ok(apportion(total, &weights));
    };
    // Kent takes its plain population share, but never fewer than its pinned cases need.
    let all: f64 = weights.iter().sum::<f64>() + weight(&authorities[kent]);
    let share = if all > 0.0 {
        (weight(&authorities[kent]) / all * total as f64).round() as usize
    } else {
        0
    };
    let kent_decisions = share.max(KENT_MIN_DECISIONS);
    if total < kent_decisions {
        return Err(SampleError::TooFewDecisions {
            requested: total,
            minimum: KENT_MIN_DECISIONS,
        });
    }
    let mut volumes = apportion(total - kent_decisions, &weights);
    volumes[kent] = kent_decisions;
    Ok(volumes)
}

/// Mean of per-council rates (percent) over councils with a non-zero denominator: the
/// method the letters use for comparison-group averages.
fn mean_rate(pairs: impl Iterator<Item = (usize, usize)>) -> Option<f64> {
    let rates: Vec<f64> = pairs
        .filter(|&(_, d)| d > 0)
        .map(|(n, d)| n as f64 / d as f64 * 100.0)
        .collect();
    (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64)
}

/// Nudges numerators of the tunable councils one at a time until the mean of rates is within
/// [`TARGET_TOLERANCE`] of `target`. A step that lands inside the tolerance is taken at once;
/// otherwise the council furthest from the target in the wrong direction moves, so no single
/// council is pushed to an odd rate.
fn tune_mean(
    counts: &mut [Counts],
    members: &[usize],
    tunable: &[usize],
    target: f64,
    numerator: fn(&mut Counts) -> &mut usize,
    denominator: fn(&Counts) -> usize,
) {
    let mean = |counts: &mut [Counts]| {
        let pairs: Vec<(usize, usize)> = members
            .iter()
            .map(|&i| (*numerator(&mut counts[i]), denominator(&counts[i])))
            .collect();
        mean_rate(pairs.into_iter())
    };
    for _ in 0..10_000 {
        let Some(current) = mean(counts) else { return };
        let gap = target - current;
        if gap.abs() <= TARGET_TOLERANCE {
            return;
        }
        let up = gap > 0.0;
        let movable: Vec<usize> = tunable
            .iter()
            .copied()
            .filter(|&i| {
                let d = denominator(&counts[i]);
                let n = *numerator(&mut counts[i]);
                d > 0 && if up { n < d } else { n > 0 }
            })
            .collect();
        if movable.is_empty() {
            return;
        }
        let members_len = members
            .iter()
            .filter(|&&i| denominator(&counts[i]) > 0)
            .count() as f64;
        let step =
            |counts: &mut [Counts], i: usize| 100.0 / denominator(&counts[i]) as f64 / members_len;
        let landing = movable
            .iter()
            .copied()
            .map(|i| (i, (gap.abs() - step(counts, i)).abs()))
            .filter(|&(_, left)| left <= TARGET_TOLERANCE)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        let chosen = landing.map(|(i, _)| i).unwrap_or_else(|| {
            let rate = |counts: &mut [Counts], i: usize| {
                *numerator(&mut counts[i]) as f64 / denominator(&counts[i]) as f64
            };
            let mut best = movable[0];
            for &i in &movable[1..] {
                let (ri, rb) = (rate(counts, i), rate(counts, best));
                if (up && ri < rb) || (!up && ri > rb) {
                    best = i;
                }
            }
            best
        });
        let n = numerator(&mut counts[chosen]);
        if up {
            *n += 1;
        } else {
            *n -= 1;
        }
    }
}

fn plan_counts(
    seed: u64,
    authorities: &[Authority],
    volumes: &[usize],
    total_decisions: usize,
) -> Vec<Counts> {
    let mut counts: Vec<Counts> = volumes
        .iter()
        .map(|&decisions| Counts {
            decisions,
            ..Counts::default()
        })
        .collect();

    // Investigations and upheld cases.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "investigations", a.index as u64, 0);
        if a.is_kent() {
            c.investigations = KENT_INVESTIGATIONS;
            c.upheld = KENT_UPHELD;
            continue;
        }
        let rate = INVESTIGATION_RATE * rng.between(0.8, 1.2);
        c.investigations = rng.round(c.decisions as f64 * rate).min(c.decisions);
        let upheld = (a.group.upheld_base() + rng.between(-0.1, 0.1)).clamp(0.3, 0.95);
        c.upheld = rng
            .round(c.investigations as f64 * upheld)
            .min(c.investigations);
    }

    // The three smallest original districts get no detailed investigation, so the letters
    // always meet councils with decisions but nothing investigated.
    let mut small: Vec<usize> = authorities
        .iter()
        .filter(|a| a.copy == 1 && a.group == Group::District)
        .map(|a| a.index)
        .collect();
    small.sort_by(|&x, &y| {
        authorities[x]
            .population
            .total_cmp(&authorities[y].population)
            .then(x.cmp(&y))
    });
    for &i in small.iter().take(3) {
        counts[i].investigations = 0;
        counts[i].upheld = 0;
    }

    // County averages are published over the original register's counties.
    let counties: Vec<usize> = authorities
        .iter()
        .filter(|a| a.copy == 1 && a.group == Group::County)
        .map(|a| a.index)
        .collect();
    let tunable: Vec<usize> = counties
        .iter()
        .copied()
        .filter(|&i| !authorities[i].is_kent())
        .collect();
    tune_mean(
        &mut counts,
        &counties,
        &tunable,
        COUNTY_UPHELD_TARGET,
        |c| &mut c.upheld,
        |c| c.investigations,
    );

    // Remedies, once upheld counts are final.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "remedied", a.index as u64, 0);
        c.remedied = if a.is_kent() {
            KENT_REMEDIED
        } else {
            let rate = (a.group.remedy_base() + rng.between(-0.04, 0.04)).max(0.0);
            rng.round(c.upheld as f64 * rate).min(c.upheld)
        };
    }
    tune_mean(
        &mut counts,
        &counties,
        &tunable,
        COUNTY_REMEDY_TARGET,
        |c| &mut c.remedied,
        |c| c.upheld,
    );

    // Compliance outcomes: roughly one per upheld case, some late.
    for (a, c) in authorities.iter().zip(counts.iter_mut()) {
        let mut rng = Rng::stream(seed, "compliance", a.index as u64, 0);
        if a.is_kent() {
            c.compliance = KENT_COMPLIANCE;
            continue;
        }
        let expected = c.upheld as f64 * COMPLIANCE_PER_UPHELD * rng.between(0.9, 1.1);
        c.compliance = rng.round(expected);
        c.complied_late = (0..c.compliance)
            .filter(|_| rng.chance(COMPLIED_LATE_RATE))
            .count();
    }

    // A handful of failures nationally, placed on random outcomes (never Kent's).
    let pool: Vec<(usize, usize)> = authorities
        .iter()
        .zip(&counts)
        .filter(|(a, _)| !a.is_kent())
        .map(|(a, c)| (a.index, c.compliance - c.complied_late))
        .collect();
    let outcomes: usize = counts.iter().map(|c| c.compliance).sum();
    let failures = (outcomes as f64 * NOT_COMPLIED_RATE).round() as usize;
    let mut rng = Rng::stream(seed, "not-complied", 0, 0);
    for i in pick_in_pool(&mut rng, &pool, failures) {
        counts[i].not_complied += 1;
    }
    // Failures are rare in counties: keep their average clear of the 99.5 % rounding edge by
    // moving failures to a random single-tier or district council instead.
    let compliant = |c: &Counts| c.compliance - c.not_complied;
    loop {
        let pairs = counties
            .iter()
            .map(|&i| (compliant(&counts[i]), counts[i].compliance));
        let Some(mean) = mean_rate(pairs) else { break };
        if mean >= COUNTY_COMPLIANCE_FLOOR {
            break;
        }
        let Some(&from) = tunable.iter().find(|&&i| counts[i].not_complied > 0) else {
            break;
        };
        let others: Vec<(usize, usize)> = authorities
            .iter()
            .zip(&counts)
            .filter(|(a, _)| a.group != Group::County)
            .map(|(a, c)| (a.index, c.compliance - c.complied_late - c.not_complied))
            .collect();
        let Some(to) = pick_in_pool(&mut rng, &others, 1).into_iter().next() else {
            break;
        };
        counts[from].not_complied -= 1;
        counts[to].not_complied += 1;
    }

    // Public reports: Kent's one plus a national handful on random upheld cases.
    let pool: Vec<(usize, usize)> = authorities
        .iter()
        .zip(&counts)
        .filter(|(a, _)| !a.is_kent())
        .map(|(a, c)| (a.index, c.upheld))
        .collect();
    let wanted = (NATIONAL_REPORTS * total_decisions as f64 / NATIONAL_DECISIONS as f64).round();
    let mut rng = Rng::stream(seed, "reports", 0, 0);
    for i in pick_in_pool(&mut rng, &pool, wanted as usize) {
        counts[i].reports += 1;
    }
    if let Some(kent) = authorities.iter().position(Authority::is_kent) {
        counts[kent].reports = KENT_REPORTS;
    }
    counts
}

/// Picks `k` distinct items from a pool given as (owner, items owned), returning the owner
/// of each pick (Floyd's algorithm over the flattened pool).
fn pick_in_pool(rng: &mut Rng, pool: &[(usize, usize)], k: usize) -> Vec<usize> {
    let size: usize = pool.iter().map(|&(_, n)| n).sum();
    let k = k.min(size);
    let mut chosen = BTreeSet::new();
    for j in size - k..size {
        let t = rng.below(j as u64 + 1) as usize;
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    let mut owners = Vec::with_capacity(k);
    let mut start = 0;
    let mut picks = chosen.into_iter().peekable();
    for &(owner, n) in pool {
        while picks.peek().is_some_and(|&p| p < start + n) {
            picks.next();
            owners.push(owner);
        }
        start += n;
    }
    owners
}

// ---------------------------------------------------------------------------------------------
// Rows.

struct DecisionRow {
    case_ref: String,
    authority: String,
    day: u32,
    category: &'static str,
    decision: &'static str,
    remedied: &'static str,
    public_report: &'static str,
}

struct ComplianceRow {
    case_ref: String,
    authority: String,
    day: u32,
    outcome: &'static str,
}

/// The authority as a row names it: mostly its code, sometimes its exact name.
fn authority_field(rng: &mut Rng, authority: &Authority) -> String {
    if rng.chance(NAME_INSTEAD_OF_CODE) {
        authority.name.clone()
    } else {
        authority.code.clone()
    }
}

/// Upheld cases eligible as the source of a compliance record: decided early enough for the
/// remedy to fall due within the year.
const LAST_LINKABLE_DAY: u32 = 300;

fn build_rows(
    seed: u64,
    authorities: &[Authority],
    counts: &[Counts],
    references: &mut References,
) -> (Vec<DecisionRow>, Vec<ComplianceRow>) {
    let calendar = Calendar::new();
    let other_weights = OTHER_OUTCOMES.map(|(_, w)| w);
    let mut decisions = Vec::new();
    let mut compliance = Vec::new();
    for (a, c) in authorities.iter().zip(counts) {
        let mut rng = Rng::stream(seed, "rows", a.index as u64, 0);
        let categories = a.group.category_weights();
        // (reference, day) of this authority's upheld cases, for compliance records.
        let mut upheld_cases = Vec::new();
        for k in 0..c.decisions {
            let day = calendar.day(&mut rng);
            let case_ref = references.for_decision(&mut rng, day);
            let category = CATEGORIES[rng.weighted(&categories)];
            let (decision, remedied, public_report) = if k < c.upheld {
                let remedied = if k < c.remedied { "yes" } else { "no" };
                // Reports go on the last upheld cases, remedies on the first: a public
                // report usually means the council had not put things right itself.
                let report = if k >= c.upheld - c.reports {
                    "yes"
                } else {
                    "no"
                };
                upheld_cases.push((case_ref.clone(), day));
                ("Upheld", remedied, report)
            } else if k < c.investigations {
                ("Not upheld", "", "no")
            } else {
                (OTHER_OUTCOMES[rng.weighted(&other_weights)].0, "", "")
            };
            decisions.push(DecisionRow {
                case_ref,
                authority: authority_field(&mut rng, a),
                day,
                category,
                decision,
                remedied,
                public_report,
            });
        }

        let mut linkable: Vec<(String, u32)> = upheld_cases
            .into_iter()
            .filter(|&(_, day)| day <= LAST_LINKABLE_DAY)
            .collect();
        for k in 0..c.compliance {
            let outcome = if k < c.not_complied {
                "not complied"
            } else if k < c.not_complied + c.complied_late {
                "complied late"
            } else {
                "complied"
            };
            // About half the outcomes follow this year's decisions, the rest remedies
            // agreed in earlier years.
            let (case_ref, day) = if !linkable.is_empty() && rng.chance(0.55) {
                let (case_ref, decided) =
                    linkable.swap_remove(rng.below(linkable.len() as u64) as usize);
                let due = decided + 14 + rng.below(50) as u32;
                (case_ref, working_day(due))
            } else {
                let year = if rng.chance(0.75) { 19 } else { 18 };
                (
                    references.issue(&mut rng, year, 1.0),
                    calendar.day(&mut rng),
                )
            };
            compliance.push(ComplianceRow {
                case_ref,
                authority: authority_field(&mut rng, a),
                day,
                outcome,
            });
        }
    }
    decisions.sort_by(|x, y| x.day.cmp(&y.day).then_with(|| x.case_ref.cmp(&y.case_ref)));
    compliance.sort_by(|x, y| x.day.cmp(&y.day).then_with(|| x.case_ref.cmp(&y.case_ref)));
    (decisions, compliance)
}

// ---------------------------------------------------------------------------------------------
// Output.

fn write_csv<'a>(
    header: &[&str],
    rows: impl Iterator<Item = Vec<&'a str>>,
) -> Result<String, SampleError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| SampleError::Write(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| SampleError::Write(e.to_string()))
}

/// Generates the three sample files from the council register (the text of
/// `data/english-councils-2020-21.csv`).
pub fn generate(register_csv: &str, options: &SampleOptions) -> Result<SampleFiles, SampleError> {
    if options.scale == 0 {
        return Err(SampleError::ZeroScale);
    }
    let total = options
        .decisions
        .unwrap_or(NATIONAL_DECISIONS.saturating_mul(options.scale));
    if total > MAX_DECISIONS {
        return Err(SampleError::TooManyDecisions {
            requested: total,
            maximum: MAX_DECISIONS,
        });
    }
    let register = read_register(register_csv)?;
    let authorities = expand(&register, options.scale);
    let volumes = decision_volumes(options.seed, &authorities, total)?;
    let counts = plan_counts(options.seed, &authorities, &volumes, total);
    let mut references = References::new(total);
    let (decisions, compliance) = build_rows(options.seed, &authorities, &counts, &mut references);

    let recipients: Vec<(String, &str)> = authorities
        .iter()
        .map(|a| recipient(options.seed, a))
        .collect();
    let authorities_csv = write_csv(
        AUTHORITY_COLUMNS,
        authorities
            .iter()
            .zip(&recipients)
            .map(|(a, (who, title))| {
                vec![
                    a.code.as_str(),
                    a.name.as_str(),
                    a.group.label(),
                    who.as_str(),
                    *title,
                ]
            }),
    )?;
    let dates: Vec<String> = (0..PERIOD_DAYS).map(date_of).collect();
    let decisions_csv = write_csv(
        DECISION_COLUMNS,
        decisions.iter().map(|r| {
            vec![
                r.case_ref.as_str(),
                r.authority.as_str(),
                dates[r.day as usize].as_str(),
                r.category,
                r.decision,
                r.remedied,
                r.public_report,
            ]
        }),
    )?;
    let compliance_csv = write_csv(
        COMPLIANCE_COLUMNS,
        compliance.iter().map(|r| {
            vec![
                r.case_ref.as_str(),
                r.authority.as_str(),
                dates[r.day as usize].as_str(),
                r.outcome,
            ]
        }),
    )?;
    Ok(SampleFiles {
        authorities_csv,
        decisions_csv,
        compliance_csv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/english-councils-2020-21.csv"
        );
        std::fs::read_to_string(path).expect("the council register is committed")
    }

    fn rows(csv_text: &str) -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(csv_text.as_bytes())
            .records()
            .collect::<Result<_, _>>()
            .expect("generated CSV parses")
    }

    #[test]
    fn same_options_give_identical_files() {
        let register = register();
        let options = SampleOptions::default();
        let first = generate(&register, &options).unwrap();
        assert_eq!(first, generate(&register, &options).unwrap());
        let other_seed = SampleOptions {
            seed: options.seed + 1,
            ..options
        };
        assert_ne!(first, generate(&register, &other_seed).unwrap());
    }

    #[test]
    fn codes_and_case_refs_are_unique_and_dates_in_period() {
        let options = SampleOptions {
            scale: 2,
            ..SampleOptions::default()
        };
        let files = generate(&register(), &options).unwrap();

        let authorities = rows(&files.authorities_csv);
        assert_eq!(authorities.len(), 2 * 339);
        let codes: BTreeSet<&str> = authorities.iter().map(|r| &r[0]).collect();
        let names: BTreeSet<&str> = authorities.iter().map(|r| &r[1]).collect();
        assert_eq!(codes.len(), authorities.len());
        assert_eq!(names.len(), authorities.len());
        assert!(codes.contains("E10000016-2"));

        let is_ref = |r: &str| {
            let b = r.as_bytes();
            b.len() == 10
                && b[2] == b' '
                && b[6] == b' '
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 2 || i == 6 || c.is_ascii_digit())
        };
        let in_period = |d: &str| ("2020-04-01"..="2021-03-31").contains(&d) && d.len() == 10;

        let decisions = rows(&files.decisions_csv);
        assert_eq!(decisions.len(), 2 * NATIONAL_DECISIONS);
        let refs: BTreeSet<&str> = decisions.iter().map(|r| &r[0]).collect();
        assert_eq!(refs.len(), decisions.len());
        assert!(decisions.iter().all(|r| is_ref(&r[0]) && in_period(&r[2])));
        assert!(
            decisions
                .windows(2)
                .all(|w| (&w[0][2], &w[0][0]) < (&w[1][2], &w[1][0]))
        );

        let compliance = rows(&files.compliance_csv);
        let refs: BTreeSet<&str> = compliance.iter().map(|r| &r[0]).collect();
        assert_eq!(refs.len(), compliance.len());
        assert!(compliance.iter().all(|r| is_ref(&r[0]) && in_period(&r[2])));
    }

    #[test]
    fn kent_matches_the_2021_letter() {
        let files = generate(&register(), &SampleOptions::default()).unwrap();
        let kent = |r: &csv::StringRecord| &r[1] == KENT_CODE || &r[1] == "Kent County Council";
        let decisions: Vec<_> = rows(&files.decisions_csv)
            .into_iter()
            .filter(kent)
            .collect();
        let upheld: Vec<_> = decisions.iter().filter(|r| &r[4] == "Upheld").collect();
        let investigated = decisions
            .iter()
            .filter(|r| matches!(&r[4], "Upheld" | "Not upheld"))
            .count();
        assert_eq!(investigated, 54);
        assert_eq!(upheld.len(), 40);
        assert_eq!(upheld.iter().filter(|r| &r[5] == "yes").count(), 5);
        assert_eq!(decisions.iter().filter(|r| &r[6] == "yes").count(), 1);
        let compliance: Vec<_> = rows(&files.compliance_csv)
            .into_iter()
            .filter(kent)
            .collect();
        assert_eq!(compliance.len(), 33);
        assert!(compliance.iter().all(|r| &r[3] == "complied"));

        let authorities = rows(&files.authorities_csv);
        let row = authorities.iter().find(|r| &r[0] == KENT_CODE).unwrap();
        assert_eq!((&row[3], &row[4]), ("Mr Cockburn", "Head of Paid Service"));
    }

    #[test]
    fn scilly_has_no_decisions() {
        let files = generate(&register(), &SampleOptions::default()).unwrap();
        assert!(
            rows(&files.decisions_csv)
                .iter()
                .all(|r| &r[1] != SCILLY_CODE && &r[1] != "Council of the Isles of Scilly")
        );
    }

    #[test]
    fn missing_population_takes_the_group_mean() {
        let register = "official-name,gss-code,pop-2020,lgsco-comparison-group\n\
                        A,X1,100.0,Unitary Councils\n\
                        B,X2,300.0,Unitary Councils\n\
                        C,X3,,Unitary Councils\n";
        let councils = read_register(register).unwrap();
        assert_eq!(councils[2].population, 200.0);
    }

    #[test]
    fn dates_cover_the_year() {
        assert_eq!(date_of(0), "2020-04-01");
        assert_eq!(date_of(NEW_YEAR), "2021-01-01");
        assert_eq!(date_of(PERIOD_DAYS - 1), "2021-03-31");
        // 4 April 2020 was a Saturday.
        assert!(is_weekend(3) && !is_weekend(5));
    }
}
