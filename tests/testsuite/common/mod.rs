//! Helpers for the integration tests: fixture folders copied into temporary directories, the real
//! binary run on them, and the text of the PDFs it writes.
#![allow(dead_code)] // Each test binary uses its own subset of these helpers.

pub mod pdf;
pub mod smtp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub const BIN: &str = env!("CARGO_BIN_EXE_annual-review");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn templates() -> PathBuf {
    repo().join("typst-templates")
}

/// A temporary copy of `tests/testsuite/fixtures/<name>` (or of the repo's `input/` for "sample").
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(name: &str) -> Fixture {
        let source = if name == "sample" {
            repo().join("input")
        } else {
            repo().join("tests/testsuite/fixtures").join(name)
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(&source, &dir.path().join("input"));
        Fixture { dir }
    }

    /// A copy of the sample (`input/`) with a copy of its national build as its output.
    pub fn sample_built() -> Fixture {
        let fixture = Fixture::new("sample");
        copy_dir(national(), &fixture.output());
        fixture
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

    /// The whole standard error of a `check` that must refuse the input (exit status 2).
    pub fn check_refused(&self) -> String {
        let run = self.run(&["check"]);
        run.assert_status(2);
        run.stderr
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

    /// The fixture's own copy of the repository's templates, made on first use: from then on every
    /// run uses it, so a test may change it.
    pub fn templates(&self) -> PathBuf {
        let own = self.dir.path().join("templates");
        if !own.exists() {
            copy_dir(&templates(), &own);
        }
        own
    }

    /// Runs `annual-review <args>` in the fixture's folder; every command but `verify` also gets
    /// the fixture's `--input` and `--templates` (its own copy if it made one, the repository's
    /// otherwise), and `build` and `status` the fixture's `--output`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// [`Fixture::run`] with these environment variables set.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(BIN);
        command.args(args).envs(env.iter().copied());
        if matches!(
            args.first(),
            Some(
                &"build" | &"status" | &"archive" | &"check" | &"letter-data" | &"outbox" | &"send"
            )
        ) {
            let own = self.dir.path().join("templates");
            command
                .arg("--input")
                .arg(self.input())
                .arg("--templates")
                .arg(if own.exists() { own } else { templates() });
        }
        if matches!(
            args.first(),
            Some(&"build" | &"status" | &"outbox" | &"send")
        ) {
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

/// Runs `annual-review <args>` with its standard output closed before it writes anything, as
/// `… | head -1` does once it has its line.
pub fn into_a_closed_pipe(fixture: &Fixture, args: &[&str]) -> (Option<i32>, String) {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(fixture.dir.path());
    if matches!(args[0], "status" | "letter-data") {
        command
            .arg("--input")
            .arg(fixture.input())
            .arg("--templates")
            .arg(templates());
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
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

impl Fixture {
    /// `text` as a snapshot keeps it: the fixture's temporary folder as `[FIXTURE]`, and the
    /// seconds a build took as `[TIME]`.
    pub fn masked(&self, text: &str) -> String {
        let text = text.replace(&self.dir.path().display().to_string(), "[FIXTURE]");
        let mut masked = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            match line.rfind(" in ").zip(line.rfind(" s")) {
                Some((start, end))
                    if line.starts_with("wrote ")
                        && start + 4 < end
                        && line[start + 4..end].parse::<f64>().is_ok() =>
                {
                    masked.push_str(&line[..start + 4]);
                    masked.push_str("[TIME]");
                    masked.push_str(&line[end..]);
                }
                _ => masked.push_str(line),
            }
        }
        masked
    }
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

/// Moves the first Kent decision with `from` as its outcome to `to`.
pub fn correct_one_kent_decision(fixture: &Fixture, from: &str, to: &str) {
    correct_one_kent_decision_in(&fixture.input(), from, to);
}

/// [`correct_one_kent_decision`] in the input folder `input`.
pub fn correct_one_kent_decision_in(input: &Path, from: &str, to: &str) {
    let decisions = std::fs::read_to_string(input.join("decisions.csv")).unwrap();
    let mut done = false;
    let corrected: Vec<String> = decisions
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let is_kent = matches!(
                fields.get(1),
                Some(&"E10000016") | Some(&"Kent County Council")
            );
            if !done && is_kent && fields.get(4) == Some(&from) && fields.get(5) != Some(&"yes") {
                done = true;
                let remedied = if to == "Upheld" { "no" } else { "" };
                format!(
                    "{},{},{},{},{to},{remedied},{}",
                    fields[0], fields[1], fields[2], fields[3], fields[6]
                )
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(done, "no Kent decision `{from}` to correct");
    std::fs::write(input.join("decisions.csv"), corrected.join("\n") + "\n").unwrap();
}

/// Asserts that the manifest of a year folder is true: every entry's file exists with its size
/// and SHA-256.
pub fn assert_manifest_true(year_dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(year_dir.join("manifest.json")).unwrap()).unwrap();
    for (file, entry) in manifest["files"].as_object().unwrap() {
        let bytes = std::fs::read(year_dir.join(file))
            .unwrap_or_else(|_| panic!("the manifest lists `{file}`, which is missing"));
        assert_eq!(
            entry["bytes"].as_u64().unwrap(),
            bytes.len() as u64,
            "size of {file}"
        );
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            sha256(&bytes),
            "SHA-256 of {file}"
        );
    }
}

/// The tool's own bookkeeping in a year's folder, which is not part of what a build publishes:
/// the lock, and the stamps (when each file was put in place: times differ from run to run).
pub const BOOKKEEPING: [&str; 3] = [".lock", ".stamps.json", ".archive-stamps.json"];

/// Every file of a year's folder but the bookkeeping, with its bytes, by path.
pub fn year_tree(year_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    files_under(year_dir)
        .into_iter()
        .filter(|file| !BOOKKEEPING.contains(&file.as_str()))
        .map(|file| {
            let bytes = std::fs::read(year_dir.join(&file)).unwrap();
            (file, bytes)
        })
        .collect()
}

/// Asserts that two year folders hold the same files with the same bytes (the manifest included),
/// naming every file that differs, is missing or is extra.
pub fn assert_same_tree(expected: &Path, actual: &Path, context: &str) {
    let (expected, actual) = (year_tree(expected), year_tree(actual));
    let mut problems = Vec::new();
    for (file, bytes) in &expected {
        match actual.get(file) {
            None => problems.push(format!("missing {file}")),
            Some(found) if found != bytes => problems.push(format!("differs {file}")),
            Some(_) => {}
        }
    }
    for file in actual.keys().filter(|file| !expected.contains_key(*file)) {
        problems.push(format!("extra   {file}"));
    }
    assert!(
        problems.is_empty(),
        "{context}: the year's folder is not what a fresh build makes:\n{}",
        problems.join("\n")
    );
}

/// The output folder of the national sample (`input/`, 2020-21) built once for the whole test
/// run, to be read or copied (never changed): the builds that every test of the sample would
/// otherwise make again.
pub fn national() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_once("input", "national"))
}

/// The output folder of the 2024-25 sample (`examples/2024-25/`), built once for the test run.
pub fn national_2025() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_once("examples/2024-25", "national-2025"))
}

/// The sample in the repository's `input` folder built into a folder of the test run's own,
/// `<name>-<pid>`, after removing the folders of earlier runs whose process is gone.
fn build_once(input: &str, name: &str) -> PathBuf {
    {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let found = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = found
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('-'))
                && pid.chars().all(|c| c.is_ascii_digit())
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let output = root.join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&output);
        let run = Run::of(
            Command::new(BIN)
                .arg("build")
                .arg("--input")
                .arg(repo().join(input))
                .arg("--templates")
                .arg(templates())
                .arg("--output")
                .arg(&output)
                // The first year: no earlier years, whatever the working folder holds.
                .arg("--archive")
                .arg(root.join(format!("{name}-{}-no-archive", std::process::id())))
                .output()
                .expect("the binary runs"),
        );
        run.assert_status(0);
        output
    }
}

