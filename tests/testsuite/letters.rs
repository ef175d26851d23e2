//! The letters themselves: the figures printed in the PDFs, their metadata, reproducibility, the
//! sandbox around templates and commentary, and failing letters that do not stop the others.

use std::process::Command;

use crate::common::pdf::pdf_text;
use crate::common::{Fixture, Run, assert_contains, files_under};

#[test]
fn the_sample_gives_kent_the_figures_of_the_seed_letter() {
    let fixture = Fixture::sample_built();
    assert_eq!(files_under(&fixture.letters()).len(), 339);
    let kent = pdf_text(&fixture.letter("kent-county-council"));
    for expected in [
        "21 July 2021 By email Mr Cockburn Head of Paid Service Kent County Council Dear Mr Cockburn",
        "Annual Review letter 2021",
        "year ending 31 March 2021",
        "On 28 July 2021 we will publish",
        "This year we issued one public report about your Council.",
        // The commentary from input/commentary/E10000016.typ.
        "audit 50 similar cases",
        "Yours sincerely, Michael King Local Government and Social Care Ombudsman Chair, Commission for Local Administration in England",
        "For the period ending: 31/03/21",
        "74% of the complaints we investigated in detail were upheld. This compares with an average of 71% in similar authorities. 40 upheld decisions",
        "Based on 54 detailed investigations for the period between 1 April 2020 and 31 March 2021.",
        "In 100% of cases we were satisfied that your Council had carried out our recommendations. This compares with an average of 100% in similar authorities. 33 compliance outcomes",
        "In 13% of upheld cases, your Council had already offered a remedy we agreed was satisfactory before the complaint reached us. This compares with an average of 8% in similar authorities. 5 satisfactory remedy decisions",
        "Based on 40 upheld decisions",
        "Among the 25 County Councils with detailed investigations",
    ] {
        assert_contains(&kent, expected);
    }

    let statistics =
        std::fs::read_to_string(fixture.output().join("2020-21/statistics.csv")).unwrap();
    let header = statistics.lines().next().unwrap();
    assert!(
        header.starts_with("code,name,type,group,letter,decisions,upheld,not_upheld,"),
        "{header}"
    );
    let kent_row = statistics
        .lines()
        .find(|l| l.starts_with("E10000016,"))
        .unwrap();
    assert!(
        kent_row.ends_with(",54,5,1,33,33,0,0,74,71,100,100,13,8"),
        "{kent_row}"
    );
    assert_eq!(statistics.lines().count(), 340);

    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture.output().join("2020-21/statistics.json")).unwrap(),
    )
    .unwrap();
    let county = &json["groups"][0];
    assert_eq!(county["group"], "County Councils");
    assert_eq!(county["authorities"], 25);
    assert_eq!(county["upheld_rate_average_percent"], 71);
    assert_eq!(county["satisfactory_remedy_rate_average_percent"], 8);
    assert_eq!(county["compliance_rate_average_percent"], 100);
    assert_eq!(json["authorities"].as_array().unwrap().len(), 339);
}

#[test]
fn zero_denominators_read_as_words_and_names_print_literally() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let scilly = pdf_text(&fixture.letter("council-of-the-isles-of-scilly"));
    for expected in [
        "We did not complete any detailed investigations about your Council this year, so there is no upheld rate to report.",
        "We did not record any compliance outcomes for your Council this year.",
        "We did not uphold any complaints about your Council this year, so there were no remedies to assess.",
        "We did not issue any public reports about your Council this year.",
    ] {
        assert_contains(&scilly, expected);
    }
    // The only percentages on Scilly's statistics page are the averages, the spreads and the
    // axis labels: never a figure of its own.
    assert!(
        !scilly.contains("NaN") && !scilly.contains(" 0% of"),
        "{scilly}"
    );

    let cambridge = pdf_text(&fixture.letter("cambridge-city-council"));
    assert_contains(
        &cambridge,
        "13% of the complaints we investigated in detail were upheld",
    ); // 1 of 8 = 12.5 %
    assert_contains(&cambridge, "Based on 8 detailed investigations");

    let markup = pdf_text(&fixture.letter("read-etc-passwd"));
    assert_contains(&markup, "Dear Ms Brown");
    assert_contains(&markup, "#read(\"/etc/passwd\")");
    assert!(!markup.contains("root:x:0:0"));
    let brighton = pdf_text(&fixture.letter("brighton-and-hove-draft"));
    assert_contains(&brighton, "Brighton & Hove [*draft*]");
    assert_contains(&brighton, "Dear Mrs O'Neill, MBE");

    // Essex: 7 of 10 upheld; county average (40/54 + 7/10) / 2 = 72.04 % → 72 %; compliance 7 of
    // 8 = 87.5 % → 88 %, average (100 % + 87.5 %) / 2 = 93.75 % → 94 %.
    let essex = pdf_text(&fixture.letter("essex-county-council"));
    assert_contains(
        &essex,
        "70% of the complaints we investigated in detail were upheld. This compares with an average of 72% in similar authorities.",
    );
    assert_contains(
        &essex,
        "In 88% of cases we were satisfied that your Council had carried out our recommendations. This compares with an average of 94% in similar authorities.",
    );
}

