//! What the web edition's index says, as data: the JSON `index.typ` reads as `/site.json`, with
//! every council's figures and each group's averages and spread. (The site's files and their names
//! are [`crate::layout`]'s; its pages are compiled by [`crate::render`].)

use chrono::Datelike;
use serde::Serialize;

use crate::input::{AuthorityType, MeasureKind, Publication, PublicationConfig};
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
pub(crate) fn index_data(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
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
                kind: match m.kind {
                    MeasureKind::Rate { .. } => "rate",
                    MeasureKind::PerResidents { .. } => "per-residents",
                },
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
    };
    serde_json::to_vec(&data).expect("plain data serializes")
}

/// A file of the site as the index links to it: relative to `site/`.
fn site_relative(file: &str) -> String {
    file.strip_prefix(layout::SITE_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(file)
        .to_string()
}
