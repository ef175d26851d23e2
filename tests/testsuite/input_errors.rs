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
    insta::assert_snapshot!(fixture.masked(&stderr).replace(
        &crate::common::templates().display().to_string(),
        "[TEMPLATES]"
    ));
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
    // No decisions of councils the register above lacks: their references would say so too.
    fixture.write("decisions.csv", DECISIONS_HEADER);
    fixture.write("compliance.csv", "case_ref,authority,recorded,outcome\n");
    let stderr = refused(&fixture);
    insta::assert_snapshot!(fixture.masked(&stderr).replace(
        &crate::common::templates().display().to_string(),
        "[TEMPLATES]"
    ));
}

#[test]
fn malformed_settings_name_the_line_and_column() {
    for (case, from, to) in [
        (
            "a_malformed_date",
            "period_end = 2021-03-31",
            "period_end = 2021-03-31x",
        ),
        ("an_unknown_average", "mean-of-rates", "median"),
        (
            "a_misspelt_key",
            "[signatory]",
            "templte = \"x\"\n[signatory]",
        ),
    ] {
        let fixture = Fixture::new("small");
        fixture.write(
            "publication.toml",
            fixture.read("publication.toml").replace(from, to),
        );
        let stderr = refused(&fixture);
        insta::assert_snapshot!(case, fixture.masked(&stderr));
    }
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
    insta::assert_snapshot!(fixture.masked(&stderr));
}

#[test]
fn invalid_utf8_is_reported_at_its_field() {
    let fixture = Fixture::new("small");
    let mut bytes = fixture.read("authorities.csv").into_bytes();
    bytes.extend_from_slice(b"E3,Caf\xE9 Council,District Council,Mr A,Chief Executive\n");
    fixture.write("authorities.csv", bytes);
    fixture.write("commentary/E10000016.typ", b"Fine line.\nBad \xFF byte.\n");
    let stderr = refused(&fixture);
    insta::assert_snapshot!(fixture.masked(&stderr));
}

#[test]
fn an_unknown_authority_on_the_command_line_is_refused_with_a_suggestion() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["build", "--authority", "Kent Conty Council"]);
    run.assert_status(2);
    insta::assert_snapshot!(run.stderr);
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
