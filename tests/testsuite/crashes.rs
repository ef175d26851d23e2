//! Crashes lose nothing. Each test lists the write points a run passes (the failpoint log), then
//! runs it again stopped dead at each one in turn (`abort`, as a kill would), and checks what a
//! crash must leave: whole letters, a manifest that claims nothing false, a bag that is either the
//! old one or the new one — and a next run that completes the work, after which `verify` and the
//! Library of Congress `bagit` validator pass. Also: a full disk, and the locks that keep two runs
//! apart (waited for at the moment they matter, not with sleeps).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{
    BOOKKEEPING, Fixture, Run, assert_manifest_true, assert_same_tree, assert_valid_bags, copy_dir,
    correct_one_kent_decision, files_under,
};

const FAILPOINT: &str = "ANNUAL_REVIEW_FAILPOINT";
const FAILPOINT_LOG: &str = "ANNUAL_REVIEW_FAILPOINT_LOG";

/// A working copy: input, output and archive folders in one temporary folder.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn from(fixture: &Fixture) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(fixture.dir.path(), dir.path());
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn year_dir(&self) -> PathBuf {
        self.path("output/2020-21")
    }

    fn bag(&self) -> PathBuf {
        self.path("archive/2020-21")
    }

    /// `annual-review <args>` on this workspace's folders, with extra environment.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(crate::common::BIN);
        command.args(args).current_dir(self.dir.path());
        let folders: &[(&str, &str)] = match args[0] {
            "build" | "status" => &[("--input", "input"), ("--output", "output")],
            "archive" => &[
                ("--input", "input"),
                ("--output", "output"),
                ("--archive", "archive"),
            ],
            _ => &[],
        };
        // Relative, so that what the manifest records is the same in every workspace.
        for (flag, folder) in folders {
            command.arg(flag).arg(folder);
        }
        if args[0] != "verify" {
            // The workspace's own templates when it has some (relative, as the folders are).
            if self.path("templates").exists() {
                command.arg("--templates").arg("templates");
            } else {
                command.arg("--templates").arg(crate::common::templates());
            }
        }
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::of(self.command(args).output().unwrap())
    }

    /// The moments to stop `args` at: every write point it passes, at its first and at its last
    /// pass (before anything of its kind is written, and when all but the last is), as
    /// (point, nth pass), in the order passed.
    fn points(&self, args: &[&str]) -> Vec<(String, usize)> {
        let log = self.path("failpoints.log");
        let output = self
            .command(args)
            .env(FAILPOINT_LOG, &log)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?} failed: {output:?}");
        let names: Vec<String> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        std::fs::remove_file(&log).unwrap();
        let passes = |name: &String| names.iter().filter(|n| *n == name).count();
        let mut moments: Vec<(String, usize)> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let nth = names[..=i].iter().filter(|n| *n == name).count();
            if nth == 1 || nth == passes(name) {
                moments.push((name.clone(), nth));
            }
        }
        moments
    }

    /// Runs `args` stopped dead at the `nth` pass of `point`.
    fn crash(&self, args: &[&str], point: &str, nth: usize) -> Output {
        self.command(args)
            .env(FAILPOINT, format!("{point}#{nth}=abort"))
            .output()
            .unwrap()
    }
}

/// One of Kent's upheld decisions corrected to "Not upheld" in the workspace's input.
fn correct_kent(work: &Workspace) {
    let corrected = Fixture::new("tiny");
    correct_one_kent_decision(&corrected, "Upheld", "Not upheld");
    std::fs::copy(
        corrected.input().join("decisions.csv"),
        work.path("input/decisions.csv"),
    )
    .unwrap();
}

