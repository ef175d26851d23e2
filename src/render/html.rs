//! The web edition's side of rendering: a letter's world compiled to an HTML page with Typst's
//! HTML export (experimental in Typst 0.15; pinned), the two things its output still needs, and
//! the check of a page made from a council's commentary.
//!
//! Typst writes every `html.frame` (a chart drawn as inline SVG) with an `xmlns:h5` attribute the
//! HTML standard does not allow, and repeats the same glyph `<symbol id>` in every frame that has
//! text in it (typst/typst#8830), which makes duplicate ids. [`tidy`] removes both; the template
//! keeps text out of frames, so the second is only a safeguard.
//!
//! Commentary is trusted markup, but a web page can run code and fetch from other hosts where a
//! PDF cannot: a page made from commentary is read back with an HTML tokenizer (html5gum, the
//! WHATWG tokenizer; a regular expression would not see a tag as a browser does) and refused, with
//! the commentary's file named, if it holds a script, a frame, an object or embed, a `<base>`, an
//! event handler, anything loaded from another host, a `javascript:` link, a link out of the site,
//! or an id twice ([`check_made_from_commentary`]).

use std::collections::HashSet;
use std::path::Path;

use typst::diag::{Severity, SourceDiagnostic};
use typst_html::{HtmlDocument, HtmlOptions};

use super::{DocumentWorld, RenderError, compile_strictly, format_diagnostic};

/// The one warning every HTML compile gives, which says the export is experimental: known and
/// accepted (the version is pinned and the output checked); every other warning fails the page.
const EXPERIMENTAL: &str = "html export is under active development and incomplete";

/// The attribute Typst writes on the `<svg>` of an `html.frame`, which HTML does not allow.
const H5: &str = r#" xmlns:h5="http://www.w3.org/1999/xhtml""#;

/// Compiles the world to an HTML page.
pub(crate) fn compile(world: &DocumentWorld) -> Result<Vec<u8>, RenderError> {
    let document: HtmlDocument = compile_strictly(world, is_expected)?;
    let html = typst_html::html(&document, &HtmlOptions { pretty: false }).map_err(|errors| {
        RenderError::Typst(errors.iter().map(|e| format_diagnostic(world, e)).collect())
    })?;
    Ok(tidy(html).into_bytes())
}

fn is_expected(warning: &SourceDiagnostic) -> bool {
    warning.severity == Severity::Warning
        && warning.span.is_detached()
        && warning.message == EXPERIMENTAL
}

/// `html` without `xmlns:h5` on its `<svg>` tags and without repeated `<symbol>`s.
///
/// Reads tag by tag, a quoted attribute value being part of its tag (Typst leaves `<` unescaped
/// in attribute values, so a council's name in an `aria-label` may hold one), and skips the raw
/// text of `<style>` and `<script>`.
pub(crate) fn tidy(html: String) -> String {
    // Most pages have neither (the template writes its drawings as SVG elements of its own, not
    // `html.frame`s): they are kept as they are rather than copied tag by tag.
    if !html.contains(H5) && !html.contains("<symbol") {
        return html;
    }
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut symbols = HashSet::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        let mut end = start + 1;
        let mut quoted = false;
        while end < bytes.len() && (quoted || bytes[end] != b'>') {
            quoted ^= bytes[end] == b'"';
            end += 1;
        }
        let end = (end + 1).min(html.len());
        let tag = &html[start..end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "style" | "script" => {
                let close = format!("</{name}");
                at = end + html[end..].find(&close).unwrap_or(html.len() - end);
                continue;
            }
            "svg" if tag.contains(H5) => {
                out.push_str(&html[copied..start]);
                out.push_str(&tag.replacen(H5, "", 1));
                copied = end;
            }
            "symbol" => {
                let id = tag
                    .strip_prefix(r#"<symbol id=""#)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default();
                let close = html[end..]
                    .find("</symbol>")
                    .map_or(html.len(), |i| end + i + "</symbol>".len());
                if !symbols.insert(id.to_string()) {
                    // The same glyph again: `<use>` finds the first.
                    out.push_str(&html[copied..start]);
                    copied = close;
                }
                at = close;
                continue;
            }
            _ => {}
        }
        at = end;
    }
    out.push_str(&html[copied..]);
    out
}

