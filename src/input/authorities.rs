//! `authorities.csv`: the register of authorities that get a letter, and how the rest of the
//! input refers to them (by code or exact name, compared in Unicode NFC).
//!
//! A reference must mean exactly one authority. A code or name that two rows share (a name
//! repeated, or one authority's name equal to another's code) is a problem of the register, and
//! so is every row that is rejected. References to such keys are not each reported again: they
//! are counted, and the count is added to the register problem that explains them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

// References are looked up once per row of the extract; the input is ours, not an attacker's
// hash-flooding vector, so the fast non-randomized hash is safe.
use icu_properties::CodePointSetData;
use icu_properties::props::DefaultIgnorableCodePoint;
use rustc_hash::FxHashMap;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::problems::{Problem, Problems};
use super::table::{Row, Table};
use super::{Authority, AuthorityType, CopyTo};

/// The columns `authorities.csv` must have.
pub const COLUMNS: &[&str] = &["code", "name", "type", "recipient", "recipient_title"];
/// The columns `authorities.csv` may have: the residents (required when a figure is per
/// resident), the recipient's e-mail addresses, and the people a copy of the letter goes to.
pub const OPTIONAL_COLUMNS: &[&str] = &["population", "email", "copies"];
const CODE: usize = 0;
pub(super) const NAME: usize = 1;
const TYPE: usize = 2;
pub(super) const RECIPIENT: usize = 3;
pub(super) const RECIPIENT_TITLE: usize = 4;
const POPULATION: usize = 5;
const EMAIL: usize = 6;
pub(super) const COPIES: usize = 7;

/// The most characters of a name that its file name keeps: well inside the 255 bytes a file
/// name may have, with room for the temporary name it is first written under.
const SLUG_LIMIT: usize = 100;

/// The register as loaded: the authorities that get a letter, and the codes and names that no
/// reference may use, each with the problem that explains why.
pub(crate) struct Register {
    pub(crate) authorities: Vec<Authority>,
    /// `authorities.csv`, and the field number of each of its [`COLUMNS`].
    pub(crate) path: PathBuf,
    pub(crate) fields: Vec<u64>,
    /// Unusable codes and names (NFC), each with its index in `causes`.
    unusable: HashMap<String, usize>,
    causes: Vec<Cause>,
    /// Whether the file could be read at all: when it could not (its problem says why), nothing
    /// can be said of references to it, and nothing is.
    read: bool,
}

/// A register problem that makes some references unusable.
struct Cause {
    /// Where the problem is: its line, and its column for a problem of one field; without a
    /// column, the first problem of a rejected row.
    line: u64,
    column: Option<u64>,
    /// What the references refer to, as the problem's addition says it: a key in backticks, or
    /// "this authority".
    subject: String,
}

/// The first row of a code or name.
struct Owner {
    line: u64,
    is_code: bool,
    /// The other key of that row, to name it: its name for a code, its code for a name.
    other: Option<String>,
}