#[test]
fn pooled_averages_divide_summed_counts() {
    let fixture = Fixture::new("small");
    fixture.write(
        "publication.toml",
        fixture
            .read("publication.toml")
            .replace("mean-of-rates", "pooled"),
    );
    fixture.run(&["build"]).assert_status(0);
    // County upheld: (40 + 7) / (54 + 10) = 73.4 % → 73 %; compliance (33 + 7) / (33 + 8) = 97.6 % → 98 %.
    let essex = pdf_text(&fixture.letter("essex-county-council"));
    assert_contains(
        &essex,
        "This compares with an average of 73% in similar authorities.",
    );
    assert_contains(
        &essex,
        "This compares with an average of 98% in similar authorities.",
    );
}

#[test]
fn letters_are_accessible_pdfs_with_a_title() {
    let fixture = Fixture::new("small");
    fixture
        .run(&["build", "--authority", "E10000016"])
        .assert_status(0);
    let letter = fixture.letter("kent-county-council");
    assert_eq!(
        crate::common::pdf::pdf_info(&letter),
        crate::common::pdf::PdfInfo {
            title: "Annual Review letter 2021 – Kent County Council".to_string(),
            created: "2021-07-21 09:00:00 +00:00".to_string(),
            tagged: true,
        }
    );
    let bytes = std::fs::read(&letter).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for expected in [
        "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance><pdfuaid:part>1</pdfuaid:part>",
        "<rdf:li>en-GB</rdf:li>",
    ] {
        assert!(text.contains(expected), "the XMP metadata lacks {expected}");
    }
    // Every infographic is a figure whose alternative text states its figures.
    assert!(text.contains("Upheld rate: 74% of 54 detailed investigations were upheld (40 decisions). The average in similar authorities is 72%."), "no alt text on the upheld ring");
}