/// Every letter and page in the folder is whole (a PDF to its end, a page to its `</html>`);
/// temporary files are allowed (the next run removes them) but are never letters or pages.
fn assert_files_whole(year_dir: &Path, moment: &str) {
    for file in files_under(year_dir) {
        let name = file.rsplit('/').next().unwrap_or_default();
        if name.starts_with('.') {
            assert!(
                name.ends_with(".tmp") || BOOKKEEPING.contains(&name),
                "{moment}: stray file {file}"
            );
            continue;
        }
        let bytes = std::fs::read(year_dir.join(&file)).unwrap();
        if file.ends_with(".pdf") {
            assert!(
                bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF"),
                "{moment}: {file} is torn"
            );
        } else if file.ends_with(".html") {
            assert!(
                bytes.trim_ascii_end().ends_with(b"</html>"),
                "{moment}: {file} is torn"
            );
        }
    }
}

/// Whether a run ended by the failpoint's abort (a signal, not an exit status).
fn aborted(output: &Output) -> bool {
    output.status.code().is_none()
}

/// Walks every write point of `build` in `base` (as it is), checking after each crash and after
/// the build that follows it: the next build leaves exactly what a fresh build of the same input
/// leaves in `expected` (every letter, page, copy, asset and statistics file, and the manifest).
/// `kinds` are write points the walk must pass.
fn walk_build(base: &Workspace, expected: &Path, kinds: &[&str]) {
    let args = ["build", "--jobs", "1"];
    let points = Workspace::from_dir(base).points(&args);
    assert!(points.len() >= 8, "too few write points: {points:?}");
    let passed: std::collections::BTreeSet<&str> = points.iter().map(|(p, _)| p.as_str()).collect();
    for kind in kinds {
        assert!(
            passed.contains(kind),
            "the build never passed {kind}: {points:?}"
        );
    }
    for (point, nth) in &points {
        let moment = format!("killed at {point} #{nth}");
        let work = Workspace::from_dir(base);
        let crashed = work.crash(&args, point, *nth);
        // The manifest is also written every so often while letters come in, so a run may pass
        // one write fewer than the listing run did; then it finishes, and is checked all the same.
        assert!(
            aborted(&crashed) || (crashed.status.success() && point.ends_with(":manifest")),
            "{moment}: the run was not stopped: {crashed:?}"
        );
        assert_files_whole(&work.year_dir(), &moment);
        if work.year_dir().join("manifest.json").exists() {
            assert_manifest_true(&work.year_dir());
        }
        work.run(&["build"]).assert_status(0);
        assert_manifest_true(&work.year_dir());
        assert_same_tree(
            expected,
            &work.year_dir(),
            &format!("{moment}: the next build"),
        );
        let status = work.run(&["status"]);
        assert!(
            status
                .stdout
                .ends_with("up to date, with their pages and the site\n"),
            "{moment}: {}",
            status.stdout
        );
        assert!(
            !files_under(&work.year_dir())
                .iter()
                .any(|f| f.contains(".tmp")),
            "{moment}: temporary files left after the next build"
        );
    }
}

impl Workspace {
    fn from_dir(other: &Workspace) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(other.dir.path(), dir.path());
        Workspace { dir }
    }
}

#[test]
fn a_first_build_stopped_at_any_write_loses_nothing_and_the_next_build_completes_it() {
    let fixture = Fixture::new("tiny");
    let reference = Workspace::from(&fixture);
    reference.run(&["build"]).assert_status(0);
    walk_build(
        &Workspace::from(&fixture),
        &reference.year_dir(),
        &[
            "write:letter",
            "renamed:letter",
            "write:page",
            "renamed:page",
            "write:site-letter",
            "write:index",
            "write:statistics",
            "write:asset",
            "write:manifest",
            "renamed:manifest",
            "write:stamps",
        ],
    );
}