/// A number as messages write it: 12,280.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// A Python with the Library of Congress `bagit` package: a virtual environment of the tests' own
/// under `target/`, made on first use (never a system-wide install), so the archive is checked by
/// an independent implementation on any machine with python3.
pub fn bagit_python() -> PathBuf {
    python_with("bagit-venv", &["bagit==1.9.0"], "import bagit")
}

/// A Python in the virtual environment `name` under the tests' `target/` folder with `packages`
/// installed from PyPI, made on first use: the environment is remade until `import` runs in it.
pub fn python_with(name: &str, packages: &[&str], import: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let python = root.join("bin/python");
    let works = |python: &Path| {
        Command::new(python)
            .args(["-c", import])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&python) {
        return python;
    }
    // Tests run in parallel: one of them makes the environment while the others wait.
    std::fs::create_dir_all(root.parent().unwrap()).unwrap();
    let lock = std::fs::File::create(root.with_extension("lock")).unwrap();
    lock.lock().unwrap();
    if !works(&python) {
        let _ = std::fs::remove_dir_all(&root);
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&root)
            .output()
            .expect("python3 runs");
        assert!(made.status.success(), "python3 -m venv failed: {made:?}");
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages)
            .output()
            .expect("pip runs");
        assert!(
            installed.status.success(),
            "pip install {packages:?} failed:\n{}",
            String::from_utf8_lossy(&installed.stderr)
        );
    }
    python
}

/// Validates bags with the Library of Congress `bagit` package (one process for all of them).
pub fn assert_valid_bags(bags: &[PathBuf]) {
    if bags.is_empty() {
        return;
    }
    let script = "import sys, bagit\n\
        bad = []\n\
        for path in sys.argv[1:]:\n\
        \x20   try:\n\
        \x20       bagit.Bag(path).validate()\n\
        \x20   except Exception as error:\n\
        \x20       bad.append(f'{path}: {error}')\n\
        print('\\n'.join(bad))\n\
        sys.exit(1 if bad else 0)\n";
    let output = Command::new(bagit_python())
        .arg("-c")
        .arg(script)
        .args(bags)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "bagit rejects:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
