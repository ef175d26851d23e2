//! The CSV files: how their problems are reported. Every test runs `check` and compares the
//! whole of what the user reads.

mod common;

use common::{Fixture, Run, templates};

const DECISIONS_HEADER: &str =
    "case_ref,authority,decided,category,decision,remedied_by_authority,public_report";
const DECISION_LABELS: &str = "`Upheld`, `Not upheld`, `Advice given`, `Closed after initial enquiries`, `Incomplete/Invalid`, `Referred back for local resolution`";
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

/// What `check` prints for `problems` (each a whole message, with its hint lines).
fn report(problems: &[String], count: usize) -> String {
    let mut text = String::new();
    for problem in problems {
        text.push_str(problem);
        text.push('\n');
    }
    let noun = if count == 1 { "problem" } else { "problems" };
    text.push_str(&format!(
        "error: the input has {count} {noun}; nothing was written\n"
    ));
    text
}

/// `count` rows whose `decision` is misspelt, from line 2 on.
fn misspelt_decisions(count: usize) -> String {
    let mut text = format!("{DECISIONS_HEADER}\n");
    for row in 0..count {
        text.push_str(&format!(
            "20 {:03} {:03},E10000016,2020-05-01,Housing,Upheldd,,\n",
            row / 1000,
            row % 1000
        ));
    }
    text
}

#[test]
fn the_first_25_problems_of_a_file_are_shown_and_the_rest_counted() {
    for (count, more) in [
        (26, "… and 1 more problem in this file"),
        (1000, "… and 975 more problems in this file"),
    ] {
        let fixture = Fixture::new("small");
        fixture.write("decisions.csv", misspelt_decisions(count));
        let decisions = fixture.shown("decisions.csv");
        let mut expected: Vec<String> = (0..25)
            .map(|row| {
                format!(
                    "{decisions}:{}:5: column `decision`: found `Upheldd`, expected one of {DECISION_LABELS}\n  hint: did you mean `Upheld`?",
                    row + 2
                )
            })
            .collect();
        expected.push(format!("{decisions}: {more}"));
        assert_eq!(refused(&fixture), report(&expected, count));
    }
}
