//! `figures.toml`, in the template's folder: the figures its letters print, declared.
//!
//! A letter's figures change from year to year (a rate per 100,000 residents in 2022-23, a
//! complaint overview in 2024-25); its template and its figures change together, so the template
//! folder declares them and the engine ([`crate::stats`]) computes whatever is declared. The
//! declaration names:
//!
//! - **groups** of decision outcomes (`[groups]`), and **partitions** of them
//!   (`[partitions.<total>]`): the groups of one partition never share an outcome, so they add up
//!   to the partition's total, which is a quantity too;
//! - **measures** (`[measures.<key>]`): a rate (a numerator over a denominator, printed as a
//!   whole percentage) or a count per N residents (printed to one decimal), each with its average
//!   in similar authorities (`mean-of-rates` or `pooled`, by default publication.toml's) and its
//!   spread.
//!
//! A numerator or denominator is a quantity, or a list of them added up: a group, a partition, a
//! decision outcome (`upheld`, `not_upheld`, `advice_given`, `closed_after_initial_enquiries`,
//! `incomplete_invalid`, `referred_back_for_local_resolution`), `decisions`,
//! `remedied_by_authority`, `public_reports`, a compliance outcome (`complied`, `complied_late`,
//! `not_complied`) or `compliance_outcomes`. Every mistake is a problem at its line and column,
//! reported with the rest of the input's before anything is written.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::config::AverageMethod;
use super::problems::{Location, Problem, Problems, read_file, utf8_text};
use super::suggest;
use super::{ComplianceOutcome, DecisionOutcome};

/// The declaration's file, in the template's folder.
pub(crate) const FILE: &str = "figures.toml";

/// What an authority counts, one by one; every quantity is a sum of some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counter {
    Outcome(DecisionOutcome),
    RemediedByAuthority,
    PublicReports,
    Compliance(ComplianceOutcome),
}

impl Counter {
    const ALL: [Counter; 11] = [
        Counter::Outcome(DecisionOutcome::Upheld),
        Counter::Outcome(DecisionOutcome::NotUpheld),
        Counter::Outcome(DecisionOutcome::AdviceGiven),
        Counter::Outcome(DecisionOutcome::ClosedAfterInitialEnquiries),
        Counter::Outcome(DecisionOutcome::IncompleteInvalid),
        Counter::Outcome(DecisionOutcome::ReferredBackForLocalResolution),
        Counter::RemediedByAuthority,
        Counter::PublicReports,
        Counter::Compliance(ComplianceOutcome::Complied),
        Counter::Compliance(ComplianceOutcome::CompliedLate),
        Counter::Compliance(ComplianceOutcome::NotComplied),
    ];

    fn bit(self) -> u16 {
        1 << Counter::ALL
            .iter()
            .position(|c| *c == self)
            .expect("every counter is listed")
    }
}

/// Quantities by name, in order.
pub(crate) type Named = Vec<(String, Quantity)>;

/// A sum of counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Quantity(u16);

impl Quantity {
    /// The decisions with `outcome`.
    pub(crate) fn of_outcome(outcome: DecisionOutcome) -> Quantity {
        Quantity::of([Counter::Outcome(outcome)])
    }

    fn of(counters: impl IntoIterator<Item = Counter>) -> Quantity {
        Quantity(counters.into_iter().fold(0, |bits, c| bits | c.bit()))
    }

    fn plus(self, other: Quantity) -> Quantity {
        Quantity(self.0 | other.0)
    }

    /// The counters added up.
    pub(crate) fn counters(self) -> impl Iterator<Item = Counter> {
        Counter::ALL
            .into_iter()
            .filter(move |counter| self.0 & counter.bit() != 0)
    }
}

/// The quantities every declaration may use, by name, in the order the statistics files list
/// them: `decisions` and the decision outcomes first, then (after the declared groups)
/// `remedied_by_authority`, `public_reports` and the compliance outcomes.
pub(crate) fn built_in() -> (Named, Named) {
    let outcome_names = DecisionOutcome::ALL.map(|o| (snake(o.label()), Counter::Outcome(o)));
    let mut before = vec![(
        "decisions".to_string(),
        Quantity::of(DecisionOutcome::ALL.map(Counter::Outcome)),
    )];
    before.extend(
        outcome_names
            .iter()
            .map(|(name, counter)| (name.clone(), Quantity::of([*counter]))),
    );
    let mut after = vec![
        (
            "remedied_by_authority".to_string(),
            Quantity::of([Counter::RemediedByAuthority]),
        ),
        (
            "public_reports".to_string(),
            Quantity::of([Counter::PublicReports]),
        ),
        (
            "compliance_outcomes".to_string(),
            Quantity::of(ComplianceOutcome::ALL.map(Counter::Compliance)),
        ),
    ];
    after.extend(
        ComplianceOutcome::ALL
            .iter()
            .zip(ComplianceOutcome::LABELS)
            .map(|(outcome, label)| (snake(label), Quantity::of([Counter::Compliance(*outcome)]))),
    );
    (before, after)
}

