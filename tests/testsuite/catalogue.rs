//! The catalogue of changes a year's input and template go through: each is followed by a build,
//! and the year's folder must then be byte for byte what a fresh build of the same input and
//! template makes (every letter, page, copy, asset and statistics file, and the manifest), with
//! `status` saying nothing is left to do and `archive` accepting the year.

use std::path::{Path, PathBuf};

use crate::common::{Fixture, Run, assert_same_tree};

/// A third council for the tiny fixture's two, so that one can go and two can change at once.
const CAMBRIDGE: &str =
    "E07000008,Cambridge City Council,District Council,Mr Hall,Chief Executive\n";
const CAMBRIDGE_DECISIONS: &str = "\
20 900 001,E07000008,2020-07-01,Housing,Upheld,no,\n\
20 900 002,E07000008,2020-08-01,Housing,Not upheld,,\n\
20 900 003,E07000008,2020-09-01,Planning and development,Advice given,,\n";

/// The tiny fixture with Cambridge added and its own templates, built once.
fn project() -> Fixture {
    let fixture = Fixture::new("tiny");
    fixture.write(
        "authorities.csv",
        fixture.read("authorities.csv") + CAMBRIDGE,
    );
    fixture.write(
        "decisions.csv",
        fixture.read("decisions.csv") + CAMBRIDGE_DECISIONS,
    );
    fixture.templates();
    check(&fixture, "the first build");
    fixture
}

fn template(fixture: &Fixture, file: &str) -> PathBuf {
    fixture.templates().join("annual-review-2021").join(file)
}

/// Replaces `from` by `to` in a text file, which must hold it.
fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// The year's label in the fixture's publication.toml.
fn year(fixture: &Fixture) -> String {
    let text = fixture.read("publication.toml");
    let table: toml::Table = toml::from_str(&text).unwrap();
    table["year"].as_str().unwrap().to_string()
}

/// Builds after `change`, and checks the year's folder against a fresh build's, then `status` and
/// `archive`.
fn check(fixture: &Fixture, change: &str) {
    let build = fixture.run(&["build"]);
    assert_eq!(
        build.status, 0,
        "{change}: the build failed:\n{}",
        build.stderr
    );
    let fresh = tempfile::tempdir().unwrap();
    let run = Run::of(
        std::process::Command::new(crate::common::BIN)
            .arg("build")
            .arg("--input")
            .arg(fixture.input())
            .arg("--templates")
            .arg(fixture.templates())
            .arg("--output")
            .arg(fresh.path())
            .output()
            .unwrap(),
    );
    assert_eq!(
        run.status, 0,
        "{change}: the fresh build failed:\n{}",
        run.stderr
    );
    let year = year(fixture);
    assert_same_tree(
        &fresh.path().join(&year),
        &fixture.output().join(&year),
        change,
    );
    let status = fixture.run(&["status"]);
    assert!(
        status
            .stdout
            .ends_with("up to date, with their pages and the site\n"),
        "{change}: status is not clean:\n{}",
        status.stdout
    );
    let archive = tempfile::tempdir().unwrap();
    let archived = fixture.run(&[
        "archive",
        "--output",
        fixture.output().to_str().unwrap(),
        "--archive",
        archive.path().to_str().unwrap(),
    ]);
    assert_eq!(
        archived.status, 0,
        "{change}: archive refused the year:\n{}",
        archived.stderr
    );
}

#[test]
fn councils_removed_renamed_and_recoded_one_at_a_time_and_two_at_once() {
    let fixture = project();
    // Essex leaves the register, with its decisions and compliance outcomes.
    for file in ["authorities.csv", "decisions.csv", "compliance.csv"] {
        let kept: String = fixture
            .read(file)
            .lines()
            .filter(|line| !line.contains("E10000012") && !line.contains("Essex"))
            .map(|line| format!("{line}\n"))
            .collect();
        fixture.write(file, kept);
    }
    check(&fixture, "a council removed");
    replace(
        &fixture.input().join("authorities.csv"),
        "Cambridge City Council",
        "City of Cambridge Council",
    );
    check(&fixture, "a council renamed");
    for file in ["authorities.csv", "decisions.csv"] {
        replace(&fixture.input().join(file), "E07000008", "E07000999");
    }
    check(&fixture, "a council given a new code");
    // Two at once: Cambridge goes, Kent is renamed.
    for file in ["authorities.csv", "decisions.csv"] {
        let kept: String = fixture
            .read(file)
            .lines()
            .filter(|line| !line.contains("E07000999"))
            .map(|line| format!("{line}\n"))
            .collect();
        fixture.write(file, kept);
    }
    replace(
        &fixture.input().join("authorities.csv"),
        "Kent County Council",
        "Kent County Council (renamed)",
    );
    // Decisions that named it name it by its code now.
    for file in ["decisions.csv", "compliance.csv"] {
        fixture.write(
            file,
            fixture
                .read(file)
                .replace(",Kent County Council,", ",E10000016,"),
        );
    }
    check(&fixture, "a council removed and another renamed");
    // Essex comes back.
    fixture.write(
        "authorities.csv",
        fixture.read("authorities.csv")
            + "E10000012,Essex County Council,County Council,Ms Hartley,Chief Executive\n",
    );
    check(&fixture, "a council added");
}