/// Reads the register. `population_for` says why every authority must have a population, when a
/// figure is per resident; `by_email`, that the letters go by e-mail, so every authority needs an
/// address and every copy one too.
pub(crate) fn load(
    path: &Path,
    population_for: Option<&str>,
    by_email: bool,
    problems: &mut Problems,
) -> Register {
    let mut register = Register {
        authorities: Vec::new(),
        path: path.to_path_buf(),
        fields: Vec::new(),
        unusable: HashMap::new(),
        causes: Vec::new(),
        read: false,
    };
    let Some(table) = Table::open(path, COLUMNS, OPTIONAL_COLUMNS, problems) else {
        return register;
    };
    register.read = true;
    register.fields = (0..COLUMNS.len() + OPTIONAL_COLUMNS.len())
        .map(|c| table.field_number(c))
        .collect();
    let population_for = match population_for {
        Some(why) if !table.has(POPULATION) => {
            problems.push(Problem::new(
                table.header_location(),
                format!("missing column `population`, which {why}"),
            ));
            None
        }
        why => why,
    };
    let mut keys: HashMap<String, Owner> = HashMap::new();
    let mut slugs: HashMap<String, (u64, String)> = HashMap::new();
    table.for_each_row(problems, |row, problems| {
        let before = problems.len();
        let line = row.line();
        let code = required(row, CODE, "the authority's code, e.g. `E10000016`", problems)
            .map(|code| nfc(&code).into_owned())
            .and_then(|code| visible(row, CODE, code, problems));
        let name =
            required(row, NAME, "the authority's display name, e.g. `Kent County Council`", problems)
                .map(|name| nfc(&name).into_owned())
                .and_then(|name| visible(row, NAME, name, problems));
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
        let population = population(row, population_for, problems);
        let email: Vec<String> = list(row, EMAIL, problems)
            .into_iter()
            .map(str::to_string)
            .collect();
        let copies: Vec<CopyTo> = list(row, COPIES, problems)
            .into_iter()
            .filter_map(|text| copy_to(row, text, problems))
            .collect();
        check_addresses(row, &email, &copies, by_email, problems);
        if let Some(code) = &code {
            register.claim(&mut keys, row, CODE, code, name.as_deref(), problems);
        }
        let mut slug = None;
        if let Some(name) = &name
            && register.claim(&mut keys, row, NAME, name, code.as_deref(), problems)
        {
            let candidate = slug_of(name, code.as_deref().unwrap_or(""));
            if crate::layout::RESERVED_SLUGS.contains(&candidate.as_str()) {
                problems.push(row.problem(
                    NAME,
                    format!(
                        "found `{name}`, whose file names would be `{candidate}.pdf` and `{candidate}.html`, expected another name: a web server serves `{candidate}.html` as its folder's index"
                    ),
                ));
            } else if let Some((first, other)) = slugs.get(&candidate) {
                let cut = slug_of_uncut(name, code.as_deref().unwrap_or("")) != candidate;
                problems.push(
                    row.problem(
                        NAME,
                        format!(
                            "found `{name}`, whose file name `{candidate}.pdf` is already taken by `{other}` (line {first}), expected names that differ in letters or digits"
                        ),
                    )
                    .with_hint(cut.then(|| {
                        format!("a file name keeps at most the first {SLUG_LIMIT} characters of a name")
                    })),
                );
            } else {
                slugs.insert(candidate.clone(), (line, name.clone()));
                slug = Some(candidate);
            }
        }
        if problems.len() > before {
            // Rejected: references to it are explained by its first problem.
            let cause = register.cause(line, None, "this authority".to_string());
            for key in code.iter().chain(&name) {
                register.unusable.entry(key.clone()).or_insert(cause);
            }
            return;
        }
        if let (Some(code), Some(name), Some(kind), Some(recipient), Some(recipient_title), Some(slug)) =
            (code, name, kind, recipient, recipient_title, slug)
        {
            register.authorities.push(Authority {
                code,
                name,
                kind,
                recipient,
                recipient_title,
                population,
                email,
                copies,
                slug,
                line,
            });
        }
    });
    register
}

impl Register {
    /// Records `key`, the code or name (`column`) of `row`, as taken; reports it if an earlier
    /// row has it already, as its code or its name, and makes it unusable. `other` is the row's
    /// other key. Returns whether the key was free.
    fn claim(
        &mut self,
        keys: &mut HashMap<String, Owner>,
        row: &Row,
        column: usize,
        key: &str,
        other: Option<&str>,
        problems: &mut Problems,
    ) -> bool {
        let is_code = column == CODE;
        let Some(owner) = keys.get(key) else {
            keys.insert(
                key.to_string(),
                Owner {
                    line: row.line(),
                    is_code,
                    other: other.map(str::to_string),
                },
            );
            return true;
        };
        if owner.line == row.line() {
            // A row whose name is its own code: a reference to it still means one authority.
            return true;
        }
        let first = owner.line;
        // The earlier row by its other key, `Kent County Council` for a code.
        let that = match &owner.other {
            Some(other) => format!("`{other}` on line {first}"),
            None => format!("the authority on line {first}"),
        };
        let message = match (is_code, owner.is_code) {
            (true, true) => {
                format!("found `{key}` again (first on line {first}), expected a unique code")
            }
            (false, false) => {
                format!("found `{key}` again (first on line {first}), expected a unique name")
            }
            (false, true) => format!(
                "found `{key}`, which is also the code of {that}, expected a name that no authority has as its code"
            ),
            (true, false) => format!(
                "found `{key}`, which is also the name of {that}, expected a code that no authority has as its name"
            ),
        };
        problems.push(row.problem(column, message));
        let cause = self.cause(row.line(), Some(self.fields[column]), format!("`{key}`"));
        self.unusable.insert(key.to_string(), cause);
        false
    }