/// A label as a name: `Not upheld` → `not_upheld`, `Incomplete/Invalid` → `incomplete_invalid`.
pub(crate) fn snake(label: &str) -> String {
    label
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// How a measure is computed and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MeasureKind {
    /// Numerator ÷ denominator, printed as a whole percentage.
    Rate { denominator: Quantity },
    /// Numerator × `per` ÷ the authority's residents, printed to one decimal.
    PerResidents { per: u64 },
}

impl MeasureKind {
    /// The kind as the site's data, the statistics files and the letter's history name it:
    /// `rate` or `per-residents`.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            MeasureKind::Rate { .. } => "rate",
            MeasureKind::PerResidents { .. } => "per-residents",
        }
    }
}

/// One declared measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Measure {
    /// Its name in the letter's data, the statistics files and the site: `upheld_rate`.
    pub(crate) key: String,
    /// Its name in words, as `status` says it: `upheld rate`.
    pub(crate) words: String,
    pub(crate) numerator: Quantity,
    pub(crate) kind: MeasureKind,
    pub(crate) average: AverageMethod,
}

/// The figures a template's letters print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declaration {
    /// `figures.toml`, for messages.
    pub(crate) path: PathBuf,
    /// The declared groups and partitions' totals, in the order declared: each is counted for
    /// every authority and service area.
    pub(crate) groups: Vec<(String, Quantity)>,
    pub(crate) measures: Vec<Measure>,
    /// What the year's figures should be read with (a pause in casework, a changed process): the
    /// statistics files and the site print them with the figures, and the archive keeps them.
    pub(crate) caveats: Vec<String>,
}

impl Declaration {
    /// Why every authority must have a population, when a measure is per resident.
    pub(crate) fn population_for(&self) -> Option<String> {
        self.measures
            .iter()
            .find(|m| matches!(m.kind, MeasureKind::PerResidents { .. }))
            .map(|measure| {
                format!(
                    "`{}` declares `{}` per residents",
                    self.path.display(),
                    measure.key
                )
            })
    }

    /// Every quantity with a name, in the order the statistics files list them: the built-in
    /// ones before the groups, the declared groups and partitions, the other built-in ones.
    pub(crate) fn quantities(&self) -> Vec<(String, Quantity)> {
        let (before, after) = built_in();
        before
            .into_iter()
            .chain(self.groups.iter().cloned())
            .chain(after)
            .collect()
    }
}

/// The file as written, with the position of every value for messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeclaration {
    #[serde(default)]
    groups: toml::Table,
    #[serde(default)]
    partitions: toml::Table,
    measures: Spanned<toml::Table>,
    #[serde(default)]
    caveats: Vec<String>,
}

/// A measure as written (read from its table, so without positions: [`Check`] finds them).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    words: String,
    numerator: Names,
    denominator: Option<Names>,
    per_residents: Option<u64>,
    average: Option<AverageMethod>,
}

/// One name, or a list of names added up.
#[derive(Deserialize)]
#[serde(untagged)]
enum Names {
    One(String),
    Many(Vec<String>),
}

impl Names {
    fn names(&self) -> Vec<&String> {
        match self {
            Names::One(name) => vec![name],
            Names::Many(names) => names.iter().collect(),
        }
    }
}

