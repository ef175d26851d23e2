//! `publication.toml`'s dates: caught by `check` before any letter is compiled.

mod common;

use common::{Fixture, Run, templates};

fn check(fixture: &Fixture) -> Run {
    let input = fixture.input();
    let templates = templates();
    fixture.run(&[
        "check",
        "--input",
        input.to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
    ])
}

/// The whole stderr of a `check` that must be refused.
fn refused(fixture: &Fixture) -> String {
    let run = check(fixture);
    run.assert_status(2);
    run.stderr
}

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
        refused(&fixture),
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
        refused(&fixture),
        format!(
            "{publication}:5:15: `letter_date`: found 2021-03-01, expected a day on or after `period_end` (2021-03-31): a letter reports on a year that has ended\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}