    fn cause(&mut self, line: u64, column: Option<u64>, subject: String) -> usize {
        self.causes.push(Cause {
            line,
            column,
            subject,
        });
        self.causes.len() - 1
    }

    /// A count of references for each cause, all zero.
    pub(crate) fn no_referrals(&self) -> Vec<u64> {
        vec![0; self.causes.len()]
    }

    /// Adds to each register problem that made references unusable how many rows of each file
    /// (named, with its counts by cause) refer to what it is about.
    pub(crate) fn report_referrals(
        &self,
        referrals: &[(&Path, Vec<u64>)],
        problems: &mut Problems,
    ) {
        for (index, cause) in self.causes.iter().enumerate() {
            let counts: Vec<String> = referrals
                .iter()
                .filter(|(_, counts)| counts[index] > 0)
                .map(|(file, counts)| {
                    let n = counts[index];
                    let file = file.file_name().unwrap_or_default().to_string_lossy();
                    format!("{n} row{} of {file}", if n == 1 { "" } else { "s" })
                })
                .collect();
            if counts.is_empty() {
                continue;
            }
            let single = counts.len() == 1 && counts[0].starts_with("1 ");
            if let Some(problem) = problems.shown_at(&self.path, cause.line, cause.column) {
                problem.message.push_str(&format!(
                    "; {} refer{} to {}",
                    counts.join(" and "),
                    if single { "s" } else { "" },
                    cause.subject
                ));
            }
        }
    }
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

/// The residents of a row's authority: a positive whole number, or nothing when the column is
/// empty and no figure needs it (`population_for` says why one does).
fn population(row: &Row, population_for: Option<&str>, problems: &mut Problems) -> Option<u64> {
    let text = row.text(POPULATION).map_err(|p| problems.push(p)).ok()?;
    if text.is_empty() {
        if let Some(why) = population_for {
            problems.push(row.problem(
                POPULATION,
                format!("found an empty value, expected the number of residents, which {why}"),
            ));
        }
        return None;
    }
    match text.parse::<u64>() {
        Ok(residents) if residents > 0 => Some(residents),
        _ => {
            problems.push(row.problem(
                POPULATION,
                format!(
                    "found `{text}`, expected a positive whole number of residents, e.g. `1610000`"
                ),
            ));
            None
        }
    }
}

/// The `;`-separated entries of an optional column, trimmed, empty ones dropped.
fn list<'a>(row: &'a Row, column: usize, problems: &mut Problems) -> Vec<&'a str> {
    match row.text(column) {
        Ok(text) => text
            .split(';')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect(),
        Err(problem) => {
            problems.push(problem);
            Vec::new()
        }
    }
}

