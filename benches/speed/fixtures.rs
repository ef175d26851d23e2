//! The fixtures: the publications benchmarked (the sample's two years), the generated inputs (the
//! 10× publication, the 1,000,000-decision extract), every letter's data for the typst CLI, the
//! typst CLI itself, found or installed, and the baseline binary named by the environment.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::measure::run_ok;
use crate::{BIN, Bench, GENERATE, KENT};

/// A year's publication: its input folder and what its `publication.toml` says the benchmark
/// needs.
pub struct Publication {
    /// `year`: the folder the build writes, `output/<year>/`.
    pub year: String,
    pub input: PathBuf,
    /// The template's folder, `<templates>/<template>`.
    pub template_dir: PathBuf,
    /// The letters' creation date as our PDFs carry it (`letter_date` at 09:00 UTC), in seconds
    /// since 1970, for the typst CLI's `--creation-timestamp`.
    pub creation_timestamp: i64,
}

impl Publication {
    /// The publication in `input`, its template among `templates`.
    pub fn load(input: &Path, templates: &Path) -> Result<Publication> {
        let toml = publication_toml(input)?;
        let text = |key: &str| -> Result<String> {
            toml.get(key)
                .map(|v| match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .with_context(|| format!("{}/publication.toml has no {key}", input.display()))
        };
        let letter_date = chrono::NaiveDate::parse_from_str(&text("letter_date")?, "%Y-%m-%d")
            .context("publication.toml's letter_date")?;
        let creation_timestamp = letter_date
            .and_hms_opt(9, 0, 0)
            .context("09:00 on the letter date")?
            .and_utc()
            .timestamp();
        Ok(Publication {
            year: text("year")?,
            input: input.to_path_buf(),
            template_dir: templates.join(text("template")?),
            creation_timestamp,
        })
    }

    /// Where a build into `out` writes this year's letters.
    pub fn letters_in(&self, out: &Path) -> PathBuf {
        out.join(&self.year).join("letters")
    }
}

/// A year's letters as `letter-data --out` writes them, for the typst CLI.
pub struct LetterData {
    /// `<slug>.json`, `<slug>.commentary.typ`.
    pub data_dir: PathBuf,
    /// The letters' slugs, sorted.
    pub slugs: Vec<String>,
    pub kent_slug: String,
}

impl LetterData {
    fn make(bench: &Bench, publication: &Publication) -> Result<LetterData> {
        let data_dir = bench.tmp.join(format!("letter-data-{}", publication.year));
        run_ok(Command::new(BIN).args([
            os("letter-data"),
            os("--input"),
            publication.input.as_os_str(),
            os("--templates"),
            bench.templates.as_os_str(),
            os("--out"),
            data_dir.as_os_str(),
        ]))?;
        let slugs = slugs(&data_dir)?;
        let kent_slug = kent_slug(&data_dir)?;
        Ok(LetterData {
            data_dir,
            slugs,
            kent_slug,
        })
    }
}

/// The inputs the cases run on, made in the scratch folder.
pub struct Fixtures {
    /// The 10× publication (`generate-sample --scale 10`), made when the x10 case runs.
    pub x10: PathBuf,
    pub x10_letters: usize,
    /// The 1,000,000-decision extract, made when the check case runs.
    pub million: PathBuf,
    /// The 2020-21 sample's letters.
    pub y2020_21: LetterData,
    /// The 2024-25 sample's letters, when its case runs.
    pub y2024_25: Option<LetterData>,
}

impl Fixtures {
    pub fn make(bench: &Bench) -> Result<Fixtures> {
        let tmp = &bench.tmp;
        let x10 = tmp.join("input-x10");
        let mut x10_letters = 0;
        if bench.want("x10") {
            generate(&x10, &["--scale", "10"])?;
            x10_letters = count_authorities(&x10)?;
        }
        let million = tmp.join("input-1m");
        if bench.want("check") {
            make_million(&tmp.join("gen-500k"), &million)?;
        }
        let y2020_21 = LetterData::make(bench, &bench.y2020_21)?;
        let y2024_25 = bench
            .want(crate::YEAR_2024_25)
            .then(|| LetterData::make(bench, &bench.y2024_25))
            .transpose()?;
        Ok(Fixtures {
            x10,
            x10_letters,
            million,
            y2020_21,
            y2024_25,
        })
    }
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn publication_toml(input: &Path) -> Result<toml::Table> {
    let path = input.join("publication.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.parse()?)
}

/// `generate-sample --out DIR ARGS…`: a complete input folder (settings and commentary
/// included).
fn generate(out: &Path, args: &[&str]) -> Result<()> {
    run_ok(Command::new(GENERATE).arg("--out").arg(out).args(args))
}

/// A 1,000,000-decision extract. The generator stops at 600,000 decisions (six-digit case
/// numbers per year), so it makes 500,000 in `out` and their decisions and compliance outcomes
/// are written twice, the second copy with its case references' year moved on by 50
/// (`19 003 821` → `69 003 821`): still unique, same format, same authorities, dates and
/// outcomes. `halves` keeps the generated CSV files.
fn make_million(halves: &Path, out: &Path) -> Result<()> {
    use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
    generate(out, &["--decisions", "500000"])?;
    fs::create_dir_all(halves)?;
    for name in ["decisions.csv", "compliance.csv"] {
        fs::rename(out.join(name), halves.join(name))?;
        // Streamed, so that this process stays small (see `reset_peak_rss` in measure.rs).
        let mut source = BufReader::new(fs::File::open(halves.join(name))?);
        let mut sink = BufWriter::new(fs::File::create(out.join(name))?);
        let mut header = String::new();
        source.read_line(&mut header)?;
        sink.write_all(header.as_bytes())?;
        let mut rows = 0;
        for copy in 0..2 {
            source.rewind()?;
            for line in (&mut source).lines().skip(1) {
                let line = line?;
                if line.is_empty() {
                    continue;
                }
                if copy == 0 {
                    writeln!(sink, "{line}")?;
                } else {
                    let year: u32 = line[..2].parse().context("case reference year")?;
                    writeln!(sink, "{}{}", year + 50, &line[2..])?;
                }
                rows += 1;
            }
        }
        sink.flush()?;
        if name == "decisions.csv" {
            ensure!(
                rows == 1_000_000,
                "expected 1,000,000 decisions, made {rows}"
            );
        }
    }
    Ok(())
}

pub fn count_authorities(input: &Path) -> Result<usize> {
    let text = fs::read_to_string(input.join("authorities.csv"))?;
    Ok(text.lines().skip(1).filter(|l| !l.is_empty()).count())
}

/// The letters' slugs, from `letter-data --out`'s `<slug>.json` files, sorted.
fn slugs(data_dir: &Path) -> Result<Vec<String>> {
    let mut slugs: Vec<String> = fs::read_dir(data_dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".json"))
                .map(str::to_string)
        })
        .collect();
    slugs.sort();
    ensure!(!slugs.is_empty(), "letter-data wrote no letters");
    Ok(slugs)
}

