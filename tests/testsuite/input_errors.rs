//! Bad input: every problem reported in one run with file, line, column, what was found and what
//! was expected; exit status 2; nothing written.

use crate::common::{Fixture, files_under};

const DECISIONS_HEADER: &str =
    "case_ref,authority,decided,category,decision,remedied_by_authority,public_report\n";

/// Runs a build that must be refused and returns its stderr.
fn refused(fixture: &Fixture) -> String {
    let run = fixture.run(&["build"]);
    run.assert_status(2)
        .assert_stderr_contains("nothing was written");
    assert!(
        !fixture.output().exists(),
        "the output folder was created: {:?}",
        files_under(&fixture.output())
    );
    run.stderr
}

#[test]
fn every_problem_of_the_extract_is_reported_in_one_run() {
    let fixture = Fixture::new("small");
    fixture.write(
        "decisions.csv",
        format!(
            "{DECISIONS_HEADER}\
             20 000 001,E10000016,2020-05-01,Housing,Upheldd,,\n\
             20 000 002,Kent Count Council,2020-05-01,Housing,Upheld,no,\n\
             20 000 003,E10000016,2021-02-30,Housing,Upheld,no,\n\
             20 000 004,E10000016,2021-04-02,Housing,Upheld,no,\n\
             20 000 001,E10000016,2020-06-01,Housing,Not upheld,,\n\
             20 000 005,E10000016,2020-06-01,Housing,Not upheld,yes,\n\
             20 000 006,E10000016,01/06/2020,Housing,Upheld,maybe,\n\
             20 000 007,E10000016,2020-06-01,Housing\n"
        ),
    );
    fixture.write(
        "compliance.csv",
        "case_ref,authority,recorded,outcome\n19 000 001,E10000016,2020-05-01,complied partly\n",
    );
    let stderr = refused(&fixture);
    let decisions = fixture.shown("decisions.csv");
    let compliance = fixture.shown("compliance.csv");
    for expected in [
        format!(
            "{decisions}:2:5: column `decision`: found `Upheldd`, expected one of `Upheld`, `Not upheld`, `Advice given`, `Closed after initial enquiries`, `Incomplete/Invalid`, `Referred back for local resolution`\n  hint: did you mean `Upheld`?"
        ),
        format!(
            "{decisions}:3:2: column `authority`: found `Kent Count Council`, expected the code or exact name of an authority in authorities.csv\n  hint: did you mean `Kent County Council`?"
        ),
        format!(
            "{decisions}:4:3: column `decided`: found `2021-02-30`, expected a real calendar date YYYY-MM-DD"
        ),
        format!(
            "{decisions}:5:3: column `decided`: found `2021-04-02`, expected a date inside the reporting period 2020-04-01 to 2021-03-31"
        ),
        format!(
            "{decisions}:6:1: column `case_ref`: found `20 000 001` again (first on line 2), expected a unique case reference"
        ),
        format!(
            "{decisions}:7:6: column `remedied_by_authority`: found `yes` on a `Not upheld` decision, expected `yes` only on an `Upheld` decision"
        ),
        format!(
            "{decisions}:8:3: column `decided`: found `01/06/2020`, expected a date YYYY-MM-DD"
        ),
        format!(
            "{decisions}:8:6: column `remedied_by_authority`: found `maybe`, expected `yes`, `no` or empty"
        ),
        format!("{decisions}:9: found 4 fields, expected 7 as in the header row"),
        format!(
            "{compliance}:2:4: column `outcome`: found `complied partly`, expected one of `complied`, `complied late`, `not complied`"
        ),
        "error: the input has 10 problems; nothing was written".to_string(),
    ] {
        assert!(
            stderr.contains(&expected),
            "stderr lacks\n{expected}\n---\n{stderr}"
        );
    }
}

#[test]
fn register_and_settings_problems_are_reported_together() {
    let fixture = Fixture::new("small");
    fixture.write(
        "authorities.csv",
        "code,name,type,recipient,recipient_title\n\
         E10000016,Kent County Council,County Council,Mr Cockburn,Head of Paid Service\n\
         E10000016,Essex County Council,County Councill,Ms Hartley,Chief Executive\n\
         E2,Kent County Council,District Council,,Chief Executive\n",
    );
    fixture.write(
        "publication.toml",
        fixture
            .read("publication.toml")
            .replace("annual-review-2021", "annual-review-2099"),
    );
    fixture.write("commentary/E99999999.typ", "Some words.");
    let stderr = refused(&fixture);
    let authorities = fixture.shown("authorities.csv");
    let publication = fixture.shown("publication.toml");
    let commentary = fixture.shown("commentary/E99999999.typ");
    for expected in [
        format!(
            "{authorities}:3:1: column `code`: found `E10000016` again (first on line 2), expected a unique code"
        ),
        format!(
            "{authorities}:3:3: column `type`: found `County Councill`, expected one of `County Council`, `District Council`, `Metropolitan Borough`, `Unitary Council`, `London Borough`\n  hint: did you mean `County Council`?"
        ),
        format!(
            "{authorities}:4:2: column `name`: found `Kent County Council` again (first on line 2), expected a unique name"
        ),
        format!(
            "{authorities}:4:4: column `recipient`: found an empty value, expected who the letter is addressed to"
        ),
        format!(
            "{publication}:7:12: `template`: found `annual-review-2099`, expected a folder with a main.typ in"
        ),
        "(available: `annual-review-2021`)\n  hint: did you mean `annual-review-2021`?".to_string(),
        format!(
            "{commentary}: found commentary for `E99999999`, expected a file named after an authority's code in authorities.csv"
        ),
    ] {
        assert!(
            stderr.contains(&expected),
            "stderr lacks\n{expected}\n---\n{stderr}"
        );
    }
}

