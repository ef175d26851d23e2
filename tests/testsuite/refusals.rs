//! What the archive refuses, and why: paths that would leave their folder (from `--year` or from
//! a manifest's keys), incomplete publications, reissues dated before the publication; and what
//! `verify` catches that a checksum alone would not (symbolic links, unreadable files, a wrong
//! Payload-Oxum).

use std::path::Path;

use crate::common::{Fixture, Run, files_under, thousands};

fn archive(fixture: &Fixture, extra: &[&str]) -> Run {
    let mut args = vec!["archive", "--output", "output", "--archive", "archive"];
    args.extend(extra);
    fixture.run(&args)
}

/// Everything under `dir`, to show that nothing was created.
fn everything(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().path().display().to_string())
        .collect()
}

#[test]
fn archive_year_must_name_the_built_year_and_nothing_is_created_otherwise() {
    // Regression: `--year nonsense` created `output/nonsense/.lock`; `../../x` or an absolute
    // path created folders outside the output folder, and a crafted value a whole bag outside
    // `--archive`.
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let before = everything(fixture.dir.path());
    for year in [
        "nonsense",
        "../../x",
        "/tmp/elsewhere",
        "2020-21/../../x",
        "..",
    ] {
        let run = archive(&fixture, &["--year", year]);
        run.assert_status(2);
        assert_eq!(
            run.stderr,
            format!(
                "error: --year {year}: the input in `{}` is the publication of 2020-21; archive the year the input describes\nnothing was written\n",
                fixture.input().display()
            )
        );
        assert_eq!(everything(fixture.dir.path()), before, "--year {year}");
    }
    assert!(!Path::new("/tmp/elsewhere").exists());
    archive(&fixture, &["--year", "2020-21"]).assert_status(0);
}

#[test]
fn a_manifest_listing_a_path_outside_its_folder_is_refused() {
    // Regression: a key `../../…` replaced a file outside the output folder; an absolute key
    // copied a private file into the public bag.
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let manifest_path = fixture.output().join("2020-21/manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    let private = fixture.dir.path().join("private.txt");
    std::fs::write(&private, "private").unwrap();
    for key in [
        "../../private.txt",
        private.to_str().unwrap(),
        "letters/../manifest.json",
    ] {
        let mut manifest: serde_json::Value = serde_json::from_str(&original).unwrap();
        let entry = manifest["files"]["statistics.csv"].clone();
        manifest["files"]
            .as_object_mut()
            .unwrap()
            .insert(key.to_string(), entry);
        std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
        let run = archive(&fixture, &[]);
        run.assert_status(1);
        assert_eq!(
            run.stderr,
            format!(
                "error: `output/2020-21/manifest.json` lists `{key}`, which is not a file of a publication (expected `letters/<name>.pdf`, `statistics.csv`, `statistics.json`, or a file of the site)\n"
            )
        );
        assert!(!fixture.dir.path().join("archive/2020-21").exists());
    }
    // A build does not trust such a manifest either: it rebuilds everything and writes a true one.
    fixture
        .run(&["build"])
        .assert_status(0)
        .assert_stderr_contains("lists `letters/../manifest.json`, which is not a file of a publication (expected `letters/<name>.pdf`, `statistics.csv`, `statistics.json`, or a file of the site); every file will be made again");
    archive(&fixture, &[]).assert_status(0);
    assert!(
        !files_under(&fixture.dir.path().join("archive"))
            .iter()
            .any(|f| f.contains("private"))
    );
}

#[test]
fn an_incomplete_publication_is_not_archived() {
    // Regression: after a build where a letter failed, or an `--authority` build into a fresh
    // folder, archive froze 338 (or 1) of 339 letters with exit status 0.
    let fixture = Fixture::new("small");
    fixture
        .run(&["build", "--authority", "E10000016"])
        .assert_status(0);
    let run = archive(&fixture, &[]);
    run.assert_status(1);
    assert_eq!(
        run.stderr,
        format!(
            "error: the publication of 2020-21 in `output/2020-21` is not complete, so it cannot be archived; nothing was written\n\
             \x20 5 letters are not built: `letters/essex-county-council.pdf`, `letters/cambridge-city-council.pdf`, `letters/council-of-the-isles-of-scilly.pdf`, `letters/read-etc-passwd.pdf`, `letters/brighton-and-hove-draft.pdf`\n\
             \x20 hint: run `annual-review build` (and `annual-review status` to see why), then archive\n"
        )
    );
    assert!(!fixture.dir.path().join("archive").exists());

    // A letter that failed is not current either.
    fixture.write("commentary/E10000016.typ", "#undefined-function()");
    fixture.run(&["build"]).assert_status(1);
    let run = archive(&fixture, &[]);
    run.assert_status(1);
    run.assert_stderr_contains(
        "  1 letter is not current with the input: `letters/kent-county-council.pdf`\n",
    );
    assert!(!fixture.dir.path().join("archive").exists());
}

#[test]
fn a_reissue_cannot_be_dated_before_the_publication() {
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    archive(&fixture, &[]).assert_status(0);
    let run = archive(
        &fixture,
        &["--reissue", "--reason", "r", "--date", "2021-07-27"],
    );
    run.assert_status(2);
    assert_eq!(
        run.stderr,
        "error: --date 2021-07-27: a reissue cannot be dated before the publication it corrects (2021-07-28)\nnothing was written\n"
    );
}

/// Makes a folder read-only, even for root (whose writes file permissions do not stop): with the
/// immutable attribute where the file system has it, with permissions otherwise. Undone on drop.
struct ReadOnly<'a>(&'a Path);

