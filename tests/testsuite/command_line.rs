//! The command line as a user meets it: results into pipes that close early, the number of jobs,
//! an output folder that cannot hold letters, and the wording of counts.

use crate::common::{Fixture, into_a_closed_pipe};

#[test]
fn results_into_a_pipe_that_closes_early_end_quietly() {
    // Regression: `status | head -1` and the like printed "panicked … Broken pipe" and exited 101.
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    fixture
        .run(&["archive", "--output", "output", "--archive", "archive"])
        .assert_status(0);
    for args in [
        &["status", "--output", "output"][..],
        &["status", "--output", "output", "--json"],
        &["letter-data", "--authority", "E10000016"],
        &["verify", "archive"],
    ] {
        let (status, stderr) = into_a_closed_pipe(&fixture, args);
        assert_eq!((status, stderr.as_str()), (Some(0), ""), "{args:?}");
    }
}

#[test]
fn more_jobs_than_cores_are_capped() {
    // Regression: `--jobs 65535` started 65,535 threads.
    let fixture = Fixture::new("tiny");
    let cores = std::thread::available_parallelism().unwrap().get();
    let run = fixture.run(&["build", "--jobs", "65535"]);
    run.assert_status(0);
    let first = run.stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "note: --jobs 65535 is more than the {cores} core{} of this machine; using {cores}",
            if cores == 1 { "" } else { "s" }
        )
    );
}

#[test]
fn an_output_folder_that_cannot_hold_letters_is_refused_before_compiling() {
    // Regression: `letters` existing as a file was found only after compiling every letter.
    let fixture = Fixture::new("tiny");
    std::fs::create_dir_all(fixture.output().join("2020-21")).unwrap();
    std::fs::write(fixture.output().join("2020-21/letters"), "not a folder").unwrap();
    let run = fixture.run(&["build"]);
    run.assert_status(1);
    assert_eq!(
        run.stderr,
        format!(
            "error: `{}` is not a folder; move it away so that the letters can be written there\n",
            fixture.output().join("2020-21/letters").display()
        )
    );
}

#[test]
fn one_letter_is_counted_in_the_singular() {
    // Regression: "all 1 letter is up to date".
    let fixture = Fixture::new("tiny");
    fixture
        .run(&["build", "--authority", "E10000016"])
        .assert_status(0);
    let again = fixture.run(&["build", "--authority", "E10000016"]);
    again.assert_status(0);
    assert_eq!(
        again.stderr,
        "the 1 letter is up to date; nothing was written (use --force to rebuild)\n"
    );
}
