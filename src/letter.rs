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
pub(crate) struct LetterData {
    /// The PDF title, e.g. "Annual Review letter 2021 – Kent County Council".
    pub(crate) title: String,
    /// The letter's heading, e.g. "Annual Review letter 2021".
    pub(crate) heading: String,
    /// The publication's label, e.g. "2020-21".
    pub(crate) year: String,
    pub(crate) letter_date: String,
    pub(crate) publish_date: String,
    pub(crate) period: Period,
    pub(crate) authority: AuthorityData,
    pub(crate) signatory: crate::input::Signatory,
    pub(crate) has_commentary: bool,
    pub(crate) public_reports: u64,
    pub(crate) decisions: u64,
    /// Decisions by outcome, in the contract's order, zeros included.
    pub(crate) outcomes: Vec<OutcomeCount>,
    /// Decisions by service area, most decisions first; areas without decisions are left out.
    pub(crate) categories: Vec<CategoryRow>,
    pub(crate) statistics: Figures,
    /// `mean-of-rates` or `pooled`.
    pub(crate) average_method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Period {
    /// e.g. "1 April 2020"
    pub(crate) start: String,
    /// e.g. "31 March 2021"
    pub(crate) end: String,
    /// e.g. "31/03/21"
    pub(crate) end_numeric: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AuthorityData {
    pub(crate) code: String,
    pub(crate) name: String,
    /// The letter's file name without `.pdf`, and its web page's without `.html`.
    pub(crate) slug: String,
    /// e.g. "County Council"
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// The comparison group, e.g. "County Councils".
    pub(crate) group: String,
    pub(crate) recipient: String,
    pub(crate) recipient_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutcomeCount {
    pub(crate) label: String,
    pub(crate) count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CategoryRow {
    pub(crate) name: String,
    pub(crate) decisions: u64,
    pub(crate) detailed_investigations: u64,
    pub(crate) upheld: u64,
}

/// The three statistics of the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Figures {
    pub(crate) upheld: Figure,
    pub(crate) compliance: Figure,
    pub(crate) remedy: Figure,
}

impl Figures {
    pub(crate) fn get(&self, statistic: Statistic) -> &Figure {
        match statistic {
            Statistic::UpheldRate => &self.upheld,
            Statistic::Compliance => &self.compliance,
            Statistic::SatisfactoryRemedy => &self.remedy,
        }
    }
}

/// One statistic as the letter prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Figure {
    pub(crate) numerator: u64,
    pub(crate) denominator: u64,
    /// The council's whole percentage; `null` when the denominator is zero.
    pub(crate) percent: Option<u64>,
    /// The average in similar authorities; `null` when none of them has a denominator.
    pub(crate) average: Option<u64>,
    /// The spread among similar authorities; `null` when none of them has a denominator.
    pub(crate) spread: Option<Spread>,
}

/// The five-number summary of a statistic among similar authorities, in whole percentages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Spread {
    pub(crate) with_data: usize,
    pub(crate) lowest: u64,
    pub(crate) lower_quartile: u64,
    pub(crate) median: u64,
    pub(crate) upper_quartile: u64,
    pub(crate) highest: u64,
    /// The quarter the council falls in, 1 (lowest) to 4; `null` without a rate or with fewer than
    /// four similar authorities.
    pub(crate) quarter: Option<u8>,
}

impl Spread {
    /// The summary of `distribution` in whole percentages, with the council's `quarter`.
    pub(crate) fn of(distribution: &crate::stats::Distribution, quarter: Option<u8>) -> Spread {
        let percent = |r: Rate| r.percent().expect("rates in a spread have a denominator");
        Spread {
            with_data: distribution.with_data,
            lowest: percent(distribution.lowest),
            lower_quartile: percent(distribution.lower_quartile),
            median: percent(distribution.median),
            upper_quartile: percent(distribution.upper_quartile),
            highest: percent(distribution.highest),
            quarter,
        }
    }
}

/// The reporting period in words.
pub(crate) fn period(config: &crate::input::PublicationConfig) -> Period {
    Period {
        start: long_date(config.period_start),
        end: long_date(config.period_end),
        end_numeric: config.period_end.format("%d/%m/%y").to_string(),
    }
}

/// "21 July 2021"
pub(crate) fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The data of the letter to authority `index`.
pub(crate) fn letter_data(
    publication: &Publication,
    statistics: &Statistics,
    index: usize,
) -> LetterData {
    let config = &publication.config;
    let authority = &publication.authorities[index];
    let counts = &statistics.counts[index];
    let heading = format!("Annual Review letter {}", config.letter_date.year());
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
        period: period(config),
        authority: AuthorityData {
            code: authority.code.clone(),
            name: authority.name.clone(),
            slug: authority.slug.clone(),
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
        statistics: figures(publication, statistics, index),
        average_method: statistics.method.label().to_string(),
    }
}

/// The three statistics of authority `index` as its letter prints them.
pub(crate) fn figures(publication: &Publication, statistics: &Statistics, index: usize) -> Figures {
    let kind = publication.authorities[index].kind;
    let counts = &statistics.counts[index];
    let figure = |statistic: Statistic| figure(statistics, kind, statistic, statistic.rate(counts));
    Figures {
        upheld: figure(Statistic::UpheldRate),
        compliance: figure(Statistic::Compliance),
        remedy: figure(Statistic::SatisfactoryRemedy),
    }
}

fn figure(
    statistics: &Statistics,
    kind: crate::input::AuthorityType,
    statistic: Statistic,
    rate: Rate,
) -> Figure {
    Figure {
        numerator: rate.numerator,
        denominator: rate.denominator,
        percent: rate.percent(),
        average: statistics.average(kind, statistic),
        spread: statistics
            .distribution(kind, statistic)
            .map(|d| Spread::of(&d, statistics.quarter(kind, statistic, rate))),
    }
}

/// One thing a letter prints that changed between two versions of its data: what `status` says
/// a letter is rebuilt for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub(crate) enum Change {
    /// A value printed as it is (a name, a date), before and after.
    Text {
        what: &'static str,
        from: String,
        to: String,
    },
    /// The signatory's titles.
    SignatoryTitles,
    /// One of the council's figures.
    Figure {
        measure: &'static str,
        from: FigureValue,
        to: FigureValue,
    },
    /// The average of a figure among similar authorities.
    Average {
        measure: &'static str,
        group: String,
        from: Option<u64>,
        to: Option<u64>,
    },
    /// Where the similar authorities' figures lie.
    Spread {
        measure: &'static str,
        group: String,
    },
    /// A count the letter prints.
    Count {
        what: &'static str,
        from: u64,
        to: u64,
    },
    /// The table of decisions by outcome.
    Outcomes,
    /// The table of decisions by service area.
    Categories,
}

