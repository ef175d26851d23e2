//! The web edition: every letter's page says the same words as its PDF, data never becomes
//! markup on a page or the index, the site is self-contained, and it is reproducible. (Valid
//! HTML and accessibility in a real browser: .ci/web-checks.)

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::Fixture;
use crate::common::pdf::pdf_text;

/// The text of the page's `<main>` as it shows: tags dropped (a block's edges separate words, an
/// inline element's do not), entities decoded, every run of whitespace one space. Left out: the
/// links to the PDF and the data at the top, and the council's name above the heading — a web
/// page's own, where the PDF has its running header and footer.
fn page_text(html: &str) -> String {
    const BLOCKS: [&str; 24] = [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "section",
        "figure",
        "table",
        "tr",
        "td",
        "th",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "br",
        "span",
        "figcaption",
    ];
    let main = html
        .split_once("<main")
        .and_then(|(_, rest)| rest.split_once("</main>"))
        .map(|(main, _)| main)
        .expect("the page has a <main>");
    let mut text = String::new();
    let mut rest = &main[main.find('>').unwrap() + 1..];
    // The element being left out, and how deep in elements of its name we are.
    let mut skipping: Option<(String, usize)> = None;
    while let Some(open) = rest.find('<') {
        if skipping.is_none() {
            text.push_str(&rest[..open]);
        }
        let close = rest[open..].find('>').map(|i| open + i + 1).unwrap();
        let tag = &rest[open..close];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let closing = tag.starts_with("</");
        match &mut skipping {
            Some((skipped, depth)) if *skipped == name => {
                if closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            Some(_) => {}
            // The page's own parts, which the letter does not print: its links, its caption and
            // the council's earlier years.
            None if tag.contains("class=\"page-links\"")
                || tag.contains("class=\"caption\"")
                || tag.contains("id=\"earlier-years\"") =>
            {
                skipping = Some((name.clone(), 1));
            }
            None => {}
        }
        if BLOCKS.contains(&name.as_str()) {
            text.push(' ');
        }
        rest = &rest[close..];
    }
    text.push_str(rest);
    normalise(&decode(&text))
}

/// Every run of whitespace as one space, and none after a slash, where a PDF line may break
/// (`incomplete/` `invalid`).
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("/ ", "/")
}

