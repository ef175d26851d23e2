//! `publication.toml`'s dates, and text that the template's fonts cannot show: caught by `check`
//! before any letter is compiled.

use crate::common::Fixture;

fn replace_in(fixture: &Fixture, file: &str, from: &str, to: &str) {
    let text = fixture.read(file);
    assert!(text.contains(from), "{file} lacks {from:?}");
    fixture.write(file, text.replace(from, to));
}

#[test]
fn letters_are_not_published_before_their_date() {
    let fixture = Fixture::new("small");
    replace_in(
        &fixture,
        "publication.toml",
        "publish_date = 2021-07-28",
        "publish_date = 2021-07-20",
    );
    let publication = fixture.shown("publication.toml");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{publication}:6:16: `publish_date`: found 2021-07-20, expected a day on or after `letter_date` (2021-07-21): letters are not published before the date they bear\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn letters_are_not_dated_before_the_year_ends() {
    let fixture = Fixture::new("small");
    replace_in(
        &fixture,
        "publication.toml",
        "letter_date = 2021-07-21",
        "letter_date = 2021-03-01",
    );
    let publication = fixture.shown("publication.toml");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{publication}:5:15: `letter_date`: found 2021-03-01, expected a day on or after `period_end` (2021-03-31): a letter reports on a year that has ended\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn characters_no_font_can_show_are_reported_where_they_are() {
    let fixture = Fixture::new("small");
    // An emoji in a name, in a service area and in a title; a variation selector, which prints
    // nothing and needs no font, in a recipient.
    replace_in(
        &fixture,
        "authorities.csv",
        "Brighton & Hove [*draft*]",
        "Brighton & Hove \u{1F30A}",
    );
    replace_in(&fixture, "authorities.csv", "Dr Patel", "Dr Patel\u{FE0F}");
    replace_in(
        &fixture,
        "decisions.csv",
        "20 084 001,X1,2020-07-01,Adult care services",
        "20 084 001,X1,2020-07-01,Housing \u{1F3E0}",
    );
    replace_in(
        &fixture,
        "publication.toml",
        "\"Chair, Commission",
        "\"Chair \u{1F389}\u{1F3E0}, Commission",
    );
    let authorities = fixture.shown("authorities.csv");
    let decisions = fixture.shown("decisions.csv");
    let publication = fixture.shown("publication.toml");
    let hint = "  hint: replace it, or add a font that has it to the template's folder";
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:7:2: column `name`: found `\u{1F30A}` (U+1F30A) in `Brighton & Hove \u{1F30A}`, expected only characters the template's fonts can show\n{hint}\n\
             {decisions}:85:4: column `category`: found `\u{1F3E0}` (U+1F3E0) in `Housing \u{1F3E0}`, expected only characters the template's fonts can show\n{hint}\n\
             {publication}:13:11: `signatory.titles`: found `\u{1F389}` (U+1F389) and `\u{1F3E0}` (U+1F3E0) in `Chair \u{1F389}\u{1F3E0}, Commission for Local Administration in England`, expected only characters the template's fonts can show\n{hint}\n\
             error: the input has 3 problems; nothing was written\n"
        )
    );
}