/// Reads and checks the declaration in `template_dir`. `average` is publication.toml's, the
/// default of every measure.
pub(crate) fn load(
    template_dir: &Path,
    average: AverageMethod,
    problems: &mut Problems,
) -> Option<Declaration> {
    let path = template_dir.join(FILE);
    let bytes = read_file(
        &path,
        "the figures the template's letters print (groups of outcomes and measures)",
        problems,
    )?;
    let text = utf8_text(&path, bytes, problems)?;
    let before = problems.len();
    let raw: RawDeclaration = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(error) => {
            problems.push(toml_problem(&path, &text, &error));
            return None;
        }
    };
    let check = Check {
        path: &path,
        text: &text,
    };
    let (before_groups, after_groups) = built_in();
    let mut known: Vec<(String, Quantity)> =
        before_groups.iter().chain(&after_groups).cloned().collect();
    let mut groups = Vec::new();
    // `[groups]`: each a group of its own; `[partitions.<total>]`: groups that never share an
    // outcome, and their total.
    let mut declared: Vec<(Option<String>, &toml::Table)> = vec![(None, &raw.groups)];
    let mut partition_tables = Vec::new();
    for (total, table) in &raw.partitions {
        match table.as_table() {
            Some(table) => partition_tables.push((total.clone(), table)),
            None => problems.push(check.problem_at_key(
                &["partitions", total],
                format!(
                    "`partitions.{total}`: expected a table of groups, each a list of outcomes"
                ),
            )),
        }
    }
    declared.extend(
        partition_tables
            .iter()
            .map(|(total, table)| (Some(total.clone()), *table)),
    );
    for (partition, table) in declared {
        let mut seen: Vec<(DecisionOutcome, String)> = Vec::new();
        let mut total = Quantity::default();
        for (name, outcomes) in table {
            let key_path: Vec<&str> = match &partition {
                Some(p) => vec!["partitions", p, name],
                None => vec!["groups", name],
            };
            check.new_name(name, &known, &key_path, problems);
            let Some(list) = outcomes.as_array() else {
                problems.push(check.problem_at_key(
                    &key_path,
                    format!("group `{name}`: expected a list of decision outcomes, e.g. [\"Upheld\", \"Not upheld\"]"),
                ));
                continue;
            };
            let mut quantity = Quantity::default();
            for (index, outcome) in list.iter().enumerate() {
                let found = outcome.as_str().unwrap_or_default();
                let position = DecisionOutcome::LABELS
                    .iter()
                    .position(|label| label.eq_ignore_ascii_case(found.trim()));
                let Some(position) = position else {
                    let expected: Vec<String> = DecisionOutcome::LABELS
                        .iter()
                        .map(|l| format!("`{l}`"))
                        .collect();
                    problems.push(
                        check
                            .problem_at_item(
                                &key_path,
                                index,
                                format!(
                                    "group `{name}`: found `{found}`, expected a decision outcome: one of {}",
                                    expected.join(", ")
                                ),
                            )
                            .with_hint(
                                suggest::closest(found, DecisionOutcome::LABELS.iter().copied())
                                    .map(|l| format!("did you mean `{l}`?")),
                            ),
                    );
                    continue;
                };
                let outcome = DecisionOutcome::ALL[position];
                if let Some(partition) = &partition
                    && let Some((_, other)) = seen.iter().find(|(o, _)| *o == outcome)
                {
                    problems.push(check.problem_at_item(
                        &key_path,
                        index,
                        format!(
                            "group `{name}`: found `{}`, which is also in group `{other}` of partition `{partition}`, expected each outcome in one group of a partition (its groups add up to its total)",
                            outcome.label()
                        ),
                    ));
                }
                seen.push((outcome, name.clone()));
                quantity = quantity.plus(Quantity::of([Counter::Outcome(outcome)]));
            }
            total = total.plus(quantity);
            known.push((name.clone(), quantity));
            groups.push((name.clone(), quantity));
        }
        if let Some(partition) = partition {
            check.new_name(&partition, &known, &["partitions", &partition], problems);
            known.push((partition.clone(), total));
            groups.push((partition, total));
        }
    }
    let mut measures = Vec::new();
    if raw.measures.get_ref().is_empty() {
        problems.push(Problem::new(
            check.at(raw.measures.span()),
            "`measures`: found none, expected at least one measure, e.g. [measures.upheld_rate]",
        ));
    }
    for (key, value) in raw.measures.get_ref() {
        let key_path = ["measures", key.as_str()];
        check.new_name(key, &[], &key_path, problems);
        let measure: RawMeasure = match value.clone().try_into() {
            Ok(measure) => measure,
            Err(error) => {
                let mut problem = check.problem_at_key(
                    &key_path,
                    format!("measure `{key}`: {}", error.message().trim()),
                );
                problem = problem.with_hint(unknown_field_hint(error.message()));
                problems.push(problem);
                continue;
            }
        };
        let quantity = |names: &Names, field: &str, problems: &mut Problems| -> Option<Quantity> {
            let mut sum = Quantity::default();
            let mut whole = true;
            for name in names.names() {
                match known.iter().find(|(k, _)| k == name) {
                    Some((_, quantity)) => sum = sum.plus(*quantity),
                    None => {
                        whole = false;
                        problems.push(
                            check
                                .problem_at_key(
                                    &["measures", key, field],
                                    format!(
                                        "measure `{key}`: `{field}` names `{name}`, expected a declared group or partition, a decision or compliance outcome, `decisions`, `remedied_by_authority`, `public_reports` or `compliance_outcomes`"
                                    ),
                                )
                                .with_hint(
                                    suggest::closest(name, known.iter().map(|(k, _)| k.as_str()))
                                    .map(|k| format!("did you mean `{k}`?")),
                                ),
                        );
                    }
                }
            }
            whole.then_some(sum)
        };
        let numerator = quantity(&measure.numerator, "numerator", problems);
        let kind = match (&measure.denominator, measure.per_residents) {
            (Some(denominator), None) => quantity(denominator, "denominator", problems)
                .map(|denominator| MeasureKind::Rate { denominator }),
            (None, Some(per)) if per > 0 => Some(MeasureKind::PerResidents { per }),
            (None, Some(_)) => {
                problems.push(check.problem_at_key(
                    &["measures", key, "per_residents"],
                    format!("measure `{key}`: found `per_residents = 0`, expected a number of residents to count per, e.g. 100000"),
                ));
                None
            }
            _ => {
                problems.push(check.problem_at_key(
                    &key_path,
                    format!("measure `{key}`: expected either `denominator` (a rate, printed as a whole percentage) or `per_residents` (a count per so many residents, printed to one decimal), and not both"),
                ));
                None
            }
        };
        if let (Some(numerator), Some(kind)) = (numerator, kind) {
            measures.push(Measure {
                key: key.clone(),
                words: measure.words.trim().to_string(),
                numerator,
                kind,
                average: measure.average.unwrap_or(average),
            });
        }
    }
    for (index, caveat) in raw.caveats.iter().enumerate() {
        if caveat.trim().is_empty() {
            problems.push(check.problem_at_item(
                &["caveats"],
                index,
                "`caveats`: a caveat is a sentence; this one is empty".to_string(),
            ));
        }
    }
    (problems.len() == before).then_some(Declaration {
        path,
        groups,
        measures,
        caveats: raw.caveats.iter().map(|c| c.trim().to_string()).collect(),
    })
}