/// Elements a page may not hold, and why.
const FORBIDDEN_ELEMENTS: [(&str, &str); 8] = [
    ("script", "runs code"),
    ("iframe", "shows another page inside this one"),
    ("frame", "shows another page inside this one"),
    ("frameset", "shows other pages inside this one"),
    ("object", "runs or shows something from elsewhere"),
    ("embed", "runs or shows something from elsewhere"),
    ("applet", "runs code"),
    ("base", "changes where every link of the page leads"),
];

/// Attributes whose value is a URL the browser loads (or follows, for `href`).
const URL_ATTRIBUTES: [&str; 9] = [
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "action",
    "formaction",
    "background",
    "xlink:href",
];

/// Refuses a web page made from the commentary in `commentary` that holds what no page of the
/// site may: see the module's documentation. Every finding is a line naming the file.
pub(crate) fn check_made_from_commentary(
    page: &[u8],
    commentary: &Path,
) -> Result<(), RenderError> {
    let mut findings: Vec<String> = Vec::new();
    let mut ids = HashSet::new();
    let text = String::from_utf8_lossy(page);
    for token in html5gum::Tokenizer::new(text.as_ref()).flatten() {
        let html5gum::Token::StartTag(tag) = token else {
            continue;
        };
        let element = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
        if let Some((_, why)) = FORBIDDEN_ELEMENTS.iter().find(|(name, _)| *name == element) {
            findings.push(format!("a `<{element}>` element, which {why}"));
        }
        for (name, value) in &tag.attributes {
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let value = String::from_utf8_lossy(&value.value);
            if name.starts_with("on") {
                findings.push(format!(
                    "an event handler `{name}` on `<{element}>`, which runs code"
                ));
            } else if name == "id" && !ids.insert(value.to_string()) {
                findings.push(format!(
                    "the id `{value}` twice (on `<{element}>`); ids must be unique in a page"
                ));
            } else if URL_ATTRIBUTES.contains(&name.as_str()) {
                let urls: Vec<&str> = if name == "srcset" {
                    value
                        .split(',')
                        .filter_map(|candidate| candidate.split_whitespace().next())
                        .collect()
                } else {
                    vec![value.as_ref()]
                };
                for url in urls {
                    if let Some(problem) = url_problem(url, &name) {
                        findings.push(format!("{problem} (`{name}=\"{url}\"` on `<{element}>`)"));
                    }
                }
            }
        }
    }
    if findings.is_empty() {
        return Ok(());
    }
    findings.dedup();
    Err(RenderError::Typst(
        findings
            .into_iter()
            .map(|finding| {
                format!(
                    "{}: error: the letter's web page would hold {finding}; commentary may not put this into a web page",
                    commentary.display()
                )
            })
            .collect(),
    ))
}

