//! What one letter says, as data: the JSON document the template reads from `/data.json`.
//!
//! Everything a letter prints that comes from the input or the statistics is here, already in
//! words where words are needed (dates in en-GB, the comparison group's name, a count per
//! residents to one decimal), so the template only lays it out and does no arithmetic. Values
//! reach Typst as JSON strings and numbers, never as markup. The figures follow the template's
//! declaration by name: `statistics.<measure>`, `counts.<quantity>`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::history::History;
use crate::input::{CopyTo, DecisionOutcome, MeasureKind, Publication};
use crate::layout;
use crate::stats::{MeasureStatistics, Rate, Statistics};

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
    /// Every quantity by name: `decisions`, each decision and compliance outcome,
    /// `remedied_by_authority`, `public_reports`, `compliance_outcomes`, and the template's
    /// declared groups and partitions.
    pub(crate) counts: Named<u64>,
    /// Decisions by service area, most decisions first; areas without decisions are left out.
    pub(crate) categories: Vec<CategoryRow>,
    /// The declared measures, by name, in the declaration's order.
    pub(crate) statistics: Named<Figure>,
    /// publication.toml's `average`: `mean-of-rates` or `pooled`.
    pub(crate) average_method: String,
    /// The council's earlier years from the archive, and this year's figures in the same shape.
    #[serde(default)]
    pub(crate) history: CouncilHistory,
}

/// A council's letters and figures across the archived years: what its web page shows under
/// "Earlier years", and what a template may print as "last year".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct CouncilHistory {
    /// The archive holds no earlier year at all.
    pub(crate) first_year: bool,
    /// Every archived earlier year, oldest first, whether or not it wrote to this council.
    pub(crate) archived_years: Vec<String>,
    /// The earlier years in which the council had a letter, oldest first.
    pub(crate) years: Vec<EarlierYear>,
    pub(crate) this_year: YearFigures,
}

/// A council's letter and figures of one archived year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct EarlierYear {
    pub(crate) year: String,
    /// The name the letter was addressed to.
    pub(crate) name: String,
    /// The site's copy of the letter, from the site's root: `history/2020-21/<slug>.pdf`.
    pub(crate) letter: String,
    /// The date the letter was last reissued, in words; `null` for the original.
    pub(crate) reissued: Option<String>,
    pub(crate) figures: Vec<YearFigure>,
    pub(crate) caveats: Vec<String>,
}

/// A year's figures, as a row of the page's table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct YearFigures {
    pub(crate) year: String,
    pub(crate) figures: Vec<YearFigure>,
    pub(crate) caveats: Vec<String>,
}

/// One measure of one year: the council's figure and its type's average, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub(crate) struct YearFigure {
    pub(crate) key: String,
    pub(crate) words: String,
    /// `rate` or `per-residents`.
    pub(crate) kind: String,
    pub(crate) shown: Option<String>,
    pub(crate) average: Option<String>,
}

/// Council `code`'s history, with `this_year` as its row of the table.
pub(crate) fn council_history(
    history: &History,
    code: &str,
    this_year: YearFigures,
) -> CouncilHistory {
    let years = history
        .of_council(code)
        .map(|(year, council)| EarlierYear {
            year: year.year.clone(),
            name: council.name.clone(),
            letter: layout::archived_link(&year.year, &format!("{}.pdf", council.slug)),
            reissued: council.reissued.map(long_date),
            figures: year
                .measures
                .iter()
                .zip(&council.figures)
                .map(|(measure, (shown, average))| YearFigure {
                    key: measure.key.clone(),
                    words: measure.words.clone(),
                    kind: measure.kind.to_string(),
                    shown: shown.clone(),
                    average: average.clone(),
                })
                .collect(),
            caveats: year.caveats.clone(),
        })
        .collect();
    CouncilHistory {
        first_year: history.years.is_empty(),
        archived_years: history.years.iter().map(|y| y.year.clone()).collect(),
        years,
        this_year,
    }
}

