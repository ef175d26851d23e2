//! What one letter says, as data: the JSON document the template reads from `/data.json`.
//!
//! Everything a letter prints that comes from the input or the statistics is here, already in
//! words where words are needed (dates in en-GB, the comparison group's name), so the template
//! only lays it out. Values reach Typst as JSON strings and numbers, never as markup.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::input::{DecisionOutcome, Publication};
use crate::stats::{Rate, Statistic, Statistics};

/// The template's data for one letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterData {
    /// The PDF title, e.g. "Annual Review letter 2021 – Kent County Council".
    pub title: String,
    /// The letter's heading, e.g. "Annual Review letter 2021".
    pub heading: String,
    /// The publication's label, e.g. "2020-21".
    pub year: String,
    pub letter_date: String,
    pub publish_date: String,
    pub period: Period,
    pub authority: AuthorityData,
    pub signatory: crate::input::Signatory,
    pub has_commentary: bool,
    pub public_reports: u64,
    pub decisions: u64,
    /// Decisions by outcome, in the contract's order, zeros included.
    pub outcomes: Vec<OutcomeCount>,
    /// Decisions by service area, most decisions first; areas without decisions are left out.
    pub categories: Vec<CategoryRow>,
    pub statistics: Figures,
    /// `mean-of-rates` or `pooled`.
    pub average_method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// e.g. "1 April 2020"
    pub start: String,
    /// e.g. "31 March 2021"
    pub end: String,
    /// e.g. "31/03/21"
    pub end_numeric: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityData {
    pub code: String,
    pub name: String,
    /// e.g. "County Council"
    #[serde(rename = "type")]
    pub kind: String,
    /// The comparison group, e.g. "County Councils".
    pub group: String,
    pub recipient: String,
    pub recipient_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCount {
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRow {
    pub name: String,
    pub decisions: u64,
    pub detailed_investigations: u64,
    pub upheld: u64,
}

/// The three statistics of the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub upheld: Figure,
    pub compliance: Figure,
    pub remedy: Figure,
}

impl Figures {
    pub fn get(&self, statistic: Statistic) -> &Figure {
        match statistic {
            Statistic::UpheldRate => &self.upheld,
            Statistic::Compliance => &self.compliance,
            Statistic::SatisfactoryRemedy => &self.remedy,
        }
    }
}

/// One statistic as the letter prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub numerator: u64,
    pub denominator: u64,
    /// The council's whole percentage; `null` when the denominator is zero.
    pub percent: Option<u64>,
    /// The average in similar authorities; `null` when none of them has a denominator.
    pub average: Option<u64>,
    /// The spread among similar authorities; `null` when none of them has a denominator.
    pub spread: Option<Spread>,
}

/// The five-number summary of a statistic among similar authorities, in whole percentages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub with_data: usize,
    pub lowest: u64,
    pub lower_quartile: u64,
    pub median: u64,
    pub upper_quartile: u64,
    pub highest: u64,
    /// The quarter the council falls in, 1 (lowest) to 4; `null` without a rate or with fewer than
    /// four similar authorities.
    pub quarter: Option<u8>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "21 July 2021"
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// The data of the letter to authority `index`.
pub fn letter_data(publication: &Publication, statistics: &Statistics, index: usize) -> LetterData {
    let config = &publication.config;
    let authority = &publication.authorities[index];
    let counts = &statistics.counts[index];
    let heading = format!("Annual Review letter {}", config.letter_date.year());
    let figure = |statistic: Statistic| {
        let rate = statistic.rate(counts);
        figure(statistics, authority.kind, statistic, rate)
    };
    let mut categories: Vec<CategoryRow> = publication
        .extract
        .categories
        .iter()
        .zip(&counts.by_category)
        .filter(|(_, c)| c.decisions > 0)
        .map(|(name, c)| CategoryRow {
            name: name.clone(),
            decisions: c.decisions,
            detailed_investigations: c.detailed_investigations,
            upheld: c.upheld,
        })
        .collect();
    categories.sort_by(|a, b| {
        b.decisions
            .cmp(&a.decisions)
            .then_with(|| a.name.cmp(&b.name))
    });
    LetterData {
        title: format!("{heading} – {}", authority.name),
        heading,
        year: config.year.clone(),
        letter_date: long_date(config.letter_date),
        publish_date: long_date(config.publish_date),
        period: Period {
            start: long_date(config.period_start),
            end: long_date(config.period_end),
            end_numeric: config.period_end.format("%d/%m/%y").to_string(),
        },
        authority: AuthorityData {
            code: authority.code.clone(),
            name: authority.name.clone(),
            kind: authority.kind.label().to_string(),
            group: authority.kind.plural().to_string(),
            recipient: authority.recipient.clone(),
            recipient_title: authority.recipient_title.clone(),
        },
        signatory: config.signatory.clone(),
        has_commentary: publication.commentary[index].is_some(),
        public_reports: counts.public_reports,
        decisions: counts.decisions(),
        outcomes: DecisionOutcome::ALL
            .iter()
            .map(|&o| OutcomeCount {
                label: o.label().to_string(),
                count: counts.outcome(o),
            })
            .collect(),
        categories,
        statistics: Figures {
            upheld: figure(Statistic::UpheldRate),
            compliance: figure(Statistic::Compliance),
            remedy: figure(Statistic::SatisfactoryRemedy),
        },
        average_method: statistics.method.label().to_string(),
    }
}

fn figure(
    statistics: &Statistics,
    kind: crate::input::AuthorityType,
    statistic: Statistic,
    rate: Rate,
) -> Figure {
    let percent = |r: Rate| r.percent().expect("rates in a spread have a denominator");
    Figure {
        numerator: rate.numerator,
        denominator: rate.denominator,
        percent: rate.percent(),
        average: statistics.average(kind, statistic),
        spread: statistics.distribution(kind, statistic).map(|d| Spread {
            with_data: d.with_data,
            lowest: percent(d.lowest),
            lower_quartile: percent(d.lower_quartile),
            median: percent(d.median),
            upper_quartile: percent(d.upper_quartile),
            highest: percent(d.highest),
            quarter: statistics.quarter(kind, statistic, rate),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::long_date;
    use chrono::NaiveDate;

    #[test]
    fn dates_read_as_in_a_letter() {
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2021, 7, 21).unwrap()),
            "21 July 2021"
        );
        assert_eq!(
            long_date(NaiveDate::from_ymd_opt(2020, 4, 1).unwrap()),
            "1 April 2020"
        );
    }
}
