//! Every year in one place: the 2024-25 site built with the 2020-21 publication archived, each
//! council's earlier letters and figures from the checked bag, councils new and abolished, a
//! damaged bag, and a reissued earlier letter.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{
    BIN, Run, assert_contains, assert_same_tree, copy_dir, correct_one_kent_decision_in, repo,
    templates, thousands,
};

/// A folder holding the 2020-21 input (`2021/`), the 2024-25 input (`2025/`), the 2020-21
/// publication built and archived (`output/2020-21`, `archive/2020-21`) and the 2024-25
/// publication built with that archive (`output/2024-25`): made once for the test run, to be
/// read or copied.
fn two_years() -> &'static Path {
    static MADE: OnceLock<PathBuf> = OnceLock::new();
    MADE.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("two-years-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        copy_dir(&repo().join("input"), &root.join("2021"));
        copy_dir(&repo().join("examples/2024-25"), &root.join("2025"));
        copy_dir(
            &crate::common::national().join("2020-21"),
            &root.join("output/2020-21"),
        );
        run(&root, &["archive", "--input", "2021"]).assert_status(0);
        run(&root, &["build", "--input", "2025"])
            .assert_status(0)
            .assert_stderr_contains("wrote 317 letters and their web pages");
        root
    })
}

/// Runs `annual-review <args>` in `dir`, with the repository's templates.
fn run(dir: &Path, args: &[&str]) -> Run {
    let templates = templates();
    Run::of(
        Command::new(BIN)
            .args(args)
            .arg("--templates")
            .arg(&templates)
            .current_dir(dir)
            .output()
            .expect("the binary runs"),
    )
}

/// A page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed.
fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.replace("&amp;", "&").replace("&#39;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn page(root: &Path, year: &str, slug: &str) -> String {
    std::fs::read_to_string(root.join(format!("output/{year}/site/councils/{slug}.html"))).unwrap()
}