/// Values by name, in order: a JSON object whose keys keep the order they were given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Named<T>(pub(crate) Vec<(String, T)>);

impl<T> Named<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value)
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Named(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
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
    /// The people a copy goes to, as the letter lists them.
    #[serde(default)]
    pub(crate) copies: Vec<CopyTo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OutcomeCount {
    pub(crate) label: String,
    pub(crate) count: u64,
}

/// One service area's decisions: how many, and each decision outcome and declared group of them
/// by name (`upheld`, `detailed_investigations`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CategoryRow {
    pub(crate) name: String,
    pub(crate) decisions: u64,
    #[serde(flatten)]
    pub(crate) counts: Named<u64>,
}

/// One measure as the letter prints it: a rate as whole percentages, a count per residents as
/// numbers with one decimal (text, so that 4.0 prints as `4.0`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Figure {
    Rate {
        numerator: u64,
        denominator: u64,
        /// The council's whole percentage; `null` when the denominator is zero.
        percent: Option<u64>,
        /// The average in similar authorities; `null` when none of them has a denominator.
        average: Option<u64>,
        /// The spread among similar authorities; `null` when none of them has a denominator.
        spread: Option<Spread<u64>>,
    },
    PerResidents {
        count: u64,
        residents: u64,
        /// Counted per how many residents, e.g. 100000.
        per: u64,
        /// e.g. "3.9"; `null` without residents.
        value: Option<String>,
        average: Option<String>,
        spread: Option<Spread<String>>,
    },
}

impl Figure {
    /// The figure's own value, before and after as a change shows it.
    fn value(&self) -> FigureValue {
        match self {
            Figure::Rate {
                numerator,
                denominator,
                percent,
                ..
            } => FigureValue {
                shown: percent.map(|p| format!("{p}%")),
                numerator: *numerator,
                denominator: *denominator,
                per: None,
            },
            Figure::PerResidents {
                count,
                residents,
                per,
                value,
                ..
            } => FigureValue {
                shown: value.clone(),
                numerator: *count,
                denominator: *residents,
                per: Some(*per),
            },
        }
    }

    /// The average in similar authorities, as printed.
    fn average(&self) -> Option<String> {
        match self {
            Figure::Rate { average, .. } => average.map(|a| format!("{a}%")),
            Figure::PerResidents { average, .. } => average.clone(),
        }
    }

    fn same_spread(&self, other: &Figure) -> bool {
        match (self, other) {
            (Figure::Rate { spread: a, .. }, Figure::Rate { spread: b, .. }) => a == b,
            (Figure::PerResidents { spread: a, .. }, Figure::PerResidents { spread: b, .. }) => {
                a == b
            }
            _ => false,
        }
    }
}

/// The five-number summary of a measure among similar authorities, in the measure's printed
/// values (whole percentages, or numbers with one decimal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Spread<V> {
    pub(crate) with_data: usize,
    pub(crate) lowest: V,
    pub(crate) lower_quartile: V,
    pub(crate) median: V,
    pub(crate) upper_quartile: V,
    pub(crate) highest: V,
    /// The quarter the council falls in, 1 (lowest) to 4; `null` without a value or with fewer
    /// than four similar authorities.
    pub(crate) quarter: Option<u8>,
}

