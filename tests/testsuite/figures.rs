//! Declared figures: a template's `figures.toml` says what its letters print, and the engine
//! computes whatever is declared; a declaration that cannot be computed is a problem of the input,
//! at its line and column, before anything is written.

use crate::common::{Fixture, files_under};

/// The fixture's own copy of the 2021 template's declaration.
fn declaration(fixture: &Fixture) -> std::path::PathBuf {
    fixture
        .templates()
        .join("annual-review-2021")
        .join("figures.toml")
}

/// Adds a `population` column to the fixture's register: Kent 1,610,000, Essex 1,500,000.
fn with_populations(fixture: &Fixture) {
    let register: String = fixture
        .read("authorities.csv")
        .lines()
        .map(|line| {
            let population = if line.starts_with("code,") {
                "population"
            } else if line.starts_with("E10000016,") {
                "1610000"
            } else {
                "1500000"
            };
            format!("{line},{population}\n")
        })
        .collect();
    fixture.write("authorities.csv", register);
}

#[test]
fn a_measure_declared_in_the_template_alone_is_computed_and_printed() {
    let fixture = Fixture::new("tiny");
    with_populations(&fixture);
    let toml = declaration(&fixture);
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str(
        "\n[measures.advice_per_100000_residents]\n\
         words = \"advice given per 100,000 residents\"\n\
         numerator = \"advice_given\"\n\
         per_residents = 100000\n",
    );
    std::fs::write(&toml, text).unwrap();
    // The template prints it: a sentence at the end of the letter reads the figure by its name.
    let main = fixture.templates().join("annual-review-2021/main.typ");
    let mut typ = std::fs::read_to_string(&main).unwrap();
    typ.push_str(
        "\n#let f = data.statistics.advice_per_100000_residents\n\
         We gave advice #f.value times per 100,000 residents (#f.average in similar authorities).\n",
    );
    std::fs::write(&main, typ).unwrap();
    // Kent gave advice 10 times: 10 × 100,000 / 1,610,000 = 0.62 → 0.6; Essex never: 0; their
    // mean (publication.toml's method) 0.31 → 0.3.
    let kent_advice = fixture
        .read("decisions.csv")
        .lines()
        .filter(|line| line.contains("E10000016") && line.contains(",Advice given,"))
        .count();
    assert_eq!(kent_advice, 10, "the fixture's counts moved");
    fixture.run(&["build"]).assert_status(0);
    let kent = crate::common::pdf::pdf_text(&fixture.letter("kent-county-council"));
    crate::common::assert_contains(
        &kent,
        "We gave advice 0.6 times per 100,000 residents (0.3 in similar authorities).",
    );
    let csv = std::fs::read_to_string(fixture.output().join("2020-21/statistics.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("code,name,type,group,letter,population,decisions,")
            && header.ends_with(",advice_per_100000_residents,advice_per_100000_residents_average"),
        "{header}"
    );
    let kent_row = csv.lines().find(|l| l.starts_with("E10000016,")).unwrap();
    assert!(kent_row.ends_with(",0.6,0.3"), "{kent_row}");
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture.output().join("2020-21/statistics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["authorities"][0]["advice_per_100000_residents"], 0.6);
    assert_eq!(
        json["groups"][0]["advice_per_100000_residents_average"],
        0.3
    );
    // status names it in the declaration's words.
    fixture.write(
        "decisions.csv",
        fixture.read("decisions.csv").replacen(
            ",E10000016,2020-05-02,Adult care services,Upheld,yes,",
            ",E10000016,2020-05-02,Adult care services,Advice given,,",
            1,
        ),
    );
    let status = fixture.run(&["status"]);
    crate::common::assert_contains(
        &status.stdout,
        "advice given per 100,000 residents 0.6 (10 among 1,610,000 residents) → 0.7 (11 among 1,610,000 residents)",
    );
}

/// Runs `check` and `build` on the fixture, which must both refuse it with the same problems and
/// write nothing; returns the message.
fn refused(fixture: &Fixture) -> String {
    let check = fixture.run(&["check"]);
    check.assert_status(2);
    let build = fixture.run(&["build"]);
    build.assert_status(2);
    assert_eq!(check.stderr, build.stderr);
    assert_eq!(files_under(&fixture.output()), Vec::<String>::new());
    fixture
        .masked(&check.stderr)
        .replace(&fixture.templates().display().to_string(), "[TEMPLATES]")
}

/// The fixture with its declaration replaced by `text`.
fn declaring(text: &str) -> Fixture {
    let fixture = Fixture::new("tiny");
    std::fs::write(declaration(&fixture), text).unwrap();
    fixture
}

const MEASURE: &str = "\n[measures.upheld_rate]\nwords = \"upheld rate\"\nnumerator = \"upheld\"\ndenominator = \"detailed_investigations\"\n";

#[test]
fn an_unknown_outcome_in_a_group_is_refused_at_its_place() {
    let fixture = declaring(&format!(
        "[groups]\ndetailed_investigations = [\"Upheld\", \"Not uphold\"]\n{MEASURE}"
    ));
    insta::assert_snapshot!(refused(&fixture));
}

#[test]
fn an_outcome_in_two_groups_of_one_partition_is_refused() {
    let fixture = declaring(&format!(
        "[groups]\ndetailed_investigations = [\"Upheld\", \"Not upheld\"]\n\n\
         [partitions.complaints_dealt_with]\n\
         not_for_us = [\"Advice given\", \"Referred back for local resolution\", \"Incomplete/Invalid\"]\n\
         assessed_and_closed = [\"Closed after initial enquiries\", \"Advice given\"]\n\
         investigated = [\"Upheld\", \"Not upheld\"]\n{MEASURE}"
    ));
    insta::assert_snapshot!(refused(&fixture));
}

#[test]
fn a_measure_over_an_undeclared_group_is_refused_with_a_suggestion() {
    let fixture = declaring(
        "[groups]\ndetailed_investigations = [\"Upheld\", \"Not upheld\"]\n\n\
         [measures.upheld_rate]\nwords = \"upheld rate\"\nnumerator = \"upheld\"\n\
         denominator = \"detailed_investigation\"\n",
    );
    insta::assert_snapshot!(refused(&fixture));
}

#[test]
fn a_measure_per_residents_without_the_population_column_is_refused() {
    let fixture = declaring(&format!(
        "[groups]\ndetailed_investigations = [\"Upheld\", \"Not upheld\"]\n{MEASURE}\n\
         [measures.upheld_per_100000_residents]\nwords = \"upheld decisions per 100,000 residents\"\n\
         numerator = \"upheld\"\nper_residents = 100000\n"
    ));
    insta::assert_snapshot!(refused(&fixture));
    // With the column, an empty, zero or non-numeric value is a problem at its line.
    with_populations(&fixture);
    let register = fixture
        .read("authorities.csv")
        .replace(",1610000", ",")
        .replace(",1500000", ",1.5m");
    fixture.write("authorities.csv", register);
    insta::assert_snapshot!("bad_populations", refused(&fixture));
}

#[test]
fn a_misspelt_key_is_refused_with_a_suggestion() {
    let fixture = declaring(
        "[groups]\ndetailed_investigations = [\"Upheld\", \"Not upheld\"]\n\n\
         [measures.upheld_rate]\nwords = \"upheld rate\"\nnumerator = \"upheld\"\n\
         denominater = \"detailed_investigations\"\n",
    );
    insta::assert_snapshot!(refused(&fixture));
    let fixture = declaring(&format!("[group]\nx = [\"Upheld\"]\n{MEASURE}"));
    insta::assert_snapshot!("a_misspelt_table", refused(&fixture));
}

#[test]
fn an_empty_caveat_is_refused_at_its_place() {
    let fixture = declaring(&format!(
        "caveats = [\"Casework was paused.\", \"  \"]\n\n\
         [groups]\ndetailed_investigations = [\"Upheld\", \"Not upheld\"]\n{MEASURE}"
    ));
    assert_eq!(
        refused(&fixture),
        "[FIXTURE]/templates/annual-review-2021/figures.toml:1:36: `caveats`: a caveat is a sentence; this one is empty\nerror: the input has 1 problem; nothing was written\n"
    );
}
