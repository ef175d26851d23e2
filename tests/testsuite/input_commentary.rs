//! The `commentary/` folder: only regular files inside the input folder are read, and whatever
//! else is there is reported rather than silently ignored or followed.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Fixture, Run, templates};

/// Runs `check` on the fixture, killing it if it has not finished in a minute (a `check` that
/// opens a named pipe waits for a writer forever).
fn check(fixture: &Fixture) -> Run {
    let mut child = Command::new(crate::common::BIN)
        .arg("check")
        .arg("--input")
        .arg(fixture.input())
        .arg("--templates")
        .arg(templates())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("check did not finish in a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::of(child.wait_with_output().unwrap())
}

/// The whole stderr of a `check` that must be refused.
fn refused(fixture: &Fixture) -> String {
    let run = check(fixture);
    run.assert_status(2);
    run.stderr
}

fn one_problem(problem: String) -> String {
    format!("{problem}\nerror: the input has 1 problem; nothing was written\n")
}

#[test]
fn files_not_named_code_dot_typ_are_reported() {
    for (file, hint) in [
        ("E10000012.TYP", "\n  hint: did you mean `E10000012.typ`?"),
        (
            "E10000012.typ.txt",
            "\n  hint: did you mean `E10000012.typ`?",
        ),
        ("notes.txt", ""),
    ] {
        let fixture = Fixture::new("small");
        fixture.write(&format!("commentary/{file}"), "Essex's words.");
        let shown = fixture.shown(&format!("commentary/{file}"));
        assert_eq!(
            refused(&fixture),
            one_problem(format!(
                "{shown}: found `{file}`, expected only commentary files named after an authority's code, `CODE.typ`{hint}"
            ))
        );
    }
}

#[test]
fn a_file_named_after_the_council_points_to_its_code() {
    let fixture = Fixture::new("small");
    fixture.write("commentary/Essex County Council.typ", "Essex's words.");
    let shown = fixture.shown("commentary/Essex County Council.typ");
    assert_eq!(
        refused(&fixture),
        one_problem(format!(
            "{shown}: found commentary for `Essex County Council`, expected a file named after an authority's code in authorities.csv\n  hint: did you mean `E10000012.typ`?"
        ))
    );
}

#[test]
fn hidden_files_are_skipped_and_folders_reported() {
    let fixture = Fixture::new("small");
    fixture.write("commentary/.DS_Store", b"\x00\x00\x00\x01Bud1");
    fixture.write("commentary/drafts/E10000012.typ", "Not yet.");
    let shown = fixture.shown("commentary/drafts");
    assert_eq!(
        refused(&fixture),
        one_problem(format!(
            "{shown}: found a folder, expected only commentary files named `CODE.typ`"
        ))
    );
}

#[test]
fn a_commentary_that_is_a_file_is_reported() {
    let fixture = Fixture::new("small");
    std::fs::remove_dir_all(fixture.input().join("commentary")).unwrap();
    fixture.write("commentary", "Kent's words.");
    let shown = fixture.shown("commentary");
    assert_eq!(
        refused(&fixture),
        one_problem(format!(
            "{shown}: found a file, expected a folder of commentary files named `CODE.typ`"
        ))
    );
}

#[test]
fn a_link_out_of_the_input_folder_is_not_followed() {
    let fixture = Fixture::new("small");
    let secret = fixture.dir.path().join("secret.txt");
    std::fs::write(&secret, "not for publication").unwrap();
    std::os::unix::fs::symlink(&secret, fixture.input().join("commentary/E10000012.typ")).unwrap();
    let shown = fixture.shown("commentary/E10000012.typ");
    assert_eq!(
        refused(&fixture),
        one_problem(format!(
            "{shown}: found a link to `{}`, outside the input folder, expected a file inside it",
            secret.display()
        ))
    );
}

#[test]
fn a_link_inside_the_input_folder_is_read() {
    let fixture = Fixture::new("small");
    fixture.write("notes/essex.typ", "Essex's words.");
    std::os::unix::fs::symlink(
        "../notes/essex.typ",
        fixture.input().join("commentary/E10000012.typ"),
    )
    .unwrap();
    check(&fixture).assert_status(0);
    let out = fixture.dir.path().join("data");
    fixture
        .run(&["letter-data", "--out", out.to_str().unwrap()])
        .assert_status(0);
    assert_eq!(
        std::fs::read_to_string(out.join("essex-county-council.commentary.typ")).unwrap(),
        "Essex's words."
    );
}

#[test]
fn a_named_pipe_or_socket_is_reported_without_being_opened() {
    let fixture = Fixture::new("small");
    let pipe = fixture.input().join("commentary/E10000012.typ");
    let made = Command::new("mkfifo").arg(&pipe).status().unwrap();
    assert!(made.success());
    let _socket =
        std::os::unix::net::UnixListener::bind(fixture.input().join("commentary/E07000008.typ"))
            .unwrap();
    let pipe_shown = fixture.shown("commentary/E10000012.typ");
    let socket_shown = fixture.shown("commentary/E07000008.typ");
    assert_eq!(
        refused(&fixture),
        format!(
            "{socket_shown}: found a socket, expected a regular file\n\
             {pipe_shown}: found a named pipe, expected a regular file\n\
             error: the input has 2 problems; nothing was written\n"
        )
    );
}