impl<V> Spread<V> {
    /// The summary of `distribution` with `printed` applied to each value, and the council's
    /// `quarter`.
    pub(crate) fn of(
        distribution: &crate::stats::Distribution,
        quarter: Option<u8>,
        printed: impl Fn(Rate) -> V,
    ) -> Spread<V> {
        Spread {
            with_data: distribution.with_data,
            lowest: printed(distribution.lowest),
            lower_quartile: printed(distribution.lower_quartile),
            median: printed(distribution.median),
            upper_quartile: printed(distribution.upper_quartile),
            highest: printed(distribution.highest),
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
    history: &History,
    index: usize,
) -> LetterData {
    let config = &publication.config;
    let authority = &publication.authorities[index];
    let counts = &statistics.counts[index];
    let heading = format!("Annual Review letter {}", config.letter_date.year());
    let declaration = &publication.declaration;
    let decision_quantities: Vec<(String, crate::input::Quantity)> = DecisionOutcome::ALL
        .iter()
        .map(|&o| {
            (
                crate::input::snake(o.label()),
                crate::input::Quantity::of_outcome(o),
            )
        })
        .chain(declaration.groups.iter().cloned())
        .collect();
    let mut categories: Vec<CategoryRow> = publication
        .extract
        .categories
        .iter()
        .zip(&counts.by_category)
        .filter(|(_, c)| c.decisions() > 0)
        .map(|(name, c)| CategoryRow {
            name: name.clone(),
            decisions: c.decisions(),
            counts: Named(
                decision_quantities
                    .iter()
                    .map(|(name, quantity)| (name.clone(), c.quantity(*quantity)))
                    .collect(),
            ),
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
            copies: authority.copies.clone(),
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
        counts: Named(
            declaration
                .quantities()
                .into_iter()
                .map(|(name, quantity)| (name, counts.quantity(quantity)))
                .collect(),
        ),
        categories,
        statistics: figures(publication, statistics, index),
        average_method: config.average.label().to_string(),
        history: CouncilHistory::default(),
    }
    .with_history(publication, statistics, history)
}

impl LetterData {
    /// This letter's data with the council's history and this year's row.
    fn with_history(
        mut self,
        publication: &Publication,
        statistics: &Statistics,
        history: &History,
    ) -> LetterData {
        let this_year = YearFigures {
            year: self.year.clone(),
            figures: statistics
                .measures
                .iter()
                .filter_map(|measure| {
                    let key = &measure.measure.key;
                    let figure = self.statistics.get(key)?;
                    Some(YearFigure {
                        key: key.clone(),
                        words: measure.measure.words.clone(),
                        kind: measure.measure.kind.label().to_string(),
                        shown: figure.value().shown,
                        average: figure.average(),
                    })
                })
                .collect(),
            caveats: publication.declaration.caveats.clone(),
        };
        self.history = council_history(history, &self.authority.code, this_year);
        self
    }
}

/// The declared measures of authority `index` as its letter prints them.
pub(crate) fn figures(
    publication: &Publication,
    statistics: &Statistics,
    index: usize,
) -> Named<Figure> {
    let kind = publication.authorities[index].kind;
    Named(
        statistics
            .measures
            .iter()
            .map(|measure| {
                let value = measure.value(index);
                let quarter = measure.quarter(kind, value);
                (
                    measure.measure.key.clone(),
                    figure(measure, kind, value, quarter),
                )
            })
            .collect(),
    )
}

/// One measure's figure for a council of type `kind` with `value`.
fn figure(
    measure: &MeasureStatistics,
    kind: crate::input::AuthorityType,
    value: Rate,
    quarter: Option<u8>,
) -> Figure {
    let unit = measure.unit();
    let distribution = measure.distribution(kind);
    match measure.measure.kind {
        MeasureKind::Rate { .. } => Figure::Rate {
            numerator: value.numerator,
            denominator: value.denominator,
            percent: measure.rounded(value),
            average: measure.average(kind),
            spread: distribution.map(|d| {
                Spread::of(&d, quarter, |r| {
                    measure
                        .rounded(r)
                        .expect("values in a spread have a denominator")
                })
            }),
        },
        MeasureKind::PerResidents { per } => {
            let text = |r: Rate| measure.rounded(r).map(|v| unit.text(v));
            Figure::PerResidents {
                count: value.numerator / per.max(1),
                residents: value.denominator,
                per,
                value: text(value),
                average: measure.average(kind).map(|v| unit.text(v)),
                spread: distribution.map(|d| {
                    Spread::of(&d, quarter, |r| {
                        text(r).expect("values in a spread have a denominator")
                    })
                }),
            }
        }
    }
}

/// A group's figure for a measure (the site's index): its average and spread, no council's.
pub(crate) fn group_figure(
    measure: &MeasureStatistics,
    kind: crate::input::AuthorityType,
) -> GroupFigure {
    let unit = measure.unit();
    let distribution = measure.distribution(kind);
    match measure.measure.kind {
        MeasureKind::Rate { .. } => GroupFigure::Rate {
            average: measure.average(kind),
            spread: distribution.map(|d| {
                Spread::of(&d, None, |r| {
                    measure
                        .rounded(r)
                        .expect("values in a spread have a denominator")
                })
            }),
        },
        MeasureKind::PerResidents { .. } => GroupFigure::PerResidents {
            average: measure.average(kind).map(|v| unit.text(v)),
            spread: distribution.map(|d| {
                Spread::of(&d, None, |r| {
                    unit.text(
                        measure
                            .rounded(r)
                            .expect("values in a spread have a denominator"),
                    )
                })
            }),
        },
    }
}

/// A measure among one group of similar authorities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum GroupFigure {
    Rate {
        average: Option<u64>,
        spread: Option<Spread<u64>>,
    },
    PerResidents {
        average: Option<String>,
        spread: Option<Spread<String>>,
    },
}

/// One thing a letter prints that changed between two versions of its data: what `status` says
/// a letter is rebuilt for. Measures are named in the declaration's words.
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
    /// The people a copy of the letter goes to.
    Copies,
    /// One of the council's figures.
    Figure {
        measure: String,
        from: FigureValue,
        to: FigureValue,
    },
    /// The average of a figure among similar authorities.
    Average {
        measure: String,
        group: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// Where the similar authorities' figures lie.
    Spread { measure: String, group: String },
    /// A measure the letter prints now and did not, or printed and does not.
    Measure { measure: String, added: bool },
    /// A count the letter prints.
    Count {
        what: &'static str,
        from: u64,
        to: u64,
    },
    /// The table of decisions by outcome, or the counts of the declared groups.
    Outcomes,
    /// The table of decisions by service area.
    Categories,
    /// The council's letter or figures of an archived year, as the archive holds them.
    History {
        year: String,
        /// The name that year's letter was addressed to; empty when it had none.
        name: String,
        what: HistoryChange,
    },
}

/// What changed in the archive for one earlier year of a council's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum HistoryChange {
    /// The year is archived now (with or without a letter to the council).
    Archived,
    /// Its letter was reissued.
    Reissued,
    /// Its figures or averages changed.
    Figures,
    /// The year, or its letter to the council, is no longer in the archive.
    Removed,
}

/// A figure's value as a change shows it: `74%` of 40 of 54, or `3.9` for 63 among 1,610,000
/// residents (per 100,000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FigureValue {
    /// As printed, `null` without a value.
    pub(crate) shown: Option<String>,
    /// The count, or the rate's numerator.
    pub(crate) numerator: u64,
    /// The rate's denominator, or the residents.
    pub(crate) denominator: u64,
    /// For a count per residents: per how many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) per: Option<u64>,
}

