//! `publication.toml`: the year being published, its dates, template and signatory.

use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::figures::at;
use super::problems::{Location, Problem, Problems, read_file, utf8_text};
use super::suggest;

/// How the average in similar authorities is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum AverageMethod {
    /// The mean of the unrounded rates of the authorities of the type with a non-zero denominator.
    MeanOfRates,
    /// The type's summed numerators divided by its summed denominators.
    Pooled,
}

impl AverageMethod {
    pub(crate) fn label(self) -> &'static str {
        match self {
            AverageMethod::MeanOfRates => "mean-of-rates",
            AverageMethod::Pooled => "pooled",
        }
    }
}

/// Who signs the letters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Signatory {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) titles: Vec<String>,
}

/// The validated contents of `publication.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublicationConfig {
    /// The year's label, e.g. `2020-21`: used in file names and headings.
    pub(crate) year: String,
    pub(crate) period_start: NaiveDate,
    pub(crate) period_end: NaiveDate,
    pub(crate) letter_date: NaiveDate,
    pub(crate) publish_date: NaiveDate,
    /// The template folder's name inside the templates folder.
    pub(crate) template: String,
    pub(crate) average: AverageMethod,
    pub(crate) signatory: Signatory,
    /// How the letters go by e-mail, when they do.
    pub(crate) delivery: Option<Delivery>,
}

/// publication.toml's `[delivery]`: who the covering e-mails come from, and how they are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// `Annual Review <annual.review@lgo.example>`: the From of every message.
    pub(crate) from: lettre::message::Mailbox,
    /// Where replies go, if not to `from`.
    pub(crate) reply_to: Option<lettre::message::Mailbox>,
    /// The SMTP server `send` uses when `--smtp` does not name one.
    pub(crate) smtp: Option<String>,
    /// The largest message `outbox` writes, in bytes once encoded.
    pub(crate) size_limit: u64,
    /// The most messages `send` sends in a minute.
    pub(crate) per_minute: u32,
}

impl Delivery {
    /// 10 MB: a common smallest limit on a whole message, once encoded.
    pub(crate) const DEFAULT_SIZE_LIMIT_MB: f64 = 10.0;
    /// 30 a minute: what Exchange Online accepts on SMTP AUTH.
    pub(crate) const DEFAULT_PER_MINUTE: u32 = 30;
}

/// `[delivery]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    from: Spanned<String>,
    reply_to: Option<Spanned<String>>,
    smtp: Option<String>,
    size_limit_mb: Option<Spanned<f64>>,
    per_minute: Option<Spanned<u32>>,
}

/// Where the signatory's name and titles are in `publication.toml`, for problems found after
/// loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatoryOrigins {
    pub(crate) name: Location,
    /// One for each title.
    pub(crate) titles: Vec<Location>,
}

/// The file as written, with the position of every value for error messages.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    year: Spanned<String>,
    period_start: Spanned<toml::value::Datetime>,
    period_end: Spanned<toml::value::Datetime>,
    letter_date: Spanned<toml::value::Datetime>,
    publish_date: Spanned<toml::value::Datetime>,
    template: Spanned<String>,
    average: AverageMethod,
    signatory: RawSignatory,
    delivery: Option<RawDelivery>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSignatory {
    name: Spanned<String>,
    #[serde(default)]
    titles: Vec<Spanned<String>>,
}

/// Reads and checks `path`. `templates_dir` is where the named template folder must exist.
pub(crate) fn load(
    path: &Path,
    templates_dir: &Path,
    problems: &mut Problems,
) -> Option<(PublicationConfig, SignatoryOrigins)> {
    let bytes = read_file(
        path,
        "the publication settings (year, dates, template, signatory)",
        problems,
    )?;
    let text = utf8_text(path, bytes, problems)?;
    let raw: RawConfig = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(error) => {
            problems.push(super::figures::toml_problem(path, &text, &error));
            return None;
        }
    };
    let before = problems.len();
    let date = |field: &str, value: &Spanned<toml::value::Datetime>, problems: &mut Problems| {
        let found = value.get_ref();
        let date = match (found.date, found.time, found.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
            }
            _ => None,
        };
        if date.is_none() {
            problems.push(Problem::new(
                at(path, &text, value.span()),
                format!("`{field}`: found `{found}`, expected a date such as 2021-07-21"),
            ));
        }
        date
    };
    let period_start = date("period_start", &raw.period_start, problems);
    let period_end = date("period_end", &raw.period_end, problems);
    let letter_date = date("letter_date", &raw.letter_date, problems);
    let publish_date = date("publish_date", &raw.publish_date, problems);
    // Each date on or after the one before it, with the reason when it is not.
    let order = [
        ("period_start", &raw.period_start, period_start, ""),
        ("period_end", &raw.period_end, period_end, ""),
        (
            "letter_date",
            &raw.letter_date,
            letter_date,
            ": a letter reports on a year that has ended",
        ),
        (
            "publish_date",
            &raw.publish_date,
            publish_date,
            ": letters are not published before the date they bear",
        ),
    ];
    for pair in order.windows(2) {
        let (before, _, earlier, _) = pair[0];
        let (field, value, later, reason) = pair[1];
        if let (Some(earlier), Some(later)) = (earlier, later)
            && later < earlier
        {
            problems.push(Problem::new(
                at(path, &text, value.span()),
                format!(
                    "`{field}`: found {later}, expected a day on or after `{before}` ({earlier}){reason}"
                ),
            ));
        }
    }

    let year = raw.year.get_ref().trim();
    let year_is_safe = year.starts_with(|c: char| c.is_ascii_alphanumeric())
        && year
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !year_is_safe {
        problems.push(Problem::new(
            at(path, &text, raw.year.span()),
            format!(
                "`year`: found `{year}`, expected a label of letters, digits and dashes that starts with a letter or digit, such as `2020-21` (it names the output folder)"
            ),
        ));
    }

    check_template(path, &text, &raw.template, templates_dir, problems);

    if raw.signatory.name.get_ref().trim().is_empty() {
        problems.push(Problem::new(
            at(path, &text, raw.signatory.name.span()),
            "`signatory.name`: found an empty name, expected who signs the letters",
        ));
    }

    if problems.len() > before {
        return None;
    }
    let origins = SignatoryOrigins {
        name: at(path, &text, raw.signatory.name.span()),
        titles: raw
            .signatory
            .titles
            .iter()
            .map(|title| at(path, &text, title.span()))
            .collect(),
    };
    let delivery = raw
        .delivery
        .as_ref()
        .and_then(|raw| delivery(path, &text, raw, problems));
    if raw.delivery.is_some() && delivery.is_none() {
        return None;
    }
    let config = PublicationConfig {
        year: year.to_string(),
        period_start: period_start?,
        period_end: period_end?,
        letter_date: letter_date?,
        publish_date: publish_date?,
        template: raw.template.into_inner(),
        average: raw.average,
        signatory: Signatory {
            name: raw.signatory.name.into_inner(),
            titles: raw
                .signatory
                .titles
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
        },
        delivery,
    };
    Some((config, origins))
}