/// A figure's numbers, as a change shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FigureValue {
    pub(crate) percent: Option<u64>,
    pub(crate) numerator: u64,
    pub(crate) denominator: u64,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let percent =
            |value: &Option<u64>| value.map_or_else(|| "none".to_string(), |p| format!("{p}%"));
        match self {
            Change::Text { what, from, to } => write!(f, "{what} `{from}` → `{to}`"),
            Change::SignatoryTitles => write!(f, "signatory's titles changed"),
            Change::Figure { measure, from, to } => write!(
                f,
                "{measure} {} ({} of {}) → {} ({} of {})",
                percent(&from.percent),
                from.numerator,
                from.denominator,
                percent(&to.percent),
                to.numerator,
                to.denominator
            ),
            Change::Average {
                measure,
                group,
                from,
                to,
            } => write!(
                f,
                "{group} average {measure} {} → {}",
                percent(from),
                percent(to)
            ),
            Change::Spread { measure, group } => {
                write!(f, "the spread of {measure}s among {group}s changed")
            }
            Change::Count { what, from, to } => write!(f, "{what} {from} → {to}"),
            Change::Outcomes => write!(f, "decisions by outcome changed"),
            Change::Categories => write!(f, "decisions by service area changed"),
        }
    }
}

/// What changed between two versions of a letter's data, in the order a reader meets it.
pub(crate) fn changes(old: &LetterData, new: &LetterData) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut text = |what: &'static str, from: &str, to: &str| {
        if from != to {
            changes.push(Change::Text {
                what,
                from: from.to_string(),
                to: to.to_string(),
            });
        }
    };
    text("name", &old.authority.name, &new.authority.name);
    text("code", &old.authority.code, &new.authority.code);
    text("type", &old.authority.kind, &new.authority.kind);
    text(
        "recipient",
        &old.authority.recipient,
        &new.authority.recipient,
    );
    text(
        "recipient title",
        &old.authority.recipient_title,
        &new.authority.recipient_title,
    );
    text("letter date", &old.letter_date, &new.letter_date);
    text("publication date", &old.publish_date, &new.publish_date);
    text("period start", &old.period.start, &new.period.start);
    text("period end", &old.period.end, &new.period.end);
    text("year", &old.year, &new.year);
    text("average method", &old.average_method, &new.average_method);
    text("signatory", &old.signatory.name, &new.signatory.name);
    if old.signatory.titles != new.signatory.titles {
        changes.push(Change::SignatoryTitles);
    }
    let group = &new.authority.kind;
    for statistic in Statistic::ALL {
        let measure = statistic.description();
        let (before, after) = (old.statistics.get(statistic), new.statistics.get(statistic));
        if (before.numerator, before.denominator) != (after.numerator, after.denominator) {
            let value = |figure: &Figure| FigureValue {
                percent: figure.percent,
                numerator: figure.numerator,
                denominator: figure.denominator,
            };
            changes.push(Change::Figure {
                measure,
                from: value(before),
                to: value(after),
            });
        }
        if before.average != after.average {
            changes.push(Change::Average {
                measure,
                group: group.clone(),
                from: before.average,
                to: after.average,
            });
        }
        if before.spread != after.spread {
            changes.push(Change::Spread {
                measure,
                group: group.clone(),
            });
        }
    }
    if old.public_reports != new.public_reports {
        changes.push(Change::Count {
            what: "public reports",
            from: old.public_reports,
            to: new.public_reports,
        });
    }
    if old.decisions != new.decisions {
        changes.push(Change::Count {
            what: "decisions",
            from: old.decisions,
            to: new.decisions,
        });
    } else if old.outcomes != new.outcomes {
        changes.push(Change::Outcomes);
    }
    if old.categories != new.categories {
        changes.push(Change::Categories);
    }
    changes
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
