//! The web edition: `<output>/<year>/site/`, a folder to copy to any static host or open from
//! disk, made from the same data and the same template as the letters.
//!
//! ```text
//! site/index.html                     the year at a glance (the template's index.typ)
//! site/councils/<slug>.html           every letter as a web page (the template's main.typ, as HTML)
//! site/letters/<slug>.pdf             the letters, linked from their pages (the same files)
//! site/data/statistics.{csv,json}     the statistics files, for download
//! site/assets/…                       the template's site/ folder (stylesheet, script) and its fonts
//! ```
//!
//! Every link in it is relative, and nothing comes from another host.

use serde::Serialize;

use crate::input::{AuthorityType, Publication};
use crate::letter::{self, Figures, Period, Spread};
use crate::render::Template;
use crate::stats::{Statistic, Statistics};

pub(crate) const SITE_DIR: &str = "site";
pub(crate) const INDEX_FILE: &str = "site/index.html";

/// A letter's web page, relative to the year's folder: `site/councils/<slug>.html`.
pub(crate) fn page_file(slug: &str) -> String {
    format!("{SITE_DIR}/councils/{slug}.html")
}

/// The copy of a letter the site links to: `site/letters/<slug>.pdf`.
pub(crate) fn site_letter_file(slug: &str) -> String {
    format!("{SITE_DIR}/{}", super::letter_file(slug))
}

/// Whether `file`, a key of the manifest's other files, is one the site can have: the index, the
/// data files, or an asset (one or two plain names under `site/assets/`).
pub(crate) fn is_site_file(file: &str) -> bool {
    if file == INDEX_FILE {
        return true;
    }
    if let Some(name) = file.strip_prefix("site/data/") {
        return super::statistics::FILES.contains(&name);
    }
    let Some(asset) = file.strip_prefix("site/assets/") else {
        return false;
    };
    let parts: Vec<&str> = asset.split('/').collect();
    parts.len() <= 2
        && parts
            .iter()
            .all(|part| !part.is_empty() && !part.starts_with('.') && !part.contains('\\'))
}

/// The site's files other than the pages and letters: (file relative to the year's folder,
/// bytes). The statistics files are passed in as they are written beside the letters.
pub(crate) fn other_files(
    template: &Template,
    statistics_files: &[(&'static str, Vec<u8>)],
) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = statistics_files
        .iter()
        .map(|(name, bytes)| (format!("{SITE_DIR}/data/{name}"), bytes.clone()))
        .collect();
    for (name, bytes) in template.files_under(SITE_DIR) {
        files.push((format!("{SITE_DIR}/assets/{name}"), bytes.to_vec()));
    }
    for (name, bytes) in template.font_files() {
        files.push((format!("{SITE_DIR}/assets/fonts/{name}"), bytes.to_vec()));
    }
    // The fonts' licence travels with them (`fonts/OFL.txt`).
    for (name, bytes) in template.files_under("fonts") {
        if !name.contains('/') {
            files.push((format!("{SITE_DIR}/assets/fonts/{name}"), bytes.to_vec()));
        }
    }
    files
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
        title: format!("Annual Review letters {}", config.letter_date.format("%Y")),
        year: &config.year,
        period: letter::period(config),
        publish_date: letter::long_date(config.publish_date),
        average_method: statistics.method.label(),
        data: DataFiles {
            csv: format!("data/{}", super::statistics::CSV_FILE),
            json: format!("data/{}", super::statistics::JSON_FILE),
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
                page: format!("councils/{}.html", authority.slug),
                letter: super::letter_file(&authority.slug),
                statistics: letter::figures(publication, statistics, index),
            })
            .collect(),
    };
    serde_json::to_vec(&data).expect("plain data serializes")
}

#[cfg(test)]
mod tests {
    use super::is_site_file;

    #[test]
    fn only_the_sites_own_files_are_site_files() {
        for good in [
            "site/index.html",
            "site/data/statistics.csv",
            "site/assets/style.css",
            "site/assets/fonts/Lato-Regular.ttf",
        ] {
            assert!(is_site_file(good), "{good}");
        }
        for bad in [
            "site/../x",
            "site/assets/../../x",
            "site/assets/a/b/c",
            "site/assets/.hidden",
            "site/data/other.csv",
            "site/councils/kent.html",
            "/etc/passwd",
        ] {
            assert!(!is_site_file(bad), "{bad}");
        }
    }
}