impl<'a> ReadOnly<'a> {
    fn new(dir: &'a Path) -> ReadOnly<'a> {
        let immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !immutable {
            let mut permissions = std::fs::metadata(dir).unwrap().permissions();
            permissions.set_readonly(true);
            std::fs::set_permissions(dir, permissions).unwrap();
        }
        assert!(
            std::fs::write(dir.join("probe"), "").is_err(),
            "cannot make `{}` read-only on this machine",
            dir.display()
        );
        ReadOnly(dir)
    }
}

impl Drop for ReadOnly<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(self.0)
            .status();
        if let Ok(metadata) = std::fs::metadata(self.0) {
            let mut permissions = metadata.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            let _ = std::fs::set_permissions(self.0, permissions);
        }
    }
}

#[test]
fn a_read_only_output_folder_can_be_archived() {
    // Regression: archive took the build's write lock, which a read-only folder cannot give.
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    let year_dir = fixture.output().join("2020-21");
    std::fs::remove_file(year_dir.join(".lock")).unwrap();
    let read_only = ReadOnly::new(&year_dir);
    let run = archive(&fixture, &[]);
    drop(read_only);
    run.assert_status(0)
        .assert_stderr_contains("archived 19 files in `archive/2020-21`");
}

#[test]
fn verify_catches_links_a_payload_replaced_by_a_link_special_files_and_the_payload_oxum() {
    // Regression: an extra symlink inside data/ passed; a payload file replaced by a symlink to an
    // identical copy outside the bag passed; an unreadable file was reported as missing;
    // Payload-Oxum was never checked.
    let fixture = Fixture::new("tiny");
    fixture.run(&["build"]).assert_status(0);
    archive(&fixture, &[]).assert_status(0);
    let bag = fixture.dir.path().join("archive/2020-21");
    let kent = bag.join("data/letters/kent-county-council.pdf");
    let copy = fixture.dir.path().join("copy.pdf");
    std::fs::copy(&kent, &copy).unwrap();
    std::fs::remove_file(&kent).unwrap();
    std::os::unix::fs::symlink(&copy, &kent).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", bag.join("data/letters/extra-link")).unwrap();
    let statistics = bag.join("data/statistics.csv");
    std::fs::remove_file(&statistics).unwrap();
    std::fs::create_dir(&statistics).unwrap();
    let run = fixture.run(&["verify", "archive"]);
    run.assert_status(1);
    let oxum = std::fs::read_to_string(bag.join("bag-info.txt")).unwrap();
    let oxum = oxum
        .lines()
        .find_map(|l| l.strip_prefix("Payload-Oxum: "))
        .unwrap();
    let (oxum_bytes, oxum_files) = oxum.split_once('.').unwrap();
    let oxum = format!(
        "{} bytes in {oxum_files} files",
        thousands(oxum_bytes.parse().unwrap())
    );
    // What the payload now holds: its plain files, not the links or the folder.
    let plain: Vec<u64> = walkdir::WalkDir::new(bag.join("data"))
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .collect();
    let (payload, files) = (plain.iter().sum::<u64>(), plain.len());
    assert_eq!(
        run.stdout,
        format!(
            "not a file archive/2020-21/data/letters/kent-county-council.pdf: a symbolic link, where the bag should have a file\n\
             not a file archive/2020-21/data/statistics.csv: a folder, where the bag should have a file\n\
             not a file archive/2020-21/data/letters/extra-link: a symbolic link, where the bag should have a file\n\
             invalid  archive/2020-21/bag-info.txt: its Payload-Oxum says {oxum}, but the payload holds {} bytes in {files} files\n\
             `archive/2020-21`: 4 problems in 23 files checked\n",
            thousands(payload)
        )
    );
}