fn kent_slug(data_dir: &Path) -> Result<String> {
    for slug in slugs(data_dir)? {
        let json: serde_json::Value =
            serde_json::from_slice(&fs::read(data_dir.join(format!("{slug}.json")))?)?;
        if json["authority"]["code"] == KENT {
            return Ok(slug);
        }
    }
    bail!("no letter data for {KENT}")
}

/// A typst 0.15 binary: `$TYPST`, `typst` on PATH, `~/.cargo/bin/typst`, or installed now.
pub fn find_typst(notes: &mut Vec<String>) -> Option<PathBuf> {
    let is_015 = |path: &Path| {
        Command::new(path)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(" 0.15."))
    };
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .map(|c| c.join("bin").join("typst"));
    let mut candidates: Vec<PathBuf> = std::env::var_os("TYPST")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.push(PathBuf::from("typst"));
    candidates.extend(cargo_bin.clone());
    if let Some(found) = candidates.into_iter().find(|c| is_015(c)) {
        return Some(found);
    }
    eprintln!(
        "bench: no typst 0.15 CLI found; installing it with `cargo install typst-cli --locked --version 0.15.1` (several minutes)"
    );
    let installed = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["install", "typst-cli", "--locked", "--version", "0.15.1"])
        .status()
        .is_ok_and(|s| s.success());
    match cargo_bin.filter(|c| installed && is_015(c)) {
        Some(path) => {
            notes.push("typst-cli 0.15.1 was installed by this run.".to_string());
            Some(path)
        }
        None => {
            notes.push(
                "typst-cli 0.15 is not available and could not be installed: no baseline."
                    .to_string(),
            );
            None
        }
    }
}

