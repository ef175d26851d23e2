//! Helpers for the integration tests: fixture folders copied into temporary directories, the real
//! binary run on them, and the text of the PDFs it writes.
#![allow(dead_code)] // Each test binary uses its own subset of these helpers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_annual-review");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn templates() -> PathBuf {
    repo().join("typst-templates")
}

/// A temporary copy of `tests/fixtures/<name>` (or of the repo's `input/` for "sample").
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(name: &str) -> Fixture {
        let source = if name == "sample" {
            repo().join("input")
        } else {
            repo().join("tests/fixtures").join(name)
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(&source, &dir.path().join("input"));
        Fixture { dir }
    }

    pub fn input(&self) -> PathBuf {
        self.dir.path().join("input")
    }

    pub fn output(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    pub fn letters(&self) -> PathBuf {
        self.output().join("2020-21/letters")
    }

    pub fn letter(&self, slug: &str) -> PathBuf {
        self.letters().join(format!("{slug}.pdf"))
    }

    /// Replaces the text of an input file.
    pub fn write(&self, file: &str, text: impl AsRef<[u8]>) {
        let path = self.input().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// The path of an input file as messages show it.
    pub fn shown(&self, file: &str) -> String {
        self.input().join(file).display().to_string()
    }

    pub fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.input().join(file)).unwrap()
    }

    /// Runs `annual-review <args>` in the fixture's folder; `build` and `status` also get the
    /// fixture's `--input` and `--output` and the repository's `--templates`, `archive` the
    /// input and the templates.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(BIN);
        command.args(args);
        if matches!(args.first(), Some(&"build" | &"status" | &"archive")) {
            command
                .arg("--input")
                .arg(self.input())
                .arg("--templates")
                .arg(templates());
        }
        if matches!(args.first(), Some(&"build" | &"status")) {
            command.arg("--output").arg(self.output());
        }
        Run::of(
            command
                .current_dir(self.dir.path())
                .output()
                .expect("the binary runs"),
        )
    }
}

/// What a run of the binary did.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn of(output: Output) -> Run {
        Run {
            status: output.status.code().expect("the binary exits, not killed"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn assert_status(&self, expected: i32) -> &Run {
        assert_eq!(
            self.status, expected,
            "exit status {} (expected {expected})\nstdout:\n{}\nstderr:\n{}",
            self.status, self.stdout, self.stderr
        );
        self
    }

    pub fn assert_stderr_contains(&self, expected: &str) -> &Run {
        assert!(
            self.stderr.contains(expected),
            "stderr lacks {expected:?}:\n{}",
            self.stderr
        );
        self
    }
}

/// The text of a PDF, with every run of whitespace as one space, as `pdftotext` reads it.
pub fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn assert_contains(text: &str, expected: &str) {
    assert!(text.contains(expected), "text lacks {expected:?}:\n{text}");
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The files under `dir`, relative, sorted.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    if dir.exists() {
        for entry in walkdir::WalkDir::new(dir) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                files.push(
                    entry
                        .path()
                        .strip_prefix(dir)
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    files.sort();
    files
}
