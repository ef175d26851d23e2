//! What the web edition's index says, as data: the JSON `index.typ` reads as `/site.json`, with
//! every council's figures and each group's averages and spread. (The site's files and their names
//! are [`crate::layout`]'s; its pages are compiled by [`crate::render`].)

use chrono::Datelike;
use serde::Serialize;

use crate::input::{AuthorityType, Publication, PublicationConfig};
use crate::layout::{self, Edition, STATISTICS_CSV, STATISTICS_JSON};
use crate::letter::{self, Figures, Period, Spread};
use crate::stats::{Statistic, Statistics};

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
    groups: Vec<Group>,
    councils: Vec<Council<'a>>,
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
    statistics: GroupFigures,
}

#[derive(Serialize)]
struct GroupFigures {
    upheld: GroupFigure,
    compliance: GroupFigure,
    remedy: GroupFigure,
}

#[derive(Serialize)]
struct GroupFigure {
    average: Option<u64>,
    spread: Option<Spread>,
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
    statistics: Figures,
}

/// The index's data: every council's figures, and each group's averages and spread.
pub(crate) fn index_data(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let config = &publication.config;
    let group_figure = |kind: AuthorityType, statistic: Statistic| GroupFigure {
        average: statistics.average(kind, statistic),
        // A group's spread has no council in it, so no quarter.
        spread: statistics
            .distribution(kind, statistic)
            .map(|d| Spread::of(&d, None)),
    };
    let data = SiteData {
        title: title(config),
        year: &config.year,
        period: letter::period(config),
        publish_date: letter::long_date(config.publish_date),
        average_method: statistics.method.label(),
        data: DataFiles {
            csv: format!("data/{STATISTICS_CSV}"),
            json: format!("data/{STATISTICS_JSON}"),
        },
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
                statistics: GroupFigures {
                    upheld: group_figure(kind, Statistic::UpheldRate),
                    compliance: group_figure(kind, Statistic::Compliance),
                    remedy: group_figure(kind, Statistic::SatisfactoryRemedy),
                },
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
