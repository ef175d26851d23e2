//! `statistics.csv` and `statistics.json`: every figure of every letter, for the data team and the
//! interactive map.
//!
//! The CSV is opened in spreadsheets, so a text cell that a spreadsheet would run as a formula —
//! one starting with `=`, `+`, `-`, `@`, a tab or a carriage return, as an authority named
//! `=HYPERLINK(…)` would — is written with a leading apostrophe, as OWASP advises against CSV
//! injection. The JSON is data for programs and keeps every value as it is.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::input::{MeasureKind, Publication};
use crate::layout::{self, STATISTICS_CSV, STATISTICS_JSON};
use crate::stats::{Statistics, Unit};

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

/// One value of a row.
#[derive(Debug)]
enum Cell<'a> {
    Text(Cow<'a, str>),
    Count(u64),
    /// A whole number (a percentage), or nothing.
    Whole(Option<u64>),
    /// A number of tenths, written with one decimal, or nothing.
    Tenths(Option<u64>),
}

impl Cell<'_> {
    /// As the CSV writes it: nothing for no value.
    fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Count(n) => Cow::Owned(n.to_string()),
            Cell::Whole(n) => n.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string())),
            Cell::Tenths(n) => n.map_or(Cow::Borrowed(""), |n| Cow::Owned(Unit::Tenths.text(n))),
        }
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(text) => serializer.serialize_str(text),
            Cell::Count(n) => serializer.serialize_u64(*n),
            Cell::Whole(n) => n.serialize(serializer),
            // 39 tenths is 3.9: the shortest decimal that reads back as the same number.
            Cell::Tenths(n) => n.map(|n| n as f64 / 10.0).serialize(serializer),
        }
    }
}

/// Cells by column name, in order: a CSV row, or a JSON object.
#[derive(Debug)]
struct Row<'a>(Vec<(Cow<'static, str>, Cell<'a>)>);

impl Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, cell) in &self.0 {
            map.serialize_entry(name, cell)?;
        }
        map.end()
    }
}

/// One row per authority: who it is, every quantity the declaration knows, and each declared
/// measure with its average (`<measure>_percent` and `<measure>_average_percent` for a rate,
/// `<measure>` and `<measure>_average` for a count per residents).
fn rows<'a>(publication: &'a Publication, statistics: &Statistics) -> Vec<Row<'a>> {
    let declaration = &publication.declaration;
    let quantities = declaration.quantities();
    let per_residents = declaration.population_for().is_some();
    publication
        .authorities
        .iter()
        .zip(&statistics.counts)
        .enumerate()
        .map(|(index, (authority, counts))| {
            let mut row: Vec<(Cow<'static, str>, Cell)> = vec![
                ("code".into(), Cell::Text(Cow::Borrowed(&authority.code))),
                ("name".into(), Cell::Text(Cow::Borrowed(&authority.name))),
                ("type".into(), Cell::Text(authority.kind.label().into())),
                ("group".into(), Cell::Text(authority.kind.plural().into())),
                (
                    "letter".into(),
                    Cell::Text(layout::letter(&authority.slug).into()),
                ),
            ];
            if per_residents {
                row.push(("population".into(), Cell::Whole(authority.population)));
            }
            for (name, quantity) in &quantities {
                row.push((name.clone().into(), Cell::Count(counts.quantity(*quantity))));
            }
            for measure in &statistics.measures {
                let key = &measure.measure.key;
                let value = measure.rounded(measure.value(index));
                let average = measure.average(authority.kind);
                match measure.measure.kind {
                    MeasureKind::Rate { .. } => {
                        row.push((format!("{key}_percent").into(), Cell::Whole(value)));
                        row.push((
                            format!("{key}_average_percent").into(),
                            Cell::Whole(average),
                        ));
                    }
                    MeasureKind::PerResidents { .. } => {
                        row.push((key.clone().into(), Cell::Tenths(value)));
                        row.push((format!("{key}_average").into(), Cell::Tenths(average)));
                    }
                }
            }
            Row(row)
        })
        .collect()
}

/// `statistics.csv`: one row per authority; a figure without a value is an empty cell.
fn csv(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rows = rows(publication, statistics);
    if let Some(first) = rows.first() {
        writer
            .write_record(first.0.iter().map(|(name, _)| name.as_ref()))
            .expect("writing to memory cannot fail");
    }
    for mut row in rows {
        // Only the input's own text can start like a formula; our labels and numbers cannot.
        for (name, cell) in &mut row.0 {
            if let ("code" | "name", Cell::Text(text)) = (name.as_ref(), cell) {
                neutralise_formula(text);
            }
        }
        writer
            .write_record(
                row.0
                    .iter()
                    .map(|(_, cell)| cell.text())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|t| t.as_ref()),
            )
            .expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

#[derive(Serialize)]
struct StatisticsJson<'a> {
    year: &'a str,
    period_start: String,
    period_end: String,
    average_method: &'static str,
    /// The declared measures, so that the file (and the archive that keeps it) says what its
    /// fields are: each one's key, words and kind.
    measures: Vec<MeasureEntry<'a>>,
    caveats: &'a [String],
    groups: Vec<Row<'a>>,
    authorities: Vec<Row<'a>>,
}

#[derive(Serialize)]
struct MeasureEntry<'a> {
    key: &'a str,
    words: &'a str,
    /// `rate` (`<key>_percent`, `<key>_average_percent`) or `per-residents` (`<key>`,
    /// `<key>_average`).
    kind: &'static str,
}

/// `statistics.json`: the same figures as the CSV, plus each group's averages, for the map.
fn json(publication: &Publication, statistics: &Statistics) -> Vec<u8> {
    let groups = crate::input::AuthorityType::ALL
        .iter()
        .map(|&kind| {
            let mut row: Vec<(Cow<'static, str>, Cell)> = vec![
                ("type".into(), Cell::Text(kind.label().into())),
                ("group".into(), Cell::Text(kind.plural().into())),
                (
                    "authorities".into(),
                    Cell::Count(
                        publication
                            .authorities
                            .iter()
                            .filter(|a| a.kind == kind)
                            .count() as u64,
                    ),
                ),
            ];
            for measure in &statistics.measures {
                let key = &measure.measure.key;
                let average = measure.average(kind);
                row.push(match measure.measure.kind {
                    MeasureKind::Rate { .. } => (
                        format!("{key}_average_percent").into(),
                        Cell::Whole(average),
                    ),
                    MeasureKind::PerResidents { .. } => {
                        (format!("{key}_average").into(), Cell::Tenths(average))
                    }
                });
            }
            Row(row)
        })
        .collect();
    let document = StatisticsJson {
        year: &publication.config.year,
        period_start: publication.config.period_start.to_string(),
        period_end: publication.config.period_end.to_string(),
        average_method: publication.config.average.label(),
        measures: statistics
            .measures
            .iter()
            .map(|measure| MeasureEntry {
                key: &measure.measure.key,
                words: &measure.measure.words,
                kind: measure.measure.kind.label(),
            })
            .collect(),
        caveats: &publication.declaration.caveats,
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
