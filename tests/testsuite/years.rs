//! Two years' publications from one tool: the 2024-25 letter in its own shape, from its template
//! and declaration, and both years side by side in one output folder and one archive, through
//! every command.

use std::path::Path;
use std::process::Command;

use crate::common::pdf::pdf_text;
use crate::common::{BIN, Run, assert_contains, copy_dir, repo, templates};

#[test]
fn kents_2024_25_letter_prints_its_overview_rates_and_count_per_residents() {
    let letter = crate::common::national_2025().join("2024-25/letters/kent-county-council.pdf");
    let kent = pdf_text(&letter);
    for expected in [
        "16 July 2025 By email Mr Dunmore Chief Executive Kent County Council",
        "Copied to: Cllr Emma Lloyd, Leader of the Council; Cllr Bridget Nakamura, Chair of Scrutiny",
        "Annual Review letter 2025",
        // The complaint overview: 291 = 87 + 128 + 76.
        "This year we dealt with 291 complaints about your Council. Of these, 87 were not for us to consider",
        "128 were assessed and closed without an investigation and 76 were investigated.",
        // The rates over investigations, and the count per residents with the type's average.
        "83% of the complaints we investigated were upheld. This compares with an average of 89% among County Councils. 63 upheld decisions Based on 76 investigations",
        "We upheld 3.9 complaints for every 100,000 residents of your Council’s area. This compares with an average of 5.2 among County Councils.",
        "We changed our investigation process in 2022-23",
        "Amerdeep Somal",
    ] {
        assert_contains(&kent, expected);
    }
    let csv =
        std::fs::read_to_string(crate::common::national_2025().join("2024-25/statistics.csv"))
            .unwrap();
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "code,name,type,group,letter,population,decisions,upheld,not_upheld,advice_given,\
         closed_after_initial_enquiries,incomplete_invalid,referred_back_for_local_resolution,\
         not_for_us,assessed_and_closed,investigated,complaints_dealt_with,remedied_by_authority,\
         public_reports,compliance_outcomes,complied,complied_late,not_complied,\
         upheld_rate_percent,upheld_rate_average_percent,compliance_rate_percent,\
         compliance_rate_average_percent,satisfactory_remedy_rate_percent,\
         satisfactory_remedy_rate_average_percent,upheld_per_100000_residents,\
         upheld_per_100000_residents_average"
    );
    let kent_row = csv.lines().find(|l| l.starts_with("E10000016,")).unwrap();
    assert!(
        kent_row.contains(",1610000,291,63,13,") && kent_row.contains(",87,128,76,291,"),
        "{kent_row}"
    );
    assert!(kent_row.ends_with(",3.9,5.2"), "{kent_row}");
}

/// Runs `annual-review <args>` in `dir`.
fn run(dir: &Path, args: &[&str]) -> Run {
    Run::of(
        Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the binary runs"),
    )
}

#[test]
fn both_years_share_one_output_folder_and_one_archive() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("input"), &dir.path().join("2021"));
    copy_dir(&repo().join("examples/2024-25"), &dir.path().join("2025"));
    // The two national builds, as `build` makes them, in one output folder.
    copy_dir(
        &crate::common::national().join("2020-21"),
        &dir.path().join("output/2020-21"),
    );
    copy_dir(
        &crate::common::national_2025().join("2024-25"),
        &dir.path().join("output/2024-25"),
    );
    let templates = templates().display().to_string();
    for (input, year, letters) in [("2021", "2020-21", 339), ("2025", "2024-25", 317)] {
        let source = ["--input", input, "--templates", &templates];
        run(dir.path(), &[&["check"][..], &source].concat())
            .assert_status(0)
            .assert_stderr_contains(&format!("the input is valid: {letters} letters for {year}"));
        let build = run(dir.path(), &[&["build"][..], &source].concat());
        build.assert_status(0);
        if year == "2020-21" {
            build.assert_stderr_contains(&format!("all {letters} letters are up to date"));
        } else {
            // 2020-21, archived a moment ago, is 2024-25's earlier year now: every page shows it.
            build.assert_stderr_contains(&format!("wrote {letters} letters and their web pages"));
        }
        let status = run(dir.path(), &[&["status"][..], &source].concat());
        assert_eq!(
            status.stdout,
            format!(
                "all {letters} letters of {year} are up to date, with their pages and the site\n"
            )
        );
        let data = run(
            dir.path(),
            &[&["letter-data", "--authority", "E10000016"][..], &source].concat(),
        );
        data.assert_status(0);
        assert!(data.stdout.contains(&format!("\"year\": \"{year}\"")));
        run(dir.path(), &[&["archive"][..], &source].concat())
            .assert_status(0)
            .assert_stderr_contains(&format!("in `archive/{year}`"));
    }
    let verified = run(dir.path(), &["verify", "archive"]);
    verified.assert_status(0);
    let lines: Vec<&str> = verified.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", verified.stdout);
    assert!(
        lines[0].starts_with("`archive/2020-21`: all "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("`archive/2024-25`: all "),
        "{}",
        lines[1]
    );
    crate::common::assert_valid_bags(&[
        dir.path().join("archive/2020-21"),
        dir.path().join("archive/2024-25"),
    ]);
}
