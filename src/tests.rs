//! Tests of the pipeline in one process, from the input to the pages Typst lays out: they use the
//! plan and the renderer together, so they live at the crate's root, above both.

use crate::layout::Edition;
use crate::render::{Document, DocumentWorld, Template, paged};

/// The sample's letter to `code`, as the build plans it.
fn sample_letter(prepared: &crate::plan::Prepared, code: &str) -> Document {
    let index = prepared
        .publication
        .authorities
        .iter()
        .position(|a| a.code == code)
        .unwrap();
    let mut plan = crate::plan::Plan::of(prepared);
    plan.documents.swap_remove(index).document
}

/// A letter's PDF compiles with Typst's library as the plain `typst` command line has it, without
/// the HTML feature, as the README promises template authors: nothing the PDF's files make when
/// they are imported may need `html`, which only the web page's side of the template may use.
mod without_html {
    use std::path::PathBuf;

    use super::*;
    use crate::plan;

    #[test]
    fn kents_pdf_compiles_without_the_html_feature() {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let prepared = plan::prepare(
            &plan::Sources {
                input: repo.join("input"),
                templates: repo.join("typst-templates"),
                archive: repo.join("target/no-archive"),
            },
            None,
        )
        .unwrap();
        let folder = repo.join("typst-templates/annual-review-2021");
        let template = Template::load(&folder).unwrap().without_html();
        let letter = sample_letter(&prepared, "E10000016");
        let world = DocumentWorld::new(&template, &letter, Edition::Letter);
        let problems = paged(&world, &letter).err().map(|e| e.to_string());
        assert_eq!(problems, None);
    }
}

/// The pages look as they did when their reference images were made: Kent's three pages and
/// the Isles of Scilly's statistics page, rendered to pixels in this process (typst-render draws
/// the same document Typst exports) and compared with `tests/visual/*.png` within a small
/// tolerance. `UPDATE_VISUAL=1` writes new references instead; look at them before committing.
mod visual {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::plan::{self, Prepared};

    /// Pixels per point: 1.5 draws an A4 page 893 pixels wide, enough to see a misplaced line.
    const SCALE: f32 = 1.5;
    /// A pixel differs when a channel moves by more than this.
    const CHANNEL_TOLERANCE: u8 = 24;
    /// The page differs when more than this share of its pixels do.
    const PIXEL_TOLERANCE: f64 = 0.0005;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn pages_of(prepared: &Prepared, code: &str) -> Vec<tiny_skia::Pixmap> {
        let letter = sample_letter(prepared, code);
        let world = DocumentWorld::new(&prepared.template, &letter, Edition::Letter);
        let document = paged(&world, &letter).unwrap();
        let options = typst_render::RenderOptions {
            pixel_per_pt: typst::utils::Scalar::new(SCALE.into()),
            render_bleed: false,
        };
        document
            .pages()
            .iter()
            .map(|page| typst_render::render(page, &options))
            .collect()
    }

    /// The share of pixels that differ, or why the images cannot be compared.
    fn difference(actual: &tiny_skia::Pixmap, reference: &Path) -> Result<f64, String> {
        let reference = tiny_skia::Pixmap::load_png(reference).map_err(|e| e.to_string())?;
        if (reference.width(), reference.height()) != (actual.width(), actual.height()) {
            return Err(format!(
                "{}×{} pixels, the reference {}×{}",
                actual.width(),
                actual.height(),
                reference.width(),
                reference.height()
            ));
        }
        let differing = actual
            .data()
            .chunks(4)
            .zip(reference.data().chunks(4))
            .filter(|(a, b)| {
                a.iter()
                    .zip(*b)
                    .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE)
            })
            .count();
        Ok(differing as f64 / (actual.width() * actual.height()) as f64)
    }

    #[test]
    fn kent_and_the_isles_of_scilly_look_as_they_did() {
        let prepared = plan::prepare(
            &plan::Sources {
                input: repo().join("input"),
                templates: repo().join("typst-templates"),
                archive: repo().join("target/no-archive"),
            },
            None,
        )
        .unwrap();
        let kent = pages_of(&prepared, "E10000016");
        assert_eq!(kent.len(), 3, "Kent's letter has three pages");
        let scilly = pages_of(&prepared, "E06000053");
        let pages = [
            ("kent-page-1", &kent[0]),
            ("kent-page-2", &kent[1]),
            ("kent-page-3", &kent[2]),
            ("scilly-statistics", scilly.last().unwrap()),
        ];
        let update = std::env::var_os("UPDATE_VISUAL").is_some();
        let actual_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/visual");
        let mut failures = Vec::new();
        for (name, page) in pages {
            let reference = repo().join("tests/visual").join(format!("{name}.png"));
            if update {
                page.save_png(&reference).unwrap();
                continue;
            }
            match difference(page, &reference) {
                Ok(share) if share <= PIXEL_TOLERANCE => {}
                outcome => {
                    std::fs::create_dir_all(&actual_dir).unwrap();
                    let actual = actual_dir.join(format!("{name}.png"));
                    page.save_png(&actual).unwrap();
                    failures.push(format!(
                        "{name}: {} (now: {})",
                        match outcome {
                            Ok(share) => format!("{:.3}% of the pixels differ", share * 100.0),
                            Err(why) => why,
                        },
                        actual.display()
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "pages differ from tests/visual/ (look at them; if the change is meant, run with UPDATE_VISUAL=1 and look again):\n{}",
            failures.join("\n")
        );
    }
}

/// docs/modules.md lists the modules in layers; no module's code may use a module of a later
/// layer (its doc comments may name any).
mod module_graph {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Each module of docs/modules.md's numbered list, with its layer.
    fn layers() -> BTreeMap<String, usize> {
        let doc = std::fs::read_to_string(repo().join("docs/modules.md")).unwrap();
        let mut layers = BTreeMap::new();
        for line in doc.lines() {
            let Some((number, rest)) = line.split_once(". ") else {
                continue;
            };
            let Ok(layer) = number.trim().parse::<usize>() else {
                continue;
            };
            let names = rest.split(" — ").next().unwrap_or_default();
            for name in names.split(", ") {
                layers.insert(name.trim_matches('`').to_string(), layer);
            }
        }
        layers
    }

    /// Every `.rs` file under `dir`.
    fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn no_module_uses_one_of_a_later_layer() {
        let layers = layers();
        let src = repo().join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut upward = Vec::new();
        let mut unlisted = Vec::new();
        for file in files {
            let relative = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let module = relative
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            if ["lib", "main", "tests", "bin"].contains(&module.as_str()) {
                continue;
            }
            let Some(&layer) = layers.get(&module) else {
                unlisted.push(module);
                continue;
            };
            let code = std::fs::read_to_string(&file).unwrap();
            for (number, line) in code.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for (at, _) in line.match_indices("crate::") {
                    let used: String = line[at + "crate::".len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    match layers.get(&used) {
                        Some(&other) if other > layer => upward.push(format!(
                            "src/{relative}:{}: `{module}` (layer {layer}) uses `{used}` (layer {other})",
                            number + 1
                        )),
                        _ => {}
                    }
                }
            }
        }
        unlisted.sort();
        unlisted.dedup();
        assert_eq!(
            unlisted,
            Vec::<String>::new(),
            "modules docs/modules.md does not list"
        );
        assert!(upward.is_empty(), "{}", upward.join("\n"));
    }
}
