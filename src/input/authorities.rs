//! `authorities.csv`: the register of authorities that get a letter.

use std::collections::HashMap;
use std::path::Path;

use super::problems::Problems;
use super::table::{Row, Table};
use super::{Authority, AuthorityType};

/// The columns `authorities.csv` must have.
pub const COLUMNS: &[&str] = &["code", "name", "type", "recipient", "recipient_title"];
const CODE: usize = 0;
const NAME: usize = 1;
const TYPE: usize = 2;
const RECIPIENT: usize = 3;
const RECIPIENT_TITLE: usize = 4;

pub fn load(path: &Path, problems: &mut Problems) -> Vec<Authority> {
    let Some(table) = Table::open(path, COLUMNS, problems) else {
        return Vec::new();
    };
    let mut authorities: Vec<Authority> = Vec::new();
    // First line of every code, name and slug seen, to name both lines of a duplicate.
    let mut codes: HashMap<String, u64> = HashMap::new();
    let mut names: HashMap<String, u64> = HashMap::new();
    let mut slugs: HashMap<String, (u64, String)> = HashMap::new();
    table.for_each_row(problems, |row, problems| {
        let code = required(row, CODE, "the authority's code, e.g. `E10000016`", problems);
        let name =
            required(row, NAME, "the authority's display name, e.g. `Kent County Council`", problems);
        let kind = row
            .choice(TYPE, &AuthorityType::LABELS, problems)
            .map(|index| AuthorityType::ALL[index]);
        let recipient =
            required(row, RECIPIENT, "who the letter is addressed to, e.g. `Mr Cockburn`", problems);
        let recipient_title = required(
            row,
            RECIPIENT_TITLE,
            "the recipient's title, e.g. `Chief Executive`",
            problems,
        );
        let line = row.line();
        if let Some(code) = &code
            && let Some(first) = codes.insert(code.clone(), line)
        {
            codes.insert(code.clone(), first);
            problems.push(row.problem(
                CODE,
                format!("found `{code}` again (first on line {first}), expected a unique code"),
            ));
        }
        let mut slug = None;
        if let Some(name) = &name {
            if let Some(first) = names.insert(name.clone(), line) {
                names.insert(name.clone(), first);
                problems.push(row.problem(
                    NAME,
                    format!("found `{name}` again (first on line {first}), expected a unique name"),
                ));
            } else {
                let candidate = slug_of(name, code.as_deref().unwrap_or(""));
                if let Some((first, other)) = slugs.get(&candidate) {
                    problems.push(row.problem(
                        NAME,
                        format!(
                            "found `{name}`, whose file name `{candidate}.pdf` is already taken by `{other}` (line {first}), expected names that differ in letters or digits"
                        ),
                    ));
                } else {
                    slugs.insert(candidate.clone(), (line, name.clone()));
                    slug = Some(candidate);
                }
            }
        }
        if let (Some(code), Some(name), Some(kind), Some(recipient), Some(recipient_title), Some(slug)) =
            (code, name, kind, recipient, recipient_title, slug)
        {
            authorities.push(Authority { code, name, kind, recipient, recipient_title, slug });
        }
    });
    authorities
}

/// The text of a column that must not be empty.
fn required(row: &Row, column: usize, what: &str, problems: &mut Problems) -> Option<String> {
    match row.text(column) {
        Ok("") => {
            problems.push(row.problem(column, format!("found an empty value, expected {what}")));
            None
        }
        Ok(text) => Some(text.to_string()),
        Err(problem) => {
            problems.push(problem);
            None
        }
    }
}

/// The letter's file name (without `.pdf`): the name in lower case, `&` as `and`, apostrophes
/// dropped, every run of other characters as one dash. Falls back to the code for a name with no letters or digits.
pub fn slug_of(name: &str, code: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.replace('&', " and ").chars() {
        if matches!(c, '\'' | '’') {
            // "King's Lynn" reads better as `kings-lynn` than `king-s-lynn`.
            continue;
        }
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.is_empty() && !code.is_empty() {
        return slug_of(code, "");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slug_of;

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slug_of("Kent County Council", "E1"), "kent-county-council");
        assert_eq!(
            slug_of("Brighton & Hove [*draft*]", "E1"),
            "brighton-and-hove-draft"
        );
        assert_eq!(
            slug_of("  King's Lynn -- West Norfolk ", "E1"),
            "kings-lynn-west-norfolk"
        );
        assert_eq!(slug_of("#read(\"/etc/passwd\")", "E1"), "read-etc-passwd");
        assert_eq!(slug_of("***", "E06000053"), "e06000053");
    }
}
