//! `statistics.csv` and `statistics.json`: every figure of every letter, for the data team and the
//! interactive map.
//!
//! The CSV is opened in spreadsheets, so a text cell that a spreadsheet would run as a formula —
//! one starting with `=`, `+`, `-`, `@`, a tab or a carriage return, as an authority named
//! `=HYPERLINK(…)` would — is written with a leading apostrophe, as OWASP advises against CSV
//! injection. The JSON is data for programs and keeps every value as it is.

use std::borrow::Cow;

use serde::Serialize;

use crate::input::Publication;
use crate::layout::{self, STATISTICS_CSV, STATISTICS_JSON};
use crate::stats::{Statistic, Statistics};

/// Both statistics files as they are now: (name, bytes).
pub(crate) fn render(
    publication: &Publication,
    statistics: &Statistics,
) -> [(&'static str, Vec<u8>); 2] {
    [
        (STATISTICS_CSV, csv(publication, statistics)),
        (STATISTICS_JSON, json(publication, statistics)),
    ]
}

/// Makes a cell that a spreadsheet would take for a formula show literally, with a leading
/// apostrophe.
fn neutralise_formula(cell: &mut Cow<'_, str>) {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        *cell = Cow::Owned(format!("'{cell}"));
    }
}

/// One row of `statistics.csv`, and one entry of `statistics.json`'s `authorities`.
#[derive(Debug, Serialize)]
struct AuthorityRow<'a> {
    code: Cow<'a, str>,
    name: Cow<'a, str>,
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    letter: String,
    decisions: u64,
    upheld: u64,
    not_upheld: u64,
    advice_given: u64,
    closed_after_initial_enquiries: u64,
    incomplete_invalid: u64,
    referred_back_for_local_resolution: u64,
    detailed_investigations: u64,
    remedied_by_authority: u64,
    public_reports: u64,
    compliance_outcomes: u64,
    complied: u64,
    complied_late: u64,
    not_complied: u64,
    upheld_rate_percent: Option<u64>,
    upheld_rate_average_percent: Option<u64>,
    compliance_rate_percent: Option<u64>,
    compliance_rate_average_percent: Option<u64>,
    satisfactory_remedy_rate_percent: Option<u64>,
    satisfactory_remedy_rate_average_percent: Option<u64>,
}

fn rows<'a>(publication: &'a Publication, statistics: &Statistics) -> Vec<AuthorityRow<'a>> {
    use crate::input::DecisionOutcome as O;
    publication
        .authorities
        .iter()
        .zip(&statistics.counts)
        .map(|(authority, counts)| {
            let percent = |s: Statistic| s.rate(counts).percent();
            let average = |s: Statistic| statistics.average(authority.kind, s);
            AuthorityRow {
                code: Cow::Borrowed(&authority.code),
                name: Cow::Borrowed(&authority.name),
                kind: authority.kind.label(),
                group: authority.kind.plural(),
                letter: layout::letter(&authority.slug),
                decisions: counts.decisions(),
                upheld: counts.upheld(),
                not_upheld: counts.outcome(O::NotUpheld),
                advice_given: counts.outcome(O::AdviceGiven),
                closed_after_initial_enquiries: counts.outcome(O::ClosedAfterInitialEnquiries),
                incomplete_invalid: counts.outcome(O::IncompleteInvalid),
                referred_back_for_local_resolution: counts
                    .outcome(O::ReferredBackForLocalResolution),
                detailed_investigations: counts.detailed_investigations(),
                remedied_by_authority: counts.remedied_by_authority,
                public_reports: counts.public_reports,
                compliance_outcomes: counts.compliance_outcomes(),
                complied: counts.complied,
                complied_late: counts.complied_late,
                not_complied: counts.not_complied,
                upheld_rate_percent: percent(Statistic::UpheldRate),
                upheld_rate_average_percent: average(Statistic::UpheldRate),
                compliance_rate_percent: percent(Statistic::Compliance),
                compliance_rate_average_percent: average(Statistic::Compliance),
                satisfactory_remedy_rate_percent: percent(Statistic::SatisfactoryRemedy),
                satisfactory_remedy_rate_average_percent: average(Statistic::SatisfactoryRemedy),
            }
        })
        .collect()
}

/// `statistics.csv`: one row per authority; a rate without a denominator is an empty cell.
fn csv(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for mut row in rows(publication, statistics) {
        // Only the input's own text can start like a formula; our labels and numbers cannot.
        neutralise_formula(&mut row.code);
        neutralise_formula(&mut row.name);
        writer
            .serialize(row)
            .expect("serializing plain rows to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

#[derive(Serialize)]
struct StatisticsJson<'a> {
    year: &'a str,
    period_start: String,
    period_end: String,
    average_method: &'static str,
    groups: Vec<GroupJson>,
    authorities: Vec<AuthorityRow<'a>>,
}

#[derive(Serialize)]
struct GroupJson {
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    authorities: usize,
    upheld_rate_average_percent: Option<u64>,
    compliance_rate_average_percent: Option<u64>,
    satisfactory_remedy_rate_average_percent: Option<u64>,
}

/// `statistics.json`: the same figures as the CSV, plus each group's averages, for the map.
fn json(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let groups = crate::input::AuthorityType::ALL
        .iter()
        .map(|&kind| GroupJson {
            kind: kind.label(),
            group: kind.plural(),
            authorities: publication
                .authorities
                .iter()
                .filter(|a| a.kind == kind)
                .count(),
            upheld_rate_average_percent: statistics.average(kind, Statistic::UpheldRate),
            compliance_rate_average_percent: statistics.average(kind, Statistic::Compliance),
            satisfactory_remedy_rate_average_percent: statistics
                .average(kind, Statistic::SatisfactoryRemedy),
        })
        .collect();
    let document = StatisticsJson {
        year: &publication.config.year,
        period_start: publication.config.period_start.to_string(),
        period_end: publication.config.period_end.to_string(),
        average_method: statistics.method.label(),
        groups,
        authorities: rows(publication, statistics),
    };
    let mut bytes = serde_json::to_vec_pretty(&document).expect("plain data serializes");
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::neutralise_formula;

    fn neutralised(text: &str) -> String {
        let mut cell = Cow::Borrowed(text);
        neutralise_formula(&mut cell);
        cell.into_owned()
    }

    #[test]
    fn formulas_are_neutralised_and_other_text_is_kept() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralised(formula), format!("'{formula}"));
        }
        for plain in ["Kent County Council", "E10000016", "'quoted", "St. Helens"] {
            assert_eq!(neutralised(plain), plain);
        }
    }
}
