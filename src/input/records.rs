//! `decisions.csv` and `compliance.csv`: the year's extract, one checked row at a time.

use std::path::Path;

use chrono::NaiveDate;
// Case references and authority keys are many and short; the input is ours, not an attacker's
// hash-flooding vector, so the fast non-randomized hash is safe.
use rustc_hash::FxHashMap as HashMap;

use super::authorities::{AuthorityLookup, Register, Resolution};
use super::problems::{Location, Problems};
use super::table::{Row, Table};
use super::{ComplianceOutcome, ComplianceRecord, Decision, DecisionOutcome, Extract};

/// The columns `decisions.csv` must have.
pub const DECISION_COLUMNS: &[&str] = &[
    "case_ref",
    "authority",
    "decided",
    "category",
    "decision",
    "remedied_by_authority",
    "public_report",
];
/// The columns `compliance.csv` must have.
pub const COMPLIANCE_COLUMNS: &[&str] = &["case_ref", "authority", "recorded", "outcome"];
// Both files start with the same three columns.
const CASE_REF: usize = 0;
const AUTHORITY: usize = 1;
const DATE: usize = 2;
const CATEGORY: usize = 3;
const DECISION: usize = 4;
const REMEDIED: usize = 5;
const PUBLIC_REPORT: usize = 6;
const OUTCOME: usize = 3;

/// The reporting period, for date checks.
#[derive(Clone, Copy)]
pub(crate) struct Period {
    pub(crate) start: NaiveDate,
    pub(crate) end: NaiveDate,
}

/// Reads `decisions.csv` and `compliance.csv` into one extract, recording every bad field.
/// References to authorities that the register made unusable are not reported again: their
/// count is added to the register's problem. Returns the extract and where each of its service
/// areas first appears.
pub(crate) fn load(
    decisions_path: &Path,
    compliance_path: &Path,
    register: &Register,
    lookup: &AuthorityLookup,
    period: Option<Period>,
    problems: &mut Problems,
) -> (Extract, Vec<Location>) {
    let mut extract = Extract::default();
    let mut category_origins = Vec::new();
    // For each file, how many of its rows refer to each cause of unusable keys in the register.
    let mut referrals = Vec::new();
    if let Some(table) = Table::open(decisions_path, DECISION_COLUMNS, &[], problems) {
        let mut counts = register.no_referrals();
        load_decisions(
            &table,
            lookup,
            period,
            &mut extract,
            &mut category_origins,
            &mut counts,
            problems,
        );
        referrals.push((decisions_path, counts));
    }
    if let Some(table) = Table::open(compliance_path, COMPLIANCE_COLUMNS, &[], problems) {
        let mut counts = register.no_referrals();
        load_compliance(&table, lookup, period, &mut extract, &mut counts, problems);
        referrals.push((compliance_path, counts));
    }
    register.report_referrals(&referrals, problems);
    (extract, category_origins)
}

fn load_decisions(
    table: &Table,
    lookup: &AuthorityLookup,
    period: Option<Period>,
    extract: &mut Extract,
    category_origins: &mut Vec<Location>,
    referrals: &mut [u64],
    problems: &mut Problems,
) {
    let mut case_refs = CaseRefs::default();
    let mut categories: HashMap<String, usize> = HashMap::default();
    table.for_each_row(problems, |row, problems| {
        let case_ref = case_refs.check(row, problems);
        let authority = authority(row, lookup, referrals, problems);
        let decided = date(row, period, problems);
        let category = match row.text(CATEGORY) {
            Ok("") => {
                problems.push(row.problem(
                    CATEGORY,
                    "found an empty value, expected a service area, e.g. `Housing`",
                ));
                None
            }
            Ok(text) => Some(match categories.get(text) {
                Some(&index) => index,
                None => {
                    extract.categories.push(text.to_string());
                    category_origins.push(row.location(CATEGORY));
                    categories.insert(text.to_string(), extract.categories.len() - 1);
                    extract.categories.len() - 1
                }
            }),
            Err(problem) => {
                problems.push(problem);
                None
            }
        };
        let outcome = row
            .choice(DECISION, &DecisionOutcome::LABELS, problems)
            .map(|index| DecisionOutcome::ALL[index]);
        let remedied = yes_no(row, REMEDIED, problems);
        let public_report = yes_no(row, PUBLIC_REPORT, problems);
        if remedied == Some(true)
            && let Some(outcome) = outcome
            && outcome != DecisionOutcome::Upheld
        {
            problems.push(row.problem(
                REMEDIED,
                format!(
                    "found `yes` on a `{}` decision, expected `yes` only on an `Upheld` decision",
                    outcome.label()
                ),
            ));
            return;
        }
        if let (
            Some(()),
            Some(authority),
            Some(decided),
            Some(category),
            Some(outcome),
            Some(remedied),
            Some(public_report),
        ) = (
            case_ref,
            authority,
            decided,
            category,
            outcome,
            remedied,
            public_report,
        ) {
            extract.decisions.push(Decision {
                authority,
                decided,
                category,
                outcome,
                remedied_by_authority: remedied,
                public_report,
            });
        }
    });
}