/// The problem a TOML parse error makes, at its position, with a suggestion for a misspelt key.
pub(crate) fn toml_problem(path: &Path, text: &str, error: &toml::de::Error) -> Problem {
    let location = match error.span() {
        Some(span) => at(path, text, span),
        None => Location::file(path),
    };
    Problem::new(location, error.message().trim().to_string())
        .with_hint(unknown_field_hint(error.message()))
}

/// "did you mean `x`?" for serde's "unknown field `y`, expected one of `x`, `z`".
fn unknown_field_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (found, expected) = rest.split_once('`')?;
    let names: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    suggest::closest(found, names).map(|name| format!("did you mean `{name}`?"))
}

/// The line and column (1-based, in characters) of byte offset `span.start` of `text`.
pub(crate) fn at(path: &Path, text: &str, span: Range<usize>) -> Location {
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() as u64 + 1;
    Location::at(path, line, column)
}

/// Finds where things are in the declaration's text.
struct Check<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Check<'_> {
    fn at(&self, span: Range<usize>) -> Location {
        at(self.path, self.text, span)
    }

    /// The span of the value at `key_path` (table names, then keys), found by parsing the text
    /// again as a document that keeps positions.
    fn span_of(&self, key_path: &[&str]) -> Option<Range<usize>> {
        let document = toml::de::DeTable::parse(self.text).ok()?;
        let mut table = document.get_ref();
        let (last, tables) = key_path.split_last()?;
        for name in tables {
            table = table.get(*name)?.get_ref().as_table()?;
        }
        let (key, _) = table.get_key_value(*last)?;
        Some(key.span())
    }

    fn problem_at_key(&self, key_path: &[&str], message: String) -> Problem {
        let location = match self.span_of(key_path) {
            Some(span) => self.at(span),
            None => Location::file(self.path),
        };
        Problem::new(location, message)
    }

    /// A problem at item `index` of the list at `key_path`.
    fn problem_at_item(&self, key_path: &[&str], index: usize, message: String) -> Problem {
        let span = (|| {
            let document = toml::de::DeTable::parse(self.text).ok()?;
            let mut table = document.get_ref();
            let (last, tables) = key_path.split_last()?;
            for name in tables {
                table = table.get(*name)?.get_ref().as_table()?;
            }
            let list = table.get(*last)?.get_ref().as_array()?;
            Some(list.get(index)?.span())
        })();
        match span {
            Some(span) => Problem::new(self.at(span), message),
            None => self.problem_at_key(key_path, message),
        }
    }

    /// Refuses a name that is taken, or that cannot be a name of the letter's data and the
    /// statistics files (lower-case letters, digits and underscores, starting with a letter).
    fn new_name(
        &self,
        name: &str,
        known: &[(String, Quantity)],
        key_path: &[&str],
        problems: &mut Problems,
    ) {
        let plain = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain {
            problems.push(self.problem_at_key(
                key_path,
                format!("found the name `{name}`, expected lower-case letters, digits and underscores, starting with a letter (it names the figure in the letter's data and the statistics files)"),
            ));
        } else if known.iter().any(|(k, _)| k == name) {
            problems.push(self.problem_at_key(
                key_path,
                format!("found the name `{name}` again, expected a name no other group, partition or quantity has"),
            ));
        }
    }
}
