//! Regression tests for the defects found by trying to break the tool where something is removed
//! (the issue "A build always leaves what a fresh build would"), one test each, named after it.

use std::path::Path;

use crate::common::{Fixture, Run, files_under, into_a_closed_pipe};

fn template(fixture: &Fixture, file: &str) -> std::path::PathBuf {
    fixture.templates().join("annual-review-2021").join(file)
}

/// Essex, and its decisions and compliance outcomes, out of the fixture's input.
fn remove_essex(fixture: &Fixture) {
    for file in ["authorities.csv", "decisions.csv", "compliance.csv"] {
        let kept: String = fixture
            .read(file)
            .lines()
            .filter(|line| !line.contains("E10000012") && !line.contains("Essex"))
            .map(|line| format!("{line}\n"))
            .collect();
        fixture.write(file, kept);
    }
}

fn history(fixture: &Fixture) -> serde_json::Value {
    serde_json::from_slice(
        &std::fs::read(fixture.dir.path().join("archive/2020-21/history.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn defect_1_a_removed_council_leaves_the_site_and_its_year_can_be_archived_and_reissued() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    remove_essex(&fixture);
    let status = fixture.run(&["status"]);
    assert!(
        status.stdout.contains(
            "remove   letters/essex-county-council.pdf, site/councils/essex-county-council.html, site/letters/essex-county-council.pdf (Essex County Council)\n         `E10000012` is no longer in authorities.csv\n"
        ),
        "{}",
        status.stdout
    );
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains(
            "removed 3 files the publication no longer has: `letters/essex-county-council.pdf`, `site/councils/essex-county-council.html`, `site/letters/essex-county-council.pdf`",
        );
    let year = fixture.output().join("2020-21");
    assert!(
        files_under(&year)
            .iter()
            .all(|file| !file.contains("essex")),
        "{:?}",
        files_under(&year)
    );
    // The archived year is another publication now: a reissue records Essex's files as withdrawn
    // (kept in the bag, as everything archived is).
    fixture
        .run(&["archive"])
        .assert_status(1)
        .assert_stderr_contains("already holds a different publication of 2020-21");
    let reissue = fixture.run(&[
        "archive",
        "--reissue",
        "--reason",
        "Essex left the register",
        "--date",
        "2021-09-01",
    ]);
    reissue.assert_status(0);
    assert!(
        reissue.stderr.contains(
            "recorded 3 files as withdrawn (kept in the bag, no longer part of the publication):\n  letters/essex-county-council.pdf\n  site/councils/essex-county-council.html\n  site/letters/essex-county-council.pdf\n"
        ),
        "{}",
        reissue.stderr
    );
    let events = &history(&fixture)["events"];
    assert_eq!(
        events[1]["withdrawn"],
        serde_json::json!([
            "letters/essex-county-council.pdf",
            "site/councils/essex-county-council.html",
            "site/letters/essex-county-council.pdf"
        ])
    );
    assert!(
        fixture
            .dir
            .path()
            .join("archive/2020-21/data/letters/essex-county-council.pdf")
            .exists()
    );
    fixture.run(&["verify", "archive"]).assert_status(0);
    crate::common::assert_valid_bags(&[fixture.dir.path().join("archive/2020-21")]);
    // And now the archive holds this publication.
    fixture
        .run(&["archive"])
        .assert_status(0)
        .assert_stderr_contains("already holds this publication");
}

#[test]
fn defect_2_hidden_files_of_the_templates_site_are_skipped_and_nested_ones_kept() {
    let fixture = Fixture::new("tiny");
    std::fs::write(template(&fixture, "site/.DS_Store"), [0u8, 1, 2]).unwrap();
    std::fs::write(template(&fixture, "site/.style.css.swp"), "swap").unwrap();
    std::fs::write(template(&fixture, ".DS_Store"), [0u8, 1, 2]).unwrap();
    let icons = template(&fixture, "site/img/icons");
    std::fs::create_dir_all(&icons).unwrap();
    std::fs::write(
        icons.join("a.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    fixture.run(&["build"]).assert_status(0);
    let site = fixture.output().join("2020-21/site/assets");
    assert!(site.join("img/icons/a.svg").is_file());
    assert!(
        files_under(&site)
            .iter()
            .all(|file| !file.contains("/.") && !file.starts_with('.')),
        "{:?}",
        files_under(&site)
    );
    let status = fixture.run(&["status"]);
    status.assert_status(0);
    assert!(
        status
            .stdout
            .starts_with("all 2 letters of 2020-21 are up to date"),
        "{}",
        status.stdout
    );
    fixture
        .run(&["build"])
        .assert_stderr_contains("all 2 letters are up to date; nothing was written");
    fixture.run(&["archive"]).assert_status(0);
}

#[test]
fn defect_3_a_removed_or_renamed_template_file_leaves_the_site_and_the_manifest() {
    let fixture = Fixture::new("tiny");
    std::fs::write(template(&fixture, "site/print.css"), "a { color: black }\n").unwrap();
    fixture.run(&["build"]).assert_status(0);
    std::fs::rename(
        template(&fixture, "site/print.css"),
        template(&fixture, "site/paper.css"),
    )
    .unwrap();
    let status = fixture.run(&["status"]);
    assert!(
        status.stdout.contains(
            "new      site/assets/paper.css\n         not built yet\nremove   site/assets/print.css\n         the template no longer has it\n"
        ),
        "{}",
        status.stdout
    );
    fixture.run(&["build"]).assert_status(0);
    let year = fixture.output().join("2020-21");
    assert!(!year.join("site/assets/print.css").exists());
    assert!(year.join("site/assets/paper.css").exists());
    let manifest = std::fs::read_to_string(year.join("manifest.json")).unwrap();
    assert!(!manifest.contains("print.css"));
    fixture.run(&["archive"]).assert_status(0);
}

#[test]
fn defect_4_two_fonts_with_one_file_name_are_refused_with_both_paths() {
    let fixture = Fixture::new("tiny");
    let fonts = template(&fixture, "fonts");
    let font = std::fs::read_dir(&fonts)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "ttf"))
        .unwrap();
    let name = font.file_name().unwrap().to_str().unwrap().to_string();
    std::fs::create_dir_all(template(&fixture, "extra")).unwrap();
    std::fs::copy(&font, template(&fixture, "extra").join(&name)).unwrap();
    let run = fixture.run(&["build"]);
    run.assert_status(2);
    let root = fixture.templates().join("annual-review-2021");
    assert_eq!(
        run.stderr,
        format!(
            "error: cannot load the template: the template folder `{root}` has two files that would both be the site's `assets/fonts/{name}`: `{root}/extra/{name}` and `{root}/fonts/{name}`; rename one\nnothing was written\n",
            root = root.display()
        )
    );
    assert!(!fixture.output().exists());
}

#[test]
fn defect_5_a_forced_rebuild_with_the_same_bytes_is_the_same_publication() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    let manifest = fixture.output().join("2020-21/manifest.json");
    let before = std::fs::read(&manifest).unwrap();
    fixture
        .run(&["build", "--force"])
        .assert_status(0)
        .assert_stderr_contains("wrote 2 letters and their web pages");
    assert_eq!(
        std::fs::read(&manifest).unwrap(),
        before,
        "the manifest moved"
    );
    fixture
        .run(&["archive"])
        .assert_status(0)
        .assert_stderr_contains("already holds this publication; nothing was written");
    fixture
        .run(&[
            "archive",
            "--reissue",
            "--reason",
            "nothing",
            "--date",
            "2021-09-01",
        ])
        .assert_status(0)
        .assert_stderr_contains("nothing to reissue");
}

/// Sets every file under `dir` to a time long ago, so that a file written later has another time.
fn date_long_ago(dir: &Path) {
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for file in files_under(dir) {
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join(file))
            .unwrap();
        file.set_modified(long_ago).unwrap();
    }
}

/// The files under `dir` whose time is not long ago any more.
fn rewritten(dir: &Path) -> Vec<String> {
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    files_under(dir)
        .into_iter()
        .filter(|file| {
            std::fs::metadata(dir.join(file))
                .unwrap()
                .modified()
                .unwrap()
                != long_ago
        })
        .collect()
}

#[test]
fn defect_6_a_template_file_no_compile_reads_rewrites_no_letter() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let year = fixture.output().join("2020-21");
    date_long_ago(&year);
    let css = template(&fixture, "site/style.css");
    let text = std::fs::read_to_string(&css).unwrap();
    std::fs::write(&css, format!("{text}\n/* A new rule is coming. */\n")).unwrap();
    let licence = template(&fixture, "fonts/OFL.txt");
    let text = std::fs::read_to_string(&licence).unwrap();
    std::fs::write(&licence, format!("{text}\n")).unwrap();
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("wrote 2 files (2 already up to date)");
    assert_eq!(
        rewritten(&year),
        [
            ".stamps.json",
            "manifest.json",
            "site/assets/fonts/OFL.txt",
            "site/assets/style.css"
        ]
    );
}

