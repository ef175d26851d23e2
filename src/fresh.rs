//! Which files of a year's folder are current: the plan ([`crate::plan`]) against the manifest's
//! record ([`crate::manifest`]) and the disk, and why each other file is not, as typed
//! [`Reason`]s that serialize for `status --json` and read as words for people.
//!
//! The one answer to "is this file current?": `build` writes what is stale and removes what the
//! plan no longer holds, `status` says the same in words, and `archive` accepts only a year with
//! nothing to do. A compiled file is current while the tool, the template's fonts, the template
//! files its compile read (and only those), its commentary and its data are what they were; a
//! copy while it has the bytes of the file it copies; any other file while its bytes are the
//! plan's.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use crate::history::ArchivedFile;
use crate::layout::{self, FileKind};
use crate::letter::{self, LetterData};
use crate::manifest::{Entry, Inputs, MadeFrom, Manifest, Stamps};
use crate::plan::{Plan, PlannedDocument, Prepared, Source};

/// Why a file is not current, or why it no longer belongs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub(crate) enum Reason {
    /// Never built.
    NotBuilt,
    /// On disk, but not in the manifest: the build that made it failed or was interrupted.
    NotRecorded,
    /// In the manifest, but not on disk.
    Missing,
    /// On disk, but not as the manifest records it.
    Altered,
    /// Recorded by an earlier version of the tool, which did not say what the file was made from.
    EarlierVersion,
    /// Its bytes are not the plan's any more (a statistics file, an asset).
    Content,
    /// It copies a file that is rebuilt, or whose bytes it does not have.
    Copies { file: String },
    /// Made by another version of the tool.
    Tool { from: String, to: String },
    /// The template's fonts changed.
    Fonts,
    /// A file of the template that its compile read changed, or is gone.
    TemplateFile { file: String, removed: bool },
    /// The council's commentary was added, changed or removed.
    Commentary { change: CommentaryChange },
    /// What the letter prints changed.
    Letter(letter::Change),
    /// The data of the document changed (the site's index: the figures it shows).
    Data,
    /// The council of this file is no longer in the register.
    NotInRegister { code: String, name: String },
    /// The council of this file is now called something else, and its files have new names.
    Renamed {
        code: String,
        from: String,
        to: String,
    },
    /// The template no longer has this asset.
    NotInTemplate,
    /// The plan no longer holds this file.
    NoLongerMade,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CommentaryChange {
    Added,
    Changed,
    Removed,
}