impl std::fmt::Display for FigureValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = self.shown.as_deref().unwrap_or("none");
        match self.per {
            None => write!(f, "{shown} ({} of {})", self.numerator, self.denominator),
            Some(_) => write!(
                f,
                "{shown} ({} among {} residents)",
                crate::numbers::thousands(self.numerator as usize),
                crate::numbers::thousands(self.denominator as usize)
            ),
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "none".to_string());
        match self {
            Change::Text { what, from, to } => write!(f, "{what} `{from}` → `{to}`"),
            Change::SignatoryTitles => write!(f, "signatory's titles changed"),
            Change::Copies => write!(f, "the copies changed"),
            Change::Figure { measure, from, to } => write!(f, "{measure} {from} → {to}"),
            Change::Average {
                measure,
                group,
                from,
                to,
            } => write!(
                f,
                "{group} average {measure} {} → {}",
                shown(from),
                shown(to)
            ),
            Change::Spread { measure, group } => {
                write!(f, "the spread of {measure}s among {group}s changed")
            }
            Change::Measure {
                measure,
                added: true,
            } => write!(f, "{measure} added"),
            Change::Measure {
                measure,
                added: false,
            } => write!(f, "{measure} no longer printed"),
            Change::History { year, name, what } => match (what, name.is_empty()) {
                (HistoryChange::Archived, true) => write!(f, "{year} was archived"),
                (HistoryChange::Archived, false) => {
                    write!(f, "{year}'s letter to {name} was archived")
                }
                (HistoryChange::Reissued, _) => write!(f, "{year}'s letter to {name} was reissued"),
                (HistoryChange::Figures, _) => {
                    write!(f, "{year}'s figures for {name} changed in the archive")
                }
                (HistoryChange::Removed, true) => write!(f, "{year} is no longer in the archive"),
                (HistoryChange::Removed, false) => {
                    write!(f, "{year}'s letter to {name} is no longer in the archive")
                }
            },
            Change::Count { what, from, to } => write!(f, "{what} {from} → {to}"),
            Change::Outcomes => write!(f, "decisions by outcome changed"),
            Change::Categories => write!(f, "decisions by service area changed"),
        }
    }
}

