//! The register, `authorities.csv`, and how the extract refers to it: references that could
//! mean two authorities, names written in two Unicode forms, rejected rows, and the file names
//! that names become. Every test compares the whole of what the user reads.

use crate::common::Fixture;

/// Adds rows to the end of a CSV file of the fixture.
fn append(fixture: &Fixture, file: &str, rows: &str) {
    let text = fixture.read(file);
    fixture.write(file, format!("{text}{rows}"));
}

const TYPE_LABELS: &str = "`County Council`, `District Council`, `Metropolitan Borough`, `Unitary Council`, `London Borough`";

#[test]
fn a_name_that_is_another_authoritys_code_is_an_error() {
    // Essex's 10 decisions and 8 compliance outcomes are recorded by code: they could now mean
    // either council. Until this was caught they all went to the council named `E10000012`.
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        "X3,E10000012,District Council,Ms Amis,Chief Executive\n",
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:8:2: column `name`: found `E10000012`, which is also the code of `Essex County Council` on line 3, expected a name that no authority has as its code; 10 rows of decisions.csv and 8 rows of compliance.csv refer to `E10000012`\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn a_code_that_is_another_authoritys_name_is_an_error() {
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        "Kent County Council,Kent Fire and Rescue,District Council,Ms Amis,Chief Executive\n",
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:8:1: column `code`: found `Kent County Council`, which is also the name of `E10000016` on line 2, expected a code that no authority has as its name; 14 rows of decisions.csv refer to `Kent County Council`\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn names_are_compared_in_one_unicode_form() {
    // `ô` as one code point (NFC) and as `o` + a combining circumflex (NFD) is one name.
    let composed = "C\u{f4}te Council";
    let decomposed = "Co\u{302}te Council";
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        &format!(
            "X3,{decomposed},District Council,Ms Amis,Chief Executive\n\
             X4,{composed},District Council,Mr Bell,Chief Executive\n"
        ),
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:9:2: column `name`: found `{composed}` again (first on line 8), expected a unique name\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );

    // A reference in the other form finds the authority, on the command line too, and the
    // name is kept and printed in the composed form.
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        &format!("X3,{decomposed},District Council,Ms Amis,Chief Executive\n"),
    );
    append(
        &fixture,
        "decisions.csv",
        &format!("20 900 001,{composed},2020-05-01,Housing,Upheld,no,\n"),
    );
    append(
        &fixture,
        "compliance.csv",
        &format!("19 900 001,{decomposed},2020-05-01,complied\n"),
    );
    fixture.run(&["check"]).assert_status(0);
    for given in [composed, decomposed] {
        let run = fixture.run(&["letter-data", "--authority", given]);
        run.assert_status(0);
        let data: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(data["authority"]["name"], composed);
        assert_eq!(data["authority"]["code"], "X3");
        assert_eq!(data["decisions"], 1);
    }
}

#[test]
fn references_to_a_rejected_row_are_reported_once_at_its_cause() {
    // Essex's `type` is misspelt: its 10 decisions and 8 compliance outcomes are not each an
    // unknown authority.
    let fixture = Fixture::new("small");
    fixture.write(
        "authorities.csv",
        fixture.read("authorities.csv").replace(
            "Essex County Council,County Council",
            "Essex County Council,County Councill",
        ),
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:3:3: column `type`: found `County Councill`, expected one of {TYPE_LABELS}; 10 rows of decisions.csv and 8 rows of compliance.csv refer to this authority\n  \
             hint: did you mean `County Council`?\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn a_duplicated_name_is_one_problem_not_one_per_reference() {
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        "E2,Kent County Council,District Council,Ms Amis,Chief Executive\n",
    );
    append(
        &fixture,
        "decisions.csv",
        "20 900 001,E2,2020-05-01,Housing,Upheld,no,\n\
         20 900 002,E2,2020-05-01,Housing,Upheld,no,\n",
    );
    append(
        &fixture,
        "compliance.csv",
        "19 900 001,Kent County Council,2020-05-01,complied\n",
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:8:2: column `name`: found `Kent County Council` again (first on line 2), expected a unique name; 14 rows of decisions.csv and 1 row of compliance.csv refer to `Kent County Council`; 2 rows of decisions.csv refer to this authority\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}

#[test]
fn a_long_non_ascii_name_gets_a_short_ascii_file_name() {
    // 142 Greek letters and spaces: 262 bytes of UTF-8, too long for a file name as it was.
    let name = "Περιφερειακό Συμβούλιο Αττικής, Κεντρικής Μακεδονίας, Θεσσαλίας, Ηπείρου, Κρήτης, Δυτικής Ελλάδας, Ιονίων Νήσων και Νοτίου και Βορείου Αιγαίου";
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        &format!("X9,\"{name}\",District Council,Ms Amis,Chief Executive\n"),
    );
    fixture
        .run(&["build", "--authority", "X9"])
        .assert_status(0);
    assert_eq!(
        crate::common::files_under(&fixture.letters()),
        [
            "periphereiako-sumboulio-attikes-kentrikes-makedonias-thessalias-epeirou-kretes-dutikes-elladas.pdf"
        ]
    );
}

#[test]
fn names_that_differ_only_after_the_cut_share_a_file_name() {
    let stem = "The Council of the Royal Borough of Windsor and Maidenhead and of the Districts of Bracknell Forest and";
    let fixture = Fixture::new("small");
    append(
        &fixture,
        "authorities.csv",
        &format!(
            "X3,{stem} Slough,District Council,Ms Amis,Chief Executive\n\
             X4,{stem} Wokingham,District Council,Mr Bell,Chief Executive\n"
        ),
    );
    let authorities = fixture.shown("authorities.csv");
    assert_eq!(
        fixture.check_refused(),
        format!(
            "{authorities}:9:2: column `name`: found `{stem} Wokingham`, whose file name `the-council-of-the-royal-borough-of-windsor-and-maidenhead-and-of-the-districts-of-bracknell-forest.pdf` is already taken by `{stem} Slough` (line 8), expected names that differ in letters or digits\n  \
             hint: a file name keeps at most the first 100 characters of a name\n\
             error: the input has 1 problem; nothing was written\n"
        )
    );
}
