//! The archive: BagIt bags checked by an independent implementation (the Library of Congress
//! `bagit` package), no-op and refused re-archiving, reissues kept beside the originals, and
//! `verify` catching changed, missing and extra files.

use std::path::Path;

use crate::common::{Fixture, Run, thousands};

fn assert_valid_bag(bag: &Path) {
    crate::common::assert_valid_bags(&[bag.to_path_buf()]);
}

fn archive(fixture: &Fixture, extra: &[&str]) -> Run {
    let (output, archive) = (
        fixture.output().display().to_string(),
        fixture.dir.path().join("archive").display().to_string(),
    );
    let mut args = vec!["archive", "--output", &output, "--archive", &archive];
    args.extend(extra);
    fixture.run(&args)
}

fn verify(fixture: &Fixture) -> Run {
    let archive = fixture.dir.path().join("archive").display().to_string();
    fixture.run(&["verify", &archive])
}

#[test]
fn a_publication_is_archived_once_as_a_valid_bag() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    archive(&fixture, &[])
        .assert_status(0)
        .assert_stderr_contains("archived 31 files in `");
    let bag = fixture.dir.path().join("archive/2020-21");
    assert_valid_bag(&bag);
    // The letters, each with its web page and the site's copy; the statistics and the manifest;
    // the site's index, data, stylesheet, script and fonts (with their licence); the tag files.
    let mut expected: Vec<String> = [
        "brighton-and-hove-draft",
        "cambridge-city-council",
        "council-of-the-isles-of-scilly",
        "essex-county-council",
        "kent-county-council",
        "read-etc-passwd",
    ]
    .iter()
    .flat_map(|slug| {
        [
            format!("data/letters/{slug}.pdf"),
            format!("data/site/councils/{slug}.html"),
            format!("data/site/letters/{slug}.pdf"),
        ]
    })
    .chain(
        [
            "bag-info.txt",
            "bagit.txt",
            "data/manifest.json",
            "data/statistics.csv",
            "data/statistics.json",
            "data/site/index.html",
            "data/site/data/statistics.csv",
            "data/site/data/statistics.json",
            "data/site/assets/site.js",
            "data/site/assets/style.css",
            "data/site/assets/fonts/Lato-Bold.ttf",
            "data/site/assets/fonts/Lato-BoldItalic.ttf",
            "data/site/assets/fonts/Lato-Italic.ttf",
            "data/site/assets/fonts/Lato-Regular.ttf",
            "data/site/assets/fonts/OFL.txt",
            "history.json",
            "manifest-sha256.txt",
            "tagmanifest-sha256.txt",
        ]
        .map(String::from),
    )
    .collect();
    expected.sort();
    assert_eq!(crate::common::files_under(&bag), expected);
    let bag_info = std::fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    assert!(bag_info.contains("Source-Organization: Local Government and Social Care Ombudsman\n"));
    assert!(
        bag_info.contains("Bagging-Date: 2021-07-28\n"),
        "the publication's date, not the clock"
    );
    let letter = std::fs::read(fixture.letter("kent-county-council")).unwrap();
    assert_eq!(
        std::fs::read(bag.join("data/letters/kent-county-council.pdf")).unwrap(),
        letter
    );

    let before = crate::common::files_under(&bag);
    archive(&fixture, &[])
        .assert_status(0)
        .assert_stderr_contains("already holds this publication; nothing was written");
    assert_eq!(crate::common::files_under(&bag), before);
    verify(&fixture).assert_status(0);
    assert!(
        verify(&fixture)
            .stdout
            .contains("2020-21`: all 35 files hold")
    );
}