/// Checks `[delivery]`: addresses that parse, limits above zero.
fn delivery(
    path: &Path,
    text: &str,
    raw: &RawDelivery,
    problems: &mut Problems,
) -> Option<Delivery> {
    let before = problems.len();
    let mailbox = |field: &str, value: &Spanned<String>, problems: &mut Problems| {
        let found = value.get_ref().trim();
        match found.parse::<lettre::message::Mailbox>() {
            Ok(mailbox) => Some(mailbox),
            Err(_) => {
                problems.push(Problem::new(
                    at(path, text, value.span()),
                    format!(
                        "`delivery.{field}`: found `{found}`, expected an e-mail address, e.g. `annual.review@lgo.example` or `Annual Review <annual.review@lgo.example>`"
                    ),
                ));
                None
            }
        }
    };
    let from = mailbox("from", &raw.from, problems);
    let reply_to = raw
        .reply_to
        .as_ref()
        .and_then(|value| mailbox("reply_to", value, problems));
    let positive = |field: &str,
                    value: Option<f64>,
                    span: Option<std::ops::Range<usize>>,
                    problems: &mut Problems| {
        if let Some(value) = value
            && !(value.is_finite() && value > 0.0)
        {
            problems.push(Problem::new(
                at(path, text, span.unwrap_or(0..0)),
                format!("`delivery.{field}`: found {value}, expected a number above zero"),
            ));
        }
    };
    positive(
        "size_limit_mb",
        raw.size_limit_mb.as_ref().map(|v| *v.get_ref()),
        raw.size_limit_mb.as_ref().map(Spanned::span),
        problems,
    );
    positive(
        "per_minute",
        raw.per_minute.as_ref().map(|v| f64::from(*v.get_ref())),
        raw.per_minute.as_ref().map(Spanned::span),
        problems,
    );
    if problems.len() > before {
        return None;
    }
    Some(Delivery {
        from: from?,
        reply_to,
        smtp: raw.smtp.clone(),
        // Megabytes of 1,000,000 bytes, as providers state their limits.
        size_limit: (raw
            .size_limit_mb
            .as_ref()
            .map_or(Delivery::DEFAULT_SIZE_LIMIT_MB, |v| *v.get_ref())
            * 1_000_000.0) as u64,
        per_minute: raw
            .per_minute
            .as_ref()
            .map_or(Delivery::DEFAULT_PER_MINUTE, |v| *v.get_ref()),
    })
}

/// Whether `name` can only name a folder directly inside the templates folder.
pub(crate) fn is_plain_template_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
}

/// The template must be a folder of `templates_dir` holding a `main.typ`.
fn check_template(
    path: &Path,
    text: &str,
    template: &Spanned<String>,
    templates_dir: &Path,
    problems: &mut Problems,
) {
    let name = template.get_ref();
    if is_plain_template_name(name) && templates_dir.join(name).join("main.typ").is_file() {
        return;
    }
    let available = available_templates(templates_dir);
    let listed = if available.is_empty() {
        "none found".to_string()
    } else {
        available
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    problems.push(
        Problem::new(
            at(path, text, template.span()),
            format!(
                "`template`: found `{name}`, expected a folder with a main.typ in `{}` (available: {listed})",
                templates_dir.display()
            ),
        )
        .with_hint(
            suggest::closest(name, available.iter().map(String::as_str))
                .map(|t| format!("did you mean `{t}`?")),
        ),
    );
}

/// The folders of `templates_dir` that hold a `main.typ`, sorted.
fn available_templates(templates_dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = std::fs::read_dir(templates_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join("main.typ").is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    found.sort();
    found
}