#[test]
fn kents_page_links_both_years_letters_and_shows_its_figures_by_year() {
    let root = two_years();
    let html = page(root, "2024-25", "kent-county-council");
    assert_contains(&html, r#"href="../letters/kent-county-council.pdf""#);
    assert_contains(
        &html,
        r#"href="../history/2020-21/kent-county-council.pdf""#,
    );
    // The linked copy is the archived letter, byte for byte.
    let copied =
        std::fs::read(root.join("output/2024-25/site/history/2020-21/kent-county-council.pdf"))
            .unwrap();
    let archived =
        std::fs::read(root.join("archive/2020-21/data/letters/kent-county-council.pdf")).unwrap();
    assert!(
        copied == archived,
        "the site's 2020-21 letter is the archived one"
    );
    let text = visible_text(&html);
    // Kent 2020-21: 40 of 54 upheld, 74%, against a county average of 71%; no per-resident
    // figure was declared that year.
    assert_contains(
        &text,
        "2020-21 74% (71%) 100% (100%) 13% (8%) — not reported that year",
    );
    assert_contains(
        &text,
        "2024-25 (this year) 83% (89%) 100% (100%) 6% (10%) 3.9 (5.2)",
    );
    assert_contains(
        &text,
        "2020-21: We paused our casework for three months from late March 2020",
    );
    assert_contains(
        &text,
        "2024-25: Our investigation process changed in 2022-23",
    );
    // A chart for each measure with a figure in both years, read out as the table says it; none
    // for upheld decisions per 100,000 residents, which 2020-21 did not report.
    for chart in [
        "Upheld rate: 2020-21 74%, average 71%; 2024-25 83%, average 89%",
        "Compliance rate: 2020-21 100%, average 100%; 2024-25 100%, average 100%",
        "Satisfactory remedy rate: 2020-21 13%, average 8%; 2024-25 6%, average 10%",
    ] {
        assert_contains(&html, &format!(r#"<div role="img" aria-label="{chart}">"#));
    }
    assert_eq!(html.matches(r#"<figure class="history-chart">"#).count(), 3);
    // The letter data carries the same history, for a template to print "last year".
    let data = run(
        root,
        &[
            "letter-data",
            "--input",
            "2025",
            "--authority",
            "Kent County Council",
        ],
    );
    data.assert_status(0);
    let data: serde_json::Value = serde_json::from_str(&data.stdout).unwrap();
    let year = &data["history"]["years"][0];
    assert_eq!(year["year"], "2020-21");
    assert_eq!(year["letter"], "history/2020-21/kent-county-council.pdf");
    assert_eq!(year["figures"][0]["shown"], "74%");
    assert_eq!(year["figures"][0]["average"], "71%");
    assert_eq!(data["history"]["first_year"], false);
}

#[test]
fn a_council_created_in_2023_says_it_is_its_first_year() {
    let root = two_years();
    for slug in ["cumberland-council", "north-yorkshire-council"] {
        let text = visible_text(&page(root, "2024-25", slug));
        assert_contains(
            &text,
            "Earlier years This council had no letter in the earlier years published here: this is its first.",
        );
        assert!(
            !text.contains("(PDF)") || !text.contains("Letter for 2020-21"),
            "{slug}"
        );
    }
}

#[test]
fn an_abolished_districts_letter_is_reachable_from_the_index() {
    let root = two_years();
    let index = std::fs::read_to_string(root.join("output/2024-25/site/index.html")).unwrap();
    assert_contains(
        &index,
        r#"href="history/2020-21/allerdale-borough-council.pdf""#,
    );
    let text = visible_text(&index);
    assert_contains(&text, "Allerdale Borough Council (no longer exists)");
    let copied = std::fs::read(
        root.join("output/2024-25/site/history/2020-21/allerdale-borough-council.pdf"),
    )
    .unwrap();
    let archived =
        std::fs::read(root.join("archive/2020-21/data/letters/allerdale-borough-council.pdf"))
            .unwrap();
    assert!(copied == archived);
    // The index links the earlier year and its statistics.
    assert_contains(&index, r#"href="history/2020-21/statistics.csv""#);
}

#[test]
fn without_an_archive_the_site_says_it_is_the_first_year() {
    let html = std::fs::read_to_string(
        crate::common::national().join("2020-21/site/councils/kent-county-council.html"),
    )
    .unwrap();
    assert_contains(
        &visible_text(&html),
        "This is the first year for which our letters are published here, so there are no earlier letters to show yet.",
    );
    // An empty archive folder is a first year too: the same bytes.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("input"), &dir.path().join("2021"));
    std::fs::create_dir(dir.path().join("archive")).unwrap();
    run(
        dir.path(),
        &[
            "build",
            "--input",
            "2021",
            "--authority",
            "Kent County Council",
        ],
    )
    .assert_status(0);
    assert_eq!(
        std::fs::read_to_string(
            dir.path()
                .join("output/2020-21/site/councils/kent-county-council.html")
        )
        .unwrap(),
        html
    );
}

#[test]
fn a_damaged_bag_stops_the_build_with_its_name_and_nothing_is_written() {
    for damage in ["flipped byte", "missing file"] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&two_years().join("2025"), &dir.path().join("2025"));
        copy_dir(&two_years().join("archive"), &dir.path().join("archive"));
        let letter = dir
            .path()
            .join("archive/2020-21/data/letters/kent-county-council.pdf");
        match damage {
            "flipped byte" => {
                let mut bytes = std::fs::read(&letter).unwrap();
                bytes[100] ^= 1;
                std::fs::write(&letter, bytes).unwrap();
            }
            _ => std::fs::remove_file(&letter).unwrap(),
        }
        let run = run(dir.path(), &["build", "--input", "2025"]);
        run.assert_status(1);
        let found = if damage == "flipped byte" {
            "  changed  archive/2020-21/data/letters/kent-county-council.pdf\n".to_string()
        } else {
            let size = std::fs::metadata(
                two_years().join("archive/2020-21/data/letters/kent-county-council.pdf"),
            )
            .unwrap()
            .len();
            let oxum = std::fs::read_to_string(two_years().join("archive/2020-21/bag-info.txt"))
                .unwrap()
                .lines()
                .find_map(|line| line.strip_prefix("Payload-Oxum: ").map(str::to_string))
                .unwrap();
            let (bytes, files) = oxum.split_once('.').unwrap();
            let (bytes, files): (u64, u64) = (bytes.parse().unwrap(), files.parse().unwrap());
            format!(
                "  missing  archive/2020-21/data/letters/kent-county-council.pdf\n  invalid  archive/2020-21/bag-info.txt: its Payload-Oxum says {} bytes in {} files, but the payload holds {} bytes in {} files\n",
                thousands(bytes),
                thousands(files),
                thousands(bytes - size),
                thousands(files - 1)
            )
        };
        assert_eq!(
            run.stderr,
            format!(
                "error: the archived year `archive/2020-21` does not hold, so its letters and figures cannot be used; nothing was written\n{found}  hint: `annual-review verify archive/2020-21` says the same; restore the bag from a copy\n"
            ),
            "{damage}"
        );
        assert!(
            !dir.path().join("output").exists(),
            "{damage}: nothing written"
        );
    }
}

#[test]
fn a_bag_not_named_by_its_year_is_refused() {
    // The year names the site's folder of that year's letters: it is the bag's own plain name.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&two_years().join("2025"), &dir.path().join("2025"));
    copy_dir(
        &two_years().join("archive/2020-21"),
        &dir.path().join("archive/2019-20"),
    );
    let run = run(dir.path(), &["build", "--input", "2025"]);
    run.assert_status(1);
    assert_eq!(
        run.stderr,
        "error: the archived year `archive/2019-20` cannot be read: it holds the publication of `2020-21`, but a year's bag is named by its year\n"
    );
    assert!(!dir.path().join("output").exists());
}

#[test]
fn a_bag_changed_after_a_build_read_it_is_found_though_its_size_and_time_are_kept() {
    // A build keeps the archive's files' stamps so that the next need not read them; a file
    // changed in place, its size and modification time put back, is still read and refused.
    let dir = tempfile::tempdir().unwrap();
    for folder in ["2025", "archive"] {
        copy_dir(&two_years().join(folder), &dir.path().join(folder));
    }
    run(dir.path(), &["build", "--input", "2025"]).assert_status(0);
    assert!(
        dir.path()
            .join("output/2024-25/.archive-stamps.json")
            .is_file()
    );
    run(dir.path(), &["build", "--input", "2025"])
        .assert_status(0)
        .assert_stderr_contains("all 317 letters are up to date");
    let before = crate::common::year_tree(&dir.path().join("output/2024-25"));
    let letter = dir
        .path()
        .join("archive/2020-21/data/letters/kent-county-council.pdf");
    let modified = std::fs::metadata(&letter).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&letter).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&letter, bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&letter)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let refused = run(dir.path(), &["build", "--input", "2025"]);
    refused.assert_status(1);
    assert_contains(
        &refused.stderr,
        "  changed  archive/2020-21/data/letters/kent-county-council.pdf\n",
    );
    assert!(before == crate::common::year_tree(&dir.path().join("output/2024-25")));
}

#[test]
fn a_reissued_2020_21_letter_makes_exactly_the_pages_that_show_it_stale() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for folder in ["2021", "2025", "output", "archive"] {
        copy_dir(&two_years().join(folder), &root.join(folder));
    }
    // A correction to one of Kent's 2020-21 decisions, rebuilt and reissued into the archive.
    correct_one_kent_decision_in(&root.join("2021"), "Upheld", "Not upheld");
    run(root, &["build", "--input", "2021"]).assert_status(0);
    run(
        root,
        &[
            "archive",
            "--input",
            "2021",
            "--reissue",
            "--reason",
            "A decision was recorded with the wrong outcome",
            "--date",
            "2021-09-01",
        ],
    )
    .assert_status(0);

    let status = run(root, &["status", "--input", "2025"]);
    status.assert_status(0);
    assert_contains(
        &status.stdout,
        "2020-21's letter to Kent County Council was reissued",
    );
    // Kent's own page, and those of the councils whose 2020-21 row shows the county average it
    // moved: no other council's.
    let json = run(root, &["status", "--input", "2025", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let stale: Vec<String> = json["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|letter| letter["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        stale.contains(&"Kent County Council".to_string()),
        "{stale:?}"
    );
    for name in &stale {
        assert!(
            name.ends_with("County Council"),
            "{name} is stale: {stale:?}"
        );
    }
    let build = run(root, &["build", "--input", "2025"]);
    build.assert_status(0);
    build.assert_stderr_contains(&format!("wrote {} letter", stale.len()));
    let reissued =
        std::fs::read(root.join("output/2024-25/site/history/2020-21/kent-county-council.pdf"))
            .unwrap();
    assert!(
        reissued
            == std::fs::read(root.join("output/2020-21/letters/kent-county-council.pdf")).unwrap(),
        "the site shows the reissued letter"
    );
    assert_contains(
        &visible_text(&page(root, "2024-25", "kent-county-council")),
        "Letter for 2020-21 (PDF) , reissued on 1 September 2021",
    );
    // What the incremental build left is what a fresh build with the same archive makes.
    let fresh = tempfile::tempdir().unwrap();
    let fresh_run = Run::of(
        Command::new(BIN)
            .args(["build", "--input", "2025", "--output"])
            .arg(fresh.path())
            .arg("--templates")
            .arg(templates())
            .current_dir(root)
            .output()
            .unwrap(),
    );
    fresh_run.assert_status(0);
    assert_same_tree(
        &fresh.path().join("2024-25"),
        &root.join("output/2024-25"),
        "after a reissue of 2020-21",
    );
    run(root, &["status", "--input", "2025"]).assert_status(0);
}
