//! The CSV files as spreadsheets really write them: line ends, byte order marks, quoted fields
//! over several lines, trailing empty rows — and the files that are not CSV at all. Every test
//! runs `check` and compares the whole of what the user reads.

use crate::common::Fixture;

const DECISIONS_HEADER: &str =
    "case_ref,authority,decided,category,decision,remedied_by_authority,public_report";
const DECISION_LABELS: &str = "`Upheld`, `Not upheld`, `Advice given`, `Closed after initial enquiries`, `Incomplete/Invalid`, `Referred back for local resolution`";
/// What Excel users are told to do with a file that is not UTF-8 CSV.
const SAVE_AS_CSV: &str =
    "in Excel, use File → Save As → \"CSV UTF-8 (Comma delimited)\" and replace this file";

/// What `check` prints for `problems` (each a whole message, with its hint lines).
fn report(problems: &[String], count: usize) -> String {
    let mut text = String::new();
    for problem in problems {
        text.push_str(problem);
        text.push('\n');
    }
    let counted = match count {
        1 => "1 problem".to_string(),
        1000 => "1,000 problems".to_string(),
        n => format!("{n} problems"),
    };
    text.push_str(&format!(
        "error: the input has {counted}; nothing was written\n"
    ));
    text
}

/// Decisions with problems on known lines, one quoted field spanning two lines, joined by `end`.
fn decisions_with_problems(end: &str) -> String {
    [
        DECISIONS_HEADER,
        "20 000 001,E10000016,2020-05-01,Housing,Upheldd,,",
        "20 000 002,E10000016,2020-05-01,\"Housing",
        "and planning\",Upheld,no,",
        "20 000 003,E10000016,2021-02-30,Housing,Upheld,no,",
        "20 000 004,E10000016,2020-06-01,Housing",
        "20 000 001,E10000016,2020-06-01,Housing,Not upheld,,",
        "",
    ]
    .join(end)
}

#[test]
fn lines_are_the_files_own_whatever_the_line_ends() {
    for (end, bom) in [("\n", ""), ("\r\n", ""), ("\r\n", "\u{feff}"), ("\r", "")] {
        let fixture = Fixture::new("small");
        fixture.write(
            "decisions.csv",
            format!("{bom}{}", decisions_with_problems(end)),
        );
        let decisions = fixture.shown("decisions.csv");
        assert_eq!(
            fixture.check_refused(),
            report(
                &[
                    format!(
                        "{decisions}:2:5: column `decision`: found `Upheldd`, expected one of {DECISION_LABELS}\n  hint: did you mean `Upheld`?"
                    ),
                    format!(
                        "{decisions}:5:3: column `decided`: found `2021-02-30`, expected a real calendar date YYYY-MM-DD"
                    ),
                    format!("{decisions}:6: found 4 fields, expected 7 as in the header row"),
                    format!(
                        "{decisions}:7:1: column `case_ref`: found `20 000 001` again (first on line 2), expected a unique case reference"
                    ),
                ],
                4
            ),
            "line ends {end:?}, BOM {bom:?}"
        );
    }
}

#[test]
fn blank_lines_before_a_row_are_counted() {
    let fixture = Fixture::new("small");
    fixture.write(
        "compliance.csv",
        "case_ref,authority,recorded,outcome\r\n\r\n\r\n19 000 001,E10000016,2020-05-01,complied partly\r\n",
    );
    let compliance = fixture.shown("compliance.csv");
    assert_eq!(
        fixture.check_refused(),
        report(
            &[format!(
                "{compliance}:4:4: column `outcome`: found `complied partly`, expected one of `complied`, `complied late`, `not complied`\n  hint: did you mean `complied late`?"
            )],
            1
        )
    );
}

#[test]
fn one_field_is_one_field() {
    let fixture = Fixture::new("small");
    fixture.write(
        "compliance.csv",
        "case_ref,authority,recorded,outcome\n19 000 001\n",
    );
    let compliance = fixture.shown("compliance.csv");
    assert_eq!(
        fixture.check_refused(),
        report(
            &[format!(
                "{compliance}:2: found 1 field, expected 4 as in the header row"
            )],
            1
        )
    );
}