/// One project folder per letter of `publication`: a copy of its template's files (fonts
/// excepted: the CLI gets them with `--font-path`) plus the letter's `data.json` and, when the
/// letter has commentary, `commentary.typ` at its root. Copies, not symlinks: the CLI wants its
/// main file inside the root after resolving links.
pub fn make_cli_projects(
    publication: &Publication,
    letters: &LetterData,
    projects: &Path,
) -> Result<PathBuf> {
    fn is_font(path: &Path) -> bool {
        path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        })
    }
    fn copy_tree(from: &Path, to: &Path) -> Result<()> {
        fs::create_dir_all(to)?;
        for entry in fs::read_dir(from)? {
            let entry = entry?;
            let path = entry.path();
            if path.is_dir() {
                copy_tree(&path, &to.join(entry.file_name()))?;
            } else if !is_font(&path) {
                fs::copy(&path, to.join(entry.file_name()))?;
            }
        }
        Ok(())
    }
    for slug in &letters.slugs {
        let dir = projects.join(slug);
        copy_tree(&publication.template_dir, &dir)?;
        fs::copy(
            letters.data_dir.join(format!("{slug}.json")),
            dir.join("data.json"),
        )?;
        let commentary = letters.data_dir.join(format!("{slug}.commentary.typ"));
        if commentary.exists() {
            fs::copy(&commentary, dir.join("commentary.typ"))?;
        }
    }
    Ok(projects.to_path_buf())
}

/// A copy of the bench's templates whose letters' web pages and site index are empty documents:
/// the national batch built with it is the batch without the web edition's compiles (each page is
/// a compile of one element), through the same code as every build.
pub fn without_web(bench: &Bench) -> Result<PathBuf> {
    let templates = bench.tmp.join("templates-without-web");
    let _ = std::fs::remove_dir_all(&templates);
    let template_dir = &bench.y2020_21.template_dir;
    let name = template_dir
        .file_name()
        .context("the template folder's name")?;
    copy_dir(template_dir, &templates.join(name))?;
    let empty = "// For the benchmark: an empty page, to time the batch without the web edition.\n\
                 #html.elem(\"html\", html.elem(\"body\"))\n";
    for entry in ["main-web.typ", "index.typ"] {
        std::fs::write(templates.join(name).join(entry), empty)?;
    }
    Ok(templates)
}

pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The bytes of every file under `dir`.
pub fn size_of(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        total += if entry.file_type()?.is_dir() {
            size_of(&entry.path())?
        } else {
            entry.metadata()?.len()
        };
    }
    Ok(total)
}

/// The tool as it was before the work being measured: a binary built from an earlier commit
/// (`BENCH_BASELINE`) and the template folder of that commit (`BENCH_BASELINE_TEMPLATES`), for
/// the 2020-21 batch built by both in alternation.
pub struct Baseline {
    pub bin: PathBuf,
    pub templates: PathBuf,
    /// What `--version` says, and the path, for the report.
    pub describe: String,
}

/// The baseline the environment names, if it does; `None` with a note when it names none, and an
/// error when it names half of one or one that does not run.
pub fn baseline(notes: &mut Vec<String>) -> Result<Option<Baseline>> {
    let bin = std::env::var_os("BENCH_BASELINE").filter(|v| !v.is_empty());
    let templates = std::env::var_os("BENCH_BASELINE_TEMPLATES").filter(|v| !v.is_empty());
    let (bin, templates) = match (bin, templates) {
        (Some(bin), Some(templates)) => (PathBuf::from(bin), PathBuf::from(templates)),
        (None, None) => {
            notes.push(
                "No baseline binary in this run: set BENCH_BASELINE and BENCH_BASELINE_TEMPLATES (see bench/README.md) to compare the 2020-21 batch with an earlier build."
                    .to_string(),
            );
            return Ok(None);
        }
        _ => bail!(
            "BENCH_BASELINE and BENCH_BASELINE_TEMPLATES go together: the baseline's binary and the template folder of its commit"
        ),
    };
    ensure!(
        templates.is_dir(),
        "BENCH_BASELINE_TEMPLATES: {} is not a folder",
        templates.display()
    );
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .with_context(|| format!("running the baseline {} --version", bin.display()))?;
    ensure!(
        version.status.success(),
        "the baseline {} --version failed",
        bin.display()
    );
    let describe = format!(
        "`{}` ({})",
        bin.display(),
        String::from_utf8_lossy(&version.stdout).trim()
    );
    Ok(Some(Baseline {
        bin,
        templates,
        describe,
    }))
}