/// Flips one byte of Kent's archived letter.
fn damage(fixture: &Fixture) {
    let kent = fixture
        .dir
        .path()
        .join("archive/2020-21/data/letters/kent-county-council.pdf");
    let mut bytes = std::fs::read(&kent).unwrap();
    bytes[1000] ^= 0x01;
    std::fs::write(&kent, &bytes).unwrap();
}

#[test]
fn defect_7_verify_into_a_closed_pipe_still_fails_a_damaged_bag_and_verify_inside_a_bag_writes_nothing()
 {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    let bag = fixture.dir.path().join("archive/2020-21");
    let inside = Run::of(
        std::process::Command::new(crate::common::BIN)
            .args(["verify", "."])
            .current_dir(&bag)
            .output()
            .unwrap(),
    );
    inside.assert_status(0);
    assert!(
        !bag.join(".lock").exists(),
        "verify wrote a lock into the bag"
    );
    fixture.run(&["verify", "archive/2020-21"]).assert_status(0);
    damage(&fixture);
    let (status, stderr) = into_a_closed_pipe(&fixture, &["verify", "archive"]);
    assert_eq!((status, stderr.as_str()), (Some(1), ""));
}

#[test]
fn defect_8_limits_too_large_to_hold_are_refused() {
    let fixture = Fixture::new("tiny");
    let run = fixture.run(&["build", "--letter-time-limit", "1e20"]);
    run.assert_status(2);
    assert_eq!(
        run.stderr,
        "error: invalid value '1e20' for '--letter-time-limit <SECONDS>': expected a number of seconds above zero and at most 86,400 (a day), e.g. 30 or 2.5\n\nFor more information, try '--help'.\n"
    );
    let run = fixture.run(&["build", "--letter-memory-limit", "17592186044416"]);
    run.assert_status(2);
    assert_eq!(
        run.stderr,
        "error: invalid value '17592186044416' for '--letter-memory-limit <MIB>': 17592186044416 is not in 64..=1048576\n\nFor more information, try '--help'.\n"
    );
    assert!(!fixture.output().exists());
}

