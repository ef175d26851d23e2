//! Corrections: the manifest, `status`, incremental and interrupted builds, and the lock.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::{
    BOOKKEEPING, Fixture, Run, assert_manifest_true, correct_one_kent_decision, files_under,
};

/// Dates every file under `dir` far in the past and takes its [`snapshot`]: any file a later run
/// writes then has another time, with no need to wait for the clock to move on.
fn dated_long_ago(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for file in files_under(dir) {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join(file))
            .unwrap();
        file.set_modified(long_ago).unwrap();
    }
    snapshot(dir)
}

/// Every file under `dir` with its bytes and modification time, but the tool's bookkeeping.
fn snapshot(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    files_under(dir)
        .into_iter()
        .filter(|file| !BOOKKEEPING.iter().any(|name| file.ends_with(name)))
        .map(|file| {
            let path = dir.join(&file);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            (file, (std::fs::read(&path).unwrap(), modified))
        })
        .collect()
}

/// The files whose bytes or modification time differ between two snapshots.
fn touched(
    before: &BTreeMap<String, (Vec<u8>, SystemTime)>,
    after: &BTreeMap<String, (Vec<u8>, SystemTime)>,
) -> Vec<String> {
    after
        .iter()
        .filter(|(file, now)| before.get(*file) != Some(now))
        .map(|(f, _)| f.clone())
        .collect()
}

#[test]
fn a_second_build_of_unchanged_input_writes_nothing() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let before = dated_long_ago(&fixture.output());
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("all 6 letters are up to date; nothing was written");
    assert_eq!(
        touched(&before, &snapshot(&fixture.output())),
        Vec::<String>::new()
    );
}

#[test]
fn force_rebuilds_every_letter_to_the_same_bytes() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let before = dated_long_ago(&fixture.letters());
    fixture
        .run(&["build", "--force"])
        .assert_status(0)
        .assert_stderr_contains("wrote 6 letters");
    let after = snapshot(&fixture.letters());
    assert_eq!(touched(&before, &after).len(), 6, "every letter rewritten");
    for (file, (bytes, _)) in &before {
        assert_eq!(&after[file].0, bytes, "{file} is byte-for-byte the same");
    }
}

#[test]
fn force_with_one_authority_remakes_that_letter_and_its_page_alone() {
    // Regenerating one council's letter must not pay for the site's index: the publication's own
    // files are forced only when the whole register is built.
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let before = dated_long_ago(&fixture.output());
    fixture
        .run(&["build", "--authority", "E10000016", "--force"])
        .assert_status(0)
        .assert_stderr_contains("wrote 1 letter and its web page");
    let after = snapshot(&fixture.output());
    assert_eq!(
        touched(&before, &after),
        [
            "2020-21/letters/kent-county-council.pdf",
            "2020-21/manifest.json",
            "2020-21/site/councils/kent-county-council.html",
            "2020-21/site/letters/kent-county-council.pdf",
        ],
        "only Kent's letter, its page and its site copy are written again, and the record"
    );
    for (file, (bytes, _)) in &before {
        assert_eq!(&after[file].0, bytes, "{file} is byte-for-byte the same");
    }
}

fn status(fixture: &Fixture, json: bool) -> Run {
    fixture.run(if json {
        &["status", "--json"]
    } else {
        &["status"]
    })
}

#[test]
fn a_correction_that_moves_the_group_average_makes_every_letter_printing_it_stale() {
    // Two county councils: Kent 40/54 upheld and Essex 7/10. County average (74.07 % + 70 %) / 2
    // = 72.04 % → 72 %. One Kent decision corrected from Upheld to Not upheld: Kent 39/54 =
    // 72.2 %, average 71.1 % → 71 %: Kent's letter and Essex's are stale, no other.
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let before = dated_long_ago(&fixture.output());
    correct_one_kent_decision(&fixture, "Upheld", "Not upheld");

    let run = status(&fixture, false);
    run.assert_status(0);
    insta::assert_snapshot!("status_after_a_correction", run.stdout);
    let run = status(&fixture, true);
    run.assert_status(0);
    insta::assert_snapshot!(
        "status_json_after_a_correction",
        fixture.masked(&run.stdout)
    );

    let run = fixture.run(&["build"]);
    run.assert_status(0);
    insta::assert_snapshot!("build_after_a_correction", fixture.masked(&run.stderr));
    let changed = touched(&before, &snapshot(&fixture.output()));
    assert_eq!(
        changed,
        [
            "2020-21/letters/essex-county-council.pdf",
            "2020-21/letters/kent-county-council.pdf",
            "2020-21/manifest.json",
            "2020-21/site/councils/essex-county-council.html",
            "2020-21/site/councils/kent-county-council.html",
            "2020-21/site/data/statistics.csv",
            "2020-21/site/data/statistics.json",
            "2020-21/site/index.html",
            "2020-21/site/letters/essex-county-council.pdf",
            "2020-21/site/letters/kent-county-council.pdf",
            "2020-21/statistics.csv",
            "2020-21/statistics.json",
        ]
    );
    assert_manifest_true(&fixture.output().join("2020-21"));
    assert!(
        status(&fixture, false)
            .stdout
            .contains("all 6 letters of 2020-21 are up to date")
    );
}