impl Reason {
    /// The reason in words. `files` are the files it is about when the words must name them
    /// (some of a council's files, not all); empty when the line it is printed under names them.
    pub(crate) fn describe(&self, files: &[&str]) -> String {
        let (subject, is) = match files {
            [] => (String::new(), "is"),
            [one] => (format!("`{one}` "), "is"),
            [init @ .., last] => (
                format!(
                    "{} and `{last}` ",
                    init.iter()
                        .map(|file| format!("`{file}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "are",
            ),
        };
        let (it, differs) = match files.len() {
            0 | 1 => ("it", "differs from"),
            _ => ("they", "differ from"),
        };
        match self {
            Reason::NotBuilt => "not built yet".to_string(),
            Reason::NotRecorded => format!(
                "{subject}not in the manifest: the build that made {it} failed or was interrupted"
            ),
            Reason::Missing if files.is_empty() => "missing".to_string(),
            Reason::Missing => format!("{subject}{is} missing"),
            Reason::Altered => format!("{subject}{differs} what the manifest records"),
            Reason::EarlierVersion => {
                "recorded by an earlier version of annual-review, which did not say what it was made from".to_string()
            }
            Reason::Content => "its content changed".to_string(),
            Reason::Copies { file: of } if files.is_empty() => {
                format!("it copies `{of}`, which changed")
            }
            Reason::Copies { file: of } => format!("{subject}copies `{of}`, which changed"),
            Reason::Tool { from, to } => format!("tool {from} → {to}"),
            Reason::Fonts => "the template's fonts changed".to_string(),
            Reason::TemplateFile {
                file: template_file,
                removed: false,
            } => format!("the template's `{template_file}` changed"),
            Reason::TemplateFile {
                file: template_file,
                removed: true,
            } => format!("the template's `{template_file}` is gone"),
            Reason::Commentary { change } => match change {
                CommentaryChange::Added => "commentary added",
                CommentaryChange::Changed => "commentary changed",
                CommentaryChange::Removed => "commentary removed",
            }
            .to_string(),
            Reason::Letter(change) => change.to_string(),
            Reason::Data => "the figures it shows changed".to_string(),
            Reason::NotInRegister { code, .. } => {
                format!("`{code}` is no longer in authorities.csv")
            }
            Reason::Renamed { from, to, .. } => {
                format!("`{from}` is now called `{to}`, and its files have new names")
            }
            Reason::NotInTemplate => "the template no longer has it".to_string(),
            Reason::NoLongerMade => "the publication no longer has it".to_string(),
        }
    }
}

/// How a file the plan no longer holds is on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum OnDisk {
    /// As the manifest records it: the build removes it.
    AsRecorded,
    /// Gone already: the build drops its claim.
    Gone,
    /// Changed since the build put it there: not the tool's file any more, so it is left alone,
    /// reported, and its claim dropped.
    Changed,
}

/// A file the manifest records that the plan no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Removal {
    pub(crate) why: Reason,
    pub(crate) on_disk: OnDisk,
}

/// The year's folder against its plan.
#[derive(Debug, Default)]
pub(crate) struct Freshness {
    /// The planned files that are not current, with why, by path.
    pub(crate) stale: BTreeMap<String, Vec<Reason>>,
    /// The recorded files the plan no longer holds, by path.
    pub(crate) removals: BTreeMap<String, Removal>,
    /// Files in the year's folder that the tool did not make (or that changed after it removed
    /// them from its record): reported, never removed.
    pub(crate) foreign: Vec<String>,
}

/// Compares the plan of the prepared publication with the manifest `recorded` (none before the
/// first build) and the year's folder `year_dir`.
pub(crate) fn compare(
    prepared: &Prepared,
    plan: &Plan,
    recorded: Option<&Manifest>,
    stamps: &Stamps,
    year_dir: &Path,
) -> Freshness {
    let empty = Manifest::new(&plan.year);
    let manifest = recorded.unwrap_or(&empty);
    let check = Check {
        prepared,
        plan,
        manifest,
        stamps,
        year_dir,
    };
    let mut stale: BTreeMap<String, Vec<Reason>> = plan
        .files
        .par_iter()
        .filter_map(|(file, planned)| {
            let reasons = check.planned(file, &planned.source);
            (!reasons.is_empty()).then(|| (file.clone(), reasons))
        })
        .collect();
    // A copy of a file that is rebuilt is made again with it.
    let rebuilt_copies: Vec<(String, String)> = plan
        .files
        .iter()
        .filter_map(|(file, planned)| match &planned.source {
            Source::Copy(of) if stale.contains_key(of) && !stale.contains_key(file) => {
                Some((file.clone(), of.clone()))
            }
            _ => None,
        })
        .collect();
    for (file, of) in rebuilt_copies {
        stale.insert(file, vec![Reason::Copies { file: of }]);
    }
    // The files recorded that the plan no longer holds, and those a stopped build was removing.
    let removals = manifest
        .files
        .iter()
        .chain(&manifest.removing)
        .filter(|(file, _)| !plan.files.contains_key(*file))
        .map(|(file, entry)| (file.clone(), check.removal(file, entry)))
        .collect();
    Freshness {
        stale,
        removals,
        foreign: foreign(plan, manifest, year_dir),
    }
}

/// What [`compare`] compares.
struct Check<'a> {
    prepared: &'a Prepared,
    plan: &'a Plan,
    manifest: &'a Manifest,
    stamps: &'a Stamps,
    year_dir: &'a Path,
}