/// What changed between two versions of a letter's data, in the order a reader meets it.
/// `words` names a measure by its key, as the declaration does.
pub(crate) fn changes(
    old: &LetterData,
    new: &LetterData,
    words: &dyn Fn(&str) -> String,
) -> Vec<Change> {
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
    if old.authority.copies != new.authority.copies {
        changes.push(Change::Copies);
    }
    let group = &new.authority.kind;
    for (key, after) in &new.statistics.0 {
        let measure = words(key);
        let Some(before) = old.statistics.get(key) else {
            changes.push(Change::Measure {
                measure,
                added: true,
            });
            continue;
        };
        let (from, to) = (before.value(), after.value());
        if from != to {
            changes.push(Change::Figure {
                measure: measure.clone(),
                from,
                to,
            });
        }
        if before.average() != after.average() {
            changes.push(Change::Average {
                measure: measure.clone(),
                group: group.clone(),
                from: before.average(),
                to: after.average(),
            });
        }
        if !before.same_spread(after) {
            changes.push(Change::Spread {
                measure,
                group: group.clone(),
            });
        }
    }
    for (key, _) in &old.statistics.0 {
        if new.statistics.get(key).is_none() {
            changes.push(Change::Measure {
                measure: words(key),
                added: false,
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
    history_changes(&old.history, &new.history, &mut changes);
    changes
}

/// What changed in a council's earlier years, a year at a time: archived, reissued, figures
/// changed, removed.
fn history_changes(old: &CouncilHistory, new: &CouncilHistory, changes: &mut Vec<Change>) {
    let letter_of = |history: &'_ CouncilHistory, year: &str| -> Option<EarlierYear> {
        history.years.iter().find(|y| y.year == year).cloned()
    };
    let mut years: Vec<&String> = old.archived_years.iter().collect();
    years.extend(
        new.archived_years
            .iter()
            .filter(|y| !old.archived_years.contains(y)),
    );
    for year in years {
        let (before, after) = (letter_of(old, year), letter_of(new, year));
        let was = old.archived_years.contains(year);
        let is = new.archived_years.contains(year);
        let name = after
            .as_ref()
            .or(before.as_ref())
            .map(|y| y.name.clone())
            .unwrap_or_default();
        let change = match (&before, &after) {
            (None, Some(_)) => Some(HistoryChange::Archived),
            (Some(_), None) => Some(HistoryChange::Removed),
            (Some(before), Some(after)) if before.reissued != after.reissued => {
                Some(HistoryChange::Reissued)
            }
            (Some(before), Some(after)) if before != after => Some(HistoryChange::Figures),
            (None, None) if !was && is => Some(HistoryChange::Archived),
            (None, None) if was && !is => Some(HistoryChange::Removed),
            _ => None,
        };
        if let Some(change) = change {
            changes.push(Change::History {
                year: year.clone(),
                name,
                what: change,
            });
        }
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
