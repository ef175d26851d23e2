//! The sample input folder as a whole: the options, the errors, and [`generate`], which runs the
//! stages in order (register → authorities → volumes → counts → rows → CSV) and adds the
//! committed `publication.toml` and commentary.

use std::path::PathBuf;

use annual_review::contract::{AUTHORITY_COLUMNS, COMPLIANCE_COLUMNS, DECISION_COLUMNS};

/// The optional columns of `authorities.csv` the sample writes, in the contract's order
/// (`annual_review::contract::AUTHORITY_OPTIONAL_COLUMNS`).
const OPTIONAL_COLUMNS: [&str; 2] = ["email", "copies"];

use crate::authorities::{self, Authority, KENT_CODE};
use crate::calendar::{Calendar, PERIOD_DAYS, date_of};
use crate::decisions::{self, NATIONAL_DECISIONS};
use crate::references::{MAX_DECISIONS, References};
use crate::register::read_register;
use crate::rng::Rng;
use crate::{compliance, counts};

/// The sample's `publication.toml`, as committed.
const PUBLICATION: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/input/publication.toml"
));
/// Kent County Council's commentary, as committed.
const KENT_COMMENTARY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/input/commentary/E10000016.typ"
));

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

/// The generated input folder: the three CSV files, as text, and the committed settings and
/// commentary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFiles {
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
            (PathBuf::from("publication.toml"), PUBLICATION),
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
    authorities: &[Authority],
    counts: &[counts::Counts],
    references: &mut References,
) -> (Vec<decisions::DecisionRow>, Vec<compliance::ComplianceRow>) {
    let calendar = Calendar::new();
    let mut decision_rows = Vec::new();
    let mut compliance_rows = Vec::new();
    for (a, c) in authorities.iter().zip(counts) {
        // One stream per authority, its decisions drawn first, then its compliance outcomes.
        let mut rng = Rng::stream(seed, "rows", a.index as u64, 0);
        let upheld_cases =
            decisions::rows(&mut rng, &calendar, references, a, c, &mut decision_rows);
        compliance::rows(
            &mut rng,
            &calendar,
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

/// Generates the sample folder from the council register (the text of
/// `data/english-councils-2020-21.csv`, or another register with its columns).
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
    let authorities = authorities::expand(&register, options.scale);
    let volumes = decisions::volumes(options.seed, &authorities, total)?;
    let counts = counts::plan(options.seed, &authorities, &volumes, total);
    let mut references = References::new(total);
    let (decisions, compliance) = rows(options.seed, &authorities, &counts, &mut references);

    let header: Vec<&str> = AUTHORITY_COLUMNS
        .iter()
        .chain(&OPTIONAL_COLUMNS)
        .copied()
        .collect();
    let authority_rows: Vec<[String; 7]> = authorities
        .iter()
        .map(|a| {
            let (recipient, title) = authorities::recipient(options.seed, a);
            [
                a.code.clone(),
                a.name.clone(),
                a.group.label().to_string(),
                recipient,
                title.to_string(),
                authorities::email(a, title),
                authorities::copies(options.seed, a),
            ]
        })
        .collect();
    let authorities_csv = write_csv(
        &header,
        authority_rows
            .iter()
            .map(|row| row.iter().map(String::as_str).collect()),
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
    // The commentary goes to Kent County Council itself (not its copies), when it is there.
    let commentary = if authorities.iter().any(Authority::is_kent) {
        vec![(KENT_CODE.to_string(), KENT_COMMENTARY)]
    } else {
        Vec::new()
    };
    Ok(SampleFiles {
        authorities_csv,
        decisions_csv,
        compliance_csv,
        commentary,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::authorities::SCILLY_CODE;
    use crate::register::REGISTER;

    fn register() -> String {
        REGISTER.to_string()
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
    fn the_optional_columns_are_the_contracts_in_its_order() {
        use annual_review::contract::AUTHORITY_OPTIONAL_COLUMNS;
        let in_contract: Vec<&str> = AUTHORITY_OPTIONAL_COLUMNS
            .iter()
            .copied()
            .filter(|column| OPTIONAL_COLUMNS.contains(column))
            .collect();
        assert_eq!(in_contract, OPTIONAL_COLUMNS);
    }

    #[test]
    fn the_2020_21_register_gives_addresses_and_copies() {
        let files = generate(&register(), &SampleOptions::default()).unwrap();
        let mut reader = csv::Reader::from_reader(files.authorities_csv.as_bytes());
        assert_eq!(
            reader.headers().unwrap(),
            vec![
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
    }
}
