//! The sample input folder as a whole: the options, the errors, and [`generate`], which runs the
//! stages in order (register → reorganisations and residents, for 2024-25 → authorities →
//! volumes → counts → rows → CSV) and adds the year's committed `publication.toml` and
//! commentary.

use std::path::PathBuf;

use annual_review::contract::{AUTHORITY_COLUMNS, COMPLIANCE_COLUMNS, DECISION_COLUMNS};

use crate::authorities::{self, Authority, KENT_CODE};
use crate::calendar::Calendar;
use crate::decisions;
use crate::references::{MAX_DECISIONS, References};
use crate::register::read_register;
use crate::rng::Rng;
use crate::year::{Spec, Year};
use crate::{compliance, counts, population, reorganisation};

/// Options for [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOptions {
    /// The year whose sample to make.
    pub year: Year,
    /// 1 = the national sample; N = N copies of every authority.
    pub scale: usize,
    /// Total decisions; default the year's national figure times `scale`.
    pub decisions: Option<usize>,
    /// Seed for every random choice.
    pub seed: u64,
}

impl SampleOptions {
    /// The options behind the committed files of `year`.
    pub fn of(year: Year) -> Self {
        SampleOptions {
            year,
            scale: 1,
            decisions: None,
            seed: year.spec().default_seed,
        }
    }
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions::of(Year::Y2020_21)
    }
}

/// The generated input folder: the three CSV files, as text, and the year's committed settings
/// and commentary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFiles {
    pub publication: &'static str,
    pub authorities_csv: String,
    pub decisions_csv: String,
    pub compliance_csv: String,
    /// `commentary/CODE.typ` files: Kent's, when Kent County Council is among the authorities.
    pub commentary: Vec<(String, &'static str)>,
}

impl SampleFiles {
    /// Every file of the folder: its path inside the folder and its contents.
    pub fn files(&self) -> Vec<(PathBuf, &str)> {
        let mut files = vec![
            (PathBuf::from("publication.toml"), self.publication),
            (PathBuf::from("authorities.csv"), &self.authorities_csv),
            (PathBuf::from("decisions.csv"), &self.decisions_csv),
            (PathBuf::from("compliance.csv"), &self.compliance_csv),
        ];
        for (code, text) in &self.commentary {
            files.push((
                PathBuf::from("commentary").join(format!("{code}.typ")),
                text,
            ));
        }
        files
    }
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
    #[error("the register has no `{name}` ({code}), which was abolished on 1 April {year}")]
    AbolishedMissing {
        name: String,
        code: String,
        year: u32,
    },
    #[error("`{name}` has the code {found} in the register, expected {expected}")]
    AbolishedCode {
        name: String,
        expected: String,
        found: String,
    },
    #[error("district council {0} has no county council in the register (`county-la`)")]
    NoCounty(String),
    #[error("scale must be at least 1")]
    ZeroScale,
    #[error("{requested} decisions is too few: Kent County Council alone needs {minimum}")]
    TooFewDecisions { requested: usize, minimum: usize },
    #[error("{requested} decisions is too many: the case-reference space allows {maximum}")]
    TooManyDecisions { requested: usize, maximum: usize },
    #[error("could not write CSV: {0}")]
    Write(String),
}

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

/// Every authority's decisions and compliance outcomes, each sorted by day then reference.
fn rows(
    seed: u64,
    spec: &Spec,
    calendar: &Calendar,
    authorities: &[Authority],
    counts: &[counts::Counts],
    references: &mut References,
) -> (Vec<decisions::DecisionRow>, Vec<compliance::ComplianceRow>) {
    let mut decision_rows = Vec::new();
    let mut compliance_rows = Vec::new();
    for (a, c) in authorities.iter().zip(counts) {
        // One stream per authority, its decisions drawn first, then its compliance outcomes.
        let mut rng = Rng::stream(seed, "rows", a.index as u64, 0);
        let upheld_cases = decisions::rows(
            &mut rng,
            spec,
            calendar,
            references,
            a,
            c,
            &mut decision_rows,
        );
        compliance::rows(
            &mut rng,
            calendar,
            references,
            a,
            c,
            upheld_cases,
            &mut compliance_rows,
        );
    }
    decision_rows.sort_by(|x, y| x.day.cmp(&y.day).then_with(|| x.case_ref.cmp(&y.case_ref)));
    compliance_rows.sort_by(|x, y| x.day.cmp(&y.day).then_with(|| x.case_ref.cmp(&y.case_ref)));
    (decision_rows, compliance_rows)
}