#[test]
fn builds_are_byte_for_byte_reproducible_and_one_letter_equals_its_batch_copy() {
    let first = Fixture::new("small");
    first.run(&["build"]).assert_status(0);
    let second = Fixture::new("small");
    second.run(&["build", "--jobs", "1"]).assert_status(0);
    let single = Fixture::new("small");
    single
        .run(&["build", "--authority", "Kent County Council"])
        .assert_status(0);
    assert_eq!(files_under(&single.letters()), ["kent-county-council.pdf"]);
    // Every file, the manifest included (it records no times and no flags): the letters, the
    // web pages, the index and the site's other files.
    let year = |f: &Fixture| f.output().join("2020-21");
    crate::common::assert_same_tree(&year(&first), &year(&second), "a second build");
    for file in [
        "letters/kent-county-council.pdf",
        "site/councils/kent-county-council.html",
        "site/index.html",
    ] {
        assert_eq!(
            std::fs::read(year(&first).join(file)).unwrap(),
            std::fs::read(year(&single).join(file)).unwrap(),
            "{file} of one letter's build differs from the batch's"
        );
    }
    for file in ["statistics.csv", "statistics.json"] {
        let path = |f: &Fixture| f.output().join("2020-21").join(file);
        assert_eq!(
            std::fs::read(path(&first)).unwrap(),
            std::fs::read(path(&single)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_broken_commentary_fails_its_letter_only() {
    let fixture = Fixture::new("small");
    fixture.write(
        "commentary/E10000012.typ",
        "Fine first line.\nThen #data.nothing and more.\n",
    );
    let run = fixture.run(&["build"]);
    run.assert_status(1);
    let commentary = fixture.input().join("commentary/E10000012.typ");
    run.assert_stderr_contains("error: the letter to Essex County Council (`E10000012`) failed:")
        .assert_stderr_contains(&format!(
            "{}:2:7: error: unknown variable: data",
            commentary.display()
        ))
        .assert_stderr_contains("wrote 5 letters and their web pages in `")
        .assert_stderr_contains(", 1 failed,");
    assert!(!fixture.letter("essex-county-council").exists());
    assert!(fixture.letter("kent-county-council").exists());
    // The failed letter is not in the manifest, so the next build tries it again.
    let manifest = std::fs::read_to_string(fixture.output().join("2020-21/manifest.json")).unwrap();
    assert!(!manifest.contains("letters/essex-county-council.pdf"));
}

#[test]
fn commentary_cannot_read_outside_the_template_or_use_packages() {
    let fixture = Fixture::new("small");
    fixture.write(
        "commentary/E10000012.typ",
        "#read(\"../../../../../../etc/passwd\")\n",
    );
    fixture.write("commentary/E07000008.typ", "#read(\"/etc/passwd\")\n");
    fixture.write("commentary/X1.typ", "#import \"@preview/cetz:0.4.2\"\n");
    let run = fixture.run(&["build"]);
    run.assert_status(1)
        .assert_stderr_contains("E10000012.typ:1:7: error: path `\"../../../../../../etc/passwd\"` would escape the project root")
        .assert_stderr_contains("E07000008.typ:1:7: error: file not found")
        .assert_stderr_contains("package not found")
        .assert_stderr_contains(", 3 failed,");
    assert!(!run.stderr.contains("root:x:0:0"));
}

#[test]
fn a_template_without_fonts_or_main_is_refused_before_anything_is_written() {
    let fixture = Fixture::new("small");
    let templates = fixture.dir.path().join("templates/annual-review-2021");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("main.typ"), "Hello").unwrap();
    std::fs::copy(
        crate::common::templates().join("annual-review-2021/figures.toml"),
        templates.join("figures.toml"),
    )
    .unwrap();
    let run = Run::of(
        Command::new(crate::common::BIN)
            .args(["build", "--input"])
            .arg(fixture.input())
            .arg("--output")
            .arg(fixture.output())
            .arg("--templates")
            .arg(fixture.dir.path().join("templates"))
            .output()
            .unwrap(),
    );
    run.assert_status(2)
        .assert_stderr_contains("has no fonts (expected .ttf or .otf files in it)");
    assert!(!fixture.output().exists());
}

#[test]
fn a_runaway_commentary_is_stopped_at_the_time_limit_and_the_others_are_written() {
    // Regression: this commentary never finished, and hung the whole batch.
    let fixture = Fixture::new("small");
    fixture.write(
        "commentary/E10000012.typ",
        "#for i in range(100000) { for j in range(100000) { } }\n",
    );
    let run = fixture.run(&["build", "--letter-time-limit", "1"]);
    run.assert_status(1);
    assert!(
        run.stderr.starts_with(
            "error: the letter to Essex County Council (`E10000012`) failed:\n  \
             it took longer than the time limit of 1 second and was stopped; look for a loop that never ends in a commentary or the template (or raise the limit with --letter-time-limit)\n\
             wrote 5 letters and their web pages in `"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(", 1 failed, in "), "{}", run.stderr);
    assert_eq!(files_under(&fixture.letters()).len(), 5);
    assert!(!fixture.letter("essex-county-council").exists());

    // One letter alone is compiled in the build's own process: the same limit holds there.
    assert_fails_alone(
        &fixture,
        &["--authority", "E10000012", "--letter-time-limit", "1"],
        "error: the letter to Essex County Council (`E10000012`) failed:\n  \
         it took longer than the time limit of 1 second and was stopped;",
    );
    assert!(!fixture.letter("essex-county-council").exists());
}

#[test]
fn a_commentary_that_eats_memory_is_stopped_at_the_memory_limit_and_the_others_are_written() {
    // Regression: bigger loops exhausted memory and aborted every letter.
    let fixture = Fixture::new("small");
    fixture.write(
        "commentary/E07000008.typ",
        "#let grow = range(1000)\n#for i in range(100000) { grow = grow + grow.map(x => x + 1) }\n",
    );
    let run = fixture.run(&["build", "--letter-memory-limit", "300"]);
    run.assert_status(1);
    assert!(
        run.stderr.starts_with(
            "error: the letter to Cambridge City Council (`E07000008`) failed:\n  \
             it needed more than the memory limit of 300 MiB and was stopped; look for a loop that builds ever larger values in a commentary or the template (or raise the limit with --letter-memory-limit)\n\
             wrote 5 letters and their web pages in `"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(files_under(&fixture.letters()).len(), 5);

    // One letter alone is compiled in the build's own process: the same limit holds there.
    assert_fails_alone(
        &fixture,
        &["--authority", "E07000008", "--letter-memory-limit", "300"],
        "error: the letter to Cambridge City Council (`E07000008`) failed:\n  \
         it needed more than the memory limit of 300 MiB and was stopped;",
    );
    assert!(!fixture.letter("cambridge-city-council").exists());
}

/// `build` with `args` exits 1 with a message that starts with `message`.
fn assert_fails_alone(fixture: &Fixture, args: &[&str], message: &str) {
    let run = fixture.run(&[&["build"], args].concat());
    run.assert_status(1);
    assert!(run.stderr.starts_with(message), "{}", run.stderr);
}

#[test]
fn names_that_would_be_spreadsheet_formulas_are_neutralised_in_the_csv_only() {
    // Regression: `=HYPERLINK(…)`, `+SUM(…)`, `@cmd`, `-2+3` went out as live formulas.
    let fixture = Fixture::new("tiny");
    let authorities = fixture
        .read("authorities.csv")
        .replace(
            "Kent County Council",
            "=HYPERLINK(\"http://evil\";\"Kent\")",
        )
        .replace("Essex County Council", "@cmd|' /C calc'!A0");
    fixture.write("authorities.csv", authorities);
    fixture.write(
        "decisions.csv",
        fixture
            .read("decisions.csv")
            .replace(",Kent County Council,", ",E10000016,")
            .replace(",Essex County Council,", ",E10000012,"),
    );
    fixture.write(
        "compliance.csv",
        fixture
            .read("compliance.csv")
            .replace(",Kent County Council,", ",E10000016,")
            .replace(",Essex County Council,", ",E10000012,"),
    );
    fixture.run(&["build"]).assert_status(0);
    let csv = std::fs::read_to_string(fixture.output().join("2020-21/statistics.csv")).unwrap();
    let names: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "\"'=HYPERLINK(\"\"http://evil\"\";\"\"Kent\"\")\"",
            "'@cmd|' /C calc'!A0"
        ]
    );
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixture.output().join("2020-21/statistics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        json["authorities"][0]["name"],
        "=HYPERLINK(\"http://evil\";\"Kent\")"
    );
}

#[test]
fn counts_over_999_have_a_thousands_separator() {
    // Regression: "12280 upheld decisions"; GOV.UK style writes 12,280.
    let fixture = Fixture::new("tiny");
    let mut decisions = fixture.read("decisions.csv");
    for n in 0..1200 {
        decisions.push_str(&format!(
            "20 9{n:02} {:03},E10000016,2020-06-01,Housing,Upheld,no,\n",
            n % 1000
        ));
    }
    fixture.write("decisions.csv", decisions);
    fixture.run(&["build"]).assert_status(0);
    let kent = pdf_text(&fixture.letter("kent-county-council"));
    let upheld = kent
        .split(" upheld decisions")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .unwrap();
    assert!(
        upheld.len() == 5 && upheld.as_bytes()[1] == b',',
        "{upheld}: {kent}"
    );
    assert_contains(&kent, &format!("Based on {upheld} upheld decisions"));
}