impl Check<'_> {
    /// Why the planned `file` is not current; empty when it is.
    fn planned(&self, file: &str, source: &Source) -> Vec<Reason> {
        let exists = || self.year_dir.join(file).exists();
        let Some(entry) = self.manifest.files.get(file) else {
            return vec![if exists() {
                Reason::NotRecorded
            } else {
                Reason::NotBuilt
            }];
        };
        let mut reasons = Vec::new();
        if !self
            .stamps
            .holds(self.year_dir, file, &entry.sha256, entry.bytes)
        {
            reasons.push(if exists() {
                Reason::Altered
            } else {
                Reason::Missing
            });
        }
        match (source, &entry.made_from) {
            (_, MadeFrom::Unknown) => reasons.push(Reason::EarlierVersion),
            (Source::Bytes { sha256, .. }, MadeFrom::Content)
            | (Source::Archived(ArchivedFile { sha256, .. }), MadeFrom::Content) => {
                if *sha256 != entry.sha256 {
                    reasons.push(Reason::Content);
                }
            }
            (Source::Copy(of), MadeFrom::Copy { of: recorded_of }) => {
                let copied = self.manifest.files.get(of).map(|e| &e.sha256);
                if recorded_of != of || copied != Some(&entry.sha256) {
                    reasons.push(Reason::Copies { file: of.clone() });
                }
            }
            (Source::Compiled { document, .. }, MadeFrom::Compiled(inputs)) => {
                self.compiled(&self.plan.documents[*document], inputs, &mut reasons);
            }
            _ => reasons.push(Reason::NoLongerMade),
        }
        reasons
    }

    /// Why a compiled file made from `inputs` would not be made the same from `document` now.
    fn compiled(&self, document: &PlannedDocument, inputs: &Inputs, reasons: &mut Vec<Reason>) {
        let template = &self.prepared.template;
        if inputs.tool != crate::TOOL {
            reasons.push(Reason::Tool {
                from: inputs.tool.clone(),
                to: crate::TOOL.to_string(),
            });
        }
        if inputs.fonts != template.fonts_sha256() {
            reasons.push(Reason::Fonts);
        }
        let Some(read) = self.manifest.reads.get(&inputs.template) else {
            reasons.push(Reason::EarlierVersion);
            return;
        };
        for (file, sha256) in read {
            match template.file_sha256(file) {
                None => reasons.push(Reason::TemplateFile {
                    file: file.clone(),
                    removed: true,
                }),
                Some(now) if now != sha256 => reasons.push(Reason::TemplateFile {
                    file: file.clone(),
                    removed: false,
                }),
                Some(_) => {}
            }
        }
        let change = match (&inputs.commentary, &document.commentary_sha256) {
            (None, Some(_)) => Some(CommentaryChange::Added),
            (Some(_), None) => Some(CommentaryChange::Removed),
            (Some(before), Some(now)) if before != now => Some(CommentaryChange::Changed),
            _ => None,
        };
        if let Some(change) = change {
            reasons.push(Reason::Commentary { change });
        }
        if inputs.data == document.data_sha256 {
            return;
        }
        let before = self.recorded_letter(&inputs.data);
        let now = document
            .keep_data
            .then(|| serde_json::from_slice::<LetterData>(&document.document.data).ok())
            .flatten();
        let changes = match (before, now) {
            (Some(before), Some(now)) => {
                let measures = &self.prepared.publication.declaration.measures;
                let words = |key: &str| {
                    measures
                        .iter()
                        .find(|m| m.key == key)
                        .map_or_else(|| key.replace('_', " "), |m| m.words.clone())
                };
                letter::changes(&before, &now, &words)
            }
            _ => Vec::new(),
        };
        if changes.is_empty() {
            reasons.push(Reason::Data);
        }
        reasons.extend(changes.into_iter().map(Reason::Letter));
    }

    /// The letter data the manifest keeps under `digest`, when it is a letter's this version reads.
    fn recorded_letter(&self, digest: &str) -> Option<LetterData> {
        serde_json::from_str(self.manifest.data.get(digest)?.get()).ok()
    }

    /// Why the recorded `file` no longer belongs, and how it is on disk.
    fn removal(&self, file: &str, entry: &Entry) -> Removal {
        let why = match layout::classify(file) {
            Some(FileKind::Asset) => Reason::NotInTemplate,
            Some(kind) => match kind.slug().and_then(|slug| self.council_of(slug)) {
                Some((code, name)) => {
                    let register = &self.prepared.publication.authorities;
                    match register.iter().find(|a| a.code == code) {
                        Some(now) => Reason::Renamed {
                            code,
                            from: name,
                            to: now.name.clone(),
                        },
                        None => Reason::NotInRegister { code, name },
                    }
                }
                None => Reason::NoLongerMade,
            },
            None => Reason::NoLongerMade,
        };
        let on_disk = if std::fs::symlink_metadata(self.year_dir.join(file)).is_err() {
            OnDisk::Gone
        } else if self
            .stamps
            .holds(self.year_dir, file, &entry.sha256, entry.bytes)
        {
            OnDisk::AsRecorded
        } else {
            OnDisk::Changed
        };
        Removal { why, on_disk }
    }

    /// The code and name of the council whose recorded files are named with `slug`, from what
    /// the manifest kept of the data of its letter or page.
    fn council_of(&self, slug: &str) -> Option<(String, String)> {
        layout::Edition::COUNCIL.iter().find_map(|edition| {
            let file = edition.file(slug);
            let entry =
                (self.manifest.files.get(&file)).or_else(|| self.manifest.removing.get(&file))?;
            let MadeFrom::Compiled(inputs) = &entry.made_from else {
                return None;
            };
            let data = self.recorded_letter(&inputs.data)?;
            Some((data.authority.code, data.authority.name))
        })
    }
}

/// The files in `year_dir` that neither the plan nor the manifest knows, and that are not the
/// tool's own bookkeeping, sorted.
fn foreign(plan: &Plan, manifest: &Manifest, year_dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = walkdir::WalkDir::new(year_dir)
        .min_depth(1)
        .into_iter()
        .flatten()
        .filter(|entry| !entry.file_type().is_dir())
        .filter_map(|entry| {
            let relative = entry.path().strip_prefix(year_dir).ok()?;
            let name = relative.to_string_lossy().replace('\\', "/");
            let known = plan.files.contains_key(&name)
                || manifest.files.contains_key(&name)
                || manifest.removing.contains_key(&name)
                || layout::is_bookkeeping(&name)
                || layout::is_delivery(&name)
                || crate::files::is_temporary(&entry.file_name().to_string_lossy());
            (!known).then_some(name)
        })
        .collect();
    found.sort();
    found
}
