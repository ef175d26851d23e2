//! What the web edition's index says, as data: the JSON `index.typ` reads as `/site.json`, with
//! every council's figures and each group's averages and spread. (The site's files and their names
//! are [`crate::layout`]'s; its pages are compiled by [`crate::render`].)

use std::collections::{BTreeMap, HashSet};

use chrono::Datelike;
use serde::Serialize;

use crate::history::History;
use crate::input::{AuthorityType, Publication, PublicationConfig};
use crate::layout::{self, Edition, STATISTICS_CSV, STATISTICS_JSON};
use crate::letter::{self, GroupFigure, Named, Period};
use crate::stats::Statistics;

/// The index's title: "Annual Review letters 2021".
pub(crate) fn title(config: &PublicationConfig) -> String {
    format!("Annual Review letters {}", config.letter_date.year())
}

/// What the site's index reads as `/site.json`.
#[derive(Serialize)]
struct SiteData<'a> {
    title: String,
    year: &'a str,
    period: Period,
    publish_date: String,
    average_method: &'static str,
    data: DataFiles,
    /// The declared measures, in order: their names and words.
    measures: Vec<MeasureName<'a>>,
    groups: Vec<Group>,
    councils: Vec<Council<'a>>,
    /// The archived years before this one, and the councils they wrote to that this year's
    /// register no longer has.
    history: SiteHistory<'a>,
}

#[derive(Serialize)]
struct SiteHistory<'a> {
    /// The archive holds no earlier year.
    first_year: bool,
    years: Vec<SiteYear<'a>>,
    former_councils: Vec<FormerCouncil>,
}

#[derive(Serialize)]
struct SiteYear<'a> {
    year: &'a str,
    letters: usize,
    /// The year's `statistics.csv` in the site, from its root; `null` if the bag has none.
    statistics: Option<String>,
    caveats: &'a [String],
}

/// A council an earlier year wrote to that is not in this year's register (abolished, or merged
/// into a new council), under the last name it was written to.
#[derive(Serialize)]
struct FormerCouncil {
    code: String,
    name: String,
    letters: Vec<FormerLetter>,
}

#[derive(Serialize)]
struct FormerLetter {
    year: String,
    name: String,
    letter: String,
}

#[derive(Serialize)]
struct MeasureName<'a> {
    key: &'a str,
    words: &'a str,
    /// `rate` (whole percentages) or `per-residents` (numbers with one decimal).
    kind: &'static str,
}

#[derive(Serialize)]
struct DataFiles {
    csv: String,
    json: String,
}

#[derive(Serialize)]
struct Group {
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    councils: usize,
    statistics: Named<GroupFigure>,
}

#[derive(Serialize)]
struct Council<'a> {
    code: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    group: &'static str,
    page: String,
    letter: String,
    statistics: Named<letter::Figure>,
}

/// The index's data: every council's figures, and each group's averages and spread.
pub(crate) fn index_data(
    publication: &Publication,
    statistics: &Statistics,
    history: &History,
) -> Vec<u8> {
    let config = &publication.config;
    let data = SiteData {
        title: title(config),
        year: &config.year,
        period: letter::period(config),
        publish_date: letter::long_date(config.publish_date),
        average_method: config.average.label(),
        data: DataFiles {
            csv: format!("data/{STATISTICS_CSV}"),
            json: format!("data/{STATISTICS_JSON}"),
        },
        measures: publication
            .declaration
            .measures
            .iter()
            .map(|m| MeasureName {
                key: &m.key,
                words: &m.words,
                kind: m.kind.label(),
            })
            .collect(),
        groups: AuthorityType::ALL
            .iter()
            .map(|&kind| Group {
                kind: kind.label(),
                group: kind.plural(),
                councils: publication
                    .authorities
                    .iter()
                    .filter(|a| a.kind == kind)
                    .count(),
                statistics: Named(
                    statistics
                        .measures
                        .iter()
                        .map(|m| (m.measure.key.clone(), letter::group_figure(m, kind)))
                        .collect(),
                ),
            })
            .collect(),
        councils: publication
            .authorities
            .iter()
            .enumerate()
            .map(|(index, authority)| Council {
                code: &authority.code,
                name: &authority.name,
                kind: authority.kind.label(),
                group: authority.kind.plural(),
                page: site_relative(&Edition::Page.file(&authority.slug)),
                letter: site_relative(&layout::site_letter(&authority.slug)),
                statistics: letter::figures(publication, statistics, index),
            })
            .collect(),
        history: site_history(publication, history),
    };
    serde_json::to_vec(&data).expect("plain data serializes")
}

/// The index's view of the archive: its years, and the councils no longer in the register.
fn site_history<'a>(publication: &Publication, history: &'a History) -> SiteHistory<'a> {
    let current: HashSet<&str> = publication
        .authorities
        .iter()
        .map(|a| a.code.as_str())
        .collect();
    let mut former: BTreeMap<&str, FormerCouncil> = BTreeMap::new();
    for year in &history.years {
        for council in year
            .councils
            .iter()
            .filter(|c| !current.contains(c.code.as_str()))
        {
            let entry = former
                .entry(council.code.as_str())
                .or_insert_with(|| FormerCouncil {
                    code: council.code.clone(),
                    name: String::new(),
                    letters: Vec::new(),
                });
            // The years run oldest first: the last name written to is the one it is known by.
            entry.name = council.name.clone();
            entry.letters.push(FormerLetter {
                year: year.year.clone(),
                name: council.name.clone(),
                letter: layout::archived_link(&year.year, &format!("{}.pdf", council.slug)),
            });
        }
    }
    let mut former_councils: Vec<FormerCouncil> = former.into_values().collect();
    former_councils.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code)));
    SiteHistory {
        first_year: history.years.is_empty(),
        years: history
            .years
            .iter()
            .map(|year| SiteYear {
                year: &year.year,
                letters: year.councils.len(),
                statistics: year
                    .statistics_csv
                    .as_ref()
                    .map(|_| layout::archived_link(&year.year, STATISTICS_CSV)),
                caveats: &year.caveats,
            })
            .collect(),
        former_councils,
    }
}

/// A file of the site as the index links to it: relative to `site/`.
fn site_relative(file: &str) -> String {
    file.strip_prefix(layout::SITE_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(file)
        .to_string()
}
