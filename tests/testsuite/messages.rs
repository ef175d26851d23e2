//! What users read, whole: the report on a bad input folder with every kind of mistake, `check`
//! on a good one, and `letter-data`, as snapshots (insta; `cargo insta review`, or
//! `INSTA_UPDATE=always`, after a deliberate change — then read the `.snap` diff before committing).

use crate::common::Fixture;

#[test]
fn an_input_folder_with_every_kind_of_mistake_is_reported_whole() {
    let fixture = Fixture::new("many-problems");
    let run = fixture.run(&["check"]);
    run.assert_status(2);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(fixture.masked(&run.stderr).replace(
        &crate::common::templates().display().to_string(),
        "[TEMPLATES]"
    ));
}

#[test]
fn check_says_what_a_valid_input_holds() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["check"]);
    run.assert_status(0);
    assert_eq!(
        run.stderr,
        "the input is valid: 6 letters for 2020-21, 86 decisions and 41 compliance outcomes\n"
    );
    assert!(!fixture.output().exists(), "check writes nothing");
}

#[test]
fn letter_data_prints_what_the_template_reads() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["letter-data", "--authority", "Kent County Council"]);
    run.assert_status(0);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn letter_data_writes_every_letters_data_and_commentary() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["letter-data", "--out", "data"]);
    run.assert_status(0);
    assert_eq!(run.stderr, "wrote the data of 6 letters in `data`\n");
    let data = fixture.dir.path().join("data");
    assert_eq!(
        crate::common::files_under(&data),
        [
            "brighton-and-hove-draft.json",
            "cambridge-city-council.json",
            "council-of-the-isles-of-scilly.json",
            "essex-county-council.json",
            "kent-county-council.commentary.typ",
            "kent-county-council.json",
            "read-etc-passwd.json",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(data.join("kent-county-council.commentary.typ")).unwrap(),
        fixture.read("commentary/E10000016.typ")
    );
    let kent: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("kent-county-council.json")).unwrap())
            .unwrap();
    assert_eq!(kent["authority"]["name"], "Kent County Council");
    assert_eq!(kent["statistics"]["upheld_rate"]["percent"], 74);
}

#[test]
fn letter_data_for_an_unknown_authority_suggests_the_nearest() {
    let fixture = Fixture::new("small");
    let run = fixture.run(&["letter-data", "--authority", "Kent Conty Council"]);
    run.assert_status(2);
    assert_eq!(
        run.stderr,
        "error: no authority `Kent Conty Council` in authorities.csv\n  hint: did you mean `Kent County Council`?\nnothing was written\n"
    );
}
