//! `annual-review status`: which letters a build would write, and why, in words.
//!
//! Compares what every letter would be made from now with what the manifest recorded: a letter
//! is new (never built), changed (its inputs differ, or its file is missing or altered) or
//! orphaned (in the manifest, but no authority of the register makes it any more). A correction
//! to one council can move its group's average or spread; every letter that prints the moved
//! figure is then changed, and says so.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::letter::{Figure, LetterData};
use crate::manifest::{self, LetterEntry, Manifest, Mismatch};
use crate::output::{self, Content, OtherFile, YearFolder, site};
use crate::plan::{self, PlannedLetter, PrepareError, Prepared};
use crate::stats::Statistic;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Change {
    New,
    Changed,
    Orphaned,
}

impl Change {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Orphaned => "orphaned",
        }
    }
}

/// One letter that a build would write (with its web page), or that no longer belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatusEntry {
    pub(crate) change: Change,
    /// Relative to the year's folder.
    pub(crate) file: String,
    /// The letter's web page, relative to the year's folder.
    pub(crate) page: String,
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) reasons: Vec<String>,
}

/// A file other than a letter and its page that a build would write: a statistics file, the
/// site's index, data or assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FileStatus {
    pub(crate) change: Change,
    /// Relative to the year's folder.
    pub(crate) file: String,
    pub(crate) reason: String,
}

/// The state of a year's output against the current input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatusReport {
    pub(crate) year: String,
    pub(crate) year_dir: PathBuf,
    pub(crate) letters: Vec<StatusEntry>,
    pub(crate) up_to_date: usize,
    pub(crate) files: Vec<FileStatus>,
}

/// Compares the input in `input` with the manifest under `output`.
pub(crate) fn status(
    input: &Path,
    output: &Path,
    templates: &Path,
) -> Result<StatusReport, StatusError> {
    let prepared = plan::prepare(input, templates)?;
    compare(&prepared, output)
}

/// Compares a prepared publication with the manifest under `output`.
pub(crate) fn compare(prepared: &Prepared, output: &Path) -> Result<StatusReport, StatusError> {
    let publication = &prepared.publication;
    let year_dir = YearFolder::path(output, &publication.config.year)?;
    let manifest = Manifest::read(&year_dir)?;
    let mut letters = Vec::new();
    let mut up_to_date = 0;
    for index in 0..publication.authorities.len() {
        let letter = plan::plan_letter(prepared, index);
        let authority = &publication.authorities[index];
        let entry = |change, reasons| StatusEntry {
            change,
            file: letter.file.clone(),
            page: site::page_file(&authority.slug),
            code: authority.code.clone(),
            name: authority.name.clone(),
            reasons,
        };
        match manifest.as_ref().and_then(|m| m.letters.get(&letter.file)) {
            None if year_dir.join(&letter.file).exists() => letters.push(entry(
                Change::Changed,
                vec![
                    "the letter's file is not in the manifest: the build that made it failed or was interrupted"
                        .to_string(),
                ],
            )),
            None => letters.push(entry(Change::New, vec!["not built yet".to_string()])),
            Some(recorded) => {
                let reasons = reasons(&year_dir, recorded, &letter);
                if reasons.is_empty() {
                    up_to_date += 1;
                } else {
                    letters.push(entry(Change::Changed, reasons));
                }
            }
        }
    }
    if let Some(manifest) = &manifest {
        for (file, recorded) in manifest.orphans(publication) {
            let now = publication
                .authorities
                .iter()
                .find(|a| a.code == recorded.code);
            let reason = match now {
                Some(authority) => format!(
                    "`{}` is now called `{}`; its letter is {}",
                    recorded.name,
                    authority.name,
                    output::letter_file(&authority.slug)
                ),
                None => format!("`{}` is no longer in authorities.csv", recorded.code),
            };
            letters.push(StatusEntry {
                change: Change::Orphaned,
                file: file.clone(),
                page: site::page_file(output::slug_of_letter_file(file).unwrap_or_default()),
                code: recorded.code.clone(),
                name: recorded.name.clone(),
                reasons: vec![reason],
            });
        }
    }
    let files = output::other_files(prepared)
        .into_iter()
        .filter_map(|file| file_status(&year_dir, manifest.as_ref(), &file))
        .collect();
    Ok(StatusReport {
        year: publication.config.year.clone(),
        year_dir,
        letters,
        up_to_date,
        files,
    })
}

/// Why a build would write `file`, if it would.
fn file_status(
    year_dir: &Path,
    manifest: Option<&Manifest>,
    file: &OtherFile,
) -> Option<FileStatus> {
    if manifest.is_some_and(|m| m.holds(year_dir, file)) {
        return None;
    }
    let recorded = manifest.and_then(|m| m.files.get(&file.name));
    let (change, reason) = match (recorded, &file.content) {
        (None, _) => (Change::New, "not built yet"),
        (Some(entry), _)
            if !manifest::file_matches(
                &year_dir.join(&file.name),
                &entry.sha256,
                entry.bytes,
                entry.modified,
            ) =>
        {
            (
                Change::Changed,
                "the file is missing or differs from the one the manifest records",
            )
        }
        (Some(_), Content::Index { .. }) => (
            Change::Changed,
            "the figures it shows, or the template, changed",
        ),
        (Some(_), Content::Bytes(_)) => (Change::Changed, "its content changed"),
    };
    Some(FileStatus {
        change,
        file: file.name.clone(),
        reason: reason.to_string(),
    })
}