fn load_compliance(
    table: &Table,
    lookup: &AuthorityLookup,
    period: Option<Period>,
    extract: &mut Extract,
    referrals: &mut [u64],
    problems: &mut Problems,
) {
    let mut case_refs = CaseRefs::default();
    table.for_each_row(problems, |row, problems| {
        let case_ref = case_refs.check(row, problems);
        let authority = authority(row, lookup, referrals, problems);
        let recorded = date(row, period, problems);
        let outcome = row
            .choice(OUTCOME, &ComplianceOutcome::LABELS, problems)
            .map(|index| ComplianceOutcome::ALL[index]);
        if let (Some(()), Some(authority), Some(recorded), Some(outcome)) =
            (case_ref, authority, recorded, outcome)
        {
            extract.compliance.push(ComplianceRecord {
                authority,
                recorded,
                outcome,
            });
        }
    });
}

/// The case references of one file seen so far, with their lines.
#[derive(Default)]
struct CaseRefs {
    /// References of the usual form `YY NNN NNN`, as the number YYNNNNNN: a million rows need
    /// no million allocations.
    numeric: HashMap<u32, u64>,
    /// Any other form.
    other: HashMap<Box<str>, u64>,
}

impl CaseRefs {
    /// `Some(())` when the row's case reference is present and not seen before in this file.
    fn check(&mut self, row: &Row, problems: &mut Problems) -> Option<()> {
        let case_ref = match row.text(CASE_REF) {
            Ok("") => {
                problems.push(row.problem(
                    CASE_REF,
                    "found an empty value, expected a case reference, e.g. `20 001 594`",
                ));
                return None;
            }
            Ok(text) => text,
            Err(problem) => {
                problems.push(problem);
                return None;
            }
        };
        let line = row.line();
        let first = match numeric_case_ref(case_ref) {
            Some(number) => *self.numeric.entry(number).or_insert(line),
            None => *self.other.entry(case_ref.into()).or_insert(line),
        };
        if first != line {
            problems.push(row.problem(
                CASE_REF,
                format!("found `{case_ref}` again (first on line {first}), expected a unique case reference"),
            ));
            return None;
        }
        Some(())
    }
}

/// `YY NNN NNN` as the number YYNNNNNN; `None` for any other form.
fn numeric_case_ref(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[2] != b' ' || bytes[6] != b' ' {
        return None;
    }
    let mut number = 0u32;
    for (i, &byte) in bytes.iter().enumerate() {
        if i == 2 || i == 6 {
            continue;
        }
        if !byte.is_ascii_digit() {
            return None;
        }
        number = number * 10 + u32::from(byte - b'0');
    }
    Some(number)
}

fn authority(
    row: &Row,
    lookup: &AuthorityLookup,
    referrals: &mut [u64],
    problems: &mut Problems,
) -> Option<usize> {
    let text = row.text(AUTHORITY).map_err(|p| problems.push(p)).ok()?;
    match lookup.resolve(text) {
        Resolution::Found(index) => Some(index),
        Resolution::Unusable(cause) => {
            referrals[cause] += 1;
            None
        }
        Resolution::Unchecked => None,
        Resolution::Unknown => {
            problems.push_hinted(
                row.problem(
                    AUTHORITY,
                    format!("found `{text}`, expected the code or exact name of an authority in authorities.csv"),
                ),
                || lookup.suggestion(text),
            );
            None
        }
    }
}

fn date(row: &Row, period: Option<Period>, problems: &mut Problems) -> Option<NaiveDate> {
    let text = row.text(DATE).map_err(|p| problems.push(p)).ok()?;
    let date = match parse_date(text) {
        Ok(date) => date,
        Err(expected) => {
            problems.push(row.problem(DATE, format!("found `{text}`, expected {expected}")));
            return None;
        }
    };
    // Without a valid publication.toml there is no period to check against.
    let period = period?;
    if date < period.start || date > period.end {
        problems.push(row.problem(
            DATE,
            format!(
                "found `{text}`, expected a date inside the reporting period {} to {}",
                period.start, period.end
            ),
        ));
        return None;
    }
    Some(date)
}

/// Parses `YYYY-MM-DD` strictly: four, two and two digits, and a real calendar day.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, &'static str> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err("a date YYYY-MM-DD");
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10))
        .ok_or("a real calendar date YYYY-MM-DD")
}

/// `yes`, `no` or empty (any case) as true, false, false.
fn yes_no(row: &Row, column: usize, problems: &mut Problems) -> Option<bool> {
    let text = row.text(column).map_err(|p| problems.push(p)).ok()?;
    if text.is_empty() || text.eq_ignore_ascii_case("no") {
        Some(false)
    } else if text.eq_ignore_ascii_case("yes") {
        Some(true)
    } else {
        problems.push(row.problem(
            column,
            format!("found `{text}`, expected `yes`, `no` or empty"),
        ));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn usual_case_references_become_numbers() {
        assert_eq!(super::numeric_case_ref("20 001 594"), Some(20_001_594));
        assert_eq!(super::numeric_case_ref("20 001 59"), None);
        assert_eq!(super::numeric_case_ref("20-001-594"), None);
        assert_eq!(super::numeric_case_ref("2x 001 594"), None);
    }

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2020-04-01").is_ok());
        assert_eq!(
            parse_date("2021-02-30"),
            Err("a real calendar date YYYY-MM-DD")
        );
        assert_eq!(parse_date("2020-4-1"), Err("a date YYYY-MM-DD"));
        assert_eq!(parse_date("01/04/2020"), Err("a date YYYY-MM-DD"));
        assert_eq!(parse_date("２020-04-01"), Err("a date YYYY-MM-DD"));
    }
}