#[test]
fn rows_of_empty_fields_are_not_decisions() {
    let fixture = Fixture::new("small");
    let decisions = fixture.read("decisions.csv");
    // What Excel leaves at the end of a sheet whose last rows were cleared, and a blank-ish row.
    fixture.write(
        "decisions.csv",
        format!("{decisions},,,,,,\n , ,,,,,\n,,\n"),
    );
    let run = fixture.run(&["check"]);
    run.assert_status(0);
    assert_eq!(
        run.stderr,
        "the input is valid: 6 letters for 2020-21, 86 decisions and 41 compliance outcomes\n"
    );
}

#[test]
fn a_column_twice_in_the_header_is_an_error() {
    let fixture = Fixture::new("small");
    fixture.write(
        "compliance.csv",
        "case_ref,authority,recorded,Authority,outcome\n19 000 001,E10000016,2020-05-01,E10000012,complied\n",
    );
    let compliance = fixture.shown("compliance.csv");
    assert_eq!(
        fixture.check_refused(),
        report(
            &[format!(
                "{compliance}:1:4: found column `authority` twice, as fields 2 and 4, expected each column once"
            )],
            1
        )
    );
}

#[test]
fn an_unclosed_quote_is_named_with_the_line_it_opened_on() {
    let fixture = Fixture::new("small");
    fixture.write(
        "compliance.csv",
        "case_ref,authority,recorded,outcome\n\
         19 000 001,E10000016,2020-05-01,complied\n\
         19 000 002,\"E10000016,2020-05-01,complied\n\
         19 000 003,E10000016,2020-05-01,complied\n",
    );
    let compliance = fixture.shown("compliance.csv");
    assert_eq!(
        fixture.check_refused(),
        report(
            &[format!(
                "{compliance}:3:2: found a quote `\"` that is never closed, expected a closing `\"` before the end of the file"
            )],
            1
        )
    );
}

#[test]
fn a_workbook_or_utf16_file_is_named_for_what_it_is() {
    let cases: [(&[u8], &str); 5] = [
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "found an Excel workbook (a zip archive such as .xlsx), expected UTF-8 CSV text",
        ),
        (
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00",
            "found an Excel 97-2003 workbook (.xls), expected UTF-8 CSV text",
        ),
        (
            b"\xFF\xFEc\x00a\x00s\x00e\x00",
            "found UTF-16 text, expected UTF-8 CSV text",
        ),
        (
            b"\xFE\xFF\x00c\x00a\x00s\x00e",
            "found UTF-16 text, expected UTF-8 CSV text",
        ),
        (
            b"c\x00a\x00s\x00e\x00_\x00r\x00e\x00f\x00",
            "found binary data (NUL bytes, as in UTF-16 text), expected UTF-8 CSV text",
        ),
    ];
    for (bytes, message) in cases {
        let fixture = Fixture::new("small");
        fixture.write("decisions.csv", bytes);
        let decisions = fixture.shown("decisions.csv");
        assert_eq!(
            fixture.check_refused(),
            report(
                &[format!("{decisions}: {message}\n  hint: {SAVE_AS_CSV}")],
                1
            )
        );
    }
}

#[test]
fn a_tab_or_semicolon_separated_file_gets_a_hint() {
    for (separator, name) in [('\t', "tabs"), (';', "semicolons")] {
        let fixture = Fixture::new("small");
        let header = "case_ref,authority,recorded,outcome".replace(',', &separator.to_string());
        fixture.write(
            "compliance.csv",
            format!(
                "{header}\n19 000 001{separator}E10000016{separator}2020-05-01{separator}complied\n"
            ),
        );
        let compliance = fixture.shown("compliance.csv");
        assert_eq!(
            fixture.check_refused(),
            report(
                &[format!(
                    "{compliance}:1: missing columns `case_ref`, `authority`, `recorded`, `outcome`; the header has `{header}`\n  hint: the fields are separated by {name}, expected commas: {SAVE_AS_CSV}"
                )],
                1
            )
        );
    }
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
        assert_eq!(fixture.check_refused(), report(&expected, count));
    }
}