#[test]
fn a_rebuild_stopped_at_any_write_never_leaves_the_manifest_claiming_an_old_file() {
    // Regression: a build killed while it replaced statistics.csv or statistics.json left the
    // manifest holding their old SHA-256.
    let fixture = Fixture::new("tiny");
    let base = Workspace::from(&fixture);
    base.run(&["build"]).assert_status(0);
    correct_kent(&base);
    let reference = Workspace::from_dir(&base);
    reference.run(&["build"]).assert_status(0);
    walk_build(
        &base,
        &reference.year_dir(),
        &[
            "write:letter",
            "write:page",
            "write:index",
            "write:statistics",
            "write:manifest",
        ],
    );
}

#[test]
fn a_build_that_removes_a_council_stopped_at_any_point_is_finished_by_the_next() {
    // Essex leaves the register, and a nested asset leaves the template: the build removes their
    // files, each removal before its claim is dropped. Killed at any removal or write, the next
    // build leaves what a fresh build of the new input does.
    let fixture = Fixture::new("tiny");
    let base = Workspace::from(&fixture);
    let templates = base.path("templates");
    copy_dir(&crate::common::templates(), &templates);
    let icon = templates.join("annual-review-2021/site/img/icons/a.svg");
    std::fs::create_dir_all(icon.parent().unwrap()).unwrap();
    std::fs::write(&icon, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    base.run(&["build"]).assert_status(0);
    let authorities = std::fs::read_to_string(base.path("input/authorities.csv")).unwrap();
    let without_essex: String = authorities
        .lines()
        .filter(|line| !line.contains("Essex"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(base.path("input/authorities.csv"), without_essex).unwrap();
    for file in ["decisions.csv", "compliance.csv"] {
        let text = std::fs::read_to_string(base.path("input").join(file)).unwrap();
        let kept: String = text
            .lines()
            .filter(|line| !line.contains("E10000012") && !line.contains("Essex"))
            .map(|line| format!("{line}\n"))
            .collect();
        std::fs::write(base.path("input").join(file), kept).unwrap();
    }
    std::fs::remove_dir_all(templates.join("annual-review-2021/site/img")).unwrap();
    let reference = Workspace::from_dir(&base);
    std::fs::remove_dir_all(reference.path("output")).unwrap();
    reference.run(&["build"]).assert_status(0);
    walk_build(
        &base,
        &reference.year_dir(),
        &[
            "remove:letter",
            "remove:page",
            "remove:site-letter",
            "remove:asset",
            "write:letter",
            "write:manifest",
        ],
    );
}

/// Walks every write point of an `archive` run (with `extra` arguments) in `base`: after each
/// crash the bag, if there is one, is whole and valid; the next run finishes the job; then
/// `verify` and `bagit` pass and the bag is the one an uninterrupted run makes.
fn walk_archive(base: &Workspace, extra: &[&str]) {
    let mut args = vec!["archive"];
    args.extend(extra);
    let reference = Workspace::from_dir(base);
    reference.run(&args).assert_status(0);
    let expected = bag_contents(&reference.bag());
    let points = Workspace::from_dir(base).points(&args);
    assert!(points.len() >= 10, "too few write points: {points:?}");
    let mut bags = Vec::new();
    let mut workspaces = Vec::new();
    for (point, nth) in &points {
        let moment = format!("killed at {point} #{nth}");
        let work = Workspace::from_dir(base);
        let crashed = work.crash(&args, point, *nth);
        assert!(
            aborted(&crashed),
            "{moment}: the run was not stopped: {crashed:?}"
        );
        if work.bag().exists() {
            // Never half made: the bag as it was, or as it will be.
            let now = bag_contents(&work.bag());
            let before = bag_contents(&base.bag());
            assert!(
                now == before || now == expected,
                "{moment}: a half-made bag"
            );
        }
        let left = leftovers(&work.path("archive"));
        let next = work.run(&args);
        next.assert_status(0);
        assert_eq!(
            next.stderr.contains("note: an interrupted archive run"),
            !left.is_empty(),
            "{moment}: the next run must say what it recovered of {left:?}:\n{}",
            next.stderr
        );
        assert_eq!(
            bag_contents(&work.bag()),
            expected,
            "{moment}: the next run"
        );
        work.run(&["verify", "archive"]).assert_status(0);
        assert_eq!(
            leftovers(&work.path("archive")),
            Vec::<String>::new(),
            "{moment}: leftovers beside the bag"
        );
        bags.push(work.bag());
        workspaces.push(work);
    }
    assert_valid_bags(&bags);
}

/// What an archive folder holds beside its bags and its lock.
fn leftovers(archive: &Path) -> Vec<String> {
    std::fs::read_dir(archive)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.') && name != ".lock")
        .collect()
}

/// Every file of a bag with its bytes.
fn bag_contents(bag: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(bag)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(bag.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn an_archive_stopped_at_any_write_leaves_no_bag_or_a_whole_one_and_the_next_run_finishes() {
    let fixture = Fixture::new("tiny");
    let base = Workspace::from(&fixture);
    base.run(&["build"]).assert_status(0);
    walk_archive(&base, &[]);
}

#[test]
fn a_reissue_stopped_at_any_write_leaves_a_valid_bag_and_the_next_run_finishes_it_once() {
    // Regression: a killed reissue left a bag that verify and bagit rejected, and the next
    // reissue refused, duplicated `02-`, or said "nothing to reissue".
    let fixture = Fixture::new("tiny");
    let base = Workspace::from(&fixture);
    base.run(&["build"]).assert_status(0);
    base.run(&["archive"]).assert_status(0);
    correct_kent(&base);
    base.run(&["build"]).assert_status(0);
    walk_archive(
        &base,
        &[
            "--reissue",
            "--reason",
            "a correction",
            "--date",
            "2021-09-01",
        ],
    );
}

#[test]
fn a_leftover_from_an_earlier_version_is_not_taken_for_a_bag_and_is_removed() {
    let fixture = Fixture::new("tiny");
    let work = Workspace::from(&fixture);
    work.run(&["build"]).assert_status(0);
    work.run(&["archive"]).assert_status(0);
    // What a killed `archive` of the previous version left: a half-copied bag.
    let leftover = work.path("archive/.2020-21.4242.tmp");
    copy_dir(&work.bag(), &leftover);
    std::fs::remove_file(leftover.join("tagmanifest-sha256.txt")).unwrap();
    let verify = work.run(&["verify", "archive"]);
    verify.assert_status(1);
    assert_eq!(
        verify.stdout,
        "unfinished archive/.2020-21.4242.tmp: an archive run was interrupted; `annual-review archive` finishes or undoes it\n\
         `archive/2020-21`: 1 problem in 23 files checked\n"
    );
    work.run(&["archive"])
        .assert_status(0)
        .assert_stderr_contains(".2020-21.4242.tmp` unfinished; it was removed");
    assert!(!leftover.exists());
    work.run(&["verify", "archive"]).assert_status(0);
}

#[test]
fn on_a_full_disk_the_build_names_every_letter_it_could_not_write_and_the_next_build_completes() {
    let fixture = Fixture::new("small");
    let work = Workspace::from(&fixture);
    // The disk fills up after two letters: the rest fail, and so does the first other file.
    let output = work
        .command(&["build", "--jobs", "1"])
        .env(
            FAILPOINT,
            "write:letter#3..=enospc;write:statistics#1..=enospc",
        )
        .output()
        .unwrap();
    let run = Run::of(output);
    run.assert_status(1);
    let stderr = run.stderr.as_str();
    let enospc = "No space left on device (os error 28)";
    assert_eq!(
        stderr,
        format!(
            "error: the letter to Cambridge City Council (`E07000008`) was not written: cannot write `output/2020-21/letters/cambridge-city-council.pdf`: {enospc}\n\
             error: the letter to Council of the Isles of Scilly (`E06000053`) was not written: cannot write `output/2020-21/letters/council-of-the-isles-of-scilly.pdf`: {enospc}\n\
             error: the letter to #read(\"/etc/passwd\") (`X1`) was not written: cannot write `output/2020-21/letters/read-etc-passwd.pdf`: {enospc}\n\
             error: the letter to Brighton & Hove [*draft*] (`X2`) was not written: cannot write `output/2020-21/letters/brighton-and-hove-draft.pdf`: {enospc}\n\
             wrote 2 letters and their web pages in `output/2020-21`, 4 failed, in TIME s\n\
             error: the build stopped before it finished: cannot write `output/2020-21/site/data/statistics.csv`: {enospc}\n\
             \x20 hint: free the space or fix the folder, then build again: it completes the rest\n"
        )
        .replace("TIME", &time_of(stderr))
    );
    assert_files_whole(&work.year_dir(), "full disk");
    assert_manifest_true(&work.year_dir());
    work.run(&["build"]).assert_status(0);
    assert_manifest_true(&work.year_dir());
    assert_eq!(files_under(&work.path("output/2020-21/letters")).len(), 6);
    assert_eq!(
        files_under(&work.path("output/2020-21/site/councils")).len(),
        6
    );
}

/// The seconds a build summary reports, to mask them.
fn time_of(stderr: &str) -> String {
    let line = stderr.lines().find(|l| l.starts_with("wrote ")).unwrap();
    let before = line.rsplit_once(" s").unwrap().0;
    before.rsplit(' ').next().unwrap().to_string()
}

/// Starts `args` paused at the first pass of `point`, and returns once it is there.
fn paused_at(work: &Workspace, args: &[&str], point: &str) -> std::process::Child {
    let mut child = work
        .command(args)
        .env(FAILPOINT, format!("{point}#1=pause"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if line.starts_with("failpoint: paused at") {
            return child;
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{args:?} ended before it reached {point}");
}

#[test]
fn a_second_build_on_the_same_output_stops_while_the_first_writes() {
    let fixture = Fixture::new("tiny");
    let work = Workspace::from(&fixture);
    let mut first = paused_at(&work, &["build"], "renamed:letter");
    let second = work.run(&["build"]);
    second.assert_status(1);
    // It stops as it reads the archive's earlier years, before it would take the lock to write.
    assert_eq!(
        second.stderr,
        format!(
            "error: another run is reading or writing `output/2020-21`; wait for it to finish (lock file `output/2020-21/.lock`)\n"
        )
    );
    drop(first.stdin.take()); // the first build goes on
    assert!(first.wait().unwrap().success());
    assert_manifest_true(&work.year_dir());
}

#[test]
fn two_reissues_into_one_archive_never_run_at_once() {
    // Regression: two reissues at once both exited 0, and one was missing from history.json.
    let fixture = Fixture::new("tiny");
    let work = Workspace::from(&fixture);
    work.run(&["build"]).assert_status(0);
    work.run(&["archive"]).assert_status(0);
    correct_kent(&work);
    work.run(&["build"]).assert_status(0);
    let reissue = [
        "archive",
        "--reissue",
        "--reason",
        "first",
        "--date",
        "2021-09-01",
    ];
    let mut first = paused_at(&work, &reissue, "write:archive-tag");
    let second = work.run(&[
        "archive",
        "--reissue",
        "--reason",
        "second",
        "--date",
        "2021-09-02",
    ]);
    second.assert_status(1);
    // It stops as it reads the archive's earlier years, before it would take the lock to write.
    assert_eq!(
        second.stderr,
        format!(
            "error: another run is archiving into `archive`; wait for it to finish (lock file `archive/.lock`)\n"
        )
    );
    drop(first.stdin.take());
    assert!(first.wait().unwrap().success());
    work.run(&["verify", "archive"]).assert_status(0);
    assert_valid_bags(&[work.bag()]);
    let history: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.bag().join("history.json")).unwrap()).unwrap();
    assert_eq!(history["events"].as_array().unwrap().len(), 2);
    assert_eq!(history["events"][1]["reason"], "first");
}