#[test]
fn a_correction_on_the_sample_reissues_only_kent() {
    let fixture = Fixture::sample_built();
    let before = dated_long_ago(&fixture.output());
    correct_one_kent_decision(&fixture, "Upheld", "Not upheld");
    let run = status(&fixture, false);
    assert_eq!(
        run.stdout,
        "changed  letters/kent-county-council.pdf, site/councils/kent-county-council.html, site/letters/kent-county-council.pdf (Kent County Council)\n\
        \x20        upheld rate 74% (40 of 54) → 72% (39 of 54)\n\
        \x20        satisfactory remedy rate 13% (5 of 40) → 13% (5 of 39)\n\
        \x20        decisions by outcome changed\n\
        \x20        decisions by service area changed\n\
        changed  site/data/statistics.csv\n\
        \x20        its content changed\n\
        changed  site/data/statistics.json\n\
        \x20        its content changed\n\
        changed  site/index.html\n\
        \x20        the figures it shows changed\n\
        changed  statistics.csv\n\
        \x20        its content changed\n\
        changed  statistics.json\n\
        \x20        its content changed\n\
        0 new, 1 changed, 0 to remove; 338 up to date; 5 other files to write\n"
    );
    fixture.run(&["build"]).assert_status(0);
    let changed = touched(&before, &snapshot(&fixture.output()));
    assert_eq!(
        changed,
        [
            "2020-21/letters/kent-county-council.pdf",
            "2020-21/manifest.json",
            "2020-21/site/councils/kent-county-council.html",
            "2020-21/site/data/statistics.csv",
            "2020-21/site/data/statistics.json",
            "2020-21/site/index.html",
            "2020-21/site/letters/kent-county-council.pdf",
            "2020-21/statistics.csv",
            "2020-21/statistics.json",
        ]
    );
}

#[test]
fn status_lists_new_missing_altered_and_orphaned_letters() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    std::fs::remove_file(fixture.letter("cambridge-city-council")).unwrap();
    std::fs::write(
        fixture.letter("essex-county-council"),
        b"%PDF-1.7 not the letter",
    )
    .unwrap();
    let authorities = fixture.read("authorities.csv");
    fixture.write(
        "authorities.csv",
        authorities.replace("Kent County Council,", "Kent County Council (renamed),")
            + "E09000033,Westminster City Council,London Borough,Ms Lee,Chief Executive\n",
    );
    fixture.write(
        "decisions.csv",
        fixture
            .read("decisions.csv")
            .replace(",Kent County Council,", ",E10000016,"),
    );
    let run = status(&fixture, false);
    run.assert_status(0);
    insta::assert_snapshot!(
        "status_of_new_missing_altered_and_orphaned_letters",
        run.stdout
    );
}

#[test]
fn a_template_change_rebuilds_what_reads_the_changed_file_and_leaves_the_statistics_alone() {
    let fixture = Fixture::new("small");
    let templates = fixture.dir.path().join("templates");
    crate::common::copy_dir(&crate::common::templates(), &templates);
    let run = |args: &[&str]| {
        Run::of(
            std::process::Command::new(crate::common::BIN)
                .args(args)
                .arg("--input")
                .arg(fixture.input())
                .arg("--output")
                .arg(fixture.output())
                .arg("--templates")
                .arg(&templates)
                .output()
                .unwrap(),
        )
    };
    run(&["build"]).assert_status(0);
    let before = dated_long_ago(&fixture.output());
    let palette = templates.join("annual-review-2021/palette.typ");
    let text = std::fs::read_to_string(&palette).unwrap();
    std::fs::write(&palette, format!("{text}\n// A new shade is coming.\n")).unwrap();
    let status = run(&["status"]);
    assert!(
        status.stdout.contains("changed  letters/kent-county-council.pdf, site/councils/kent-county-council.html, site/letters/kent-county-council.pdf (Kent County Council)\n         the template's `palette.typ` changed\n"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.ends_with(
            "changed  site/index.html\n         the template's `palette.typ` changed\n\
             0 new, 6 changed, 0 to remove; 0 up to date; 1 other file to write\n"
        ),
        "{}",
        status.stdout
    );
    run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("wrote 6 letters and their web pages");
    let changed = touched(&before, &snapshot(&fixture.output()));
    let rewritten = |prefix: &str| changed.iter().filter(|f| f.starts_with(prefix)).count();
    assert_eq!(
        (
            rewritten("2020-21/letters/"),
            rewritten("2020-21/site/councils/"),
            rewritten("2020-21/site/letters/"),
        ),
        (6, 6, 6),
        "{changed:?}"
    );
    assert_eq!(
        changed.len(),
        20,
        "the letters, their pages and copies, the index and the manifest; not the statistics, the site's data or its assets: {changed:?}"
    );
    assert!(changed.contains(&"2020-21/site/index.html".to_string()));
}

#[test]
fn a_letter_whose_build_failed_is_listed_until_it_is_made() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    fixture.write("commentary/E10000012.typ", "#nonsense\n");
    fixture.run(&["build"]).assert_status(1);
    let run = status(&fixture, false);
    assert!(
        run.stdout.contains("changed  letters/essex-county-council.pdf, site/councils/essex-county-council.html, site/letters/essex-county-council.pdf (Essex County Council)\n         not in the manifest: the build that made it failed or was interrupted\n"),
        "{}",
        run.stdout
    );
    std::fs::remove_file(fixture.input().join("commentary/E10000012.typ")).unwrap();
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("wrote 1 letter and its web page (5 already up to date)");
}