/// What is wrong with `url` as the value of attribute `attribute` in a council's page
/// (`site/councils/<slug>.html`), if anything: it must stay inside the site, and only links and
/// images within the page (`#…`, `data:`) or relative to it are allowed.
fn url_problem(url: &str, attribute: &str) -> Option<&'static str> {
    // Browsers ignore whitespace and control characters inside a scheme (`java\tscript:`).
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if squeezed.starts_with("javascript:") || squeezed.starts_with("vbscript:") {
        return Some("a `javascript:` link, which runs code");
    }
    if squeezed.starts_with('#') {
        return None;
    }
    if squeezed.starts_with("data:") && attribute != "href" {
        return None;
    }
    let has_scheme = squeezed
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|first| first.contains(':'));
    if has_scheme
        || squeezed.starts_with("//")
        || squeezed.starts_with('/')
        || squeezed.starts_with('\\')
    {
        return Some(if attribute == "href" {
            "a link out of the site"
        } else {
            "something loaded from outside the site"
        });
    }
    // A relative path from `site/councils/`: it may climb to the site's root, not above it.
    let mut depth: i32 = 1;
    for part in squeezed
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .split('/')
    {
        match part {
            ".." => depth -= 1,
            "" | "." => {}
            _ => depth += 1,
        }
        if depth < 0 {
            return Some("a link out of the site");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{check_made_from_commentary, tidy};

    #[test]
    fn a_page_from_commentary_may_not_run_code_or_leave_the_site() {
        let findings =
            |page: &str| match check_made_from_commentary(page.as_bytes(), Path::new("c/E1.typ")) {
                Ok(()) => Vec::new(),
                Err(super::RenderError::Typst(lines)) => lines,
            };
        let fine = r##"<html><head><link rel="stylesheet" href="../assets/style.css"></head><body><a href="../index.html">All</a><a href="#note-1" id="note-ref-1">1</a><img src="data:image/png;base64,AA" alt=""><a href="../letters/kent.pdf">PDF</a></body></html>"##;
        assert_eq!(findings(fine), Vec::<String>::new());
        for (page, expected) in [
            ("<p><script>alert(1)</script></p>", "a `<script>` element"),
            ("<p><SCRIPT src=x></SCRIPT></p>", "a `<script>` element"),
            (
                "<iframe src=\"../index.html\"></iframe>",
                "a `<iframe>` element",
            ),
            ("<object data=x></object>", "a `<object>` element"),
            ("<embed src=x>", "a `<embed>` element"),
            ("<base href=\"../\">", "a `<base>` element"),
            (
                "<img src=\"https://tracker.example/p.gif\" alt=\"\">",
                "something loaded from outside the site",
            ),
            (
                "<img src=\"//tracker.example/p.gif\" alt=\"\">",
                "something loaded from outside the site",
            ),
            (
                "<a href=\"javascript:alert(1)\">x</a>",
                "a `javascript:` link",
            ),
            (
                "<a href=\" Java\tScript:alert(1)\">x</a>",
                "a `javascript:` link",
            ),
            (
                "<a href=\"https://example.org/\">x</a>",
                "a link out of the site",
            ),
            (
                "<a href=\"../../../etc/passwd\">x</a>",
                "a link out of the site",
            ),
            ("<a href=\"/etc/passwd\">x</a>", "a link out of the site"),
            (
                "<p onclick=\"alert(1)\">x</p>",
                "an event handler `onclick`",
            ),
            (
                "<h2 id=\"statistics\">a</h2><div id=\"statistics\"></div>",
                "the id `statistics` twice",
            ),
        ] {
            let found = findings(page);
            assert!(
                found.len() == 1
                    && found[0].starts_with("c/E1.typ: error: the letter's web page would hold ")
                    && found[0].contains(expected),
                "{page}: {found:?}"
            );
        }
    }

    #[test]
    fn frames_lose_the_stray_namespace_and_repeated_symbols() {
        let html = concat!(
            r#"<p title="a <svg> b">x</p>"#,
            r##"<svg class="typst-frame" xmlns:h5="http://www.w3.org/1999/xhtml"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
            r##"<svg class="typst-frame" xmlns:h5="http://www.w3.org/1999/xhtml"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
            r#"<script>if (a < b) { x = "<svg xmlns:h5=\"http://www.w3.org/1999/xhtml\">"; }</script>"#,
        );
        assert_eq!(
            tidy(html.to_string()),
            concat!(
                r#"<p title="a <svg> b">x</p>"#,
                r##"<svg class="typst-frame"><symbol id="g1"><path/></symbol><use href="#g1"/></svg>"##,
                r##"<svg class="typst-frame"><use href="#g1"/></svg>"##,
                r#"<script>if (a < b) { x = "<svg xmlns:h5=\"http://www.w3.org/1999/xhtml\">"; }</script>"#,
            )
        );
        let plain =
            r#"<p title="a <svg> b">x</p><svg viewBox="0 0 1 1"><circle r="1"></circle></svg>"#;
        assert_eq!(tidy(plain.to_string()), plain);
    }
}