#[test]
fn defect_9_commentary_cannot_put_scripts_foreign_loads_or_links_out_into_a_page() {
    let fixture = Fixture::new("tiny");
    fixture.write(
        "commentary/E10000012.typ",
        // Only on the web: in the PDF these would be warnings, which fail the letter anyway.
        concat!(
            "We thank the Council.\n\n",
            "#context if target() == \"html\" {\n",
            "  html.elem(\"script\", \"alert(1)\")\n",
            "  html.elem(\"img\", attrs: (src: \"https://tracker.example/p.gif\", alt: \"\"))\n",
            "  link(\"javascript:alert(1)\")[a link]\n",
            "  html.elem(\"div\", attrs: (id: \"statistics\"))\n",
            "}\n",
        ),
    );
    let run = fixture.run(&["build"]);
    run.assert_status(1);
    let commentary = fixture.shown("commentary/E10000012.typ");
    let refused = |what: &str| {
        format!(
            "  {commentary}: error: the letter's web page would hold {what}; commentary may not put this into a web page\n"
        )
    };
    for what in [
        "a `<script>` element, which runs code".to_string(),
        "something loaded from outside the site (`src=\"https://tracker.example/p.gif\"` on `<img>`)".to_string(),
        "a `javascript:` link, which runs code (`href=\"javascript:alert(1)\"` on `<a>`)".to_string(),
        "the id `statistics` twice (on `<section>`); ids must be unique in a page".to_string(),
    ] {
        crate::common::assert_contains(&run.stderr, &refused(&what));
    }
    crate::common::assert_contains(
        &run.stderr,
        "error: the letter to Essex County Council (`E10000012`) failed:\n",
    );
    crate::common::assert_contains(&run.stderr, "wrote 1 letter and its web page in ");
    assert!(
        !fixture
            .output()
            .join("2020-21/site/councils/essex-county-council.html")
            .exists()
    );
}