/// The text of a letter's PDF without what a printed page repeats: the running header (the
/// Ombudsman's name on every page, the letter's heading from page 2) and the footer (the
/// council's name and the page number).
fn letter_text(pdf: &str, council: &str, heading: &str) -> String {
    let mut text = normalise(pdf).replace("Local Government & Social Care Ombudsman ", "");
    let pages = text.matches(" Page ").count();
    for page in 1..=pages {
        text = text.replacen(&format!("{council} Page {page} of {pages}"), "", 1);
    }
    let heading = &format!("{heading} ");
    let first = text.find(heading).map_or(0, |i| i + heading.len());
    format!("{}{}", &text[..first], text[first..].replace(heading, ""))
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// How often each word occurs.
fn words(text: &str) -> BTreeMap<&str, i64> {
    let mut counts = BTreeMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    counts
}

/// The words one text has more (or fewer) of than the other: `+` only in the page, `-` only in
/// the PDF.
fn difference(pdf: &str, page: &str) -> Vec<String> {
    let (pdf, page) = (words(pdf), words(page));
    let mut all: Vec<&str> = pdf.keys().chain(page.keys()).copied().collect();
    all.sort();
    all.dedup();
    all.into_iter()
        .filter_map(|word| {
            let delta = page.get(word).unwrap_or(&0) - pdf.get(word).unwrap_or(&0);
            (delta != 0).then(|| format!("{word} {delta:+}"))
        })
        .collect()
}

fn site(fixture: &Fixture) -> std::path::PathBuf {
    fixture.output().join("2020-21/site")
}

#[test]
fn every_letters_page_says_the_same_words_as_its_pdf_in_2020_21() {
    assert_pages_say_their_letters(
        &crate::common::national().join("2020-21"),
        339,
        "Annual Review letter 2021",
    );
}

#[test]
fn every_letters_page_says_the_same_words_as_its_pdf_in_2024_25() {
    assert_pages_say_their_letters(
        &crate::common::national_2025().join("2024-25"),
        317,
        "Annual Review letter 2025",
    );
}

/// Every council's page in the year's folder `year` (there are `expected`) says the words of its
/// letter, whose running heading is `heading`.
fn assert_pages_say_their_letters(year: &Path, expected: usize, heading: &str) {
    let councils = year.join("site/councils");
    let pages = crate::common::files_under(&councils);
    assert_eq!(pages.len(), expected);
    let mut differing = Vec::new();
    for page in &pages {
        let slug = page.trim_end_matches(".html");
        let html = std::fs::read_to_string(councils.join(page)).unwrap();
        let council = html
            .split_once("<p class=\"caption\">")
            .and_then(|(_, rest)| rest.split_once("</p>"))
            .map(|(name, _)| decode(name))
            .expect("the page names its council");
        let letter = year.join("letters").join(format!("{slug}.pdf"));
        let pdf = letter_text(&pdf_text(&letter), &council, heading);
        let diff = difference(&pdf, &page_text(&html));
        if !diff.is_empty() {
            differing.push(format!("{slug}: {}", diff.join(", ")));
        }
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn data_never_becomes_markup_on_a_page_or_the_index() {
    let fixture = Fixture::new("tiny");
    let name = "<script>alert(1)</script> & <b>Co</b>";
    fixture.write(
        "authorities.csv",
        fixture
            .read("authorities.csv")
            .replace("Kent County Council", &format!("\"{name}\"")),
    );
    for file in ["decisions.csv", "compliance.csv"] {
        fixture.write(
            file,
            fixture
                .read(file)
                .replace(",Kent County Council,", ",E10000016,"),
        );
    }
    fixture.run(&["build"]).assert_status(0);
    // `<` and `&` escaped, as HTML requires in text (`>` needs no escape there).
    let escaped = "&lt;script>alert(1)&lt;/script> &amp; &lt;b>Co&lt;/b>";
    for page in [
        "councils/script-alert-1-script-and-b-co-b.html",
        "index.html",
    ] {
        let html = std::fs::read_to_string(site(&fixture).join(page)).unwrap();
        assert!(
            html.contains(escaped),
            "{page} does not print the name literally"
        );
        assert!(!html.contains("<script>alert"), "{page} runs the name");
        assert!(!html.contains("<b>Co"), "{page} renders the name");
    }
}

/// Every `href` and `src` of a page.
fn links(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for attribute in [" href=\"", " src=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attribute) {
            rest = &rest[at + attribute.len()..];
            let end = rest.find('"').unwrap();
            found.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    found
}

#[test]
fn the_site_is_self_contained() {
    let fixture = Fixture::new("small");
    fixture.run(&["build"]).assert_status(0);
    let site = site(&fixture);
    for page in crate::common::files_under(&site)
        .into_iter()
        .filter(|p| p.ends_with(".html"))
    {
        let path = site.join(&page);
        let html = std::fs::read_to_string(&path).unwrap();
        for link in links(&html) {
            if link.starts_with('#') || link.starts_with("data:") {
                continue;
            }
            assert!(
                !link.contains("://") && !link.starts_with("//") && !link.starts_with('/'),
                "{page} links outside the site: {link}"
            );
            let target = path.parent().unwrap().join(link.split('#').next().unwrap());
            assert!(
                target.exists(),
                "{page} links to {link}, which is not in the site"
            );
            assert!(
                target
                    .canonicalize()
                    .unwrap()
                    .starts_with(site.canonicalize().unwrap()),
                "{page} links outside the site: {link}"
            );
        }
    }
    for data in ["statistics.csv", "statistics.json"] {
        assert_eq!(
            std::fs::read(site.join("data").join(data)).unwrap(),
            std::fs::read(fixture.output().join("2020-21").join(data)).unwrap()
        );
    }
    assert!(Path::new(&site.join("assets/style.css")).exists());
}