#[test]
fn verify_names_every_changed_missing_and_extra_file() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    archive(&fixture, &[]).assert_status(0);
    let bag = fixture.dir.path().join("archive/2020-21");
    let kent = bag.join("data/letters/kent-county-council.pdf");
    let mut bytes = std::fs::read(&kent).unwrap();
    bytes[1000] ^= 0x01; // one flipped bit
    std::fs::write(&kent, &bytes).unwrap();
    let payload_bytes: u64 = crate::common::files_under(&bag.join("data"))
        .iter()
        .map(|f| std::fs::metadata(bag.join("data").join(f)).unwrap().len())
        .sum();
    let statistics_bytes = std::fs::metadata(bag.join("data/statistics.csv"))
        .unwrap()
        .len();
    std::fs::remove_file(bag.join("data/statistics.csv")).unwrap();
    std::fs::write(bag.join("data/letters/extra.pdf"), b"%PDF-").unwrap();
    let run = verify(&fixture);
    run.assert_status(1);
    let now_bytes = payload_bytes - statistics_bytes + 5;
    let stdout = run.stdout.replace(&bag.display().to_string(), "BAG");
    assert_eq!(
        stdout,
        format!(
            "changed  BAG/data/letters/kent-county-council.pdf\n\
             missing  BAG/data/statistics.csv\n\
             extra    BAG/data/letters/extra.pdf\n\
             invalid  BAG/bag-info.txt: its Payload-Oxum says {} bytes in 31 files, but the payload holds {} bytes in 31 files\n\
             `BAG`: 4 problems in 35 files checked\n",
            thousands(payload_bytes),
            thousands(now_bytes)
        )
    );
}

#[test]
fn a_reissue_keeps_the_original_and_adds_the_corrected_letters_with_date_and_reason() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    archive(&fixture, &[]).assert_status(0);
    let bag = fixture.dir.path().join("archive/2020-21");
    let original = std::fs::read(bag.join("data/letters/kent-county-council.pdf")).unwrap();

    // Scilly's one decision was in fact investigated and not upheld: its letter changes, and so
    // does Brighton's, the other unitary council, whose letter now has an average to print.
    let decisions = fixture.read("decisions.csv");
    fixture.write(
        "decisions.csv",
        decisions.replace(
            ",Planning and development,Closed after initial enquiries,,",
            ",Planning and development,Not upheld,,",
        ),
    );
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("wrote 2 letters and their web pages (4 already up to date)");
    archive(&fixture, &[])
        .assert_status(1)
        .assert_stderr_contains("already holds a different publication of 2020-21 (12 files differ)")
        .assert_stderr_contains("hint: to add corrected letters beside the originals, run `annual-review archive --reissue --reason");

    archive(&fixture, &["--reissue", "--reason", "Case 20 001 001 was investigated", "--date", "2021-09-01"])
        .assert_status(0)
        .assert_stderr_contains("added 12 reissued files to `")
        .assert_stderr_contains("data/reissues/01-2021-09-01:\n  letters/brighton-and-hove-draft.pdf\n  letters/council-of-the-isles-of-scilly.pdf\n  manifest.json\n  site/councils/brighton-and-hove-draft.html\n  site/councils/council-of-the-isles-of-scilly.html\n  site/data/statistics.csv\n  site/data/statistics.json\n  site/index.html\n  site/letters/brighton-and-hove-draft.pdf\n  site/letters/council-of-the-isles-of-scilly.pdf\n  statistics.csv\n  statistics.json\n");
    assert_valid_bag(&bag);
    assert_eq!(
        std::fs::read(bag.join("data/letters/kent-county-council.pdf")).unwrap(),
        original
    );
    let scilly = "letters/council-of-the-isles-of-scilly.pdf";
    assert!(bag.join("data").join(scilly).exists(), "the original stays");
    assert_eq!(
        std::fs::read(bag.join("data/reissues/01-2021-09-01").join(scilly)).unwrap(),
        std::fs::read(fixture.letters().join("council-of-the-isles-of-scilly.pdf")).unwrap()
    );
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bag.join("history.json")).unwrap()).unwrap();
    assert_eq!(history["events"][1]["kind"], "reissue");
    assert_eq!(history["events"][1]["date"], "2021-09-01");
    assert_eq!(
        history["events"][1]["reason"],
        "Case 20 001 001 was investigated"
    );
    verify(&fixture).assert_status(0);

    archive(&fixture, &[])
        .assert_status(0)
        .assert_stderr_contains("already holds this publication");
    archive(&fixture, &["--reissue", "--reason", "again"])
        .assert_status(0)
        .assert_stderr_contains("nothing to reissue");
}
