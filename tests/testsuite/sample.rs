//! The sample generator: run from any folder, it writes a complete input folder equal to the
//! committed `input/`, byte for byte, and that folder is valid.

use std::process::Command;

use crate::common::{BIN, Run, files_under, repo, templates};

const GENERATE: &str = env!("CARGO_BIN_EXE_generate-sample");

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

    let committed = repo().join("input");
    let files = files_under(&out);
    assert_eq!(files, files_under(&committed));
    for file in &files {
        let (ours, theirs) = (
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(committed.join(file)).unwrap(),
        );
        assert!(ours == theirs, "{file} differs from input/{file}");
    }

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
