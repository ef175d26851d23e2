//! The sample generator: run from any folder, it writes complete input folders equal to the
//! committed `input/` (2020-21, which is valid) and `examples/2024-25/`, byte for byte.

use std::path::Path;
use std::process::Command;

use crate::common::{BIN, Run, files_under, repo, templates};

const GENERATE: &str = env!("CARGO_BIN_EXE_generate-sample");

/// Every file under `out` is the same, byte for byte, as the file of the same name under the
/// repository's `committed` folder, and there are no others.
fn assert_same_as_committed(out: &Path, committed: &str) {
    let files = files_under(out);
    assert_eq!(files, files_under(&repo().join(committed)));
    for file in &files {
        let (ours, theirs) = (
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(repo().join(committed).join(file)).unwrap(),
        );
        assert!(ours == theirs, "{file} differs from {committed}/{file}");
    }
}

#[test]
fn the_generator_writes_the_committed_sample_from_any_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("sample");

    let run = Run::of(
        Command::new(GENERATE)
            .arg("--out")
            .arg(&out)
            .current_dir(cwd.path())
            .output()
            .expect("generate-sample runs"),
    );
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        format!(
            "wrote 339 authorities, 11800 decisions, 1825 compliance outcomes, publication.toml and 1 commentary to {}\n",
            out.display()
        )
    );
    assert_eq!(files_under(cwd.path()), Vec::<String>::new());

    assert_same_as_committed(&out, "input");

    let check = Run::of(
        Command::new(BIN)
            .arg("check")
            .arg("--input")
            .arg(&out)
            .arg("--templates")
            .arg(templates())
            .current_dir(cwd.path())
            .output()
            .expect("annual-review runs"),
    );
    check.assert_status(0);
    assert_eq!(check.stdout, "");
    assert_eq!(
        check.stderr,
        "the input is valid: 339 letters for 2020-21, 11,800 decisions and 1,825 compliance outcomes\n"
    );
}

#[test]
fn the_generator_writes_the_committed_2024_25_example_from_any_folder() {
    let cwd = tempfile::tempdir().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("2024-25");

    let run = Run::of(
        Command::new(GENERATE)
            .args(["--year", "2024-25", "--out"])
            .arg(&out)
            .current_dir(cwd.path())
            .output()
            .expect("generate-sample runs"),
    );
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        format!(
            "wrote 317 authorities, 22010 decisions, 3300 compliance outcomes, publication.toml and 1 commentary to {}\n",
            out.display()
        )
    );
    assert_eq!(files_under(cwd.path()), Vec::<String>::new());
    assert_same_as_committed(&out, "examples/2024-25");
}