/// Why `status` could not compare.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StatusError {
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    #[error(transparent)]
    Output(#[from] output::OutputError),
    #[error(transparent)]
    Manifest(#[from] manifest::ReadError),
}

/// Why the recorded letter differs from what the input would make now; empty when it does not.
fn reasons(year_dir: &Path, recorded: &LetterEntry, planned: &PlannedLetter) -> Vec<String> {
    let mut reasons = Vec::new();
    for mismatch in recorded.on_disk(year_dir, &planned.file) {
        let (what, path) = match mismatch {
            Mismatch::Letter => ("the letter's file", planned.file.clone()),
            Mismatch::Page => ("its web page", site::page_file(&planned.slug)),
            Mismatch::SiteLetter => (
                "the site's copy of the letter",
                site::site_letter_file(&planned.slug),
            ),
        };
        reasons.push(if year_dir.join(path).exists() {
            format!("{what} differs from the one the manifest records")
        } else {
            format!("{what} is missing")
        });
    }
    if recorded.inputs_digest == planned.inputs_digest {
        return reasons;
    }
    if recorded.inputs_digest == crate::render::PAGE_LEFT_OUT {
        reasons.push(crate::render::PAGE_LEFT_OUT.to_string());
        return reasons;
    }
    let Some(old) = recorded.made_from() else {
        reasons.push(
            "its inputs changed (the manifest's record of them is from another version)"
                .to_string(),
        );
        return reasons;
    };
    let (old, new) = (&old, &*planned.made_from);
    if old.tool != new.tool {
        reasons.push(format!("tool {} → {}", old.tool, new.tool));
    }
    if old.template_digest != new.template_digest {
        reasons.push("the template's files changed".to_string());
    }
    match (&old.commentary_sha256, &new.commentary_sha256) {
        (None, Some(_)) => reasons.push("commentary added".to_string()),
        (Some(_), None) => reasons.push("commentary removed".to_string()),
        (Some(a), Some(b)) if a != b => reasons.push("commentary changed".to_string()),
        _ => {}
    }
    data_reasons(&old.data, &new.data, &mut reasons);
    if reasons.is_empty() {
        reasons.push("its inputs changed".to_string());
    }
    reasons
}

/// What changed between two versions of a letter's data, in words.
fn data_reasons(old: &LetterData, new: &LetterData, reasons: &mut Vec<String>) {
    let mut changed = |what: &str, before: &str, after: &str| {
        if before != after {
            reasons.push(format!("{what} `{before}` → `{after}`"));
        }
    };
    changed("name", &old.authority.name, &new.authority.name);
    changed("code", &old.authority.code, &new.authority.code);
    changed("type", &old.authority.kind, &new.authority.kind);
    changed(
        "recipient",
        &old.authority.recipient,
        &new.authority.recipient,
    );
    changed(
        "recipient title",
        &old.authority.recipient_title,
        &new.authority.recipient_title,
    );
    changed("letter date", &old.letter_date, &new.letter_date);
    changed("publication date", &old.publish_date, &new.publish_date);
    changed("period start", &old.period.start, &new.period.start);
    changed("period end", &old.period.end, &new.period.end);
    changed("year", &old.year, &new.year);
    changed("average method", &old.average_method, &new.average_method);
    changed("signatory", &old.signatory.name, &new.signatory.name);
    if old.signatory.titles != new.signatory.titles {
        reasons.push("signatory's titles changed".to_string());
    }
    let group = &new.authority.kind;
    for statistic in Statistic::ALL {
        let (before, after) = (old.statistics.get(statistic), new.statistics.get(statistic));
        figure_reasons(statistic, group, before, after, reasons);
    }
    if old.public_reports != new.public_reports {
        reasons.push(format!(
            "public reports {} → {}",
            old.public_reports, new.public_reports
        ));
    }
    if old.decisions != new.decisions {
        reasons.push(format!("decisions {} → {}", old.decisions, new.decisions));
    } else if old.outcomes != new.outcomes {
        reasons.push("decisions by outcome changed".to_string());
    }
    if old.categories != new.categories {
        reasons.push("decisions by service area changed".to_string());
    }
}

fn figure_reasons(
    statistic: Statistic,
    group: &str,
    before: &Figure,
    after: &Figure,
    reasons: &mut Vec<String>,
) {
    let what = statistic.description();
    if (before.numerator, before.denominator) != (after.numerator, after.denominator) {
        reasons.push(format!(
            "{what} {} ({} of {}) → {} ({} of {})",
            percent(before.percent),
            before.numerator,
            before.denominator,
            percent(after.percent),
            after.numerator,
            after.denominator
        ));
    }
    if before.average != after.average {
        reasons.push(format!(
            "{group} average {what} {} → {}",
            percent(before.average),
            percent(after.average)
        ));
    }
    if before.spread != after.spread {
        reasons.push(format!("the spread of {what}s among {group}s changed"));
    }
}

fn percent(value: Option<u64>) -> String {
    value.map_or_else(|| "none".to_string(), |p| format!("{p}%"))
}