/// Checks a row's addresses: each one an e-mail address, none twice among the recipient's and the
/// copies'; and, when the letters go by e-mail, a recipient's address and one for every copy.
fn check_addresses(
    row: &Row,
    email: &[String],
    copies: &[CopyTo],
    by_email: bool,
    problems: &mut Problems,
) {
    let why = "the letters go by e-mail (publication.toml has a [delivery] table)";
    if by_email && email.is_empty() {
        problems.push(row.problem(
            EMAIL,
            format!("found an empty value, expected the recipient's e-mail address: {why}"),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    let addresses = email.iter().map(|address| (EMAIL, address.as_str())).chain(
        copies
            .iter()
            .filter_map(|copy| Some((COPIES, copy.email.as_deref()?))),
    );
    for (column, address) in addresses {
        if address.parse::<lettre::Address>().is_err() {
            problems.push(row.problem(
                column,
                format!("found `{address}`, expected an e-mail address, e.g. `chief.executive@kent.example`"),
            ));
            continue;
        }
        let key = address.to_ascii_lowercase();
        if seen.contains(&key) {
            problems.push(row.problem(
                column,
                format!("found `{address}` twice, expected each address once (a message goes once to each)"),
            ));
        }
        seen.push(key);
    }
    if by_email {
        for copy in copies.iter().filter(|copy| copy.email.is_none()) {
            problems.push(row.problem(
                COPIES,
                format!(
                    "found `{}: {}` without an address, expected `Title: Name <address>`: {why}",
                    copy.title, copy.name
                ),
            ));
        }
    }
}

/// One entry of `copies`: `Title: Name <address>`, the address optional.
fn copy_to(row: &Row, text: &str, problems: &mut Problems) -> Option<CopyTo> {
    let expected = "expected a copy as `Title: Name <address>`, e.g. `Leader of the Council: Cllr Jane Smith <leader@kent.example>`";
    let parsed = text.split_once(':').and_then(|(title, rest)| {
        let rest = rest.trim();
        let (name, email) = match rest.strip_suffix('>').and_then(|r| r.rsplit_once('<')) {
            Some((name, email)) => (name.trim(), Some(email.trim().to_string())),
            None => (rest, None),
        };
        let title = title.trim();
        (!title.is_empty() && !name.is_empty() && !name.contains(['<', '>'])).then(|| CopyTo {
            title: title.to_string(),
            name: name.to_string(),
            email,
        })
    });
    if parsed.is_none() {
        problems.push(row.problem(COPIES, format!("found `{text}`, {expected}")));
    }
    parsed
}

/// `text` when every character of it shows: a code or name with an invisible character in it (a
/// zero-width space, a bidirectional control) would look like another authority's and be a
/// different one, so it is refused at its line.
fn visible(row: &Row, column: usize, text: String, problems: &mut Problems) -> Option<String> {
    let ignorable = CodePointSetData::new::<DefaultIgnorableCodePoint>();
    let Some(invisible) = text.chars().find(|&c| ignorable.contains(c)) else {
        return Some(text);
    };
    let shown: String = text
        .chars()
        .map(|c| {
            if ignorable.contains(c) {
                format!("<U+{:04X}>", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect();
    problems.push(row.problem(
        column,
        format!(
            "found `{shown}`, which holds an invisible character (U+{:04X}), expected only characters that show",
            u32::from(invisible)
        ),
    ));
    None
}

/// `text` in Unicode Normalization Form C, the form names are stored, compared and printed in:
/// `ô` typed as one character and as `o` with a combining accent are one name. Most text is
/// already in NFC and is not copied.
pub(crate) fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// The letter's file name (without `.pdf`), made from the name by these rules, in order:
///
/// 1. transliterated to plain ASCII (`ô` → `o`, `ß` → `ss`, `Ελλάδα` → `Ellada`);
/// 2. `&` written as `and`, apostrophes dropped (`King's Lynn` → `Kings Lynn`);
/// 3. letters and digits in lower case, every run of anything else as one dash, none at either
///    end (`Brighton & Hove [*draft*]` → `brighton-and-hove-draft`);
/// 4. at most 100 characters: a longer one is cut at its last dash within them, or at 100
///    characters if there is none;
/// 5. a name with no letters or digits falls back to the code, by the same rules.
pub(crate) fn slug_of(name: &str, code: &str) -> String {
    let mut slug = slug_of_uncut(name, code);
    if slug.len() > SLUG_LIMIT {
        // All ASCII by now, so byte offsets are characters. A dash right after the limit cuts
        // the slug at exactly the limit.
        let cut = slug[..=SLUG_LIMIT].rfind('-').unwrap_or(SLUG_LIMIT);
        slug.truncate(cut);
    }
    slug
}

/// [`slug_of`] before it is cut to length.
fn slug_of_uncut(name: &str, code: &str) -> String {
    // Characters with no transliteration become a space: a separator like any other.
    let ascii = deunicode::deunicode_with_tofu(name, " ");
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_dash = false;
    for c in ascii.replace('&', " and ").chars() {
        if c == '\'' {
            // "King's Lynn" reads better as `kings-lynn` than `king-s-lynn`.
            continue;
        }
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    if slug.is_empty() && !code.is_empty() {
        return slug_of_uncut(code, "");
    }
    slug
}

/// Finds authorities by code or exact name, compared in NFC.
pub(crate) struct AuthorityLookup<'a> {
    authorities: &'a [Authority],
    by_key: FxHashMap<&'a str, Key>,
    /// Whether the register could be read: when it could not, no reference can be checked.
    checked: bool,
}

#[derive(Clone, Copy)]
enum Key {
    Authority(usize),
    /// A key of the register that no reference may use; the index of its cause.
    Unusable(usize),
}

/// What a reference refers to.
pub(crate) enum Resolution {
    /// The authority with this index.
    Found(usize),
    /// A key the register made unusable, with the index of its cause; already reported there.
    Unusable(usize),
    Unknown,
    /// The register could not be read (and says why): the reference cannot be checked.
    Unchecked,
}

impl<'a> AuthorityLookup<'a> {
    /// The lookup of a valid register.
    pub(crate) fn new(authorities: &'a [Authority]) -> Self {
        let mut by_key =
            FxHashMap::with_capacity_and_hasher(authorities.len() * 2, Default::default());
        for (index, authority) in authorities.iter().enumerate() {
            by_key.insert(authority.name.as_str(), Key::Authority(index));
            by_key.insert(authority.code.as_str(), Key::Authority(index));
        }
        AuthorityLookup {
            authorities,
            by_key,
            checked: true,
        }
    }

    /// The lookup of a register as loaded, which knows its unusable keys.
    pub(crate) fn of_register(register: &'a Register) -> Self {
        let mut lookup = AuthorityLookup::new(&register.authorities);
        for (key, &cause) in &register.unusable {
            lookup.by_key.insert(key.as_str(), Key::Unusable(cause));
        }
        lookup.checked = register.read;
        lookup
    }

    pub(crate) fn resolve(&self, code_or_name: &str) -> Resolution {
        if !self.checked {
            return Resolution::Unchecked;
        }
        match self.by_key.get(nfc(code_or_name).as_ref()) {
            Some(Key::Authority(index)) => Resolution::Found(*index),
            Some(Key::Unusable(cause)) => Resolution::Unusable(*cause),
            None => Resolution::Unknown,
        }
    }

    /// The authority with this code or name.
    pub(crate) fn find(&self, code_or_name: &str) -> Option<usize> {
        match self.resolve(code_or_name) {
            Resolution::Found(index) => Some(index),
            Resolution::Unusable(_) | Resolution::Unknown | Resolution::Unchecked => None,
        }
    }

    pub(crate) fn code(&self, index: usize) -> &str {
        &self.authorities[index].code
    }

    /// The name or code closest to `found`, if one is close enough to be a plausible typo.
    fn closest_key(&self, found: &str) -> Option<&'a str> {
        let names = self.authorities.iter().map(|a| a.name.as_str());
        let codes = self.authorities.iter().map(|a| a.code.as_str());
        super::suggest::closest(found, names.chain(codes))
    }

    /// The authority whose name or code is closest to `found`, if one is close enough to be a
    /// plausible typo.
    pub(crate) fn closest(&self, found: &str) -> Option<usize> {
        self.find(self.closest_key(found)?)
    }

    /// "did you mean `…`?" for a code or name that is not in the register.
    pub(crate) fn suggestion(&self, found: &str) -> Option<String> {
        self.closest_key(found)
            .map(|key| format!("did you mean `{key}`?"))
    }
}

#[cfg(test)]
mod tests {
    use super::{nfc, slug_of};

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
        assert_eq!(slug_of("King’s Lynn", "E1"), "kings-lynn");
        assert_eq!(slug_of("#read(\"/etc/passwd\")", "E1"), "read-etc-passwd");
        assert_eq!(slug_of("***", "E06000053"), "e06000053");
    }

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(slug_of("Côte Council", "E1"), "cote-council");
        assert_eq!(slug_of("Co\u{302}te Council", "E1"), "cote-council");
        assert_eq!(slug_of("Großstadt", "E1"), "grossstadt");
        assert_eq!(slug_of("Δήμος Αθηναίων", "E1"), "demos-athenaion");
        // A character with no transliteration (here, one of private use) is a separator.
        assert_eq!(slug_of("\u{E000}", "E1"), "e1");
        assert_eq!(slug_of("A\u{E000}B", "E1"), "a-b");
    }

    #[test]
    fn slugs_are_cut_at_a_dash_within_100_characters() {
        let long = "Word ".repeat(30);
        let slug = slug_of(&long, "E1");
        assert_eq!(slug, ["word"; 20].join("-"));
        assert_eq!(slug.len(), 99);
        // A dash just after the limit cuts at exactly the limit.
        let exact = format!("{} tail", "a".repeat(100));
        assert_eq!(slug_of(&exact, "E1"), "a".repeat(100));
        // Without a dash, at the limit.
        assert_eq!(slug_of(&"b".repeat(150), "E1"), "b".repeat(100));
    }

    #[test]
    fn names_are_compared_in_nfc() {
        assert_eq!(nfc("Co\u{302}te"), "C\u{f4}te");
        assert!(matches!(nfc("C\u{f4}te"), std::borrow::Cow::Borrowed(_)));
    }
}