#[test]
fn defect_10_a_reissue_cannot_be_dated_before_the_last_one() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    crate::common::correct_one_kent_decision(&fixture, "Upheld", "Not upheld");
    fixture.run(&["build"]).assert_status(0);
    fixture
        .run(&[
            "archive",
            "--reissue",
            "--reason",
            "first",
            "--date",
            "2021-09-01",
        ])
        .assert_status(0);
    crate::common::correct_one_kent_decision(&fixture, "Not upheld", "Upheld");
    fixture.run(&["build"]).assert_status(0);
    let run = fixture.run(&[
        "archive",
        "--reissue",
        "--reason",
        "second",
        "--date",
        "2021-08-01",
    ]);
    run.assert_status(2);
    assert_eq!(
        run.stderr,
        "error: --date 2021-08-01: a reissue cannot be dated before the last change to `archive/2020-21` (2021-09-01); the history runs forwards\nnothing was written\n"
    );
    assert_eq!(history(&fixture)["events"].as_array().unwrap().len(), 2);
}

#[test]
fn defect_10_an_output_folder_inside_the_input_or_the_template_is_refused() {
    let fixture = Fixture::new("tiny");
    let templates = fixture.templates();
    let build_into = |output: &Path| {
        Run::of(
            std::process::Command::new(crate::common::BIN)
                .arg("build")
                .arg("--input")
                .arg(fixture.input())
                .arg("--templates")
                .arg(&templates)
                .arg("--output")
                .arg(output)
                .output()
                .unwrap(),
        )
    };
    for (output, what, folder) in [
        (fixture.input().join("out"), "input", fixture.input()),
        (
            templates.join("annual-review-2021/out"),
            "template",
            templates.join("annual-review-2021"),
        ),
    ] {
        let run = build_into(&output);
        run.assert_status(2);
        assert_eq!(
            run.stderr,
            format!(
                "error: the output folder `{}` is inside the {what} folder `{}`; each build would copy the last one into the next\n  hint: choose an --output outside it\nnothing was written\n",
                output.display(),
                folder.display()
            )
        );
        assert!(!output.exists());
    }
}

#[test]
fn defect_10_a_manifest_from_a_newer_version_is_refused() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let manifest = fixture.output().join("2020-21/manifest.json");
    std::fs::write(
        &manifest,
        "{\"format\":99,\"year\":\"2020-21\",\"files\":{}}",
    )
    .unwrap();
    let expected = format!(
        "error: `{}` was written by a newer version of annual-review (manifest format 99; this version understands 3 and earlier)\n  hint: build this year with that version, or with this one into another --output\n",
        manifest.display()
    );
    for command in ["build", "status"] {
        let run = fixture.run(&[command]);
        run.assert_status(1);
        assert_eq!(run.stderr, expected, "{command}");
    }
    let run = fixture.run(&["archive"]);
    run.assert_status(1);
    assert_eq!(
        run.stderr,
        expected.replace(&(fixture.dir.path().display().to_string() + "/"), "")
    );
}