/// The `authorities.csv` row of `a`: the contract's columns, then the year's optional ones.
fn authority_row(seed: u64, spec: &Spec, a: &Authority) -> Vec<String> {
    let (recipient, title) = authorities::recipient(seed, spec, a);
    let mut row = vec![
        a.code.clone(),
        a.name.clone(),
        a.group.label().to_string(),
        recipient,
        title.to_string(),
    ];
    for &column in spec.optional_columns {
        row.push(match column {
            "population" => format!("{}", a.population.round() as u64),
            "email" => authorities::email(a, title),
            "copies" => authorities::copies(seed, a),
            other => unreachable!("no value for the column `{other}`"),
        });
    }
    row
}

/// Generates the sample folder of `options.year` from the council register (the text of
/// `data/english-councils-2020-21.csv`, or another register with its columns).
pub fn generate(register_csv: &str, options: &SampleOptions) -> Result<SampleFiles, SampleError> {
    let spec = options.year.spec();
    let seed = options.seed;
    if options.scale == 0 {
        return Err(SampleError::ZeroScale);
    }
    let total = options
        .decisions
        .unwrap_or(spec.decisions.saturating_mul(options.scale));
    if total > MAX_DECISIONS {
        return Err(SampleError::TooManyDecisions {
            requested: total,
            maximum: MAX_DECISIONS,
        });
    }
    let mut register = read_register(register_csv)?;
    if spec.reorganised {
        register = reorganisation::reorganise(register, spec.first_year)?;
        population::estimate(seed, &mut register)?;
    }
    let authorities = authorities::expand(&register, options.scale);
    let volumes = decisions::volumes(seed, spec, &authorities, total)?;
    let counts = counts::plan(seed, spec, &authorities, &volumes, total);
    let calendar = Calendar::new(spec);
    let mut references = References::new(spec, total);
    let (decisions, compliance) = rows(
        seed,
        spec,
        &calendar,
        &authorities,
        &counts,
        &mut references,
    );

    let header: Vec<&str> = AUTHORITY_COLUMNS
        .iter()
        .chain(spec.optional_columns)
        .copied()
        .collect();
    let authority_rows: Vec<Vec<String>> = authorities
        .iter()
        .map(|a| authority_row(seed, spec, a))
        .collect();
    let authorities_csv = write_csv(
        &header,
        authority_rows
            .iter()
            .map(|row| row.iter().map(String::as_str).collect()),
    )?;
    let dates: Vec<String> = (0..calendar.days)
        .map(|day| calendar.date_of(day))
        .collect();
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
    // The commentary goes to Kent County Council itself (not its copies), when it is there.
    let commentary = if authorities.iter().any(Authority::is_kent) {
        vec![(KENT_CODE.to_string(), spec.commentary)]
    } else {
        Vec::new()
    };
    Ok(SampleFiles {
        publication: spec.publication,
        authorities_csv,
        decisions_csv,
        compliance_csv,
        commentary,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::authorities::SCILLY_CODE;
    use crate::register::REGISTER;
    use crate::year::{Y2020_21, Y2024_25};

    fn register() -> String {
        REGISTER.to_string()
    }

    fn rows(csv_text: &str) -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(csv_text.as_bytes())
            .records()
            .collect::<Result<_, _>>()
            .expect("generated CSV parses")
    }

    /// A generated sample read back: each decision's and compliance outcome's authority as a
    /// code, whether the row names it by code or by name.
    struct Sample {
        files: SampleFiles,
        authorities: Vec<csv::StringRecord>,
        decisions: Vec<csv::StringRecord>,
        compliance: Vec<csv::StringRecord>,
        /// Code by code or name.
        codes: BTreeMap<String, String>,
    }

    impl Sample {
        fn of(options: &SampleOptions) -> Sample {
            let files = generate(&register(), options).unwrap();
            let authorities = rows(&files.authorities_csv);
            let codes = authorities
                .iter()
                .flat_map(|r| {
                    [
                        (r[0].to_string(), r[0].to_string()),
                        (r[1].to_string(), r[0].to_string()),
                    ]
                })
                .collect();
            Sample {
                decisions: rows(&files.decisions_csv),
                compliance: rows(&files.compliance_csv),
                authorities,
                codes,
                files,
            }
        }

        fn code<'a>(&'a self, row: &csv::StringRecord) -> &'a str {
            &self.codes[&row[1]]
        }

        /// The decisions of `code` with each outcome.
        fn outcomes(&self, code: &str) -> BTreeMap<&str, usize> {
            let mut outcomes = BTreeMap::new();
            for row in self.decisions.iter().filter(|r| self.code(r) == code) {
                *outcomes.entry(row.get(4).unwrap()).or_insert(0) += 1;
            }
            outcomes
        }

        /// How many decisions have `outcome`, nationally.
        fn national(&self, outcome: &str) -> usize {
            self.decisions.iter().filter(|r| &r[4] == outcome).count()
        }

        /// The value of `column` in the register's row of `code`.
        fn register(&self, code: &str, column: &str) -> &str {
            let header = rows_header(&self.files.authorities_csv);
            let at = header.iter().position(|h| h == column).unwrap();
            let row = self.authorities.iter().find(|r| &r[0] == code).unwrap();
            row.get(at).unwrap()
        }
    }

    fn rows_header(csv_text: &str) -> Vec<String> {
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect()
    }

    /// `x` rounded half away from zero to `decimals` places, as the letters print it.
    fn rounded(x: f64, decimals: i32) -> f64 {
        let scale = 10_f64.powi(decimals);
        (x * scale).round() / scale
    }

    #[test]
    fn the_years_optional_columns_are_the_contracts_in_its_order() {
        use annual_review::contract::AUTHORITY_OPTIONAL_COLUMNS;
        for spec in [&Y2020_21, &Y2024_25] {
            let in_contract: Vec<&str> = AUTHORITY_OPTIONAL_COLUMNS
                .iter()
                .copied()
                .filter(|column| spec.optional_columns.contains(column))
                .collect();
            assert_eq!(in_contract, spec.optional_columns);
        }
    }

    #[test]
    fn same_options_give_identical_files() {
        let register = register();
        for year in [Year::Y2020_21, Year::Y2024_25] {
            let options = SampleOptions::of(year);
            let first = generate(&register, &options).unwrap();
            assert_eq!(first, generate(&register, &options).unwrap());
            let other_seed = SampleOptions {
                seed: options.seed + 1,
                ..options
            };
            assert_ne!(first, generate(&register, &other_seed).unwrap());
        }
    }

    #[test]
    fn codes_and_case_refs_are_unique_and_dates_in_period() {
        for (year, councils, period) in [
            (Year::Y2020_21, 339, "2020-04-01"..="2021-03-31"),
            (Year::Y2024_25, 317, "2024-04-01"..="2025-03-31"),
        ] {
            codes_and_case_refs_are_unique_and_dates_in(year, councils, period);
        }
    }

    fn codes_and_case_refs_are_unique_and_dates_in(
        year: Year,
        councils: usize,
        period: std::ops::RangeInclusive<&str>,
    ) {
        let options = SampleOptions {
            scale: 2,
            ..SampleOptions::of(year)
        };
        let files = generate(&register(), &options).unwrap();

        let authorities = rows(&files.authorities_csv);
        assert_eq!(authorities.len(), 2 * councils);
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
        let in_period = |d: &str| period.contains(&d) && d.len() == 10;

        let decisions = rows(&files.decisions_csv);
        assert_eq!(decisions.len(), 2 * year.spec().decisions);
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
    fn the_2020_21_register_gives_addresses_and_copies() {
        let files = generate(&register(), &SampleOptions::default()).unwrap();
        assert_eq!(
            rows_header(&files.authorities_csv),
            [
                "code",
                "name",
                "type",
                "recipient",
                "recipient_title",
                "email",
                "copies"
            ]
        );
        for row in rows(&files.authorities_csv) {
            let domain = format!("@{}.example", authorities::slug(&row[1], &row[0]));
            assert!(row[5].ends_with(&domain), "{:?}", row);
            let copies: Vec<&str> = row[6].split("; ").collect();
            assert_eq!(copies.len(), 2, "{:?}", row);
            assert!(copies[0].starts_with("Leader of the Council: Cllr "));
            assert!(copies[1].starts_with("Chair of Scrutiny: Cllr "));
            assert!(copies[0].ends_with(&format!(" <leader{domain}>")));
            assert!(copies[1].ends_with(&format!(" <scrutiny{domain}>")));
        }
        let authorities = rows(&files.authorities_csv);
        let kent = authorities.iter().find(|r| &r[0] == KENT_CODE).unwrap();
        assert_eq!(&kent[5], "head.of.paid.service@kent-county-council.example");
    }

    #[test]
    fn kent_matches_the_2025_letter() {
        let sample = Sample::of(&SampleOptions::of(Year::Y2024_25));
        let kent = sample.outcomes(KENT_CODE);
        let of = |outcome: &str| kent.get(outcome).copied().unwrap_or(0);
        let not_for_us = of("Referred back for local resolution")
            + of("Advice given")
            + of("Incomplete/Invalid");
        let closed = of("Closed after initial enquiries");
        let investigated = of("Upheld") + of("Not upheld");
        assert_eq!(kent.values().sum::<usize>(), 291);
        assert_eq!((not_for_us, closed, investigated), (87, 128, 76));
        assert_eq!((of("Upheld"), of("Not upheld")), (63, 13));
        assert_eq!(rounded(63.0 / 76.0 * 100.0, 0), 83.0);

        assert_eq!(sample.register(KENT_CODE, "population"), "1610000");
        let per_100k = 63.0 / 1_610_000.0 * 100_000.0;
        assert_eq!(rounded(per_100k, 1), 3.9);
        assert_eq!(
            sample.register(KENT_CODE, "recipient_title"),
            "Chief Executive"
        );
        assert_eq!(
            sample.register(KENT_CODE, "email"),
            "chief.executive@kent-county-council.example"
        );
    }

    #[test]
    fn the_2024_25_nation_matches_the_2025_letters() {
        let sample = Sample::of(&SampleOptions::of(Year::Y2024_25));
        assert_eq!(sample.authorities.len(), 317);
        assert_eq!(sample.decisions.len(), 22_010);
        let (upheld, not_upheld) = (sample.national("Upheld"), sample.national("Not upheld"));
        assert_eq!((upheld + not_upheld, upheld), (4_441, 3_665));
        assert_eq!(rounded(3_665.0 / 4_441.0 * 100.0, 0), 83.0);

        // Compliance: complied and complied late, of all outcomes.
        let failed = sample
            .compliance
            .iter()
            .filter(|r| &r[3] == "not complied")
            .count();
        let outcomes = sample.compliance.len();
        let compliance = (outcomes - failed) as f64 / outcomes as f64 * 100.0;
        assert_eq!(rounded(compliance, 1), 99.7, "{failed} of {outcomes}");

        // Residents of England, counted once: every council but the districts, which lie in
        // their counties.
        let residents: u64 = sample
            .authorities
            .iter()
            .filter(|r| &r[2] != "District Council")
            .map(|r| r[5].parse::<u64>().unwrap())
            .sum();
        assert_eq!(residents, 59_100_000);
        assert_eq!(rounded(3_665.0 / residents as f64 * 100_000.0, 1), 6.2);

        // A satisfactory remedy on some upheld decisions: about one in nine.
        let remedied = sample.decisions.iter().filter(|r| &r[5] == "yes").count();
        let rate = remedied as f64 / upheld as f64;
        assert!((0.10..=0.15).contains(&rate), "{remedied} of {upheld}");
    }

    #[test]
    fn the_2024_25_county_average_upheld_rate_is_89() {
        let sample = Sample::of(&SampleOptions::of(Year::Y2024_25));
        let rates: Vec<f64> = sample
            .authorities
            .iter()
            .filter(|r| &r[2] == "County Council")
            .filter_map(|r| {
                let outcomes = sample.outcomes(&r[0]);
                let upheld = outcomes.get("Upheld").copied().unwrap_or(0);
                let investigated = upheld + outcomes.get("Not upheld").copied().unwrap_or(0);
                (investigated > 0).then(|| upheld as f64 / investigated as f64 * 100.0)
            })
            .collect();
        assert_eq!(rates.len(), 21);
        let mean = rates.iter().sum::<f64>() / rates.len() as f64;
        assert_eq!(rounded(mean, 0), 89.0, "{mean}");
    }

    #[test]
    fn the_2024_25_register_has_populations_addresses_and_copies() {
        let files = generate(&register(), &SampleOptions::of(Year::Y2024_25)).unwrap();
        assert_eq!(
            rows_header(&files.authorities_csv),
            [
                "code",
                "name",
                "type",
                "recipient",
                "recipient_title",
                "population",
                "email",
                "copies"
            ]
        );
        let authorities = rows(&files.authorities_csv);
        for row in &authorities {
            assert_eq!(&row[4], "Chief Executive");
            assert!(row[5].bytes().all(|b| b.is_ascii_digit()) && &row[5] != "0");
            let domain = authorities::slug(&row[1], &row[0]);
            assert_eq!(row[6], format!("chief.executive@{domain}.example"));
            assert!(row[7].contains(&format!(" <leader@{domain}.example>; Chair of Scrutiny: ")));
        }
        let codes: BTreeSet<&str> = authorities.iter().map(|r| &r[0]).collect();
        for gone in [
            "E10000006",
            "E10000021",
            "E10000023",
            "E10000027",
            "E07000169",
        ] {
            assert!(!codes.contains(gone), "{gone}");
        }
        for new in [
            "E06000061",
            "E06000062",
            "E06000063",
            "E06000064",
            "E06000065",
            "E06000066",
        ] {
            assert!(codes.contains(new), "{new}");
        }
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
    fn kent_gets_the_commentary_when_it_is_there() {
        let scaled = SampleOptions {
            scale: 2,
            ..SampleOptions::default()
        };
        let files = generate(&register(), &scaled).unwrap();
        let commentary: Vec<&str> = files.commentary.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(commentary, [KENT_CODE]);
        let paths: Vec<PathBuf> = files.files().into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                "publication.toml",
                "authorities.csv",
                "decisions.csv",
                "compliance.csv",
                "commentary/E10000016.typ"
            ]
            .map(PathBuf::from)
        );

        let without_kent: String = register()
            .lines()
            .filter(|line| !line.contains(KENT_CODE))
            .map(|line| format!("{line}\n"))
            .collect();
        let files = generate(&without_kent, &SampleOptions::default()).unwrap();
        assert!(files.commentary.is_empty());
        assert_eq!(files.files().len(), 4);

        let files = generate(&register(), &SampleOptions::of(Year::Y2024_25)).unwrap();
        assert_eq!(files.publication, Y2024_25.publication);
        assert_eq!(
            files.commentary,
            [(KENT_CODE.to_string(), Y2024_25.commentary)]
        );
        assert_ne!(Y2024_25.commentary, Y2020_21.commentary);
    }
}
