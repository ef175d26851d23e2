//! Text the letters print that the template's fonts cannot show.
//!
//! Typst has no glyph for such a character and the letter fails to compile, far from the value
//! that caused it. This check runs once the template is loaded and names every value with such
//! a character at its place in the input.

use icu_properties::CodePointSetData;
use icu_properties::props::DefaultIgnorableCodePoint;

use super::Publication;
use super::authorities::{COPIES, NAME, RECIPIENT, RECIPIENT_TITLE};
use super::problems::{Location, Problem, Problems};

/// Reports every text value a letter prints (an authority's name, recipient and recipient's
/// title; the service areas; the signatory's name and titles) that holds a character for which
/// `can_show` is false. Whitespace, control characters and default-ignorable characters (zero
/// width joiners, variation selectors…) print nothing and need no font.
pub(crate) fn check_printable(
    publication: &Publication,
    can_show: &dyn Fn(char) -> bool,
    problems: &mut Problems,
) {
    let origins = &publication.origins;
    for authority in &publication.authorities {
        let copies = authority
            .copies
            .iter()
            .flat_map(|copy| [(COPIES, &copy.title), (COPIES, &copy.name)]);
        for (column, text) in [
            (NAME, &authority.name),
            (RECIPIENT, &authority.recipient),
            (RECIPIENT_TITLE, &authority.recipient_title),
        ]
        .into_iter()
        .chain(copies)
        {
            let location = Location::at(
                &origins.authorities,
                authority.line,
                origins.authority_fields[column],
            );
            let name = super::AUTHORITY_COLUMNS
                .iter()
                .chain(super::AUTHORITY_OPTIONAL_COLUMNS)
                .nth(column)
                .expect("a column of the register");
            let what = format!("column `{name}`");
            check(text, location, &what, can_show, problems);
        }
    }
    for (category, location) in publication
        .extract
        .categories
        .iter()
        .zip(&origins.categories)
    {
        check(
            category,
            location.clone(),
            "column `category`",
            can_show,
            problems,
        );
    }
    let signatory = &publication.config.signatory;
    check(
        &signatory.name,
        origins.signatory.name.clone(),
        "`signatory.name`",
        can_show,
        problems,
    );
    for (title, location) in signatory.titles.iter().zip(&origins.signatory.titles) {
        check(
            title,
            location.clone(),
            "`signatory.titles`",
            can_show,
            problems,
        );
    }
}

/// Reports `text`, the value `what` at `location`, if it has characters `can_show` rejects.
fn check(
    text: &str,
    location: Location,
    what: &str,
    can_show: &dyn Fn(char) -> bool,
    problems: &mut Problems,
) {
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let mut missing: Vec<char> = Vec::new();
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() || ignorable.contains(c) {
            continue;
        }
        if !missing.contains(&c) && !can_show(c) {
            missing.push(c);
        }
    }
    let mut named: Vec<String> = missing
        .iter()
        .map(|c| format!("`{c}` (U+{:04X})", u32::from(*c)))
        .collect();
    let listed = match named.pop() {
        None => return,
        Some(last) if named.is_empty() => last,
        Some(last) => format!("{} and {last}", named.join(", ")),
    };
    problems.push(
        Problem::new(
            location,
            format!(
                "{what}: found {listed} in `{text}`, expected only characters the template's fonts can show"
            ),
        )
        .with_hint(Some(
            "replace it, or add a font that has it to the template's folder".to_string(),
        )),
    );
}