#[test]
fn defect_10_names_with_invisible_characters_a_dashed_year_and_a_council_called_index_are_refused()
{
    let fixture = Fixture::new("tiny");
    fixture.write(
        "authorities.csv",
        fixture.read("authorities.csv")
            + "E10000099,Kent County Council\u{200b},County Council,Ms A,Chief Executive\n\
               E10000098,Essex County Council\u{202e},County Council,Ms B,Chief Executive\n\
               E10000097,Index,County Council,Ms C,Chief Executive\n",
    );
    let toml = fixture
        .read("publication.toml")
        .replace("year = \"2020-21\"", "year = \"-rf\"");
    fixture.write("publication.toml", toml);
    let run = fixture.run(&["check"]);
    run.assert_status(2);
    insta::assert_snapshot!(fixture.masked(&run.stderr));
}

#[test]
fn defect_10_one_stray_nul_byte_is_one_problem() {
    let fixture = Fixture::new("small");
    let decisions = fixture.read("decisions.csv");
    let mut lines: Vec<String> = decisions.lines().map(str::to_string).collect();
    // Past the first kilobyte, in the case reference of a row.
    let row = lines.len() - 3;
    lines[row].insert(2, '\0');
    fixture.write("decisions.csv", lines.join("\n") + "\n");
    let run = fixture.run(&["check"]);
    run.assert_status(2);
    insta::assert_snapshot!(fixture.masked(&run.stderr));
    // And an authorities.csv that cannot be read is one problem, not one for every reference.
    let fixture = Fixture::new("small");
    let authorities = fixture.read("authorities.csv");
    fixture.write("authorities.csv", authorities.replacen(',', ",\0", 1));
    let run = fixture.run(&["check"]);
    run.assert_status(2);
    insta::assert_snapshot!("an_unreadable_register", fixture.masked(&run.stderr));
}

#[test]
fn defect_10_verify_escapes_control_characters_in_file_names() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    let bag = fixture.dir.path().join("archive/2020-21");
    std::fs::write(bag.join("data/letters/\u{1b}[31mred.pdf"), "x").unwrap();
    let run = fixture.run(&["verify", "archive"]);
    run.assert_status(1);
    assert!(
        run.stdout
            .starts_with("extra    archive/2020-21/data/letters/\\u{1b}[31mred.pdf\n"),
        "{:?}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn defect_10_a_bag_with_one_file_changed_says_so_in_the_singular() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    fixture.run(&["archive"]).assert_status(0);
    std::fs::write(
        template(&fixture, "site/style.css"),
        std::fs::read_to_string(template(&fixture, "site/style.css")).unwrap() + "\n",
    )
    .unwrap();
    fixture.run(&["build"]).assert_status(0);
    fixture
        .run(&["archive"])
        .assert_status(1)
        .assert_stderr_contains(
            "already holds a different publication of 2020-21 (2 files differ)",
        );
}

#[test]
fn defect_10_the_sites_index_is_made_under_the_letters_time_limit() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    // An index that never ends, and a correction that moves the figures it shows.
    std::fs::write(
        template(&fixture, "index.typ"),
        "#for i in range(100000) { for j in range(100000) { } }\n",
    )
    .unwrap();
    crate::common::correct_one_kent_decision(&fixture, "Upheld", "Not upheld");
    let run = fixture.run(&[
        "build",
        "--authority",
        "Kent County Council",
        "--letter-time-limit",
        "1",
    ]);
    run.assert_status(1);
    crate::common::assert_contains(
        &run.stderr,
        "error: the site's index page failed:\n  it took longer than the time limit of 1 second and was stopped; look for a loop that never ends in a commentary or the template (or raise the limit with --letter-time-limit)\n",
    );
    crate::common::assert_contains(&run.stderr, "wrote 1 letter and its web page in ");
}