#[test]
fn template_files_fonts_and_assets_added_changed_renamed_and_removed() {
    let fixture = project();
    std::fs::write(
        template(&fixture, "notes.typ"),
        "// Not read by any letter.\n",
    )
    .unwrap();
    check(&fixture, "a template file added");
    replace(
        &template(&fixture, "words.typ"),
        "Local Government and Social Care Ombudsman",
        "Local Government & Social Care Ombudsman",
    );
    check(&fixture, "a template file changed");
    std::fs::rename(
        template(&fixture, "notes.typ"),
        template(&fixture, "more-notes.typ"),
    )
    .unwrap();
    check(&fixture, "a template file renamed");
    std::fs::remove_file(template(&fixture, "more-notes.typ")).unwrap();
    check(&fixture, "a template file removed");

    std::fs::write(template(&fixture, "site/extra.css"), "p { margin: 0 }\n").unwrap();
    check(&fixture, "a site asset added");
    replace(&template(&fixture, "site/extra.css"), "0", "1px");
    check(&fixture, "a site asset changed");
    std::fs::rename(
        template(&fixture, "site/extra.css"),
        template(&fixture, "site/more.css"),
    )
    .unwrap();
    check(&fixture, "a site asset renamed");
    std::fs::remove_file(template(&fixture, "site/more.css")).unwrap();
    check(&fixture, "a site asset removed");

    let icons = template(&fixture, "site/img/icons");
    std::fs::create_dir_all(&icons).unwrap();
    std::fs::write(
        icons.join("a.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    check(&fixture, "a nested asset added");
    std::fs::remove_dir_all(template(&fixture, "site/img")).unwrap();
    check(&fixture, "a nested asset removed");

    let fonts = template(&fixture, "fonts");
    let font = std::fs::read_dir(&fonts)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "ttf"))
        .expect("the template has a font");
    std::fs::copy(&font, fonts.join("Extra-Regular.ttf")).unwrap();
    check(&fixture, "a font added");
    std::fs::rename(
        fonts.join("Extra-Regular.ttf"),
        fonts.join("Other-Regular.ttf"),
    )
    .unwrap();
    check(&fixture, "a font renamed");
    std::fs::remove_file(fonts.join("Other-Regular.ttf")).unwrap();
    check(&fixture, "a font removed");
    replace(&fonts.join("OFL.txt"), "Copyright", "Copyright (c)");
    check(&fixture, "the fonts' licence changed");
}

#[test]
fn commentary_added_changed_and_removed() {
    let fixture = project();
    fixture.write(
        "commentary/E10000012.typ",
        "We thank the Council for its work on our recommendations.\n",
    );
    check(&fixture, "commentary added");
    fixture.write(
        "commentary/E10000012.typ",
        "We thank the Council for its prompt work on our recommendations.\n",
    );
    check(&fixture, "commentary changed");
    std::fs::remove_file(fixture.input().join("commentary/E10000012.typ")).unwrap();
    check(&fixture, "commentary removed");
}

#[test]
fn every_field_of_publication_toml_changed() {
    let fixture = project();
    let toml = fixture.input().join("publication.toml");
    for (field, from, to) in [
        (
            "period_start",
            "period_start = 2020-04-01",
            "period_start = 2020-04-02",
        ),
        (
            "period_end",
            "period_end = 2021-03-31",
            "period_end = 2021-03-30",
        ),
        (
            "letter_date",
            "letter_date = 2021-07-21",
            "letter_date = 2021-07-22",
        ),
        (
            "publish_date",
            "publish_date = 2021-07-28",
            "publish_date = 2021-07-29",
        ),
        (
            "average",
            "average = \"mean-of-rates\"",
            "average = \"pooled\"",
        ),
        (
            "signatory's name",
            "name = \"Michael King\"",
            "name = \"Amerdeep Somal\"",
        ),
        (
            "signatory's titles",
            "\"Chair, Commission for Local Administration in England\"",
            "\"Chair of the Commission for Local Administration in England\"",
        ),
        ("year", "year = \"2020-21\"", "year = \"2020-21b\""),
    ] {
        replace(&toml, from, to);
        check(&fixture, &format!("publication.toml's {field} changed"));
    }
    // Another template folder: a copy under another name.
    let templates = fixture.templates();
    crate::common::copy_dir(
        &templates.join("annual-review-2021"),
        &templates.join("annual-review-2021-copy"),
    );
    replace(
        &toml,
        "template = \"annual-review-2021\"",
        "template = \"annual-review-2021-copy\"",
    );
    check(&fixture, "publication.toml's template changed");
}