#[test]
fn malformed_settings_name_the_line_and_column() {
    let fixture = Fixture::new("small");
    fixture.write(
        "publication.toml",
        fixture
            .read("publication.toml")
            .replace("period_end = 2021-03-31", "period_end = 2021-03-31x"),
    );
    let stderr = refused(&fixture);
    let publication = fixture.shown("publication.toml");
    assert!(stderr.contains(&format!("{publication}:4:")), "{stderr}");

    let fixture = Fixture::new("small");
    fixture.write(
        "publication.toml",
        fixture
            .read("publication.toml")
            .replace("mean-of-rates", "median"),
    );
    let stderr = refused(&fixture);
    let publication = fixture.shown("publication.toml");
    assert!(
        stderr.contains(&format!(
            "{publication}:8:11: unknown variant `median`, expected `mean-of-rates` or `pooled`"
        )),
        "{stderr}"
    );

    let fixture = Fixture::new("small");
    fixture.write(
        "publication.toml",
        format!("{}\ntemplte = \"x\"\n", fixture.read("publication.toml")),
    );
    let stderr = refused(&fixture);
    assert!(stderr.contains("unknown field `templte`"), "{stderr}");
}

#[test]
fn missing_files_and_columns_are_named() {
    let fixture = Fixture::new("small");
    std::fs::remove_file(fixture.input().join("compliance.csv")).unwrap();
    fixture.write(
        "decisions.csv",
        "case_ref,authority,decided,category,outcome\n",
    );
    let stderr = refused(&fixture);
    let decisions = fixture.shown("decisions.csv");
    let compliance = fixture.shown("compliance.csv");
    assert!(
        stderr.contains(&format!(
            "{compliance}: file not found, expected a CSV file with a header row"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{decisions}:1: missing columns `decision`, `remedied_by_authority`, `public_report`; the header has `case_ref`, `authority`, `decided`, `category`, `outcome`")),
        "{stderr}"
    );
}

#[test]
fn invalid_utf8_is_reported_at_its_field() {
    let fixture = Fixture::new("small");
    let mut bytes = fixture.read("authorities.csv").into_bytes();
    bytes.extend_from_slice(b"E3,Caf\xE9 Council,District Council,Mr A,Chief Executive\n");
    fixture.write("authorities.csv", bytes);
    fixture.write("commentary/E10000016.typ", b"Fine line.\nBad \xFF byte.\n");
    let stderr = refused(&fixture);
    let authorities = fixture.shown("authorities.csv");
    let commentary = fixture.shown("commentary/E10000016.typ");
    assert!(stderr.contains(&format!("{authorities}:8:2: column `name`: found invalid UTF-8 (byte 0xE9 after `Caf`), expected UTF-8 text")), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{commentary}:2:5: found invalid UTF-8, expected UTF-8 text"
        )),
        "{stderr}"
    );
}

#[test]
fn an_unknown_authority_on_the_command_line_is_refused_with_a_suggestion() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["build", "--authority", "Kent Conty Council"]);
    run.assert_status(2)
        .assert_stderr_contains("error: no authority `Kent Conty Council` in authorities.csv\n  hint: did you mean `Kent County Council`?");
    assert!(!fixture.output().exists());
}

#[test]
fn bom_crlf_quoted_fields_and_an_empty_extract_are_valid() {
    let fixture = Fixture::new("small");
    let authorities = fixture.read("authorities.csv").replace('\n', "\r\n");
    fixture.write("authorities.csv", format!("\u{feff}{authorities}"));
    fixture.write(
        "decisions.csv",
        format!("\u{feff}{}", DECISIONS_HEADER.replace('\n', "\r\n")),
    );
    fixture.write(
        "compliance.csv",
        "\u{feff}\"outcome\",authority,\"case_ref\",recorded,note\r\n\"complied\",\"Kent County Council\",\"19 000 001\",2020-05-01,\"a, quoted note\"\r\n",
    );
    fixture.run(&["build"]).assert_status(0);
    assert_eq!(crate::common::files_under(&fixture.letters()).len(), 6);
}
